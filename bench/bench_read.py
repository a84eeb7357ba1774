"""The reading side of the benchmark (issues 4, 5, 7): on traces of 1 M,
10 M and the large count (default 50 M) events, recorded from
bench/bigloop.py and cached in bench/_data (re-recorded when the build
writes another format version or its recorder was rebuilt): trace open time, seek and step
latency (bench-seek, over replay.h), SQL scan rates (`tracerec sql`), and
export rate (`tracerec export`).

SQL and export times are measured around the `tracerec` process, so they
include starting it and opening the trace; the same process running a query
that opens the trace and loads its chunk index but decodes no chunk is
measured too (best of 5) and subtracted for the rates. Rates are given
both per wall second and per CPU second of the process (os.wait4), the
latter being what "per core" targets mean on a shared machine.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(cmd, timeout=None, env=None, stdout=subprocess.DEVNULL):
    """Run cmd; return (wall s, cpu s, status, timed_out, peak RSS MiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    timed_out = False
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if timeout and time.perf_counter() - t0 > timeout:
            proc.kill()
            pid, status, ru = os.wait4(proc.pid, 0)
            timed_out = True
            break
        time.sleep(0.005)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    return wall, ru.ru_utime + ru.ru_stime, proc.returncode, timed_out, ru.ru_maxrss / 1024


def db_query(path, sql):
    """The first row of sql on the trace at path, or None if it cannot be read."""
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            return db.execute(sql).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None


def n_events(path):
    row = db_query(path, "SELECT sum(n_events) FROM chunks")
    return (row and row[0]) or 0


def trace_format(path):
    """The format version a trace says it has, e.g. "1.1" (None if unreadable)."""
    row = db_query(path, "SELECT (SELECT value FROM meta WHERE key = 'format_major') || '.' ||"
                   " (SELECT value FROM meta WHERE key = 'format_minor')")
    return row and row[0]


def writer_key(build, data):
    """What a cached trace must have been made by to be reused: the format
    version this build writes (read back from a trace it records of `pass`)
    and the build's recorder, by its extension module's mtime (the module
    holds the writer; a rebuilt recorder may store more without a format
    bump). A trace from an older format or an older recorder is re-recorded."""
    os.makedirs(data, exist_ok=True)
    probe = os.path.join(data, "format-probe.trace")
    for p in (probe, probe + "-wal", probe + "-shm"):
        if os.path.exists(p):
            os.unlink(p)
    r = subprocess.run([build.tracerec, "run", "-q", "-o", probe, "-c", "pass"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    fmt = trace_format(probe) if r.returncode == 0 else None
    if fmt is None:
        raise SystemExit("bench: cannot record a trace with %s: %s" % (
            build.tracerec, r.stderr.strip() or "status %d" % r.returncode))
    os.unlink(probe)
    module = os.path.join(build.dir, "recorder", ".libs", "_tracerec.so")
    if not os.path.exists(module):
        module = build.tracerec
    return fmt, int(os.stat(module).st_mtime_ns)


def big_trace(build, events, data, log, key):
    """The cached trace of `events` events, recorded now if missing or made by
    another format or recorder than key (writer_key())."""
    os.makedirs(data, exist_ok=True)
    fmt, recorder = key
    path = os.path.join(data, "bigloop-%d-format%s.trace" % (events, fmt))
    info = path + ".json"
    if os.path.exists(path) and os.path.exists(info) and n_events(path) >= events \
            and trace_format(path) == fmt:
        with open(info) as f:
            made = json.load(f)
        if isinstance(made, dict) and made.get("recorder_mtime_ns") == recorder:
            return path, (made["wall"], made["cpu"], made["rss"])
    tmp = path + ".part"
    for p in (tmp, tmp + "-wal", tmp + "-shm"):
        if os.path.exists(p):
            os.unlink(p)
    env = dict(os.environ, BIG_EVENTS=str(events))
    log("bench: recording a %d-event trace into %s" % (events, path))
    wall, cpu, status, _, rss = timed([build.tracerec, "run", "-q", "-o", tmp,
                                       os.path.join(HERE, "bigloop.py")], env=env)
    if status != 0:
        raise SystemExit("bench: recording the large trace failed (status %d)" % status)
    os.replace(tmp, path)
    with open(info, "w") as f:
        json.dump({"recorder_mtime_ns": recorder, "wall": wall, "cpu": cpu, "rss": rss}, f)
    return path, (wall, cpu, rss)


def seek_figures(build, path, n):
    exe = os.path.join(build.dir, "bench", "bench-seek")
    r = subprocess.run([exe, path, str(n)], capture_output=True, text=True)
    if r.returncode:
        return {"error": r.stderr.strip() or "status %d" % r.returncode}
    return dict((k, float(v)) for k, v in (line.split() for line in r.stdout.splitlines()))


def sql_figures(build, path, events):
    tr = build.tracerec
    mid = max(1, events // 2)
    # `SELECT 1` would not open the trace: the tables are opened on use
    opening = [tr, "sql", "--csv", path, "SELECT count(*) FROM events WHERE seq < 0"]
    base = min((timed(opening) for _ in range(5)), key=lambda t: t[1])
    queries = [
        ("count(*) WHERE kind='call' (from the chunk index's counts)", "SELECT count(*) FROM events WHERE kind = 'call'", events),
        ("count(*) WHERE function='loop'", "SELECT count(*) FROM events WHERE function = 'loop'",
         events),
        ("sum(line) WHERE kind='line' (decodes every chunk)",
         "SELECT count(*), sum(line) FROM events WHERE kind = 'line'", events),
        ("seq BETWEEN (1000 events)",
         "SELECT count(*), sum(line) FROM events WHERE seq BETWEEN %d AND %d" % (mid, mid + 999),
         1000),
    ]
    rows = []
    for name, q, scanned in queries:
        runs = 5 if scanned < 1_000_000 else 1
        wall, cpu, status, to, _ = min((timed([tr, "sql", "--csv", path, q], timeout=600)
                                        for _ in range(runs)), key=lambda t: t[1])
        w, c = wall - base[0], cpu - base[1]
        rows.append((name, wall, cpu, w, c, scanned, status, to))
    return base, rows


def sqlite_floor(events):
    """CPU seconds the stock sqlite3 shell takes to count `events` rows of its
    own trivial virtual table (generate_series): the per-row cost of SQLite
    itself, below which no table goes when every event is a row. None
    without a shell that has generate_series."""
    shell = shutil.which("sqlite3")
    if not shell:
        return None
    _, cpu, status, _, _ = timed([shell, ":memory:",
                                  "SELECT count(*) FROM generate_series(1, %d)" % events],
                                 timeout=600)
    return cpu if status == 0 else None


def export_figures(build, path, events, cap):
    """jsonl: read its output for at most `cap` seconds, count lines (one per
    event); chrome: the whole trace, stopped after 3 cap."""
    tr = build.tracerec
    t0 = time.perf_counter()
    proc = subprocess.Popen([tr, "export", path, "--format", "jsonl"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    lines = nbytes = 0
    while True:
        block = proc.stdout.read(1 << 20)
        if not block:
            break
        lines += block.count(b"\n")
        nbytes += len(block)
        if time.perf_counter() - t0 > cap:
            break
    wall = time.perf_counter() - t0
    proc.kill()
    proc.wait()
    proc.stdout.close()
    chrome = timed([tr, "export", path, "--format", "chrome", "-o", os.devnull], timeout=cap * 3)
    return (lines, nbytes, wall), chrome


def rate(n, s):
    if s <= 0:
        return "-"
    r = n / s
    return "%.1f M/s" % (r / 1e6) if r >= 1e6 else "%.0f k/s" % (r / 1e3)


def run(build, big, data, quick, log):
    sizes = sorted({s for s in (1_000_000, 10_000_000) if s < big} | {big})
    if quick:
        sizes = [big]
    out = ["", "## Reading side", "",
           "Traces recorded from bench/bigloop.py (a tight loop: line events with one local "
           "changing), cached in bench/_data. Seek/step: bench/bench-seek over replay.h, %s "
           "random positions per figure, wall milliseconds." % (20 if quick else 200), ""]
    seek_rows, traces = [], []
    key = writer_key(build, data)
    for n in sizes:
        path, made = big_trace(build, n, data, log, key)
        ev = n_events(path)
        size = os.path.getsize(path)
        traces.append((n, path, ev))
        rec = ("recorded in %.1f s wall, %.1f s CPU, peak RSS %.0f MiB" % made) if made \
            else "cached from an earlier run"
        out.append("- %s events: %.1f MiB, %.2f bytes/event (%s)" % (
            format(ev, ","), size / 1048576, size / max(ev, 1), rec))
        log("bench: seek/step on %d events" % ev)
        seek_rows.append((ev, seek_figures(build, path, 20 if quick else 200)))
    out += ["", "| events | open ms | seek median / worst ms | step | reverse-step | next | "
            "reverse-next | return | reverse-finish |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for ev, f in seek_rows:
        if "error" in f:
            out.append("| %s | error: %s |||||||" % (format(ev, ","), f["error"]))
            continue
        cell = lambda k: "%.3f / %.3f" % (f.get(k + "_median_ms", float("nan")),
                                         f.get(k + "_worst_ms", float("nan")))
        out.append("| %s | %.1f | %s |" % (format(ev, ","), f["open_ms"], " | ".join(
            cell(k) for k in ("seek", "step", "reverse_step", "next", "reverse_next", "return",
                              "reverse_finish"))))

    n, path, ev = traces[-1]
    log("bench: SQL and export on %d events" % ev)
    base, rows = sql_figures(build, path, ev)
    out += ["", "SQL on the %s-event trace (`tracerec sql`; a query that only opens the "
            "trace, `seq < 0`, took %.0f ms wall, %.0f ms CPU and is subtracted for the rates; "
            "the seq BETWEEN figure is the best of 5 runs):" % (
                format(ev, ","), base[0] * 1e3, base[1] * 1e3), "",
            "| query | wall s | CPU s | events/s (wall) | events/s (CPU) |", "|---|---:|---:|---:|---:|"]
    for name, wall, cpu, w, c, scanned, status, to in rows:
        note = " (timed out)" if to else (" (status %d)" % status if status else "")
        if name.startswith("seq"):
            out.append("| %s%s | %.4f | %.4f | %.1f ms beyond open | %.1f ms CPU beyond open |" % (
                name, note, wall, cpu, w * 1e3, c * 1e3))
        elif c < 0.001:
            # answered without decoding: a rate from about 0 s says nothing
            out.append("| %s%s | %.2f | %.2f | under 1 ms beyond open | under 1 ms CPU "
                       "beyond open |" % (name, note, wall, cpu))
        else:
            out.append("| %s%s | %.2f | %.2f | %s | %s |" % (name, note, wall, cpu, rate(scanned, w),
                                                          rate(scanned, c)))
    floor = sqlite_floor(ev)
    if floor:
        out += ["", "SQLite's own floor: the stock `sqlite3` shell counts %s rows of its "
                "`generate_series` in %.2f s CPU, %s per CPU second; a query whose every "
                "event is a row (`function='loop'` here) cannot be faster through "
                "SQLite." % (format(ev, ","), floor, rate(ev, floor))]
    cap = 5 if quick else 20
    (lines, nbytes, wall), chrome = export_figures(build, path, ev, cap)
    small_n, small = traces[0][2], traces[0][1]
    whole = timed([build.tracerec, "export", small, "--format", "jsonl", "-o", os.devnull],
                  timeout=cap * 3)
    out += ["", "Export on the same trace:", "",
            "- jsonl: %s events (%.0f MiB) in %.1f s wall: %s (read for at most %d s)" % (
                format(lines, ","), nbytes / 1048576, wall, rate(lines, wall), cap),
            "- jsonl, the whole %s-event trace to /dev/null: %.1f s wall, %.1f s CPU: %s per CPU "
            "second" % (format(small_n, ","), whole[0], whole[1], rate(small_n, whole[1])),
            "- chrome (whole trace to /dev/null): %.1f s wall, %.1f s CPU: %s per CPU second%s" % (
                chrome[0], chrome[1], rate(ev, chrome[1]), " (timed out: lower bound)" if chrome[3]
                else (" (status %d)" % chrome[2] if chrome[2] else ""))]
    out += targets(seek_rows, rows)
    return out


def targets(seek_rows, rows):
    """Issues 4 and 5's reading-side targets against the figures."""
    out = ["", "### Reading-side targets (issues 4, 5)", "",
           "| target | measured | verdict |", "|---|---|---|"]

    def row(what, val, limit, f, below=True):
        ok = val <= limit if below else val >= limit
        far = val / limit if below else limit / max(val, 1e-9)
        out.append("| %s | %s | %s |" % (what, f % val, "met" if ok else "NOT met (%.2fx)" % far))

    ev, f = seek_rows[-1]
    if "error" not in f:
        row("open a trace under 100 ms (%s events)" % format(ev, ","), f["open_ms"], 100.0, "%.1f ms")
        worst = max(v for k, v in f.items() if k.endswith("_worst_ms"))
        med = max(v for k, v in f.items() if k.endswith("_median_ms"))
        row("any seek or step under 10 ms: slowest median", med, 10.0, "%.3f ms")
        row("any seek or step under 10 ms: worst of all", worst, 10.0, "%.3f ms")
    for name, wall, cpu, w, c, scanned, status, to in rows:
        if name.startswith("seq"):
            row("seq BETWEEN of 1000 events under 5 ms (beyond process start and open, wall)",
                w * 1e3, 5.0, "%.1f ms")
            row("the same in CPU time (the wall figure includes waiting for a shared CPU)",
                c * 1e3, 5.0, "%.1f ms")
        elif "function" in name or "kind='call'" in name:
            tiny = c < 0.001
            row("%s at >= 100 M events/s per core" % name.split(" (")[0],
                scanned / max(c, 0.001) / 1e6, 100.0,
                "> %.0f M/s (under 1 ms of CPU)" if tiny else "%.1f M/s", below=False)
    return out
