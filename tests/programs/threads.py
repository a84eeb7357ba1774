"""Threads, one after another so the output is deterministic. Their results
go to a class attribute: a variable of the main frame changed by another
thread would show up at whichever main-frame event comes next, which
depends on timing."""
import threading


class Results:
    done = {}


def worker(name, n):
    acc = 0
    for i in range(n):
        acc += i
    Results.done[name] = acc


for k in range(3):
    t = threading.Thread(target=worker, args=("w%d" % k, 5 + k), name="worker-%d" % k)
    t.start()
    t.join()
print(sorted(Results.done.items()))
print("EXIT-SUCCESS")
