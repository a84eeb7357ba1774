"""t0221: tracerec.record()/start()/stop() record a region from inside a
program; -m and -c runs are recorded with their code and source."""
import os
import subprocess
import sys
import tempfile
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PYTHON = os.environ.get("PYTHON", sys.executable)
PROGRAMS = reftrace.programs_dir()


def calls(d):
    return [d["codes"][e["code"]]["name"] for e in d["events"] if e["kind"] == "call"]


class RecordApi(unittest.TestCase):
    def test_record_context_manager_and_start_stop(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a.trace"), os.path.join(tmp, "b.trace")
            p = subprocess.run([PYTHON, "record_region.py", a, b], cwd=PROGRAMS,
                               env=reftrace.env_for_tests(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True)
            self.assertEqual((p.returncode, p.stderr), (0, ""))
            self.assertEqual(p.stdout.strip(), "[0, 1, 4, 9]")
            da, db = reftrace.dump(a), reftrace.dump(b)
            self.assertEqual(da["header"]["complete"], 1)
            self.assertIn("inside", calls(da))
            self.assertNotIn("outside", calls(da))
            self.assertEqual(calls(db).count("inside"), 1)
            files = {c["file"] for c in da["codes"].values()}
            self.assertFalse(any("tracerec" + os.sep in f for f in files), files)


class Modes(unittest.TestCase):
    def run_trace(self, args):
        tmp = tempfile.mkdtemp()
        trace = os.path.join(tmp, "m.trace")
        p = subprocess.run([TRACEREC, "run", "-q", "-o", trace] + args, cwd=PROGRAMS,
                           env=reftrace.env_for_tests(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return reftrace.dump(trace)

    def test_module_mode_recorded(self):
        d = self.run_trace(["-m", "pkgmod"])
        self.assertIn("triple", calls(d))
        self.assertEqual(d["header"]["meta"].get("mode"), "module")

    def test_code_mode_recorded(self):
        d = self.run_trace(["-c", "def g(v):\n    return v + 1\nprint(g(1))"])
        self.assertIn("g", calls(d))
        files = {c["file"] for c in d["codes"].values()}
        self.assertIn("<string>", files)

    def test_metadata(self):
        d = self.run_trace(["recursion.py", "x"])
        m = d["header"]["meta"]
        self.assertEqual(m.get("argv"), '["recursion.py", "x"]')
        self.assertEqual(os.path.realpath(m.get("cwd")), os.path.realpath(PROGRAMS))
        version = subprocess.run([PYTHON, "-c", "import sys; print(sys.version.split()[0])"],
                                 stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
        self.assertEqual(str(m.get("python_version")), version)
        for key in ("python_executable", "options", "hostname", "pid", "tracerec_version"):
            self.assertIn(key, m)


if __name__ == "__main__":
    import taprunner
    taprunner.main()
