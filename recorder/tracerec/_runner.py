"""_runner: run a program under the recorder exactly as `python` would run it.

The target sees what `python SCRIPT ARGS` (or -m, -c, -, a directory or
zip file) shows it: sys.argv, sys.path[0], a fresh __main__ (also
__mp_main__) with the same globals, code compiled without tracerec's
__future__ flags, untouched standard streams, no frame of ours under its
own (_tracerec.call_as_main), and its own traceback on an uncaught
exception. tracerec's exit
status is the program's, including death by SIGINT or SIGTERM. The model is
coverage.py's PyRunner; `tracerec run --help` has the user-facing rules.

tracerec imports as little as it can (no json, socket, signal, sysconfig):
a module it imports is one the program's own `import` finds loaded, and
those import events would be missing from the trace.

The main thread is recorded until the program's own code is over: its
module returned, or SystemExit or an exception left it. What Python then
does on its behalf is not recorded in it: threading._shutdown (which joins
the non-daemon threads), the default printing of a traceback. The other
threads are recorded up to the end, the program's atexit functions (which
run after _shutdown) in the main thread again, and the trace is closed by an
atexit function registered before the program starts, so it runs last.
"""
import _signal
import atexit
import os
import sys

from tracerec import _cli
from tracerec import _session

_RECORDER_DIR = os.path.dirname(os.path.abspath(__file__))


def _own_dirs():
    """tracerec's package directory as every spelling of it that can reach a
    code object's co_filename: as imported (python normalizes PYTHONPATH
    entries), resolved, and as the `tracerec` binary named the runner script
    (the path as given, "a/../b" kept). Taken while __main__ is still ours."""
    dirs = {os.path.dirname(__file__), _RECORDER_DIR, os.path.realpath(_RECORDER_DIR)}
    script = getattr(sys.modules.get("__main__"), "__file__", None)
    if script and os.path.realpath(os.path.dirname(script)) == os.path.realpath(_RECORDER_DIR):
        dirs.add(os.path.dirname(script))
    return dirs


_OWN_DIRS = _own_dirs()


def library_paths():
    """Path prefixes of the standard library and site-packages (calls and
    returns only unless --trace-all), and of frozen modules."""
    import site
    paths = {os.path.dirname(os.__file__)}
    try:
        paths.update(site.getsitepackages())
    except AttributeError:
        pass
    user = getattr(site, "USER_SITE", None)
    if user:
        paths.add(user)
    out = set()
    for p in paths:
        for q in (p, os.path.realpath(p)):
            out.add(q.rstrip(os.sep) + os.sep)
    out.add("<frozen ")
    return tuple(sorted(out))


def skip_paths():
    """Code never recorded: tracerec's own package and runpy, which runs it
    for `python -m tracerec`."""
    rp = os.path.join(os.path.dirname(os.__file__), "runpy.py")
    out = {d + os.sep for d in _OWN_DIRS}
    out.update(("<frozen runpy>", rp, os.path.realpath(rp)))
    return tuple(sorted(out))


def _restore_environment():
    """Undo what the `tracerec` binary added so the program sees the
    environment and sys.path it would see under plain python."""
    added = os.environ.pop("_TRACEREC_ADDED_PATH", None)
    old = os.environ.pop("_TRACEREC_OLD_PYTHONPATH", None)
    if added is None:
        return
    if old is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old
    kept = set(old.split(os.pathsep)) if old else set()
    for entry in added.split(os.pathsep):
        if entry in kept:
            continue          # python would have it anyway (site dedups)
        for i, p in enumerate(sys.path):
            if p == entry or (p and os.path.abspath(p) == os.path.abspath(entry)):
                del sys.path[i]
                break


class _NoModule(Exception):
    """runpy's lookup failed before any of the program's code ran."""


def _safe_path():
    """-P or PYTHONSAFEPATH (3.11+): python puts no directory of the
    program's first on sys.path, only a directory or zip file it runs."""
    return bool(getattr(sys.flags, "safe_path", False))


def _importer_for(path):
    """What python's main asks of SCRIPT first (Modules/main.c,
    pymain_get_importer): whether a path hook takes it as a sys.path entry,
    as the directory hook takes a directory and zipimport a zip file. Such a
    path is run as the entry holding __main__."""
    for hook in sys.path_hooks:
        try:
            return hook(path)
        except ImportError:
            continue
    return None


class _Target:
    """The program: how to run it, its __main__ module, its argv and the
    directory python puts first on sys.path (set here, before anything of
    the program is looked up).

    A script file, -c and stdin are compiled here and run with exec();
    -m, a directory and a zip file go through runpy._run_module_as_main, as
    python runs them, so that the program's stack and tracebacks show the
    same runpy frames. For -m that lookup imports the module's packages,
    whose code is the program's: it runs once recording is on, with
    sys.argv[0] "-m" as python has it then; only a top-level name that
    cannot be found (nothing of the program runs) is refused before."""

    def __init__(self, opts):
        self.file_set = False
        self.source_name = None
        self.source_text = None
        self.main = type(sys)("__main__")
        g = self.main.__dict__
        import builtins
        g["__builtins__"] = builtins
        if opts.mode == "script" and opts.target == "-":
            self._stdin(opts)
        elif opts.mode == "script" and _importer_for(opts.target) is not None:
            self._main_from_entry(opts)
        elif opts.mode == "script":
            self._script(opts)
        elif opts.mode == "module":
            self._module(opts)
        else:
            self._code(opts)

    def _path0(self, path0, always=False):
        """Put path0 first on sys.path where the runner's own entry is, as
        python puts the program's; under -P only a DIR or ZIP (always)."""
        if not _safe_path():
            sys.path[0:1] = [path0]
        elif always:
            sys.path.insert(0, path0)

    def _script(self, opts):
        path = opts.target
        try:
            with open(path, "rb") as f:
                source = f.read()
        except OSError as e:
            _cli.fail("can't open file '%s': [Errno %d] %s"
                      % (path, e.errno or 0, e.strerror or e), 2)
        # python's own rule (Python/pathconfig.c _Py_abspath): the cwd
        # joined to the path as given, never normalized, so that __file__
        # and tracebacks show "a/../b.py" exactly as python would
        absolute = path if os.path.isabs(path) else os.path.join(os.getcwd(), path)
        code = self._compile(source, absolute)
        # what python itself uses, without importing importlib.machinery
        SourceFileLoader = sys.modules["_frozen_importlib_external"].SourceFileLoader
        self._exec_file(code, absolute, SourceFileLoader("__main__", absolute))
        self.argv = [path] + list(opts.args)
        self._path0(os.path.dirname(os.path.realpath(absolute)))

    def _stdin(self, opts):
        """`python -`: the program is all of stdin, named <stdin>, with
        __main__'s loader left as it is (Python/pythonrun.c)."""
        if sys.stdin is None or sys.stdin.isatty():
            _cli.fail("'-' reads the program from stdin, which is a terminal: "
                      "the interactive interpreter cannot be recorded", 2)
        source = sys.stdin.buffer.read()
        self.source_name = "<stdin>"
        self.source_text = source.decode("utf-8", "surrogateescape")
        code = self._compile(source, "<stdin>")
        self._exec_file(code, "<stdin>",
                        sys.modules["_frozen_importlib"].BuiltinImporter)
        self.argv = ["-"] + list(opts.args)
        self._path0("")

    def _exec_file(self, code, name, loader):
        """A file python runs with PyRun_SimpleFile: __file__ is set for the
        run and taken back after (script_over)."""
        g = self.main.__dict__
        g.update(__file__=name, __cached__=None, __doc__=None,
                 __loader__=loader, __package__=None, __spec__=None,
                 __annotations__={})
        self.file_set = True
        self.call = (exec, code, g)

    def _main_from_entry(self, opts):
        """`python DIR` or `python ZIP`: it goes first on sys.path, -P or
        not, and its __main__ runs as the module __main__."""
        import runpy
        entry = os.path.abspath(opts.target)
        self._path0(entry, always=True)
        try:
            runpy._get_main_module_details(_NoModule)
        except (_NoModule, ImportError) as e:
            _cli.fail(str(e), 1)
        except SyntaxError as e:
            _compile_error(e)
        self._main_globals()
        self.call = (runpy._run_module_as_main, "__main__", False)
        self.argv = [opts.target] + list(opts.args)

    def _module(self, opts):
        import runpy
        import importlib.util
        name = opts.target
        self._path0(os.getcwd())
        try:
            found = importlib.util.find_spec(name.partition(".")[0]) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            # the lookup runs nothing of the program: python's message, now
            try:
                runpy._get_module_details(name, _NoModule)
            except (_NoModule, ImportError, ValueError) as e:
                _cli.fail(str(e) or "No module named %s" % name, 1)
        self._main_globals()
        self.call = (runpy._run_module_as_main, name, True)
        self.argv = ["-m"] + list(opts.args)

    def _main_globals(self):
        """What python's __main__ holds before runpy sets the rest."""
        g = self.main.__dict__
        g.update(__doc__=None, __package__=None, __spec__=None,
                 __loader__=sys.modules["_frozen_importlib"].BuiltinImporter,
                 __annotations__={})

    def _code(self, opts):
        self.source_name, self.source_text = "<string>", opts.target
        code = self._compile(opts.target, "<string>")
        self._main_globals()
        self.call = (exec, code, self.main.__dict__)
        self.argv = ["-c"] + list(opts.args)
        self._path0("")

    def script_over(self):
        """python takes __file__ and __cached__ back from __main__ when a
        file's code is over (a script or stdin), unless SystemExit ended it
        (which exits at once): its atexit functions see them gone
        (Python/pythonrun.c _PyRun_SimpleFileObject). A directory, -m and -c
        keep theirs."""
        if self.file_set:
            g = self.main.__dict__
            g.pop("__file__", None)
            g.pop("__cached__", None)

    def _compile(self, source, filename):
        try:
            return compile(source, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as e:
            _compile_error(e)

    def install(self):
        sys.argv = self.argv
        sys.modules["__main__"] = self.main
        sys.modules["__mp_main__"] = self.main


class _Outcome:
    """How the program ended, for the trace's closing metadata."""
    exit_status = 0
    signal = 0


def _system_exit_status(code):
    """The status the process ends with (Python/pythonrun.c): an int goes
    through a C long to exit(), which keeps its low 8 bits; one too big for
    a long is -1 to Python, so 255."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xff if -2**63 <= code < 2**63 else 255
    return 1


def _strip_traceback(tb):
    """The traceback from the program's first frame on: drop ours."""
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_RECORDER_DIR):
        tb = tb.tb_next
    return tb


def _program_over(session):
    """The program's own code is over: stop recording the main thread, and
    record it again for the atexit functions (registered last, this runs
    first of them, after threading._shutdown)."""
    session.pause_thread()
    atexit.register(session.resume_thread)


def _compile_error(e):
    """As Python shows a program that does not compile: the error alone,
    without the frames of ours that compiled it; status 1."""
    e.__traceback__ = None
    _call_excepthook(e, None)
    raise SystemExit(1)


def _call_excepthook(e, tb):
    """sys.excepthook(type(e), e, tb) as Python's top level calls it
    (Python/pythonrun.c, _PyErr_PrintEx): sys.last_* set first, and a hook
    that is missing or fails reported, then the exception printed anyway."""
    sys.last_type, sys.last_value, sys.last_traceback = type(e), e, tb
    if sys.version_info >= (3, 12):
        sys.last_exc = e
    if not hasattr(sys, "excepthook"):
        sys.stderr.write("sys.excepthook is missing\n")
        sys.__excepthook__(type(e), e, tb)
        return
    try:
        sys.excepthook(type(e), e, tb)
    except BaseException as err:
        err.__traceback__ = _strip_traceback(err.__traceback__)
        if err.__context__ is e:
            # Python calls the hook outside any handler: no context
            err.__context__ = None
        sys.stderr.write("Error in sys.excepthook:\n")
        sys.__excepthook__(type(err), err, err.__traceback__)
        sys.stderr.write("\nOriginal exception was:\n")
        sys.__excepthook__(type(e), e, tb)


def _print_uncaught(e, session):
    """Print as Python prints an uncaught exception (through sys.excepthook,
    which reads the exception's own __traceback__). A sys.excepthook of the
    program's own is its code, and recorded; Python's is not."""
    own_hook = getattr(sys, "excepthook", None) is not sys.__excepthook__
    if not own_hook:
        _program_over(session)
    tb = _strip_traceback(e.__traceback__)
    e.__traceback__ = tb
    _call_excepthook(e, tb)
    if own_hook:
        _program_over(session)


def run(argv):
    """`tracerec run ARGV...`: never returns normally; exits as the program."""
    try:
        opts = _cli.parse(argv)
    except _cli.UsageError as e:
        _cli.fail(str(e), 2)
    if opts.help:
        sys.stdout.write(_cli.USAGE)
        raise SystemExit(0)
    try:
        import _tracerec
    except ImportError as e:
        _cli.fail("the recorder extension is not available: %s" % e, 69)
    _restore_environment()
    backend = opts.recorder.get("backend")
    if backend is not None:
        if backend != "auto" and backend not in _tracerec.backends():
            _cli.fail("backend '%s' is not available here (have: auto, %s)"
                      % (backend, ", ".join(_tracerec.backends())), 2)
    output = os.path.abspath(opts.output)
    target = _Target(opts)
    rec_opts = dict(opts.recorder)
    rec_opts["library_paths"] = library_paths()
    rec_opts["skip_paths"] = skip_paths()
    target.install()
    try:
        session = _session.Session(output, rec_opts, quiet=opts.quiet, meta={
            "mode": opts.mode, "target": opts.target})
    except OSError as e:
        _cli.fail(str(e), 73)
    except (TypeError, ValueError) as e:
        _cli.fail("bad option: %s" % e, 2)
    except Exception as e:
        _cli.fail("cannot record: %s" % e, 70)
    if target.source_name:
        session.rec.add_source(target.source_name, target.source_text)
    outcome = _Outcome()

    def close_at_exit():
        session.close(outcome.exit_status, int(outcome.signal))

    atexit.register(close_at_exit)
    _install_sigterm(session, outcome)
    _execute(target, session, outcome)


def _quiet_excepthook(*args):
    pass


def _install_sigterm(session, outcome):
    if _signal.getsignal(_signal.SIGTERM) != _signal.SIG_DFL:
        return

    def on_sigterm(signum, frame):
        if session.defer_signal(signum):
            return
        outcome.exit_status = 128 + signum
        outcome.signal = int(signum)
        session.close(outcome.exit_status, int(signum))
        _signal.signal(signum, _signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    _signal.signal(_signal.SIGTERM, on_sigterm)


def _execute(target, session, outcome):
    """Run the program; recording goes on until the atexit close, so the
    threads it leaves running and its own atexit functions are recorded,
    but not the main thread between (see the module's comment)."""
    import _tracerec
    try:
        session.start()
    except Exception as e:
        session.close(error=str(e))
        _cli.fail("cannot start recording: %s" % e, 70)
    try:
        _tracerec.call_as_main(*target.call)
    except SystemExit as e:
        _program_over(session)
        outcome.exit_status = _system_exit_status(e.code)
        raise
    except KeyboardInterrupt as e:
        outcome.exit_status = 128 + int(_signal.SIGINT)
        outcome.signal = int(_signal.SIGINT)
        _print_uncaught(e, session)
        target.script_over()
        # Python kills itself with SIGINT after its normal shutdown when a
        # KeyboardInterrupt reaches the top: let it, without printing twice.
        sys.excepthook = _quiet_excepthook
        raise KeyboardInterrupt from None
    except BaseException as e:
        outcome.exit_status = 1
        _print_uncaught(e, session)
        target.script_over()
        raise SystemExit(1) from None
    else:
        target.script_over()
        _program_over(session)
