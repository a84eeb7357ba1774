"""A module imported by imports_local.py (not a corpus program itself)."""
# tracerec-test: not-a-program
GREETING = "hi"


def double(x):
    return x * 2
