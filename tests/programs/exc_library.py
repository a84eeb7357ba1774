"""An uncaught exception raised inside the standard library (json) from the
program's own code: the traceback's innermost frames are json's, which are
recorded as calls and returns only."""
import json


def load(text):
    data = json.loads(text)
    return data


def main():
    print(load('{"ok": 1}'))
    print(load('{"broken": '))


main()
