"""Self-referencing containers and objects."""


class Node:
    def __init__(self, value):
        self.value = value
        self.next = None


def make():
    lst = [1, 2]
    lst.append(lst)
    d = {"name": "d"}
    d["self"] = d
    a = Node(1)
    b = Node(2)
    a.next = b
    b.next = a
    return len(lst), len(d), a.next.next is a


print(make())
print("EXIT-SUCCESS")
