# tracerec-test: special (t2500: replay's ==, is, in and truth value against Python's own)
"""Values whose equality, identity or truth value replay answers from the
recording, and values where it cannot tell. At stop_here the program
evaluates, with Python itself, the expressions the test gives replay, and
prints one JSON line: {"facts": {command: the line pdb would print},
"refused": [commands replay must refuse]}. A refused command is one whose
answer lies where the recording has nothing to say: a part the recorder
cut, an object's class (which may define __eq__ or __bool__), or the
identity of an int, float or str, which the recording does not keep."""
import dataclasses
import datetime
import decimal
import enum
import json
import pyfacts


class Plain:
    def __init__(self, v):
        self.v = v


@dataclasses.dataclass(order=True)
class Pt:
    x: int
    y: int


class Node:
    def __init__(self, v):
        self.v = v
        self.me = self
        self.kids = [self]


class Shade(enum.Enum):
    DARK = 1
    LIGHT = 2


class Falsy:
    def __bool__(self):
        return False


class Sized:
    def __len__(self):
        return 0


def f():
    pass


def g():
    pass


EXACT = [
    # containers compare by content, in any order for dicts and sets
    "d1 == d2", "d1 != d2", "d1 == d3", "d1 == d4", "d1 is d2", "s1 == s2", "s1 == fs",
    "fs == s2", "s1 == s3", "xs == xs[:]", "xs[:] == xs[1:]", "(1, 2.0) == (1, 2)",
    "(1, 'a') == (1, 'b')", "(1, (2, 3)) == (1, (2, 3))", "xs == t3",
    "long == long", "long == long2[:3]", "a4 == a4", "a4 == 1", "empty_d == d1",
    # an item is its own equal, whatever its value
    "cyc == cyc", "cyc in cyc", "cyc.count(cyc)", "1 in nl3", "nl3.index(1)", "nl3.count(1)",
    "nan1 == nan1", "nan1 != nan1", "nan1 == nan2", "nan1 in xs", "p1 in ps",
    # objects: by identity where that is all there is
    "p1 == p1", "p1 != p1", "p1 == None", "None == p1", "p1 is p2", "p1 is p1", "p1 is None",
    "p1 is not p2", "fal is None", "f == f", "f == g", "f is f", "f is g", "cls == cls",
    "cls == cls2", "cls != cls2", "c1 == c1", "err == err",
    # identity
    "1 is 1.0", "n is n", "n is not n", "n + 0 is n", "t3[:] is t3", "xs[:] is xs",
    "xs[:] is not xs", "xs is xs", "d1 is d1", "'' is ''", "s1 is fs", "w[:0] is ''",
    # truth values
    "not te[0][0][0]", "bool(te[0][0][0])", "len(te[0][0][0])", "bool(tf[0][0][0])",
    "bool(err)", "not xs", "bool(empty_d)", "not p1 is None",
    # a value that holds itself is followed there (the recording has a REF)
    "node.me is node", "node.kids[0].v", "node.me.kids[0].me.v + 1", "cyc[1][1][0]",
    "cyc[1] is cyc", "node == node.kids[0]", "len(node.me.kids)",
    # Enum members are their own equals; an IntEnum's is its int
    "shade == shade", "shade == shade2", "shade != shade2", "shade == 1", "shade is shade",
    "shades.count(shade)", "shade in shades", "shade2 in shades", "shades.index(shade2)",
    # unhashable keys, as Python says
    "tup_l in s1", "d1.get(tup_l)", "d1[tup_l]", "xs in d1",
    # slices with steps past 64 bits, and int division rounded once
    "w[::-9223372036854775808]", "w[1::9223372036854775807]", "xs[::-2 ** 100]",
    "xs[2 ** 100:]", "xs[-2 ** 100:1]", "6683116752304179683 / 253452",
    "4294967300 / 9007199254740993", "-(2 ** 100) // 2 ** 90 / 3",
    # Decimal and datetime values: their repr, and by value
    "dec1", "dnan", "day1", "when", "gap", "dec1 == dec2", "day1 == day2", "dec1 == None",
    "(dec1, day1)", "dec1 == dec3", "dnan == dnan", "bool(dec1)", "bool(dneg0)",
    "bool(dnan)", "dec4 == 1", "dec4 == True", "dec4 in d1", "d1.get(dec4)",
    "dec1 == 1.5", "1.5 == dec1", "dtenth == 0.1", "dbig == big", "dneg0 == 0",
    "day1 < day2", "day1 <= day2", "dec1 > 1", "dec1 < 2", "dec1 < 1.5000000000000002",
    "dtenth < 0.1", "0.1 > dtenth", "dbig < big + 1", "dbig > big", "dneg0 < 0",
    "dinf < -1e308", "dinf < dec1", "min(dec1, dec3)", "max(dec3, dec1)",
    "max(dec1, 2, dtenth)", "dec1 < 'a'", "'a' > dec1", "dec1 < None", "dec1 < day1",
    "(dec1, 1) < (dec3, 2)", "(dec1, 'a') < (dec3, 2)", "(1, 'a') < (1, 2)",
    "t3 < (3, 'a')", "t3 < (3, 1.5)", "(dec1,) < (dec3, 0)",
    "when == utcw", "when < utcw", "when <= utcw", "naive < when", "naive == when",
    "day1 < when", "when >= day1", "when == day1", "zw1 == zw1", "zw1 <= zw1",
    "tm1 < tm2", "tm1 == tm2", "tm2 == tm3", "tm2 < tm3", "tq1 == tq2", "tq1 < tq2",
    "dq1 == dq2", "dq1 > dq2", "gap == gap3", "gap < gap2", "not gap2", "bool(gap)",
    "gap > 0", "tzo == tzo2", "tzo < tzo2", "bool(tm1)", "bool(day1)", "max(day1, day2)",
    "min(when, utcw, naive2)",
    # a bytearray: its bytes, and a slice of it is a bytearray
    "ba", "ba[:2]", "ba[::-1]", "ba[1]", "ba == b'zbA'", "len(ba)", "ba[5:]",
]

# random Decimals against floats, ints and each other, and aware datetimes
# in random fixed zones against each other: every order they can be in
_RND = __import__("random").Random(2500)


def _random_decimal():
    digits = "".join(_RND.choice("0123456789") for _ in range(_RND.randint(1, 25)))
    return decimal.Decimal("%s%sE%d" % (_RND.choice("-+"), digits, _RND.randint(-30, 10)))


RDEC = [_random_decimal() for _ in range(30)]
RNUM = []
for _d in RDEC:
    _k = _RND.random()
    RNUM.append(float(_d) if _k < 0.3 else int(_d) if _k < 0.5
                else _RND.uniform(-1e6, 1e6) if _k < 0.8 else _RND.randint(-10 ** 20, 10 ** 20))
RWHEN = [datetime.datetime(2024, 1, 1, _RND.randint(0, 23), _RND.randint(0, 59),
                           tzinfo=datetime.timezone(datetime.timedelta(
                               minutes=_RND.randint(-1439, 1439))))
         for _ in range(30)]
EXACT += ["rdec[%d] %s rnum[%d]" % (i, op, i) for i in range(30) for op in ("<", "==")]
EXACT += ["rdec[%d] <= rdec[%d]" % (i, (i + 1) % 30) for i in range(30)]
EXACT += ["rwhen[%d] < rwhen[%d]" % (i, (i + 7) % 30) for i in range(30)]
EXACT += ["rwhen[%d] - rwhen[%d]" % (i, (i + 3) % 30) for i in range(0, 30, 3)]

REFUSED = [
    # cut at --max-depth or --max-items
    "a4 == b4", "a4 in (b4, 1)", "cyc == cyc2", "(a4,).count(b4)", "long == long2", "long in (long2,)",
    # a NaN item may be the very object it meets
    "nl1 == nl2", "nan1 in nl3", "nl3.count(nan1)",
    # an object's class may define __eq__ or __bool__
    "p1 == p2", "pt1 == pt2", "p1 in (p2,)", "ps.count(p2)", "not fal", "bool(fal)",
    "fal or 5", "bool(sz)", "bool(p1)", "1 in ps",
    # repr() text: by value
    "r0 == r1", "bool(r0)", "c1 == 1",
    # a Decimal NaN's order and a signalling NaN's ==: the program's decimal
    # context decides whether they raise; a ZoneInfo's offset
    "dnan == dnan2", "dnan < dec1", "dec1 >= dnan", "zw1 < zw2", "zw1 == zw2",
    "zw1 - zw2", "dec1 + 1", "-dec1", "2 * dec1", "round(dec1, 1)", "round(p1)",
    # the order of an object, which its class may define, also inside a tuple
    "pt1 < pt2", "p1 >= p2", "(pt1,) < (pt2,)", "dec1 < c1",
    # identity of values that carry none
    "nan1 is nan1", "big is big", "w is w", "w[0] is 'a'", "words[0] is words[0]",
]


def stop_here(a4, b4, te, tf, d1, d2, d3, d4, empty_d, s1, s2, s3, fs, nan1, nan2,
              nl1, nl2, nl3, cyc, p1, p2, ps, pt1, pt2, fal, sz, tup_l, fn, cls, cls2,
              r0, r1, c1, err, n, big, w, words, xs, t3, long, long2, node, shade, shade2,
              shades, cyc2, dec1, dec2, dec3, dnan, dnan2, day1, day2, when, gap,
              ba, dec4, dtenth, dbig, dneg0, dinf, naive, naive2, utcw, zw1, zw2, tm1,
              tm2, tm3, tq1, tq2, dq1, dq2, gap2, gap3, tzo, tzo2, rdec, rnum, rwhen):
    facts = pyfacts.facts(EXACT + REFUSED, dict(locals(), f=f, g=g))
    print(json.dumps({"facts": facts, "refused": ["p " + e for e in REFUSED]}))
    return len(facts)


UTC = datetime.timezone.utc


def tz_hours(h):
    return datetime.timezone(datetime.timedelta(hours=h))


def tz_us(us):
    """An offset with microseconds, which time's order leaves out."""
    return datetime.timezone(datetime.timedelta(microseconds=us))


def zone(key):
    import zoneinfo
    return zoneinfo.ZoneInfo(key)


NAN = float("nan")
CYC = [1]
CYC.append(CYC)
CYC2 = [1]
CYC2.append(CYC2)
P1 = Plain(1)
stop_here(a4=[[[[1]]]], b4=[[[[2]]]], te=[[[[]]]], tf=[[[[0]]]],
          d1={1: 2, 3: 4}, d2={3: 4, 1: 2}, d3={1.0: 2, 3: 4.0}, d4={1: 2, 3: 5}, empty_d={},
          s1={1, 9}, s2={9, 1}, s3={1, 8}, fs=frozenset({9, 1}),
          nan1=NAN, nan2=float("nan"), nl1=[NAN], nl2=[float("nan")], nl3=[NAN, 1],
          cyc=CYC, p1=P1, p2=Plain(1), ps=[P1], pt1=Pt(1, 2), pt2=Pt(1, 2), fal=Falsy(),
          sz=Sized(), tup_l=([1], "x"), fn=f, cls=Plain, cls2=Pt, r0=range(0),
          r1=range(3), c1=1 + 2j, err=ValueError("e"), n=7, big=2 ** 70, w="ab",
          words=["pear" * 3, "apple"], xs=[3, 1.5, 7], t3=(3, 1.5, 7),
          long=list(range(100)), long2=list(range(100)), node=Node(5),
          shade=Shade.DARK, shade2=Shade.LIGHT, shades=[Shade.LIGHT, Shade.DARK],
          cyc2=CYC2, dec1=decimal.Decimal("1.50"), dec2=decimal.Decimal("1.50"),
          dec3=decimal.Decimal("1.5"), dnan=decimal.Decimal("NaN"),
          dnan2=decimal.Decimal("-sNaN7"), day1=datetime.date(2020, 1, 5),
          day2=datetime.date(2020, 1, 5),
          when=datetime.datetime(2024, 3, 1, 9, 30, 0, 250, tzinfo=datetime.timezone(
              datetime.timedelta(hours=-5), "EST")),
          gap=datetime.timedelta(days=-1, seconds=3), ba=bytearray(b"zbA"),
          dec4=decimal.Decimal("1.000"), dtenth=decimal.Decimal("0.1"),
          dbig=decimal.Decimal(2 ** 70), dneg0=decimal.Decimal("-0"),
          dinf=decimal.Decimal("-Infinity"), naive=datetime.datetime(2024, 3, 1, 14, 30),
          naive2=datetime.datetime(2024, 3, 1, 14, 29),
          utcw=datetime.datetime(2024, 3, 1, 14, 30, 0, 250, tzinfo=UTC),
          zw1=datetime.datetime(2024, 3, 1, 9, 30, tzinfo=zone("America/New_York")),
          zw2=datetime.datetime(2024, 3, 1, 9, 30, tzinfo=zone("Europe/Paris")),
          tm1=datetime.time(9, 30), tm2=datetime.time(9, 30, tzinfo=tz_hours(1)),
          tm3=datetime.time(8, 30, tzinfo=UTC),
          tq1=datetime.time(0, 0, 0, 400, tzinfo=tz_us(1)),
          tq2=datetime.time(0, 0, 0, 400, tzinfo=UTC),
          dq1=datetime.datetime(2000, 1, 1, 0, 0, 0, 400, tzinfo=tz_us(1)),
          dq2=datetime.datetime(2000, 1, 1, 0, 0, 0, 399, tzinfo=UTC),
          gap2=datetime.timedelta(0), gap3=datetime.timedelta(seconds=-86397),
          tzo=datetime.timezone(datetime.timedelta(hours=-5), "EST"),
          tzo2=datetime.timezone(datetime.timedelta(hours=-5)), rdec=RDEC, rnum=RNUM,
          rwhen=RWHEN)
