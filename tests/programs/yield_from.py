"""Delegation with yield from, return values of subgenerators."""


def inner(k):
    total = 0
    for i in range(k):
        got = yield i
        total += got or 0
    return total


def outer():
    a = yield from inner(3)
    b = yield from inner(2)
    return a + b


gen = outer()
out = [next(gen)]
try:
    while True:
        out.append(gen.send(len(out)))
except StopIteration as stop:
    print(out, stop.value)
print("EXIT-SUCCESS")
