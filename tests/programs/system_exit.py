"""sys.exit with a number inside a function: exit status 3."""
import sys


def finish(code):
    print("finishing with", code)
    sys.exit(code)


finish(3)
