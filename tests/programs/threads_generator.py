"""A generator started in the main thread, resumed from a worker thread,
then from the main thread again: one frame whose activations run in two
threads (SQL's frame= must not narrow its events to one of them)."""
import threading


def gen():
    x = 0
    while True:
        x += 1
        got = yield x
        x += got


g = gen()
next(g)


def worker():
    for i in range(3):
        g.send(i)


t = threading.Thread(target=worker, name="worker")
t.start()
t.join()
for i in range(2):
    print(g.send(10 + i))
