"""t4001-export: `tracerec export` to Chrome trace JSON and JSON lines.

The synthetic trace from t4-export-mktrace comes with the list of its events
and calls, so every exported slice, argument, return value and event is
checked against what was written. Where the recorder works, a real program
is recorded too and its export checked for proper nesting and for one slice
per call event.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import taprunner

TRACEREC = os.environ["TRACEREC"]
BUILD = os.environ.get("TREC_BUILDDIR", ".")
SRC = os.environ.get("TREC_SRCDIR", ".")
MKTRACE = os.path.join(BUILD, "tests", "t4-export-mktrace")


def parse_expect(text):
    events, calls = [], []
    for line in text.splitlines():
        if line.startswith("E "):
            f = line[2:].split(" ")
            seq, thread, kind, code, lineno, depth, frame = f[:7]
            tail = line.split(" ", 8)[8] if len(f) > 7 else ""
            values = dict(re.findall(r"(\w+)=(.*?)(?= \w+=|$)", " " + tail))
            events.append(dict(seq=int(seq), thread=int(thread), kind=kind, code=int(code),
                               line=int(lineno), depth=int(depth), frame=int(frame),
                               values=values))
        elif line.startswith("C "):
            a, z, thread, name = line[2:].split(" ", 3)
            calls.append((int(a), int(z), int(thread), name))
    return events, calls


def check_nesting(test, slices):
    """slices: (start, end, name) of one thread; each must lie within the
    enclosing open slice or after it (no partial overlap)."""
    stack = []
    for a, z, name in sorted(slices, key=lambda s: (s[0], -s[1])):
        while stack and stack[-1][1] < a:
            stack.pop()
        if stack:
            test.assertLessEqual(z, stack[-1][1], "%s [%s, %s] overlaps %s" % (name, a, z, stack[-1]))
        stack.append((a, z, name))


def run(*args, **kw):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


class Synthetic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.trace = os.path.join(cls.tmp.name, "s.trace")
        p = run(MKTRACE, cls.trace)
        if p.returncode != 0:
            raise RuntimeError("t4-export-mktrace failed: " + p.stderr)
        cls.events, cls.calls = parse_expect(p.stdout)
        cls.chrome_path = os.path.join(cls.tmp.name, "c.json")
        cls.chrome_run = run(TRACEREC, "export", cls.trace, "--format", "chrome", "-o", cls.chrome_path)
        cls.jsonl_run = run(TRACEREC, "export", cls.trace, "--format", "jsonl")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def chrome(self):
        self.assertEqual(self.chrome_run.returncode, 0, self.chrome_run.stderr)
        with open(self.chrome_path, encoding="utf-8") as f:
            return json.load(f)["traceEvents"]

    def test_chrome_no_temp_file_left(self):
        self.chrome()
        self.assertEqual(sorted(os.listdir(self.tmp.name)), ["c.json", "s.trace"])

    def test_chrome_one_slice_per_call(self):
        tids = {e["tid"]: e["args"]["name"] for e in self.chrome()
                if e["ph"] == "M" and e["name"] == "thread_name"}
        got = sorted((e["args"]["seq"], e["args"]["end_seq"], tids[e["tid"]], e["name"])
                     for e in self.chrome() if e["ph"] == "X")
        names = {1: "MainThread", 2: "worker"}
        want = sorted((a, z, names[t], n) for a, z, t, n in self.calls)
        self.assertEqual(got, want)

    def test_chrome_nesting(self):
        by_tid = {}
        for e in self.chrome():
            if e["ph"] == "X":
                by_tid.setdefault(e["tid"], []).append(e)
        self.assertEqual(len(by_tid), 2)
        for xs in by_tid.values():
            check_nesting(self, [(e["args"]["seq"], e["args"]["end_seq"], e["name"]) for e in xs])
            # and in time, which is what Perfetto draws
            check_nesting(self, [(round(e["ts"] * 1000), round((e["ts"] + e["dur"]) * 1000), e["name"])
                                 for e in xs])

    def test_chrome_times_are_microseconds(self):
        by_seq = {e["args"]["seq"]: e for e in self.chrome() if e["ph"] == "X"}
        for a, z, _, _ in self.calls:
            # the synthetic trace stamps event seq at seq * 1500 ns
            self.assertAlmostEqual(by_seq[a]["ts"], a * 1.5)
            self.assertAlmostEqual(by_seq[a]["dur"], (z - a) * 1.5)

    def test_chrome_args_and_return(self):
        adds = [e for e in self.chrome() if e["ph"] == "X" and e["name"] == "add"]
        self.assertEqual(len(adds), 4)
        for e in adds:
            a, b = int(e["args"]["args"]["a"]), int(e["args"]["args"]["b"])
            self.assertEqual(e["args"]["return"], str(a + b))
            self.assertEqual(e["args"]["file"], "/synthetic/prog.py")
        work = [e for e in self.chrome() if e["ph"] == "X" and e["name"] == "work"][0]
        self.assertEqual(work["args"]["args"], {"n": "3"})
        self.assertEqual(work["args"]["return"], "3")
        self.assertEqual(work["args"]["exception"], "ValueError('boom')")

    def test_chrome_exception_instant(self):
        inst = [e for e in self.chrome() if e["ph"] == "i"]
        exc = [ev for ev in self.events if ev["kind"] == "exception"]
        self.assertEqual([(e["name"], e["args"]["seq"], e["args"]["line"]) for e in inst],
                         [("ValueError", ev["seq"], ev["line"]) for ev in exc])
        self.assertEqual(inst[0]["args"]["exception"], "ValueError('boom')")

    def test_chrome_metadata(self):
        meta = [e for e in self.chrome() if e["ph"] == "M"]
        names = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name"}
        self.assertEqual(names, {501: "MainThread", 502: "worker"})
        proc = [e for e in meta if e["name"] == "process_name"]
        self.assertEqual(proc[0]["args"]["name"], "python prog.py -v")

    def test_jsonl_events(self):
        self.assertEqual(self.jsonl_run.returncode, 0, self.jsonl_run.stderr)
        lines = self.jsonl_run.stdout.splitlines()
        self.assertEqual(len(lines), len(self.events))
        for line, want in zip(lines, self.events):
            got = json.loads(line)
            self.assertEqual((got["seq"], got["thread"], got["kind"], got["code"], got["line"],
                              got["depth"], got["frame"]),
                             (want["seq"], want["thread"], want["kind"], want["code"], want["line"],
                              want["depth"], want["frame"]))
            values = dict(got.get("values", {}))
            if "exception" in got:
                values["exception"] = got["exception"]
            self.assertEqual(values, want["values"], line)
            self.assertEqual(got["ts"], want["seq"] * 1500)
            self.assertEqual(got["file"], "/synthetic/prog.py")

    def test_jsonl_return_values(self):
        rets = [json.loads(l) for l in self.jsonl_run.stdout.splitlines() if '"return"' in l]
        self.assertEqual([r["return"] for r in rets if r["function"] == "add"], ["0", "1", "30", "3"])
        self.assertEqual(rets[-1]["return"], "None")


class Errors(unittest.TestCase):
    def expect_fail(self, status, *args):
        p = run(TRACEREC, "export", *args)
        self.assertEqual(p.returncode, status, p.stderr)
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertTrue(p.stderr.startswith("tracerec export: "), p.stderr)
        return p

    def test_missing_trace(self):
        self.expect_fail(66, "/nonexistent/x.trace")

    def test_not_a_trace(self):
        with tempfile.NamedTemporaryFile(suffix=".trace") as f:
            f.write(b"this is not a trace\n" * 100)
            f.flush()
            self.expect_fail(65, f.name)

    def test_bad_format(self):
        self.expect_fail(2, "x.trace", "--format", "svg")

    def test_unwritable_output(self):
        with tempfile.TemporaryDirectory() as d:
            trace = os.path.join(d, "s.trace")
            self.assertEqual(run(MKTRACE, trace).returncode, 0)
            self.expect_fail(73, trace, "-o", os.path.join(d, "no", "such", "dir.json"))

    def test_output_to_a_device_writes_through(self):
        # never replace a device node by renaming a temporary file onto it
        with tempfile.TemporaryDirectory() as d:
            trace = os.path.join(d, "s.trace")
            self.assertEqual(run(MKTRACE, trace).returncode, 0)
            fifo = os.path.join(d, "fifo")
            os.mkfifo(fifo)
            reader = subprocess.Popen(["cat", fifo], stdout=subprocess.PIPE)
            p = run(TRACEREC, "export", trace, "--format", "jsonl", "-o", fifo)
            out = reader.communicate(timeout=30)[0]
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(os.path.exists(fifo) and not os.path.isfile(fifo))
            self.assertFalse(os.path.exists(fifo + ".tmp"))
            self.assertEqual(len(out.splitlines()), 39)

    def test_output_is_the_trace(self):
        # -o naming the trace itself (or a link to it) would replace the
        # recording by its export: refused, the trace left whole
        with tempfile.TemporaryDirectory() as d:
            trace = os.path.join(d, "s.trace")
            self.assertEqual(run(MKTRACE, trace).returncode, 0)
            before = open(trace, "rb").read()
            link = os.path.join(d, "link.trace")
            os.symlink(trace, link)
            for out in (trace, link):
                p = self.expect_fail(2, trace, "-o", out)
                self.assertIn("is the trace being exported", p.stderr)
            self.assertEqual(open(trace, "rb").read(), before)
            self.assertEqual(run(TRACEREC, "info", trace).returncode, 0)

    def test_output_through_a_link(self):
        # a link named by -o is followed: its target gets the export
        with tempfile.TemporaryDirectory() as d:
            trace = os.path.join(d, "s.trace")
            self.assertEqual(run(MKTRACE, trace).returncode, 0)
            target, link = os.path.join(d, "t.json"), os.path.join(d, "l.json")
            open(target, "w").write("old")
            os.symlink(target, link)
            p = run(TRACEREC, "export", trace, "--format", "jsonl", "-o", link)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(os.path.islink(link))
            self.assertEqual(len(open(target).read().splitlines()), 39)

    def test_help(self):
        p = run(TRACEREC, "export", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--format", p.stdout)


class Recorded(unittest.TestCase):
    """Real programs through `tracerec run`, when the recorder is built."""

    PROGRAMS = ("recursion.py", "threads.py", "generators.py", "exc_uncaught.py",
                "exc_caught.py", "exc_reraise.py", "exc_suppressed.py", "exc_finally.py")

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.traces = {}
        cls.skip = None
        for prog in cls.PROGRAMS:
            trace = os.path.join(cls.tmp.name, prog + ".trace")
            p = run(TRACEREC, "run", "-q", "-o", trace, os.path.join(SRC, "tests", "programs", prog))
            if not os.path.exists(trace):
                cls.skip = "tracerec run is not available here (%s)" % \
                    (p.stderr.strip().splitlines() or ["?"])[-1]
                return
            cls.traces[prog] = trace

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        if self.skip:
            self.skipTest(self.skip)

    def test_slices_match_calls_and_nest(self):
        for prog, trace in self.traces.items():
            with self.subTest(program=prog):
                self.check(trace)

    def check(self, trace):
        c = run(TRACEREC, "export", trace)
        j = run(TRACEREC, "export", trace, "--format", "jsonl")
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(j.returncode, 0, j.stderr)
        events = [json.loads(l) for l in j.stdout.splitlines()]
        seqs = [e["seq"] for e in events]
        self.assertEqual(seqs, sorted(seqs))
        calls = sorted(e["seq"] for e in events if e["kind"] == "call")
        xs = [e for e in json.loads(c.stdout)["traceEvents"] if e["ph"] == "X"]
        self.assertEqual(sorted(e["args"]["seq"] for e in xs), calls)
        names = {e["seq"]: e["function"] for e in events if e["kind"] == "call"}
        for e in xs:
            self.assertEqual(e["name"], names[e["args"]["seq"]])
        # a call that raised says so, and has no return value, as the calls
        # table says
        q = run(TRACEREC, "sql", "--json", trace,
                "SELECT call_seq, returned, raised FROM calls WHERE call_seq IS NOT NULL "
                "AND return_seq IS NOT NULL")
        self.assertEqual(q.returncode, 0, q.stderr)
        want = {r["call_seq"]: (r["returned"], r["raised"]) for r in json.loads(q.stdout)}
        got = {e["args"]["seq"]: (e["args"].get("return"), e["args"].get("raised"))
               for e in xs if not e["args"].get("unfinished")}
        self.assertEqual(got, want)
        # the jsonl return events an exception escaped by are those calls'
        q = run(TRACEREC, "sql", "--json", trace,
                "SELECT return_seq FROM calls WHERE raised IS NOT NULL AND return_seq IS NOT NULL")
        raised = sorted(r["return_seq"] for r in json.loads(q.stdout or "[]"))
        self.assertEqual(sorted(e["seq"] for e in events if e.get("raised")), raised)
        self.assertTrue(all(e["kind"] == "return" for e in events if e.get("raised")))
        for key in (lambda e: (e["args"]["seq"], e["args"]["end_seq"], e["name"]),
                    lambda e: (round(e["ts"] * 1000), round((e["ts"] + e["dur"]) * 1000), e["name"])):
            by_tid = {}
            for e in xs:
                by_tid.setdefault(e["tid"], []).append(key(e))
            for s in by_tid.values():
                check_nesting(self, s)


if __name__ == "__main__":
    taprunner.main()
