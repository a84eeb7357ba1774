"""t0220: a trace survives kill -9 (opens, says truncated); a recording an
error stops early says so, with -q too, and its trace reads as truncated
with the reason; a forked child records into its own trace and never into
the parent's, and os._exit() finishes a trace; redaction keeps secrets out
of the trace."""
import glob
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


def calls(d):
    names = []
    for e in d["events"]:
        if e["kind"] == "call":
            names.append(d["codes"][e["code"]]["name"])
    return names


def meta(trace):
    import sqlite3
    db = sqlite3.connect("file:%s?mode=ro" % trace, uri=True)
    try:
        return {k: str(v) for k, v in db.execute("SELECT key, value FROM meta")}
    finally:
        db.close()


def run(args, tmp):
    return subprocess.run([TRACEREC, "run", "-q"] + args, cwd=PROGRAMS,
                          env=reftrace.env_for_tests(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=120)


def summary(trace):
    """(complete, events, names of called functions) of a trace, streamed
    from trec-dump --no-values: a long recording is too big to hold."""
    exe = os.path.join(os.environ["TREC_BUILDDIR"], "tests", "helper", "trec-dump")
    p = subprocess.Popen([exe, "--no-values", trace], stdout=subprocess.PIPE,
                         universal_newlines=True)
    complete, events, codes, called = None, 0, {}, set()
    for line in p.stdout:
        o = json.loads(line)
        if o["type"] == "header":
            complete = o["complete"]
        elif o["type"] == "code":
            codes[o["id"]] = o["name"]
        elif o["type"] == "event":
            events += 1
            if o["kind"] == "call":
                called.add(codes.get(o["code"]))
    p.stdout.close()
    assert p.wait() == 0, "trec-dump failed"
    return complete, events, called


class Crash(unittest.TestCase):
    def test_kill_9_leaves_a_truncated_trace(self):
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "k.trace")
            p = subprocess.Popen([TRACEREC, "run", "-q", "-o", trace, "long_running.py", "60"],
                                 cwd=PROGRAMS, stdout=subprocess.PIPE,
                                 env=reftrace.env_for_tests())
            first, running = reftrace.kill_9_when_committed(
                p, trace, "SELECT count(*) FROM chunks")
            self.assertEqual(first, b"started")
            self.assertTrue(running, "the program ended before the kill")
            self.assertEqual(p.returncode, -9)
            complete, events, called = summary(trace)
            self.assertEqual(complete, 0)
            self.assertGreater(events, 0)
            self.assertIn("step", called)


class StoppedEarly(unittest.TestCase):
    # TRACEREC_FPCHECK=1 makes ctypes_poke.py's in-place change of a str a
    # recording error (t0246): the program goes on, the recording does not
    def test_error_is_reported_and_kept(self):
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "e.trace")
            p = subprocess.run([TRACEREC, "run", "-q", "-o", trace,
                                "ctypes_poke.py"], cwd=PROGRAMS,
                               env=reftrace.env_for_tests(TRACEREC_FPCHECK="1"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, "Xbcd\nafter\n")
            why = ("snapshot of a frame: snapshot: TRACEREC_FPCHECK: holder "
                   "in main() was recorded from a fingerprint or a cache, "
                   "and encoding it again gives other bytes")
            self.assertEqual(p.stderr, "tracerec: trace %s is incomplete: %s\n"
                             % (trace, why))
            complete, events, called = summary(trace)
            self.assertEqual(complete, 0)
            self.assertIn("main", called)
            info = subprocess.run([TRACEREC, "info", trace],
                                  stdout=subprocess.PIPE,
                                  universal_newlines=True)
            self.assertIn("status      truncated (recording stopped early: %s)"
                          % why, info.stdout.splitlines())
            info = subprocess.run([TRACEREC, "info", "--json", trace],
                                  stdout=subprocess.PIPE,
                                  universal_newlines=True)
            j = json.loads(info.stdout)
            self.assertEqual((j["complete"], j["error"]), (False, why))
            rp = subprocess.run([TRACEREC, "replay", trace], input="",
                                stdout=subprocess.PIPE,
                                universal_newlines=True, timeout=60)
            self.assertIn("*** The recording is truncated (recording stopped "
                          "early: %s)" % why, rp.stdout)

    def test_a_complete_trace_has_no_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "c.trace")
            p = run(["-o", trace, "ctypes_poke.py"], tmp)
            self.assertEqual((p.returncode, p.stderr), (0, ""))
            self.assertEqual(summary(trace)[0], 1)
            info = subprocess.run([TRACEREC, "info", "--json", trace],
                                  stdout=subprocess.PIPE,
                                  universal_newlines=True)
            j = json.loads(info.stdout)
            self.assertEqual((j["complete"], j["error"]), (True, None))


class Fork(unittest.TestCase):
    def test_child_records_into_its_own_trace(self):
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "f.trace")
            p = run(["-o", trace, "fork_child.py"], tmp)
            plain = subprocess.run([PYTHON, "fork_child.py"], cwd=PROGRAMS,
                                   stdout=subprocess.PIPE, universal_newlines=True)
            self.assertEqual((p.returncode, p.stdout), (plain.returncode, plain.stdout))
            parent = reftrace.dump(trace)
            self.assertEqual(parent["header"]["complete"], 1)
            self.assertIn("parent_work", calls(parent))
            self.assertNotIn("child_work", calls(parent))
            children = glob.glob(os.path.join(tmp, "f-*.trace"))
            self.assertEqual(len(children), 1, children)
            child = reftrace.dump(children[0])
            self.assertIn("child_work", calls(child))
            self.assertNotIn("parent_work", calls(child))
            # the child's trace says how it was recorded, as the parent's does
            pm, cm = meta(trace), meta(children[0])
            self.assertEqual(cm["parent_pid"], pm["pid"])
            self.assertNotEqual(cm["pid"], pm["pid"])
            self.assertEqual(cm["fork_child"], "1")
            same = [k for k in pm if k.startswith("opt_")] + [
                "options", "argv", "mode", "python_version", "backend",
                "tracerec_version"]
            self.assertGreaterEqual(len(same), 12)
            for k in same:
                self.assertEqual(cm.get(k), pm[k], k)


    def test_os_exit_finishes_every_trace(self):
        # os._exit() skips atexit, where a trace is finished otherwise: a
        # multiprocessing child, a forked child and the program itself each
        # leave a complete trace with their events and exit status
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "f.trace")
            p = run(["-o", trace, "fork_os_exit.py"], tmp)
            plain = subprocess.run([PYTHON, "fork_os_exit.py"], cwd=PROGRAMS,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   universal_newlines=True)
            # stderr too: 3.12+ warns of a fork in a process with threads, and
            # the writer's thread is not the program's
            self.assertEqual((p.returncode, p.stdout, p.stderr),
                             (plain.returncode, plain.stdout, plain.stderr))
            self.assertEqual(p.returncode, 4)
            got = {}
            for path in glob.glob(os.path.join(tmp, "f*.trace")):
                d = reftrace.dump(path)
                self.assertEqual(d["header"]["complete"], 1, path)
                work = [c for c in calls(d) if c.endswith("_work")]
                got[tuple(work)] = meta(path)["exit_status"]
            self.assertEqual(got, {("mp_work",): "0", ("child_work",): "3", (): "4"})
            self.assertEqual([f for f in os.listdir(tmp) if not f.endswith(".trace")], [])


class Redaction(unittest.TestCase):
    def values(self, args):
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "r.trace")
            p = run(args + ["-o", trace, "redaction.py"], tmp)
            self.assertEqual(p.returncode, 0, p.stderr)
            d = reftrace.dump(trace)
            out = {}
            for e in d["events"]:
                for v in e.get("vars", []):
                    if v["name"]:
                        out.setdefault(v["name"], []).append(v["value"])
            return out

    def test_defaults_redact_secrets(self):
        vals = self.values([])
        text = repr(vals)
        self.assertNotIn("SECRETVALUE", text)
        self.assertNotIn("TEULAVTERCES", text)
        self.assertEqual(set(vals["password"]), {"<redacted>"})
        self.assertEqual(set(vals["api_token"]), {"<redacted>"})
        self.assertIn("visible-alice", text)

    def test_namedtuple_items(self):
        # a namedtuple's item is redacted by its field's name, also when
        # replay reaches it by index
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "r.trace")
            self.assertEqual(run(["-o", trace, "redaction.py"], tmp).returncode, 0)
            p = subprocess.run([TRACEREC, "replay", trace], input="b login\nc\nuntil 13\n"
                               "p creds\np creds[1]\np creds[0]\n", stdout=subprocess.PIPE,
                               universal_newlines=True, timeout=120)
            lines = p.stdout.splitlines()
            self.assertEqual(lines[-3:], ["Creds(user='alice', password=<redacted>)",
                                          "<redacted>", "'alice'"], p.stdout)

    def test_no_redact(self):
        vals = self.values(["--no-redact"])
        self.assertIn("'hunter2-SECRETVALUE'", vals["password"])

    def test_redact_adds_patterns(self):
        vals = self.values(["--redact", "PLAIN"])
        self.assertEqual(set(vals["plain"]), {"<redacted>"})
        self.assertEqual(set(vals["password"]), {"<redacted>"})


if __name__ == "__main__":
    import taprunner
    taprunner.main()
