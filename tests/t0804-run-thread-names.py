"""t0804: thread names are in the trace from the moment the recorder first
sees each thread, so a recording killed with kill -9 names the main thread
and a worker; a thread renamed later carries its new name after a normal
exit. Every backend of this Python."""
import os
import signal
import sqlite3
import subprocess
import tempfile
import time
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


def threads_with_chunks(trace):
    """Threads that have committed chunks, read with SQLite directly while
    the trace is being written."""
    try:
        db = sqlite3.connect("file:%s?mode=ro" % trace, uri=True)
        try:
            return db.execute("SELECT count(DISTINCT thread_id) FROM chunks").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def names(trace):
    return sorted(t["name"] for t in reftrace.dump(trace)["threads"].values())


class ThreadNames(unittest.TestCase):
    def program(self, tmp, text):
        path = os.path.join(tmp, "prog.py")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_kill_9_trace_names_its_threads(self):
        for backend in _tracerec.backends():
            with self.subTest(backend=backend), tempfile.TemporaryDirectory() as tmp:
                trace = os.path.join(tmp, "k.trace")
                p = subprocess.Popen([TRACEREC, "run", "-q", "--backend", backend, "-o", trace,
                                      self.program(tmp, BUSY)], stdout=subprocess.PIPE,
                                     env=reftrace.env_for_tests())
                try:
                    self.assertEqual(p.stdout.readline().strip(), b"started")
                    deadline = time.time() + 50
                    while threads_with_chunks(trace) < 2 and time.time() < deadline:
                        time.sleep(0.2)
                    self.assertIsNone(p.poll(), "the program ended before the kill")
                finally:
                    p.send_signal(signal.SIGKILL)
                    p.wait()
                    p.stdout.close()
                self.assertEqual(p.returncode, -9)
                self.assertEqual(reftrace.dump(trace)["header"]["complete"], 0)
                self.assertEqual(names(trace), ["MainThread", "busy-worker"])

    def test_renamed_thread_has_its_last_name(self):
        for backend in _tracerec.backends():
            with self.subTest(backend=backend), tempfile.TemporaryDirectory() as tmp:
                trace = os.path.join(tmp, "r.trace")
                p = subprocess.run([TRACEREC, "run", "-q", "--backend", backend, "-o", trace,
                                    self.program(tmp, RENAMED)], stdout=subprocess.PIPE,
                                   env=reftrace.env_for_tests(), timeout=120)
                self.assertEqual(p.returncode, 0)
                self.assertEqual(names(trace), ["MainThread", "after"])


if __name__ == "__main__":
    import taprunner
    taprunner.main()
