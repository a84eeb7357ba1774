"""Re-raising: bare raise, raise from, and raise of a new exception."""


def inner():
    raise KeyError("k")


def middle():
    try:
        inner()
    except KeyError:
        print("middle saw it")
        raise


def outer():
    try:
        middle()
    except KeyError as e:
        raise RuntimeError("wrapped") from e


try:
    outer()
except RuntimeError as e:
    print(type(e).__name__, e, type(e.__cause__).__name__)
print("EXIT-SUCCESS")
