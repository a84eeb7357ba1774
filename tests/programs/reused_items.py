"""Lists of small immutable items, and objects' attributes, replaced within
one line by new objects that the allocator is likely to place where a freed
one was: the recorder must see each change (it compares such lists and
attributes by their objects' addresses while it holds the leaves)."""


def floats():
    xs = [float(i) + 0.5 for i in range(6)]
    xs[0] = 7.25; xs[0] = xs[1] * 3.0
    xs[2] = 7.25; xs[2] = xs[3] + xs[4]
    return xs


def ints():
    ns = [1000 + i for i in range(6)]
    ns[0] = 5; ns[0] = ns[1] * 7
    ns[5] = 5; ns[5] = ns[4] + 1000
    return ns


def strs():
    words = ["w%d" % i for i in range(6)]
    words[1] = "x"; words[1] = words[2] + "!"
    words[3] = "x"; words[3] = "%s%s" % (words[4], words[5])
    return words


def nested():
    groups = {k: [k * 10 + i + 1000 for i in range(5)] for k in range(3)}
    rows = [[i + 0.5 for i in range(4)] for _ in range(2)]
    groups[1][0] = 5; groups[1][0] = groups[1][1] * 3
    rows[0][3] = 1.0; rows[0][3] = rows[1][2] * 9.0
    groups[2].append(7000); groups[2][4] = 5; groups[2][4] = groups[2][3] + 1
    return groups, rows


def swapped():
    # the same items in another order, and then the same values again
    t = [1.5, 2.5, 3.5, 4.5]
    t[0], t[1] = t[1], t[0]
    t[0], t[1] = t[1], t[0]
    t[:] = [x + 0.0 for x in t]
    return t


class Node:
    def __init__(self, tag, child=None):
        self.tag = tag
        self.weight = tag * 1.5
        self.name = "n%d" % tag
        self.child = child


def attributes():
    # the same, for the attributes of objects kept inline (3.11+): leaves
    # replaced by new objects, the order changed with the same values, a
    # child changed in place, and a child replaced by a new object likely
    # made where the old one was
    o = Node(1000, Node(2000))
    o.weight = 7.25; o.weight = o.tag * 3.0
    o.name = "x"; o.name = "%s!" % o.name
    w = o.weight; del o.weight; o.weight = w
    o.child.tag = 5; o.child.tag = o.tag + 1
    o.child = None; o.child = Node(3000)
    o.child = None; o.child = Node(3000, Node(4000))
    return [(k, getattr(v, "tag", v)) for k, v in vars(o).items()], o.child.child.tag


print(floats())
print(ints())
print(strs())
print(nested())
print(swapped())
print(attributes())
print("EXIT-SUCCESS")
