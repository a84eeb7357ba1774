"""t1001-sql-synthetic: the virtual tables over a synthetic trace whose every
event is known (tests/helper/sql-model.py): two threads interleaved,
chunks of 3 events (so calls, frames and seq ranges cross chunks), a
recursion, an exception raised and one caught, a generator resumed, a call
still open at the end. Every query's rows are computed from the model, not
written down; pushed-down constraints are checked against the same filter
applied in Python, and the stock sqlite3 shell must agree with tracerec.
"""
import csv
import importlib.util
import io
import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.join(os.environ.get("TREC_SRCDIR", "."), "tests", "helper", "sql-model.py")
_spec = importlib.util.spec_from_file_location("sql_model", HERE)
sql_model = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sql_model)
V = sql_model.V
TRACEREC = os.environ["TRACEREC"]


def int_cases(col, v):
    """WHERE clauses on the INTEGER column col around the value v, SQLite's
    comparison rules included (floats, text, NULL), each with the test it
    makes of a column value."""
    return [
        ("%s = %d" % (col, v), lambda x: x == v),
        ("%s > %d" % (col, v), lambda x: x > v),
        ("%s >= %d" % (col, v), lambda x: x >= v),
        ("%s < %d" % (col, v), lambda x: x < v),
        ("%s <= %d" % (col, v), lambda x: x <= v),
        ("%s BETWEEN 2 AND %d" % (col, v), lambda x: 2 <= x <= v),
        ("%s BETWEEN %d AND %d" % (col, v + 1, v), lambda x: False),
        ("%s > 1.5 AND %s < %d.5" % (col, col, v), lambda x: 1.5 < x < v + 0.5),
        ("%s = %d.5" % (col, v), lambda x: False),
        ("%s = '%d'" % (col, v), lambda x: x == v),
        ("%s < 'x'" % col, lambda x: True),
        ("%s > 'x'" % col, lambda x: False),
        ("%s >= 'x'" % col, lambda x: False),
        ("%s > -3" % col, lambda x: True),
        ("%s = NULL" % col, lambda x: False),
    ]


class SyntheticSQL(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="t1001-")
        cls.trace = os.path.join(cls.dir, "syn.trace")
        cls.m = sql_model.example()
        cls.m.write(cls.trace)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def sql(self, query, *opts):
        p = subprocess.run([TRACEREC, "sql", "--json", *opts, self.trace, query],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else []

    def check(self, query, expected):
        got = self.sql(query)
        self.assertEqual(got, expected, query)

    # -- whole tables --
    def test_events_all(self):
        self.check("SELECT * FROM events", self.m.events)

    def test_calls_all(self):
        self.check("SELECT * FROM calls", self.m.calls_rows())

    def test_vars_all(self):
        self.check("SELECT * FROM vars", self.m.vars)

    # -- pushdown, each against the same filter applied to the model --
    def test_events_seq_constraints(self):
        ev = self.m.events
        n = len(ev)
        cases = int_cases("seq", 9) + int_cases("seq", 20) + [
            ("seq = 0", lambda s: False),
            ("seq = %d" % (n + 5), lambda s: False),
            ("seq BETWEEN 4 AND 11", lambda s: 4 <= s <= 11),
            ("seq > 2.5 AND seq < 6.5", lambda s: 2.5 < s < 6.5),
            ("seq > 9223372036854775807", lambda s: False),
        ]
        for where, pred in cases:
            self.check("SELECT * FROM events WHERE " + where,
                       [e for e in ev if pred(e["seq"])])

    def test_events_other_constraints(self):
        ev = self.m.events
        cases = [
            ("thread = 2", lambda e: e["thread"] == 2),
            ("thread = 3", lambda e: False),
            ("kind = 'exception'", lambda e: e["kind"] == "exception"),
            ("kind = 'return' AND thread = 1", lambda e: e["kind"] == "return" and e["thread"] == 1),
            ("kind = 'nonsense'", lambda e: False),
            ("kind IN ('call', 'exception') ORDER BY seq",
             lambda e: e["kind"] in ("call", "exception")),
            ("frame = 101", lambda e: e["frame"] == 101),
            ("frame = 104", lambda e: e["frame"] == 104),
            ("frame = 999", lambda e: False),
            ("function = 'g'", lambda e: e["function"] == "g"),
            ("function = 'g' AND seq > 9", lambda e: e["function"] == "g" and e["seq"] > 9),
            ("function = 'G' COLLATE NOCASE", lambda e: e["function"] == "g"),
            ("kind = 'CALL' COLLATE NOCASE", lambda e: e["kind"] == "call"),
            ("frame = 100 AND thread = 2", lambda e: False),
            ("line = 21", lambda e: e["line"] == 21),
            ("function = 5", lambda e: False),
            ("function = NULL", lambda e: False),
            ("kind = 1", lambda e: False),
            ("function = 'f' AND kind = 'line'", lambda e: e["function"] == "f" and e["kind"] == "line"),
            # file=, code= and line= are pushed down too (postings, decoded columns)
            ("file = '/src/lib/work.py'", lambda e: e["file"] == "/src/lib/work.py"),
            ("file = '/src/prog.py' AND function = 'g'",
             lambda e: e["file"] == "/src/prog.py" and e["function"] == "g"),
            ("file = '/src/lib/work.py' AND function = 'g'", lambda e: False),
            ("file = '/SRC/PROG.PY' COLLATE NOCASE", lambda e: e["file"] == "/src/prog.py"),
            ("file = 'nowhere.py'", lambda e: False),
            ("code = 3", lambda e: e["function"] == "g"),
            ("code = '4'", lambda e: e["function"] == "worker"),
            ("code = 3.0 AND thread = 1", lambda e: e["function"] == "g" and e["thread"] == 1),
            ("code = 3.5", lambda e: False),
            ("code = 99", lambda e: False),
            ("code = 4 AND function = 'g'", lambda e: False),
            ("line = 21 AND function = 'g'", lambda e: e["line"] == 21 and e["function"] == "g"),
            ("line = '21'", lambda e: e["line"] == 21),
            ("line = 21.0", lambda e: e["line"] == 21),
            ("line = 21.5", lambda e: False),
            ("line = 'x'", lambda e: False),
            ("line = NULL", lambda e: False),
            ("line = 4294967317", lambda e: False),
            ("line = 21 AND line = 22", lambda e: False),
        ]
        for where, pred in cases:
            self.check("SELECT * FROM events WHERE " + where, [e for e in ev if pred(e)])

    def test_order_by_seq(self):
        ev = self.m.events
        self.check("SELECT seq FROM events ORDER BY seq DESC",
                   [{"seq": e["seq"]} for e in reversed(ev)])
        self.check("SELECT seq, thread FROM events WHERE thread = 2 ORDER BY seq",
                   [{"seq": e["seq"], "thread": 2} for e in ev if e["thread"] == 2])

    def test_order_by_seq_desc(self):
        ev, vs, calls = self.m.events, self.m.vars, self.m.calls_rows()
        cases = [
            ("", lambda e: True),
            ("WHERE seq BETWEEN 4 AND 17", lambda e: 4 <= e["seq"] <= 17),
            ("WHERE seq < 9", lambda e: e["seq"] < 9),
            ("WHERE seq > 20", lambda e: e["seq"] > 20),
            ("WHERE thread = 2", lambda e: e["thread"] == 2),
            ("WHERE kind = 'line' AND seq <= 24", lambda e: e["kind"] == "line" and e["seq"] <= 24),
            ("WHERE frame = 105", lambda e: e["frame"] == 105),
            ("WHERE seq = 13", lambda e: e["seq"] == 13),
        ]
        for where, pred in cases:
            q = "SELECT * FROM events %s ORDER BY seq DESC" % where
            self.check(q, [e for e in reversed(ev) if pred(e)])
            self.check(q + " LIMIT 3", [e for e in reversed(ev) if pred(e)][:3])
        # vars keep payload order within one event; compare as (seq, name) pairs
        got = self.sql("SELECT seq, name FROM vars ORDER BY seq DESC")
        self.assertEqual([r["seq"] for r in got], sorted((v["seq"] for v in vs), reverse=True))
        self.assertEqual(sorted((r["seq"], r["name"]) for r in got),
                         sorted((v["seq"], v["name"]) for v in vs))
        for where, pred in [("", lambda c: True), ("WHERE call_seq > 6", lambda c: c["call_seq"] > 6),
                            ("WHERE frame = 105", lambda c: c["frame"] == 105),
                            ("WHERE call_seq BETWEEN 3 AND 20", lambda c: 3 <= c["call_seq"] <= 20)]:
            self.check("SELECT * FROM calls %s ORDER BY call_seq DESC" % where,
                       [c for c in reversed(calls) if pred(c)])
        for q in ["SELECT * FROM events ORDER BY seq DESC", "SELECT * FROM vars ORDER BY seq",
                  "SELECT * FROM calls WHERE function = 'g' ORDER BY call_seq DESC"]:
            plan = " ".join(r["detail"] for r in self.sql("EXPLAIN QUERY PLAN " + q))
            self.assertNotIn("ORDER BY", plan, q)

    def test_counts_by_kind(self):
        want = {}
        for e in self.m.events:
            want[e["kind"]] = want.get(e["kind"], 0) + 1
        got = self.sql("SELECT kind, count(*) AS n FROM events GROUP BY kind")
        self.assertEqual({r["kind"]: r["n"] for r in got}, want)
        for k, n in want.items():
            self.check("SELECT count(*) AS n FROM events WHERE kind = '%s'" % k, [{"n": n}])

    def test_counts_from_chunk_index(self):
        # count(*) reads no column: whole chunks are counted from the chunk
        # index; rowid and columns asked for still decode the right events
        ev = self.m.events
        for thread in (None, 1, 2):
            for kind in (None, "call", "line", "return", "exception"):
                for lo, hi in ((None, None), (4, 19), (1, 28)):
                    conds, pred = [], []
                    if thread:
                        conds.append("thread = %d" % thread)
                    if kind:
                        conds.append("kind = '%s'" % kind)
                    if lo:
                        conds.append("seq BETWEEN %d AND %d" % (lo, hi))
                    sel = [e for e in ev if (not thread or e["thread"] == thread)
                           and (not kind or e["kind"] == kind)
                           and (not lo or lo <= e["seq"] <= hi)]
                    where = (" WHERE " + " AND ".join(conds)) if conds else ""
                    self.check("SELECT count(*) AS n FROM events" + where, [{"n": len(sel)}])
                    got = self.sql("SELECT rowid AS r FROM events" + where)
                    self.assertEqual(sorted(r["r"] for r in got), [e["seq"] for e in sel], where)
                    self.check("SELECT seq, line FROM events" + where,
                               [{"seq": e["seq"], "line": e["line"]} for e in sel])

    def test_count_by_code(self):
        # count(*) with function=/file=/code= is answered from the postings
        # for whole chunks; columns and rowid still decode the right events
        ev = self.m.events
        for where, pred in [
                ("function = 'g'", lambda e: e["function"] == "g"),
                ("function = 'worker'", lambda e: e["function"] == "worker"),
                ("file = '/src/prog.py'", lambda e: e["file"] == "/src/prog.py"),
                ("code = 2 AND seq BETWEEN 3 AND 20", lambda e: e["function"] == "f" and 3 <= e["seq"] <= 20),
                ("function = 'g' AND thread = 1", lambda e: e["function"] == "g" and e["thread"] == 1),
                ("function = 'f' AND kind = 'line'", lambda e: e["function"] == "f" and e["kind"] == "line"),
                ("function = 'nobody'", lambda e: False)]:
            sel = [e for e in ev if pred(e)]
            self.check("SELECT count(*) AS n FROM events WHERE " + where, [{"n": len(sel)}])
            got = self.sql("SELECT rowid AS r FROM events WHERE " + where)
            self.assertEqual(sorted(r["r"] for r in got), [e["seq"] for e in sel], where)
            self.check("SELECT seq, line, value, ts FROM events WHERE " + where,
                       [{"seq": e["seq"], "line": e["line"], "value": e["value"], "ts": e["ts"]}
                        for e in sel])

    def test_depth_constraints(self):
        # depth =, <, <=, >, >= are pushed down (chunks outside the chunk
        # index's min/max depth skipped); `+depth` defeats the pushdown and
        # must give the same rows, as must the model
        ev, rows = self.m.events, self.m.calls_rows()
        depths = sorted({e["depth"] for e in ev})
        self.assertGreater(len(depths), 2)
        mid = depths[len(depths) // 2]
        cases = int_cases("depth", mid) + int_cases("depth", 1) + [
            ("depth < 0", lambda d: False),
            ("depth > 4294967296", lambda d: False),
            ("depth = 1 AND depth = 2", lambda d: False),
            ("depth = 999", lambda d: False),
        ]
        for where, pred in cases:
            want = [e for e in ev if pred(e["depth"])]
            # (+depth has no INTEGER affinity, so against text it compares
            # otherwise: those cases are checked against the model only)
            plain = where.replace("depth", "+depth") if "'" not in where else where
            for q in ("SELECT * FROM events WHERE %s", "SELECT * FROM events WHERE %s ORDER BY seq DESC"):
                expect = want if "DESC" not in q else list(reversed(want))
                self.check(q % where, expect)
                self.assertEqual(self.sql(q % where), self.sql(q % plain), where)
            self.check("SELECT count(*) AS n FROM events WHERE " + where, [{"n": len(want)}])
            got = self.sql("SELECT rowid AS r FROM events WHERE " + where)
            self.assertEqual(sorted(r["r"] for r in got), [e["seq"] for e in want], where)
            self.check("SELECT * FROM calls WHERE " + where, [r for r in rows if pred(r["depth"])])
            self.assertEqual(self.sql("SELECT * FROM calls WHERE " + where),
                             self.sql("SELECT * FROM calls WHERE " + plain), where)
        for where, pred in [
                ("depth = %d AND kind = 'line'" % mid, lambda e: e["depth"] == mid and e["kind"] == "line"),
                ("depth >= %d AND thread = 2" % mid, lambda e: e["depth"] >= mid and e["thread"] == 2),
                ("depth < %d AND function = 'g'" % mid, lambda e: e["depth"] < mid and e["function"] == "g"),
                ("depth > 1 AND seq BETWEEN 4 AND 19", lambda e: e["depth"] > 1 and 4 <= e["seq"] <= 19)]:
            want = [e for e in ev if pred(e)]
            self.check("SELECT * FROM events WHERE " + where, want)
            self.check("SELECT count(*) AS n FROM events WHERE " + where, [{"n": len(want)}])
        for table in ("events", "calls"):
            plan = " ".join(r["detail"] for r in self.sql(
                "EXPLAIN QUERY PLAN SELECT * FROM %s WHERE depth > 1 AND depth <= 3" % table))
            self.assertIn(":BE", plan, table)

    def test_vars_columns_alone(self):
        # vars decodes what its columns need only (values rendered for the
        # value and type columns read): each column alone, and none, gives
        # the model's rows
        vs = self.m.vars
        for col in ("seq", "frame", "name", "value", "type"):
            self.check("SELECT %s FROM vars" % col, [{col: v[col]} for v in vs])
            self.check("SELECT %s FROM vars WHERE name = 'y'" % col,
                       [{col: v[col]} for v in vs if v["name"] == "y"])
        self.check("SELECT count(*) AS n FROM vars", [{"n": len(vs)}])
        self.check("SELECT count(*) AS n FROM vars WHERE seq > 10",
                   [{"n": len([v for v in vs if v["seq"] > 10])}])
        self.check("SELECT name, type FROM vars WHERE frame = 101",
                   [{"name": v["name"], "type": v["type"]} for v in vs if v["frame"] == 101])
        # a join reading events' ts and vars' values over the same chunks
        want = sorted((v["seq"], v["name"], v["value"], e["ts"]) for v in vs for e in self.m.events
                      if e["seq"] == v["seq"])
        got = self.sql("SELECT v.seq, v.name, v.value, e.ts FROM vars v JOIN events e ON e.seq = v.seq")
        self.assertEqual(sorted((r["seq"], r["name"], r["value"], r["ts"]) for r in got), want)

    def test_calls_constraints(self):
        rows = self.m.calls_rows()
        gf = [r for r in rows if r["function"] == "gen"][0]["frame"]
        cases = [
            ("function = 'g'", lambda r: r["function"] == "g"),
            ("frame = %d" % gf, lambda r: r["frame"] == gf),
            ("thread = 2", lambda r: r["thread"] == 2),
            ("call_seq > 8", lambda r: r["call_seq"] > 8),
            ("call_seq BETWEEN 3 AND 9", lambda r: 3 <= r["call_seq"] <= 9),
            ("raised IS NOT NULL", lambda r: r["raised"] is not None),
            ("return_seq IS NULL", lambda r: r["return_seq"] is None),
        ]
        for where, pred in cases:
            self.check("SELECT * FROM calls WHERE " + where, [r for r in rows if pred(r)])

    def test_vars_constraints(self):
        rows = self.m.vars
        cases = [
            ("name = 'y'", lambda r: r["name"] == "y"),
            ("frame = 101", lambda r: r["frame"] == 101),
            ("frame = 101 AND name = 'y'", lambda r: r["frame"] == 101 and r["name"] == "y"),
            ("seq BETWEEN 5 AND 20", lambda r: 5 <= r["seq"] <= 20),
            ("name = 'nobody'", lambda r: False),
            ("name = NULL", lambda r: False),
            ("name = 'n' AND frame = 104", lambda r: r["name"] == "n" and r["frame"] == 104),
        ]
        for where, pred in cases:
            self.check("SELECT * FROM vars WHERE " + where, [r for r in rows if pred(r)])

    def test_joins(self):
        want = sorted((c["function"], v["name"], v["value"]) for c in self.m.calls_rows()
                      for v in self.m.vars if v["frame"] == c["frame"]
                      and v["seq"] == c["call_seq"])
        got = self.sql("SELECT c.function, v.name, v.value FROM calls c JOIN vars v"
                       " ON v.frame = c.frame AND v.seq = c.call_seq")
        self.assertEqual(sorted((r["function"], r["name"], r["value"]) for r in got), want)
        got = self.sql("SELECT e.seq FROM events e JOIN calls c ON e.frame = c.frame"
                       " WHERE c.function = 'f' ORDER BY e.seq")
        self.assertEqual([r["seq"] for r in got],
                         [e["seq"] for e in self.m.events if e["function"] == "f"])

    def test_hidden_columns(self):
        self.check("SELECT seq, code, offset FROM events WHERE seq <= 3",
                   [{"seq": 1, "code": 1, "offset": None}, {"seq": 2, "code": 1, "offset": None},
                    {"seq": 3, "code": 2, "offset": None}])
        self.check("SELECT c.function, k.firstlineno FROM calls c JOIN code k ON k.code_id = c.code"
                   " WHERE c.function = 'worker'", [{"function": "worker", "firstlineno": 30}])
        self.check("SELECT DISTINCT thread, code FROM vars WHERE name = 'acc'",
                   [{"thread": 2, "code": 4}])

    def test_plain_tables(self):
        self.check("SELECT name, qualname FROM code ORDER BY code_id",
                   [{"name": c[1], "qualname": c[2]} for _, c in sorted(self.m.codes.items())])

    def test_several_statements(self):
        p = subprocess.run([TRACEREC, "sql", "--csv", self.trace,
                            "SELECT 1 AS a; SELECT count(*) AS n FROM calls;"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "a\n1\nn\n%d\n" % len(self.m.calls))

    def test_stdin(self):
        p = subprocess.run([TRACEREC, "sql", "--csv", self.trace],
                           input="SELECT count(*) AS n\n FROM events;\n",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "n\n%d\n" % len(self.m.events))

    def test_table_output(self):
        p = subprocess.run([TRACEREC, "sql", self.trace,
                            "SELECT seq, kind FROM events WHERE seq <= 2"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.splitlines(),
                         ["seq  kind", "---  ----", "  1  call", "  2  line"])

    def test_csv_quoting(self):
        p = subprocess.run([TRACEREC, "sql", "--csv", self.trace,
                            "SELECT value FROM vars WHERE name IN ('y', 'password', 'acc') ORDER BY seq"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = [r[0] for r in csv.reader(io.StringIO(p.stdout))]
        want = ["value"] + [v["value"] for v in self.m.vars
                            if v["name"] in ("y", "password", "acc")]
        self.assertEqual(got, want)

    def test_stock_shell_agrees(self):
        sqlite3 = shutil.which("sqlite3")
        if not sqlite3:
            self.skipTest("no sqlite3 shell")
        ext = subprocess.run([TRACEREC, "sql", "--extension-path"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout.strip()
        self.assertTrue(os.path.exists(ext), ext)
        for q in ["SELECT * FROM events", "SELECT * FROM calls", "SELECT * FROM vars",
                  "SELECT * FROM events WHERE seq BETWEEN 5 AND 9 AND kind = 'line'",
                  "SELECT function, count(*) FROM calls GROUP BY function ORDER BY 1"]:
            a = subprocess.run([TRACEREC, "sql", "--csv", self.trace, q],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            b = subprocess.run([sqlite3, "-csv", "-header", self.trace, "-cmd", ".load " + ext, q],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if b.returncode != 0 and ("undefined symbol" in b.stderr
                                      or "asan" in b.stderr.lower()):
                self.skipTest("extension not loadable in this build: " + b.stderr.strip())
            self.assertEqual(b.returncode, 0, b.stderr)
            self.assertEqual(list(csv.reader(io.StringIO(a.stdout))),
                             list(csv.reader(io.StringIO(b.stdout))), q)


if __name__ == "__main__":
    import taprunner
    taprunner.main()
