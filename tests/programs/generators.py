"""Generators resumed with next, send, throw and close."""


def counter(start):
    n = start
    while True:
        try:
            got = yield n
        except ValueError as e:
            got = len(str(e))
        if got is not None:
            n = got
        else:
            n += 1


def finite():
    try:
        yield 1
        yield 2
    finally:
        print("finite closed")


g = counter(10)
print(next(g), next(g), g.send(100), next(g), g.throw(ValueError("abc")))
g.close()
f = finite()
print(next(f))
f.close()
print(list(x * 2 for x in finite()))
print("EXIT-SUCCESS")
