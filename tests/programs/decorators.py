"""Decorators with functools.wraps, and a memoizing decorator."""
import functools


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        result = fn(*args, **kwargs)
        print("%s%r -> %r" % (fn.__name__, args, result))
        return result
    return wrapper


def memo(fn):
    cache = {}

    def inner(n):
        if n not in cache:
            cache[n] = fn(n)
        return cache[n]
    return inner


@logged
def add(a, b=2):
    return a + b


@memo
def tri(n):
    return n if n < 2 else n + tri(n - 1)


add(1)
add(3, b=4)
print(tri(20), tri(20))
print("EXIT-SUCCESS")
