# tracerec-test: not-a-program
def triple(x):
    return 3 * x
