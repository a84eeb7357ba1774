"""Records a region of itself with tracerec.record()."""
# tracerec-test: special
import sys
import tracerec


def inside(n):
    return [i * i for i in range(n)]


def outside():
    return "outside"


outside()
with tracerec.record(sys.argv[1]):
    result = inside(4)
outside()
tracerec.start(sys.argv[2])
inside(2)
tracerec.stop()
print(result)
