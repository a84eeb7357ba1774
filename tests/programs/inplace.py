"""In-place changes of containers and attributes the recorder must see."""


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


def mutate():
    items = [1, 2]
    items.append(3)
    items[0] = 10
    table = {"a": 1}
    table["b"] = 2
    del table["a"]
    tags = {"x"}
    tags.add("y")
    p = Point(1, 2)
    p.x = 5
    p.z = 9
    return items, table, sorted(tags), (p.x, p.y, p.z)


print(mutate())
print("EXIT-SUCCESS")
