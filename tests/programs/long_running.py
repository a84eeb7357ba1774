"""Runs until killed (for the kill -9 test); prints "started" once going."""
# tracerec-test: special
import sys
import time


def step(i):
    return i * 2


print("started", flush=True)
deadline = time.time() + float(sys.argv[1] if len(sys.argv) > 1 else 30)
i = 0
while time.time() < deadline:
    i = step(i) % 1000003 + 1
