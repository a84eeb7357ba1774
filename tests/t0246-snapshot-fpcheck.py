"""t0246: fingerprints and encoding caches never stand in for a changed value.

A variable's value is not encoded again while its fingerprint holds, nor
looked at after a line that cannot change it (quick snapshots,
recorder/lineflow.h), and its encoding may come from the encoding cache or
be built from cached sub-values (recorder/snapshot.c). With TRACEREC_FPCHECK=1 the recorder
encodes every such value again from scratch, at the event itself, and stops
recording with a TRACEREC_FPCHECK message when the bytes differ from what
it recorded. Unlike t0245, which compares two runs, this compares within
one run, so it does not depend on a program doing the same thing twice.

Recorded so: every corpus program and every bench workload (at a small
scale) on each backend, with the default bounds and with small ones (few
items, shallow, short strings: what lies past the bounds is where a
fingerprint can miss a change of a count or a length), and subvalues.py
with more option sets, the value budget among them.
"""
import itertools
import os
import subprocess
import sys
import tempfile
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PROGRAMS = reftrace.programs_dir()
WORKLOADS = os.path.join(os.environ.get("TREC_SRCDIR", "."), "bench",
                         "workloads")
SMALL = ["--max-items", "3", "--max-depth", "2", "--max-str", "4"]

# subvalues.py recorded through the API, for options `tracerec run` has no
# flag for; prints the recorder's error, if any, last.
DRIVER = """
import os, runpy, sys, tracerec
tracerec.start(sys.argv[1], **eval(sys.argv[2]))
try:
    runpy.run_path(os.path.abspath("subvalues.py"), run_name="__main__")
finally:
    print("ERROR:", tracerec.stop().get("error"))
"""


class FingerprintCheck(unittest.TestCase):
    def run_checked(self, cmd, cwd, env):
        env = dict(env, TRACEREC_FPCHECK="1")
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True,
                           timeout=300)
        return p

    def check_run(self, directory, name, backend, extra, env):
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "t.trace")
            p = self.run_checked([TRACEREC, "run", "--backend", backend,
                                  "-o", trace] + extra + [name],
                                 directory, env)
            self.assertNotIn("TRACEREC_FPCHECK", p.stderr)
            self.assertNotIn("incomplete", p.stderr)
            self.assertIn("events", p.stderr)   # the summary line

    def test_corpus(self):
        import _tracerec
        for backend in _tracerec.backends():
            for name in reftrace.corpus():
                for extra in ([], SMALL):
                    with self.subTest(program=name, backend=backend,
                                      options=extra):
                        self.check_run(PROGRAMS, name, backend, extra,
                                       reftrace.env_for_tests())

    def test_workloads(self):
        import _tracerec
        env = reftrace.env_for_tests(BENCH_SCALE="0.005")
        names = sorted(n for n in os.listdir(WORKLOADS)
                       if n.endswith(".py") and not n.startswith("_"))
        self.assertGreaterEqual(len(names), 10)
        for backend in _tracerec.backends():
            for name in names:
                for extra in ([], SMALL):
                    with self.subTest(workload=name, backend=backend,
                                      options=extra):
                        self.check_run(WORKLOADS, name, backend, extra, env)

    def test_subvalues_bounds(self):
        for opts in ({"max_value_bytes": 700}, {"max_value_bytes": 3000},
                     {"max_depth": 5}, {"max_depth": 2, "max_items": 3},
                     {"max_items": 1}, {"max_str": 2, "max_depth": 4}):
            with self.subTest(opts=opts), tempfile.TemporaryDirectory() as tmp:
                p = self.run_checked(
                    [sys.executable, "-c", DRIVER,
                     os.path.join(tmp, "t.trace"), repr(opts)],
                    PROGRAMS, reftrace.env_for_tests())
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stdout.splitlines()[-1], "ERROR: None")

    def test_memo_collisions(self):
        # memo_collide.py gives an object an attribute whose memo shares the
        # object's entry, dict_collide.py a dict a value (a dict) whose memo
        # shares the dict's, then each changes the outer one in place below
        # that value: the line after each change must record it, and the
        # check agree
        import _tracerec
        cases = (("memo_collide.py", "k", "k.grow()"),
                 ("dict_collide.py", "p", "grow(p)"))
        for (program, var, change), backend in itertools.product(
                cases, _tracerec.backends()):
            with self.subTest(program=program, backend=backend), \
                    tempfile.TemporaryDirectory() as tmp:
                trace = os.path.join(tmp, "t.trace")
                cmd = [TRACEREC, "run", "-q", "--backend", backend, "-o",
                       trace, program]
                p = self.run_checked(cmd, PROGRAMS, reftrace.env_for_tests())
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertNotIn("TRACEREC_FPCHECK", p.stderr)
                p = subprocess.run(cmd, cwd=PROGRAMS,
                                   env=reftrace.env_for_tests(),
                                   stdout=subprocess.PIPE, check=True)
                self.assertEqual(p.stdout, b"[3, 5, 7, 9, 3, 5, 7, 9, "
                                 b"3, 5, 7, 9]\n")
                d = reftrace.dump(trace)
                pattern = [e for e in d["events"]
                           if d["codes"][e["code"]]["qualname"] == "pattern"]
                lines = [ln for ln, text in enumerate(
                    open(os.path.join(PROGRAMS, program)), 1)
                    if text.strip() == change]
                self.assertEqual(len(lines), 1)
                events = [e for e in pattern if e["kind"] == "line"]
                after = [e for e, before in zip(events[1:], events)
                         if before["line"] == lines[0]]
                self.assertEqual(len(after), 12)
                for e in after:
                    self.assertIn(var, [v["name"] for v in e["vars"]],
                                  "seq %d" % e["seq"])

    def test_check_sees_a_miss(self):
        # ctypes_poke.py changes a str in place behind CPython's back: the
        # list holding it keeps its fingerprint, and the check must say so
        with tempfile.TemporaryDirectory() as tmp:
            p = self.run_checked([TRACEREC, "run", "-o",
                                  os.path.join(tmp, "t.trace"),
                                  "ctypes_poke.py"],
                                 PROGRAMS, reftrace.env_for_tests())
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, "Xbcd\nafter\n")
            self.assertIn("TRACEREC_FPCHECK: holder in main()", p.stderr)


if __name__ == "__main__":
    import taprunner
    taprunner.main()
