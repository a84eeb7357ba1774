"""The program's code called back from the standard library's Python code:
a logging handler and filter (five library frames deep), a json
object_hook (through json's C scanner), a __copy__ (copy.py), a
contextmanager generator resumed by contextlib, and a key function
called by heapq.nsmallest (from its list comprehension up to 3.11). At each callback the program prints the
stack as Python itself reports it (traceback.extract_stack), so a
debugger's `where` there can be checked against it, library frames'
lines included."""
import contextlib
import copy
import heapq
import json
import logging
import sys
import traceback


def show(tag):
    # the caller's frame: this function's own line is not the point
    stack = traceback.extract_stack(sys._getframe(1))
    print("STACK", tag, [(f.filename, f.lineno, f.name) for f in stack])


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.seen = []

    def emit(self, record):
        show("emit")
        self.seen.append(record.getMessage())


class OddOnly(logging.Filter):
    def filter(self, record):
        show("filter")
        return record.args[0] % 2 == 1


def hook(d):
    show("hook")
    return sorted(d.items())


class Node:
    def __init__(self, name, kids):
        self.name = name
        self.kids = kids

    def __copy__(self):
        show("copy")
        return Node(self.name + "'", [copy.copy(k) for k in self.kids])


@contextlib.contextmanager
def opened(name):
    show("enter")
    yield name.upper()
    show("exit")


def by_length(word):
    show("key")
    return len(word)


class FixedClock:
    # a LogRecord holds the time it was made: the same in every run here,
    # so that two recordings of this program hold the same values
    @staticmethod
    def time():
        return 0.0

    @staticmethod
    def time_ns():
        return 0


def main():
    logging.time = FixedClock
    logging._startTime = 0
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    log = logging.getLogger("cb")
    log.propagate = False
    handler = Collect()
    handler.addFilter(OddOnly())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    for i in range(3):
        log.info("step %d", i)
    print(handler.seen)
    print(json.loads('{"b": {"c": 1}, "a": 2}', object_hook=hook))
    tree = copy.copy(Node("x", [Node("y", [])]))
    print(tree.name, tree.kids[0].name)
    with opened("file") as f:
        print(f)
    words = ["ccc", "a", "bb"]
    print(heapq.nsmallest(2, words, key=by_length))


main()
