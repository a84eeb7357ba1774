# tracerec-test: special (t0201: threads started through _thread directly, each run to its end before its starter's next event)
"""Threads that _thread starts directly: the starter waits for each on the
same line, so no event of the starter comes between the start and the
thread's end; two are started by library code (map calling a
functools.partial), which has no line events. Each thread must be
recorded all the same."""
import _thread
import functools

results = []


def work(k, lock):
    total = 0
    for i in range(k):
        total += i
    results.append(total)
    lock.release()


def locked():
    lock = _thread.allocate_lock()
    lock.acquire()
    return lock


def start_and_wait(start, k):
    lock = locked()
    start(work, (k, lock)); lock.acquire()  # noqa: E702 (no event between)


for k in range(1, 4):
    start_and_wait(_thread.start_new_thread, k)
start_and_wait(_thread.start_new, 4)
locks = [locked(), locked()]
list(map(functools.partial(_thread.start_new_thread, work), [(5, locks[0]), (6, locks[1])]))
for lock in locks:
    lock.acquire()
print(results[:4], sorted(results[4:]))
