"""List, set, dict comprehensions and generator expressions."""


def run():
    words = ["alpha", "beta", "gamma", "delta"]
    lengths = [len(w) for w in words]
    initials = {w[0] for w in words}
    index = {w: i for i, w in enumerate(words) if i % 2 == 0}
    nested = [(a, b) for a in range(3) for b in range(a)]
    total = sum(n * n for n in lengths)
    return lengths, sorted(initials), index, nested, total


print(run())
print("EXIT-SUCCESS")
