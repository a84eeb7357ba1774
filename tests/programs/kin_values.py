"""Kin of the builtins that CPython flags nothing for: collections.deque and
its subclasses, subclasses of float, set and frozenset, and plain Enum
members. The recorder must show them as Python prints them and see a
deque or a set subclass change in place, in a function and at module
level, nested down to the depth bound, and in cycles."""
import collections
import enum


class State(enum.Enum):
    IDLE = "idle"
    BUSY = ("busy", [1])


class Perm(enum.Flag):
    R = 4
    W = 2


class Celsius(float):
    pass


class Tags(set):
    pass


class Frozen(frozenset):
    pass


class Window(collections.deque):
    pass


def bfs(graph, start):
    seen = Tags({start})
    queue = collections.deque([start])
    order = []
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt in graph[node]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return order, seen


def machine(events):
    state = State.IDLE
    history = collections.deque(maxlen=3)
    for e in events:
        history.append(state)
        state = State.BUSY if e else State.IDLE
    State.BUSY.value[1].append(len(history))
    perms = Perm.R | Perm.W
    return state, history, perms


def nested():
    box = {"q": {"inner": [collections.deque([1, 2]), State.BUSY, Tags("ab")]}}
    box["q"]["inner"][0].append(3)
    ring = collections.deque([0])
    ring.append(ring)
    ring.rotate(1)
    win = Window([1.5], maxlen=4)
    win.label = "w"
    win.extend([Celsius(20.5), Frozen({1})])
    temp = Celsius(-3.25)
    temp.unit = "C"
    return box, ring, win, temp


graph = {1: [2, 3], 2: [4], 3: [4, 5], 4: [6], 5: [6], 6: []}
order, seen = bfs(graph, 1)
final, hist, perms = machine([1, 0, 1, 1, 0])
box, ring, win, temp = nested()
pending = collections.deque(range(40))
while len(pending) > 30:
    pending.pop()
print(order, sorted(seen), final, list(hist), perms in (Perm.R | Perm.W))
print(win, temp, len(ring))
print("EXIT-SUCCESS")
