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

Another thread can run between two events of a frame without an event of
its own: HANDOVER's worker sleeps in the middle of a line and, when it
wakes, appends to a list main holds and sleeps again, while main runs lines
that change nothing. TRACEREC_FPCHECK=1 encodes every value a quick
snapshot passes over again and stops the recording, naming the variable,
when it changed; it must not have to.
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

    def test_other_thread_between_events(self):
        import _tracerec
        with tempfile.TemporaryDirectory() as tmp:
            prog = os.path.join(tmp, "handover.py")
            with open(prog, "w") as f:
                f.write(HANDOVER)
            for backend in _tracerec.backends():
                with self.subTest(backend=backend):
                    trace = os.path.join(tmp, backend + ".trace")
                    env = reftrace.env_for_tests(TRACEREC_FPCHECK="1")
                    p = subprocess.run([TRACEREC, "run", "--backend", backend,
                                        "-o", trace, prog], cwd=tmp, env=env,
                                       stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE,
                                       universal_newlines=True, timeout=300)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    self.assertNotIn("TRACEREC_FPCHECK", p.stderr)
                    self.assertNotIn("incomplete", p.stderr)
                    self.assertIn("events", p.stderr)
                    # the worker did change the list while main looped
                    self.assertIn("appended while main looped: 20", p.stdout)


# Lines of main's loop change nothing in place (quick snapshots); the
# worker's appends land between two of main's events with no event of the
# worker's in between: it sleeps before and after on the same line.
HANDOVER = """
import threading, time
shared = []
stop = False

def worker():
    while not stop:
        time.sleep(0.0002); shared.append(len(shared)); time.sleep(0.0002)

def main():
    global stop
    lst = shared
    t = threading.Thread(target=worker)
    t.start()
    while len(lst) < 2:
        time.sleep(0.001)
    before = len(lst)
    x = rounds = 0
    while len(lst) - before < 20 and rounds < 100000:
        rounds += 1
        for i in range(1000):
            x = x + i
    stop = True
    t.join()
    return min(len(lst) - before, 20)

print("appended while main looped:", main())
"""

if __name__ == "__main__":
    import taprunner
    taprunner.main()
