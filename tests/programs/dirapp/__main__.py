# tracerec-test: not-a-program (run as a directory: tracerec run dirapp)
import sys
print(sys.argv, sys.path[0].endswith("dirapp"), __name__, __spec__.name,
      __file__.endswith("__main__.py"))
