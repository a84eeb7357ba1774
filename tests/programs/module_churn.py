"""Module-level code whose globals move in their dict: names deleted and
bound again (a new entry), enough new names that the dict grows into a new
table, and a name bound through globals() under a key that is an equal str
but another object than the code's own name."""
globals()["".join(["ren", "amed"])] = -1
total = 0
for i in range(6):
    total += i
    if i == 2:
        del total
        total = 100
    if i == 3:
        for k in range(40):
            globals()["g%d" % k] = k
    if i == 4:
        globals()["".join(["ren", "amed"])] = i * 2
    renamed = total - i
print(total, renamed, g39)
print("EXIT-SUCCESS")
