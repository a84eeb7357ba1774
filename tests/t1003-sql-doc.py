"""t1003-sql-doc: every query in doc/SQL.md runs, on the synthetic run of
tests/helper/sql-model.py, and gives the rows computed from the model's
events in Python. A query added to SQL.md without its check here fails.
"""
import importlib.util
import json
import os
import re
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


def doc_queries():
    text = open(os.path.join(SRC, "doc", "SQL.md"), encoding="utf-8").read()
    return re.findall(r"<!-- test: (\w+) -->\n```sql\n(.*?)```", text, re.S)


def expected(name, m):
    """The rows query `name` must give, computed from the model."""
    ev, calls, vs = m.events, m.calls_rows(), m.vars
    if name == "kinds":
        n = {}
        for e in ev:
            n[e["kind"]] = n.get(e["kind"], 0) + 1
        return [{"kind": k, "n": c} for k, c in sorted(n.items(), key=lambda x: (-x[1], x[0]))]
    if name == "hottest":
        n = {}
        for c in calls:
            k = (c["function"], c["file"])
            n[k] = n.get(k, 0) + 1
        rows = [{"function": f, "file": fl, "calls": c} for (f, fl), c in n.items()]
        return sorted(rows, key=lambda r: (-r["calls"], r["function"]))[:10]
    if name == "recursion":
        n = {}
        for c in calls:
            for p in calls:
                if (p["frame"] == c["parent"] and (p["function"], p["file"]) == (c["function"], c["file"])
                        and p["call_seq"] < c["call_seq"]
                        and (p["return_seq"] is None or p["return_seq"] > c["call_seq"])):
                    n[c["function"]] = n.get(c["function"], 0) + 1
        return [{"function": f, "recursive_calls": k}
                for f, k in sorted(n.items(), key=lambda x: (-x[1], x[0]))]
    if name == "deepest":
        c = sorted(calls, key=lambda c: (-c["depth"], c["call_seq"]))[0]
        return [{k: c[k] for k in ("depth", "function", "file", "line", "call_seq")}]
    if name == "exceptions":
        return [{"seq": e["seq"], "function": e["function"], "file": e["file"],
                 "line": e["line"], "exception": e["value"]}
                for e in ev if e["kind"] == "exception"]
    if name == "escaped":
        return [{k: c[k] for k in ("function", "call_seq", "return_seq", "raised")}
                for c in calls if c["raised"] is not None]
    if name == "callsites":
        file_of = {c["frame"]: c["file"] for c in calls}
        n = {}
        for c in calls:
            if c["parent"] is not None:
                k = (c["function"], file_of[c["parent"]], c["call_line"])
                n[k] = n.get(k, 0) + 1
        rows = [{"function": f, "caller_file": fl, "call_line": l, "n": k}
                for (f, fl, l), k in n.items()]
        return sorted(rows, key=lambda r: (-r["n"], r["function"], r["call_line"]))
    if name == "history":
        f = [c for c in calls if c["function"] == "f"][0]["frame"]
        line = {e["seq"]: e["line"] for e in ev}

        def setter(v):
            before = [e for e in ev if e["frame"] == v["frame"] and e["seq"] < v["seq"]]
            return before[-1]["line"] if before else line[v["seq"]]
        return [{"seq": v["seq"], "line": setter(v), "value": v["value"], "type": v["type"]}
                for v in vs if v["name"] == "y" and v["frame"] == f]
    if name == "callsarg":
        return [{"call_seq": c["call_seq"], "returned": c["returned"], "raised": c["raised"]}
                for c in calls if c["function"] == "g"
                for v in vs if v["frame"] == c["frame"] and v["seq"] == c["call_seq"]
                and v["name"] == "n" and v["value"] == "1"]
    if name == "slowest":
        rows = [c for c in calls if c["duration_ns"] is not None]
        rows.sort(key=lambda c: (-c["duration_ns"], c["call_seq"]))
        return [{k: c[k] for k in ("function", "call_seq", "duration_ns")} for c in rows[:5]]
    if name == "callers":
        n = {}
        for c in calls:
            if c["function"] != "g":
                continue
            for p in calls:
                if (p["frame"] == c["parent"] and p["call_seq"] < c["call_seq"]
                        and (p["return_seq"] is None or p["return_seq"] > c["call_seq"])):
                    n[p["function"]] = n.get(p["function"], 0) + 1
        return [{"caller": f, "calls": k} for f, k in sorted(n.items(), key=lambda x: (-x[1], x[0]))]
    if name == "changed":
        last = {}
        for v in vs:
            if 5 < v["seq"] <= 15:
                last[(v["frame"], v["name"])] = v
        return [{"frame": f, "name": n, "value": v["value"], "seq": v["seq"]}
                for (f, n), v in sorted(last.items())]
    if name == "window":
        return [{k: e[k] for k in ("seq", "thread", "kind", "function", "line", "depth")}
                for e in ev if 8 <= e["seq"] <= 12]
    if name == "unreached":
        lines = [e["line"] for e in ev if e["function"] == "f"]
        hit = {e["line"] for e in ev if e["function"] == "f" and e["kind"] == "line"}
        return [{"line": x} for x in range(min(lines), max(lines) + 1) if x not in hit]
    if name == "threads":
        return [{"thread_id": t, "name": nm,
                 "events": sum(1 for e in ev if e["thread"] == t)}
                for t, nm in sorted(m.threads.items())]
    if name == "last":
        return [{k: e[k] for k in ("seq", "thread", "kind", "function", "line")}
                for e in reversed(ev)][:5]
    if name == "open":
        return [{"function": c["function"], "thread": c["thread"], "call_seq": c["call_seq"]}
                for c in calls if c["return_seq"] is None]
    if name == "meta":
        return [{"key": "argv", "value": json.dumps(["prog.py", "a b"])},
                {"key": "cwd", "value": "/src"},
                {"key": "python_version", "value": "3.11.7"}]
    raise KeyError("no check for the doc query %r" % name)


class DocQueries(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="t1003-")
        cls.trace = os.path.join(cls.dir, "doc.trace")
        cls.m = sql_model.example()
        cls.m.write(cls.trace)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_enough_queries(self):
        self.assertGreaterEqual(len(doc_queries()), 12)

    def test_each_query(self):
        for name, sql in doc_queries():
            with self.subTest(query=name):
                p = subprocess.run([TRACEREC, "sql", "--json", self.trace, sql],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                self.assertEqual(p.returncode, 0, p.stderr)
                want = expected(name, self.m)
                self.assertTrue(want, "query %s should have rows on the example" % name)
                self.assertEqual(json.loads(p.stdout), want, name)


if __name__ == "__main__":
    import taprunner
    taprunner.main()
