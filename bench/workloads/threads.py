"""A threaded program: a pool of worker threads fed by a queue, each
hashing and summing its items, with a lock-protected shared total. The
result does not depend on the scheduling."""
import hashlib
import queue
import threading
from _scale import scaled

N_THREADS = 4
lock = threading.Lock()
total = [0]


def work(item):
    h = 0
    for k in range(40):
        h = (h * 31 + item + k) & 0xFFFFFFFF
    return h ^ int(hashlib.md5(str(item).encode()).hexdigest()[:6], 16)


def worker(q):
    local = 0
    while True:
        item = q.get()
        if item is None:
            break
        local = (local + work(item)) % 1000000007
    with lock:
        total[0] = (total[0] + local) % 1000000007


q = queue.Queue()
threads = [threading.Thread(target=worker, args=(q,)) for _ in range(N_THREADS)]
for t in threads:
    t.start()
for i in range(scaled(45000)):
    q.put(i)
for _ in threads:
    q.put(None)
for t in threads:
    t.join()
print(total[0])
