"""t1004-sql-prompt: `tracerec sql TRACE` on a terminal is an interactive
prompt: statements may span lines and run once complete, errors do not end
the session, `.mode` switches the output, and the history is kept in
~/.tracerec_history. Driven through a pseudo-terminal.
"""
import importlib.util
import os
import pty
import select
import shutil
import subprocess
import tempfile
import time
import unittest

SRC = os.environ.get("TREC_SRCDIR", ".")
_spec = importlib.util.spec_from_file_location(
    "sql_model", os.path.join(SRC, "tests", "helper", "sql-model.py"))
sql_model = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sql_model)
TRACEREC = os.environ["TRACEREC"]


class Prompt(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="t1004-")
        cls.trace = os.path.join(cls.dir, "p.trace")
        cls.m = sql_model.example()
        cls.m.write(cls.trace)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def session(self, lines):
        env = dict(os.environ, HOME=self.dir, TERM="dumb")
        master, slave = pty.openpty()
        p = subprocess.Popen([TRACEREC, "sql", self.trace], stdin=slave, stdout=slave,
                             stderr=slave, env=env, close_fds=True)
        os.close(slave)
        out = b""
        for line in lines:
            os.write(master, line.encode() + b"\r")
            time.sleep(0.2)
        deadline = time.time() + 20
        while time.time() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        p.wait(timeout=10)
        os.close(master)
        return p.returncode, out.decode("utf-8", "replace").replace("\r", "")

    def test_session(self):
        rc, out = self.session(["SELECT count(*) AS n", "FROM events;", "SELEC oops;",
                                ".mode csv", "SELECT count(*) AS c FROM calls;", ".quit"])
        self.assertEqual(rc, 0, out)
        self.assertIn("%d" % len(self.m.events), out)
        self.assertIn("syntax error", out)
        self.assertIn("c\n%d\n" % len(self.m.calls), out)
        with open(os.path.join(self.dir, ".tracerec_history")) as f:
            hist = f.read()
        self.assertIn("calls;", hist)   # libedit escapes blanks as \\040


if __name__ == "__main__":
    import taprunner
    taprunner.main()
