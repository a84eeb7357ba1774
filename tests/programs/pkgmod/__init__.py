"""A package run with -m (its __main__) by the tests."""
# tracerec-test: not-a-program
import sys
print("package", __name__, "sees argv", sys.argv)
VALUE = 42
