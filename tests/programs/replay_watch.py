# tracerec-test: special (t2500: watch NAME.attr and NAME[key] in replay)
"""An object attribute and a dict item that change at known lines."""


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


print(run())
print("EXIT-SUCCESS")
