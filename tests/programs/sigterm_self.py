"""Killed by SIGTERM in the middle of its work."""
# tracerec-test: special
import os
import signal


def work():
    x = 1
    print("before", flush=True)
    os.kill(os.getpid(), signal.SIGTERM)
    return x


work()
print("not reached")
