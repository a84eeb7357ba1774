"""Instances of subclasses of builtins changed in place: the recorder must
see a Counter's counts, a defaultdict's lists (an item of one, its
factory, an attribute of its own), a namedtuple, an enum member and a
program's own dict and list subclasses change, in a function and at module
level."""
import collections
import enum


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Registry(dict):
    pass


class Groups(collections.defaultdict):
    pass


class Stack(list):
    pass


Pair = collections.namedtuple("Pair", "key count")


def tally(words):
    counts = collections.Counter()
    groups = Groups(list)
    order = collections.OrderedDict()
    for w in words:
        counts[w] += 1
        groups[len(w)].append(w)
        order[w] = len(order)
    order.move_to_end(words[0])
    top = Pair(*counts.most_common(1)[0])
    groups[1][0] = "z"
    groups.default_factory = set
    groups.note = "seen"
    groups.note = "done"
    return counts, groups, order, top


reg = Registry()
reg.owner = "module"
stack = Stack()
level = Level.LOW
for word in "a bb a ccc bb a".split():
    stack.append(word)
    reg[word] = reg.get(word, 0) + 1
    if len(stack) > 3:
        level = Level.HIGH
        stack.pop(0)
reg.owner = "loop"
stack.name = "words"
stack[0] = "first"
result = tally(stack + ["a", "a"])
print(sorted(reg.items()), list(stack), level, result[3])
print("EXIT-SUCCESS")
