"""OSErrors, caught and uncaught: str() of one made of (errno, strerror) is
"[Errno N] strerror", which is how a traceback ends."""
import errno
import os


def connect(port):
    raise ConnectionRefusedError(errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED))


def main():
    try:
        os.rmdir("/nonexistent-tracerec-dir")
    except FileNotFoundError as e:
        print("caught", type(e).__name__, e.errno == errno.ENOENT)
    connect(8080)


main()
