"""Unpacking and `in` over iterators whose C callables change another
object (map over list.append): the change is recorded at the line that
makes it, as a full snapshot sees it, not one event late."""


def f():
    out = []
    m = map(out.append, [1, 2])
    a, b = m
    n = len(out)
    m = map(out.append, [3, 4])
    hit = 5 in m
    n = len(out)
    pairs = [(1, 2), map(out.append, [5, 6])]
    for x, y in pairs:
        n = len(out)
    return out


# the same at module level, where the variables are names, not fast locals
seen = []
it = map(seen.append, "xy")
first, second = it
count = len(seen)
print(f(), seen, count)
