"""Generators and closures: lazy pipelines, generator delegation, and
closures holding counters. Generator frames are resumed many times."""
from _scale import scaled


def counter(start):
    n = start

    def nxt(step=1):
        nonlocal n
        n += step
        return n
    return nxt


def numbers(limit):
    i = 0
    while i < limit:
        yield i
        i += 1


def evens(src):
    for x in src:
        if x % 2 == 0:
            yield x


def windows(src, k):
    buf = []
    for x in src:
        buf.append(x)
        if len(buf) == k:
            yield tuple(buf)
            buf.pop(0)


def chain(*gens):
    for g in gens:
        yield from g


total = 0
c = counter(0)
for r in range(scaled(36)):
    for w in windows(evens(chain(numbers(20000), numbers(10000))), 3):
        total += w[0] * w[2] % 7
        c()
    total += sum(x * x for x in numbers(20000) if x % 3)
print(total, c(0))
