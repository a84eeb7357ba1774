"""t3001-view-api: `tracerec view` serves its JSON API on 127.0.0.1 behind
the per-run token, and every answer agrees with the synthetic trace that
t4-export-mktrace wrote (which prints each event with the values it
carried): stepping both ways, values with their "just changed" marks and
previous values, breakpoints and continue, watch, history, timeline
windows, search, source, and a clean stop on SIGINT.
"""
import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import taprunner

TRACEREC = os.environ["TRACEREC"]
BUILD = os.environ.get("TREC_BUILDDIR", ".")
MKTRACE = os.path.join(BUILD, "tests", "t4-export-mktrace")
PATH = "/synthetic/prog.py"


def parse_events(text):
    events = []
    for line in text.splitlines():
        if not line.startswith("E "):
            continue
        f = line[2:].split(" ")
        tail = line.split(" ", 8)[8] if len(f) > 7 else ""
        values = dict(re.findall(r"(\w+)=(.*?)(?= \w+=|$)", " " + tail))
        values.pop("exception", None)
        events.append(dict(seq=int(f[0]), thread=int(f[1]), kind=f[2], code=int(f[3]),
                           line=int(f[4]), depth=int(f[5]), frame=int(f[6]), values=values))
    return events


class Server:
    def __init__(self, trace):
        self.p = subprocess.Popen([TRACEREC, "view", "--no-browser", trace],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  universal_newlines=True)
        self.url = None
        for _ in range(5):
            line = self.p.stdout.readline()
            m = re.match(r"^(http://127\.0\.0\.1:(\d+)/)\?token=([0-9a-f]{32})$", line.strip())
            if m:
                self.url, self.port, self.token = m.group(1), int(m.group(2)), m.group(3)
                break
        if self.url is None:
            self.p.kill()
            raise RuntimeError("no URL printed: " + self.p.stderr.read())

    def request(self, method, path, params=None, token=True, host=None):
        params = dict(params or {})
        if token:
            params["token"] = self.token if token is True else token
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Host": host} if host else {}
        conn.request(method, path + "?" + urllib.parse.urlencode(params), headers=headers)
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r.status, dict(r.getheaders()), body

    def api(self, endpoint_, post=False, **params):
        status, _, body = self.request("POST" if post else "GET", "/api/" + endpoint_, params)
        data = json.loads(body)
        if status != 200:
            raise AssertionError("/api/%s %s: %s %s" % (endpoint_, params, status, data))
        return data

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                return self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                return None
        return self.p.returncode


class ViewAPI(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.trace = os.path.join(cls.tmp.name, "s.trace")
        p = subprocess.run([MKTRACE, cls.trace], stdout=subprocess.PIPE, universal_newlines=True)
        if p.returncode != 0:
            raise RuntimeError("t4-export-mktrace failed")
        cls.events = parse_events(p.stdout)
        cls.by_seq = {e["seq"]: e for e in cls.events}
        cls.s = Server(cls.trace)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.p.stdout.close()
        cls.s.p.stderr.close()
        cls.tmp.cleanup()

    def values_at(self, seq):
        """The recorded values of the frame of event seq, as of that event."""
        ev = self.by_seq[seq]
        vals = {}
        for e in self.events:
            if e["seq"] > seq:
                break
            if e["frame"] == ev["frame"]:
                vals.update(e["values"])
        return vals

    def check_state(self, st, seq):
        ev = self.by_seq[seq]
        self.assertEqual((st["seq"], st["thread"], st["kind"]), (seq, ev["thread"], ev["kind"]))
        top = st["frames"][-1]
        self.assertEqual(len(st["frames"]), ev["depth"])
        self.assertEqual(top["frame"], ev["frame"])
        self.assertEqual(top["line"], ev["line"])
        self.assertEqual(top["path"], PATH)
        self.assertEqual(st["level"], len(st["frames"]) - 1)
        shown = {v["name"]: v["v"]["r"] for v in st["vars"]}
        self.assertEqual(shown, self.values_at(seq), "values at seq %d" % seq)
        changed = {v["name"] for v in st["vars"] if v["changed"]}
        self.assertEqual(changed, set(ev["values"]), "changed at seq %d" % seq)
        if ev["kind"] != "call":
            before = self.values_at(seq - 1) if self.by_seq[seq - 1]["frame"] == ev["frame"] else None
            for v in st["vars"]:
                if v["changed"] and before is not None:
                    self.assertEqual(v["prev"], before.get(v["name"], "<unbound>"))

    # -- access control
    def test_token_required(self):
        for token in (False, "0" * 32, self.s.token[:-1]):
            status, _, _ = self.s.request("GET", "/api/info", token=token)
            self.assertEqual(status, 403, token)
            status, _, _ = self.s.request("GET", "/", token=token)
            self.assertEqual(status, 403, token)

    def test_foreign_host_refused(self):
        status, _, _ = self.s.request("GET", "/api/info", host="evil.example:%d" % self.s.port)
        self.assertEqual(status, 403)

    def test_page_and_assets(self):
        status, headers, body = self.s.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn("app.js?token=" + self.s.token, body.decode())
        self.assertIn("default-src 'self'", headers["Content-Security-Policy"])
        for asset in ("/app.js", "/style.css"):
            status, headers, body = self.s.request("GET", asset)
            self.assertEqual(status, 200, asset)
            self.assertGreater(len(body), 1000)
        self.assertEqual(self.s.request("GET", "/nope.txt")[0], 404)

    def test_methods_and_unknown(self):
        self.assertEqual(self.s.request("GET", "/api/step", {"how": "step"})[0], 405)
        self.assertEqual(self.s.request("GET", "/api/frobnicate")[0], 404)
        self.assertEqual(self.s.request("POST", "/api/step", {"how": "sideways"})[0], 400)
        self.assertEqual(self.s.request("POST", "/api/goto", {"seq": "x"})[0], 400)
        # a seq outside the run is clamped to it, 0 as well
        self.assertEqual(self.s.api("goto", post=True, seq=0)["seq"], 1)

    # -- information
    def test_info(self):
        info = self.s.api("info")
        self.assertEqual((info["first_seq"], info["last_seq"], info["n_events"]),
                         (1, len(self.events), len(self.events)))
        self.assertTrue(info["complete"])
        self.assertEqual([t["name"] for t in info["threads"]], ["MainThread", "worker"])
        self.assertEqual([f["path"] for f in info["files"]], [PATH])
        self.assertEqual(sorted(c["qualname"] for c in info["codes"]), ["<module>", "add", "work"])

    def test_source(self):
        src = self.s.api("source", file=1)
        self.assertEqual(src["path"], PATH)
        self.assertEqual(src["text"].splitlines()[0], "def add(a, b):")
        self.assertEqual(len(src["text"].splitlines()), 16)

    def test_search(self):
        r = self.s.api("search", q="WOR")
        self.assertEqual([f["function"] for f in r["functions"]], ["work"])
        self.assertEqual(r["functions"][0]["line"], 5)
        r = self.s.api("search", q="synthetic")
        self.assertEqual([f["path"] for f in r["files"]], [PATH])

    # -- travel
    def test_step_forward_and_back_visit_the_thread_events(self):
        main = [e["seq"] for e in self.events if e["thread"] == 1]
        st = self.s.api("goto", post=True, seq=1)
        self.check_state(st, 1)
        seen = [1]
        for _ in range(len(main) + 1):
            st = self.s.api("step", post=True, how="step", dir="forward")
            if not st["stop"]["moved"]:
                break
            self.check_state(st, st["seq"])
            seen.append(st["seq"])
        self.assertEqual(seen, main)
        self.assertEqual(st["stop"]["reason"], "end")
        back = [st["seq"]]
        for _ in range(len(main) + 1):
            st = self.s.api("step", post=True, how="step", dir="backward")
            if not st["stop"]["moved"]:
                break
            self.check_state(st, st["seq"])
            back.append(st["seq"])
        self.assertEqual(back, main[::-1])
        self.assertEqual(st["stop"]["reason"], "start")

    def test_next_steps_over_calls(self):
        st = self.s.api("goto", post=True, seq=9)          # work, line 8
        st = self.s.api("step", post=True, how="next", dir="forward")
        self.assertEqual((st["seq"], st["frames"][-1]["line"]), (14, 7))
        st = self.s.api("step", post=True, how="next", dir="backward")
        self.assertEqual(st["seq"], 9)

    def test_return_value_shown_at_return(self):
        st = self.s.api("goto", post=True, seq=13)
        self.assertTrue(st["frames"][-1]["returning"])
        self.assertEqual(st["retval"]["r"], "0")
        st = self.s.api("goto", post=True, seq=33)
        self.assertEqual(st["exception"]["r"], "ValueError('boom')")

    def test_select_frame(self):
        self.s.api("goto", post=True, seq=12)
        st = self.s.api("state", level=1)
        self.assertEqual(st["level"], 1)
        self.assertEqual(st["frames"][1]["function"], "work")
        self.assertEqual({v["name"]: v["v"]["r"] for v in st["vars"]}, {"n": "3", "total": "0", "i": "0"})
        self.assertFalse(any(v["changed"] for v in st["vars"]))

    def test_containers_expand(self):
        st = self.s.api("goto", post=True, seq=5)
        items = [v for v in st["vars"] if v["name"] == "items"][0]["v"]
        self.assertEqual((items["r"], items["t"], items["n"]), ("[1, 2]", "list", 2))
        self.assertEqual([(c["k"], c["v"]["r"]) for c in items["c"]], [(0, "1"), (1, "2")])

    def test_breakpoint_and_continue_both_ways(self):
        line3 = [e["seq"] for e in self.events if e["line"] == 3 and e["kind"] == "line"]
        r = self.s.api("break", post=True, where="%s:3" % PATH)
        bp = r["id"]
        try:
            self.assertEqual([(b["file"], b["line"]) for b in r["breakpoints"]], [(1, 3)])
            self.s.api("goto", post=True, seq=1)
            hits = []
            for _ in range(len(line3) + 1):
                st = self.s.api("step", post=True, how="continue", dir="forward")
                if st["stop"]["reason"] != "break":
                    break
                self.assertEqual(st["stop"]["id"], bp)
                self.check_state(st, st["seq"])
                hits.append(st["seq"])
            self.assertEqual(hits, line3)
            self.assertEqual((st["stop"]["reason"], st["seq"]), ("end", len(self.events)))
            back = []
            for _ in range(len(line3) + 1):
                st = self.s.api("step", post=True, how="continue", dir="backward")
                if st["stop"]["reason"] != "break":
                    break
                back.append(st["seq"])
            self.assertEqual(back, line3[::-1])
        finally:
            self.s.api("clear", post=True, id=bp)
        self.assertEqual(self.s.api("breakpoints")["breakpoints"], [])

    def test_deep_expression(self):
        # a deeply nested expression is refused, where it used to overflow
        # the server thread's stack; the server goes on answering
        deep = "(" * 5000 + "1" + ")" * 5000
        status, _, body = self.s.request("GET", "/api/eval", {"expr": deep, "level": 0})
        self.assertEqual(status, 400)
        self.assertIn("too many nested", json.loads(body)["error"])
        status, _, body = self.s.request("POST", "/api/break", {"where": "f", "cond": deep})
        self.assertEqual(status, 400)
        self.assertEqual(self.s.api("eval", expr="((1))", level=0)["v"]["r"], "1")

    def test_bad_breakpoint(self):
        status, _, body = self.s.request("POST", "/api/break", {"where": PATH + ":400"})
        self.assertEqual(status, 400)
        self.assertIn("error", json.loads(body))

    def test_watch(self):
        frame = self.s.api("goto", post=True, seq=9)["frames"][1]["frame"]
        ret = next(e["seq"] for e in self.events
                   if e["seq"] > 9 and e["frame"] == frame and e["kind"] == "return")
        r = self.s.api("watch", post=True, expr="total", level=1)
        try:
            st = self.s.api("step", post=True, how="continue", dir="forward")
            self.assertEqual((st["stop"]["reason"], st["seq"]), ("watch", 24))
            self.assertEqual((st["stop"]["changes"], st["stop"]["gone"]),
                             ([{"id": r["id"], "expr": "total", "old": "0", "new": "1"}], []))
            # on to where the frame returns: the watch goes there
            for _ in range(len(self.events)):
                st = self.s.api("step", post=True, how="continue", dir="forward")
                if st["stop"]["reason"] != "watch" or st["stop"]["gone"]:
                    break
            self.assertEqual((st["stop"]["reason"], st["seq"], st["stop"]["gone"]),
                             ("watch", ret, [r["id"]]))
            self.assertEqual(st["watches"], [])
        finally:
            if self.s.api("breakpoints")["watches"]:
                self.s.api("clear", post=True, id=r["id"], watch=1)

    def test_history(self):
        self.s.api("goto", post=True, seq=30)
        h = self.s.api("history", name="total", level=1)
        want = [(e["seq"], e["values"]["total"]) for e in self.events if "total" in e["values"]]
        self.assertEqual([(v["seq"], v["r"]) for v in h["values"]], want)

    def test_runto_function(self):
        self.s.api("goto", post=True, seq=1)
        st = self.s.api("runto", post=True, code=2, dir="forward")
        self.assertEqual(st["seq"], 10)
        st = self.s.api("runto", post=True, code=2, dir="forward")
        self.assertEqual(st["seq"], 16)

    def test_threads(self):
        st = self.s.api("goto", post=True, seq=22)
        self.assertEqual(st["thread"], 2)
        self.assertEqual([(t["id"], t["current"]) for t in st["threads"]], [(1, False), (2, True)])
        st = self.s.api("thread", post=True, id=1)
        self.assertEqual((st["thread"], st["seq"]), (1, 19))

    def test_timeline_slices(self):
        tl = self.s.api("timeline", **{"from": 1, "to": len(self.events), "px": 2000})
        self.assertEqual(tl["mode"], "slices")
        calls, stack = {}, {}
        for e in self.events:
            if e["kind"] == "call":
                stack.setdefault(e["thread"], []).append(e)
            elif e["kind"] == "return":
                c = stack[e["thread"]].pop()
                calls.setdefault(e["thread"], set()).add((c["seq"], e["seq"], c["depth"], c["code"]))
        for t in tl["threads"]:
            self.assertEqual({tuple(s[:4]) for s in t["slices"]}, calls[t["id"]])
        self.assertEqual(tl["threads"][0]["exceptions"], [33])

    def test_timeline_window_starts_inside_calls(self):
        tl = self.s.api("timeline", **{"from": 11, "to": 12, "px": 100})
        main = [s for s in tl["threads"] if s["id"] == 1][0]["slices"]
        # <module>, work and add are all open across the window
        self.assertEqual(sorted((s[2], s[3]) for s in main), [(1, 1), (2, 3), (3, 2)])

    def test_timeline_summary(self):
        tl = self.s.api("timeline", **{"from": 1, "to": len(self.events), "px": 4, "summary": 1})
        self.assertEqual(tl["mode"], "summary")
        b = {t["id"]: t["buckets"] for t in tl["threads"]}
        self.assertEqual(min(x[0] for x in b[1]), 1)
        self.assertEqual(max(x[1] for x in b[1]), len(self.events))
        self.assertEqual(max(x[3] for x in b[1]), 3)
        self.assertEqual(sum(x[4] for x in b[1]), 1)
        self.assertEqual(b[2][0][:2], [20, 23])


class Recorded(unittest.TestCase):
    """A real program through `tracerec run`, when the recorder is built:
    the state the viewer shows at every event agrees with the events as the
    JSON lines export (which reads chunks directly, not through the replay
    engine) lists them, and the page's requests all succeed."""

    PROGRAMS = ("classes.py", "generators.py", "exc_caught.py", "threads.py",
                "typed_values.py")

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.traces = {}
        cls.skip = None
        for prog in cls.PROGRAMS:
            trace = os.path.join(cls.tmp.name, prog + ".trace")
            p = subprocess.run([TRACEREC, "run", "-q", "-o", trace,
                                os.path.join(os.environ.get("TREC_SRCDIR", "."), "tests", "programs", prog)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
            if not os.path.exists(trace):
                cls.skip = "tracerec run is not available here (%s)" % (p.stderr.strip().splitlines() or ["?"])[-1]
                return
            cls.traces[prog] = trace

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_event(self):
        if self.skip:
            self.skipTest(self.skip)
        for prog, trace in self.traces.items():
            with self.subTest(program=prog):
                j = subprocess.run([TRACEREC, "export", trace, "--format", "jsonl"],
                                   stdout=subprocess.PIPE, universal_newlines=True, check=True)
                events = [json.loads(l) for l in j.stdout.splitlines()]
                s = Server(trace)
                try:
                    info = s.api("info")
                    self.assertEqual(info["n_events"], len(events))
                    self.assertIn(prog, info["meta"]["argv"])
                    src = {}
                    for ev in events:
                        st = s.api("goto", post=True, seq=ev["seq"])
                        self.assertEqual((st["seq"], st["kind"], st["thread"]),
                                         (ev["seq"], ev["kind"], ev["thread"]))
                        top = st["frames"][-1]
                        self.assertEqual((top["function"], top["line"], top["path"], len(st["frames"])),
                                         (ev["function"], ev["line"], ev["file"], ev["depth"]))
                        shown = {v["name"]: v["v"]["r"] for v in st["vars"]}
                        for name, r in ev.get("values", {}).items():
                            if r == "<unbound>":
                                continue
                            got = shown.get(name)
                            # the API cuts values shorter (a tree node) than the
                            # export does: then the export's text must extend it
                            if got is not None and got.endswith("...") and len(got) < len(r):
                                self.assertTrue(r.startswith(got[:-3]), "seq %d %s: %r vs %r"
                                                % (ev["seq"], name, got, r))
                            else:
                                self.assertEqual(got, r, "seq %d %s" % (ev["seq"], name))
                        if top["file"] not in src:
                            src[top["file"]] = s.api("source", file=top["file"])["text"]
                        if src[top["file"]] is not None and ev["line"] > 0:
                            self.assertLessEqual(ev["line"], len(src[top["file"]].splitlines()))
                    # a pixel per event at least: no call is too short to show
                    tl = s.api("timeline", px=max(800, 2 * len(events)))
                    self.assertEqual(tl["mode"], "slices")
                    n_slices = sum(len(t["slices"]) for t in tl["threads"])
                    self.assertEqual(n_slices, sum(1 for e in events if e["kind"] == "call"))
                finally:
                    s.stop()
                    s.p.stdout.close()
                    s.p.stderr.close()


    def test_typed_nodes(self):
        # a subclass of a builtin opens as its content (a dict subclass: its
        # items), an enum member as its fields
        if self.skip:
            self.skipTest(self.skip)
        s = Server(self.traces["typed_values.py"])
        try:
            info = s.api("info")
            st = s.api("goto", post=True, seq=info["last_seq"])
            nodes = {v["name"]: v["v"] for v in st["vars"]}
            reg, level = nodes["reg"], nodes["level"]
            self.assertEqual(reg["r"], "{'a': 3, 'bb': 2, 'ccc': 1}")
            self.assertEqual(reg["t"], "__main__.Registry")
            self.assertEqual([(c["k"], c["v"]["r"]) for c in reg["c"]],
                             [("'a'", "3"), ("'bb'", "2"), ("'ccc'", "1")])
            self.assertEqual(level["r"], "<Level.HIGH: 2>")
            self.assertIn(("_name_", "'HIGH'"), [(c["k"], c["v"]["r"]) for c in level["c"]])
        finally:
            s.stop()
            s.p.stdout.close()
            s.p.stderr.close()


class Lifecycle(unittest.TestCase):
    def test_sigint_stops_cleanly(self):
        with tempfile.TemporaryDirectory() as d:
            trace = os.path.join(d, "s.trace")
            subprocess.run([MKTRACE, trace], stdout=subprocess.DEVNULL, check=True)
            s = Server(trace)
            self.assertEqual(s.api("state")["seq"], 1)
            self.assertEqual(s.stop(), 0)
            s.p.stdout.close()
            s.p.stderr.close()

    def test_missing_trace(self):
        p = subprocess.run([TRACEREC, "view", "--no-browser", "/nonexistent.trace"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(p.returncode, 66)
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)

    def test_bad_port(self):
        for port in ("", "abc", "-1", "70000"):
            p = subprocess.run([TRACEREC, "view", "--no-browser", "--port", port, "x.trace"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=20)
            self.assertEqual(p.returncode, 2, port)
            self.assertIn("--port needs a number", p.stderr)

    def test_port_in_use(self):
        with tempfile.TemporaryDirectory() as d:
            trace = os.path.join(d, "s.trace")
            subprocess.run([MKTRACE, trace], stdout=subprocess.DEVNULL, check=True)
            s = Server(trace)
            try:
                p = subprocess.run([TRACEREC, "view", "--no-browser", "--port", str(s.port), trace],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   universal_newlines=True, timeout=20)
                self.assertNotEqual(p.returncode, 0)
                self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
            finally:
                s.stop()
                s.p.stdout.close()
                s.p.stderr.close()


if __name__ == "__main__":
    taprunner.main()
