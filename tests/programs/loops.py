"""Loops: while/for with break, continue and else; variables rebound."""


def search(items, target):
    i = 0
    while i < len(items):
        if items[i] == target:
            break
        i += 1
    else:
        i = -1
    return i


def odds(n):
    out = []
    for k in range(n):
        if k % 2 == 0:
            continue
        out.append(k)
    else:
        out.append("done")
    return out


print(search([4, 5, 6], 6), search([1], 9), odds(7))
print("EXIT-SUCCESS")
