"""Forks: the child computes and exits; the parent waits and reports."""
# tracerec-test: special
import os


def child_work(n):
    total = 0
    for i in range(n):
        total += i
    return total


def parent_work():
    return "parent"


pid = os.fork()
if pid == 0:
    print("child", child_work(10), flush=True)
    raise SystemExit(0)
_, status = os.waitpid(pid, 0)
print(parent_work(), os.WEXITSTATUS(status), flush=True)
