"""t0242: frame snapshots against sys.settrace, event by event.

A Python trace function takes a full snapshot at each `call` event and a
diff at every later event of the frame, applies the diffs to a model of the
frame's variables, and checks after every event that the model equals what
Python reports in frame.f_locals (each value encoded by valenc, written from
the format spec alone). This is the recorder's own invariant: replaying the
recorded changes rebuilds every frame's locals exactly.
"""
import importlib.util
import os
import sys
import types
import unittest

import valenc

_spec = importlib.util.spec_from_file_location(
    "snapvalues", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "t0240-snapshot-values.py"))
V = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(V)
M = V.M

# Values valenc cannot encode the way the recorder does (it has no REPR
# values; it copies exception args into a new tuple): left out of both sides.
SKIP = (types.FunctionType, type, types.ModuleType, types.MethodType,
        types.BuiltinFunctionType, BaseException, types.GeneratorType)


def enc(v):
    return V.decode(valenc.encode(v, max_items=32, max_str=256, max_depth=3))


class Recorder:
    def __init__(self, codes):
        self.codes = codes
        self.frames = {}          # frame -> (cap, names, model)
        self.events = 0
        self.diffs = 0
        self.errors = []

    def trace(self, frame, event, arg):
        if frame.f_code not in self.codes:
            return None
        if event == "call" or frame not in self.frames:
            cap = M._snapshot_session(frame.f_code)
            names = M._snapshot_names(cap)[0]
            self.frames[frame] = (cap, names, {})
        cap, names, model = self.frames[frame]
        full = event == "call"
        if full:
            model.clear()
        for slot, v in V.entries(M._snapshot_frame(cap, frame, full)).items():
            self.diffs += 1
            if v == (V.UNBOUND,):
                model.pop(names[slot], None)
            else:
                model[names[slot]] = v
        self.events += 1
        real = dict(frame.f_locals)
        skip = {k for k, v in real.items() if isinstance(v, SKIP)}
        want = {k: enc(v) for k, v in real.items() if k not in skip}
        have = {k: v for k, v in model.items() if k not in skip}
        if have != want and len(self.errors) < 5:
            self.errors.append((frame.f_code.co_name, event, frame.f_lineno,
                                have, want))
        return self.trace

    def run(self, func, *args):
        sys.settrace(self.trace)
        try:
            return func(*args)
        finally:
            sys.settrace(None)


# ---- the traced programs ----

def fib(n):
    if n < 2:
        return n
    a = fib(n - 1)
    b = fib(n - 2)
    return a + b


def closures(k):
    total = 0
    seen = []

    def add(x):
        nonlocal total
        total += x
        seen.append(x)
        return total
    for i in range(k):
        add(i)
    return total, seen


def gen(n):
    acc = []
    for i in range(n):
        got = yield i
        if got is not None:
            acc.append(got)
    return acc


def drive_gen():
    g = gen(4)
    out = [next(g)]
    out.append(g.send("a"))
    out.append(g.send(None))
    try:
        g.send("b")
        g.send("c")
    except StopIteration as stop:
        out.append(stop.value)
    return out


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def move(self, dx):
        self.x += dx
        self.history = getattr(self, "history", []) + [dx]
        return self


def objects():
    p = Point(1, 2)
    p.move(3)
    p.move(-1)
    table = {"p": p, "n": 0}
    table["n"] += 1
    del table["p"]
    s = set()
    s.add(1)
    s.discard(1)
    big = 2 ** 100
    big += 1
    text = "x" * 10
    text = text + "\u00e9"
    return table, s, big, text


def exceptions():
    log = []
    for i in range(3):
        try:
            if i == 1:
                raise ValueError(i)
            log.append(i)
        except ValueError as e:
            log.append(str(e))
        finally:
            log.append("f")
    try:
        {}["missing"]
    except KeyError:
        pass
    return log


def comprehensions(n):
    x = "outer"
    squares = [x * x for x in range(n)]
    pairs = {k: v for k, v in zip("abc", squares)}
    total = sum(v for v in pairs.values())
    return x, squares, pairs, total


def deleting():
    a = 1
    b = [a]
    del a
    a = "again"
    del b
    return a


PROGRAMS = [
    (fib, (6,)), (closures, (4,)), (drive_gen, ()), (objects, ()),
    (exceptions, ()), (comprehensions, (4,)), (deleting, ()),
]


def all_codes():
    codes = set()
    todo = [f.__code__ for f, _ in PROGRAMS]
    todo += [gen.__code__, Point.__init__.__code__, Point.move.__code__]
    while todo:
        c = todo.pop()
        codes.add(c)
        todo += [k for k in c.co_consts if isinstance(k, types.CodeType)]
    return codes


class SetTrace(unittest.TestCase):
    def test_programs(self):
        for func, args in PROGRAMS:
            with self.subTest(program=func.__name__):
                expected = func(*args)
                rec = Recorder(all_codes())
                got = rec.run(func, *args)
                self.assertEqual(repr(got), repr(expected))  # unchanged behaviour
                self.assertEqual(rec.errors, [])
                self.assertGreater(rec.events, 3)
                self.assertGreater(rec.diffs, 0)

    def test_diffs_are_sparse(self):
        # a loop that changes one variable per line records about that much
        def loop():
            a, b, c, d = 1, "two", [3], {"four": 4}
            for i in range(50):
                a += 1
            return a
        rec = Recorder({loop.__code__})
        rec.run(loop)
        self.assertEqual(rec.errors, [])
        self.assertLess(rec.diffs, 2 * rec.events)


if __name__ == "__main__":
    import taprunner
    taprunner.main()
