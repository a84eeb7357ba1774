"""A package run with -m (its __main__) by the tests."""
# tracerec-test: not-a-program
VALUE = 42
