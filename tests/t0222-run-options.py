"""t0222: `tracerec run` options reach the recorder and change the trace:
--trace-all, --exclude, --include, --max-str, --opcodes, --lz4hc, --backend,
--time-resolution;
and the trace's closing metadata after signals and exits."""
import os
import subprocess
import sys
import tempfile
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PYTHON = os.environ.get("PYTHON", sys.executable)
PROGRAMS = reftrace.programs_dir()


def record(args, program="stdlib_calls.py", status=0):
    tmp = tempfile.mkdtemp()
    trace = os.path.join(tmp, "o.trace")
    p = subprocess.run([TRACEREC, "run", "-q", "-o", trace] + args + [program],
                       cwd=PROGRAMS, env=reftrace.env_for_tests(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=300)
    assert p.returncode == status, (p.returncode, p.stderr)
    return reftrace.dump(trace)


def kinds_in(d, pred):
    out = set()
    for e in d["events"]:
        if pred(d["codes"][e["code"]]["file"]):
            out.add(e["kind"])
    return out


def is_stdlib(path):
    return path.startswith(os.path.dirname(os.__file__) + os.sep)


class Options(unittest.TestCase):
    def test_library_is_calls_and_returns_by_default(self):
        d = record([])
        self.assertEqual(kinds_in(d, is_stdlib), {"call", "return"})

    def test_trace_all_records_library_lines(self):
        d = record(["--trace-all"])
        self.assertIn("line", kinds_in(d, is_stdlib))

    def test_exclude_drops_a_file(self):
        d = record(["--exclude", "*/helper_mod.py"], program="imports_local.py")
        files = {c["file"] for c in d["codes"].values()}
        self.assertFalse(any(f.endswith("helper_mod.py") for f in files), files)
        self.assertTrue(any(f.endswith("imports_local.py") for f in files))

    def test_include_records_a_library_file_in_full(self):
        d = record(["--include", "*/json/encoder.py"])
        self.assertIn("line", kinds_in(d, lambda f: f.endswith("json/encoder.py")))
        self.assertNotIn("line", kinds_in(d, lambda f: f.endswith("json/__init__.py")))

    def test_max_str_bounds_strings(self):
        d = record(["--max-str", "5"], program="strings_bytes.py")
        texts = [v["value"] for e in d["events"] for v in e.get("vars", [])
                 if v["name"] == "s"]
        self.assertTrue(texts)
        self.assertTrue(all(t.endswith("...") and len(t) < 20 for t in texts), texts)

    def test_opcodes(self):
        d = record(["--opcodes"], program="recursion.py")
        self.assertTrue(any(e["kind"] == "opcode" for e in d["events"]))
        d = record([], program="recursion.py")
        self.assertFalse(any(e["kind"] == "opcode" for e in d["events"]))

    def test_lz4hc_trace_reads_the_same(self):
        a = record(["--lz4hc"], program="recursion.py")
        b = record([], program="recursion.py")
        self.assertEqual(a["header"]["meta"].get("codec"), "lz4hc")
        self.assertEqual(b["header"]["meta"].get("codec"), "lz4")
        strip = [(e["kind"], e["line"], e["depth"]) for e in a["events"]]
        self.assertEqual(strip, [(e["kind"], e["line"], e["depth"]) for e in b["events"]])

    def test_time_resolution(self):
        # timestamps are rounded down to 64 ns unless told otherwise; the
        # events are the same, and timestamps still never go backwards
        runs = {}
        for args, unit in (([], 64), (["--time-resolution", "1"], 1),
                           (["--time-resolution", "4096"], 4096)):
            d = record(args, program="recursion.py")
            ts = [e["ts"] for e in d["events"] if e["ts"] is not None]
            self.assertGreater(len(ts), 50)
            self.assertEqual(ts, sorted(ts))
            self.assertEqual(d["header"]["meta"].get("opt_time_resolution_ns"), unit)
            runs[unit] = (ts, [(e["kind"], e["line"], e["depth"]) for e in d["events"]])
        self.assertTrue(all(t % 64 == 0 for t in runs[64][0]))
        self.assertTrue(all(t % 4096 == 0 for t in runs[4096][0]))
        self.assertTrue(any(t % 64 for t in runs[1][0]), runs[1][0][:20])
        self.assertEqual(runs[64][1], runs[1][1])
        self.assertEqual(runs[4096][1], runs[1][1])

    def test_backends_agree(self):
        import _tracerec
        traces = [record(["--backend", name], program="generators.py")
                  for name in _tracerec.backends()]
        shapes = [[(e["kind"], e["line"], e["depth"], e["frame"]) for e in d["events"]]
                  for d in traces]
        for s in shapes[1:]:
            self.assertEqual(s, shapes[0])


class Closing(unittest.TestCase):
    def meta(self, program, status):
        d = record([], program=program, status=status)
        return d["header"]["complete"], d["header"]["meta"]

    def test_sigterm_trace_complete(self):
        complete, m = self.meta("sigterm_self.py", -15)
        self.assertEqual((complete, m.get("signal")), (1, 15))

    def test_sigterm_while_finishing(self):
        # the trace is finished and the summary printed, then the process
        # dies of the signal, which the trace records
        complete, m = self.meta("sigterm_closing.py", -15)
        self.assertEqual((complete, m.get("signal"), m.get("exit_status")), (1, 15, 143))
        trace = os.path.join(tempfile.mkdtemp(), "o.trace")
        p = subprocess.run([TRACEREC, "run", "-o", trace, "sigterm_closing.py"],
                           cwd=PROGRAMS, env=reftrace.env_for_tests(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        self.assertEqual((p.returncode, p.stdout), (-15, "done\n"))
        self.assertRegex(p.stderr, r"^tracerec: [0-9,]+ events, .*, trace .*o\.trace \(")

    def test_keyboard_interrupt_trace_complete(self):
        complete, m = self.meta("keyboard_interrupt.py", -2)
        self.assertEqual((complete, m.get("signal")), (1, 2))

    def test_system_exit_status_in_trace(self):
        complete, m = self.meta("system_exit.py", 3)
        self.assertEqual((complete, m.get("exit_status")), (1, 3))

    def test_exit_status_as_the_process_ends(self):
        # the trace's exit status is the process's: sys.exit(256) ends with
        # 0, sys.exit(-1) with 255, an int too big for a C long with 255
        for code in ("256", "-1", "2**64", "7"):
            with self.subTest(code=code):
                prog = os.path.join(tempfile.mkdtemp(), "ex.py")
                with open(prog, "w") as f:
                    f.write("import sys\nsys.exit(%s)\n" % code)
                py = subprocess.run([PYTHON, prog], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, timeout=60)
                complete, m = self.meta(prog, py.returncode)
                self.assertEqual((complete, m.get("exit_status")), (1, py.returncode))

    def test_uncaught_exception_status_in_trace(self):
        complete, m = self.meta("exc_uncaught.py", 1)
        self.assertEqual((complete, m.get("exit_status")), (1, 1))


if __name__ == "__main__":
    import taprunner
    taprunner.main()
