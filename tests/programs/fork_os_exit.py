"""Processes that end with os._exit(), which skips the atexit functions: a
multiprocessing child (multiprocessing ends its forked children so), a
child of os.fork(), and the program itself."""
# tracerec-test: special (t0220)
import multiprocessing
import os


def mp_work(n):
    return n * 2


def child_work(n):
    total = 0
    for i in range(n):
        total += i
    return total


if __name__ == "__main__":
    p = multiprocessing.get_context("fork").Process(target=mp_work, args=(5,))
    p.start()
    p.join()
    pid = os.fork()
    if pid == 0:
        print("child", child_work(10), flush=True)
        os._exit(3)
    _, status = os.waitpid(pid, 0)
    print("parent", p.exitcode, os.WEXITSTATUS(status), flush=True)
    os._exit(4)
