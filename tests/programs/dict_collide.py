# tracerec-test: special (t0246: the pair it looks for is found by address, so its events differ from run to run)
"""A dict whose value, a dict, keeps its own memo in the entry of the outer
dict's memo (recorder/snapshot.c keeps the keys, leaf values and other
values of dicts in a table of FP_DICT_CACHE entries indexed by
cache_at(address + depth)). Reading the outer dict's memo after walking
that value would read the value's memo in place of the outer one's: a
change in place under `box` would go unseen whenever two such walks came
one after the other. The pair is found here by computing the recorder's
index. If the table's size or hash changes, update SLOTS and at() to
match."""

GOLDEN = 0x9e3779b97f4a7c15
SLOTS = 1024


def at(address):
    return ((address * GOLDEN) % (1 << 64) >> 40) & (SLOTS - 1)


def colliding(tried):
    """A dict whose "kid", walked at depth 1, has the dict's entry at
    depth 0."""
    p = {"n": 0, "kid": None, "box": [0]}
    while True:
        kid = {"a": 1, "l": [1, 2]}
        if at(id(kid) + 1) == at(id(p)):
            break
        tried.append(kid)
    p["kid"] = kid
    return p


def same(p):
    return p


def grow(p):
    p["box"].append(len(p["box"]))
    return p


def pattern(p, walks):
    """p changes one level down with 0 to 3 walks of it in other frames
    before and after: every parity of the memo's state."""
    for _ in range(walks):
        same(p)
    grow(p)
    for _ in range(walks):
        same(p)
    p["box"].append(0)
    return len(p["box"])


tried = []
dicts = [colliding(tried) for _ in range(3)]
print([pattern(p, w) for p in dicts for w in range(4)])
