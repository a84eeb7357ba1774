"""Calls into the standard library, which calls back into the program;
a library generator that the program resumes (its locals are bound at each
resume) and a library closure that the program calls (contextmanager's
helper, whose cell holds the function): library code is recorded with its
parameters alone."""
import contextlib
import difflib
import functools
import json
import re


class Money:
    def __init__(self, cents):
        self.cents = cents


def encode(obj):
    return {"cents": obj.cents}


def shout(match):
    return match.group(0).upper()


text = json.dumps({"price": Money(250), "n": [1, 2]}, default=encode, sort_keys=True)
print(text)
print(re.sub(r"[aeiou]", shout, "recording"))
print(functools.reduce(lambda a, b: a * b, range(1, 6)))


@contextlib.contextmanager
def tagged(name):
    print("<%s>" % name)
    yield name.upper()
    print("</%s>" % name)


with tagged("diff") as tag:
    for line in difflib.unified_diff(["a", "b", "c"], ["a", "B", "c"], lineterm=""):
        print(tag, line)
print("EXIT-SUCCESS")
