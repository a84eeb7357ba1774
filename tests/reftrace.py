"""reftrace: a reference recorder written with sys.settrace, the oracle of
the recorder's end-to-end tests (tests/t0210-run-reference.py).

    python tests/reftrace.py [--trace-all] -o OUT.json SCRIPT [ARGS...]

It runs SCRIPT through tracerec's own runner (same sys.argv, sys.path[0],
__main__, exception handling and shutdown order as `tracerec run`) but with
a plain Python trace function instead of the C recorder, and writes what it
observed as JSON: threads (in order of first event) with their events.

What it records follows the recorder's rules, written down independently:
- program code in full: call, line, return and exception events; standard
  library and site-packages (and frozen modules): call and return only;
  tracerec's package, runpy and this file: nothing.
- frame identity: a new one per activation; a generator or coroutine keeps
  one across resumes.
- values: at call every bound variable (library code: its parameters
  alone, the first argcount + kwonly + *args + **kwargs of co_varnames, at
  every call, a generator's resume too); at later events of the frame the
  variables whose value changed since the frame's previous event, and
  "<unbound>" for one bound before and unbound now. A change is: for deeply
  immutable builtins (None, bool, int, float, str, bytes, tuples of these)
  another object; for anything else a different encoding within the bounds
  (max_str 256, max_items 32, max_depth 3), where containers and objects
  carry their identity and objects their instance attributes. Variables
  whose names match the redaction patterns change only with their type.
- each value is written as repr() when it is "simple" (builtin scalars, and
  flat builtin containers of them, all well within the bounds), else null:
  the test compares the recorder's rendering only for simple values.
"""
import atexit
import os
import sys
import _thread
import threading

MAX_STR, MAX_ITEMS, MAX_DEPTH = 256, 32, 3
FROZEN_TUPLE_MAX, FROZEN_DEPTH_MAX = 1024, 4
REDACT = ("*password*", "*passwd*", "*secret*", "*token*", "*api_key*",
          "*apikey*", "*authorization*", "*cookie*")
FULL, CALLS, SKIP = 0, 1, 2
CO_OPTIMIZED = 0x1
GENERATOR_FLAGS = 0x20 | 0x80 | 0x200 | 0x100   # generator, coroutine,
                                                 # async gen, iterable coroutine
SCALARS = (type(None), bool, int, float, str, bytes)
MISSING = object()
# dis.opmap values, written out: importing a module the runner does not
# import would change the import events of the program being compared.
YIELD_VALUE, YIELD_FROM, RESUME = {
    (3, 9): (86, 72, None), (3, 10): (86, 72, None), (3, 11): (86, None, 151),
    (3, 12): (150, None, 151), (3, 13): (118, None, 149),
}[sys.version_info[:2]]


def glob_match(text, pat):
    """fnmatch's * and ? (the redaction patterns use nothing else)."""
    if not pat:
        return not text
    if pat[0] == "*":
        return any(glob_match(text[i:], pat[1:]) for i in range(len(text) + 1))
    return bool(text) and (pat[0] == "?" or pat[0] == text[0]) \
        and glob_match(text[1:], pat[1:])


def redacted_name(name):
    low = name.lower()
    return any(glob_match(low, p) for p in REDACT)


def is_frozen(v, depth=0):
    t = type(v)
    if v is None or t in (bool, int, float, str, bytes):
        return True
    if t is tuple and depth < FROZEN_DEPTH_MAX and len(v) <= FROZEN_TUPLE_MAX:
        return all(is_frozen(x, depth + 1) for x in v)
    return False


def type_key(t):
    return id(t)


def _generic_getattr(t):
    ga = t.__getattribute__
    # some builtins (deque; float before 3.10) name object's generic
    # getattr as their own slot
    owner = getattr(ga, "__objclass__", None)
    if ga is not object.__getattribute__ and not (
            type(ga) is type(object.__getattribute__)
            and owner not in (type, super, type(sys))
            and getattr(owner, "__module__", None) in ("builtins", "collections")):
        return False
    return not any("__getattr__" in k.__dict__ for k in t.__mro__)


TYPED_BASES = (dict, list, tuple, int, str, bytes)
KIN_BASES = (float, set, frozenset)


def named_class(t, module, name):
    """t's base class module.name, or None (by name: importing the module
    here would change the program's import events)."""
    for c in t.__mro__:
        if c.__module__ == module and c.__name__ == name:
            return c
    return None


def repr_owner(t):
    for c in t.__mro__:
        if "__repr__" in c.__dict__:
            return c
    return object


def typed_base(t):
    """The builtin a subclass's instances hold the content of (a deque's
    own type too), "enum" for a plain Enum member whose repr is enum's,
    or None."""
    if t is bool or issubclass(t, BaseException):
        return None
    for base in TYPED_BASES:
        if issubclass(t, base) and t is not base:
            return base
    for c in t.__mro__:
        if c in KIN_BASES:
            return c if t is not c else None
        if c is object:
            break
        if c.__module__ == "collections" and c.__name__ == "deque":
            return c
        if c.__module__ == "enum" and c.__name__ == "Enum":
            return "enum" if repr_owner(t).__module__ == "enum" else None
    return None


def instance_dict(v, t):
    if not _generic_getattr(t):
        return {}
    try:
        d = object.__getattribute__(v, "__dict__")
    except Exception:
        return {}
    return d if type(d) is dict else {}


def instance_fields(v, t, depth, path):
    """The fields of v's __dict__ (v on the path), read without getattr."""
    return tuple((k if type(k) is str else "?", named(k, x, depth + 1, path))
                 for k, x in list(dict.items(instance_dict(v, t)))[:MAX_ITEMS])


def enc_enum(v, t, depth, path):
    """A plain Enum member: an object; at the depth bound its _name_ and
    _value_ alone."""
    if depth < MAX_DEPTH:
        return enc_object(v, t, depth, path)
    d = instance_dict(v, t)
    # _name_ when a str, _value_ unless another member
    kept = [k for k in ("_name_", "_value_") if k in d and (
        type(d[k]) is str if k == "_name_" else typed_base(type(d[k])) != "enum")]
    return ("TE", id(v), type_key(t), len(d),
            tuple((k, named(k, d[k], depth + 1, path)) for k in kept))


def enc_typed(v, t, base, depth, path):
    """An instance of a subclass of a builtin: its content, read through
    the builtin's own methods, and its fields (a defaultdict's factory
    first, a deque's maxlen first)."""
    if base == "enum":
        return enc_enum(v, t, depth, path)
    if base in (int, str, bytes, float):
        exact = {int: int.__int__, str: str.__str__, float: float.__float__,
                 bytes: lambda b: bytes.__getitem__(b, slice(None))}[base](v)
        content = enc(exact, depth, path)
        if depth >= MAX_DEPTH:
            return ("T", type_key(t), content)
    else:
        for p in path:
            if p is v:
                return ("REF", id(v))
        if depth >= MAX_DEPTH:
            return ("TR", base.__name__, id(v), base.__len__(v))
        path.append(v)
        if base is dict:
            content = tuple((enc(k, depth + 1, path), named(k, x, depth + 1, path))
                            for k, x in list(dict.items(v))[:MAX_ITEMS])
        else:
            # a namedtuple's items are redacted by their field names
            names = getattr(t, "_fields", ()) if base is tuple else ()
            names = names if type(names) is tuple else ()
            content = tuple(named(names[i], x, depth + 1, path) if i < len(names)
                            else enc(x, depth + 1, path)
                            for i, x in enumerate(list(base.__iter__(v))[:MAX_ITEMS]))
        content = (id(v), base.__len__(v), content)
        path.pop()
    fields = ()
    path.append(v)
    if named_class(t, "collections", "defaultdict"):
        fields += (("default_factory", enc(v.default_factory, depth + 1, path)),)
    elif named_class(t, "collections", "deque"):
        fields += (("maxlen", enc(base.maxlen.__get__(v), depth + 1, path)),)
    fields += instance_fields(v, t, depth, path)
    path.pop()
    return ("T", type_key(t), content, fields[:MAX_ITEMS])


def enc(v, depth, path):
    """A hashable, user-code-free stand-in for the recorder's encoding."""
    t = type(v)
    if v is None:
        return ("N",)
    if t is bool:
        return ("B", bool(v))
    if t is int:
        return ("I", int(v))
    if t is float:
        return ("D", v.hex())
    if t is str:
        return ("S", str.__str__(v[:MAX_STR]), len(v))
    if t is bytes:
        return ("Y", bytes(v[:MAX_STR]), len(v))
    if t in (tuple, list, set, frozenset, dict) or isinstance(v, BaseException):
        for p in path:
            if p is v:
                return ("REF", id(v))
    if isinstance(v, BaseException):
        path.append(v)
        args = v.args if type(v.args) is tuple else ()
        out = ("X", id(v), type_key(t), id(args), len(args),
               tuple(enc(a, depth + 1, path) for a in args[:MAX_ITEMS]))
        path.pop()
        return out
    if t in (tuple, list, set, frozenset):
        if depth >= MAX_DEPTH:
            return ("TR", t.__name__, id(v), len(v))
        path.append(v)
        # list() copies in C, atomically: other threads may change v
        items = tuple(enc(x, depth + 1, path) for x in list(v)[:MAX_ITEMS])
        path.pop()
        return (t.__name__, id(v), len(v), items)
    if t is dict:
        if depth >= MAX_DEPTH:
            return ("TR", "dict", id(v), len(v))
        path.append(v)
        items = tuple((enc(k, depth + 1, path), named(k, x, depth + 1, path))
                      for k, x in list(dict.items(v))[:MAX_ITEMS])
        path.pop()
        return ("dict", id(v), len(v), items)
    base = typed_base(t)
    if base is not None:
        return enc_typed(v, t, base, depth, path)
    if t is complex:
        return ("P", "complex", v.real.hex(), v.imag.hex())
    if t is range:
        return ("P", "range", v.start, v.stop, v.step)
    if callable(v) and t.__name__ in ("function", "builtin_function_or_method",
                                       "method"):
        return ("P", t.__name__, id(getattr(v, "__self__", None)),
                getattr(v, "__name__", ""), id(v) if t.__name__ == "function" else 0)
    if isinstance(v, type) or t.__name__ == "module":
        return ("P", id(v))
    return enc_object(v, t, depth, path)


def enc_object(v, t, depth, path):
    """An object: identity, type and instance attributes."""
    for p in path:
        if p is v:
            return ("REF", id(v))
    if depth >= MAX_DEPTH:
        return ("TR", "object", id(v))
    path.append(v)
    fields = instance_fields(v, t, depth, path)
    path.pop()
    return ("O", id(v), type_key(t), fields)


def named(k, v, depth, path):
    if type(k) is str and redacted_name(k):
        return ("R", type_key(type(v)))
    return enc(v, depth, path)


# the standard library's dict subclasses whose repr runs no program code
# (with simple items and a default_factory of None or a builtin type)
SAFE_TYPED = {("collections", "Counter"), ("collections", "OrderedDict"),
              ("collections", "defaultdict")}


def simple(v, depth=0):
    """Whether repr(v) is safe and certainly within the recorder's bounds."""
    t = type(v)
    if t in SCALARS:
        return not (t in (str, bytes) and len(v) > MAX_STR // 2)
    if depth == 0 and (t.__module__, t.__qualname__) in SAFE_TYPED:
        f = getattr(v, "default_factory", None)
        if f is not None and not (type(f) is type and f.__module__ == "builtins"):
            return False
        return len(v) <= MAX_ITEMS // 2 and all(
            simple(k, 1) and simple(x, 1) and not (type(k) is str and redacted_name(k))
            for k, x in list(dict.items(v)))
    if depth == 0 and t in (tuple, list, set, frozenset):
        return len(v) <= MAX_ITEMS // 2 and all(simple(x, 1) for x in list(v))
    base = typed_base(t) if depth == 0 else None
    if base == "enum":
        # Flag combinations print as decomposed before 3.11
        d = instance_dict(v, t)
        return not named_class(t, "enum", "Flag") and len(d) <= MAX_ITEMS \
            and type(d.get("_name_")) is str and simple(d.get("_value_"), 1)
    if base is float:
        return t.__repr__ is float.__repr__
    if base in (set, frozenset) or (base is not None and base.__name__ == "deque"):
        # set_repr and deque_repr print the subclass's name: Name({...})
        return t.__repr__ is base.__repr__ and len(v) <= MAX_ITEMS // 2 \
            and all(simple(x, 1) for x in list(base.__iter__(v)))
    if depth == 0 and t is dict:
        return len(v) <= MAX_ITEMS // 2 and all(
            simple(k, 1) and simple(x, 1) and not (type(k) is str and redacted_name(k))
            for k, x in list(dict.items(v)))
    return False


def display(v):
    return repr(v) if simple(v) else None


class Shadow:
    """The values a frame's previous event saw: name -> (kind, thing)."""
    __slots__ = ("slots",)

    def __init__(self):
        self.slots = {}


class Tracer:
    def __init__(self, library, skip, trace_all):
        self.library = tuple(library)
        self.skip = tuple(skip)
        self.trace_all = trace_all
        self.decisions = {}
        self.live = {}             # id(frame) -> (fid, shadow): running frames
                                   # and suspended generators
        self.co_code = {}          # code -> its bytecode
        self.next_fid = 1
        self.stacks = {}           # thread key -> [(fid, library frame or None), ...]
        self.threads = {}          # thread key -> [events]
        self.order = []            # thread keys in order of first event
        self.thread_names = {}     # thread key -> name (not the Thread:
                                   # holding it would change when it dies)
        self.tls = threading.local()   # a thread's key: idents get reused
        self.lock = threading.RLock()   # C-level: safe inside the trace function
        self.error = None

    def decide(self, code):
        d = self.decisions.get(code)
        if d is None:
            fn = code.co_filename
            if fn.startswith(self.skip):
                d = SKIP
            elif fn.startswith(self.library) and not self.trace_all:
                d = CALLS
            else:
                d = FULL
            self.decisions[code] = d
        return d

    def names(self, code):
        if code.co_flags & CO_OPTIMIZED:
            out = list(code.co_varnames)
            out += [n for n in code.co_cellvars if n not in out]
            out += [n for n in code.co_freevars if n not in out]
            return out
        return list(code.co_names)

    def values(self, frame, params_only=False):
        code = frame.f_code
        if params_only:
            count = code.co_argcount + code.co_kwonlyargcount \
                + bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)
            params = code.co_varnames[:count] if code.co_flags & CO_OPTIMIZED else ()
            for n in params:
                yield n, frame.f_locals.get(n, MISSING)
            return
        if code.co_flags & CO_OPTIMIZED:
            ns = frame.f_locals
        elif code.co_name == "<module>":
            ns = frame.f_globals
        else:
            ns = frame.f_locals
        for n in self.names(code):
            try:
                v = ns[n] if n in ns else MISSING
            except Exception:
                v = MISSING
            yield n, v

    def diff(self, frame, shadow, full, params_only=False):
        """(changed, simple): the changed variables with their text (None
        when not simple), and the names of every variable whose value is
        simple now, changed or not."""
        out, simple_now = {}, []
        if full:
            shadow.slots.clear()
        for n, v in self.values(frame, params_only):
            old = shadow.slots.get(n)
            if v is MISSING:
                if old is not None:
                    del shadow.slots[n]
                    out[n] = "<unbound>"
                continue
            red = redacted_name(n)
            if not red and simple(v):
                simple_now.append(n)
            if not red and is_frozen(v):
                if old is not None and old[0] == "H" and old[1] is v:
                    continue
                new = ("H", v)
            else:
                new = ("R", type_key(type(v))) if red else ("E", enc(v, 0, []))
                if old is not None and old[0] != "H" and old == new:
                    continue
            shadow.slots[n] = new
            out[n] = "<redacted>" if red else display(v)
        return out, simple_now

    def thread_key(self):
        key = getattr(self.tls, "key", None)
        if key is None:
            with self.lock:
                key = self.tls.key = len(self.order) + 1
                self.order.append(key)
                self.threads[key] = []
        if key not in self.thread_names:
            # registered by threading once the thread runs: a plain lookup,
            # as current_thread() would make a dummy thread this early
            t = threading._active.get(threading.get_ident())
            if t is not None:
                self.thread_names[key] = t.name
        return key

    def emit(self, frame, kind, fid, depth, diff, extra=None):
        """Append one event to its thread's list (callers hold self.lock)."""
        values, simple_now = diff
        key = self.thread_key()
        code = frame.f_code
        ev = {"kind": kind, "file": code.co_filename, "name": code.co_name,
              "qualname": getattr(code, "co_qualname", code.co_name),
              "line": frame.f_lineno, "depth": depth, "frame": fid,
              "vars": values, "simple": simple_now,
              # bdb's GENERATOR_AND_COROUTINE_FLAGS: how pdb steps in it
              "gen": bool(code.co_flags & (0x20 | 0x80 | 0x200))}
        if extra:
            ev.update(extra)
        self.threads[key].append(ev)

    def _opcode_at(self, code, offset):
        b = self.co_code.get(code)
        if b is None:
            b = self.co_code[code] = code.co_code
        return b[offset] if 0 <= offset < len(b) else -1

    def suspended(self, frame, at_call):
        """Whether a generator-like frame is suspended at a yield (or
        awaiting a subgenerator), rather than not started or finished. The
        bytecode differs: up to 3.10 a fresh frame has f_lasti -1 and a
        suspended one points at YIELD_VALUE (or before YIELD_FROM); from
        3.11 it points at YIELD_VALUE or the RESUME just after it."""
        i = frame.f_lasti
        if i < 0:
            return False
        code = frame.f_code
        if YIELD_FROM is not None:
            return at_call or self._opcode_at(code, i) == YIELD_VALUE \
                or self._opcode_at(code, i + 2) == YIELD_FROM
        op = self._opcode_at(code, i)
        return op == YIELD_VALUE or (op == RESUME and
                                     self._opcode_at(code, i - 2) == YIELD_VALUE)

    def activation(self, frame):
        """(fid, shadow) of frame at a call event: a new activation, or a
        suspended generator's own. Frames are not held (that would keep
        their locals alive and change when the program's objects die)."""
        key = id(frame)
        if frame.f_code.co_flags & GENERATOR_FLAGS and self.suspended(frame, True):
            got = self.live.get(key)
            if got is not None:
                return got
        entry = (self.next_fid, Shadow())
        self.next_fid += 1
        self.live[key] = entry
        return entry

    def lookup(self, frame):
        return self.live.get(id(frame))

    def guarded(self, fn, frame, event, arg):
        """Run one trace step; a failure is kept (and reported in the output)
        rather than raised into the program, which would end tracing."""
        try:
            with self.lock:
                return fn(frame, event, arg)
        except Exception as e:
            if self.error is None:
                self.error = "%s at %s event of %s: %r" % (
                    type(e).__name__, event, frame.f_code.co_name, e)
            return None

    def global_trace(self, frame, event, arg):
        return self.guarded(self._global, frame, event, arg)

    def full_trace(self, frame, event, arg):
        self.guarded(self._full, frame, event, arg)
        return self.full_trace

    def library_trace(self, frame, event, arg):
        if event == "return":
            self.guarded(self._library_return, frame, event, arg)
        return self.library_trace

    def _library_return(self, frame, event, arg):
        self._return(frame, arg, ({}, []), lib=True)

    def _global(self, frame, event, arg):
        if event != "call":
            return None
        d = self.decide(frame.f_code)
        if d == SKIP:
            return None
        fid, shadow = self.activation(frame)
        stack = self.stacks.setdefault(self.thread_key(), [])
        extra = {"lib": True} if d == CALLS else {}
        # a library frame has no line events: the line it calls from, as
        # Python reports it for a frame traced without lines
        if stack and stack[-1][1] is not None:
            extra["caller_line"] = stack[-1][1].f_lineno
        # library frames are held while they run, to read that line
        stack.append((fid, frame if d == CALLS else None))
        values = self.diff(frame, shadow, True, d == CALLS)
        self.emit(frame, "call", fid, len(stack), values, extra)
        if d == CALLS:
            frame.f_trace_lines = False
            return self.library_trace
        return self.full_trace

    def _return(self, frame, arg, values, lib=False):
        stack = self.stacks.get(self.thread_key(), [])
        got = self.lookup(frame)
        fid = got[0] if got else 0
        extra = {"ret": display(arg)}
        if lib:
            extra["lib"] = True
        self.emit(frame, "return", fid, len(stack), values, extra)
        if stack:
            stack.pop()
        if not (frame.f_code.co_flags & GENERATOR_FLAGS and self.suspended(frame, False)):
            self.live.pop(id(frame), None)

    def _full(self, frame, event, arg):
        got = self.lookup(frame)
        if got is None:
            return
        fid, shadow = got
        stack = self.stacks.get(self.thread_key(), [])
        if event == "line":
            self.emit(frame, "line", fid, len(stack), self.diff(frame, shadow, False))
        elif event == "return":
            self._return(frame, arg, self.diff(frame, shadow, False))
        elif event == "exception":
            self.emit(frame, "exception", fid, len(stack),
                      self.diff(frame, shadow, False),
                      {"exc": type(arg[1]).__name__ if arg[1] is not None
                       else getattr(arg[0], "__name__", "?")})


class _ReferenceSession:
    """Stands in for tracerec's Session in the runner: the same life, a
    Python trace function instead of the recorder."""

    def __init__(self, tracer, out):
        self.tracer, self.out = tracer, out
        self.closed = False

    def start(self):
        threading.settrace(self.tracer.global_trace)
        sys.settrace(self.tracer.global_trace)
        # threads started by _thread itself, which threading.settrace does
        # not reach, are traced from their first frame
        self.raw_start = _thread.start_new_thread
        trace = self.tracer.global_trace

        def start_new_thread(function, args, kwargs=None):
            def boot(*a, **k):
                sys.settrace(trace)
                return function(*a, **k)
            return self.raw_start(boot, args, kwargs or {})
        _thread.start_new_thread = start_new_thread

    def stop(self):
        sys.settrace(None)
        threading.settrace(None)
        _thread.start_new_thread = self.raw_start

    def pause_thread(self):
        sys.settrace(None)

    def resume_thread(self):
        if not self.closed:
            sys.settrace(self.tracer.global_trace)

    def close(self, exit_status=0, signal=0):
        if self.closed:
            return
        self.closed = True
        self.stop()
        t = self.tracer
        names = t.thread_names
        doc = {"exit_status": exit_status, "signal": signal, "error": t.error,
               "threads": [{"name": names.get(k, ""), "events": t.threads[k]}
                           for k in t.order]}
        import json     # only now: the program may import it itself
        with open(self.out, "w") as f:
            json.dump(doc, f)


def main(argv):
    from tracerec import _cli, _runner
    trace_all = False
    out = None
    while argv and argv[0].startswith("-"):
        if argv[0] == "--trace-all":
            trace_all = True
            argv = argv[1:]
        elif argv[0] == "-o":
            out, argv = os.path.abspath(argv[1]), argv[2:]
        else:
            break
    if out is None or not argv:
        sys.stderr.write(__doc__)
        raise SystemExit(2)
    opts = _cli.parse(["-q", "--"] + argv)
    target = _runner._Target(opts)
    me = os.path.abspath(__file__)
    skip = _runner.skip_paths() + (__file__, me, os.path.realpath(me))
    tracer = Tracer(_runner.library_paths(), skip, trace_all)
    target.install()
    session = _ReferenceSession(tracer, out)
    outcome = _runner._Outcome()
    atexit.register(lambda: session.close(outcome.exit_status, int(outcome.signal)))
    _runner._execute(target, session, outcome)


if __name__ == "__main__":
    main(sys.argv[1:])


# ---- helpers for the tests (tests/t02*) ----

def env_for_tests(**extra):
    """The environment of a recorded or reference run: fixed hash seed so
    that set and dict orders of str are the same in both runs."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env.update(extra)
    return env


def programs_dir():
    return os.path.join(os.environ.get("TREC_SRCDIR", "."), "tests", "programs")


def corpus():
    """The corpus programs compared in full (not the special ones)."""
    d = programs_dir()
    out = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(d, name), encoding="utf-8") as f:
            head = f.read(400)
        if "tracerec-test:" not in head:
            out.append(name)
    return out


def _committed(trace, sql):
    """The one value sql selects from what a trace has committed so far,
    read with SQLite directly (cheap while the trace is still being
    written); 0 while there is nothing to read."""
    import sqlite3
    try:
        db = sqlite3.connect("file:%s?mode=ro" % trace, uri=True)
        try:
            return db.execute(sql).fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def kill_9_when_committed(p, trace, sql):
    """Kill -9 the recording p (a Popen with stdout piped) once it has
    printed its first line and sql over the committed part of its trace
    gives a true value. Chunks are committed at least every half second:
    it waits (however slow the machine) up to 50 s. Returns that first line
    and whether p was still running at the kill."""
    import signal
    import time
    try:
        first = p.stdout.readline().strip()
        deadline = time.time() + 50
        while not _committed(trace, sql) and time.time() < deadline:
            time.sleep(0.2)
        running = p.poll() is None
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
    return first, running


def dump(trace):
    """trec-dump's output as {header, threads, codes, events (by seq)}."""
    import json
    import subprocess
    exe = os.path.join(os.environ["TREC_BUILDDIR"], "tests", "helper", "trec-dump")
    p = subprocess.run([exe, trace], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        raise AssertionError("trec-dump failed: " + p.stderr)
    d = {"threads": {}, "codes": {}, "events": []}
    for line in p.stdout.splitlines():
        o = json.loads(line)
        t = o.pop("type")
        if t == "header":
            d["header"] = o
        elif t == "thread":
            d["threads"][o["id"]] = o
        elif t == "code":
            d["codes"][o["id"]] = o
        else:
            d["events"].append(o)
    d["events"].sort(key=lambda e: e["seq"])
    return d


def prune_library_internals(events, is_lib):
    """Drop the events of library frames called by library frames. What
    the standard library does inside a call from the program can depend on
    timing (Thread.start() waits on an Event only if the thread has not set
    it yet); the calls the program makes, and the program code that library
    code calls back, are kept."""
    out, stack = [], []          # stack: (is library, dropped) per frame
    for e in events:
        if e["kind"] == "call":
            lib = is_lib(e)
            parent_lib = stack[-1][0] if stack else False
            stack.append((lib, lib and parent_lib))
            if not stack[-1][1]:
                out.append(e)
        elif e["kind"] == "return":
            dropped = stack.pop()[1] if stack else False
            if not dropped:
                out.append(e)
        elif not (stack and stack[-1][1]):
            out.append(e)
    return out


def _renumber(events):
    ids = {}
    for e in events:
        e["frame"] = ids.setdefault(e["frame"], len(ids) + 1)
    return events


def by_name(threads):
    """Threads in the order of their names, threads of one name in the order
    they first ran: which of several threads started together runs first is
    the OS scheduler's choice, and differs between two runs of a program."""
    return sorted(threads, key=lambda t: t["name"])


def normalize_dump(d):
    """The recorded trace in the reference's shape: [{name, events}]."""
    per_thread, order = {}, []
    for e in d["events"]:
        c = d["codes"].get(e["code"], {})
        vars_, extra = {}, {}
        for v in e.get("vars", []):
            if v["kind"] == "var":
                vars_[v["name"]] = v["value"]
            elif v["kind"] == "return":
                extra["ret"] = v["value"]
            else:
                extra["exc"] = v["value"].split("(")[0].rsplit(".", 1)[-1]
        ev = {"kind": e["kind"], "file": c.get("file"), "name": c.get("name"),
              "qualname": c.get("qualname"), "line": e["line"],
              "depth": e["depth"], "frame": e["frame"], "vars": vars_}
        if "caller_line" in e:
            ev["caller_line"] = e["caller_line"]
        ev.update(extra)
        if e["thread"] not in per_thread:
            per_thread[e["thread"]] = []
            order.append(e["thread"])
        per_thread[e["thread"]].append(ev)
    from tracerec import _runner
    lib_prefixes = _runner.library_paths()

    def is_lib(e):
        return (e["file"] or "").startswith(lib_prefixes)
    return [{"name": d["threads"].get(t, {}).get("name", ""),
             "events": _renumber(prune_library_internals(per_thread[t], is_lib))}
            for t in order]


def normalize_ref(doc):
    if doc.get("error"):
        raise AssertionError("the reference recorder failed: " + doc["error"])
    def is_lib(e):
        return bool(e.get("lib"))
    return [{"name": t["name"],
             "events": _renumber(prune_library_internals(t["events"], is_lib))}
            for t in doc["threads"]]


def comparable(ref_ev, rec_ev, with_qualname):
    """The two events reduced to what both must agree on: kind, code, line,
    depth, frame, the line a library caller is at; the changed variables the reference can judge (simple
    values), with their text; the return value when simple; the exception
    type."""
    def base(e):
        return (e["kind"], e["file"], e["qualname"] if with_qualname else e["name"],
                e["line"], e["depth"], e["frame"], e.get("caller_line", 0))
    if ref_ev.get("lib") or (ref_ev["file"] or "").startswith("<"):
        # library code, and code the library made with exec/eval (such as
        # namedtuple's __new__, file "<string>"): values such as thread
        # idents, times or file descriptors (the recorder has the trace
        # open) differ from run to run; only events and names are compared
        a = base(ref_ev) + (sorted(ref_ev["vars"]),)
        return a, base(rec_ev) + (sorted(rec_ev["vars"]),)
    judged = {n: v for n, v in ref_ev["vars"].items() if v is not None}
    a = base(ref_ev) + (judged, ref_ev.get("ret"), ref_ev.get("exc"))
    # a simple variable the reference saw unchanged must not be recorded
    keys = set(judged) | set(ref_ev.get("simple", ()))
    rec_vars = {n: v for n, v in rec_ev["vars"].items() if n in keys}
    if ref_ev["kind"] == "call":
        # every bound variable, judged or not, must be there at a call
        missing = set(ref_ev["vars"]) ^ set(rec_ev["vars"])
        if missing:
            rec_vars["<names differ>"] = sorted(missing)
    ret = rec_ev.get("ret") if ref_ev.get("ret") is not None else None
    b = base(rec_ev) + (rec_vars, ret, rec_ev.get("exc"))
    return a, b
