"""Prints what a program can see of how it was started, as JSON, for the
run-like-python tests."""
# tracerec-test: special
import json
import sys

main = sys.modules["__main__"]
g = globals()
under, f = [], sys._getframe().f_back
while f is not None:
    under.append(f.f_code.co_name)
    f = f.f_back
print(json.dumps({
    "argv": sys.argv,
    "path0": sys.path[0],
    "name": __name__,
    "file": g.get("__file__"),
    "package": g.get("__package__"),
    "spec": None if g.get("__spec__") is None else g["__spec__"].name,
    "loader": type(g.get("__loader__")).__name__,
    "globals": sorted(g),
    "main_is_this": main.__dict__ is g,
    "mp_main": sys.modules.get("__mp_main__") is main,
    "builtins": g["__builtins__"] is __import__("builtins"),
    "stdin": sys.stdin.read(),
    "frames_under": under,
    "recorder_on_path": any("recorder" in p for p in sys.path),
    "pythonpath": __import__("os").environ.get("PYTHONPATH"),
}, sort_keys=True))
