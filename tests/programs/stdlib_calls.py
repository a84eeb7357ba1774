"""Calls into the standard library, which calls back into the program."""
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
print("EXIT-SUCCESS")
