"""The benchmark runner behind `make bench` (issue 7).

Runs every workload in bench/workloads untraced, under tracerec (each
backend the build offers) and under the peers (the floor: a C trace
function recording nothing; cProfile; the naive pure-Python recorder;
coverage.py when importable), per Python version, several times each.
Prints the tables and writes them to bench/RESULTS.md with a description of
the machine; then measures the reading side on a large trace (bench_read).

Times are the child's CPU time (user + system, from os.wait4), because the
machine this runs on is usually shared and wall time then measures the
neighbours; wall time (time.perf_counter) is reported beside it. A ratio is
median CPU time under a tool over median CPU time untraced, on the same
workload, Python and run. Nothing here asserts a speed.

usage: python3 bench/run.py --build BUILD_DIR [options]   (see --help)
"""
import argparse
import datetime
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

import bench_read

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads")

# Tools whose cost is large: fewer repeats (--slow-repeats). tracerec is
# not among them any more: it runs the full repeats, like the floor.
SLOW = ("naive",)


def parse_args(argv):
    p = argparse.ArgumentParser(description="tracerec benchmarks: ratios against untraced Python")
    p.add_argument("--build", action="append", default=[],
                   help="a configured tracerec build dir (repeatable: one per Python)")
    p.add_argument("--python", action="append", default=[],
                   help="also run these Pythons (tracerec only where a --build matches)")
    p.add_argument("--pythons", default=os.environ.get("BENCH_PYTHONS", ""),
                   help="space-separated Pythons, as --python (make bench PYTHONS=...)")
    p.add_argument("--codec", help="the bench-codec program, whose report is included")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--slow-repeats", type=int, default=None,
                   help="repeats for the naive recorder (default: --repeats)")
    p.add_argument("--scale", type=float, default=1.0, help="workload size factor (BENCH_SCALE)")
    p.add_argument("--timeout", type=float, default=300.0,
                   help="wall seconds after which one run is stopped and reported as a lower bound")
    p.add_argument("--workloads", default="", help="comma-separated names (default: all)")
    p.add_argument("--tools", default="", help="comma-separated tools (default: all available)")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 1 repeat, scale 0.02, small reading-side trace")
    p.add_argument("--big-events", type=int, default=50_000_000,
                   help="events in the reading-side trace (0: skip the reading side)")
    p.add_argument("--data", default=os.path.join(HERE, "_data"),
                   help="cache for the large trace and built floors")
    p.add_argument("--out", help="the report (default bench/RESULTS.md; with --quick "
                   "bench/_data/RESULTS-quick.md, so a smoke test keeps the real results)")
    p.add_argument("--note", action="append", default=[],
                   help="a line added to RESULTS.md's method section (repeatable)")
    a = p.parse_args(argv)
    if a.quick:
        a.repeats, a.slow_repeats, a.scale = 1, 1, min(a.scale, 0.02)
        a.big_events = min(a.big_events, 200_000)
    if a.out is None:
        a.out = os.path.join(a.data, "RESULTS-quick.md") if a.quick else os.path.join(HERE, "RESULTS.md")
    if a.slow_repeats is None:
        a.slow_repeats = a.repeats
    return a


# ---------------------------------------------------------------- machine

def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine(builds, pythons):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1048576)
    osname = platform.platform()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"') + " (" + platform.release() + ")"
    except OSError:
        pass
    src = os.path.dirname(HERE)
    commit = sh(["git", "-C", src, "log", "-1", "--format=%h %s"])
    dirty = sh(["git", "-C", src, "status", "--porcelain", "--untracked-files=no"])
    return [
        ("CPU", "%s, %d cores online" % (cpu, os.cpu_count() or 0)),
        ("Memory", mem),
        ("Load average at start", " ".join("%.1f" % x for x in os.getloadavg())),
        ("OS", osname),
        ("Pythons", "; ".join("%s (%s)" % (py.version, py.exe) for py in pythons)),
        ("tracerec commit", commit + (" (with uncommitted changes in the tree)" if dirty else "")),
        ("Builds", "; ".join(b.dir for b in builds) or "none"),
    ]


# ---------------------------------------------------------------- setup

# Debian's python3-coverage (build-aux/install-deps) is built for Debian's
# python3; another Python of the same minor version loads it from there.
DEBIAN_DIST = "/usr/lib/python3/dist-packages"


class Python:
    def __init__(self, exe):
        out = sh([exe, "-c", "import sys, sysconfig; print(sys.executable);"
                  "print('%d.%d.%d' % sys.version_info[:3]);"
                  "print(sysconfig.get_paths()['include']);"
                  "print(sysconfig.get_config_var('EXT_SUFFIX'))"]).splitlines()
        if len(out) != 4:
            raise SystemExit("bench: cannot run Python %s" % exe)
        self.exe, self.version, self.include, self.ext_suffix = out
        self.short = ".".join(self.version.split(".")[:2])
        self.version_info = tuple(int(x) for x in self.version.split("."))
        self.build = None
        self.floor_dir = None
        self.backends = []
        self.coverage_path = None
        self.has_coverage = sh([self.exe, "-c", "import coverage.tracer; print(1)"]) == "1"
        if not self.has_coverage and sh_env(
                [self.exe, "-c", "import coverage.tracer; print(1)"],
                {"PYTHONPATH": DEBIAN_DIST}) == "1":
            self.has_coverage = True
            self.coverage_path = DEBIAN_DIST


class Build:
    def __init__(self, d):
        self.dir = os.path.abspath(d)
        self.tracerec = os.path.join(self.dir, "tracerec")
        python = None
        with open(os.path.join(self.dir, "config.h")) as f:
            for line in f:
                if line.startswith("#define TREC_PYTHON "):
                    python = line.split(None, 2)[2].strip().strip('"')
        if not python or not os.access(self.tracerec, os.X_OK):
            raise SystemExit("bench: %s is not a built tracerec tree" % d)
        self.python = python

    def env(self):
        return {"PYTHONPATH": os.path.join(os.path.dirname(HERE), "recorder") + ":"
                + os.path.join(self.dir, "recorder", ".libs")}


def build_floor(py, data):
    """Compile floor.c for this Python with the C compiler, into the cache."""
    d = os.path.join(data, "floor-" + py.version)
    so = os.path.join(d, "_benchfloor" + py.ext_suffix)
    src = os.path.join(HERE, "floor.c")
    if not os.path.exists(so) or os.path.getmtime(so) < os.path.getmtime(src):
        os.makedirs(d, exist_ok=True)
        cc = os.environ.get("CC", "cc")
        r = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-I" + py.include, src, "-o", so],
                           capture_output=True, text=True)
        if r.returncode:
            sys.stderr.write("bench: building the floor for %s failed:\n%s" % (py.exe, r.stderr))
            return None
    return d


def backends_of(build):
    out = sh_env([build.python, "-c", "import _tracerec; print(' '.join(_tracerec.backends()))"],
                 build.env())
    return out.split() or ["settrace"]


def sh_env(cmd, extra):
    env = dict(os.environ)
    env.update(extra)
    return subprocess.run(cmd, capture_output=True, text=True, env=env).stdout.strip()


def tools_for(py):
    tools = ["untraced", "floor"]
    if py.version_info >= (3, 12):
        tools.append("floor-monitoring")
    tools += ["tracerec-" + b for b in py.backends]
    tools += ["cprofile", "naive"]
    if py.has_coverage:
        tools.append("coverage")
    return tools


# ---------------------------------------------------------------- one run

class Run:
    """One measured process: CPU and wall seconds, peak RSS (KiB), output,
    events and stored bytes when the tool records."""
    def __init__(self):
        self.cpu = self.wall = 0.0
        self.rss_kib = 0
        self.status = 0
        self.timed_out = False
        self.stdout = b""
        self.events = None
        self.bytes = None


def command(tool, py, script, out):
    if tool == "untraced":
        return [py.exe, script]
    if tool.startswith("floor"):
        return [py.exe, os.path.join(HERE, "peer.py"), tool, script]
    if tool.startswith("tracerec-"):
        return [py.build.tracerec, "run", "-q", "--backend", tool[len("tracerec-"):],
                "-o", out, script]
    if tool == "cprofile":
        return [py.exe, "-m", "cProfile", "-o", out, script]
    if tool == "naive":
        return [py.exe, os.path.join(HERE, "naive_recorder.py"), "-o", out, script]
    if tool == "coverage":
        return [py.exe, "-m", "coverage", "run", "--data-file=" + out, script]
    raise ValueError(tool)


def measure(tool, py, script, tmp, args):
    out = os.path.join(tmp, "out")
    count = os.path.join(tmp, "count")
    for p in (out, count):
        if os.path.exists(p):
            os.unlink(p)
    env = dict(os.environ)
    env.update({"BENCH_SCALE": repr(args.scale), "BENCH_FLOOR_DIR": py.floor_dir or "",
                "BENCH_COUNT_FILE": count, "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONHASHSEED": "0"})
    env.pop("PYTHONPATH", None)
    if tool == "coverage" and py.coverage_path:
        env["PYTHONPATH"] = py.coverage_path
    r = Run()
    with open(os.path.join(tmp, "stdout"), "w+b") as so:
        t0 = time.perf_counter()
        proc = subprocess.Popen(command(tool, py, script, out), stdout=so,
                                stderr=subprocess.DEVNULL, cwd=tmp, env=env)
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > args.timeout:
                proc.kill()
                pid, status, ru = os.wait4(proc.pid, 0)
                r.timed_out = True
                break
            time.sleep(0.01)
        r.wall = time.perf_counter() - t0
        so.seek(0)
        r.stdout = so.read()
    r.cpu = ru.ru_utime + ru.ru_stime
    r.rss_kib = ru.ru_maxrss
    r.status = proc.returncode = os.waitstatus_to_exitcode(status)
    if not r.timed_out:
        stored(tool, out, count, r)
    return r


def stored(tool, out, count, r):
    if tool.startswith("floor") and os.path.exists(count):
        with open(count) as f:
            r.events = int(f.read())
    elif tool.startswith("tracerec-") and os.path.exists(out):
        r.bytes = sum(os.path.getsize(out + s) for s in ("", "-wal") if os.path.exists(out + s))
        db = sqlite3.connect("file:%s?mode=ro" % out, uri=True)
        try:
            r.events = db.execute("SELECT coalesce(sum(n_events), 0) FROM chunks").fetchone()[0]
        finally:
            db.close()
    elif tool == "naive" and os.path.exists(out):
        r.bytes = os.path.getsize(out)
        db = sqlite3.connect(out)
        try:
            r.events = db.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            db.close()
    elif tool == "coverage" and os.path.exists(out):
        r.bytes = os.path.getsize(out)


# ---------------------------------------------------------------- statistics

class Cell:
    """All runs of one tool on one workload and Python."""
    def __init__(self, runs):
        self.runs = runs
        ok = [r for r in runs if not r.timed_out]
        self.timed_out = len(ok) < len(runs)
        pool = ok or runs
        self.cpu = statistics.median(r.cpu for r in pool)
        self.cpu_min = min(r.cpu for r in pool)
        self.cpu_max = max(r.cpu for r in pool)
        self.wall = statistics.median(r.wall for r in pool)
        self.rss_kib = max(r.rss_kib for r in pool)
        self.failed = any(r.status != 0 for r in ok)
        self.events = next((r.events for r in ok if r.events is not None), None)
        self.bytes = next((r.bytes for r in ok if r.bytes is not None), None)
        self.stdout = ok[0].stdout if ok else None


def gmean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt_ratio(x, lower=False):
    if x is None:
        return "-"
    return ("> " if lower else "") + ("%.1f" % x if x < 100 else "%.0f" % x)


def fmt_num(n):
    if n is None:
        return "-"
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= div:
            return "%.1f%s" % (n / div, unit)
    return str(n)


# ---------------------------------------------------------------- the run

def startup(py):
    cpu = []
    for _ in range(5):
        proc = subprocess.Popen([py.exe, "-c", "pass"])
        _, _, ru = os.wait4(proc.pid, 0)
        proc.returncode = 0
        cpu.append(ru.ru_utime + ru.ru_stime)
    return statistics.median(cpu)


def run_all(args, pythons, workloads, log):
    """results[py.version][workload][tool] = Cell"""
    results = {}
    tmp = tempfile.mkdtemp(prefix="trec-bench-")
    try:
        for py in pythons:
            res = results.setdefault(py.version, {})
            tools = [t for t in tools_for(py) if not args.tools or t in args.tools.split(",")
                     or t == "untraced"]
            for w in workloads:
                script = os.path.join(WORKLOADS, w + ".py")
                cells = res.setdefault(w, {})
                for tool in tools:
                    n = args.slow_repeats if tool.startswith(SLOW) else args.repeats
                    runs = [measure(tool, py, script, tmp, args) for _ in range(n)]
                    cells[tool] = Cell(runs)
                    c = cells[tool]
                    log("  %-6s %-13s %-17s cpu %7.2fs wall %7.2fs%s%s" % (
                        py.short, w, tool, c.cpu, c.wall, " TIMEOUT" if c.timed_out else "",
                        " FAILED" if c.failed else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def tables(args, pythons, workloads, results):
    """The report as markdown lines, and the figures the targets need."""
    lines = []
    summary = {}
    for py in pythons:
        res = results[py.version]
        tools = [t for t in tools_for(py) if t in next(iter(res.values()))]
        traced = [t for t in tools if t != "untraced"]
        rec = [t for t in tools if t.startswith("tracerec-")]
        lines += ["", "### Python %s: slowdown vs untraced (CPU time, median of runs)" % py.version, ""]
        lines.append("| workload | untraced s | " + " | ".join(traced) + " |")
        lines.append("|---|---:|" + "---:|" * len(traced))
        ratios = {t: [] for t in traced}
        for w in workloads:
            base = res[w]["untraced"]
            row = ["%.3f" % base.cpu]
            for t in traced:
                c = res[w].get(t)
                if c is None:
                    row.append("-")
                    continue
                x = c.cpu / base.cpu
                ratios[t].append(x)
                mark = " (output differs)" if c.stdout is not None and c.stdout != base.stdout else ""
                mark += " (failed)" if c.failed else ""
                row.append(fmt_ratio(x, c.timed_out) + mark)
            lines.append("| %s | %s |" % (w, " | ".join(row)))
        g = {t: gmean(ratios[t]) for t in traced}
        lower = {t: any(res[w][t].timed_out for w in workloads if t in res[w]) for t in traced}
        lines.append("| **geometric mean** | | " + " | ".join(
            "**%s**" % fmt_ratio(g[t], lower[t]) for t in traced) + " |")
        adj = {t: gmean([(res[w][t].cpu - py.startup) / (res[w]["untraced"].cpu - py.startup)
                         for w in workloads if t in res[w]
                         and res[w]["untraced"].cpu > 1.5 * py.startup]) for t in traced}
        lines.append("| geometric mean, startup (%.3f s) taken out | | " % py.startup + " | ".join(
            fmt_ratio(adj[t], lower[t]) for t in traced) + " |")
        na = [] if py.has_coverage else ["coverage.py: not available (not importable by this Python)"]
        if not py.build:
            na.append("tracerec: no build for this Python (pass --build DIR configured with it)")
        for s in na:
            lines.append("")
            lines.append("- " + s)

        lines += ["", "### Python %s: events, trace size, memory" % py.version, ""]
        hdr = "| workload | events (floor) |"
        sep = "|---|---:|"
        for t in rec + ["naive"]:
            hdr += " %s events | %s bytes/event |" % (t, t)
            sep += "---:|---:|"
        hdr += " peak RSS untraced MiB |" + "".join(" %s +MiB |" % t for t in rec + ["naive"])
        sep += "---:|" + "---:|" * len(rec + ["naive"])
        for t in rec:
            hdr += " %s vs floor |" % t
            sep += "---:|"
        lines += [hdr, sep]
        bpe = {t: [] for t in rec + ["naive"]}
        vsfloor = {t: [] for t in rec}
        mem = {t: [] for t in rec}
        for w in workloads:
            cells = res[w]
            row = [fmt_num(cells["floor"].events) if "floor" in cells else "-"]
            for t in rec + ["naive"]:
                c = cells.get(t)
                if c is None or not c.events:
                    row += ["-", "-"]
                    continue
                b = c.bytes / c.events
                bpe[t].append(b)
                row += [fmt_num(c.events), "%.2f" % b]
            base = cells["untraced"].rss_kib / 1024
            row.append("%.0f" % base)
            for t in rec + ["naive"]:
                c = cells.get(t)
                d = (c.rss_kib / 1024 - base) if c else None
                if t in mem and d is not None:
                    mem[t].append(d)
                row.append("-" if d is None else "%+.0f" % d)
            for t in rec:
                c, f = cells.get(t), cells.get("floor")
                x = c.cpu / f.cpu if c and f else None
                if x:
                    vsfloor[t].append(x)
                row.append(fmt_ratio(x, c.timed_out if c else False))
            lines.append("| %s | %s |" % (w, " | ".join(row)))
        row = ["-"]
        for t in rec + ["naive"]:
            row += ["", fmt_ratio(gmean(bpe[t]))]
        row += [""] + [""] * len(rec + ["naive"]) + [fmt_ratio(gmean(vsfloor[t])) for t in rec]
        lines.append("| **geometric mean** | %s |" % " | ".join(row))

        lines += ["", "### Python %s: raw CPU seconds, median [min-max] (wall median)" % py.version, ""]
        lines.append("| workload | " + " | ".join(tools) + " |")
        lines.append("|---|" + "---:|" * len(tools))
        for w in workloads:
            row = []
            for t in tools:
                c = res[w].get(t)
                row.append("-" if c is None else "%.2f [%.2f-%.2f] (%.2f)%s" % (
                    c.cpu, c.cpu_min, c.cpu_max, c.wall, " timeout" if c.timed_out else ""))
            lines.append("| %s | %s |" % (w, " | ".join(row)))
        fin = [res[w]["naive"].cpu / res[w][t].cpu for w in workloads for t in rec[:1]
               if "naive" in res[w] and t in res[w] and not res[w]["naive"].timed_out]
        summary[py.version] = {"finished": (gmean(fin), len(fin)), "ratio": g, "lower": lower, "bpe": {t: gmean(v) for t, v in bpe.items()},
                               "vsfloor": vsfloor, "mem": mem, "rec": rec}
    return lines, summary


def targets(summary):
    """Issue 7's targets against the figures: met / not met, by how much."""
    out = ["", "## Targets (issue 7)", ""]
    out.append("| Python | tool | target | measured | verdict |")
    out.append("|---|---|---|---|---|")
    for ver, s in summary.items():
        for t in s["rec"]:
            vf = gmean(s["vsfloor"][t])
            worst = max(s["vsfloor"][t]) if s["vsfloor"][t] else None
            nv = s["ratio"].get("naive")
            rr = s["ratio"].get(t)
            speedup = nv / rr if nv and rr else None
            bpe = s["bpe"].get(t)
            mem = max(s["mem"][t]) if s["mem"][t] else None
            rows = [
                ("geomean slowdown <= 1.5x the floor's", vf, 1.5, "%.2fx the floor"),
                ("no workload > 2.5x the floor's", worst, 2.5, "worst %.2fx the floor"),
                ("bytes/event <= 4 (geomean)", bpe, 4.0, "%.2f bytes/event"),
                ("memory < 100 MB above untraced peak", mem, 100.0 / 1.048576, "worst +%.0f MiB"),
            ]
            for what, val, limit, f in rows:
                if val is None:
                    out.append("| %s | %s | %s | - | not measured |" % (ver, t, what))
                    continue
                verdict = "met" if val <= limit else "NOT met (%.2fx over)" % (val / limit)
                out.append("| %s | %s | %s | %s | %s |" % (ver, t, what, f % val, verdict))
            fin, nfin = s["finished"]
            if fin is not None and s["lower"].get("naive"):
                verdict = "met" if fin >= 20 else "NOT met (%.2fx short)" % (20 / fin)
                out.append("| %s | %s | >= 20x faster than the naive recorder, over the %d workloads "
                           "it finished | %.1fx | %s |" % (ver, t, nfin, fin, verdict))
            if speedup is None:
                out.append("| %s | %s | >= 20x faster than the naive recorder | - | not measured |"
                           % (ver, t))
            else:
                lower = s["lower"].get("naive")
                verdict = "met" if speedup >= 20 else "NOT met (%.2fx short)" % (20 / speedup)
                if lower and speedup < 20:
                    verdict = "at least %.1fx (naive timed out: lower bound)" % speedup
                out.append("| %s | %s | >= 20x faster than the naive recorder | %s%.1fx | %s |" % (
                    ver, t, ">= " if lower else "", speedup, verdict))
    return out


def main(argv):
    args = parse_args(argv)
    t_start = time.perf_counter()
    log = lambda s: (sys.stdout.write(s + "\n"), sys.stdout.flush())
    builds = [Build(d) for d in args.build]
    pythons, seen = [], set()
    for exe in [b.python for b in builds] + args.python + args.pythons.split():
        py = Python(exe)
        if py.exe in seen:
            continue
        seen.add(py.exe)
        py.build = next((b for b in builds if os.path.realpath(b.python) == os.path.realpath(py.exe)),
                        None)
        py.backends = backends_of(py.build) if py.build else []
        py.floor_dir = build_floor(py, args.data)
        pythons.append(py)
    if not pythons:
        raise SystemExit("bench: no Python to run (give --build or --python)")
    names = sorted(f[:-3] for f in os.listdir(WORKLOADS) if f.endswith(".py") and not f.startswith("_"))
    workloads = [w for w in names if not args.workloads or w in args.workloads.split(",")]
    log("bench: %d workloads x %d Pythons, %d repeats (%d for the naive recorder), scale %g" % (
        len(workloads), len(pythons), args.repeats, args.slow_repeats, args.scale))
    for py in pythons:
        py.startup = startup(py)
    results = run_all(args, pythons, workloads, log)
    lines, summary = tables(args, pythons, workloads, results)
    lines += targets(summary)
    reading = []
    if args.big_events and pythons[0].build:
        reading = bench_read.run(pythons[0].build, args.big_events, args.data, args.quick, log)
    elapsed = time.perf_counter() - t_start
    doc = ["# tracerec benchmark results", "",
           "Written by `make bench` (bench/run.py) on %s UTC; the run took %.0f s wall." % (
               datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"), elapsed), "",
           "## Machine", ""]
    doc += ["- %s: %s" % kv for kv in machine(builds, pythons)]
    doc += ["", "## Method", "",
            "- %d workloads (bench/workloads), scale %g (BENCH_SCALE; 1 = 0.3-2 s untraced), "
            "%d runs each untraced/floor/cProfile/tracerec, %d runs each under the naive "
            "recorder; a run is stopped after %.0f s wall and then counts as a lower bound "
            "(`> x`)." % (len(workloads), args.scale, args.repeats, args.slow_repeats, args.timeout),
            "- Time is the child's CPU time, user + system, from os.wait4 (it includes tracerec's "
            "writer thread); wall time from time.perf_counter is in the raw table. Ratio = median "
            "CPU under the tool / median CPU untraced. Peak memory is ru_maxrss of the child.",
            "- floor: a C trace function (PyEval_SetTrace) that only counts events (bench/floor.c), "
            "on every thread; floor-monitoring: a no-op C callback under sys.monitoring (3.12+). "
            "naive: bench/naive_recorder.py. tracerec-B: `tracerec run --backend B` (default "
            "options: the standard library's calls and returns only).",
            "- `(output differs)` marks a tool under which the workload printed something else "
            "than untraced: a correctness failure, not a speed one."]
    doc += ["- " + n for n in args.note]
    for py in pythons:
        doc.append("- Python %s starting and exiting (`python -c pass`, median of 5): %.3f s CPU; "
                   "it is included in every time; the second geometric mean row subtracts it from "
                   "the tool's and the untraced time (leaving out workloads whose untraced "
                   "time is under 1.5x it)." % (py.version, py.startup))
    doc += lines + reading
    analysis = os.path.join(HERE, "analysis.md")
    if os.path.exists(analysis) and not args.quick:
        with open(analysis) as f:
            doc += [""] + f.read().rstrip().splitlines()
    if args.codec:
        log("bench: %s" % args.codec)
        r = subprocess.run([args.codec] + (["200000"] if args.quick else []),
                           capture_output=True, text=True)
        doc += ["", "## The format alone (bench-codec)", "", "```"] + r.stdout.rstrip().splitlines()
        doc += ["```"]
    text = "\n".join(doc) + "\n"
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    log("bench: wrote %s" % args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
