"""tracerec: record a Python program's whole execution into one trace file,
then replay it with `tracerec replay`, query it with `tracerec sql`.

From the command line: `tracerec run script.py args` (or
`python -m tracerec run script.py args`). From inside a program:

    import tracerec
    with tracerec.record("region.trace"):
        work()

or tracerec.start("region.trace") ... tracerec.stop(). Options are those of
`tracerec run` as keywords: opcodes, trace_all, include, exclude, redact,
max_str, max_items, max_depth, capture_repr, backend, codec,
time_resolution, quiet.
A process records one trace at a time; a forked child continues into
<trace stem>-<child pid>.trace.
"""
import contextlib

__version__ = "0.1.0"
__all__ = ["record", "start", "stop", "__version__"]


def start(path, quiet=True, **options):
    """Start recording every thread into a new trace at path (replaced if
    it exists). Raises OSError if it cannot be created, RuntimeError if
    this process is already recording."""
    import atexit
    from tracerec import _runner, _session
    options.setdefault("library_paths", _runner.library_paths())
    options.setdefault("skip_paths", _runner.skip_paths())
    session = _session.Session(path, options, quiet=quiet,
                               meta={"mode": "record"})
    atexit.register(session.close)
    session.start()
    return session.path


def stop():
    """Stop recording and finish the trace. Does nothing when not recording.
    Returns the recorder's statistics (events, threads, chunks, error)."""
    from tracerec import _session
    session = _session.current()
    if session is None:
        return None
    session.close()
    return session.rec.stats()


@contextlib.contextmanager
def record(path, **options):
    """Record the body of a with statement into a trace at path."""
    start(path, **options)
    try:
        yield
    finally:
        stop()
