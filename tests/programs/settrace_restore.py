# tracerec-test: special (t0201: a program that sets a trace function of its own for a while, then puts back what sys.gettrace() gave)
"""The save, replace, restore pattern of test frameworks and debuggers.
Under tracerec sys.gettrace() is the recorder: put back with sys.settrace(),
the program must go on as under python, and be recorded from the next
call on."""
import sys


def during(n):
    return n + 1


def after_restore(n):
    return n * 2


def counting(frame, event, arg):
    seen.append(event)
    return counting


seen = []


def main():
    old = sys.gettrace()
    sys.settrace(None)
    a = during(1)
    sys.settrace(counting)
    b = during(2)
    sys.settrace(old)
    total = a + b
    for i in range(3):
        total += after_restore(i)
    return total


print(main(), sorted(set(seen)))
