"""Runs a workload under one of the in-process peers the runner compares
tracerec with, as `python SCRIPT ARGS` would run it (sys.argv, sys.path[0],
__main__):

  floor             _benchfloor's no-op C trace function on every thread
  floor-monitoring  _benchfloor.noop registered with sys.monitoring (3.12+)

usage: python peer.py TOOL SCRIPT [ARGS...]
The number of events the floor saw is written to $BENCH_COUNT_FILE.
_benchfloor is found through $BENCH_FLOOR_DIR (the runner builds it there).
"""
import os
import runpy
import sys
import threading


def setup_floor(floor):
    def new_thread(frame, event, arg):
        floor.install()
    threading.settrace(new_thread)
    floor.install()


def setup_monitoring(floor):
    mon = sys.monitoring
    tool = mon.PROFILER_ID
    mon.use_tool_id(tool, "benchfloor")
    ev = mon.events
    wanted = (ev.PY_START | ev.PY_RESUME | ev.PY_RETURN | ev.PY_YIELD | ev.LINE
              | ev.RAISE | ev.PY_UNWIND)
    for name in ("PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD", "LINE", "RAISE",
                 "PY_UNWIND"):
        mon.register_callback(tool, getattr(ev, name), floor.noop)
    mon.set_events(tool, wanted)


def main(argv):
    if len(argv) < 2 or argv[0] not in ("floor", "floor-monitoring"):
        sys.exit("usage: peer.py floor|floor-monitoring SCRIPT [ARGS...]")
    tool, script = argv[0], argv[1]
    sys.path.insert(0, os.environ["BENCH_FLOOR_DIR"])
    import _benchfloor
    del sys.path[0]
    sys.argv = argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    if tool == "floor":
        setup_floor(_benchfloor)
    else:
        setup_monitoring(_benchfloor)
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.settrace(None)
        threading.settrace(None)
        path = os.environ.get("BENCH_COUNT_FILE")
        if path:
            with open(path, "w") as f:
                f.write("%d\n" % _benchfloor.count())


if __name__ == "__main__":
    main(sys.argv[1:])
