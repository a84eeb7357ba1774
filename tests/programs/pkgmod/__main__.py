# tracerec-test: not-a-program
import sys
from pkgmod import VALUE
from pkgmod.sub import triple
print(__name__, __package__, __spec__.name, sys.argv[1:], triple(VALUE))
