"""t1010-sql-reference: SQL over real recordings says what a sys.settrace
reference saw. Each corpus program is run by `tracerec run` and by
tests/reftrace.py; then, through `tracerec sql`, the events per kind, the
calls per function, the calls an exception escaped from, and every variable value
the reference can judge must equal the reference's; every row of `events`
and `vars` must equal what the format library itself decodes (trec-dump);
and the stock sqlite3 shell must return the same rows as tracerec.
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PYTHON = os.environ.get("PYTHON", sys.executable)
REFTRACE = os.path.join(os.environ["TREC_SRCDIR"], "tests", "reftrace.py")
PROGRAMS = ["exc_caught.py", "exc_uncaught.py", "recursion.py", "generators.py",
            "closures.py", "threads.py", "yield_from.py", "loops.py",
            "exc_finally.py", "deep_recursion.py", "threads_concurrent.py"]
# threads scheduled differently from run to run (lock waits): only the
# checks against the same trace's own dump apply
RACY = {"threads_concurrent.py"}


def sql(trace, query):
    p = subprocess.run([TRACEREC, "sql", "--json", trace, query], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        raise AssertionError("tracerec sql failed: " + p.stderr)
    return json.loads(p.stdout) if p.stdout.strip() else []


def objects_blurred(v):
    """trec-dump renders objects with their fields, SQL without (as repr()
    does): compare such values only by their kind."""
    if isinstance(v, str) and " object at 0x" in v:
        return "<object>"
    return v


def activations(events):
    """(function, raised) per activation, from one thread's reference events:
    an activation was ended by an exception when its last own event before
    the return was an exception event."""
    out, stack = [], []
    for e in events:
        if e["kind"] == "call":
            stack.append([e["name"], "call"])
        elif e["kind"] == "return":
            if stack:
                name, last = stack.pop()
                out.append((name, last == "exception"))
        elif stack:
            stack[-1][1] = e["kind"]
    return out


class Reference(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="t1010-")
        cls.runs = {}
        env = reftrace.env_for_tests()
        for name in PROGRAMS:
            if not os.path.exists(os.path.join(reftrace.programs_dir(), name)):
                continue
            trace = os.path.join(cls.tmp, name + ".trace")
            ref = os.path.join(cls.tmp, name + ".json")
            subprocess.run([TRACEREC, "run", "-q", "-o", trace, name], cwd=reftrace.programs_dir(),
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=300)
            subprocess.run([PYTHON, REFTRACE, "-o", ref, name], cwd=reftrace.programs_dir(),
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=300)
            if os.path.exists(trace) and os.path.exists(ref):
                with open(ref) as f:
                    cls.runs[name] = (trace, reftrace.normalize_ref(json.load(f)))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def each(self, check, with_reference=True):
        self.assertTrue(self.runs, "no program was recorded")
        for name, (trace, ref) in sorted(self.runs.items()):
            if with_reference and name in RACY:
                continue
            with self.subTest(program=name):
                check(trace, ref)

    def test_events_equal_library_dump(self):
        # every event, its return value or exception and its variables, as
        # the format library itself reads them (tests/helper/trec-dump)
        def check(trace, ref):
            want = reftrace.normalize_dump(reftrace.dump(trace))
            rows = sql(trace, "SELECT seq, thread, kind, file, function, line, depth, frame,"
                              " value FROM events ORDER BY seq")
            vars_ = {}
            for v in sql(trace, "SELECT seq, name, value FROM vars"):
                vars_.setdefault(v["seq"], {})[v["name"]] = objects_blurred(v["value"])
            per_thread = {}
            for r in rows:
                ev = {"kind": r["kind"], "file": r["file"], "name": r["function"],
                      "line": r["line"], "depth": r["depth"], "frame": r["frame"],
                      "vars": vars_.get(r["seq"], {})}
                if r["kind"] == "return" and r["value"] is not None:
                    ev["ret"] = objects_blurred(r["value"])
                if r["kind"] == "exception":
                    ev["exc"] = r["value"].split("(")[0].rsplit(".", 1)[-1]
                per_thread.setdefault(r["thread"], []).append(ev)
            got = [reftrace._renumber(per_thread[t]) for t in sorted(per_thread)]
            for w in want:
                for e in w["events"]:
                    e.pop("qualname", None)
                    e["vars"] = {k: objects_blurred(v) for k, v in e["vars"].items()}
                    if "ret" in e:
                        e["ret"] = objects_blurred(e["ret"])
            self.assertEqual(got, [w["events"] for w in want])
            # backwards, threads merged by seq the other way round
            desc = sql(trace, "SELECT seq, thread, kind, frame FROM events ORDER BY seq DESC")
            asc = sql(trace, "SELECT seq, thread, kind, frame FROM events")
            self.assertEqual(desc, asc[::-1])
            self.assertEqual([r["seq"] for r in asc], list(range(1, len(asc) + 1)))

        self.each(check, with_reference=False)

    def test_counts(self):
        def check(trace, ref):
            got = {r["kind"]: r["n"] for r in
                   sql(trace, "SELECT kind, count(*) AS n FROM events GROUP BY 1")}
            want = {}
            for t in ref:
                for e in t["events"]:
                    want[e["kind"]] = want.get(e["kind"], 0) + 1
            self.assertEqual(got, want)
            for kind in ("call", "exception"):
                n = sql(trace, "SELECT count(*) AS n FROM events WHERE kind = '%s'" % kind)[0]["n"]
                self.assertEqual(n, want.get(kind, 0))

        self.each(check)

    def test_calls(self):
        def check(trace, ref):
            want_calls, want_raised = {}, {}
            for t in ref:
                for e in t["events"]:
                    if e["kind"] == "call":
                        want_calls[e["name"]] = want_calls.get(e["name"], 0) + 1
                for fn, raised in activations(t["events"]):
                    if raised:
                        want_raised[fn] = want_raised.get(fn, 0) + 1
            got = sql(trace, "SELECT function, count(*) AS n FROM calls"
                             " WHERE call_seq IS NOT NULL GROUP BY function")
            self.assertEqual({r["function"]: r["n"] for r in got}, want_calls)
            got = sql(trace, "SELECT function, count(*) AS n FROM calls"
                             " WHERE raised IS NOT NULL GROUP BY function")
            self.assertEqual({r["function"]: r["n"] for r in got}, want_raised)
            for fn in want_calls:
                n = sql(trace, "SELECT count(*) AS n FROM calls WHERE function = '%s'" % fn)
                self.assertEqual(n[0]["n"], want_calls[fn], fn)

        self.each(check)

    def test_vars(self):
        # the values the reference can judge, in single-threaded programs
        # (the reference numbers threads by ident, which the OS reuses)
        def check(trace, ref):
            if len(ref) != 1:
                return
            seqs = [r["seq"] for r in sql(trace, "SELECT seq FROM events ORDER BY seq")]
            got = {}
            for r in sql(trace, "SELECT seq, name, value FROM vars"):
                got[(seqs.index(r["seq"]), r["name"])] = r["value"]
            for j, e in enumerate(ref[0]["events"]):
                for name, value in e["vars"].items():
                    if value is None and e["kind"] != "call":
                        continue    # a change only the recorder can judge
                    self.assertIn((j, name), got, "%s at event %d" % (name, j))
                    if value is not None:
                        self.assertEqual(got[(j, name)], value, "%s at event %d" % (name, j))
            # a variable's history through pushdown equals the full scan
            for name in sorted({n for _, n in got})[:3]:
                full = [r for r in sql(trace, "SELECT * FROM vars") if r["name"] == name]
                self.assertEqual(sql(trace, "SELECT * FROM vars WHERE name = '%s'" % name), full)

        self.each(check)

    def test_stock_shell_agrees(self):
        sqlite3 = shutil.which("sqlite3")
        if not sqlite3:
            self.skipTest("no sqlite3 shell")
        ext = subprocess.run([TRACEREC, "sql", "--extension-path"], stdout=subprocess.PIPE,
                             universal_newlines=True, check=True).stdout.strip()
        def check(trace, _ref):
            for q in ["SELECT * FROM events", "SELECT * FROM calls", "SELECT * FROM vars"]:
                a = subprocess.run([TRACEREC, "sql", "--csv", trace, q], stdout=subprocess.PIPE,
                                   universal_newlines=True)
                b = subprocess.run([sqlite3, "-csv", "-header", trace, "-cmd", ".load " + ext, q],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   universal_newlines=True)
                if b.returncode != 0 and ("undefined symbol" in b.stderr
                                          or "asan" in b.stderr.lower()):
                    self.skipTest("extension not loadable here: " + b.stderr.strip())
                self.assertEqual(b.returncode, 0, b.stderr)
                self.assertEqual(list(csv.reader(io.StringIO(a.stdout))),
                                 list(csv.reader(io.StringIO(b.stdout))), q)

        self.each(check, with_reference=False)

if __name__ == "__main__":
    import taprunner
    taprunner.main()
