"""Lists of small immutable items whose items are replaced, within one line,
by new objects that the allocator is likely to place where a freed item
was: the recorder must see each change (it compares such lists by their
items' addresses while it holds the items)."""


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


print(floats())
print(ints())
print(strs())
print(nested())
print(swapped())
print("EXIT-SUCCESS")
