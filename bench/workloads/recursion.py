"""Call-heavy recursion: naive Fibonacci, Ackermann, and a recursive
permutation count. Almost every event is a call or a return."""
import sys
from _scale import scaled

sys.setrecursionlimit(10000)


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def ack(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ack(m - 1, 1)
    return ack(m - 1, ack(m, n - 1))


def perms(items):
    if len(items) <= 1:
        return 1
    return sum(perms(items[:i] + items[i + 1:]) for i in range(len(items)))


total = 0
for _ in range(scaled(20)):
    total += fib(22)
    total += ack(2, 200)
    total += perms(list(range(7)))
print(total)
