# tracerec-test: special (t2500: watch NAME.attr and NAME[key] in replay)
"""An object attribute and a dict item that change at known lines; two
variables of which the second changes on the function's last line, so at
its return event; two variables swapped on one line, the line a
breakpoint is set on."""


class Box:
    def __init__(self):
        self.v = 0


def run():
    b = Box()
    d = {"k": 1, "other": 0}
    for i in range(4):
        b.v = b.v + i
        d["other"] = i
        if i == 2:
            d["k"] = 5
    return b.v, d["k"]


def last():
    a = 1
    b = 2
    a = 10
    b = 20


def swap():
    x, y = 1, 2
    x, y = y, x
    z = x + y
    return z


print(run())
last()
swap()
print("EXIT-SUCCESS")
