"""t0210: for every corpus program, the events and value changes recorded
by `tracerec run` equal what the sys.settrace reference (tests/reftrace.py)
observes on the same program: per thread, the same kinds, code, lines,
depths and frame identities (numbered by first appearance), the same
variables at each call, and the same changed values where the reference can
judge them."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PYTHON = os.environ.get("PYTHON", sys.executable)
PROGRAMS = reftrace.programs_dir()
REFTRACE = os.path.join(os.environ["TREC_SRCDIR"], "tests", "reftrace.py")


def first_difference(ref, rec, with_qualname):
    for i, (a, b) in enumerate(zip(ref, rec)):
        x, y = reftrace.comparable(a, b, with_qualname)
        if x != y:
            return "event %d of the thread:\n  reference %r\n  recorded  %r" % (i, x, y)
    if len(ref) != len(rec):
        more = ref[len(rec):] if len(ref) > len(rec) else rec[len(ref):]
        return "%d events in the reference, %d recorded; first extra: %r" % (
            len(ref), len(rec), more[:1])
    return None


class Reference(unittest.TestCase):
    def record(self, name, tmp, backend):
        trace = os.path.join(tmp, "t.trace")
        ref = os.path.join(tmp, "ref.json")
        env = reftrace.env_for_tests()
        p1 = subprocess.run([TRACEREC, "run", "-q", "--backend", backend, "-o", trace, name],
                            cwd=PROGRAMS,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=300)
        p2 = subprocess.run([PYTHON, REFTRACE, "-o", ref, name], cwd=PROGRAMS,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=300)
        self.assertEqual(p1.returncode, p2.returncode)
        with open(ref) as f:
            return reftrace.normalize_dump(reftrace.dump(trace)), \
                reftrace.normalize_ref(json.load(f))

    def test_corpus_matches_reference(self):
        """Every backend of this Python (settrace; sys.monitoring on 3.12+)."""
        import _tracerec
        with_qualname = sys.version_info >= (3, 11)
        for backend in _tracerec.backends():
            for name in reftrace.corpus():
                self.compare(name, backend, with_qualname)

    def compare(self, name, backend, with_qualname):
        with self.subTest(program=name, backend=backend), \
                tempfile.TemporaryDirectory() as tmp:
            rec, ref = map(reftrace.by_name, self.record(name, tmp, backend))
            self.assertEqual(len(rec), len(ref), "threads")
            for a, b in zip(ref, rec):
                self.assertEqual(a["name"], b["name"])
                diff = first_difference(a["events"], b["events"], with_qualname)
                self.assertIsNone(diff, "thread %s: %s" % (a["name"], diff))


if __name__ == "__main__":
    import taprunner
    taprunner.main()
