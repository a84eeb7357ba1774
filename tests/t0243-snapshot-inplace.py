"""t0243: in-place changes the snapshot's fingerprints must still see.

Mutable values are not re-encoded at every event: a fingerprint of their
structure (addresses, lengths, field names, leaf values) decides whether to
encode them (recorder/snapshot.c). These programs change values in place in
the ways a fingerprint could miss (a field of an element, an equal value in
a new object, a nested append, a freed element replaced by a new one at the
same address, a field past max_items that changes only the total) and
check, event by event, that applying the recorded diffs rebuilds exactly
what Python reports in frame.f_locals (the Recorder of t0242, a
sys.settrace reference). __slots__ objects are left to t0240's
direct tests: the reference encoder (valenc) reads __dict__ only.
"""
import importlib.util
import os
import sys
import unittest

_spec = importlib.util.spec_from_file_location(
    "snapsettrace", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "t0242-snapshot-settrace.py"))
T = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(T)


class Cell:
    def __init__(self, v):
        self.v = v


def element_attribute():
    cells = [Cell(i) for i in range(5)]
    cells[2].v = 10
    cells[2].v += 1
    cells[3].w = "new field"
    del cells[1].v
    cells[4].v = [1]
    cells[4].v.append(2)
    return [vars(c) for c in cells]


def equal_but_new():
    d = {"list": [1, 2], "num": 10 ** 6, "text": "ab" * 3}
    d["list"] = [1, 2]
    d["num"] = int("1000000")
    d["text"] = "".join(["ab", "ab", "ab"])
    d["list"] = list(d["list"])
    t = {"pair": (1, [2])}
    t["pair"] = (1, [2])
    return d, t


def nested_append():
    outer = [[1], [[2]], {"k": [3]}]
    outer[0].append(4)
    outer[1][0].append(5)
    outer[2]["k"].append(6)
    outer[2]["k2"] = {"deep": []}
    outer[1][0][0] = "replaced"
    s = [set()]
    s[0].add(1)
    s[0].discard(1)
    s[0].add(2)
    return outer, s


def aba():
    # each element is freed (None stored) before its replacement is made on
    # the same line, so the replacement usually takes the freed address
    ints = [10 ** 6]
    strs = ["w" * 5]
    bigs = {"k": 2 ** 70}
    objs = [Cell(10 ** 6)]
    ids = []
    for i in range(20):
        ints[0] = None; ints[0] = 10 ** 6 + i  # noqa: E702
        strs[0] = None; strs[0] = "w" * 4 + chr(97 + i)  # noqa: E702
        bigs["k"] = None; bigs["k"] = 2 ** 70 + i  # noqa: E702
        objs[0] = None; objs[0] = Cell(10 ** 6 + i)  # noqa: E702
        ids.append((id(ints[0]), id(strs[0]), id(bigs["k"]), id(objs[0])))
    return ints, strs, bigs, objs[0].v, ids


def renamed_type():
    c = [Cell(1)]
    Cell.__qualname__ = "Renamed"
    c[0].v = 2
    Cell.__qualname__ = "Cell"
    return c[0].v, type(c[0]).__qualname__


def budgets():
    big = list(range(100))
    big[5] = "inside the bound"
    big[90] = "beyond max_items: not part of the value"
    grid = [[0] * 40 for _ in range(40)]
    grid[0][1] = 1
    grid[39][39] = 1
    return big, grid


def fields_past_max_items():
    # past max_items (32) a new field shows only in the object's total
    wide = Cell(0)
    held = [wide]
    for i in range(35):
        setattr(wide, "f%d" % i, i)
    del wide.f0
    wide.f0 = 0
    return len(vars(held[0]))


def bytearrays():
    buf = bytearray(b"ab")
    held = [buf, {"b": bytearray(3)}]
    buf[0] = 122
    buf.extend(b"cd")
    buf += b"!"
    held[1]["b"][1] = 7
    del buf[:2]
    buf.clear()
    buf.append(1)
    return bytes(buf), bytes(held[1]["b"])


PROGRAMS = [element_attribute, equal_but_new, nested_append, aba,
            renamed_type, budgets, fields_past_max_items, bytearrays]
CODES = {f.__code__ for f in PROGRAMS} | {Cell.__init__.__code__}


def slotted_graph():
    # holders of 10 __slots__ members, each an instance of one of 40 other
    # slotted classes: more types than the snapshot's per-type caches hold
    inner = [type("In%d" % i, (), {"__slots__": ("a", "b")}) for i in range(40)]
    holder = type("Holder", (), {"__slots__": tuple("m%d" % i for i in range(10))})
    holders = []
    for j in range(8):
        h = holder()
        for i in range(10):
            o = inner[(j * 10 + i) % 40]()
            o.a, o.b = j, i
            setattr(h, "m%d" % i, o)
        holders.append(h)
    return holders


def expect_slotted(holders):
    V = T.V
    return (V.LIST, id(holders), len(holders), [
        (V.OBJECT, id(h), __name__ + ".Holder", 10, [
            ("m%d" % i, (V.OBJECT, id(getattr(h, "m%d" % i)),
                         __name__ + ".In%d" % ((j * 10 + i) % 40), 2,
                         [("a", (V.INT, getattr(h, "m%d" % i).a)),
                          ("b", (V.INT, i))]))
            for i in range(10)])
        for j, h in enumerate(holders)])


class Slots(unittest.TestCase):
    # __slots__ members are read through a per-type listing kept in a small
    # cache; the reference recorder does not read slots, so these compare
    # with the objects themselves
    def test_many_slotted_types(self):
        holders = slotted_graph()
        self.assertEqual(T.V.decode(T.V.snap(holders)), expect_slotted(holders))

    def test_slot_change_at_depth_2_in_a_frame(self):
        M = T.M

        def body():
            holders = slotted_graph()
            frame = sys._getframe()
            cap = M._snapshot_session(frame.f_code)
            slot = M._snapshot_names(cap)[0].index("holders")
            full = T.V.entries(M._snapshot_frame(cap, frame, True))
            same = T.V.entries(M._snapshot_frame(cap, frame, False))
            holders[3].m4.a = 99
            changed = T.V.entries(M._snapshot_frame(cap, frame, False))
            return holders, slot, full, same, changed
        holders, slot, full, same, changed = body()
        self.assertEqual(full[slot], expect_slotted(holders)[:3] + (full[slot][3],))
        self.assertNotIn(slot, same)
        self.assertEqual(changed[slot], expect_slotted(holders))


class KnownReprs(unittest.TestCase):
    # a memoryview is a REPR whose text changes when it is released, in
    # place: its fingerprint must see that
    def test_memoryview_release_is_seen(self):
        M = T.M

        def body():
            view = memoryview(b"ab")
            frame = sys._getframe()
            cap = M._snapshot_session(frame.f_code)
            slot = M._snapshot_names(cap)[0].index("view")
            full = T.V.entries(M._snapshot_frame(cap, frame, True))
            same = T.V.entries(M._snapshot_frame(cap, frame, False))
            view.release()
            changed = T.V.entries(M._snapshot_frame(cap, frame, False))
            return view, slot, full, same, changed
        view, slot, full, same, changed = body()
        self.assertEqual(full[slot][2], "<memory at 0x%x>" % id(view))
        self.assertNotIn(slot, same)
        self.assertEqual(changed[slot][2], repr(view))
        self.assertTrue(repr(view).startswith("<released memory at 0x"))


class InPlace(unittest.TestCase):
    def test_programs(self):
        for func in PROGRAMS:
            with self.subTest(program=func.__name__):
                expected = func()
                rec = T.Recorder(CODES)
                got = rec.run(func)
                if func is aba:   # addresses differ from run to run
                    got, expected = got[:4], expected[:4]
                self.assertEqual(got, expected)   # unchanged behaviour
                self.assertEqual(rec.errors, [])
                self.assertGreater(rec.diffs, 0)

    def test_aba_really_reuses_addresses(self):
        # the ABA program is only a test if freed objects' addresses come back
        # (an element whose replacement took the address it had at the
        # previous iteration's events)
        ids = aba()[4]
        for column in range(4):
            reused = sum(ids[k][column] == ids[k - 1][column]
                         for k in range(1, len(ids)))
            self.assertGreater(reused, 0, "column %d" % column)

    def test_unchanged_containers_cost_no_entries(self):
        # a loop reading a list of objects, changing one int: one entry per
        # event or so, not one per container per event
        def loop():
            cells = [Cell(i) for i in range(30)]
            table = {str(i): [i] for i in range(30)}
            total = 0
            for i in range(60):
                total += cells[i % 30].v + table[str(i % 30)][0]
            return total
        rec = T.Recorder({loop.__code__})
        rec.run(loop)
        self.assertEqual(rec.errors, [])
        self.assertLess(rec.diffs, 2 * rec.events)


if __name__ == "__main__":
    import taprunner
    taprunner.main()
