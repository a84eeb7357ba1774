"""Threads running at the same time, and one left running when the main
code ends (Python joins it before exiting). The shared counter lives on a
class, whose attributes no recorded frame holds, so what each frame records
does not depend on the interleaving."""
import threading
import time


class Shared:
    lock = threading.Lock()
    count = 0
    main_done = threading.Event()


def add(n):
    for i in range(n):
        with Shared.lock:
            Shared.count += 1


def late():
    Shared.main_done.wait()
    time.sleep(0.01)
    print("late thread done")


def run_all():
    ts = [threading.Thread(target=add, args=(200,)) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return Shared.count


print(run_all())
threading.Thread(target=late, name="late").start()
print("main done", flush=True)
Shared.main_done.set()
