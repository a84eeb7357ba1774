"""Implicitly chained exceptions, uncaught at the end (exit 1)."""


def cleanup():
    raise OSError("cleanup failed")


def work():
    try:
        return {}["missing"]
    except KeyError:
        cleanup()


try:
    work()
except OSError as e:
    print("context:", type(e.__context__).__name__)
work()
