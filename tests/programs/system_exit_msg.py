"""sys.exit with a message: printed on stderr, exit status 1."""
import sys


def fail():
    raise SystemExit("fatal: giving up")


print("start")
try:
    sys.exit(0)
except SystemExit as e:
    print("caught exit", e.code)
fail()
