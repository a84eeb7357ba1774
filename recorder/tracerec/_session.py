"""_session: the life of one recording in this process, shared by
`tracerec run` and tracerec.record()/start()/stop().

It opens the trace, writes the metadata, pauses and resumes the recording
of one thread (the runner's main thread), passes the thread names as they
are at the end (the recorder names each thread when it first sees it, so
this updates the threads renamed since), follows fork (a child must never
write through the parent's SQLite handle: it continues into
<stem>-<pid>.trace), finishes the trace at os._exit() too, gives threads
that _thread starts directly the trace function as they start (settrace
backend: recorder/backend-settrace.c), and prints the summary. At most one
session records at a time in a process.
"""
import _signal
import _thread
import os
import sys
import threading
import time

_current = None          # the Session recording now, or None
_os_exit = os._exit
_THREAD_STARTERS = ("start_new_thread", "start_new", "start_joinable_thread")


def current():
    return _current


def _json_str(s):
    out = ['"']
    for c in s:
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif c < " " or "\ud800" <= c <= "\udfff":
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def to_json(v):
    """JSON text of str/int/bool/None/list/tuple/dict (keys sorted): the
    json module is not imported, so that the program's own import of it is
    recorded (see _runner)."""
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, str):
        return _json_str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(to_json(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (_json_str(str(k)), to_json(v[k]))
                               for k in sorted(v, key=str)) + "}"
    return _json_str(str(v))


def _size_text(n):
    if n < 1000:
        return "%d B" % n
    for unit in ("kB", "MB", "GB"):
        n /= 1000.0
        if n < 1000 or unit == "GB":
            return "%.1f %s" % (n, unit)


def child_path(path, pid):
    stem, ext = os.path.splitext(path)
    return "%s-%d%s" % (stem, pid, ext or ".trace")


class Session:
    """One open trace. Raises OSError (with the writer's message) when the
    trace cannot be created."""

    def __init__(self, path, recorder_options, quiet=True, meta=None):
        import _tracerec
        global _current
        if _current is not None:
            raise RuntimeError("tracerec is already recording into %s" % _current.path)
        self.path = os.path.abspath(path)
        self.quiet = quiet
        self.options = dict(recorder_options)
        self.closed = False
        self.finished = False
        self.pending_signal = 0
        self.started = False
        try:
            self.rec = _tracerec.Recorder(self.path, **self.options)
        except (OSError, RuntimeError) as e:
            raise OSError(str(e))   # it names the trace already (module.c)
        self.t0 = time.monotonic()
        self.extra_meta = dict(meta or {})
        self._meta(self.extra_meta)
        _current = self
        os._exit = _exit_closing
        self.thread_starters = {}
        for name in _THREAD_STARTERS:
            real = getattr(_thread, name, None)
            if real is not None:
                self.thread_starters[name] = (real, self.rec.wrap_thread_start(name, real))
                setattr(_thread, name, self.thread_starters[name][1])

    def _meta(self, extra):
        from tracerec import __version__
        m = {
            "python_version": sys.version.split()[0],
            "python_implementation": sys.implementation.name,
            "python_executable": sys.executable or "",
            "argv": to_json(sys.argv),
            "cwd": os.getcwd(),
            "options": to_json({k: v for k, v in self.options.items()
                                if k not in ("library_paths", "skip_paths")}),
            "hostname": os.uname().nodename,
            "pid": os.getpid(),
            "tracerec_version": __version__,
        }
        m.update(extra)
        for k, v in m.items():
            self.rec.set_meta(k, v)

    def start(self):
        self.started = True
        self.t0 = time.monotonic()
        self.rec.start()

    def pause_thread(self):
        """Stop recording the calling thread; the others go on."""
        if self.started and not self.closed:
            self.rec.pause_thread()

    def resume_thread(self):
        """Record the calling thread again (after pause_thread)."""
        if self.started and not self.closed:
            self.rec.resume_thread()

    def stop(self):
        self.rec.stop()

    def thread_names(self):
        """Names of the threads alive now, for those renamed since the
        recorder first saw them (an ident names only its latest thread)."""
        return {t.ident: t.name for t in threading.enumerate()
                if t.ident is not None}

    def close(self, exit_status=0, signal=0, error=None):
        """Finish the trace (idempotent) and print the summary unless quiet;
        then die of a signal that came meanwhile (defer_signal)."""
        if self.closed:
            return
        self.closed = True
        try:
            self._close(exit_status, signal, error)
        finally:
            self.finished = True
            if self.pending_signal:
                _signal.signal(self.pending_signal, _signal.SIG_DFL)
                os.kill(os.getpid(), self.pending_signal)

    def defer_signal(self, signum):
        """True when the trace is being finished now (at exit, at
        os._exit()): a handler of a deadly signal returns, and close() dies
        of it once the trace is complete, instead of the handler killing the
        process in the middle of it."""
        if self.closed and not self.finished:
            self.pending_signal = signum
            return True
        return False

    def _close(self, exit_status, signal, error):
        global _current
        if _current is self:
            _current = None
        if os._exit is _exit_closing:
            os._exit = _os_exit
        for name, (real, wrapper) in self.thread_starters.items():
            if getattr(_thread, name, None) is wrapper:
                setattr(_thread, name, real)
        self.rec.stop()
        elapsed = time.monotonic() - self.t0
        try:
            self.rec.set_thread_names(self.thread_names())
        except Exception:
            pass
        close_error = None
        if self.pending_signal and not signal:
            exit_status, signal = 128 + self.pending_signal, self.pending_signal
        try:
            self.rec.close(exit_status=exit_status, signal=signal, error=error)
        except Exception as e:
            close_error = str(e) or type(e).__name__
        self._summary(elapsed, close_error)

    def _summary(self, elapsed, close_error):
        """The summary line, or with quiet only why the trace is
        incomplete, if it is: -q silences the report, never a failure."""
        try:
            st = self.rec.stats()
        except Exception:
            st = {}
        why = close_error or st.get("error")
        if self.quiet:
            if not why:
                return
            line = "tracerec: trace %s is incomplete: %s" % (
                _display(self.path), why)
        else:
            events = st.get("events", 0) or 0
            try:
                size = " (%s)" % _size_text(os.path.getsize(self.path))
            except OSError:
                size = ""
            took = ("%.3g ms" % (elapsed * 1000) if elapsed < 1
                    else "%.2f s" % elapsed)
            line = "tracerec: %s events, %s, trace %s%s" % (
                format(events, ","), took, _display(self.path), size)
            if why:
                line += "; the trace is incomplete: %s" % why
        try:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    def after_fork_child(self):
        """In a forked child: leave the parent's trace alone and continue in
        <stem>-<pid>.trace (or stop recording when that cannot be made)."""
        global _current
        path = child_path(self.path, os.getpid())
        try:
            self.rec.after_fork_child(path)
        except Exception:
            try:
                self.rec.after_fork_child(None)
            except Exception:
                pass
            self.closed = True
            _current = None
            return
        self.path = path
        try:
            self._meta(dict(self.extra_meta, parent_pid=os.getppid()))
        except Exception:
            pass


def _display(path):
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


def _exit_closing(status):
    """os._exit() while recording: finish the trace, then exit. os._exit
    skips the atexit functions, where the trace is finished otherwise; a
    multiprocessing child ends so, and its trace was left with none of its
    events."""
    s = _current
    if s is not None and not s.closed and isinstance(status, int):
        try:
            s.close(exit_status=status)
        except BaseException:
            pass
    _os_exit(status)


_exit_closing.__name__ = _exit_closing.__qualname__ = _os_exit.__name__
_exit_closing.__doc__ = _os_exit.__doc__
_exit_closing.__module__ = _os_exit.__module__


def _before_fork():
    """No thread of tracerec's runs at a fork: Python 3.12+ warns of a fork
    in a process with threads (counting the system's), where python itself
    would not."""
    s = _current
    if s is not None and not s.closed:
        s.rec.park_writer()


def _after_fork_in_parent():
    s = _current
    if s is not None and not s.closed:
        s.rec.unpark_writer()


def _after_fork_in_child():
    s = _current
    if s is not None and not s.closed:
        s.after_fork_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                        after_in_child=_after_fork_in_child)
