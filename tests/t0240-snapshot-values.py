"""t0240: the snapshot encoder on single values (recorder/snapshot.c).

Checks the bytes against valenc (an encoder written from doc/FORMAT.md
alone), the rendered text against Python's own repr() through the
trec-render helper, and that encoding never runs the program's code: every
__repr__/__eq__/__hash__/__getattr__/property below counts its calls.

Also the helpers t0241 imports: snapmod() finds the test entry points,
decode() turns encoded bytes into plain Python structures.
"""
import math
import os
import struct
import subprocess
import sys
import unittest

import valenc

NONE, FALSE, TRUE, INT, BIGINT, FLOAT, STR, BYTES = range(8)
TUPLE, LIST, SET, FROZENSET, DICT, OBJECT, REF, TRUNC = range(8, 16)
REPR, UNBOUND, REDACTED, EXC, TYPED = range(16, 21)


def snapmod():
    """The module with the snapshot test entry points: _tracerec once the
    recorder exposes them, else the check-only _snaptest."""
    try:
        import _tracerec
        if hasattr(_tracerec, "_snapshot_value"):
            return _tracerec
    except ImportError:
        pass
    build = os.environ.get("TREC_BUILDDIR")
    if build:
        sys.path.insert(0, os.path.join(build, "tests", ".libs"))
    import _snaptest
    return _snaptest


M = snapmod()


class Reader:
    """A strict decoder of the value encoding, into tuples:
    (NONE,) (INT, v) (STR, total, text) (LIST, id, total, [items])
    (DICT, id, total, [(k, v)]) (OBJECT, id, type, total, [(name, v)])
    (REF, id, tag) (TRUNC, tag, id, type, total) (REPR, type, text)
    (REDACTED, type) (EXC, id, type, args) (UNBOUND,) ..."""

    def __init__(self, data):
        self.d = data
        self.p = 0

    def u8(self):
        self.p += 1
        return self.d[self.p - 1]

    def varint(self):
        v = shift = 0
        while True:
            c = self.u8()
            v |= (c & 0x7F) << shift
            shift += 7
            if c < 0x80:
                return v

    def raw(self, n):
        self.p += n
        if self.p > len(self.d):
            raise ValueError("past the end")
        return self.d[self.p - n:self.p]

    def name(self):
        return self.raw(self.varint()).decode("utf-8", "surrogatepass")

    def value(self):
        t = self.u8()
        if t in (NONE, FALSE, TRUE, UNBOUND):
            return (t,)
        if t == INT:
            z = self.varint()
            return (t, (z >> 1) ^ -(z & 1))
        if t == BIGINT:
            neg = self.u8()
            mag = int.from_bytes(self.raw(self.varint()), "little")
            return (t, -mag if neg else mag)
        if t == FLOAT:
            return (t, struct.unpack("<d", self.raw(8))[0])
        if t in (STR, BYTES):
            total = self.varint()
            data = self.raw(self.varint())
            return (t, total, data.decode("utf-8", "surrogatepass")
                    if t == STR else data)
        if t in (TUPLE, LIST, SET, FROZENSET):
            vid, total, n = self.varint(), self.varint(), self.varint()
            return (t, vid, total, [self.value() for _ in range(n)])
        if t == DICT:
            vid, total, n = self.varint(), self.varint(), self.varint()
            return (t, vid, total,
                    [(self.value(), self.value()) for _ in range(n)])
        if t == OBJECT:
            vid, tn, total, n = self.varint(), self.name(), self.varint(), self.varint()
            return (t, vid, tn, total,
                    [(self.name(), self.value()) for _ in range(n)])
        if t == REF:
            return (t, self.varint(), self.u8())
        if t == TRUNC:
            return (t, self.u8(), self.varint(), self.name(), self.varint())
        if t == REPR:
            return (t, self.name(), self.name())
        if t == REDACTED:
            return (t, self.name())
        if t == EXC:
            return (t, self.varint(), self.name(), self.value())
        if t == TYPED:
            tn, form, content = self.name(), self.u8(), self.value()
            total, n = self.varint(), self.varint()
            return (t, tn, form, content, total,
                    [(self.name(), self.value()) for _ in range(n)])
        raise ValueError("bad tag %d" % t)


def decode(data):
    r = Reader(data)
    v = r.value()
    if r.p != len(data):
        raise ValueError("trailing bytes")
    return v


def entries(data):
    """Payload VAR entries -> {slot: decoded value}, in order, strictly."""
    r = Reader(data)
    out = {}
    while r.p < len(data):
        key = r.varint()
        if key & 3 != 0:
            raise ValueError("not a VAR entry")
        if key >> 2 in out:
            raise ValueError("slot twice")
        out[key >> 2] = r.value()
    return out


def render(values):
    """Render encoded values with the value library's trec-render helper."""
    helper = os.path.join(os.environ.get("TREC_BUILDDIR", ""), "tests",
                          "helper", "trec-render")
    if not os.path.exists(helper):
        raise unittest.SkipTest("trec-render helper not built")
    inp = b"".join(struct.pack("<III", 0, 0, len(v)) + v for v in values)
    out = subprocess.run([helper], input=inp, stdout=subprocess.PIPE,
                         check=True).stdout
    texts, p = [], 0
    for _ in values:
        rc, n = struct.unpack_from("<II", out, p)
        texts.append(None if rc else out[p + 8:p + 8 + n].decode("utf-8", "surrogatepass"))
        p += 8 + n
    return texts


def snap(v, **kw):
    return M._snapshot_value(v, **kw)


# ---- objects that record any call into them ----

CALLS = []


class Noisy:
    def __init__(self):
        self.a = 1
        self.b = "two"

    def __repr__(self):
        CALLS.append("repr")
        raise RuntimeError("repr must not run")

    def __eq__(self, other):
        CALLS.append("eq")
        raise RuntimeError("eq must not run")

    def __hash__(self):
        CALLS.append("hash")
        return 1

    def __getattr__(self, name):
        CALLS.append("getattr " + name)
        raise AttributeError(name)

    @property
    def prop(self):
        CALLS.append("property")
        return 1


class WithProps:
    def __init__(self):
        self.x = [1, 2]

    @property
    def y(self):
        CALLS.append("property")
        return 2

    def __getattribute__(self, name):
        CALLS.append("getattribute " + name)
        return object.__getattribute__(self, name)


class Meta(type):
    def __getattr__(cls, name):
        CALLS.append("meta getattr")
        raise AttributeError(name)

    @property
    def __qualname_prop__(cls):
        CALLS.append("meta property")
        return "x"


class Plain(metaclass=Meta):
    pass


class Slotted:
    __slots__ = ("p", "q", "r")

    def __init__(self):
        self.p = 1
        self.q = [2]


class Outer:
    class Inner:
        def __init__(self):
            self.v = None


class MyError(ValueError):
    pass


def type_name(t):
    return valenc.type_name(t)


class Builtins(unittest.TestCase):
    CASES = [
        None, True, False, 0, 1, -1, 2**63 - 1, -2**63, 2**63, -2**63 - 1,
        2**15 - 1, 2**15, 2**30 - 1, 2**30, -(2**30) + 1, -(2**30), 2**31,
        -(2**62), 10**18,
        2**200 + 12345, -(2**520), 1.5, -0.0, float("inf"), float("-inf"),
        "", "abc", "h\u00e9llo", "\u20ac\U0001F600", "lone \ud800 surrogate",
        "\udfff", b"", b"\x00\xffbytes", (), (1,), (1, "a", (2.5, None)),
        [], [1, [2, [3]]], {}, {"a": 1, 2: [3], (4, 5): {"x": None}},
        set(), {1, 2, 3}, frozenset(), frozenset({"a"}),
        [True, False, None, b"x", -7],
    ]

    def test_bytes_equal_valenc(self):
        for v in self.CASES:
            with self.subTest(v=v):
                self.assertEqual(snap(v), valenc.encode(v, max_items=32, max_str=256,
                                                        max_depth=3))

    def test_nan(self):
        d = decode(snap(float("nan")))
        self.assertEqual(d[0], FLOAT)
        self.assertTrue(math.isnan(d[1]))

    def test_render_equals_repr(self):
        cases = [v for v in self.CASES if not isinstance(v, (set, frozenset))
                 or len(v) <= 1]
        texts = render([snap(v) for v in cases])
        for v, text in zip(cases, texts):
            with self.subTest(v=v):
                self.assertEqual(text, repr(v))

    def test_stdlib_objects_render_as_repr(self):
        """Objects of standard library classes whose __repr__ reads their
        fields print as that __repr__ does, from the recorded fields:
        Fraction, UUID, IPv4Address, SimpleNamespace, argparse's Namespace,
        and pathlib's paths made every way, whichever fields they hold when
        recorded (made, parsed, or printed once)."""
        import argparse
        import fractions
        import ipaddress
        import pathlib
        import random
        import types
        import uuid
        rnd = random.Random(242)
        values = [fractions.Fraction(0), fractions.Fraction(-3, 4),
                  fractions.Fraction(2 ** 100, 3), uuid.UUID(int=0),
                  uuid.UUID(int=2 ** 128 - 1), ipaddress.IPv4Address(0),
                  ipaddress.IPv4Address(2 ** 32 - 1), types.SimpleNamespace(),
                  types.SimpleNamespace(b=2, a="x", c=[1, (2,)]),
                  argparse.Namespace(), argparse.Namespace(v=True, a=None),
                  argparse.Namespace(**{"not id": 1, "x": 2, "1st": 3}),
                  argparse.Namespace(**{"-": 0})]
        for _ in range(40):
            values += [fractions.Fraction(rnd.randint(-10 ** 30, 10 ** 30),
                                          rnd.randint(1, 10 ** 20)),
                       uuid.UUID(int=rnd.getrandbits(128)),
                       ipaddress.IPv4Address(rnd.getrandbits(32))]
        segs = ["a", "bc", ".", "..", "", "/", "//", "///", "x/./y", "z//", "\u00e9'q"]
        for i in range(120):
            args = [rnd.choice(segs) + rnd.choice(segs) for _ in range(rnd.randint(0, 3))]
            cls = rnd.choice([pathlib.Path, pathlib.PurePosixPath])
            p = cls(*args)
            if i % 3 == 1:
                p = p / rnd.choice(segs)
            if i % 4 == 1:
                p.parts
            if i % 5 == 2:
                str(p)
            values.append(p)
        texts = render([snap(v) for v in values])
        for v, text in zip(values, texts):
            with self.subTest(v=v):
                self.assertEqual(text, repr(v))

    def test_set_order_is_iteration_order(self):
        s = {"x", "yy", 3, 4.5, None}
        d = decode(snap(s))
        self.assertEqual(d[0], SET)
        self.assertEqual(d[3], [decode(snap(x)) for x in s])

    def test_big_int_values(self):
        for v in (2**64, -2**64, 3**300, -(3**300), 2**63, -2**63 - 1):
            with self.subTest(v=v):
                self.assertEqual(decode(snap(v)), (BIGINT, v))

    def test_int_beyond_byte_bound_truncates(self):
        d = decode(snap(2**100000, max_value_bytes=1000))
        self.assertEqual(d[0], TRUNC)
        self.assertEqual(d[1], BIGINT)


class Bounds(unittest.TestCase):
    def test_str_cut_keeps_total(self):
        s = "\u00e9" * 300 + "tail"
        d = decode(snap(s, max_str=10))
        self.assertEqual(d, (STR, len(s), "\u00e9" * 10))
        self.assertEqual(snap(s, max_str=10), valenc.encode(s, max_str=10))

    def test_bytes_cut(self):
        b = bytes(range(256)) * 2
        self.assertEqual(decode(snap(b, max_str=7)), (BYTES, 512, b[:7]))

    def test_items_cut(self):
        v = list(range(100))
        d = decode(snap(v, max_items=5))
        self.assertEqual(d[2], 100)
        self.assertEqual([x[1] for x in d[3]], [0, 1, 2, 3, 4])
        dv = {i: str(i) for i in range(50)}
        self.assertEqual(snap(dv, max_items=3), valenc.encode(dv, max_items=3))

    def test_depth_truncates(self):
        v = [[[[[1]]]]]
        for depth in (1, 2, 3, 4):
            with self.subTest(depth=depth):
                self.assertEqual(snap(v, max_depth=depth),
                                 valenc.encode(v, max_depth=depth, max_items=32,
                                               max_str=256))
        d = decode(snap(v, max_depth=2))
        self.assertEqual(d[3][0][3][0][:2], (TRUNC, LIST))

    def test_value_bytes_budget(self):
        v = ["x" * 200 for _ in range(1000)]
        data = snap(v, max_items=1000, max_value_bytes=2000)
        self.assertLess(len(data), 2000 + 300)
        d = decode(data)
        self.assertEqual(d[2], 1000)          # the real length is kept
        self.assertLess(len(d[3]), 1000)      # but not every item
        self.assertGreater(len(d[3]), 0)
        d = decode(snap({i: "y" * 100 for i in range(300)}, max_items=300,
                        max_value_bytes=1000))
        self.assertLess(len(d[3]), 300)

    def test_long_count_varint_patched(self):
        # planned 200 items (two-byte count) cut to a few (one byte)
        data = snap(list(range(200)), max_items=200, max_value_bytes=64)
        d = decode(data)
        self.assertLess(len(d[3]), 128)


class Cycles(unittest.TestCase):
    def test_self_list(self):
        v = [1]
        v.append(v)
        self.assertEqual(snap(v), valenc.encode(v, max_depth=3))
        d = decode(snap(v))
        self.assertEqual(d[3][1], (REF, id(v), LIST))
        self.assertEqual(render([snap(v)])[0], repr(v))

    def test_dict_cycle_through_list(self):
        d = {"k": []}
        d["k"].append(d)
        self.assertEqual(decode(snap(d))[3][0][1][3][0], (REF, id(d), DICT))

    def test_object_cycle(self):
        a = Outer.Inner()
        a.v = [a]
        got = decode(snap(a))
        self.assertEqual(got[4][0][1][3][0], (REF, id(a), OBJECT))

    def test_repeat_is_not_a_ref(self):
        x = [1, 2]
        v = [x, x]
        self.assertEqual(snap(v), valenc.encode(v, max_depth=3))
        self.assertEqual(render([snap(v)])[0], repr(v))


class NoUserCode(unittest.TestCase):
    def setUp(self):
        del CALLS[:]

    def test_noisy_object(self):
        n = Noisy()
        values = (n, [n], {n: n}, {n}, (n, n))   # the dict and set hash n
        del CALLS[:]
        for v in values:
            snap(v)
        self.assertEqual(CALLS, [])
        d = decode(snap(n))
        self.assertEqual(d[0], OBJECT)
        self.assertEqual(d[2], type_name(Noisy))

    def test_noisy_fields_skipped_when_getattr_is_custom(self):
        # __getattr__ makes tp_getattro non-generic: fields are not read
        d = decode(snap(Noisy()))
        self.assertEqual(d[4], [])
        self.assertEqual(CALLS, [])

    def test_properties_and_getattribute(self):
        w = WithProps()
        d = decode(snap(w))
        self.assertEqual(CALLS, [])
        self.assertEqual(d[0], OBJECT)

    def test_metaclass_not_consulted(self):
        d = decode(snap(Plain()))
        self.assertEqual(d[2], type_name(Plain))
        self.assertEqual(CALLS, [])
        # Meta keeps type's repr, which reads the type's dict, not getattr
        self.assertEqual(decode(snap(Plain)), (REPR, type_name(Meta), repr(Plain)))
        self.assertEqual(CALLS, [])

    def test_builtin_subclass_is_typed(self):
        """A subclass of a builtin is its builtin's content and its fields,
        read without its overridden methods."""
        class L(list):
            def __iter__(self):
                CALLS.append("iter")
                return iter([])

            def __len__(self):
                CALLS.append("len")
                return 0

            def __repr__(self):
                CALLS.append("repr")
                return "L!"
        v = L([1, 2])
        v.extra = 5
        d = decode(snap(v))
        self.assertEqual(d[:3], (TYPED, type_name(L), valenc.CALL))
        self.assertEqual(d[3], (LIST, id(v), 2, [(INT, 1), (INT, 2)]))
        self.assertEqual(d[4:], (1, [("extra", (INT, 5))]))
        self.assertEqual(CALLS, [])

    def test_typed_bytes_equal_valenc(self):
        import collections

        class I(int):
            pass

        class D(dict):
            pass
        Pair = collections.namedtuple("Pair", "a b")
        deep = D(k=D(k=D(k=[1])))
        cyc = D()
        cyc["self"] = cyc
        values = [collections.Counter("hello"), collections.OrderedDict(a=1),
                  collections.defaultdict(None, {1: [2]}), Pair(1, [2]), I(7),
                  [[[I(8)]]], deep, cyc, D(("k%d" % i, i) for i in range(40))]
        for v in values:
            for depth in (1, 2, 3):
                with self.subTest(v=repr(v)[:40], depth=depth):
                    self.assertEqual(snap(v, max_depth=depth, max_items=32, redact=()),
                                     valenc.encode(v, max_depth=depth, max_items=32))

    def test_kin_bytes_equal_valenc(self):
        """Deques, bytearrays, plain Enum members and subclasses of float,
        set and frozenset (format 6.0) as valenc writes them from
        doc/FORMAT.md."""
        import collections
        import enum

        class State(enum.Enum):
            IDLE = "idle"
            BUSY = ("busy", [1])

        class Tags(set):
            pass

        class Frozen(frozenset):
            pass

        class Celsius(float):
            pass

        class Window(collections.deque):
            pass
        ring = collections.deque([1])
        ring.append(ring)
        State.BUSY.value[1].append(State.BUSY)
        win = Window([Celsius(1.5)], maxlen=4)
        win.label = "w"
        temp = Celsius(2.5)
        temp.unit = "C"
        class Buffer(bytearray):
            pass
        buf = Buffer(b"\x00ab")
        buf.pos = 2
        values = [collections.deque(), collections.deque(range(5), maxlen=7), ring,
                  win, Tags({1, 2}), Tags(), Frozen({"a"}), temp,
                  collections.deque(range(100)), [[collections.deque([1])]],
                  bytearray(), bytearray(b"x\n'\"" * 50), buf, [bytearray(b"a")]]
        # an enum member's third field is its class, which valenc has no
        # REPR of: two fields (_value_, _name_) are all it keeps
        class Twin(enum.Enum):
            A = 1
            B = 2
        # members whose _value_ is the other one, and a _name_ that is not
        # a str: finite, and at the bound neither kept
        Twin.A._value_, Twin.B._value_, Twin.A._name_ = Twin.B, Twin.A, Twin.B
        class Level(enum.IntEnum):
            LOW = 1

        class Wrapped(enum.Enum):
            W = Level.LOW
        members = [State.IDLE, State.BUSY, [State.BUSY, {"t": Tags([3])}],
                   Twin.A, [[Twin.B]], Wrapped.W, [Wrapped.W]]
        try:
            cases = [(v, (2, 32)) for v in values] + [(v, (2,)) for v in members]
            for i, (v, item_bounds) in enumerate(cases):
                for depth in (1, 2, 3):
                    for items in item_bounds:
                        # repr(Twin.A) would never end
                        with self.subTest(case=i, depth=depth, items=items):
                            self.assertEqual(
                                snap(v, max_depth=depth, max_items=items, redact=()),
                                valenc.encode(v, max_depth=depth, max_items=items))
        finally:
            State.BUSY.value[1].pop()

    def test_kin_read_without_their_methods(self):
        """A deque or set subclass's items are read from its structure, not
        through the methods it overrides; an Enum with a __repr__ of its
        own stays an OBJECT (replay would not run it)."""
        import collections
        import enum

        class Q(collections.deque):
            def __iter__(self):
                CALLS.append("iter")
                return iter([])

            def __len__(self):
                CALLS.append("len")
                return 0

        class S(set):
            def __iter__(self):
                CALLS.append("iter")
                return iter([])

        class Shown(enum.Enum):
            A = 1

            def __repr__(self):
                CALLS.append("repr")
                return "A!"
        d = decode(snap(Q([1, 2])))
        self.assertEqual(d[:3], (TYPED, type_name(Q), valenc.CALL | valenc.KEYWORD))
        self.assertEqual(d[3][3], [(INT, 1), (INT, 2)])
        self.assertEqual(d[4:], (1, [("maxlen", (NONE,))]))
        d = decode(snap(S([7])))
        self.assertEqual(d[:3], (TYPED, type_name(S), valenc.CALL | valenc.EMPTY_BARE))
        self.assertEqual(d[3][3], [(INT, 7)])
        self.assertEqual(decode(snap(Shown.A))[0], OBJECT)
        self.assertEqual(CALLS, [])

    def test_capture_repr_runs_repr_only_when_asked(self):
        class R:
            def __repr__(self):
                CALLS.append("repr")
                return "<R!>"
        self.assertEqual(decode(snap(R()))[0], OBJECT)
        self.assertEqual(CALLS, [])
        self.assertEqual(decode(snap(R(), capture_repr=1)), (REPR, type_name(R), "<R!>"))
        self.assertEqual(CALLS, ["repr"])

    def test_capture_repr_that_mutates_what_is_being_encoded(self):
        holder = []

        class Evil:
            def __repr__(self):
                holder.clear()
                gc_fodder = [holder]          # allocate while items die
                return "evil %d" % len(gc_fodder)
        holder.extend([Evil(), Evil(), [1, 2], {"k": Evil()}])
        d = decode(snap(holder, capture_repr=1))
        self.assertEqual(d[0], LIST)
        self.assertEqual(d[2], 4)             # the length when encoding began
        self.assertEqual(d[3], [(REPR, type_name(Evil), "evil 1")])
        del CALLS[:]

    def test_capture_repr_failure_is_object_and_clears(self):
        d = decode(snap(Noisy(), capture_repr=1))
        self.assertEqual(d[0], OBJECT)
        self.assertEqual(CALLS, ["repr"])


class Objects(unittest.TestCase):
    def test_fields_and_type_name(self):
        v = Outer.Inner()
        v.w = {"k": 1}
        d = decode(snap(v))
        self.assertEqual(d[:4], (OBJECT, id(v), __name__ + ".Outer.Inner", 2))
        self.assertEqual(d[4], [("v", (NONE,)), ("w", decode(snap(v.w)))])
        self.assertEqual(snap(v), valenc.encode(v, max_depth=3))

    def test_renamed_class(self):
        class Renamed:
            pass
        r = Renamed()
        r.x = 1
        for _ in range(3):               # warm any cache, version tags
            self.assertEqual(decode(snap(r))[2], __name__ + ".Objects.test_renamed_class.<locals>.Renamed")
        Renamed.__qualname__ = "Other"
        self.assertEqual(decode(snap(r))[2], __name__ + ".Other")
        Renamed.__module__ = "mod"
        self.assertEqual(decode(snap([r, r.x]))[3][0][2], "mod.Other")
        self.assertEqual(decode(snap(Renamed)), (REPR, "type", "<class 'mod.Other'>"))

    def test_many_fields_cut(self):
        v = Outer.Inner()
        for i in range(40):
            setattr(v, "f%d" % i, i)
        d = decode(snap(v, max_items=4))
        self.assertEqual(d[3], 41)
        self.assertEqual([n for n, _ in d[4]], ["v", "f0", "f1", "f2"])

    def test_field_order_is_insertion_order(self):
        class Two:
            pass
        a, b = Two(), Two()
        a.x, a.y, a.z = 1, 2, 3
        b.z = 3
        b.x = 1
        b.y = 2
        del a.y
        # no __dict__ access before the snapshots: on 3.11+ both keep their
        # attributes inline, in the type's shared key order x, y, z
        da, db = decode(snap(a)), decode(snap(b))
        self.assertEqual((da[3], db[3]), (2, 3))     # totals, without y
        fa = [n for n, _ in da[4]]
        fb = [n for n, _ in db[4]]
        self.assertEqual(fa, list(vars(a)))
        self.assertEqual(fb, list(vars(b)))
        self.assertEqual(fb, ["z", "x", "y"])

    def test_materialized_dict(self):
        v = Outer.Inner()
        v.__dict__["z"] = 3       # forces a real dict on 3.11+
        d = decode(snap(v))
        self.assertEqual(dict(d[4]), {"v": (NONE,), "z": (INT, 3)})

    def test_slots(self):
        v = Slotted()
        d = decode(snap(v))
        self.assertEqual(d[3], 2)
        self.assertEqual(dict(d[4]), {"p": (INT, 1), "q": decode(snap(v.q))})

    def test_exception(self):
        e = MyError("bad", 3, [1])
        d = decode(M._snapshot_exception(e))
        self.assertEqual(d[:3], (EXC, id(e), __name__ + ".MyError"))
        self.assertEqual(d[3][0], TUPLE)
        self.assertEqual([x[:2] for x in d[3][3]], [(STR, 3), (INT, 3), (LIST, id(e.args[2]))])
        self.assertEqual(render([M._snapshot_exception(ValueError("x", 1))])[0],
                         repr(ValueError("x", 1)))
        d = decode(snap(KeyError("k")))
        self.assertEqual(d[2], "KeyError")

    def test_exception_chain_is_bounded(self):
        e = ValueError("bottom")
        for _ in range(100000):          # deeper than any C stack
            e = ValueError(e)
        data = snap(e, max_depth=3)
        self.assertLess(len(data), 200)
        d = decode(data)
        inner = d[3][3][0][3][3][0]      # an EXC's args are two levels down
        self.assertEqual(inner[:2], (TRUNC, EXC))
        self.assertEqual(render([data])[0],
                         "ValueError(ValueError(ValueError(...)))")

    def test_depth_option_is_capped(self):
        v = []
        for _ in range(200):
            v = [v]
        d = decode(snap(v, max_depth=1000))
        for level in range(55):
            d = d[3][0]
        self.assertIn(d[0], (LIST, TRUNC))
        self.assertIsNotNone(render([snap(v, max_depth=1000)])[0])

    def test_exception_self_cycle(self):
        e = ValueError()
        e.args = (e,)
        d = decode(snap(e))
        self.assertEqual(d[3][3][0], (REF, id(e), EXC))


def helper_function():
    pass


class Reprs(unittest.TestCase):
    def check(self, v, kind=REPR):
        d = decode(snap(v))
        self.assertEqual(d[0], kind, d)
        if kind == REPR:
            self.assertEqual(d[1], type_name(type(v)))
            self.assertEqual(d[2], repr(v))

    def test_generators_and_coroutines(self):
        async def co():
            pass

        async def agen():
            yield 1
        g = (i for i in range(3))
        c = co()
        a = agen()
        for v in (g, c, a):
            with self.subTest(v=v):
                self.check(v)
        c.close()

    def test_known_reprs(self):
        for v in (helper_function, Outer, Outer.Inner, int, ValueError,
                  os, sys, math, len, [].append, Outer.Inner().__init__,
                  1 + 2j, -1.5j, complex(0.0, -0.0), complex(-0.0, 1),
                  complex(float("inf"), float("nan")), range(3),
                  range(1, 10, 2), range(-5, 5, -1), Ellipsis, NotImplemented,
                  lambda: 0):
            with self.subTest(v=v):
                self.check(v)

    def test_bytearray_renders_as_repr(self):
        class Buffer(bytearray):
            pass
        cases = [bytearray(), bytearray(b"\x00\xff'\"\\ok"), Buffer(b"xy"),
                 [bytearray(b"a"), (bytearray(b"b"),)]]
        for v, text in zip(cases, render([snap(v) for v in cases])):
            with self.subTest(v=v):
                self.assertEqual(text, repr(v))

    def test_decimal_and_datetime(self):
        """decimal.Decimal and datetime's values are REPR with Python's own
        repr() text, read from their structs: random ones, the special
        Decimals, every keyword a datetime or time may print."""
        import datetime as dt
        import decimal
        import random
        rnd = random.Random(240)
        D = decimal.Decimal
        values = [D("0"), D("-0"), D("1.50"), D("1E+3"), D("0E-7"), D("-0.000001"),
                  D("1E-7"), D("123E-10"), D("12345678901234567890123.5"),
                  D("Infinity"), D("-Infinity"), D("NaN"), D("-NaN"),
                  D("NaN123"), D("sNaN"), D("-sNaN99"),
                  D(2) ** 200, D(1) / D(7), D("9" * 40) + 1]
        for _ in range(300):
            digits = "".join(rnd.choice("0123456789")
                             for _ in range(rnd.randint(1, 60)))
            values.append(D("%s%sE%d" % (rnd.choice("+-"), digits,
                                         rnd.randint(-80, 80))))
        zones = [None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)),
                 dt.timezone(dt.timedelta(hours=-7), "MST"),
                 dt.timezone(dt.timedelta(seconds=-1, microseconds=5), "it's \"odd\"")]
        try:
            import zoneinfo
            zones.append(zoneinfo.ZoneInfo("Europe/Paris"))
        except Exception:
            pass
        for _ in range(200):
            us = rnd.choice([0, 0, rnd.randint(0, 999999)])
            sec = rnd.choice([0, 0, rnd.randint(0, 59)])
            fold = rnd.choice([0, 1])
            tz = rnd.choice(zones)
            values += [
                dt.date(rnd.randint(1, 9999), rnd.randint(1, 12), rnd.randint(1, 28)),
                dt.datetime(rnd.randint(1, 9999), rnd.randint(1, 12), rnd.randint(1, 28),
                            rnd.randint(0, 23), rnd.randint(0, 59), sec, us,
                            tzinfo=tz, fold=fold),
                dt.time(rnd.randint(0, 23), rnd.randint(0, 59), sec, us, tzinfo=tz,
                        fold=fold),
                dt.timedelta(days=rnd.choice([0, rnd.randint(-999999999, 999999999)]),
                             seconds=rnd.choice([0, rnd.randint(0, 86399)]),
                             microseconds=rnd.choice([0, rnd.randint(0, 999999)])),
            ]
        values += [z for z in zones if z is not None]
        values += [dt.date.min, dt.datetime.max, dt.time(), dt.timedelta(),
                   dt.timedelta.min, dt.timedelta.max, dt.timezone.min]
        for v in values:
            with self.subTest(v=v):
                self.check(v)

    def test_memoryview_slice_and_pattern(self):
        """memoryview, slice and re.Pattern are REPR with Python's own repr()
        text: a released view, slices of ints, bools and None, and random
        patterns, str and bytes, with quotes, escapes, characters Python
        prints and does not, longer than the 200 characters the repr keeps,
        with every flag."""
        import random
        import re
        import warnings
        rnd = random.Random(241)
        mem = memoryview(b"abc")
        gone = memoryview(b"xyz")
        gone.release()
        values = [mem, gone, mem[1:], slice(None), slice(1, 2), slice(-5, None, -1),
                  slice(True, False, None), slice(-2 ** 63, 2 ** 63 - 1, 7)]
        chars = ("abcxyz019 .*+?()[]{}|^$-", "'\"\\", "\t\n\r\x00\x1f\x7f",
                 "\xe9\xa0\xad\xff", "\u2028\u0378\u4e2d\ufeff", "\U0001f600\U000e0001")
        str_flags = [0, re.I, re.M, re.S, re.X, re.A, re.U, re.I | re.M | re.S, 1, 512]
        bytes_flags = [0, re.I, re.L, re.M | re.X, 1, 1024]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            while len(values) < 400:
                text = "".join(rnd.choice(rnd.choice(chars))
                               for _ in range(rnd.choice([0, 1, 5, 40, 199, 200, 201, 260])))
                as_bytes = rnd.random() < 0.3
                try:
                    if as_bytes:
                        values.append(re.compile(text.encode("latin-1", "replace"),
                                                 rnd.choice(bytes_flags)))
                    else:
                        values.append(re.compile(text, rnd.choice(str_flags)))
                except (re.error, ValueError):
                    pass
        for v in values:
            with self.subTest(v=v):
                self.check(v)
        # a bound past 64 bits or of another type: its repr is not read
        for v in (slice(2 ** 70), slice("a", "b"), slice(1.5)):
            with self.subTest(v=v):
                self.check(v, OBJECT)

    def test_decimal_and_datetime_not_known(self):
        """What the structs do not tell stays an OBJECT, and no tzinfo's or
        subclass's code runs: a tzinfo of the program's, a subclass, a
        Decimal longer than max_str digits."""
        import datetime as dt
        import decimal

        class Zone(dt.tzinfo):
            def __repr__(self):
                CALLS.append("tz repr")
                return "Zone()"

            def utcoffset(self, d):
                CALLS.append("utcoffset")
                return dt.timedelta(0)

        class Day(dt.date):
            def __repr__(self):
                CALLS.append("day repr")
                return "Day"

        del CALLS[:]
        for i, v in enumerate((dt.datetime(2020, 1, 1, tzinfo=Zone()),
                               dt.time(1, tzinfo=Zone()), Day(2020, 1, 1), Zone())):
            with self.subTest(i=i):   # not v: the test would call its repr
                self.check(v, OBJECT)
        self.assertEqual(CALLS, [])
        long = decimal.Decimal("7" * 300)
        self.assertEqual(decode(snap(long))[0], OBJECT)
        self.assertEqual(decode(snap(long, max_str=400))[2], repr(long))

    def test_bound_method_of_custom_repr_is_object(self):
        n = Noisy()
        del CALLS[:]
        self.check(n.__init__, OBJECT)
        self.assertEqual(CALLS, [])


class Redaction(unittest.TestCase):
    def test_default_patterns_at_depth(self):
        v = {"user": "bob", "auth": {"Password": "hunter2", "API_KEY": 7},
             "list": [{"session_token": b"t"}]}
        d = decode(snap(v))
        auth = dict((k[2], x) for k, x in d[3])["auth"]
        self.assertEqual(dict((k[2], x) for k, x in auth[3]),
                         {"Password": (REDACTED, "str"), "API_KEY": (REDACTED, "int")})
        inner = dict((k[2], x) for k, x in d[3])["list"][3][0]
        self.assertEqual(inner[3][0][1], (REDACTED, "bytes"))
        self.assertNotIn(b"hunter2", snap(v))

    def test_object_fields(self):
        v = Outer.Inner()
        v.db_password = "pw"
        v.cookie_jar = ["c"]
        d = decode(snap([v]))
        fields = dict(d[3][0][4])
        self.assertEqual(fields["db_password"], (REDACTED, "str"))
        self.assertEqual(fields["cookie_jar"], (REDACTED, "list"))

    def test_slot_fields(self):
        # slot names come from the type's cached listing, with their
        # lengths and redaction decided once per type
        class Creds:
            __slots__ = ("user", "api_key", "a_long_slot_name_" + "x" * 40)
        v = Creds()
        v.user = "bob"
        v.api_key = "k"
        setattr(v, "a_long_slot_name_" + "x" * 40, 3)
        for _ in range(2):
            fields = dict(decode(snap([v]))[3][0][4])
            self.assertEqual(fields, {"user": (STR, 3, "bob"), "api_key": (REDACTED, "str"),
                                      "a_long_slot_name_" + "x" * 40: (INT, 3)})

    def test_custom_and_disabled(self):
        v = {"pin": 1234, "password": "x"}
        d = dict((k[2], x) for k, x in decode(snap(v, redact=["P?N"]))[3])
        self.assertEqual(d, {"pin": (REDACTED, "int"), "password": (STR, 1, "x")})
        self.assertEqual(snap(v, redact=()), valenc.encode(v))
        d = dict((k[2], x) for k, x in decode(snap(v, redact=["[a-p]in"]))[3])
        self.assertEqual(d["pin"], (REDACTED, "int"))

    def test_patterns_match_like_fnmatch(self):
        import fnmatch
        names = ["password", "PassWord2", "x", "", "my_api_key", "a]b", "a[b",
                 "tok", "token", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "pin", "p-n"]
        pats = ["*pass*", "p?n", "[a-p]in", "[!a]*", "*]*", "a[b", "[]]*",
                "*a*a*a*a*a*a*a*a*c", "tok*n", "*", "", "p[-]n", "[^p]*",
                "[!]]*", "*[!a-z]*"]
        for pat in pats:
            for name in names:
                with self.subTest(pat=pat, name=name):
                    want = fnmatch.fnmatchcase(name.lower(), pat.lower())
                    got = decode(snap({name: 1}, redact=[pat]))[3][0][1]
                    self.assertEqual(got == (REDACTED, "int"), want)

    def test_bad_pattern(self):
        for bad in ([3], "password", 7):
            with self.assertRaises(TypeError):
                snap(1, redact=bad)


if __name__ == "__main__":
    import taprunner
    taprunner.main()
