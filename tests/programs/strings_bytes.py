"""Unicode text, bytes, floats, complex numbers, None and bools."""


def values():
    s = "héllo wörld ✓ \U0001f600"
    b = s.encode("utf-8")
    f = 1.0 / 3
    z = complex(1, -2)
    n = None
    t = (True, False)
    special = [float("inf"), -0.0, 1e300]
    return len(s), len(b), round(f, 3), z, n, t, special


print(values())
print("EXIT-SUCCESS")
