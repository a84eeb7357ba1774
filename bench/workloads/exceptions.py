"""Exceptions in a loop: raise and catch across frames, custom exception
classes, try/finally and a KeyError-driven cache."""
from _scale import scaled


class Invalid(ValueError):
    def __init__(self, value):
        super().__init__("invalid %r" % (value,))
        self.value = value


def parse(s):
    if not s or s[0] == "x":
        raise Invalid(s)
    return int(s, 16)


def deep(n):
    if n == 0:
        raise KeyError(n)
    return deep(n - 1)


def cached(cache, k):
    try:
        return cache[k]
    except KeyError:
        v = cache[k] = k * k
        return v


ok = bad = 0
cache = {}
for i in range(scaled(250000)):
    s = "x%x" % i if i % 3 == 0 else "%x" % i
    try:
        ok += parse(s)
    except Invalid as e:
        bad += len(e.value)
    finally:
        ok += 1
    if i % 10 == 0:
        try:
            deep(5)
        except KeyError:
            bad += 1
    ok += cached(cache, i % 500)
print(ok, bad)
