"""Values changed in place by lines that look pure to the recorder's quick
snapshots (recorder/lineflow.h), or by C code those lines reach: each
change must still be recorded at the event right after the line that made
it."""
import collections


def defaultdict_read(keys):
    groups = collections.defaultdict(list)
    for k in keys:
        g = groups[k]
        n = len(g)
    return groups, n


def c_iterators(items):
    stack = list(items)
    popper = iter(stack.pop, items[0])
    seen = 0
    for x in popper:
        seen += x
    out = []
    appender = map(out.append, items)
    for _ in appender:
        pass
    kept = []
    numbered = enumerate(map(kept.append, items))
    for _ in numbered:
        pass
    return stack, out, kept, seen


def aliases(n):
    a = [0]
    b = a
    t = (1,)
    for i in range(n):
        a += [i]
        t += (i,)
    s = "x"
    s += "y"
    return a, b, t, s


def same_address(n):
    x = [1, 2]
    for i in range(n):
        x = None; x = [i, i]
    return x


def loops(rows):
    total = 0
    for i, (a, b) in enumerate(zip(rows, rows[1:])):
        total += a * b + i
    for k, v in {"a": 1, "b": 2}.items():
        total += v
    for c in "abc":
        total += ord(c)
    pairs = [[r, r * 2] for r in rows]
    for p in pairs:
        p[1] += 1
    return total, pairs


class Box:
    def __init__(self):
        self.items = []
        self.n = 0

    def grow(self, k):
        items = self.items
        for i in range(k):
            items.append(i)
            self.n = len(items)
        return self.n


print(defaultdict_read("abcab"))
print(c_iterators([1, 2, 3, 4]))
print(aliases(3))
print(same_address(3))
print(loops([1, 2, 3, 4]))
print(Box().grow(3))
