# tracerec-test: special (t2500: replay's arithmetic against Python's own)
"""Numbers, strings and containers at a call whose recorded state replay
shows, for replay's operators, builtins and methods. The program evaluates, with Python itself, the expressions the test
gives replay there, and prints as one JSON line {command: the line Python's
pdb would print}: the value's repr, or `*** Type: message` for an error,
in the words of the Python that ran it (some changed between versions)."""
import datetime
import decimal
import enum
import json
import pyfacts


UTC = datetime.timezone.utc
D = decimal.Decimal


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


EXPRESSIONS = [
    # ints, floats and bools, as Python computes them
    "n + 1", "n - 10", "n * x", "n / 2", "n // 2", "-n // 2", "neg % 5", "n % -3",
    "n ** 2", "2 ** -1", "-2 ** 2", "2 ** 3 ** 2", "(-2) ** 3", "neg ** 3",
    "n << 3", "n >> 1", "neg >> 1", "n & 3", "n | 8", "n ^ 1", "~n", "+n", "-x", "~neg",
    "x // 0.3", "x % -1", "y // 0.5", "y % 0.5", "-x // 1", "x ** 2", "2 ** 0.5",
    "fz * -1", "1e308 * 10", "x / 3", "n / 3", "7.5 // -2", "-7.5 % 2",
    "t + t", "t & f", "t | f", "t ^ t", "-t", "t * 3", "f ** 0",
    # past 64 bits and back
    "big + 1", "-big", "big // 3", "big % 1000", "big * 1024", "big >> 60",
    "big - big", "big / 3", "small - 1", "maxi + 1", "maxi * maxi", "-small",
    "maxi / 3", "big / 7", "10 ** 30 / 3", "2 ** 126", "small // -1",
    "12345678901234567890", "-9223372036854775808 - 1", "0xffffffffffffffffff // 3",
    "big == 1180591620717411303424", "0b101 + 0o17 + 1_000", "0x_ff + 0xe+1",
    "1_0.0_1e1_0", "1.e2", "0b" + "1" * 64, "'' * 2 ** 100", "s * -2 ** 64", "0.0 ** -(1e308 * 10)",
    "6683116752304179683 / 253452", "4294967300 / 9007199254740993", "-(2 ** 100) / 3",
    # str and bytes
    "s + 'c'", "s * 3", "3 * s", "s * -1", "bs + b'z'", "bs * 2", "s * t",
    # subclasses of int compute as their int
    "color + 1", "color * n", "color | 1", "-color",
    # the builtins that reduce
    "sum(xs)", "min(xs)", "max(xs)", "min(d)", "max(d)", "max(s)", "min(bs)",
    "sum(xs, 10)", "max(3, 9, 2)", "min(1, 1.0)", "abs(-2.5)", "abs(t)", "abs(neg)",
    "max(words)", "min(words)", "sum(empty)", "len(d) * 2",
    # 3.12 and later add floats with compensation; before, one by one
    "sum(tenths)", "sum(tenths, 1)", "sum(mixed)", "sum(mixed, 0.5)", "sum(tenths[:3], big)",
    # rounding and conversions
    "round(x, 1)", "round(y, 1)", "round(2.5)", "round(3.5)", "round(-0.5)", "round(0.125, 2)",
    "round(2.675, 2)", "round(15, -1)", "round(25, -1)", "round(-15, -1)", "round(big, -10)",
    "round(n, 2)", "round(x)", "round(fz)", "round(1e300, 2) == 1e300", "round(1.5, 400)",
    "round(x, None)", "int(-2.7)", "int(x)", "int(t)", "float(n)", "float(big)", "bool(s)",
    "bool(empty)", "bool(0.0)", "bool(d)", "round(s)", "round(1.5, 1.0)",
    "int(1e308 * 10 - 1e308 * 10)", "int(1e308 * 10)", "round(1e308 * 10)",
    # the methods of builtins that look things up
    "s.startswith('a')", "s.endswith(('x', 'b'))", "s.endswith(('x', 'y'))", "s.find('b')",
    "s.find('z')", "s.count('')", "uni.find('€x')", "uni.count('é')", "uni.startswith('hé')",
    "bs.startswith(b'x')", "bs.find(b'y')", "bs.count(b'')", "d.get('a')", "d.get('zz')",
    "d.get('zz', 5)", "d.get('b', 0) + 1", "nested.get('k')[0]", "xs.count(7)", "xs.index(1.5)",
    "xs.index(-2) + 1", "tup.index((1, 2))", "tup.count('a')", "words.index('apple')",
    "color in xs", "xs.index(99)", "tup.index(9)", "s.startswith(1)", "s.find(1)",
    "bs.find('a')", "d.get()", "d.get(xs)", "xs in d",
    # in indexes, comparisons and conditions
    "nested['k'][len(nested['k']) - 1]", "xs[n - 5]", "xs[-1] * 2", "len(s) * 2 + 1",
    "n % 2 == 1 and n > 5", "n + 1 > n", "not n - 7", "xs[1:n - 4]",
    # precedence
    "1 + 2 * 3", "(1 + 2) * 3", "2 * 3 % 4", "1 - 2 - 3", "7 & 3 | 8 ^ 1",
    "1 << 2 + 1", "-n ** 2", "n - -n", "- - n", "n * 2 ** 2", "8 / 2 / 2", "2 ** -1 * 4",
    # errors, worded as Python words them
    "n / 0", "n // 0", "x / 0", "x // 0", "fz ** -1", "zero ** -1", "s + 1",
    "bs + s", "s - s", "n << -1", "x & 1", "~x", "-s", "max(n)", "sum(words)",
    "sum(empty, '')", "abs(s)", "s * x", "min()", "len(xs, d)", "sum()", "1e308 ** 2",
    "n % 0", "x % 0", "min(empty)",
    # dates and durations: what datetime computes exactly, from their repr
    "moment - moment2", "moment2 - moment", "amoment - umoment", "umoment - amoment",
    "moment - amoment", "day - day2", "day2 - day", "day + dur", "dur + day", "day - dur",
    "day - dur2", "moment + dur", "dur + moment", "moment - dur2", "amoment + dur",
    "amoment - dur", "dur + dur2", "dur - dur2", "dur * 3", "3 * dur", "dur * -2",
    "t * dur", "dur * 0", "-dur", "+dur", "abs(dur)", "abs(dur2)", "-dur2",
    "dur.days", "dur.seconds", "dur.microseconds", "dur.total_seconds()",
    "dur2.total_seconds()", "(moment - moment2).total_seconds()", "moment.year",
    "moment.month", "moment.day", "moment.hour", "moment.minute", "moment.second",
    "moment.microsecond", "amoment.fold", "moment.fold", "amoment.tzinfo",
    "moment.tzinfo", "umoment.tzinfo", "tm.hour", "tm.minute", "tm.tzinfo", "tm.fold",
    "day.year", "day.month", "day.day", "day.weekday()", "day.isoweekday()",
    "moment.weekday()", "amoment.isoweekday()", "lastday + dur", "firstday - dur",
    "longdur + longdur", "longdur * 2", "-longdur - dur", "day - day + dur",
    "moment + dur * 100000", "(amoment - umoment) * 2 + dur",
    # a Decimal's int(), float() and round(), which its context does not change
    "int(dec)", "float(dec)", "round(dec)", "int(decneg)",
    "round(decneg)", "round(dhalf)", "round(dhalf2)", "round(dhalfneg)", "round(dtiny)",
    "int(dbig)", "round(dbig)", "float(dbig)", "float(dtenth)", "float(dnan)",
    "float(dsnan)", "int(dnan)", "round(dinf)", "float(dinf)", "int(dexp)",
    "float(dhuge)", "float(dsub)", "round(dec) + 1", "int(dec) * 2",
    "round(day)", "round(dur)",
]


def stop_here(n, neg, x, y, t, f, s, bs, big, small, maxi, color, xs, d, words,
              empty, nested, zero, fz, long, text, uni, tup, tenths, mixed, moment,
              moment2, amoment, umoment, day, day2, dur, dur2, tm, lastday, firstday,
              longdur, dec, decneg, dhalf, dhalf2, dhalfneg, dtiny, dbig, dtenth, dnan,
              dsnan, dinf, dexp, dhuge, dsub):
    facts = pyfacts.facts(EXPRESSIONS, dict(locals()))
    print(json.dumps({"facts": facts}))
    return len(facts)


stop_here(7, -3, 2.5, -0.75, True, False, "ab", b"xy", 2**70, -2**63, 2**63 - 1,
          Color.GREEN, [3, 1.5, 7, -2], {"b": 1, "a": 2}, ["pear", "apple"], [],
          {"k": [1, 2, 3]}, 0, 0.0, list(range(100)), "x" * 300,
          "hé€x", ("a", (1, 2), "a"), [0.1] * 10,
          [1, 0.1, True, 1e16, 1.0, -1e16, 2 ** 70, 0.1, -2 ** 70, Color.RED, 0.7],
          datetime.datetime(2024, 2, 28, 23, 59, 58, 999001),
          datetime.datetime(2023, 12, 31, 12, 30),
          datetime.datetime(2024, 3, 1, 1, 30, 0, 5, fold=1, tzinfo=datetime.timezone(
              datetime.timedelta(hours=-5, minutes=-30), "X")),
          datetime.datetime(2024, 3, 1, 6, 0, tzinfo=datetime.timezone.utc),
          datetime.date(2024, 2, 29), datetime.date(1999, 12, 31),
          datetime.timedelta(days=1, seconds=3601, microseconds=999999),
          datetime.timedelta(days=-3, seconds=5), datetime.time(23, 59, 1, tzinfo=UTC),
          datetime.date(9999, 12, 31), datetime.date(1, 1, 1),
          datetime.timedelta(days=999999999), D("60.67"), D("-7.999"), D("2.5"),
          D("3.5000"), D("-0.5"), D("4.9E-7"), D("123456789012345678901234567.5"),
          D("0.1"), D("NaN"), D("-sNaN3"), D("-Infinity"), D("12E+3"), D("1E+400"),
          D("-2.5E-320"))
