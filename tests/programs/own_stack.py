"""The program's stack holds none of the frames of the tool that runs it:
what inspect, traceback, sys._getframe and warnings' stacklevel see at
module level and one call down must be what python shows."""
import inspect
import sys
import traceback
import warnings


def depth():
    return len(inspect.stack(0))


def show_stack():
    traceback.print_stack(file=sys.stdout)


def caller_of_caller():
    return sys._getframe(2).f_code.co_name


print("depth at module level:", len(inspect.stack(0)))
print("depth one call down:", depth())
show_stack()
print("two up from a call:", caller_of_caller.__name__, "->", (lambda: caller_of_caller())())
try:
    sys._getframe(1)
except ValueError as e:
    print("under <module>:", e)
print("f_back of <module>:", sys._getframe().f_back)
warnings.warn("reported as python reports it", stacklevel=2)
warnings.warn("and one level in", stacklevel=1)
