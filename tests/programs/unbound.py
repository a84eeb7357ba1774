"""Variables deleted and bound again; names bound late in a frame."""


def juggle(flag):
    a = 1
    del a
    if flag:
        b = "set"
    a = 2
    try:
        return b, a
    except UnboundLocalError:
        return None, a


print(juggle(True))
print(juggle(False))
print("EXIT-SUCCESS")
