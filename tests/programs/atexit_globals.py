# tracerec-test: special (t0201: what __main__ holds when the atexit functions run, after each way a script can end)
import atexit
import sys


def at_exit():
    g = globals()
    print("at exit:", "__file__" in g, "__cached__" in g, __name__)


atexit.register(at_exit)
print("running:", "__file__" in globals(), "__cached__" in globals())
how = sys.argv[1] if len(sys.argv) > 1 else "end"
if how == "exit":
    sys.exit(3)
if how == "raise":
    raise ValueError("out")
