"""An uncaught exception: traceback on stderr, exit status 1."""


def level3(x):
    return 10 / x


def level2(x):
    return level3(x - 1)


def level1():
    print("about to fail")
    return level2(1)


level1()
print("not reached")
