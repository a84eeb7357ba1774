"""t0805: the main thread is recorded until the program's own code is over
(its module returned, SystemExit or an exception left it), not through what
Python then does for it (threading._shutdown, printing the traceback); a
non-daemon thread still running then is recorded to its end, and the
program's atexit function in the main thread. Every backend of this
Python."""
import os
import subprocess
import tempfile
import unittest

import _tracerec
import reftrace

TRACEREC = os.environ["TRACEREC"]
PROGRAM = '''import atexit
import sys
import threading

go = threading.Event()


def goodbye():
    print("goodbye")


def late():
    go.wait()
    total = sum(range(10))
    print("late", total)


atexit.register(goodbye)
threading.Thread(target=late, name="late").start()
go.set()
'''
ENDINGS = {"return": ("", 0), "exit": ("sys.exit(3)\n", 3),
           "exception": ("raise ValueError('boom')\n", 1)}


class ProgramEnd(unittest.TestCase):
    def record(self, tmp, backend, ending):
        prog = os.path.join(tmp, "prog.py")
        with open(prog, "w") as f:
            f.write(PROGRAM + ENDINGS[ending][0])
        trace = os.path.join(tmp, "t.trace")
        p = subprocess.run([TRACEREC, "run", "-q", "--backend", backend, "-o", trace, prog],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, env=reftrace.env_for_tests(),
                           timeout=120)
        self.assertEqual(p.returncode, ENDINGS[ending][1], p.stderr)
        self.assertEqual(p.stdout.splitlines()[-1], "goodbye")
        return prog, reftrace.dump(trace)

    def test_main_thread_ends_with_the_program(self):
        for backend in _tracerec.backends():
            for ending in ENDINGS:
                with self.subTest(backend=backend, ending=ending), \
                        tempfile.TemporaryDirectory() as tmp:
                    self.check(*self.record(tmp, backend, ending))

    def check(self, prog, d):
        codes = d["codes"]
        events = [dict(e, name=codes[e["code"]]["name"], file=codes[e["code"]]["file"])
                  for e in d["events"]]
        main = events[0]["thread"]
        names = {c["name"] for c in codes.values()}
        self.assertNotIn("_shutdown", names)
        self.assertFalse([c["file"] for c in codes.values()
                          if c["file"].endswith("traceback.py")])
        mine = [e for e in events if e["thread"] == main]
        end = max(i for i, e in enumerate(mine)
                  if e["kind"] == "return" and e["name"] == "<module>")
        after = [(e["kind"], e["name"]) for e in mine[end + 1:]]
        self.assertEqual(after, [("call", "goodbye"), ("line", "goodbye"),
                                 ("return", "goodbye")])
        late = [(e["kind"], e["name"]) for e in events
                if e["thread"] != main and e["file"] == prog]
        self.assertEqual(late[0], ("call", "late"))
        self.assertEqual(late[-1], ("return", "late"))


if __name__ == "__main__":
    import taprunner
    taprunner.main()
