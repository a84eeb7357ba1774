"""t1050-info: `tracerec info` on the synthetic run of tests/helper/sql-model.py:
what was run, completeness, events by kind, threads and the most called
functions must match the model's events; bad input gives one line and the
documented status.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import unittest

SRC = os.environ.get("TREC_SRCDIR", ".")
_spec = importlib.util.spec_from_file_location(
    "sql_model", os.path.join(SRC, "tests", "helper", "sql-model.py"))
sql_model = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sql_model)
TRACEREC = os.environ["TRACEREC"]


def run(*args):
    return subprocess.run([TRACEREC, "info", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


class Info(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="t1050-")
        cls.trace = os.path.join(cls.dir, "info.trace")
        cls.m = sql_model.example()
        cls.m.write(cls.trace, exit_status=3)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_json(self):
        p = run("--json", self.trace)
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        ev = self.m.events
        self.assertEqual(j["events"], len(ev))
        for k in ("call", "line", "return", "exception", "opcode"):
            self.assertEqual(j["events_by_kind"][k], sum(1 for e in ev if e["kind"] == k), k)
        self.assertTrue(j["complete"])
        self.assertEqual(j["argv"], ["prog.py", "a b"])
        self.assertEqual(j["cwd"], "/src")
        self.assertEqual(j["python"], "3.11.7")
        self.assertEqual(j["exit_status"], 3)
        self.assertEqual([(t["thread"], t["name"]) for t in j["threads"]],
                         sorted(self.m.threads.items()))
        n = {}
        for c in self.m.calls:
            n[c["function"]] = n.get(c["function"], 0) + 1
        self.assertEqual([(f["function"], f["calls"]) for f in j["most_called"]],
                         sorted(n.items(), key=lambda x: (-x[1], x[0])))
        self.assertEqual([f["path"] for f in j["files"]],
                         [p for _, p in sorted(self.m.files.items())])
        self.assertEqual(j["size_bytes"], os.path.getsize(self.trace))
        self.assertGreater(j["compression_ratio"], 0)

    def test_text(self):
        p = run(self.trace)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("prog.py a b", p.stdout)
        self.assertIn("complete", p.stdout)
        for path in self.m.files.values():
            self.assertIn(path, p.stdout)
        self.assertIn("events      %d" % len(self.m.events), p.stdout)

    def test_errors(self):
        p = run(os.path.join(self.dir, "missing.trace"))
        self.assertEqual((p.returncode, len(p.stderr.splitlines())), (66, 1), p.stderr)
        bad = os.path.join(self.dir, "bad.trace")
        with open(bad, "w") as f:
            f.write("not a trace\n")
        p = run(bad)
        self.assertEqual((p.returncode, len(p.stderr.splitlines())), (65, 1), p.stderr)
        p = run()
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    import taprunner
    taprunner.main()
