"""t0201: `tracerec run` behaves like `python`: the same exit status, stdout
and stderr for every corpus program, the same sys.argv, sys.path[0] and
__main__ in script, -m and -c modes (also at exit), and signal deaths; a
program that puts back the trace function sys.gettrace() gave it, and one
whose frames end while it has switched tracing off; threads that keep a
trace function of their own, threads _thread starts, threads started under
an audit hook."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PYTHON = os.environ.get("PYTHON", sys.executable)
PROGRAMS = reftrace.programs_dir()


def run(cmd, stdin=b"", cwd=PROGRAMS, env=None):
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, cwd=cwd,
                       env=env or reftrace.env_for_tests(), timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


class LikePython(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.trace = os.path.join(self.tmp.name, "t.trace")

    def tearDown(self):
        self.tmp.cleanup()

    def both(self, args, **kw):
        mine = run([TRACEREC, "run", "-q", "-o", self.trace] + args, **kw)
        theirs = run([PYTHON] + args, **kw)
        return mine, theirs

    def test_corpus_status_and_output(self):
        for name in reftrace.corpus():
            with self.subTest(program=name):
                mine, theirs = self.both([os.path.join(PROGRAMS, name)])
                self.assertEqual(mine, theirs)
                self.assertTrue(os.path.exists(self.trace))

    def test_compile_errors_and_excepthooks(self):
        # a program that does not compile shows the error alone; an uncaught
        # exception goes to sys.excepthook as Python's top level sends it:
        # sys.last_* set first, a failing or missing hook reported
        programs = {
            "syntax.py": "x = (1,\n  2\nprint(x)\n",
            "hook_fails.py": "import sys\ndef hook(t, v, tb):\n    print('hook', t.__name__)\n"
                             "    raise RuntimeError('hook failed')\nsys.excepthook = hook\n"
                             "raise KeyError('k')\n",
            "hook_none.py": "import sys\nsys.excepthook = None\nraise KeyError('k')\n",
            "hook_deleted.py": "import sys\ndel sys.excepthook\nraise KeyError('k')\n",
            "hook_last.py": "import sys\ndef hook(t, v, tb):\n"
                            "    print(sys.last_value is v, sys.last_traceback is tb,\n"
                            "          getattr(sys, 'last_exc', v) is v)\n"
                            "sys.excepthook = hook\nraise KeyError('k')\n",
        }
        for name, text in programs.items():
            with self.subTest(program=name):
                path = os.path.join(self.tmp.name, name)
                with open(path, "w") as f:
                    f.write(text)
                mine, theirs = self.both([path])
                self.assertEqual(mine, theirs)
                self.assertEqual(mine[0], 1)

    def test_trace_function_put_back(self):
        # sys.settrace(sys.gettrace()) after a trace function of the
        # program's own: it runs as under python, and what follows the
        # next call is recorded at the right depth
        mine, theirs = self.both(["settrace_restore.py"])
        self.assertEqual(mine, theirs)
        self.assertEqual(mine[1], "11 ['call', 'line', 'return']\n")
        p = subprocess.run([TRACEREC, "sql", "--json", self.trace,
                            "SELECT function, count(*) AS n, min(depth) AS d, max(depth) AS e "
                            "FROM calls WHERE function IN ('main', 'after_restore') "
                            "GROUP BY function ORDER BY function"],
                           stdout=subprocess.PIPE, universal_newlines=True, timeout=60)
        rows = json.loads(p.stdout)
        self.assertEqual([(r["function"], r["n"], r["e"] - r["d"]) for r in rows],
                         [("after_restore", 3, 0), ("main", 1, 0)])
        self.assertEqual(rows[0]["d"], rows[1]["d"] + 1)
        self.assertEqual(self.sql("SELECT value FROM meta WHERE key = 'tracing_off'"),
                         [{"value": 1}])

    def sql(self, query):
        p = subprocess.run([TRACEREC, "sql", "--json", self.trace, query],
                           stdout=subprocess.PIPE, universal_newlines=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        return json.loads(p.stdout) if p.stdout.strip() else []

    def test_frames_that_end_untraced(self):
        # frames that end while the program has switched tracing off, their
        # code freed and a function of the same shape run next: recording
        # goes on to the end, and depths after tracing comes back are those
        # of the frames python shows
        mine, theirs = self.both(["stale_frames.py"])
        self.assertEqual(mine, theirs)
        self.assertEqual(self.sql("SELECT value FROM meta WHERE key = 'status'"),
                         [{"value": "complete"}])
        # each victim took the trace function away: three restorers gave it
        # back, the last was still without it when the program's code ended
        self.assertEqual(self.sql("SELECT value FROM meta WHERE key = 'tracing_off'"),
                         [{"value": 4}])
        info = subprocess.run([TRACEREC, "info", self.trace], stdout=subprocess.PIPE,
                              universal_newlines=True, timeout=60).stdout
        self.assertIn("\ntracing off 4 times: the program took the trace function away", info)
        shown = [line.split() for line in theirs[1].splitlines()]
        self.assertEqual([who for who, _ in shown],
                         ["restorer0", "restorer1", "restorer2", "at_exit"])
        probes = self.sql("SELECT depth FROM events WHERE function = 'probe' "
                          "AND kind = 'call' ORDER BY seq")
        # a restorer was called while tracing was off: no call event, so
        # not on the recorded stack when probe is called (README)
        self.assertEqual([r["depth"] for r in probes],
                         [int(n) - (who != "at_exit") for who, n in shown])
        self.assertEqual(self.sql("SELECT DISTINCT depth FROM events "
                                  "WHERE function = 'at_exit'"), [{"depth": 1}])
        # each victim has its call and no return
        ends = self.sql("SELECT function, sum(kind = 'call') AS c, "
                        "sum(kind = 'return') AS r FROM events "
                        "WHERE function LIKE '%victim%' GROUP BY function ORDER BY function")
        self.assertEqual([(e["function"], e["c"], e["r"]) for e in ends],
                         [("last_victim", 1, 0), ("victim0", 1, 0),
                          ("victim1", 1, 0), ("victim2", 1, 0)])

    def test_main_globals_at_exit(self):
        # python takes __file__ and __cached__ back from a script's __main__
        # before its atexit functions run, unless SystemExit ended it
        for how in ("end", "exit", "raise"):
            with self.subTest(how=how):
                mine, theirs = self.both(["atexit_globals.py", how])
                self.assertEqual(mine, theirs)
                self.assertIn("at exit: %s" % ("True True" if how == "exit" else "False False"),
                              theirs[1])

    def test_threads_under_an_audit_hook(self):
        # no hang, and the recording goes on to the end (threading's own
        # sys.settrace() in a new thread may still meet CPython's guard, as
        # under any threading.settrace() hook: stderr is not compared)
        p = subprocess.run([TRACEREC, "run", "-q", "-o", self.trace, "audit_threads.py"],
                           cwd=PROGRAMS, env=reftrace.env_for_tests(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        self.assertEqual((p.returncode, p.stdout), (0, "ok\n"))
        self.assertNotIn("tracerec:", p.stderr)
        q = subprocess.run([TRACEREC, "sql", "--json", self.trace,
                            "SELECT value FROM meta WHERE key = 'status'"],
                           stdout=subprocess.PIPE, universal_newlines=True, timeout=60)
        self.assertEqual(json.loads(q.stdout), [{"value": "complete"}])

    def test_threads_keep_their_own_tracing(self):
        # threads started later get the recorder's trace function, and the
        # threads that set one of their own or none keep what they set
        mine, theirs = self.both(["threads_own_tracer.py"])
        self.assertEqual(mine, theirs)
        self.assertEqual(theirs[1], "%s\n" % (["call"] + ["line", "line"] * 3
                                               + ["line", "return"]))
        rows = self.sql("SELECT thread, count(*) AS n FROM events WHERE function = 'counted' "
                        "AND kind = 'call' GROUP BY thread")
        self.assertEqual([r["n"] for r in rows], [1, 1, 1])
        self.assertEqual(self.sql("SELECT value FROM meta WHERE key = 'tracing_off'"),
                         [{"value": 2}])

    def test_threads_that_thread_starts(self):
        # _thread's own starters: each thread is recorded from its call,
        # though it ran to its end before its starter had another event;
        # and _thread's functions are python's again after the recording
        mine, theirs = self.both(["threads_raw_waited.py"])
        self.assertEqual(mine, theirs)
        rows = self.sql("SELECT e.thread, v.value FROM events e JOIN vars v "
                        "ON v.seq = e.seq AND v.name = 'k' "
                        "WHERE e.function = 'work' AND e.kind = 'call' ORDER BY e.seq")
        self.assertEqual(sorted(int(r["value"]) for r in rows), [1, 2, 3, 4, 5, 6])
        self.assertEqual(len({r["thread"] for r in rows}), 6)
        code = ("import _thread, tracerec\n"
                "before = (_thread.start_new_thread, _thread.start_new)\n"
                "with tracerec.record(%r, quiet=True):\n"
                "    during = (_thread.start_new_thread, _thread.start_new)\n"
                "    print(during[0].__name__, during[0].__doc__ == before[0].__doc__)\n"
                "print(before == (_thread.start_new_thread, _thread.start_new))\n" % self.trace)
        p = run([PYTHON, "-c", code])
        self.assertEqual(p, (0, "start_new_thread True\nTrue\n", ""))

    def env_of(self, args, stdin=b"", **kw):
        (s1, o1, e1), (s2, o2, e2) = self.both(args, stdin=stdin, **kw)
        self.assertEqual((s1, e1), (0, ""))
        self.assertEqual((s2, e2), (0, ""))
        mine, theirs = json.loads(o1), json.loads(o2)
        # tracerec also installs __main__ as __mp_main__ (for multiprocessing)
        self.assertTrue(mine.pop("mp_main"))
        theirs.pop("mp_main")
        return mine, theirs

    def test_script_sees_what_python_shows(self):
        mine, theirs = self.env_of(["show_env.py", "a", "-x", "--y"], stdin=b"in")
        self.assertEqual(mine, theirs)
        self.assertEqual(mine["argv"], ["show_env.py", "a", "-x", "--y"])
        self.assertEqual(mine["stdin"], "in")
        self.assertTrue(mine["main_is_this"] and mine["builtins"])

    def test_script_by_absolute_path_from_elsewhere(self):
        script = os.path.join(PROGRAMS, "show_env.py")
        mine, theirs = self.env_of([script], stdin=b"")
        self.assertEqual(mine, theirs)
        self.assertEqual(mine["path0"], os.path.realpath(PROGRAMS))

    def test_module_mode(self):
        mine, theirs = self.both(["-m", "pkgmod", "p", "q"])
        self.assertEqual(mine, theirs)
        self.assertEqual(mine[0], 0)
        self.assertIn("__main__ pkgmod pkgmod.__main__ ['p', 'q'] 126", mine[1])

    def test_module_mode_env(self):
        mine, theirs = self.env_of(["-m", "show_env", "z"])
        self.assertEqual(mine, theirs)
        self.assertEqual(mine["path0"], os.path.realpath(PROGRAMS))
        self.assertEqual(mine["frames_under"], ["_run_code", "_run_module_as_main"])

    def test_module_mode_records_its_packages(self):
        # the package's __init__ is the program's code: python runs it with
        # sys.argv[0] "-m", and it is recorded in full
        mine, theirs = self.both(["-m", "pkgmod", "p"])
        self.assertEqual(mine, theirs)
        self.assertIn("package pkgmod sees argv ['-m', 'p']\n", mine[1])
        # imported from sys.path[0], the working directory as getcwd() has it
        init = os.path.join(os.path.realpath(PROGRAMS), "pkgmod", "__init__.py")
        rows = self.sql("SELECT e.kind, e.line, v.value FROM events e LEFT JOIN vars v "
                        "ON v.seq = e.seq AND v.name = 'VALUE' WHERE e.file = '%s' "
                        "ORDER BY e.seq" % init.replace("'", "''"))
        with open(init, encoding="utf-8") as f:
            value_line = next(i for i, text in enumerate(f, 1) if text.startswith("VALUE"))
        self.assertEqual(rows[0]["kind"], "call")
        self.assertIn({"kind": "line", "line": value_line, "value": None}, rows)
        self.assertEqual(rows[-1]["kind"], "return")
        self.assertEqual(rows[-1]["value"], "42")

    def test_module_lookup_failures(self):
        # as python: a missing submodule is found missing once the package
        # ran (recorded); a package that raises is the program's uncaught
        # exception; a missing top-level name fails before any recording
        with tempfile.TemporaryDirectory() as d:
            for pkg, init in (("loud", "print('loud ran')\n"),
                              ("raising", "def f():\n    raise KeyError('in init')\nf()\n")):
                os.mkdir(os.path.join(d, pkg))
                with open(os.path.join(d, pkg, "__init__.py"), "w") as f:
                    f.write(init)
            for args in (["-m", "loud.nosuch"], ["-m", "loud"], ["-m", "raising.sub"]):
                with self.subTest(args=args):
                    if os.path.exists(self.trace):
                        os.unlink(self.trace)
                    (s1, o1, e1), (s2, o2, e2) = self.both(args, cwd=d)
                    self.assertEqual((s1, o1), (s2, o2))
                    self.assertEqual(s1, 1)
                    if args[1] == "raising.sub":
                        self.assertEqual(e1, e2)
                        self.assertIn("KeyError: 'in init'", e1)
                    else:
                        # python names itself (sys.executable) first
                        self.assertEqual(e1.split(": ", 1)[1], e2.split(": ", 1)[1])
                        self.assertEqual(o1, "loud ran\n")
                    self.assertTrue(os.path.exists(self.trace))
            os.unlink(self.trace)
            s, o, e = run([TRACEREC, "run", "-q", "-o", self.trace, "-m", "nosuchtop.sub"], cwd=d)
            self.assertEqual((s, o), (1, ""))
            self.assertIn("tracerec run: ", e)
            self.assertIn("nosuchtop", e)
            self.assertEqual(len(e.splitlines()), 1, e)
            self.assertFalse(os.path.exists(self.trace))

    def test_program_sees_no_frame_of_ours(self):
        mine, theirs = self.env_of(["show_env.py"])
        self.assertEqual(mine, theirs)
        self.assertEqual(mine["frames_under"], [])
        mine, theirs = self.both(["own_stack.py"])
        self.assertEqual(mine, theirs)
        self.assertIn("depth at module level: 1\n", mine[1])
        # python's name for "above the outermost frame": sys:1, <sys>:0 on 3.13
        self.assertRegex(mine[2].splitlines()[0], r"^<?sys>?:[01]: UserWarning: reported")
        mine, theirs = self.both(["-c", "import sys; print(sys._getframe().f_back)"])
        self.assertEqual(mine, theirs)
        self.assertEqual(mine[1], "None\n")

    def test_zip_application(self):
        import zipfile
        with open(os.path.join(PROGRAMS, "show_env.py"), encoding="utf-8") as f:
            source = f.read()
        with tempfile.TemporaryDirectory() as d:
            with zipfile.ZipFile(os.path.join(d, "app.pyz"), "w") as z:
                z.writestr("__main__.py", source)
            mine, theirs = self.env_of(["app.pyz", "z1"], cwd=d)
            self.assertEqual(mine, theirs)
            self.assertEqual(mine["argv"], ["app.pyz", "z1"])
            self.assertEqual(mine["path0"], os.path.join(os.path.realpath(d), "app.pyz"))
            self.assertEqual(mine["frames_under"], ["_run_code", "_run_module_as_main"])
            files = [r["path"] for r in self.sql("SELECT path FROM files")]
            self.assertIn(os.path.join(os.path.realpath(d), "app.pyz", "__main__.py"), files)
            with open(os.path.join(d, "empty.zip"), "wb") as f:
                f.write(b"PK\x05\x06" + bytes(18))
            mine, theirs = self.both(["empty.zip"], cwd=d)
            self.assertEqual((mine[0], mine[1]), (theirs[0], theirs[1]))
            self.assertEqual(mine[0], 1)
            self.assertIn("can't find '__main__' module", mine[2])

    def test_program_from_stdin(self):
        with open(os.path.join(PROGRAMS, "show_env.py"), "rb") as f:
            source = f.read()
        mine, theirs = self.env_of(["-", "s1", "-x"], stdin=source)
        self.assertEqual(mine, theirs)
        self.assertEqual((mine["argv"], mine["path0"], mine["file"]),
                         (["-", "s1", "-x"], "", "<stdin>"))
        rows = self.sql("SELECT size FROM files WHERE path = '<stdin>'")
        self.assertEqual(rows, [{"size": len(source)}])
        code = b"import sys\nx = 6 * 7\nprint(x)\nraise SystemExit(x)\n"
        mine, theirs = self.both(["-"], stdin=code)
        self.assertEqual(mine, theirs)
        self.assertEqual(mine[:2], (42, "42\n"))
        self.assertEqual(self.sql("SELECT value FROM vars WHERE name = 'x'"), [{"value": "42"}])
        with tempfile.TemporaryDirectory() as d:
            run([TRACEREC, "run", "-q", "-"], stdin=code, cwd=d)
            self.assertEqual(os.listdir(d), ["stdin.trace"])

    def test_program_from_a_terminal_is_refused(self):
        import pty
        master, slave = pty.openpty()
        try:
            p = subprocess.run([TRACEREC, "run", "-q", "-o", self.trace, "-"], stdin=slave,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, cwd=PROGRAMS,
                               env=reftrace.env_for_tests(), timeout=60)
        finally:
            os.close(master)
            os.close(slave)
        self.assertEqual((p.returncode, p.stdout), (2, ""))
        self.assertRegex(p.stderr, r"^tracerec run: .*terminal.*\n$")
        self.assertFalse(os.path.exists(self.trace))

    def test_safe_path(self):
        has = run([PYTHON, "-c", "import sys; print(hasattr(sys.flags, 'safe_path'))"])
        if has[1] != "True\n":
            self.skipTest("PYTHONSAFEPATH is 3.11+")
        env = reftrace.env_for_tests(PYTHONSAFEPATH="1")
        mine, theirs = self.env_of(["show_env.py"], env=env)
        self.assertEqual(mine, theirs)
        (s1, o1, e1), (s2, o2, e2) = self.both(["dirapp"], env=env)
        self.assertEqual((s1, o1, e1), (s2, o2, e2))
        self.assertIn("True __main__ __main__ True", o1)

    def test_directory_mode(self):
        mine, theirs = self.both(["dirapp", "d1"])
        self.assertEqual(mine, theirs)
        self.assertEqual(mine[0], 0)
        self.assertIn("['dirapp', 'd1'] True __main__ __main__ True", mine[1])

    def test_code_mode(self):
        code = ("import sys, json; print(json.dumps([sys.argv, sys.path[0], "
                "__name__, sorted(globals()), type(__loader__).__name__]))")
        mine, theirs = self.both(["-c", code, "arg1", "-q"])
        self.assertEqual(mine, theirs)
        self.assertEqual(json.loads(mine[1])[0:2], [["-c", "arg1", "-q"], ""])

    def test_pythonpath_restored(self):
        env = reftrace.env_for_tests(PYTHONPATH="/nonexistent-xyz")
        (s1, o1, e1), (s2, o2, e2) = self.both(["show_env.py"], env=env)
        mine, theirs = json.loads(o1), json.loads(o2)
        mine.pop("mp_main")
        theirs.pop("mp_main")
        self.assertEqual((s1, e1, mine), (s2, e2, theirs))
        self.assertEqual(mine["pythonpath"], "/nonexistent-xyz")
        self.assertFalse(mine["recorder_on_path"])

    def test_sigterm_status(self):
        mine, theirs = self.both(["sigterm_self.py"])
        self.assertEqual(mine, theirs)
        self.assertEqual(mine[0], -15)
        self.assertTrue(os.path.getsize(self.trace) > 0)

    def test_keyboard_interrupt_status(self):
        mine, theirs = self.both(["keyboard_interrupt.py"])
        self.assertEqual(mine, theirs)
        self.assertEqual(mine[0], -2)
        self.assertIn("KeyboardInterrupt", mine[2])

    def test_python_m_tracerec_run(self):
        env = reftrace.env_for_tests()
        env["PYTHONPATH"] = os.pathsep.join(
            [os.path.join(os.environ["TREC_SRCDIR"], "recorder"),
             os.path.join(os.environ["TREC_BUILDDIR"], "recorder", ".libs")])
        mine = run([PYTHON, "-m", "tracerec", "run", "-q", "-o", self.trace,
                    "exc_uncaught.py"], env=env)
        theirs = run([PYTHON, "exc_uncaught.py"])
        self.assertEqual(mine, theirs)

    def test_summary_line(self):
        s, o, e = run([TRACEREC, "run", "-o", self.trace, "recursion.py"])
        self.assertEqual(s, 0)
        lines = e.splitlines()
        self.assertEqual(len(lines), 1, e)
        self.assertRegex(lines[0], r"^tracerec: [0-9,]+ events, [0-9.]+ m?s, trace .*t\.trace \(")


if __name__ == "__main__":
    import taprunner
    taprunner.main()
