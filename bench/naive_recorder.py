"""A pure-Python recorder, written the way a naive tool would be: a
sys.settrace function that logs every call, line, return and exception
event and the locals that changed since the frame's previous event into
SQLite. It is the peer tracerec must beat by 20x (issue 7).

It is honest, not a straw man: rows are batched with executemany, values
are bounded with reprlib, and locals are diffed per frame so unchanged
values are not stored again.

usage: python naive_recorder.py -o OUT.db SCRIPT [ARGS...]
"""
import os
import reprlib
import runpy
import sqlite3
import sys
import threading

BATCH = 10000


class Recorder:
    def __init__(self, path):
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
            "CREATE TABLE events(seq INTEGER PRIMARY KEY, thread INTEGER, kind TEXT,"
            " file TEXT, function TEXT, line INTEGER, arg TEXT);"
            "CREATE TABLE vars(seq INTEGER, name TEXT, value TEXT);")
        self.repr = reprlib.Repr()
        self.seq = 0
        self.events = []
        self.vars = []
        self.shadow = {}
        self.lock = threading.Lock()

    def flush(self):
        self.db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", self.events)
        self.db.executemany("INSERT INTO vars VALUES (?,?,?)", self.vars)
        self.events = []
        self.vars = []

    def trace(self, frame, event, arg):
        with self.lock:
            self.seq += 1
            seq = self.seq
            code = frame.f_code
            text = None if arg is None or event == "call" else self.repr.repr(arg)
            self.events.append((seq, threading.get_ident(), event, code.co_filename,
                                code.co_name, frame.f_lineno, text))
            old = self.shadow.setdefault(id(frame), {})
            # A module's locals are its globals. Read them as such: on 3.12,
            # f_locals of a module frame running an inlined comprehension
            # writes the comprehension's variables into the module's globals
            # (ast.py's import then fails with KeyError).
            names = frame.f_globals if code.co_name == "<module>" else frame.f_locals
            for name, value in names.items():
                r = self.repr.repr(value)
                if old.get(name) != r:
                    old[name] = r
                    self.vars.append((seq, name, r))
            if event == "return":
                del self.shadow[id(frame)]
            if len(self.events) >= BATCH:
                self.flush()
        return self.trace

    def close(self):
        sys.settrace(None)
        threading.settrace(None)
        with self.lock:
            self.flush()
            self.db.commit()
            self.db.close()


def main(argv):
    if len(argv) < 3 or argv[0] != "-o":
        sys.exit("usage: naive_recorder.py -o OUT.db SCRIPT [ARGS...]")
    out, script = argv[1], argv[2]
    if os.path.exists(out):
        os.unlink(out)
    rec = Recorder(out)
    sys.argv = argv[2:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    threading.settrace(rec.trace)
    sys.settrace(rec.trace)
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        rec.close()


if __name__ == "__main__":
    main(sys.argv[1:])
