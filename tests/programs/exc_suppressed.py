"""Exceptions suppressed by context managers."""
import contextlib


class Swallow:
    def __init__(self):
        self.count = 0

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is not None:
            self.count += 1
        return True


def risky(n):
    if n % 2:
        raise ArithmeticError(n)
    return n


s = Swallow()
for i in range(4):
    with s:
        risky(i)
with contextlib.suppress(ZeroDivisionError):
    x = 1 / 0
print(s.count)
print("EXIT-SUCCESS")
