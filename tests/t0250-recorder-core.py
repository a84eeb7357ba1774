"""t0250-recorder-core: the _tracerec module itself, driven directly (no
runner): events and frame identities equal what a sys.settrace function
sees on the same program; threads started before and after start();
skip/library filtering; stop/start; fork; opcodes; the program's own
output unaltered.

Each program runs twice in a fresh interpreter, once under the reference
(this file's `--driver ref`, a plain sys.settrace function) and once under
the recorder (`--driver rec`); the trace is read with tests/helper/trec-dump.
The reference keeps generator frames alive, so a generator's frame object
is its identity; other frames get a new identity at every call.
"""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.abspath(__file__)
GEN_FLAGS = 0x20 | 0x80 | 0x200


def driver_ref(prog, out, opts):
    import threading
    lib = tuple(opts.get("library_paths", ()))
    skip = tuple(opts.get("skip_paths", ())) + (HERE,)
    opcodes = opts.get("opcodes", False)
    events, order, fids, keep = {}, [], {}, []
    counter = iter(range(1, 1 << 30))
    tl = threading.local()

    def tr(frame, event, arg):
        fn = frame.f_code.co_filename
        if fn.startswith(skip):
            return None
        t = getattr(tl, "k", None)
        if t is None:
            tl.k = t = len(order) + 1
            events[t] = []
            order.append(t)
        is_lib = (fn.startswith(lib) if lib else False) or \
            fn.startswith("<frozen ")
        if is_lib and event not in ("call", "return"):
            return None
        gen = frame.f_code.co_flags & GEN_FLAGS
        k = id(frame)
        if gen:
            keep.append(frame)
        if (event == "call" and not gen) or k not in fids:
            fids[k] = next(counter)
        events[t].append([event, frame.f_code.co_name, frame.f_lineno or 0,
                          fids[k]])
        if event == "return" and not gen:
            del fids[k]
        if is_lib:
            frame.f_trace_lines = False
        elif opcodes and event == "call":
            frame.f_trace_opcodes = True
        return tr

    code = compile(open(prog).read(), prog, "exec")
    threading.settrace(tr)
    sys.settrace(tr)
    try:
        exec(code, {"__name__": "__main__", "__file__": prog})
    finally:
        sys.settrace(None)
        threading.settrace(None)
    with open(out, "w") as f:
        json.dump([events[t] for t in order], f)


def driver_rec(prog, out, opts):
    import _tracerec
    opts = dict(opts)
    opts["skip_paths"] = list(opts.get("skip_paths", ())) + [HERE]
    code = compile(open(prog).read(), prog, "exec")
    rec = _tracerec.Recorder(out, **opts)
    rec.start()
    try:
        exec(code, {"__name__": "__main__", "__file__": prog})
    finally:
        rec.stop()
        err = rec.close()
    if err:
        sys.exit("recorder error: " + err)


def dump(path):
    exe = os.path.join(os.environ.get("TREC_BUILDDIR", "."), "tests", "helper",
                       "trec-dump")
    out = subprocess.run([exe, path], check=True, capture_output=True,
                         text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line]
    code = {r["id"]: r for r in rows if r["type"] == "code"}
    threads = [r for r in rows if r["type"] == "thread"]
    events = sorted((r for r in rows if r["type"] == "event"),
                    key=lambda r: r["seq"])
    return code, threads, events


def threading_file():
    import threading
    return threading.__file__


def have_dump():
    exe = os.path.join(os.environ.get("TREC_BUILDDIR", "."), "tests", "helper",
                       "trec-dump")
    return os.access(exe, os.X_OK)


@unittest.skipUnless(have_dump(), "tests/helper/trec-dump not built")
class RecorderCore(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="t0250-")
        self.dir = os.path.realpath(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def run_driver(self, mode, prog, out, opts, check=True):
        return subprocess.run(
            [sys.executable, HERE, "--driver", mode, prog, out,
             json.dumps(opts)], capture_output=True, text=True, check=check,
            cwd=self.dir)

    def compare(self, prog, **opts):
        """Record prog and check it against the reference; return the dump."""
        ref_out = os.path.join(self.dir, "ref.json")
        trace = os.path.join(self.dir, "rec.trace")
        r1 = self.run_driver("ref", prog, ref_out, opts)
        r2 = self.run_driver("rec", prog, trace, opts)
        self.assertEqual(r1.stdout, r2.stdout, "program output differs")
        with open(ref_out) as f:
            ref = json.load(f)
        code, threads, events = dump(trace)
        per = {}
        for e in events:
            per.setdefault(e["thread"], []).append(e)
        rec = [per[t["id"]] for t in threads if t["id"] in per]
        self.assertEqual(len(rec), len(ref), "number of threads with events")
        for ti, (a, b) in enumerate(zip(rec, ref)):
            got = [[e["kind"], code[e["code"]]["name"], e["line"]] for e in a]
            want = [x[:3] for x in b]
            self.assertEqual(got, want, "events of thread %d" % ti)
            f2r, r2f = {}, {}
            for i, (e, x) in enumerate(zip(a, b)):
                self.assertEqual(f2r.setdefault(e["frame"], x[3]), x[3],
                                 "frame identity at event %d" % i)
                self.assertEqual(r2f.setdefault(x[3], e["frame"]), e["frame"],
                                 "frame identity at event %d" % i)
        return code, threads, events

    def test_generators_keep_one_frame(self):
        prog = self.write("gens.py", """\
            def gen(n):
                total = 0
                for i in range(n):
                    got = yield i
                    if got:
                        total += got
                return total
            def deleg():
                r = yield from gen(3)
                yield r
            a, b = gen(5), gen(5)
            next(a); next(b); a.send(1); b.send(2)
            try:
                a.throw(KeyError("k"))
            except KeyError:
                pass
            print(list(deleg()), list(b))
            for _ in range(50):
                g = gen(2)
                next(g)
                del g
            def plain(x):
                y = x + 1
                return y
            print(sum(plain(i) for i in range(20)))
            """)
        code, threads, events = self.compare(prog)
        calls = [e for e in events if e["kind"] == "call"
                 and code[e["code"]]["name"] == "plain"]
        self.assertEqual(len(calls), 20)
        self.assertEqual(len({e["frame"] for e in calls}), 20,
                         "a reused frame address must get a new frame id")

    def test_exceptions_and_returns(self):
        prog = self.write("exc.py", """\
            def f(a, b=2, *args, k=3, **kw):
                c = a + b
                try:
                    d = c / 0
                except ZeroDivisionError:
                    d = -1
                return d
            def chained():
                try:
                    try:
                        raise KeyError("a")
                    except KeyError as e:
                        raise ValueError("b") from e
                except ValueError:
                    return 1
            class CM:
                def __enter__(self): return self
                def __exit__(self, *a): return True
            def suppressed():
                with CM():
                    raise RuntimeError("x")
                return 2
            def fin():
                try:
                    return 1
                finally:
                    x = 2
            def deep(n):
                return 0 if n == 0 else deep(n - 1) + 1
            print(f(1, 2, 3, k=4, z=5), chained(), suppressed(), fin(), deep(300))
            """)
        code, threads, events = self.compare(prog)
        rets = [e for e in events if e["kind"] == "return"
                and code[e["code"]]["name"] == "f"]
        self.assertEqual([v["value"] for v in rets[0]["vars"]
                          if v["kind"] == "return"], ["-1"])
        excs = [e for e in events if e["kind"] == "exception"
                and code[e["code"]]["name"] == "f"]
        self.assertTrue(any("ZeroDivisionError" in v["value"]
                            for v in excs[0]["vars"] if v["kind"] == "exception"))

    def test_library_and_skip(self):
        libdir = os.path.join(self.dir, "lib")
        skipdir = os.path.join(self.dir, "skip")
        self.write("lib/libmod.py", """\
            def apply(fn, xs):
                out = []
                for x in xs:
                    out.append(fn(x))
                return out
            """)
        self.write("skip/skipmod.py", """\
            def call(fn):
                v = fn(3)
                return v
            """)
        prog = self.write("main.py", """\
            import sys
            sys.path[:0] = [%r, %r]
            import libmod, skipmod
            def double(x):
                y = x * 2
                return y
            print(libmod.apply(double, [1, 2]), skipmod.call(double))
            """ % (libdir, skipdir))
        code, threads, events = self.compare(
            prog, library_paths=[libdir], skip_paths=[skipdir])
        files = {code[e["code"]]["file"] for e in events}
        self.assertNotIn(os.path.join(skipdir, "skipmod.py"), files)
        lib = [e for e in events
               if code[e["code"]]["file"].startswith(libdir)]
        self.assertTrue(lib)
        self.assertEqual({e["kind"] for e in lib}, {"call", "return"})
        doubles = [e for e in events if e["kind"] == "call"
                   and code[e["code"]]["name"] == "double"]
        self.assertEqual(len(doubles), 3, "callbacks from library and "
                         "skipped code are recorded")

    def test_opcodes(self):
        prog = self.write("ops.py", """\
            def f(x):
                y = x + 1
                return y
            print(f(1), f(2), f(3))
            """)
        trace = os.path.join(self.dir, "ops.trace")
        self.run_driver("rec", prog, trace, {"opcodes": True})
        code, threads, events = dump(trace)
        ops = [e for e in events if e["kind"] == "opcode"
               and code[e["code"]]["name"] == "f"]
        # 3.13 turns opcode events on per code object at the frame's first
        # non-line event after f_trace_opcodes is set, as for sys.settrace:
        # the first activation may have none
        self.assertTrue(ops)
        self.assertTrue(all(e.get("offset", -1) >= 0 for e in ops))
        self.assertTrue(all(1 <= e["line"] <= 3 for e in ops))

    def test_threads_before_and_after_start(self):
        prog = self.write("thr.py", """\
            import sys, threading, time, _tracerec
            ready, go = threading.Event(), threading.Event()
            def spin():
                ready.set()
                n = 0
                while not go.is_set():
                    n += 1
                    time.sleep(0.001)
                return n
            def later(k):
                s = k * 2
                return s
            t1 = threading.Thread(target=spin, name="early")
            t1.start()
            ready.wait()
            rec = _tracerec.Recorder(sys.argv[1], skip_paths=[threading.__file__])
            rec.start()
            time.sleep(0.01)
            go.set()
            t1.join()
            t2 = threading.Thread(target=later, args=(4,), name="late")
            t2.start()
            t2.join()
            rec.stop()
            rec.stop()
            st = rec.stats()
            rec.set_thread_names({threading.main_thread().ident: "MainThread"})
            rec.close()
            print(st["threads"], st["error"])
            """)
        trace = os.path.join(self.dir, "thr.trace")
        r = subprocess.run([sys.executable, prog, trace], capture_output=True,
                           text=True, check=True)
        self.assertEqual(r.stdout.split(), ["3", "None"])
        code, threads, events = dump(trace)
        by_name = {t["name"]: t["id"] for t in threads}
        self.assertIn("MainThread", by_name)
        self.assertIn("late", by_name)
        kinds = {}
        for e in events:
            kinds.setdefault((e["thread"], code[e["code"]]["name"]),
                             set()).add(e["kind"])
        early = [t["id"] for t in threads
                 if t["id"] not in (by_name["MainThread"], by_name["late"])]
        self.assertEqual(len(early), 1)
        self.assertIn("line", kinds[(early[0], "spin")],
                      "a thread running before start() is recorded")
        self.assertIn("return", kinds[(early[0], "spin")])
        self.assertEqual(kinds[(by_name["late"], "later")],
                         {"call", "line", "return"})

    def test_sequential_threads_stay_apart(self):
        """Threads started one after another often get a dead thread's
        ident and PyThreadState address; under sys.monitoring a new thread's
        first events (Thread._bootstrap) come before threading's start hook,
        and were once recorded as the dead thread's."""
        import _tracerec
        prog = self.write("seq.py", """\
            import threading
            def work(k):
                s = k * 2
                return s
            for k in range(60):
                t = threading.Thread(target=work, args=(k,), name="w%d" % k)
                t.start()
                t.join()
            print("done")
            """)
        for backend in _tracerec.backends():
            with self.subTest(backend=backend):
                code, threads, events = self.compare(
                    prog, backend=backend,
                    library_paths=[os.path.dirname(threading_file())])
                name = {t["id"]: t["name"] for t in threads}
                works = {}
                for e in events:
                    fn = code[e["code"]]["name"]
                    if fn == "work" and e["kind"] == "call":
                        works.setdefault(e["thread"], []).append(e)
                    # recorded from Thread.run on, as sys.settrace sees it
                    self.assertNotEqual(fn, "_bootstrap",
                                        "thread %d" % e["thread"])
                self.assertEqual(len(works), 60, "one thread per work()")
                self.assertEqual(sorted(name[t] for t in works),
                                 sorted("w%d" % k for k in range(60)))
                for t, calls in works.items():
                    self.assertEqual(len(calls), 1, name[t])

    def test_ended_threads_give_memory_back(self):
        """threads_churn.py starts 600 threads one after another. Every
        one's events are in the trace, with its counts in the threads
        table, and the memory the recording holds does not grow with the
        threads that ended: it kept each one's stream buffers and stacks
        until close, 58-63 MB more at the end than after the first 150
        threads (3.11 and 3.13, both backends), where now it is 3-9 MB."""
        import _tracerec
        tracerec = os.environ.get("TRACEREC")
        if not tracerec:
            self.skipTest("TRACEREC is not set")
        prog = os.path.join(os.environ.get("TREC_SRCDIR", "."), "tests",
                            "programs", "threads_churn.py")
        with open(prog) as f:
            body = next(i for i, line in enumerate(f, 1)
                        if line.strip() == "s += i * k")
        trace = os.path.join(self.dir, "churn.trace")

        def sql(query):
            r = subprocess.run([tracerec, "sql", "--json", trace, query],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout) if r.stdout.strip() else []

        for backend in _tracerec.backends():
            with self.subTest(backend=backend):
                r = subprocess.run([tracerec, "run", "-q", "--backend", backend,
                                    "-o", trace, prog], capture_output=True,
                                   text=True, timeout=300, cwd=self.dir)
                self.assertEqual((r.returncode, r.stderr), (0, ""))
                head, rss = r.stdout.splitlines()
                n, loops = int(head.split()[1]), int(head.split()[3])
                # each thread ran the loop's body `loops` times and returned
                # what the program computed
                rows = sql("SELECT thread, count(*) AS n FROM events "
                           "WHERE function = 'work' AND kind = 'line' "
                           "AND line = %d GROUP BY thread" % body)
                self.assertEqual(len(rows), n, "threads with events")
                self.assertEqual({x["n"] for x in rows}, {loops})
                got = sorted(int(x["returned"]) for x in sql(
                    "SELECT returned FROM calls WHERE function = 'work'"))
                self.assertEqual(got, [k * loops * (loops - 1) // 2
                                       for k in range(n)])
                # the counts each thread's end wrote are its chunks'
                rows = sql("SELECT t.thread_id AS id, t.first_seq = c.f AND "
                           "t.last_seq = c.l AND t.n_events = c.n AS ok "
                           "FROM threads t JOIN (SELECT thread_id, "
                           "min(first_seq) AS f, max(last_seq) AS l, "
                           "sum(n_events) AS n FROM chunks GROUP BY thread_id)"
                           " c USING (thread_id)")
                self.assertEqual(len(rows), n + 1)
                self.assertEqual([x["id"] for x in rows if not x["ok"]], [])
                first, end = (int(x) for x in rss.split()[1:])
                if first == 0:
                    continue      # no /proc/self/status
                self.assertLess(end - first, 24 * 1024,
                                "kB the recording took for %d more threads "
                                "that ended" % (n - n // 4))

    def test_api_rules(self):
        prog = self.write("api.py", """\
            import os, sys, _tracerec
            print(_tracerec.backends())
            a = _tracerec.Recorder(sys.argv[1])
            b = _tracerec.Recorder(sys.argv[1] + ".b")
            a.start()
            try:
                b.start()
            except RuntimeError as e:
                print("second:", e)
            a.stop()
            x = 1
            a.start()
            y = 2
            a.stop()
            print(sorted(a.stats()))
            print(a.close(), b.close())
            try:
                _tracerec.Recorder(os.path.join(sys.argv[1], "no", "dir"))
            except OSError:
                print("OSError")
            try:
                _tracerec.Recorder(sys.argv[1], backend="nope")
            except ValueError:
                print("ValueError")
            """)
        trace = os.path.join(self.dir, "api.trace")
        r = subprocess.run([sys.executable, prog, trace], capture_output=True,
                           text=True, check=True)
        lines = r.stdout.splitlines()
        self.assertIn(lines[0], ("('settrace',)", "('settrace', 'monitoring')"))
        self.assertTrue(lines[1].startswith("second:"))
        self.assertEqual(lines[2], "['chunks', 'error', 'events', 'threads']")
        self.assertEqual(lines[3:], ["None None", "OSError", "ValueError"])
        code, threads, events = dump(trace)
        lines_seen = [e["line"] for e in events if e["kind"] == "line"]
        self.assertNotIn(11, lines_seen, "no events between stop and start")
        self.assertIn(13, lines_seen)

    def test_backends_agree(self):
        import _tracerec
        if "monitoring" not in _tracerec.backends():
            self.skipTest("no sys.monitoring backend on this Python")
        prog = self.write("both.py", """\
            import threading
            def gen(n):
                for i in range(n):
                    got = yield i
                return got
            def f(a):
                try:
                    b = [a] * 2
                    raise KeyError(a)
                except KeyError:
                    c = sorted(b, key=lambda v: -v)
                return c
            g = gen(3)
            next(g); g.send(1)
            for i in range(3): f(i)
            t = threading.Thread(target=f, args=(9,))
            t.start(); t.join()
            print(list(g), [f(i) for i in range(2)])
            """)
        dumps = []
        for backend in ("settrace", "monitoring"):
            trace = os.path.join(self.dir, backend + ".trace")
            r = self.run_driver("rec", prog, trace, {
                "backend": backend, "library_paths": [os.path.dirname(
                    threading_file())]})
            code, threads, events = dump(trace)
            dumps.append((r.stdout, [
                (e["thread"], e["frame"], e["kind"], code[e["code"]]["name"],
                 e["line"], [(v["kind"], v["name"], v["tag"]) for v in e["vars"]])
                for e in events]))
        self.assertEqual(dumps[0], dumps[1])

    def test_sources_and_meta(self):
        prog = self.write("src.py", """\
            import sys, _tracerec
            rec = _tracerec.Recorder(sys.argv[1])
            text = "def g(x):\\n    return x * 3\\nprint(g(2))\\n"
            rec.add_source("<generated>", text)
            rec.set_meta("argv", "src.py a b")
            rec.set_meta("answer", 42)
            rec.start()
            exec(compile(text, "<generated>", "exec"), {})
            exec(compile("y = 1", "<nosource>", "exec"), {})
            rec.stop()
            rec.close()
            """)
        trace = os.path.join(self.dir, "src.trace")
        r = subprocess.run([sys.executable, prog, trace], capture_output=True,
                           text=True, check=True)
        self.assertEqual(r.stdout, "6\n")
        import sqlite3
        db = sqlite3.connect(trace)
        files = dict(db.execute("SELECT path, size FROM files"))
        meta = dict(db.execute("SELECT key, value FROM meta"))
        db.close()
        self.assertEqual(files["<generated>"], len(
            "def g(x):\n    return x * 3\nprint(g(2))\n"))
        self.assertEqual(files["<nosource>"], -1)
        self.assertEqual(meta["argv"], "src.py a b")
        self.assertEqual(meta["answer"], 42)

    def test_recording_error_stops_cleanly(self):
        try:
            import resource
            import signal
            signal.SIGXFSZ
        except (ImportError, AttributeError):
            self.skipTest("no RLIMIT_FSIZE")
        # the trace cannot grow past 200 kB: the writer fails, recording
        # stops in every thread, and the program runs on unaltered
        prog = self.write("full.py", """\
            import _tracerec, resource, signal, sys, threading
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            rec = _tracerec.Recorder(sys.argv[1], chunk_events=256, flush_ms=10)
            rec.start()
            resource.setrlimit(resource.RLIMIT_FSIZE,
                               (200000, resource.RLIM_INFINITY))
            def work(n):
                s = 0
                for i in range(n):
                    s += i * i
                return s
            try:
                raise ValueError("pending")
            except ValueError:
                total = sum(work(2000) for _ in range(50))
                print(sys.exc_info()[0].__name__)
            t = threading.Thread(target=work, args=(10,))
            t.start()
            t.join()
            print(total, sys.gettrace() is None, threading.gettrace() is None
                  if hasattr(threading, "gettrace") else True)
            err = rec.stats()["error"]
            print(err is not None, rec.close() == err)
            """)
        trace = os.path.join(self.dir, "full.trace")
        r = subprocess.run([sys.executable, prog, trace], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), [
            "ValueError", "%d True True" % sum(
                sum(i * i for i in range(2000)) for _ in range(50)),
            "True True"])

    def test_fork(self):
        if not hasattr(os, "fork"):
            self.skipTest("no fork")
        prog = self.write("fork.py", """\
            import os, sys, _tracerec
            def work(x):
                y = x + 1
                return y
            path, mode, backend = sys.argv[1], sys.argv[2], sys.argv[3]
            rec = _tracerec.Recorder(path, backend=backend)
            os.register_at_fork(after_in_child=lambda: rec.after_fork_child(
                path + ".child" if mode == "child" else None))
            rec.start()
            pid = os.fork()
            if pid == 0:
                work(100)
                rec.stop()
                rec.close()
                os._exit(0)
            os.waitpid(pid, 0)
            work(200)
            rec.stop()
            rec.close()
            """)
        import _tracerec
        for backend, mode in [(b, m) for b in _tracerec.backends()
                              for m in ("child", "none")]:
            trace = os.path.join(self.dir, "fork-%s-%s.trace" % (backend, mode))
            subprocess.run([sys.executable, prog, trace, mode, backend],
                           check=True, stderr=subprocess.DEVNULL)
            code, threads, events = dump(trace)
            args = [v["value"] for e in events if e["kind"] == "call"
                    for v in e["vars"] if v["name"] == "x"]
            self.assertEqual(args, ["200"], "the parent's trace: " + mode)
            if mode == "child":
                code, threads, events = dump(trace + ".child")
                args = [v["value"] for e in events if e["kind"] == "call"
                        for v in e["vars"] if v["name"] == "x"]
                self.assertEqual(args, ["100"])
            else:
                self.assertFalse(os.path.exists(trace + ".child"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--driver":
        fn = driver_ref if sys.argv[2] == "ref" else driver_rec
        fn(os.path.abspath(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5]))
    else:
        import taprunner
        taprunner.main()
