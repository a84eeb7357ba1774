"""Deep recursion: hundreds of frames on the stack, then unwound by an
exception from the bottom."""


def depth(n):
    if n == 0:
        return 0
    return 1 + depth(n - 1)


def dive(n):
    if n == 0:
        raise LookupError("bottom")
    return dive(n - 1)


print(depth(800))
try:
    dive(300)
except LookupError as e:
    print("unwound from", e)
print("EXIT-SUCCESS")
