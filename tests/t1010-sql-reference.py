"""t1010-sql-reference: SQL over real recordings says what a sys.settrace
reference saw. Each corpus program is run by `tracerec run` and by
tests/reftrace.py; then, through `tracerec sql`:
- every row of `events` and `vars` equals what the format library itself
  decodes from the same trace (trec-dump), in seq order both ways;
- the program's own code (the events reftrace compares: library internals
  depend on timing) gives the reference's events per kind, calls per
  function, calls an exception escaped from, and variable values;
- the stock sqlite3 shell returns the same rows as tracerec.
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
            "exc_finally.py", "deep_recursion.py", "threads_concurrent.py",
            "library_callbacks.py", "threads_generator.py"]
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
    """(function, raised, file) per activation, from one thread's reference
    events: an activation was ended by an exception when its last own event
    before the return was an exception event."""
    out, stack = [], []
    for e in events:
        if e["kind"] == "call":
            stack.append([e["name"], "call", e["file"]])
        elif e["kind"] == "return":
            if stack:
                name, last, f = stack.pop()
                out.append((name, last == "exception", f))
        elif stack:
            stack[-1][1] = e["kind"]
    return out


def sql_threads(trace):
    """The trace through SQL, in reftrace's shape: per thread (in thread id
    order) the events with their variables, return value and exception."""
    rows = sql(trace, "SELECT seq, thread, kind, file, function, line, depth, frame, value"
                      " FROM events ORDER BY seq")
    vars_ = {}
    for v in sql(trace, "SELECT seq, name, value FROM vars"):
        vars_.setdefault(v["seq"], {})[v["name"]] = v["value"]
    per_thread = {}
    for r in rows:
        ev = {"seq": r["seq"], "kind": r["kind"], "file": r["file"], "name": r["function"],
              "line": r["line"], "depth": r["depth"], "frame": r["frame"],
              "vars": vars_.get(r["seq"], {})}
        if r["kind"] == "return" and r["value"] is not None:
            ev["ret"] = r["value"]
        if r["kind"] == "exception":
            ev["exc"] = r["value"].split("(")[0].rsplit(".", 1)[-1]
        per_thread.setdefault(r["thread"], []).append(ev)
    return [per_thread[t] for t in sorted(per_thread)]


def is_lib(e):
    from tracerec import _runner
    return (e["file"] or "").startswith(_runner.library_paths())


def pruned(events):
    return reftrace._renumber(reftrace.prune_library_internals(
        [dict(e) for e in events], is_lib))


def program_files(ref):
    return sorted({e["file"] for t in ref for e in t["events"] if not e.get("lib")})


def in_files(files):
    return "file IN (%s)" % ", ".join("'%s'" % f.replace("'", "''") for f in files)


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
        def check(trace, ref):
            keep = reftrace.prune_library_internals
            reftrace.prune_library_internals = lambda events, is_lib: events
            try:
                want = reftrace.normalize_dump(reftrace.dump(trace))
            finally:
                reftrace.prune_library_internals = keep
            got = sql_threads(trace)
            self.assertEqual(len(got), len(want))
            for g, w in zip(got, want):
                for e in g:
                    del e["seq"]
                    e["vars"] = {k: objects_blurred(v) for k, v in e["vars"].items()}
                    if "ret" in e:
                        e["ret"] = objects_blurred(e["ret"])
                for e in w["events"]:
                    e.pop("qualname", None)
                    # in calls.call_line, not a column of events
                    e.pop("caller_line", None)
                    e["vars"] = {k: objects_blurred(v) for k, v in e["vars"].items()}
                    if "ret" in e:
                        e["ret"] = objects_blurred(e["ret"])
                self.assertEqual(reftrace._renumber(g), w["events"])
            # backwards, threads merged by seq the other way round
            desc = sql(trace, "SELECT seq, thread, kind, frame FROM events ORDER BY seq DESC")
            asc = sql(trace, "SELECT seq, thread, kind, frame FROM events")
            self.assertEqual(desc, asc[::-1])
            self.assertEqual([r["seq"] for r in asc], list(range(1, len(asc) + 1)))

        self.each(check, with_reference=False)

    def test_call_lines_equal_dump(self):
        # calls.call_line is the parent's line at the call: the line the
        # call gives for a library caller, else the caller's last event's
        # line, as the format library's own decode (trec-dump) has them
        def check(trace, ref):
            d = reftrace.dump(trace)
            want, at, stacks = {}, {}, {}
            for e in d["events"]:
                st = stacks.setdefault(e["thread"], [])
                if e["kind"] == "call":
                    if st and "caller_line" in e:
                        at[st[-1]] = e["caller_line"]
                    want[e["seq"]] = at[st[-1]] if st else None
                    st.append(e["frame"])
                elif e["frame"] in st:
                    del st[len(st) - st[::-1].index(e["frame"]):]
                at[e["frame"]] = e["line"]
                if e["kind"] == "return" and st and st[-1] == e["frame"]:
                    st.pop()
            got = {r["call_seq"]: r["call_line"] for r in
                   sql(trace, "SELECT call_seq, call_line FROM calls WHERE call_seq IS NOT NULL")}
            self.assertEqual(got, want)
            if name_of(trace) == "library_callbacks.py":
                self.assertGreater(sum("caller_line" in e for e in d["events"]), 10)

        def name_of(trace):
            return os.path.basename(trace)[:-len(".trace")]
        self.each(check, with_reference=False)

    def test_counts(self):
        def check(trace, ref):
            files = program_files(ref)
            got = {r["kind"]: r["n"] for r in sql(
                trace, "SELECT kind, count(*) AS n FROM events WHERE %s GROUP BY 1" % in_files(files))}
            want = {}
            for t in ref:
                for e in t["events"]:
                    if e["file"] in files:
                        want[e["kind"]] = want.get(e["kind"], 0) + 1
            self.assertEqual(got, want)
            for kind in ("call", "line", "exception"):
                n = sql(trace, "SELECT count(*) AS n FROM events WHERE kind = '%s' AND %s"
                        % (kind, in_files(files)))[0]["n"]
                self.assertEqual(n, want.get(kind, 0), kind)

        self.each(check)

    def test_calls(self):
        def check(trace, ref):
            files = program_files(ref)
            want_calls, want_raised = {}, {}
            for t in ref:
                for e in t["events"]:
                    if e["kind"] == "call" and e["file"] in files:
                        want_calls[e["name"]] = want_calls.get(e["name"], 0) + 1
                for fn, raised, f in activations(t["events"]):
                    if raised and f in files:
                        want_raised[fn] = want_raised.get(fn, 0) + 1
            got = sql(trace, "SELECT function, count(*) AS n FROM calls"
                             " WHERE call_seq IS NOT NULL AND %s GROUP BY function" % in_files(files))
            self.assertEqual({r["function"]: r["n"] for r in got}, want_calls)
            got = sql(trace, "SELECT function, count(*) AS n FROM calls"
                             " WHERE raised IS NOT NULL AND %s GROUP BY function" % in_files(files))
            self.assertEqual({r["function"]: r["n"] for r in got}, want_raised)
            for fn in want_calls:
                n = sql(trace, "SELECT count(*) AS n FROM calls WHERE function = '%s' AND %s"
                        % (fn, in_files(files)))
                self.assertEqual(n[0]["n"], want_calls[fn], fn)

        self.each(check)

    def test_vars(self):
        # the values the reference can judge, at the same events, in
        # single-threaded programs (another thread's changes to a shared
        # object are seen at whichever event runs next: timing)
        def check(trace, ref):
            if len(ref) != 1:
                return
            got = [pruned(t) for t in sql_threads(trace)]
            self.assertEqual([len(t) for t in got], [len(t["events"]) for t in ref])
            for g, t in zip(got, ref):
                for j, (mine, e) in enumerate(zip(g, t["events"])):
                    for name, value in e["vars"].items():
                        if value is None and e["kind"] != "call":
                            continue    # a change only the recorder can judge
                        self.assertIn(name, mine["vars"], "%s at event %d" % (name, j))
                        if value is not None:
                            self.assertEqual(mine["vars"][name], value, "%s at event %d" % (name, j))
            # a variable's history through pushdown equals the full scan
            names = sorted({n for t in got for e in t for n in e["vars"]})[:3]
            for name in names:
                full = [r for r in sql(trace, "SELECT * FROM vars") if r["name"] == name]
                self.assertEqual(sql(trace, "SELECT * FROM vars WHERE name = '%s'" % name), full)

        self.each(check)

    def test_depth_pushdown(self):
        # depth constraints pushed down (chunks skipped by their depth
        # range, whole chunks counted) give the rows of the full scan that
        # `+depth` forces
        def check(trace, _ref):
            top = sql(trace, "SELECT max(depth) AS d FROM events")[0]["d"]
            for d in sorted({1, 2, top // 2, top - 1, top}):
                for op in ("=", "<", "<=", ">", ">="):
                    for q in ("SELECT * FROM events WHERE depth %s %d",
                              "SELECT count(*) AS n, sum(line) AS s FROM events WHERE depth %s %d",
                              "SELECT * FROM calls WHERE depth %s %d"):
                        self.assertEqual(sql(trace, q % (op, d)),
                                         sql(trace, (q % (op, d)).replace("depth", "+depth")),
                                         q % (op, d))

        self.each(check, with_reference=False)

    def test_pushdown_equals_full_scan(self):
        # every constraint the tables take (frame=, seq=, name= in an OR,
        # text against blobs) gives the rows of the full scan that `+col`
        # forces; a frame resumed in several threads keeps all its events
        def check(trace, _ref):
            frames = [r["frame"] for r in sql(trace, "SELECT DISTINCT frame FROM calls")]
            for f in frames[:40]:
                for q in ("SELECT seq FROM events WHERE frame = %d",
                          "SELECT seq, name, value FROM vars WHERE frame = %d"):
                    self.assertEqual(sql(trace, q % f), sql(trace, (q % f).replace("frame", "+frame")),
                                     q % f)
            for q in ["SELECT e.seq, v.name FROM events e LEFT JOIN vars v ON v.seq = e.seq",
                      "SELECT count(*) AS n FROM vars WHERE seq BETWEEN 1 AND 50 OR name = 'i'",
                      "SELECT count(*) AS n FROM vars WHERE seq < 20 OR frame = 2 OR name = 'x'",
                      "SELECT count(*) AS n FROM events WHERE seq BETWEEN -9223372036854775808 AND 3",
                      "SELECT count(*) AS n FROM events WHERE seq >= 0 AND seq <= 9223372036854775807"]:
                full = q.replace("v.seq =", "+v.seq =").replace("seq BETWEEN", "+seq BETWEEN") \
                        .replace("name =", "+name =").replace("seq <", "+seq <") \
                        .replace("seq >=", "+seq >=")
                self.assertEqual(sql(trace, q), sql(trace, full), q)
            for q in ["SELECT count(*) AS n FROM events WHERE kind = x'63616c6c'",
                      "SELECT count(*) AS n FROM events WHERE kind = 'call' || char(0) || 'x'",
                      "SELECT count(*) AS n FROM vars WHERE name = CAST(name AS BLOB)",
                      "SELECT count(*) AS n FROM events WHERE file = CAST(file AS BLOB)"]:
                self.assertEqual(sql(trace, q), [{"n": 0}], q)

        self.each(check, with_reference=False)

    def test_absolute_path_with_two_slashes(self):
        name, (trace, _ref) = sorted(self.runs.items())[0]
        self.assertEqual(sql("/" + os.path.abspath(trace), "SELECT count(*) AS n FROM events"),
                         sql(trace, "SELECT count(*) AS n FROM events"))

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
