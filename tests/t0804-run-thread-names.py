"""t0804: thread names are in the trace from the moment the recorder first
sees each thread, so a recording killed with kill -9 names the main thread
and a worker; a thread renamed later carries its new name after a normal
exit. Every backend of this Python."""
import json
import os
import subprocess
import tempfile
import unittest

import _tracerec
import reftrace

TRACEREC = os.environ["TRACEREC"]
BUSY = '''import threading, time


def spin():
    n = 0
    while True:
        n += 1


threading.Thread(target=spin, name="busy-worker", daemon=True).start()
print("started", flush=True)
while True:
    time.sleep(0.001)
'''
RENAMED = '''import threading

go = threading.Event()


def wait():
    go.wait()


t = threading.Thread(target=wait, name="before", daemon=True)
t.start()
t.name = "after"
print("EXIT-SUCCESS")
'''
BOTH_COMMITTED = "SELECT count(DISTINCT thread_id) >= 2 FROM chunks"


def info(trace):
    """What `tracerec info --json` says of trace. Not reftrace.dump: a
    killed busy loop leaves millions of events, which dump would hold in
    memory (gigabytes) only for their threads' names."""
    out = subprocess.run([TRACEREC, "info", "--json", trace], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    return json.loads(out)


def names(trace):
    return sorted(t["name"] for t in info(trace)["threads"])


class ThreadNames(unittest.TestCase):
    def command(self, tmp, backend, text, trace):
        path = os.path.join(tmp, "prog.py")
        with open(path, "w") as f:
            f.write(text)
        return [TRACEREC, "run", "-q", "--backend", backend, "-o", trace, path]

    def test_kill_9_trace_names_its_threads(self):
        for backend in _tracerec.backends():
            with self.subTest(backend=backend), tempfile.TemporaryDirectory() as tmp:
                trace = os.path.join(tmp, "k.trace")
                p = subprocess.Popen(self.command(tmp, backend, BUSY, trace),
                                     stdout=subprocess.PIPE, env=reftrace.env_for_tests())
                first, running = reftrace.kill_9_when_committed(p, trace, BOTH_COMMITTED)
                self.assertEqual(first, b"started")
                self.assertTrue(running, "the program ended before the kill")
                self.assertEqual(p.returncode, -9)
                self.assertIs(info(trace)["complete"], False)
                self.assertEqual(names(trace), ["MainThread", "busy-worker"])

    def test_renamed_thread_has_its_last_name(self):
        for backend in _tracerec.backends():
            with self.subTest(backend=backend), tempfile.TemporaryDirectory() as tmp:
                trace = os.path.join(tmp, "r.trace")
                p = subprocess.run(self.command(tmp, backend, RENAMED, trace),
                                   stdout=subprocess.PIPE, env=reftrace.env_for_tests(),
                                   timeout=120)
                self.assertEqual(p.returncode, 0)
                self.assertEqual(names(trace), ["MainThread", "after"])

    def test_raw_thread_is_shown_without_a_name(self):
        """A thread started with _thread has no threading name: info and
        replay say so rather than print an empty name."""
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "raw.trace")
            prog = os.path.join(reftrace.programs_dir(), "threads_raw.py")
            p = subprocess.run([TRACEREC, "run", "-q", "-o", trace, prog],
                               stdout=subprocess.PIPE, env=reftrace.env_for_tests(),
                               timeout=120)
            self.assertEqual(p.returncode, 0)
            self.assertEqual(names(trace), ["", "MainThread"])
            info = subprocess.run([TRACEREC, "info", trace], stdout=subprocess.PIPE,
                                  universal_newlines=True, check=True).stdout
            self.assertRegex(info, r"\n  2 \(no threading name\) +\d+ events\n")
            out = subprocess.run([TRACEREC, "replay", trace], input="thread 2\nthreads\n",
                                 stdout=subprocess.PIPE, universal_newlines=True,
                                 check=True).stdout
            self.assertIn("[Switching to thread 2 (no threading name)]", out)
            self.assertRegex(out, r"\* 2 no threading name  seq \d+")


if __name__ == "__main__":
    import taprunner
    taprunner.main()
