# tracerec-test: special (t0201: frames that end while the program has switched tracing off, then tracing back on)
"""Frames that end while tracing is off leave no return event. Their code
is freed here (exec'd, then collected), and a function of the same shape
runs next, so its frame and code can take the freed ones' addresses:
the recorder must not take them for the frames it knew (doctest,
test.support.no_tracing and debuggers switch tracing off and back on)."""
import atexit
import gc
import sys

HERE = __file__   # python takes __file__ away before the atexit functions
SRC = '''
def {name}(mode, saved):
    a = 1
    z = (a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a)
    if mode == "stop":
        sys.settrace(None)
    else:
        if mode == "restore":
            sys.settrace(saved)
        probe("{name}")
    return a
'''


def probe(who):
    # the program's frames on the stack, as Python sees them
    f, n = sys._getframe(), 0
    while f is not None:
        n += f.f_code.co_filename in (HERE, "<generated>")
        f = f.f_back
    print(who, n)


def make(name):
    ns = {"sys": sys, "probe": probe}
    exec(compile(SRC.format(name=name), "<generated>", "exec"), ns)
    return ns[name]


saved = sys.gettrace()
for i in range(3):
    f = make("victim%d" % i)
    f("stop", None)
    del f
    gc.collect()
    make("restorer%d" % i)("restore", saved)

f = make("last_victim")
f("stop", None)
del f
gc.collect()
atexit.register(make("at_exit"), "plain", None)
