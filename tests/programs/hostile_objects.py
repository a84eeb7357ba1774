"""Objects whose __repr__, __eq__, __hash__ or __getattr__ raise: recording
must not call them (and must not change what the program does)."""


class BadRepr:
    def __repr__(self):
        raise RuntimeError("repr called")

    def __str__(self):
        raise RuntimeError("str called")


class BadEq:
    def __eq__(self, other):
        raise RuntimeError("eq called")

    __hash__ = object.__hash__


class BadGetattr:
    def __init__(self):
        self.real = 1

    def __getattr__(self, name):
        raise RuntimeError("getattr called for " + name)


class BadProperty:
    @property
    def boom(self):
        raise RuntimeError("property called")


def use():
    r = BadRepr()
    e = BadEq()
    g = BadGetattr()
    p = BadProperty()
    items = [r, e, g, p]
    return len(items), g.real


print(use())
print("EXIT-SUCCESS")
