"""Program code called back from C: sorted(key=), map, filter, min."""


def weight(item):
    name, score = item
    return (-score, name)


people = [("bo", 3), ("al", 5), ("cy", 3), ("di", 1)]
print(sorted(people, key=weight))
print(sorted(people, key=lambda p: p[0]))
print(list(map(lambda p: p[1] * 2, people)))
print(list(filter(lambda p: p[1] > 2, people)))
print(min(people, key=lambda p: p[1]))
print("EXIT-SUCCESS")
