"""Changes a str in place behind CPython's back (ctypes): its cached hash,
all a fingerprint reads of it, stays. Under TRACEREC_FPCHECK=1 the
recording stops at main()'s next event (t0246, t0220)."""
# tracerec-test: special
import ctypes
import sys


def main():
    s = "".join(["ab", "cd"])
    hash(s)
    holder = [s]
    head = sys.getsizeof(s) - len(s) - 1
    ctypes.memmove(id(s) + head, b"X", 1)
    print(holder[0])
    print("after")


main()
