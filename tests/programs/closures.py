"""Closures, nonlocal and global rebinding."""
total = 0


def make_counter():
    count = 0

    def bump(by=1):
        nonlocal count
        count += by
        return count
    return bump


def add_global(n):
    global total
    total += n


c = make_counter()
c()
c(5)
add_global(c())
adders = [(lambda k: (lambda x: x + k))(i) for i in range(3)]
print(total, [a(10) for a in adders])
print("EXIT-SUCCESS")
