"""_cli: the command line of `tracerec run` (and `python -m tracerec run`).

Parsed by hand rather than with argparse because options must end at the
first non-option (the target's own options follow it, as with python,
coverage and cProfile), and because every mistake must be one line on stderr
starting with "tracerec run:" and exit status 2, where argparse prints a
usage block.
"""
import os
import sys

USAGE = """\
usage: tracerec run [options] [-o TRACE] (SCRIPT | -m MODULE | -c CODE | -) [ARGS...]

Run a Python program as `python` would, recording its whole execution.
SCRIPT may be a directory or zip file holding __main__.py; - reads the
program from stdin.

options:
  -o, --output TRACE  the trace to write (default: <script stem>.trace,
                      <module>.trace, tracerec.trace for -c or stdin.trace
                      for -, in the current directory)
  -q, --quiet         no summary line on stderr at the end, unless the
                      trace is incomplete
  --opcodes           also record opcode events
  --trace-all         record the standard library and site-packages in full
                      (by default: their calls and returns only)
  --include GLOB      record code files matching GLOB in full (repeatable)
  --exclude GLOB      do not record code files matching GLOB (repeatable)
  --redact PATTERN    also redact variables whose names match PATTERN
  --no-redact         redact nothing (default patterns: *password*, *passwd*,
                      *secret*, *token*, *api_key*, *apikey*, *authorization*,
                      *cookie*)
  --max-str N         characters kept of each string (default 256)
  --max-items N       items kept of each container (default 32)
  --max-depth N       nesting depth kept of each value (default 3)
  --repr              also capture repr() of objects (runs the program's __repr__)
  --backend NAME      auto, settrace or monitoring (3.12+)
  --time-resolution NS  timestamps are kept to NS nanoseconds, a power of two
                      up to 1048576 (default 64; 1 keeps every digit)
  --lz4hc             compress harder (slower to record, smaller trace)
  -h, --help          show this help

The main thread is recorded until the program's code ends (not Python's own
shutdown), the threads it leaves running to their end, then its atexit
functions. A forked child process records into <trace stem>-<pid>.trace
beside the trace.
"""

DEFAULT_REDACT = ("*password*", "*passwd*", "*secret*", "*token*",
                  "*api_key*", "*apikey*", "*authorization*", "*cookie*")


class UsageError(Exception):
    """A bad command line: printed as one line, exit status 2."""


class RunOptions:
    """What `tracerec run` was asked to do."""

    def __init__(self):
        self.output = None
        self.quiet = False
        self.mode = None          # "script", "module" or "code"
        self.target = None        # script path, module name or code text
        self.args = []            # the target's arguments after it
        self.recorder = {}        # keyword arguments for _tracerec.Recorder
        self.help = False


_VALUE_OPTS = {"-o": "output", "--output": "output", "--include": "include",
               "--exclude": "exclude", "--redact": "redact",
               "--max-str": "max_str", "--max-items": "max_items",
               "--max-depth": "max_depth", "--backend": "backend",
               "--time-resolution": "time_resolution",
               "-m": "module", "-c": "code"}
_FLAG_OPTS = {"-q": "quiet", "--quiet": "quiet", "--opcodes": "opcodes",
              "--trace-all": "trace_all", "--no-redact": "no_redact",
              "--repr": "repr", "--lz4hc": "lz4hc", "-h": "help",
              "--help": "help"}


def _split(argv, i):
    """The option at argv[i] as (name, inline value or None)."""
    a = argv[i]
    if a.startswith("--") and "=" in a:
        name, value = a.split("=", 1)
        return name, value
    if len(a) > 2 and a[0] == "-" and a[1] != "-" and a[:2] in _VALUE_OPTS:
        return a[:2], a[2:]
    return a, None


def _count(name, text, minimum):
    try:
        n = int(text, 10)
    except ValueError:
        raise UsageError("%s needs a number, not '%s'" % (name, text))
    if n < minimum:
        raise UsageError("%s must be at least %d" % (name, minimum))
    if n > 2**31 - 1:   # the recorder keeps the bounds in C ints
        raise UsageError("%s must be at most %d" % (name, 2**31 - 1))
    return n


def parse(argv):
    """Parse the arguments after `run`. Raises UsageError."""
    o = RunOptions()
    include, exclude, redact = [], [], list(DEFAULT_REDACT)
    rec = o.recorder
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        name, value = _split(argv, i)
        i += 1
        if name in _FLAG_OPTS:
            if value is not None:
                raise UsageError("%s takes no value" % name)
            what = _FLAG_OPTS[name]
            if what == "help":
                o.help = True
                return o
            if what == "quiet":
                o.quiet = True
            elif what == "no_redact":
                redact = []
            elif what == "repr":
                rec["capture_repr"] = True
            elif what == "lz4hc":
                rec["codec"] = "lz4hc"
            else:
                rec[what] = True
            continue
        if name not in _VALUE_OPTS:
            raise UsageError("unknown option '%s'; see 'tracerec run --help'" % name)
        if value is None:
            if i >= len(argv):
                raise UsageError("%s needs a value" % name)
            value = argv[i]
            i += 1
        what = _VALUE_OPTS[name]
        if what in ("module", "code"):
            o.mode, o.target = what, value
            o.args = argv[i:]
            break
        if what == "output":
            if not value:
                raise UsageError("-o needs a file name")
            o.output = value
        elif what == "include":
            include.append(value)
        elif what == "exclude":
            exclude.append(value)
        elif what == "redact":
            redact.append(value)
        elif what == "backend":
            rec["backend"] = value
        elif what == "time_resolution":
            n = _count(name, value, 1)
            if n & (n - 1) or n > 1 << 20:
                raise UsageError("%s must be a power of two from 1 to %d, not %d"
                                 % (name, 1 << 20, n))
            rec[what] = n
        else:
            rec[what] = _count(name, value, 1 if what != "max_depth" else 0)
    if o.mode is None:
        if i >= len(argv):
            raise UsageError("nothing to run: give a SCRIPT, -m MODULE or -c CODE")
        o.mode, o.target, o.args = "script", argv[i], argv[i + 1:]
    rec["include"] = tuple(include)
    rec["exclude"] = tuple(exclude)
    rec["redact"] = tuple(redact)
    if o.output is None:
        if o.mode == "script" and o.target == "-":
            stem = "stdin"
        elif o.mode == "script":
            stem = os.path.splitext(os.path.basename(o.target.rstrip("/")))[0]
        elif o.mode == "module":
            stem = o.target
        else:
            stem = "tracerec"
        o.output = (stem or "tracerec") + ".trace"
    return o


def fail(message, status=2):
    """Print one line as `tracerec run` and exit with status."""
    sys.stderr.write("tracerec run: %s\n" % message)
    sys.stderr.flush()
    raise SystemExit(status)
