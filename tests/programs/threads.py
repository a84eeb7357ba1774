"""Threads, one after another so the output is deterministic."""
import threading

results = {}


def worker(name, n):
    acc = 0
    for i in range(n):
        acc += i
    results[name] = acc


for k in range(3):
    t = threading.Thread(target=worker, args=("w%d" % k, 5 + k), name="worker-%d" % k)
    t.start()
    t.join()
print(sorted(results.items()))
print("EXIT-SUCCESS")
