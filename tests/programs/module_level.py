"""Module-level code only: globals change at top level."""
a = 1
b = a + 1
a = a * 10
names = ["x", "y"]
names.append("z")
for i in range(3):
    b += i
del a
c = {"b": b}
if b > 3:
    flag = True
else:
    flag = False
print(b, names, c, flag)
print("EXIT-SUCCESS")
