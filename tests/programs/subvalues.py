"""Values of which one part changes while the rest stays: the recorder
copies the unchanged parts' encodings (recorder/snapshot.c, "sub-values"),
which must be what encoding them again would give, in every case below."""


class Node:
    def __init__(self, name, parent=None):
        self.name = name
        self.parent = parent
        self.kids = []
        self.data = [name, [1, 2, 3], {"k": name}]


class Body:
    def __init__(self, x):
        self.pos = [x, x + 1.0, x + 2.0]
        self.vel = [0.5, 0.25, 0.125]
        self.tags = ("body", x)


def cycles():
    root = Node("root")
    kid = Node("kid", root)
    root.kids.append(kid)
    grandkid = Node("grandkid", kid)
    kid.kids.append(grandkid)
    grandkid.kids.append(grandkid)      # its own child
    grandkid.kids.append(root)          # and back to the top
    tree = [root, kid, grandkid]
    for i in range(3):
        kid.data[1].append(i)           # a sub-list two levels down
        root.name = "root%d" % i        # the top changes, kid does not
        tree.append(i)
    around = [kid, [kid, [kid]]]        # kid at depths 1, 2 and 3
    for i in range(2):
        around[1].append(i)
        kid.name = "kid%d" % i
    return len(tree) + len(around)


def backrefs():
    holder = []
    top = Node("top")
    mid = Node("mid", top)
    low = Node("low", top)
    top.first = mid
    mid.first = low                 # under top, low points back to it
    holder.append([low])            # under holder, to nothing on its path
    for i in range(3):
        top.name = "top%d" % i
        holder.append(i)
    return len(holder)


def copied_refs():
    top = Node("top")
    mid = Node("mid")
    top.first = mid
    mid.first = Node("low", top)    # under top, low's encoding REFs it
    for i in range(2):
        mid.name = "mid%d" % i      # mid encoded again, low copied into it
    other = [mid]                   # under other, low's parent is no REF
    for i in range(2):
        top.name = "top%d" % i
        other.append(i)
    return len(other)


def shared():
    inner = {"a": [1, 2], "b": (3, 4)}
    one = [inner, [inner]]
    two = {"deep": [[inner]], "top": inner}
    for i in range(4):
        inner["a"].append(i)            # seen from both, at different depths
        one.append(i)
        two["n"] = i
    return len(one) + len(two)


def budget():
    big = [["%03d" % i * 90 for i in range(32)] for _ in range(12)]
    for i in range(3):
        big[0][0] = "changed%d" % i     # its encoding runs into the budget
        big.insert(1, ["new%d" % i])    # later items move past it
    # cells of about 1.7 KB two levels down, the budget ending in one of
    # them; each insert moves them by about 1 KB, so that a cell kept whole
    # before comes to cross the end of the budget
    rows = [[[("%02d%d" % (i, j)) * 80 for j in range(7)] for _ in range(2)]
            for i in range(24)]
    for i in range(4):
        rows.insert(0, ["z" * 250] * 4)
    tail = [["x" * 250] * 32] * 10 + [[1, 2, 3]]
    for i in range(2):
        tail[-1].append(i)
    return len(big) + len(rows) + len(tail)


def redacted():
    cfg = {"db": {"password": "hunter2", "user": "u", "opts": [1, 2]},
           "api": {"token": [1, 2, 3], "url": "http://x"}}
    for i in range(3):
        cfg["db"]["opts"].append(i)
        cfg["api"]["token"].append(i)
        cfg["n"] = i
    return len(cfg)


def renamed():
    class Point:
        def __init__(self, x):
            self.x = x
            self.ys = [x, x]
    pts = [Point(1), Point(2), [Point(3)]]
    for i in range(2):
        pts.append(i)
        Point.__qualname__ = "Renamed%d" % i   # same objects, new type name
        pts.append(-i)
    return len(pts)


def reused():
    bodies = [Body(float(i)) for i in range(5)]
    for step in range(4):
        bodies[step % 5].pos[0] += 1.0          # one body of five changes
        old = bodies.pop()
        del old
        bodies.append(Body(float(step * 10)))   # likely at the freed address
        lists = [[step, step], [step]]
        del lists
        lists = [[step + 1, step], [step]]
    return len(bodies) + len(lists)


class Keeper:
    def __init__(self):
        self.box = {"n": 0, "log": [0]}
        self.kid = Node("kid")

    def same(self):
        return self                     # unchanged: its encoding is cached

    def grow(self):
        self.box["log"].append(len(self.box["log"]))   # two levels down
        return self

    def renamed_kid(self, name):
        self.kid.name = name
        return self.kid                 # reached from self, not a variable


def returns():
    """Return values come from the caches too (trec_snap_value)."""
    import logging
    k = Keeper()
    seen = [k.same(), k.same()]
    for i in range(3):
        seen.append(k.grow())
        seen.append(k.same())
        seen.append(k.renamed_kid("kid%d" % i))
    for level in (10, 20, 30):
        logging.getLogger("subvalues").setLevel(level)
        seen.append(logging.getLogger("subvalues"))
    from collections import UserList
    ul = UserList([1, 2, 3])
    for i in range(3):
        ul *= 2         # a library frame doubles ul.data, then returns ul
    seen.append(ul)
    return len(seen)


total = (cycles() + backrefs() + copied_refs() + shared() + budget()
         + redacted() + renamed() + reused() + returns())
assert total == 8 + 4 + 3 + 9 + 54 + 3 + 7 + 7 + 15, total
print(total)
print("EXIT-SUCCESS")
