"""t0244: quick snapshots (recorder/lineflow.h) change nothing in a trace.

After a line that cannot change a value in place, the recorder compares
variables by identity instead of fingerprinting them. Every corpus program
(tests/programs, including quick_paths.py, whose lines change values in
place through C code that such a line reaches: a defaultdict read, C
iterators, in-place operators on aliased lists, an object freed and a new
one made at its address on one line) is recorded with quick snapshots and
with TRACEREC_QUICK=0, on each backend, and the program's own events and
values must be identical per thread, addresses and thread ids aside. t0210 compares the same programs
with the sys.settrace reference.
"""
import os
import re
import subprocess
import tempfile
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PROGRAMS = reftrace.programs_dir()
ADDRESS = re.compile(r"0x[0-9a-f]+")
NATIVE_ID = re.compile(r"_native_id=[0-9]+")   # a Thread's OS thread id


def own_events(trace):
    """The program's own events as comparable text, per thread by name:
    library frames and the process's addresses and thread idents left out."""
    d = reftrace.dump(trace)
    own = os.path.realpath(PROGRAMS)
    idents = sorted((str(t.get("ident", "")) for t in d["threads"].values()),
                    key=len, reverse=True)
    out = []
    for th in reftrace.by_name(reftrace.normalize_dump(d)):
        for e in th["events"]:
            if not os.path.realpath(e["file"] or "").startswith(own):
                continue
            text = NATIVE_ID.sub("_native_id=N", ADDRESS.sub("ID", repr(sorted(e.items()))))
            for ident in idents:
                if ident:
                    text = text.replace(ident, "IDENT")
            out.append(th["name"] + ": " + text)
    return out


class Quick(unittest.TestCase):
    def record(self, name, tmp, backend, quick):
        trace = os.path.join(tmp, "%s-%d.trace" % (backend, quick))
        env = reftrace.env_for_tests()
        if not quick:
            env["TRACEREC_QUICK"] = "0"
        p = subprocess.run([TRACEREC, "run", "-q", "--backend", backend,
                            "-o", trace, name], cwd=PROGRAMS, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=300)
        return p.returncode, p.stdout, own_events(trace)

    def test_quick_equals_full(self):
        import _tracerec
        for backend in _tracerec.backends():
            for name in reftrace.corpus():
                if name == "threads_concurrent.py":
                    continue      # what main sees of its running threads is timing
                with self.subTest(program=name, backend=backend), \
                        tempfile.TemporaryDirectory() as tmp:
                    q = self.record(name, tmp, backend, 1)
                    f = self.record(name, tmp, backend, 0)
                    self.assertEqual(q[:2], f[:2])
                    self.assertGreater(len(q[2]), 0)
                    for i, (a, b) in enumerate(zip(q[2], f[2])):
                        self.assertEqual(a, b, "event %d of %s" % (i, name))
                    self.assertEqual(len(q[2]), len(f[2]))


if __name__ == "__main__":
    import taprunner
    taprunner.main()
