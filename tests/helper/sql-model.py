"""sql-model.py: build a synthetic trace whose every event is known, and the
rows the SQL tables must show for it.

A test describes a run (threads, calls, lines, returns, exceptions, variable
changes) with the methods below; Model writes the description that
tests/helper/sql-gen turns into a real trace, and computes from the same
events what `events`, `calls` and `vars` must hold (depths, parents,
call/return matching, rendered values), independently of the C code.
Load it with importlib (the file name has a dash, like the C helper's).
"""
import json
import os
import subprocess
from urllib.parse import quote


def V(kind, *a):
    """A value: (description for sql-gen, Python's repr, type name)."""
    if kind == "none":
        return ("n", "None", "NoneType")
    if kind == "bool":
        return ("t" if a[0] else "f", repr(bool(a[0])), "bool")
    if kind == "int":
        return ("i%d" % a[0], repr(a[0]), "int")
    if kind == "float":
        return ("d%r" % a[0], repr(float(a[0])), "float")
    if kind == "str":
        return ("s" + quote(a[0], safe=""), repr(a[0]), "str")
    if kind == "bytes":
        return ("b" + quote(a[0], safe=""), repr(a[0].encode()), "bytes")
    if kind == "list":
        return ("l" + ";".join("%d" % x for x in a[0]), repr(list(a[0])), "list")
    if kind == "exc":
        return ("e%s:%s" % (a[0], quote(a[1], safe="")), "%s(%r)" % (a[0], a[1]), a[0])
    raise ValueError(kind)


class Model:
    def __init__(self, chunk_events=3):
        self.lines = ["opt chunk_events %d" % chunk_events]
        self.files = {}
        self.codes = {}        # id -> (file, name, qualname, firstline, names)
        self.threads = {}
        self.seq = 0
        self.next_frame = 100
        self.stacks = {}       # thread -> [activation dict]
        self.events = []       # expected events rows (dicts)
        self.calls = []        # expected calls rows, in call order
        self.vars = []         # expected vars rows

    # -- metadata --
    def file(self, fid, path):
        self.files[fid] = path
        self.lines.append("file %d %s" % (fid, quote(path, safe="/")))

    def code(self, cid, fid, name, firstline, names=(), qualname=None):
        qualname = qualname or name
        self.codes[cid] = (fid, name, qualname, firstline, list(names))
        self.lines.append("code %d %d %s %s %d %d %s" % (
            cid, fid, quote(name, safe=""), quote(qualname, safe=""), firstline,
            0, ",".join(names) if names else "-"))

    def thread(self, tid, name):
        self.threads[tid] = name
        self.stacks[tid] = []
        self.lines.append("thread %d %d %s" % (tid, 1000 + tid, quote(name, safe="")))

    def meta(self, key, value):
        self.lines.append("meta %s %s" % (key, quote(str(value), safe="")))

    # -- events --
    def _event(self, tid, kind, code, line, frame, depth, entries, value=None):
        self.seq += 1
        seq = self.seq
        desc = []
        for e in entries:
            tag, v = e
            desc.append("%s=%s" % (tag, v[0]))
            if tag.startswith("v"):
                slot = int(tag[1:])
                self.vars.append(dict(seq=seq, frame=frame,
                                      name=self.codes[code][4][slot],
                                      value=v[1], type=v[2]))
        self.lines.append("ev %d %d %s %d %d %d %d %s" % (
            seq, tid, kind, code, line, frame, seq * 1000, " ".join(desc)))
        fid, name = self.codes[code][0], self.codes[code][1]
        self.events.append(dict(seq=seq, thread=tid, kind=kind, file=self.files[fid],
                                function=name, line=line, depth=depth, frame=frame,
                                value=value, ts=seq * 1000))
        return seq

    def call(self, tid, code, line, vars=None, frame=None, caller_line=None):
        """caller_line: the line the caller is at, as the recorder gives it
        for a caller without line events (else its last event's line)."""
        st = self.stacks[tid]
        if frame is None:
            frame = self.next_frame
            self.next_frame += 1
        if st and caller_line is not None:
            st[-1]["at"] = caller_line
        act = dict(frame=frame, thread=tid, parent=st[-1]["frame"] if st else None,
                   call_line=st[-1]["at"] if st else None, at=line,
                   function=self.codes[code][1], qualname=self.codes[code][2],
                   file=self.files[self.codes[code][0]], line=line, depth=len(st) + 1,
                   call_seq=None, return_seq=None, duration_ns=None,
                   returned=None, raised=None, code=code, last=None, exc=None)
        st.append(act)
        entries = [("v%d" % k, v) for k, v in sorted((vars or {}).items())]
        if caller_line is not None:
            entries.append(("c", (str(caller_line),)))
        act["call_seq"] = self._event(tid, "call", code, line, frame, len(st), entries)
        self.calls.append(act)
        return frame

    def line(self, tid, line, vars=None):
        a = self.stacks[tid][-1]
        a["last"] = "line"
        a["at"] = line
        self._event(tid, "line", a["code"], line, a["frame"], len(self.stacks[tid]),
                    [("v%d" % k, v) for k, v in sorted((vars or {}).items())])

    def exception(self, tid, line, exc):
        a = self.stacks[tid][-1]
        a["last"] = "exception"
        a["at"] = line
        a["exc"] = exc
        self._event(tid, "exception", a["code"], line, a["frame"], len(self.stacks[tid]),
                    [("x", exc)], value=exc[1])

    def ret(self, tid, line, value):
        st = self.stacks[tid]
        a = st[-1]
        seq = self._event(tid, "return", a["code"], line, a["frame"], len(st),
                          [("r", value)], value=value[1])
        st.pop()
        a["return_seq"] = seq
        a["duration_ns"] = (seq - a["call_seq"]) * 1000
        if a["last"] == "exception":
            a["raised"] = a["exc"][1]
        else:
            a["returned"] = value[1]
        a["last"] = None

    # -- output --
    def write(self, path, exit_status=0):
        helper = os.path.join(os.environ["TREC_BUILDDIR"], "tests", "helper", "sql-gen")
        text = "\n".join(self.lines + ["close %d" % exit_status]) + "\n"
        subprocess.run([helper, path], input=text.encode(), check=True)

    def calls_rows(self):
        cols = ["frame", "thread", "parent", "function", "qualname", "file", "line",
                "depth", "call_seq", "return_seq", "duration_ns", "returned", "raised",
                "call_line"]
        return [{c: a[c] for c in cols} for a in self.calls]


def example():
    """The run the SQL tests and doc/SQL.md's examples are checked on."""
    m = Model(chunk_events=3)
    m.file(1, "/src/prog.py")
    m.file(2, "/src/lib/work.py")
    m.code(1, 1, "<module>", 1)
    m.code(2, 1, "f", 10, ["x", "y"])
    m.code(3, 1, "g", 20, ["n"], qualname="outer.<locals>.g")
    m.code(4, 2, "worker", 30, ["k", "acc"])
    m.code(5, 1, "gen", 40, ["i"])
    m.code(6, 2, "h", 50, ["password"])
    m.thread(1, "MainThread")
    m.thread(2, "Thread-1")
    m.meta("argv", json.dumps(["prog.py", "a b"]))
    m.meta("cwd", "/src")
    m.meta("python_version", "3.11.7")
    m.call(1, 1, 1)
    m.line(1, 2)
    m.call(1, 2, 10, {0: V("int", 3)})
    m.line(1, 11, {1: V("str", "abc, \"q\"")})
    m.call(2, 4, 30, {0: V("int", 7)})
    m.line(1, 12, {1: V("list", [1, 2])})
    m.call(1, 3, 20, {0: V("int", 2)})
    m.line(1, 21)
    m.call(1, 3, 20, {0: V("int", 1)}, caller_line=25)
    m.line(1, 21)
    m.exception(1, 22, V("exc", "ValueError", "boom"))
    m.ret(1, 22, V("none"))
    m.line(2, 31, {1: V("int", 1)})
    m.exception(1, 21, V("exc", "ValueError", "boom"))
    m.line(1, 23)
    m.ret(1, 24, V("int", 5))
    m.line(1, 13, {1: V("float", 2.5)})
    m.ret(2, 32, V("str", "done"))
    m.ret(1, 13, V("bool", True))
    gf = m.call(1, 5, 40, {0: V("int", 0)})
    m.ret(1, 41, V("int", 0))
    m.call(2, 6, 50, {0: V("str", "hunter2")})
    m.call(1, 5, 41, frame=gf)
    m.line(1, 42, {0: V("int", 1)})
    m.ret(1, 41, V("int", 1))
    m.line(1, 3, {})
    m.ret(1, 3, V("none"))
    m.line(2, 51, {0: V("bytes", "x\ny")})
    return m
