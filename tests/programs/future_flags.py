"""Annotations are evaluated: no `from __future__ import annotations` may
leak from the runner into the program."""


def f(x: int) -> list:
    return [x]


print(f.__annotations__, f(1))
print("EXIT-SUCCESS")
