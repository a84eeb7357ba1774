# tracerec-test: special (t0246: the pair it looks for is found by address, so its events differ from run to run)
"""An object whose attribute's own memo lands in the entry of the object's
memo (recorder/snapshot.c keeps the attributes of instances in a table of
OBJ_MEMO entries indexed by cache_at(address + depth)). Reading the
object's memo after walking that attribute once read the attribute's
attributes in place of the object's: a change under `box` went unseen
whenever two such walks came one after the other. The pair is found here
by computing the recorder's index; a program whose addresses happened to
collide (tests/programs/subvalues.py, about one run in sixty) showed it.
If the table's size or hash changes, update SLOTS and at() to match."""

GOLDEN = 0x9e3779b97f4a7c15
SLOTS = 512


def at(address):
    return ((address * GOLDEN) % (1 << 64) >> 40) & (SLOTS - 1)


class Node:
    def __init__(self, name):
        self.name = name
        self.kids = []
        self.data = [name, [1, 2, 3]]


class Keeper:
    def __init__(self):
        self.box = {"n": 0, "log": [0]}
        self.kid = None

    def same(self):
        return self

    def grow(self):
        self.box["log"].append(len(self.box["log"]))
        return self


def colliding():
    """A Keeper whose kid, walked at depth 1, has the Keeper's entry at
    depth 0."""
    k = Keeper()
    tried = []
    while True:
        kid = Node("kid")
        if at(id(kid) + 1) == at(id(k)):
            break
        tried.append(kid)
    k.kid = kid
    return k


def pattern(k, walks):
    """k changes two levels down with 0 to 3 walks of it in other frames
    before and after: every parity of the memo's state."""
    for _ in range(walks):
        k.same()
    k.grow()
    for _ in range(walks):
        k.same()
    k.box["log"].append(0)
    return len(k.box["log"])


keepers = [colliding() for _ in range(3)]
print([pattern(k, w) for k in keepers for w in range(4)])
