"""`python -m tracerec run [options] (SCRIPT | -m MODULE | -c CODE | -) [ARGS...]`:
the same as `tracerec run`, for any Python tracerec was built for."""
import sys


def main(argv):
    if len(argv) >= 1 and argv[0] == "run":
        from tracerec import _runner
        _runner.run(argv[1:])
    elif len(argv) >= 1 and argv[0] in ("-h", "--help", "help"):
        sys.stdout.write("usage: python -m tracerec run [options] "
                         "(SCRIPT | -m MODULE | -c CODE | -) [ARGS...]\n"
                         "See 'python -m tracerec run --help'; the other "
                         "commands are in the 'tracerec' program.\n")
    else:
        sys.stderr.write("usage: python -m tracerec run [options] "
                         "(SCRIPT | -m MODULE | -c CODE | -) [ARGS...]\n")
        raise SystemExit(2)


main(sys.argv[1:])
