"""t0110-value-repr: the C renderer prints what Python's repr() prints.

Python makes a few hundred values itself (edge cases and random ones), the
spec-derived encoder tests/valenc.py encodes them, the trec-render helper
renders them all with trec_value_render() in one process, and each text is
compared with repr() of the same object, one subtest per value. Also: every
assigned code point against str.isprintable() through repr(), cut containers
and strings against the repr of what was kept, and TREC_RENDER_PRETTY
against pprint.
"""
import collections
import enum
import math
import os
import pprint
import random
import struct
import subprocess
import sys
import unicodedata
import unittest

import taprunner
import valenc

HELPER = os.path.join(os.environ.get("TREC_BUILDDIR", "."),
                      "tests", "helper", "trec-render")
RENDER_FIELDS, RENDER_PRETTY, RENDER_SORT_DICTS = 1, 2, 4


def render_all(encoded, flags=0, max_len=0):
    """Render a list of encoded values in one helper run: [(status, text)]."""
    data = bytearray()
    for e in encoded:
        data += struct.pack("<III", flags, max_len, len(e)) + e
    out = subprocess.run([HELPER], input=bytes(data), stdout=subprocess.PIPE,
                         check=True).stdout
    res, pos = [], 0
    for _ in encoded:
        status, n = struct.unpack_from("<II", out, pos)
        pos += 8
        res.append((status, out[pos:pos + n].decode("utf-8", "surrogatepass")))
        pos += n
    assert pos == len(out), "trailing helper output"
    return res


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


class MyError(Exception):
    pass


def float_cases(rng):
    fs = [0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1e16, 1e15,
          9999999999999998.0, 1e-5, 1e-4, 0.0001234, 123456789012345.0,
          1.2345678901234567e+20, 5e-324, 2.2250738585072014e-308,
          1.7976931348623157e+308, math.inf, -math.inf, math.nan, math.pi,
          math.e, 100.0, 1e22, 1e23, 9007199254740993.0, 0.5, 1.5e-7, 2.0 ** 60]
    fs += [2.0 ** e for e in range(-1074, 1024, 37)]
    fs += [10.0 ** e for e in range(-30, 30)]
    for _ in range(150):
        bits = rng.getrandbits(64)
        fs.append(struct.unpack("<d", struct.pack("<Q", bits))[0])
    for _ in range(60):
        fs.append(round(rng.uniform(-1000, 1000), rng.randint(0, 6)))
    return fs


def int_cases(rng):
    ints = [0, 1, -1, 2 ** 63 - 1, -2 ** 63, 2 ** 63, -2 ** 63 - 1, 2 ** 64,
            -2 ** 64, 10 ** 18, 10 ** 19, 10 ** 100, -10 ** 100, 2 ** 1000,
            10 ** 4000 - 1, 255, 256, -256]
    for _ in range(60):
        ints.append(rng.getrandbits(rng.randint(1, 3000)) * rng.choice((1, -1)))
    return ints


def random_text(rng, n):
    chars = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.4:
            chars.append(chr(rng.randint(0x20, 0x7E)))
        elif kind < 0.5:
            chars.append(chr(rng.randint(0, 0x1F)))
        elif kind < 0.7:
            chars.append(chr(rng.randint(0x80, 0x2FFF)))
        elif kind < 0.8:
            chars.append(chr(rng.randint(0xD800, 0xDFFF)))
        else:
            chars.append(chr(rng.randint(0x10000, 0x10FFFF)))
    return "".join(chars)


def str_cases(rng):
    ss = ["", "a", "'", '"', "'\"", "it's", 'say "hi"', "\\", "\\'", "\t\n\r",
          "\x00\x7f\x80\x9f\xa0\xad", "caf\u00e9", "e\u0301", "\u200b\u2028\u2029",
          "\ud800", "\udfff", "a\ud83d\ude00b", "\U0001F600", "\U000E0001",
          "\uFEFF", "\uE000", "\U0010FFFF", "\u3000", "\u0378", "\x1b[0m",
          "".join(chr(c) for c in range(0x100))]
    ss += [random_text(rng, rng.randint(1, 40)) for _ in range(80)]
    # the stored bytes must be what an assigned-in-both-Unicodes check allows
    return ss


def bytes_cases(rng):
    bs = [b"", b"'", b'"', b"'\"", b"\\", bytes(range(256)), b"\t\n\r\x00"]
    bs += [bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 30)))
           for _ in range(30)]
    return bs


def hashable(v):
    try:
        hash(v)
    except TypeError:
        return False
    return True


def nested(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice([None, True, False, rng.randint(-10 ** 6, 10 ** 6),
                           rng.random(), "s%d" % rng.randint(0, 99), b"b"])
    n = rng.randint(0, 4)
    kids = [nested(rng, depth + 1) for _ in range(n)]
    if r < 0.45:
        return tuple(kids)
    if r < 0.6:
        return {("k%d" % i if rng.random() < 0.7 else i): k
                for i, k in enumerate(kids)}
    if r < 0.7:
        return set(k for k in kids if hashable(k))
    if r < 0.75:
        return frozenset(k for k in kids if hashable(k))
    return kids


def container_cases(rng):
    a = [1, 2]
    a.append(a)
    d = {"x": 1}
    d["self"] = d
    b = []
    t = (b,)
    b.append(t)
    deep = []
    cur = deep
    for _ in range(30):
        nxt = []
        cur.append(nxt)
        cur = nxt
    cs = [(), (1,), (1, 2), [], [[]], set(), {1, 2, 3}, frozenset(),
          frozenset({1}), {}, {"a": 1}, {1: {2: {3: []}}}, a, d, t, deep,
          {"k": ("v",), None: [1.5, b"x"], (1, 2): frozenset({"z"})},
          [None, True, False], ([1], {"a": (2,)}, {3.0}),
          {i: str(i) for i in range(40)}, list(range(200))]
    cs += [nested(rng) for _ in range(60)]
    return cs


def exception_cases():
    return [ValueError("x"), KeyError(), KeyError("k"), OSError(2, "x"),
            FileNotFoundError(2, "No such file"), MyError(), MyError(1, "two", [3]),
            Exception(ValueError("inner")), RuntimeError(("tuple",)),
            StopIteration(5), ZeroDivisionError("division by zero"),
            UnicodeError("\ud800"), [ValueError(1), KeyError(2)]]


def object_cases():
    p = Point(1, "a")
    return [p, Point(p, [p]), [Point(0, 0)], object()]


class MyDict(dict):
    pass


class MyList(list):
    pass


class MyTuple(tuple):
    pass


class MyStr(str):
    pass


class MyBytes(bytes):
    pass


class MyInt(int):
    pass


class Shown(dict):
    def __repr__(self):
        return "Shown!"


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class Perm(enum.IntFlag):
    R = 4
    W = 2


class State(enum.Enum):
    IDLE = "idle"
    BUSY = ("busy", [1])


class Mode(enum.Flag):
    R = 4
    W = 2


class Tags(set):
    pass


class Frozen(frozenset):
    pass


class Celsius(float):
    pass


class Window(collections.deque):
    pass


Pair = collections.namedtuple("Pair", "left right")


class Sub(Pair):
    pass


def typed_cases(recorder=False):
    """Instances of subclasses of builtins whose repr the renderer knows;
    with recorder, also those holding a class (valenc has no REPR of one)."""
    dd = collections.defaultdict(None, {"a": [1], "b": []})
    if recorder:
        dd = collections.defaultdict(list)
        dd["a"].append(1)
        dd["b"]
    tagged = MyDict(a=1)
    tagged.note = "kept as a field"
    inner = MyList([1])
    cyc = MyList([1])
    cyc.append(cyc)
    cases = [collections.Counter("abracadabra"), collections.Counter(),
             collections.Counter({"x": 1, "y": 1, "z": 2}),
             collections.OrderedDict(a=1, b=[2]), collections.OrderedDict(),
             dd, collections.defaultdict(None),
             Pair(1, "two"), Pair([1], Pair(2, 3)), Sub(0, None),
             Color.GREEN, Perm.R,
             MyDict(), MyDict(a=[1, 2]), tagged, MyList(), MyList(range(5)),
             MyTuple(), MyTuple((1,)),
             MyStr("text"), MyBytes(b"\x00b"), MyInt(-12), MyInt(2**70),
             [MyInt(1), {"k": MyStr("v")}, (MyList([inner]),)],
             {"d": dd}, cyc]
    ring = collections.deque([0])
    ring.append(ring)
    win = Window([1.5, "w"], maxlen=3)
    win.label = "not shown"
    temp = Celsius(-2.5)
    temp.unit = "C"
    cases += [collections.deque(), collections.deque([1, "a", None]),
              collections.deque(maxlen=0), collections.deque(range(3), maxlen=3),
              win, Window(), ring, [collections.deque([State.IDLE])],
              Tags(), Tags({1, 2}), Frozen(), Frozen({"a"}), {"t": Tags("x")},
              Celsius(1.0), temp, State.IDLE, State.BUSY, Mode.R,
              {State.IDLE: [State.BUSY]}]
    if recorder:
        # classes are REPR, an Enum class as EnumType.__repr__ prints it
        cases += [collections.defaultdict(int, {1: 2}), State, Mode, Color, Perm,
                  enum.Enum, [State]]
    if sys.version_info >= (3, 11):
        # before 3.11 a combination of flags has no _name_: its repr lists
        # the members Flag.__repr__ decomposes it into, which replay cannot
        cases += [enum.StrEnum("S", "ALPHA BETA").BETA, Perm.R | Perm.W,
                  Mode.R | Mode.W]
    return cases


class ReprTest(unittest.TestCase):
    maxDiff = None

    def check_all(self, label, values, flags=0, expect=repr):
        encoded = [valenc.encode(v) for v in values]
        for v, (status, text) in zip(values, render_all(encoded, flags)):
            want = expect(v)
            with self.subTest(label, value=want[:60]):
                self.assertEqual(status, 0)
                self.assertEqual(text, want)

    def test_scalars(self):
        self.check_all("scalar", [None, True, False])

    def test_floats(self):
        self.check_all("float", float_cases(random.Random(1)))

    def test_ints(self):
        self.check_all("int", int_cases(random.Random(2)))

    def test_strings(self):
        self.check_all("str", [s for s in str_cases(random.Random(3))
                               if all_assigned_here(s)])

    def test_bytes(self):
        self.check_all("bytes", bytes_cases(random.Random(4)))

    def test_containers(self):
        self.check_all("container", container_cases(random.Random(5)))

    def test_exceptions(self):
        self.check_all("exception", exception_cases())

    def test_objects(self):
        self.check_all("object", object_cases())

    def test_object_fields(self):
        def with_fields(o):
            fields = ", ".join("%s=%r" % kv for kv in vars(o).items())
            return "<%s.%s object at %#x %s>" % (
                type(o).__module__, type(o).__qualname__, id(o), fields)
        self.check_all("fields", [Point(1, "a"), Point([1], None)],
                       RENDER_FIELDS, with_fields)

    def test_typed(self):
        self.check_all("typed", typed_cases())

    def test_typed_call_form(self):
        """A subclass with a __repr__ of its own shows as Name(content):
        replay never runs that __repr__."""
        values = [Shown(a=1), Shown()]
        wants = ["Shown({'a': 1})", "Shown({})"]
        for want, (status, text) in zip(wants, render_all([valenc.encode(v) for v in values])):
            with self.subTest("call", value=want):
                self.assertEqual((status, text), (0, want))

    def test_typed_cut(self):
        values = [collections.Counter("aabbbcdef"), MyList(range(10)),
                  [[collections.OrderedDict(a=1)]], [[Color.RED]], [[MyStr("s")]],
                  collections.deque(range(5), maxlen=9), [[collections.deque([1])]],
                  [[State.BUSY]], [State.BUSY], Tags(range(4)), [[Celsius(0.5)]]]
        encoded = [valenc.encode(v, max_items=3, max_depth=2) for v in values]
        wants = ["Counter({'b': 3, 'a': 2, 'c': 1, ...})", "[0, 1, 2, ...]",
                 "[[{...}]]", "[[<Color.RED: 1>]]", "[['s']]",
                 "deque([0, 1, 2, ...], maxlen=9)", "[[[...]]]",
                 "[[<State.BUSY: (...)>]]", "[<State.BUSY: (...)>]",
                 "Tags({0, 1, 2, ...})", "[[0.5]]"]
        for want, (status, text) in zip(wants, render_all(encoded)):
            with self.subTest("typed cut", value=want):
                self.assertEqual((status, text), (0, want))

    def test_typed_pretty(self):
        wide = collections.defaultdict(None, {"key%d" % i: list(range(i)) for i in range(9)})
        values = [MyDict({"key%d" % i: "v" * i for i in range(12)}),
                  MyList(["item%d" % i for i in range(30)]), wide,
                  collections.deque(["item%d" % i for i in range(20)]),
                  collections.deque(["item%d" % i for i in range(20)], maxlen=25),
                  # fits on one line as a list, not as a deque with its maxlen
                  collections.deque(["i%02d" % i for i in range(10)], maxlen=10),
                  Window(["item%d" % i for i in range(20)], maxlen=20),
                  Tags("item%d" % i for i in range(20)),
                  Frozen("item%d" % i for i in range(20)),
                  {"q": collections.deque([{"k%d" % i: i} for i in range(9)], maxlen=9)}]
        self.check_all("typed pretty", values, RENDER_PRETTY,
                       lambda v: pprint.pformat(v, width=79, sort_dicts=False))

    def test_cut_containers(self):
        values = [list(range(10)), tuple("abcdef"), {i: -i for i in range(8)},
                  [[1, 2, 3, 4], [5]], "abcdefghij", b"0123456789"]
        encoded = [valenc.encode(v, max_items=3, max_str=4) for v in values]
        wants = ["[0, 1, 2, ...]", "('a', 'b', 'c', ...)",
                 "{0: 0, 1: -1, 2: -2, ...}", "[[1, 2, 3, ...], [5]]",
                 "'abcd'...", "b'0123'..."]
        for want, (status, text) in zip(wants, render_all(encoded)):
            with self.subTest("cut", value=want):
                self.assertEqual((status, text), (0, want))

    def test_truncated_depth(self):
        values = [[[[1]]], {"a": {"b": {}}}, (1, (2, (3,)))]
        encoded = [valenc.encode(v, max_depth=2) for v in values]
        wants = ["[[[...]]]", "{'a': {'b': {}}}", "(1, (2, (...)))"]
        for want, (status, text) in zip(wants, render_all(encoded)):
            with self.subTest("depth", value=want):
                self.assertEqual((status, text), (0, want))

    def test_max_len(self):
        values = [list(range(1000)), "x" * 500, {i: i for i in range(300)}]
        encoded = [valenc.encode(v) for v in values]
        for v, (status, text) in zip(values, render_all(encoded, 0, 40)):
            with self.subTest("max_len", value=repr(v)[:20]):
                self.assertEqual(status, 0)
                self.assertEqual(text, repr(v)[:37] + "...")

    def test_pretty(self):
        rng = random.Random(6)
        values = [list(range(40)), {"key%d" % i: list(range(i)) for i in range(12)},
                  (tuple(range(30)),), [{"a": "x" * 30, "b": ["y" * 30, "z" * 30]}],
                  [[1, 2], [3, 4]], {"short": 1}]
        values += [nested(rng) for _ in range(30)]
        values += [wordy(rng) for _ in range(150)]
        values += ["word " * 40, ["word " * 40], {"k": "a\nb " * 30}, b"0123" * 40,
                   [b"\x00\xff'" * 30], "x" * 200, "\u3000\u2028é\U0001F600 " * 20]
        # sets pprint must wrap are sorted; of one type each, so that the
        # order does not depend on how sorted() meets unorderable pairs
        values += [set(range(-50, 50, 3)), frozenset("w%d" % rng.randint(0, 999)
                                                    for _ in range(30)),
                   [{(i, "t%d" % i) for i in range(20)}], {"k": set(range(40))}]
        values = [v for v in values if not has_mixed_set(v)]
        self.check_all("pretty", values, RENDER_PRETTY,
                       lambda v: pprint.pformat(v, width=79, sort_dicts=False))

    def test_recorder_encoder(self):
        """The same values encoded by the recorder itself (when built)."""
        try:
            import _tracerec
            snap = _tracerec._snapshot_value
        except (ImportError, AttributeError) as e:
            self.skipTest("recorder not available: %s" % e)
        big = dict(max_str=1 << 20, max_items=1 << 20, max_depth=60,
                   max_value_bytes=1 << 26)
        values = (float_cases(random.Random(1)) + int_cases(random.Random(2))
                  + [s for s in str_cases(random.Random(3)) if all_assigned_here(s)]
                  + bytes_cases(random.Random(4)) + container_cases(random.Random(5))
                  + exception_cases() + object_cases() + typed_cases(recorder=True))
        results = render_all([snap(v, **big) for v in values])
        bad = [(repr(v)[:70], text[:70]) for v, (status, text) in zip(values, results)
               if status != 0 or text != repr(v)]
        self.assertEqual(bad, [], "%d of %d differ" % (len(bad), len(values)))
        cut = render_all([snap(list(range(10)), max_items=3), snap("abcdefgh", max_str=4)])
        self.assertEqual([t for _, t in cut], ["[0, 1, 2, ...]", "'abcd'..."])

    def test_pretty_sorted(self):
        """PRETTY|SORT_DICTS is pprint's default (pdb's pp); SORT_DICTS alone
        is pprint.saferepr()."""
        rng = random.Random(9)
        values = [wordy(rng) for _ in range(60)] + [nested(rng) for _ in range(60)]
        values += [{"k%d" % rng.randint(0, 99): list(range(rng.randint(0, 30)))
                    for _ in range(8)} for _ in range(20)]
        values += [{"b": 1, "a": {"d": 2, "c": 3}}, {2: "x", 1.5: "y", True: "z"}]
        values = [v for v in values if not has_mixed_set(v)]
        self.check_all("pprint", values, RENDER_PRETTY | RENDER_SORT_DICTS,
                       lambda v: pprint.pformat(v, width=79))
        self.check_all("saferepr", values, RENDER_SORT_DICTS, pprint.saferepr)

    def test_printable_table(self):
        """repr() of every assigned code point, 4096 at a time."""
        for block in range(0, 0x110000, 0x1000):
            cps = [c for c in range(block, block + 0x1000)
                   if unicodedata.category(chr(c)) != "Cn"]
            if not cps:
                continue
            s = "".join(chr(c) for c in cps)
            (status, text), = render_all([valenc.encode(s)])
            with self.subTest("printable", block=hex(block)):
                self.assertEqual(status, 0)
                if text != repr(s):
                    bad = [hex(c) for c in cps
                           if render_all([valenc.encode(chr(c))])[0][1] != repr(chr(c))]
                    self.fail("code points rendered unlike repr(): %s" % bad[:20])


class TableTest(unittest.TestCase):
    def test_generated_table_is_current(self):
        """schema/unicode_printable.h is what gen-printable.py makes now."""
        src = os.environ.get("TREC_SRCDIR", os.path.join(os.path.dirname(__file__), ".."))
        with open(os.path.join(src, "schema", "unicode_printable.h")) as f:
            committed = f.read()
        made_from = committed.split('TREC_UNICODE_VERSION "', 1)[1].split('"', 1)[0]
        if made_from != unicodedata.unidata_version:
            self.skipTest("table is Unicode %s, this Python has %s"
                          % (made_from, unicodedata.unidata_version))
        out = subprocess.run([sys.executable, os.path.join(src, "schema", "gen-printable.py")],
                             stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout

        def body(text):   # all but the line naming the generating Python
            return [ln for ln in text.splitlines() if "from Python" not in ln
                    and not ln.startswith("** 3.")]
        self.assertEqual(body(out), body(committed))


WORDS = ["a", "bb", "ccc", "dddddddd", "x" * 30, "y" * 90, " ", "  ", "\n", "\t",
         "\r\n", "\x0b", "\u3000", "\u00e9", "\U0001F600", "\u2028", "'", '"']


def wordy(rng, depth=0):
    """Long texts with every kind of space and line break, nested: what
    pprint wraps."""
    r = rng.random()
    if depth > 3 or r < 0.45:
        text = "".join(rng.choice(WORDS) + rng.choice(["", " ", "  "])
                       for _ in range(rng.randint(0, 40)))
        return rng.choice([text, text.encode("utf-8"), rng.randint(0, 9),
                           bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 120)))])
    kids = [wordy(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    if r < 0.6:
        return tuple(kids)
    if r < 0.8:
        return {"key%d" % i: k for i, k in enumerate(kids)}
    return kids


def has_mixed_set(v):
    if isinstance(v, (set, frozenset)):
        return len(set(map(type, v))) > 1
    if isinstance(v, (list, tuple)):
        return any(has_mixed_set(x) for x in v)
    if isinstance(v, dict):
        return any(has_mixed_set(x) for x in v.values())
    return False


def all_assigned_here(s):
    """Unassigned code points of this Python's Unicode may be assigned in
    the (newer) Unicode the table was made from: leave those out."""
    return all(unicodedata.category(c) != "Cn" for c in s)


if __name__ == "__main__":
    taprunner.main()
