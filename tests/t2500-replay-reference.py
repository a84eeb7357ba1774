"""t2500: `tracerec replay` over recorded corpus programs, checked against
what a sys.settrace reference (tests/reftrace.py) saw on the same programs:

- a full forward `step` walk stops at exactly the reference's events of the
  thread (kind, file, line, function), and shows the frame's recorded values
  as the reference saw them; a full `reverse-step` walk from the end visits
  exactly the reverse, and both ends say so and keep the position;
- every motion (step, next, return, until and their reverse forms) from
  every event lands where pdb's rules, applied to the reference's events,
  say it must;
- breakpoints with conditions stop at the same events forward and backward;
  watch stops where the reference saw the value change, both ways;
- where/up/down in deep recursion, generators, threads (`threads`,
  `thread N`), a truncated trace, and bad traces (exit 65/66);
- objects print with their recorded fields, and len(), type(), vars()
  answer as Python did in the program;
- an uncaught exception: where the start says it was raised and where
  `goto exception` goes is the traceback's innermost frame of the program.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PYTHON = os.environ.get("PYTHON", sys.executable)
# resolved: the programs run with it as their cwd, so recorded paths are physical
PROGRAMS = os.path.realpath(reftrace.programs_dir())
PROGRAMS_REAL = PROGRAMS + os.sep
REFTRACE = os.path.join(os.environ["TREC_SRCDIR"], "tests", "reftrace.py")
MARK = "'@@'"
LOC = re.compile(r"^> (.*)\((-?\d+)\)(\S+?)\(\)(->.*)?$")


def record(name, tmp):
    trace = os.path.join(tmp, name + ".trace")
    ref = os.path.join(tmp, name + ".json")
    env = reftrace.env_for_tests()
    for cmd in ([TRACEREC, "run", "-q", "-o", trace, name],
                [PYTHON, REFTRACE, "-o", ref, name]):
        subprocess.run(cmd, cwd=PROGRAMS, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=300)
    with open(ref) as f:
        return trace, json.load(f)


def session(trace, commands, args=()):
    """Run commands, return (start text, [output of each command])."""
    script = ["p " + MARK]
    for c in commands:
        script += [c, "p " + MARK]
    p = subprocess.run([TRACEREC, "replay"] + list(args) + [trace],
                       input="\n".join(script) + "\n", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=600)
    if p.returncode != 0:
        raise AssertionError("replay failed (%d): %s" % (p.returncode, p.stderr))
    parts = p.stdout.split(MARK + "\n")
    return parts[0], parts[1:len(commands) + 1]


def parse_stop(text):
    """(kind, file, line, function) of the location a motion printed, or
    None when it printed no location (an end of the recording)."""
    kind = "line"
    for l in text.splitlines():
        if l == "--Call--":
            kind = "call"
        elif l == "--Return--":
            kind = "return"
        elif l.startswith(("--End of recording--", "--Start of recording--", "[Switching")):
            continue
        elif l.startswith("> "):
            m = LOC.match(l)
            if m:
                return (kind, m.group(1), int(m.group(2)), m.group(3))
        elif not l.startswith("-> ") and not l.startswith("display ") \
                and not l.startswith("***") and kind == "line":
            kind = "exception"
    return None


def key(e):
    return (e["kind"], e["file"], e["line"], e["name"])


def first_difference(got, want):
    """None, or where two lists first differ (assertEqual's diff of long
    lists takes minutes)."""
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return "item %d: got %r, want %r" % (i, a, b)
    if len(got) != len(want):
        return "got %d items, want %d" % (len(got), len(want))
    return None


def parse_locals(text):
    out = {}
    for l in text.splitlines():
        if " = " in l:
            k, v = l.split(" = ", 1)
            out[k] = v
    return out


def naive_generator(evs, gran, d, pos, target):
    """next and until from a generator's or coroutine's frame, as bdb steps
    over one: its own line events (at a line >= target for until) and
    exception events but StopIteration (the end of what it awaited); an
    exception event of StopIteration or GeneratorExit right after its
    return, forward; else as step from its last return (first call).
    return (forward): none of its own events, the rest as next."""
    c = evs[pos]
    edge, just_left = None, False
    i = pos + d
    while 0 <= i < len(evs):
        e = evs[i]
        left, just_left = just_left, False
        if e["frame"] != c["frame"]:
            if d > 0 and left and e["kind"] == "exception" \
                    and e["exc"] in ("StopIteration", "GeneratorExit"):
                return i
        elif e["kind"] == ("return" if d > 0 else "call"):
            edge, just_left = i, d > 0
        elif gran == "return":
            pass
        elif e["kind"] == "exception":
            if e["exc"] != "StopIteration":
                return i
        elif e["kind"] == "line":
            if gran == "next" or (e["line"] >= target if d > 0 else e["line"] <= target):
                return i
        i += d
    if edge is not None and 0 <= edge + d < len(evs):
        return edge + d
    return None


def naive(evs, gran, d, pos, arg=0):
    """The motion rules of replay.h applied to one thread's event list."""
    c = evs[pos]
    kind0 = c["kind"]
    target = arg if arg > 0 else c["line"] + d
    out = False
    if kind0 == ("return" if d > 0 else "call"):
        if gran in ("next", "until"):
            gran = "step"
        elif gran == "return":
            out = True
    elif (gran in ("next", "until") or (gran == "return" and d > 0)) and c["gen"]:
        return naive_generator(evs, gran, d, pos, target)
    i = pos + d
    while 0 <= i < len(evs):
        e = evs[i]
        same = e["depth"] == c["depth"] and e["frame"] == c["frame"]
        shallower = e["depth"] < c["depth"]
        if out:
            if shallower:
                return i
        elif gran == "step":
            return i
        elif gran == "next":
            if e["depth"] <= c["depth"]:
                return i
        elif gran == "return":
            if shallower or (same and e["kind"] == ("return" if d > 0 else "call")):
                return i
        elif gran == "until":
            if shallower:
                return i
            if same:
                if e["kind"] == ("return" if d > 0 else "call"):
                    return i
                if e["kind"] in ("line", "exception") and \
                        (e["line"] >= target if d > 0 else e["line"] <= target):
                    return i
        i += d
    return None


MOTIONS = [("s", "step", 1), ("n", "next", 1), ("r", "return", 1), ("unt", "until", 1),
           ("rs", "step", -1), ("rn", "next", -1), ("rf", "return", -1),
           ("runt", "until", -1)]


class Replay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.rec = {}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def program(self, name):
        if name not in self.rec:
            self.rec[name] = record(name, self.tmp)
        return self.rec[name]

    def start_index(self, evs):
        # the REPL starts where pdb starts: the module's first line
        return 1 if len(evs) > 1 and evs[0]["kind"] == "call" and evs[1]["depth"] == 1 else 0

    def test_walks_match_reference(self):
        for name in ("recursion.py", "loops.py", "generators.py", "yield_from.py",
                     "exc_caught.py", "exc_uncaught.py", "classes.py", "closures.py",
                     "decorators.py", "comprehensions.py", "threads.py"):
            with self.subTest(program=name):
                trace, ref = self.program(name)
                evs = ref["threads"][0]["events"]
                s0 = self.start_index(evs)
                n = len(evs)
                if name == "threads.py":
                    # how often the main thread's join() polls inside the
                    # standard library depends on timing: compare the
                    # program's own events only
                    start, outs = session(trace, ["s"] * (n + 100))
                    got = [parse_stop(start)] + [parse_stop(o) for o in outs]
                    self.assertIn(None, got)
                    got = got[:got.index(None)]
                    own = [k for k in got if k[1].startswith(PROGRAMS)]
                    want = [key(e) for e in evs[s0:] if e["file"].startswith(PROGRAMS)]
                    self.assertIsNone(first_difference(own, want))
                    continue
                cmds = []
                for _ in range(s0 + 1, n + 1):
                    cmds += ["s", "locals"]
                cmds += ["rs"] * n
                start, outs = session(trace, cmds)
                self.assertEqual(parse_stop(start), key(evs[s0]))
                fwd = [parse_stop(o) for o in outs[0:2 * (n - s0):2]]
                self.assertIsNone(first_difference(fwd[:-1], [key(e) for e in evs[s0 + 1:]]))
                self.assertIsNone(fwd[-1])
                self.assertIn("--End of recording--: no later event", outs[2 * (n - s0) - 2])
                bwd = [parse_stop(o) for o in outs[2 * (n - s0):]]
                self.assertIsNone(first_difference(bwd[:-1], [key(e) for e in reversed(evs[:-1])]))
                self.assertIsNone(bwd[-1])
                self.assertIn("--Start of recording--: no earlier event", outs[-1])
                # values: the frame's variables as the reference accumulated them
                frames = {}
                for i, e in enumerate(evs):
                    vs = frames.setdefault(e["frame"], {})
                    if e["kind"] == "call":
                        vs.clear()
                    for k, v in e["vars"].items():
                        if v == "<unbound>":
                            vs.pop(k, None)
                        else:
                            vs[k] = v
                    if i <= s0:
                        continue
                    # library frames are compared by events only: their
                    # arguments (thread ids, addresses) differ between the
                    # reference's process and the recorded one
                    if not os.path.realpath(e["file"]).startswith(PROGRAMS_REAL):
                        continue
                    got = parse_locals(outs[2 * (i - s0 - 1) + 1])
                    for k, v in vs.items():
                        if v is None or reftrace.redacted_name(k):
                            continue
                        self.assertEqual(got.get(k), v, "%s at event %d %r" % (k, i, key(e)))

    def test_every_motion_from_every_event(self):
        for name in ("recursion.py", "generators.py", "exc_caught.py", "closures.py",
                     "loops.py", "yield_from.py"):
            with self.subTest(program=name):
                trace, ref = self.program(name)
                self.assertEqual(len(ref["threads"]), 1)
                evs = ref["threads"][0]["events"]
                cmds, want = [], []
                for pos in range(len(evs)):
                    for word, gran, d in MOTIONS:
                        t = naive(evs, gran, d, pos)
                        cmds.append("goto %d;;%s;;when" % (pos + 1, word))
                        want.append((pos, word, t))
                _, outs = session(trace, cmds)
                for (pos, word, t), o in zip(want, outs):
                    seq = int(o.strip().splitlines()[-1])
                    expect = pos + 1 if t is None else t + 1
                    self.assertEqual(seq, expect, "%s from event %d (%r)" % (word, pos + 1, key(evs[pos])))
                    if t is None:
                        self.assertIn("of recording--: no", o)

    def test_next_and_until_in_coroutines(self):
        # as pdb steps over a coroutine or async generator: its own next
        # line, wherever the event loop resumes it, both ways (from the
        # coroutines' lines only: asyncio's own events are many); return
        # to where it ends
        for name in ("async_basic.py", "async_gen.py"):
            with self.subTest(program=name):
                trace, _ = self.program(name)
                # asyncio's own events differ from run to run (its selector):
                # the model walks this trace's events, as the trace has them
                p = subprocess.run([TRACEREC, "sql", "--json", trace,
                                    "SELECT e.seq, e.kind, e.file, e.function AS name, e.line, "
                                    "e.depth, e.frame, e.value, c.flags FROM events e "
                                    "JOIN code c ON c.code_id = e.code WHERE e.thread = 1 "
                                    "ORDER BY e.seq"],
                                   stdout=subprocess.PIPE, universal_newlines=True, timeout=300)
                evs = json.loads(p.stdout)
                self.assertEqual([e["seq"] for e in evs], list(range(1, len(evs) + 1)))
                for e in evs:
                    e["gen"] = bool(e["flags"] & (0x20 | 0x80 | 0x200))
                    e["exc"] = (e["value"] or "").split("(")[0].rsplit(".", 1)[-1]
                starts = [i for i, e in enumerate(evs) if e["gen"] and e["kind"] == "line"
                          and e["file"].startswith(PROGRAMS)]
                self.assertGreater(len(starts), 10)
                cmds, want = [], []
                for pos in starts:
                    for word, gran, d in MOTIONS:
                        if gran in ("next", "until") or (gran, d) == ("return", 1):
                            cmds.append("goto %d;;%s;;when" % (pos + 1, word))
                            want.append((pos, word, naive(evs, gran, d, pos)))
                _, outs = session(trace, cmds)
                resumed = 0
                for (pos, word, t), o in zip(want, outs):
                    self.assertIsNotNone(t)
                    self.assertEqual(int(o.strip().splitlines()[-1]), t + 1,
                                     "%s from event %d (%r)" % (word, pos + 1, key(evs[pos])))
                    lo, hi = sorted((pos, t))
                    resumed += any(e["depth"] < evs[pos]["depth"] for e in evs[lo:hi])
                # some of them step across a suspension to a later resume
                self.assertGreater(resumed, 0)

    def first_lines_after_call(self, evs, func):
        out = []
        for i in range(1, len(evs)):
            if evs[i]["kind"] == "line" and evs[i]["name"] == func \
                    and evs[i - 1]["kind"] == "call" and evs[i - 1]["frame"] == evs[i]["frame"]:
                out.append(i)
        return out

    def test_breakpoints_both_ways(self):
        trace, ref = self.program("recursion.py")
        evs = ref["threads"][0]["events"]
        hits = [i for i in self.first_lines_after_call(evs, "fib")
                if evs[i - 1]["vars"].get("n") == "3"]
        self.assertGreater(len(hits), 2)
        cmds = ["break fib, n == 3"] + ["c;;p n;;when"] * (len(hits) + 1) \
            + ["rc;;when"] * (len(hits) + 1)
        _, outs = session(trace, cmds)
        self.assertRegex(outs[0], r"^Breakpoint 1 at .*/recursion\.py:10\n")
        for h, o in zip(hits, outs[1:]):
            lines = o.strip().splitlines()
            self.assertEqual(lines[-2], "3")
            self.assertEqual(int(lines[-1]), h + 1)
            self.assertEqual(parse_stop(o), key(evs[h]))
        self.assertIn("--End of recording--", outs[len(hits) + 1])
        back = outs[len(hits) + 2:]
        for h, o in zip(reversed(hits), back):
            self.assertEqual(int(o.strip().splitlines()[-1]), h + 1)
        self.assertIn("--Start of recording--", back[-1])
        # file:line with a condition on another variable; disable, ignore, tbreak
        line = evs[hits[0]]["line"]
        _, outs = session(trace, ["break recursion.py:%d, n > 5 and n < 8" % line, "c;;p n",
                                  "c;;p n", "disable 1", "c;;when", "enable 1", "goto 1",
                                  "ignore 1 1", "c;;p n", "clear 1", "goto 1;;tbreak fib", "c;;p n",
                                  "break"])
        self.assertRegex(outs[0], r"^Breakpoint 1 at .*recursion\.py:%d" % line)
        self.assertEqual(outs[1].strip().splitlines()[-1], "7")
        self.assertEqual(outs[2].strip().splitlines()[-1], "6")
        self.assertEqual(int(outs[4].strip().splitlines()[-1]), len(evs))
        self.assertIn("Will ignore next 1 crossing of breakpoint 1.", outs[7])
        self.assertEqual(outs[8].strip().splitlines()[-1], "6")
        self.assertIn("Deleted breakpoint 1", outs[9])
        self.assertIn("Deleted breakpoint 2", outs[11])
        self.assertEqual(outs[11].strip().splitlines()[-1], "10")
        self.assertIn("No breakpoints", outs[12])

    def test_watch_both_ways(self):
        trace, ref = self.program("loops.py")
        evs = ref["threads"][0]["events"]
        # watch `i` in the first call of search: the reference's changes
        call = next(i for i, e in enumerate(evs) if e["kind"] == "call" and e["name"] == "search")
        frame = evs[call]["frame"]
        ret = next(i for i, e in enumerate(evs) if i > call and e["frame"] == frame
                   and e["kind"] == "return")
        changes = [i for i, e in enumerate(evs) if e["frame"] == frame and e["kind"] != "call"
                   and "i" in e["vars"]]
        first_i = changes[0]
        fwd = [c for c in changes if first_i < c < ret]
        gone = "Watchpoint %d deleted because the program has left the block in\n" \
               "which its expression is valid.\n"
        # forward to each change, then to the frame's return, where the watch
        # goes (gdb's rule); a new watch there, backward to each change, then
        # to the frame's call, where it goes too
        cmds = ["goto %d" % (first_i + 1), "watch i"] + ["c;;when"] * (len(fwd) + 1) \
            + ["watch i"] + ["rc;;when"] * (len(fwd) + 2) + ["rc;;when"]
        _, outs = session(trace, cmds)
        self.assertIn("Watchpoint 1: i = %s" % evs[first_i]["vars"]["i"], outs[1])
        for c, o in zip(fwd, outs[2:]):
            self.assertIn("Watchpoint 1: i\n", o)
            self.assertIn("New value = %s\n" % evs[c]["vars"]["i"], o)
            self.assertNotIn("deleted", o)
            self.assertEqual(int(o.strip().splitlines()[-1]), c + 1)
        at_ret = outs[2 + len(fwd)]
        self.assertIn(gone % 1, at_ret)
        self.assertIn("--Return--", at_ret)
        self.assertEqual(int(at_ret.strip().splitlines()[-1]), ret + 1)
        self.assertIn("Watchpoint 2: i = ", outs[3 + len(fwd)])
        back = outs[4 + len(fwd):]
        for c, o in zip(reversed([first_i] + fwd), back):
            self.assertIn("Watchpoint 2: i\n", o)
            self.assertIn("New value = %s\n" % evs[c]["vars"]["i"], o)
            self.assertEqual(int(o.strip().splitlines()[-1]), c + 1)
        # before its first value `i` had none; then the frame's call
        self.assertIn("Old value = <no value>", back[len(fwd)])
        self.assertIn(gone % 2, back[len(fwd) + 1])
        self.assertIn("--Call--", back[len(fwd) + 1])
        self.assertEqual(int(back[len(fwd) + 1].strip().splitlines()[-1]), call + 1)
        # no watch left: the start of the recording
        self.assertIn("--Start of recording--", back[len(fwd) + 2])

    def test_watch_attribute_and_item(self):
        trace = os.path.join(self.tmp, "w.trace")
        subprocess.run([TRACEREC, "run", "-q", "-o", trace, "replay_watch.py"], cwd=PROGRAMS,
                       env=reftrace.env_for_tests(), stdout=subprocess.DEVNULL, timeout=120)
        _, outs = session(trace, ["break run", "c", "n", "n", "watch b.v", "watch d['k']"]
                          + ["c"] * 5 + ["watch b.v", "watch d['k']"] + ["rc"] * 8)
        self.assertIn("Watchpoint 2: b.v = 0", outs[4])
        self.assertIn("Watchpoint 3: d['k'] = 1", outs[5])
        stops = []
        for o in outs[6:11] + outs[13:]:
            m = re.search(r"Watchpoint (\d): .*\nOld value = (.*)\nNew value = (.*)\n", o)
            src = re.search(r"^-> (.*)$", o, re.M)
            gone = re.findall(r"Watchpoint (\d) deleted because the program has left the block in\n"
                              r"which its expression is valid\.", o)
            stops.append((m.groups() if m else None, src.group(1) if src else None, gone))
        after_bv = 'd["other"] = i'
        self.assertEqual(stops[:4], [(("2", "0", "1"), after_bv, []), (("2", "1", "3"), after_bv, []),
                                     (("3", "1", "5"), "for i in range(4):", []),
                                     (("2", "3", "6"), after_bv, [])])
        # no further change: the fifth continue stops where run() returns,
        # which deletes both watches of its frame, as gdb does
        self.assertEqual(stops[4], (None, 'return b.v, d["k"]', ["2", "3"]))
        self.assertIn("--Return--", outs[10])
        self.assertIn("Watchpoint 4: b.v = 6", outs[11])
        self.assertIn("Watchpoint 5: d['k'] = 5", outs[12])
        self.assertEqual(stops[5:], [(("4", "3", "6"), after_bv, []),
                                     (("5", "1", "5"), "for i in range(4):", []),
                                     (("4", "1", "3"), after_bv, []), (("4", "0", "1"), after_bv, []),
                                     # where d, then b, were first assigned: from no value
                                     (("5", "<no value>", "1"), "for i in range(4):", []),
                                     (("4", "<no value>", "0"), 'd = {"k": 1, "other": 0}', []),
                                     # breakpoint 1, backward
                                     (None, "b = Box()", []),
                                     # run()'s call: both watches go
                                     (None, "def run():", ["4", "5"])])
        self.assertIn("--Call--", outs[20])

    def test_watch_change_where_the_frame_returns(self):
        # b changes on last()'s last line, so at its return event, where
        # both watches go: the change is reported with them
        trace = os.path.join(self.tmp, "w.trace")
        subprocess.run([TRACEREC, "run", "-q", "-o", trace, "replay_watch.py"], cwd=PROGRAMS,
                       env=reftrace.env_for_tests(), stdout=subprocess.DEVNULL, timeout=120)
        _, outs = session(trace, ["break last", "c", "n", "n", "watch a", "watch b", "c", "c"])
        self.assertIn("Watchpoint 2: a\nOld value = 1\nNew value = 10\n", outs[6])
        self.assertIn("Watchpoint 3: b\nOld value = 2\nNew value = 20\n", outs[7])
        self.assertEqual(re.findall(r"Watchpoint (\d) deleted", outs[7]), ["2", "3"])
        self.assertIn("--Return--", outs[7])

    def test_watch_set_at_the_return(self):
        # set at its frame's return event, a watch is gone at the thread's
        # next event going forward (gdb's "left the block"), the caller's
        # line after the call; backward from there it is still the frame's
        trace = os.path.join(self.tmp, "w.trace")
        subprocess.run([TRACEREC, "run", "-q", "-o", trace, "replay_watch.py"], cwd=PROGRAMS,
                       env=reftrace.env_for_tests(), stdout=subprocess.DEVNULL, timeout=120)
        _, outs = session(trace, ["break last", "c", "r", "watch a", "c", "info watch"])
        self.assertTrue(outs[2].startswith("--Return--\n"), outs[2])
        self.assertEqual(re.findall(r"Watchpoint (\d) deleted", outs[4]), ["2"])
        self.assertEqual(parse_stop(outs[4])[2:], (40, "<module>"))
        self.assertNotIn("watchpoint", outs[5])
        _, outs = session(trace, ["break last", "c", "r", "watch a", "rc"])
        self.assertIn("Watchpoint 2: a\nOld value = 1\nNew value = 10\n", outs[4])
        self.assertEqual(parse_stop(outs[4])[2:], (28, "last"))

    def test_watches_changed_together(self):
        # x and y change at one event: both are reported; at a breakpoint's
        # event the change comes with the breakpoint, both ways, and the
        # next continue does not pass over it
        trace = os.path.join(self.tmp, "w.trace")
        subprocess.run([TRACEREC, "run", "-q", "-o", trace, "replay_watch.py"], cwd=PROGRAMS,
                       env=reftrace.env_for_tests(), stdout=subprocess.DEVNULL, timeout=120)
        src = open(os.path.join(PROGRAMS, "replay_watch.py")).read().splitlines()
        z = src.index("    z = x + y") + 1
        _, outs = session(trace, ["break swap", "c", "n", "watch x", "watch y", "break %d" % z,
                                  "c", "rc", "c", "c", "p x, y"])
        changes = r"Watchpoint (\d): (\w)\nOld value = (.+)\nNew value = (\d)\n"
        # the breakpoint's event, where the swap shows: both with it
        self.assertEqual(re.findall(changes, outs[6]), [("2", "x", "1", "2"), ("3", "y", "2", "1")])
        self.assertIn("(%d)swap()" % z, outs[6])
        # backward: the swap's own line, where x and y were first bound
        self.assertEqual(re.findall(changes, outs[7]),
                         [("2", "x", "<no value>", "1"), ("3", "y", "<no value>", "2")])
        self.assertIn("(%d)swap()" % (z - 1), outs[7])
        # forward again to the breakpoint, then on to where swap() returns:
        # no change passed over between them
        self.assertEqual(re.findall(changes, outs[8]), [("2", "x", "1", "2"), ("3", "y", "2", "1")])
        self.assertEqual(re.findall(changes, outs[9]), [])
        self.assertEqual(re.findall(r"Watchpoint (\d) deleted", outs[9]), ["2", "3"])
        self.assertIn("--Return--", outs[9])
        self.assertEqual(outs[10].strip(), "(2, 1)")

    def test_where_up_down_deep_recursion(self):
        trace, ref = self.program("deep_recursion.py")
        evs = ref["threads"][0]["events"]
        deepest = max(range(len(evs)), key=lambda i: evs[i]["depth"])
        d = evs[deepest]["depth"]
        _, outs = session(trace, ["goto %d" % (deepest + 1), "where", "up 3", "p n", "down",
                                  "p n", "down 100", "down", "up 100000", "up", "down 100000",
                                  "rf;;when", "r;;when"])
        frames = [l for l in outs[1].splitlines() if l.startswith(("> ", "  /"))]
        self.assertEqual(len(frames), d)
        self.assertTrue(frames[-1].startswith("> "))
        self.assertEqual(int(outs[3].strip()) - int(outs[5].strip()), 1)
        self.assertIn("*** Newest frame", outs[7])
        self.assertTrue(outs[8].startswith("> "))
        self.assertIn("*** Oldest frame", outs[9])
        call = naive(evs, "return", -1, deepest)
        ret = naive(evs, "return", 1, call)
        self.assertEqual(int(outs[11].strip().splitlines()[-1]), call + 1)
        self.assertEqual(int(outs[12].strip().splitlines()[-1]), ret + 1)

    def test_where_through_library_frames(self):
        # at each callback from library code, `where` shows every frame at
        # the line Python's own traceback.extract_stack() printed there
        # (the program prints it, run untraced), library frames included,
        # and `up` into one lists its source at that line; forward and
        # backward give the same stacks
        name = "library_callbacks.py"
        p = subprocess.run([PYTHON, name], cwd=PROGRAMS, env=reftrace.env_for_tests(),
                           stdout=subprocess.PIPE, universal_newlines=True, timeout=300)
        want = []
        for l in p.stdout.splitlines():
            if l.startswith("STACK "):
                frames = eval(l.split(" ", 2)[2])
                want.append([(os.path.realpath(f), n, fn) for f, n, fn in frames])
        self.assertGreaterEqual(len(want), 10)
        self.assertTrue(any(not f.startswith(PROGRAMS_REAL) for s in want for f, _, _ in s))
        with open(os.path.join(PROGRAMS, name)) as f:
            lines = [i + 1 for i, l in enumerate(f) if l.strip().startswith('show("')]
        trace, _ = self.program(name)
        cmds = ["break %d" % n for n in lines]
        cmds += ["c", "where"] * len(want)
        cmds += ["up", "list .", "c"]
        cmds += ["rc", "where"] * len(want)
        _, outs = session(trace, cmds)
        loc = re.compile(r"^[> ] (.*)\((\d+)\)(\S+)\(\)$", re.M)

        def stack(text):
            return [(f, int(n), fn) for f, n, fn in loc.findall(text)]
        k = len(lines)
        fwd = [stack(outs[k + 2 * i + 1]) for i in range(len(want))]
        self.assertIsNone(first_difference(fwd, want))
        # up from the last callback (nsmallest's key, called from library
        # code): the listing marks the caller's line
        up, listing = outs[k + 2 * len(want)], outs[k + 2 * len(want) + 1]
        caller = want[-1][-2]
        self.assertEqual(parse_stop(up)[1:], caller)
        self.assertRegex(listing, r"(?m)^%d +->" % caller[1])
        back = [stack(outs[k + 2 * len(want) + 3 + 2 * i + 1])
                for i in range(len(want))]
        self.assertIsNone(first_difference(back, want[::-1]))

    def test_break_file_names(self):
        # a file named by the end of its path: the one in the program's
        # directory first (as sys.path[0] is looked in first), else the
        # only one, else an error that lists them
        d = os.path.realpath(os.path.join(self.tmp, "names"))
        os.makedirs(os.path.join(d, "pkg"))
        files = {"main.py": "import json\nimport pkg.util\nimport util\n"
                            "print(json.dumps(pkg.util.f(1) + util.f(2)))\n",
                 "util.py": "def f(x):\n    y = x * 2\n    return y\n",
                 "pkg/__init__.py": "X = 1\n",
                 "pkg/util.py": "def f(x):\n    y = x + 1\n    return y\n"}
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        trace = os.path.join(self.tmp, "names.trace")
        subprocess.run([TRACEREC, "run", "-q", "-o", trace, "main.py"], cwd=d,
                       env=reftrace.env_for_tests(), stdout=subprocess.DEVNULL, check=True)
        _, outs = session(trace, ["break util.py:2", "break pkg/util.py:2",
                                  "break names/util.py:3", "break __init__.py:1",
                                  "break pkg/__init__.py:1", "break tiL.py:1", "c", "c", "c"])
        self.assertEqual(outs[0], "Breakpoint 1 at %s/util.py:2\n" % d)
        self.assertEqual(outs[1], "Breakpoint 2 at %s/pkg/util.py:2\n" % d)
        self.assertEqual(outs[2], "Breakpoint 3 at %s/util.py:3\n" % d)
        # json's, the package's (and site's _distutils_hack where it is)
        self.assertRegex(outs[3], r"^\*\*\* '__init__.py' is ambiguous: /.*/__init__.py, "
                                  r"/.*/__init__.py(, \.\.\.)?; give more of its path\n$")
        self.assertEqual(outs[4], "Breakpoint 4 at %s/pkg/__init__.py:1\n" % d)
        self.assertEqual(outs[5], "*** 'tiL.py' is not a file of the recording\n")
        # the package's first line, then pkg.util.f, then util.f
        stops = [parse_stop(o)[1:3] for o in outs[6:9]]
        self.assertEqual(stops, [(d + "/pkg/__init__.py", 1), (d + "/pkg/util.py", 2),
                                 (d + "/util.py", 2)])

    def test_threads(self):
        trace, ref = self.program("threads.py")
        threads = ref["threads"]
        self.assertGreater(len(threads), 1)
        w = threads[1]["events"]
        cmds = ["threads", "goto 1", "thread 2"] + ["s"] * (len(w) + 20) + ["threads", "thread 1;;when"]
        _, outs = session(trace, cmds)
        self.assertEqual(len([l for l in outs[0].splitlines() if l.strip()]), len(threads))
        self.assertIn("worker", outs[0])
        self.assertEqual(parse_stop(outs[2]), key(w[0]))
        self.assertTrue(outs[2].startswith("[Switching to thread 2 (%s)]\n" % threads[1]["name"]), outs[2])
        got = [parse_stop(o) for o in outs[3:3 + len(w) + 20]]
        own = [k for k in got if k and k[1].startswith(PROGRAMS)]
        self.assertIsNone(first_difference(own, [key(e) for e in w[1:] if e["file"].startswith(PROGRAMS)]))
        self.assertGreater(len(own), 5)
        self.assertIn("* 2 ", outs[-2])
        self.assertIn("(finished)", outs[-2])

    def test_repl_words(self):
        trace, ref = self.program("recursion.py")
        # a temporary breakpoint: `r` would stop at a breakpoint in the
        # recursive call, as in pdb
        start, outs = session(trace, ["tbreak fact", "c", "args", "retval", "r", "retval", "rv",
                                      "list", "l 1, 3", "ll", "display n", "rs", "info",
                                      "history n", "help", "p nosuch", "bogus", "", "q", "n"])
        self.assertTrue(start.startswith("> "))
        self.assertEqual(outs[2], "n = 10\n")
        self.assertIn("*** Not yet returned!", outs[3])
        self.assertIn("--Return--", outs[4])
        self.assertRegex(outs[4], r"fact\(\)->3628800\n")
        self.assertEqual(outs[5], outs[6])
        self.assertIn(" 7  ->\t    return n * fact(n - 1)\n", outs[7])
        self.assertEqual(len(outs[8].splitlines()), 3)
        self.assertIn("def fact(n):", outs[9])
        self.assertIn("display n: 10", outs[10])
        self.assertIn("display n: 9  [old: 10]", outs[11])
        self.assertIn("Recording: ", outs[12])
        self.assertRegex(outs[13], r"^seq \d+ line 4: n = 9\n$")
        self.assertIn("reverse-step", outs[14])
        self.assertIn("*** NameError: name 'nosuch' is not defined", outs[15])
        self.assertIn("*** Unknown command 'bogus'", outs[16])
        self.assertEqual(outs[18:], [""])   # quit ended the session

    def test_pdb_names_of_the_event(self):
        # a tbreak on a function is deleted where pdb says it was set (the
        # def line); __return__ and __exception__ are what pdb puts in the
        # locals of the frame stopped at a return or exception event
        trace, ref = self.program("recursion.py")
        with open(os.path.join(PROGRAMS, "recursion.py"), encoding="utf-8") as f:
            def_line = next(i for i, l in enumerate(f, 1) if l.startswith("def fact("))
        _, outs = session(trace, ["tbreak fact", "c", "p __return__", "r", "p __return__",
                                  "retval", "up", "p __return__", "p __exception__"])
        self.assertRegex(outs[0], r"^Breakpoint 1 at .*recursion\.py:%d\n$" % def_line)
        self.assertRegex(outs[1], r"^Deleted breakpoint 1 at .*recursion\.py:%d\n" % def_line)
        self.assertIn("NameError: name '__return__' is not defined", outs[2])
        evs = ref["threads"][0]["events"]
        outer = [e for e in evs if e["kind"] == "return" and e["name"] == "fact"][-1]
        self.assertRegex(outs[3], r"fact\(\)->%s\n" % outer["ret"])
        self.assertEqual(outs[4], outer["ret"] + "\n")
        self.assertEqual(outs[5], outs[4])
        self.assertIn("NameError: name '__return__' is not defined", outs[7])
        self.assertIn("NameError: name '__exception__' is not defined", outs[8])
        trace, ref = self.program("exc_caught.py")
        evs = ref["threads"][0]["events"]
        at = next(i for i, e in enumerate(evs) if e["kind"] == "exception")
        _, outs = session(trace, ["goto %d" % (at + 1), "p __exception__",
                                  "p type(__exception__[1])", "p __return__",
                                  "p __exception__[1]"])
        self.assertEqual(parse_stop(outs[0])[0], "exception")
        # bdb's (type, value) pair
        exc = evs[at]["exc"]
        self.assertTrue(outs[1].startswith("(<class '%s'>, %s(" % (exc, exc)), outs[1])
        self.assertEqual(outs[2], "<class '%s'>\n" % exc)
        self.assertIn("NameError: name '__return__' is not defined", outs[3])
        self.assertEqual(outs[1], "(<class '%s'>, %s)\n" % (exc, outs[4].rstrip("\n")))

    def test_motions_from_the_selected_frame(self):
        # as in pdb, next/return/until after `up` concern the selected frame
        trace, ref = self.program("recursion.py")
        _, outs = session(trace, ["tbreak fact, n == 5", "c", "up", "n", "p n", "rf", "up",
                                  "rn;;p n", "up 2", "r;;p n"])
        self.assertRegex(outs[3], r"--Return--\n> .*\(7\)fact\(\)->720\n")
        self.assertEqual(outs[4], "6\n")
        self.assertRegex(outs[5], r"--Call--\n> .*\(4\)fact\(\)\n")
        self.assertTrue(outs[7].endswith("> %s(7)fact()\n-> return n * fact(n - 1)\n7\n"
                                         % os.path.join(PROGRAMS, "recursion.py")), outs[7])
        self.assertRegex(outs[9], r"--Return--\n> .*\(7\)fact\(\)->362880\n-> .*\n9\n$")

    def test_builtins_at_module_level(self):
        # a module that calls len() lists len among its globals, unbound:
        # len() and type() still work there, until the module binds the name
        prog = os.path.join(self.tmp, "lenmod.py")
        with open(prog, "w") as f:
            f.write("lst = [1, 2, 3]\nn = len(lst)\nt = type(lst)\nlen = 5\nprint(n)\n")
        trace = os.path.join(self.tmp, "lenmod.trace")
        subprocess.run([TRACEREC, "run", "-q", "-o", trace, prog], env=reftrace.env_for_tests(),
                       stdout=subprocess.DEVNULL, timeout=120)
        _, outs = session(trace, ["n", "n", "p len(lst)", "p type(lst)", "n", "n", "p len",
                                  "goto -5"])
        self.assertEqual(outs[2:4], ["3\n", "<class 'list'>\n"])
        self.assertEqual(outs[6], "5\n")
        # a negative event number is a usage error, not wrapped around
        self.assertEqual(outs[7], "*** usage: goto SEQ (an event number, or start, end, exception)\n")

    def test_values_cut_short_compare_honestly(self):
        # values the recorder cut (256 characters, 32 items) are compared as
        # far as stored decides; where only the cut part could, the answer
        # is an error, not a guess (s1 == s2 said True)
        prog = os.path.join(self.tmp, "cut.py")
        with open(prog, "w") as f:
            f.write('s1 = "a" * 5000 + "X"\ns2 = "a" * 5000 + "Y"\ns3 = "a" * 5002\n'
                    'l1 = list(range(100)) + [1]\nl2 = list(range(100)) + [2]\n'
                    'd = {i: i for i in range(300)}\nprint("done")\n')
        trace = os.path.join(self.tmp, "cut.trace")
        subprocess.run([TRACEREC, "run", "-q", "-o", trace, prog], env=reftrace.env_for_tests(),
                       stdout=subprocess.DEVNULL, timeout=120)
        cmds = ["p s1 == s2", "p s1 < s2", "p s1 == s3", "p s1 != s3", "p l1 == l2",
                "p l1 == l1", "p 'a' < s1", "p s1 == 'a'", "p d[150]", "p d[5]", "p l1[50]"]
        _, outs = session(trace, ["goto end"] + cmds)
        cut = "*** ValueError: cannot compare: the values agree as far as recorded, " \
              "and the rest was cut (--max-str, --max-items)\n"
        self.assertEqual(outs[1:], [cut, cut, "False\n", "True\n", cut, "True\n", "True\n",
                                    "False\n",
                                    "*** 150 is not among the 32 items recorded of 300 "
                                    "(--max-items)\n", "5\n",
                                    "*** IndexError: item 50 was not recorded (the recording "
                                    "keeps the first items, --max-items)\n"])

    def test_key_error_as_python_says_it(self):
        # a KeyError's message is its key's repr, as the traceback's last line
        prog = os.path.join(self.tmp, "ke.py")
        with open(prog, "w") as f:
            f.write('d = {}\ntry:\n    d["missing"]\nexcept KeyError:\n    pass\nd[""]\n')
        p = subprocess.run([PYTHON, prog], stderr=subprocess.PIPE, universal_newlines=True,
                           env=reftrace.env_for_tests(), timeout=120)
        last = p.stderr.strip().splitlines()[-1]
        self.assertEqual(last, "KeyError: ''")
        trace = os.path.join(self.tmp, "ke.trace")
        subprocess.run([TRACEREC, "run", "-q", "-o", trace, prog], env=reftrace.env_for_tests(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        start, outs = session(trace, ["n", "n", "n"])
        self.assertIn("*** The program ended with an uncaught " + last + "\n", start)
        self.assertIn("KeyError: 'missing'\n", outs[2])

    def test_ctrl_c_at_the_prompt(self):
        # on a terminal, Ctrl-C at the prompt is pdb's --KeyboardInterrupt--
        # and the session goes on (it used to end it, killed by SIGINT)
        import pty
        import select
        trace, _ = self.program("recursion.py")
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(TRACEREC, [TRACEREC, "replay", trace])

        def read_until(want, limit=30):
            out, end = b"", time.time() + limit
            while want not in out and time.time() < end:
                if select.select([fd], [], [], 0.1)[0]:
                    try:
                        out += os.read(fd, 65536)
                    except OSError:
                        break
            return out.decode(errors="replace")
        try:
            self.assertIn("(trec) ", read_until(b"(trec) "))
            # a Ctrl-C that comes between the prompt and libedit's read is
            # seen only with the next key, as in any readline program: send
            # it until the prompt answers
            seen = ""
            for _ in range(60):
                os.write(fd, b"\x03")
                seen += read_until(b"--KeyboardInterrupt--", 0.5)
                if "--KeyboardInterrupt--" in seen:
                    break
            self.assertIn("--KeyboardInterrupt--", seen)
            read_until(b"(trec) ", 1)
            os.write(fd, b"p 7\n")
            self.assertIn("7\r\n(trec) ", read_until(b"7\r\n(trec) "))
            os.write(fd, b"q\n")
            read_until(b"never", 5)
        finally:
            # never wait forever on a session that did not end
            for _ in range(100):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
            os.close(fd)
        self.assertTrue(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status)

    def test_display_once(self):
        # an expression given to display twice is displayed once, as in pdb
        trace, _ = self.program("recursion.py")
        _, outs = session(trace, ["break fact", "c", "display n", "display n", "display",
                                  "n", "n"])
        self.assertEqual(outs[4], "Currently displaying:\nn: 10\n")
        self.assertEqual(outs[6].count("display n: 9  [old: 10]"), 1)

    def test_breakpoints_stop_next_return_until(self):
        # as in pdb (bdb asks break_here at every line it passes), next,
        # return and until stop at a breakpoint in the code they run through,
        # both ways; a temporary one is deleted there
        trace, ref = self.program("recursion.py")
        evs = ref["threads"][0]["events"]
        first = [i for i, e in enumerate(evs) if e["kind"] == "line" and e["name"] == "fact"
                 and e["line"] == 5]
        line7 = [i for i, e in enumerate(evs) if e["kind"] == "line" and e["name"] == "fact"
                 and e["line"] == 7]
        ret10 = naive(evs, "return", 1, first[0])
        line6 = max(i for i in range(ret10) if evs[i]["line"] == 6 and evs[i]["kind"] == "line")
        _, outs = session(trace, ["break fact", "c;;when", "n;;when", "n;;when", "r;;when",
                                  "n;;when", "until;;when", "disable 1", "r;;when", "enable 1",
                                  "goto %d" % (ret10 + 1), "rn;;when", "disable 1", "tbreak 6",
                                  "goto %d" % (ret10 + 1), "rn;;when", "rn;;when"])
        seq = lambda o: int(o.strip().splitlines()[-1])
        # fact(10)'s first line; next to its line 7; next over fact(9) stops
        # at the breakpoint in it; return from fact(9) stops in fact(8); until
        # over fact(7) stops in it
        self.assertEqual([seq(o) for o in outs[1:7]],
                         [first[0] + 1, line7[0] + 1, first[1] + 1, first[2] + 1,
                          line7[2] + 1, first[3] + 1])
        # disabled, return runs to fact(7)'s return
        self.assertEqual(seq(outs[8]), naive(evs, "return", 1, first[3]) + 1)
        # reverse-next from fact(10)'s return stops at the latest breakpoint
        # hit it runs back over: fact(1)'s first line
        self.assertEqual(seq(outs[11]), max(i for i in first if i < ret10) + 1)
        # the temporary breakpoint stops it at fact(1)'s line 6 and goes
        self.assertEqual(seq(outs[15]), line6 + 1)
        self.assertIn("Deleted breakpoint 2 at ", outs[15])
        self.assertEqual(seq(outs[16]), naive(evs, "next", -1, line6) + 1)

    def test_generator_breakpoint_and_history(self):
        # `break counter` stops at the generator's first line only (pdb), not
        # at its resumes; history follows the frame across resumes
        trace, ref = self.program("generators.py")
        evs = ref["threads"][0]["events"]
        call = next(i for i, e in enumerate(evs) if e["kind"] == "call" and e["name"] == "counter")
        frame = evs[call]["frame"]
        values = []
        for i, e in enumerate(evs):
            # a resume reports every variable; history lists changes only
            if e["frame"] == frame and "n" in e["vars"] \
                    and (not values or values[-1][1] != e["vars"]["n"]):
                values.append((i, e["vars"]["n"]))
        _, outs = session(trace, ["break counter", "c;;when", "history n", "c"])
        self.assertEqual(int(outs[1].strip().splitlines()[-1]), call + 2)
        got = re.findall(r"^seq (\d+) line \d+: n = (.*)$", outs[2], re.M)
        self.assertEqual(got, [(str(i + 1), v) for i, v in values])
        self.assertGreater(len(got), 3)
        self.assertIn("--End of recording--", outs[3])

    def record_facts(self, program):
        """Record a program that prints, as one JSON line, what Python says
        of its values: (trace, {replay command: expected output})."""
        trace = os.path.join(self.tmp, program + ".trace")
        p = subprocess.run([TRACEREC, "run", "-q", "-o", trace, program],
                           cwd=PROGRAMS, env=reftrace.env_for_tests(), stdout=subprocess.PIPE,
                           universal_newlines=True, timeout=300)
        self.assertEqual(p.returncode, 0)
        return trace, json.loads(p.stdout)

    def test_objects_fields_and_builtins(self):
        # replay runs no __repr__: objects print with their recorded fields,
        # and len(), type(), vars() answer as Python did in the program
        trace, facts = self.record_facts("replay_objects.py")
        cmds = list(facts)
        _, outs = session(trace, ["b stop_here", "c"] + cmds + ["args", "p len(pt)",
                                                               "p vars(items)", "p open(1)",
                                                               "watch len(big)",
                                                               # nesting is bounded as in
                                                               # Python, not a stack overflow
                                                               "p " + "(" * 5000 + "1" + ")" * 5000,
                                                               "p " + "not " * 100000 + "-" * 100000 + "1",
                                                               "p " + "-(" * 90 + "1" + ")" * 90,
                                                               # the bound is on depth: many
                                                               # groups side by side are fine
                                                               "p " + "(0) or " * 300 + "(1)",
                                                               # a slice needs every item
                                                               # it selects recorded
                                                               "p big[:3], big[31:29:-1]",
                                                               "p big[30:33]", "p big[-1:]",
                                                               "p big[::0]", "p pt[1:]"])
        for i, cmd in enumerate(cmds):
            self.assertEqual(outs[2 + i], facts[cmd] + "\n", cmd)
        args = parse_locals(outs[2 + len(cmds)])
        self.assertEqual(args["pt"], facts["p pt"])
        self.assertEqual(args["big"], repr(list(range(32)))[:-1] + ", ...]")
        errors = outs[3 + len(cmds):]
        self.assertTrue(errors[0].startswith("*** TypeError: the len() of a recorded "
                                             "'__main__.Point' object is not known"), errors[0])
        self.assertEqual(errors[1], "*** TypeError: vars() argument must be a recorded "
                                    "object, not 'list'\n")
        self.assertTrue(errors[2].startswith("*** NameError: name 'open' is not defined"), errors[2])
        self.assertEqual(errors[3], "*** watch NAME, NAME.attr or NAME[key]\n")
        self.assertEqual(errors[4:6], ["*** SyntaxError: too many nested parentheses or "
                                       "operators (at most 200)\n"] * 2)
        self.assertEqual(errors[6], "1\n")
        self.assertEqual(errors[7], "1\n")
        self.assertEqual(errors[8], "([0, 1, 2], [31, 30])\n")
        not_recorded = ("*** IndexError: item %d was not recorded (the recording keeps "
                        "the first items, --max-items, --max-str)\n")
        self.assertEqual(errors[9:11], [not_recorded % 32, not_recorded % 99])
        self.assertEqual(errors[11], "*** ValueError: slice step cannot be zero\n")
        self.assertEqual(errors[12], "*** TypeError: cannot slice a recorded "
                                     "'__main__.Point' value\n")

    def test_typed_values(self):
        # subclasses of builtins print as Python printed them (a Counter,
        # defaultdict, OrderedDict, namedtuple, IntEnum member, a dict and a
        # str subclass) and index, measure and compare by their content
        trace, facts = self.record_facts("replay_typed.py")
        cmds = list(facts)
        # literals Python refuses are refused, as Python words it
        bad = {r"p '\x4'": r"truncated \xXX escape",
               r"p '\U00110000'": "illegal Unicode character",
               "p b'\u00e9'": "bytes can only contain ASCII literal characters",
               # '_' only between digits, as Python's grammar has it
               "p 1_": "invalid decimal literal", "p 1__0": "invalid decimal literal",
               "p 1e_3": "invalid decimal literal", "p 0_b1": "invalid decimal literal",
               "p 0x": "invalid hexadecimal literal", "p 12ab": "invalid decimal literal"}
        _, outs = session(trace, ["b stop_here", "c"] + cmds + list(bad))
        for i, cmd in enumerate(cmds):
            self.assertEqual(outs[2 + i], facts[cmd] + "\n", cmd)
        for i, (cmd, why) in enumerate(bad.items()):
            self.assertEqual(outs[2 + len(cmds) + i], "*** SyntaxError: %s\n" % why, cmd)

    def test_arithmetic_as_python_computes_it(self):
        # operators, by Python's precedence, sum/min/max/abs and the lookup
        # methods of builtins give what Python gave on the same values,
        # errors in Python's words
        trace, got = self.record_facts("replay_arith.py")
        facts = got["facts"]
        cmds = list(facts)
        limits = ["p big * big", "p (-8) ** 0.5", "p xs + xs", "p s % n",
                  "watch n + 1", "p sum(xs * 2)", "p sum(long)", "p text + s", "p 09",
                  "p long.count(3)", "p long.index(5)", "p long.index(99)",
                  "p text.startswith('xx'), text.startswith('xy')", "p text.endswith('x')",
                  "p s.upper()", "p n.bit_length()", "p int(s)", "p round(x, -1)",
                  "p 99 in long", "p 5 in long, 99 not in long[:3]", "p 'y' in text",
                  "p 'xx' in text", "p text in text"]
        _, outs = session(trace, ["b stop_here", "c"] + cmds + limits)
        for i, cmd in enumerate(cmds):
            self.assertEqual(outs[2 + i], facts[cmd] + "\n", cmd)
        # where a replay cannot compute what Python would, it says so
        errors = outs[2 + len(cmds):]
        self.assertEqual(errors[0], "*** OverflowError: the result is past 2**127, where "
                                    "a replay's integer arithmetic stops\n")
        self.assertIn("complex number", errors[1])
        self.assertEqual(errors[2], "*** TypeError: cannot evaluate 'list' + 'list' over a "
                                    "recording (operators take numbers, str and bytes)\n")
        self.assertIn("%-formatting", errors[3])
        self.assertEqual(errors[4], "*** watch takes NAME, NAME.attr or NAME[key], not "
                                    "'n + 1' (a condition goes on a breakpoint: break "
                                    "LOCATION, COND)\n")
        self.assertIn("cannot evaluate 'list' * 'int'", errors[5])
        # nor from what the recorder cut
        self.assertEqual(errors[6], "*** ValueError: sum(): the list was cut at 32 of its "
                                    "100 items when recorded (--max-items)\n")
        self.assertEqual(errors[7], "*** ValueError: the str was cut at 256 of its 300 "
                                    "characters when recorded (--max-str)\n")
        self.assertEqual(errors[8], "*** SyntaxError: leading zeros in decimal integer "
                                    "literals are not permitted\n")
        # a method answers when the part the recorder kept decides
        cut_list = ("*** ValueError: the list was cut at 32 of its 100 items when recorded "
                    "(--max-items), and the answer lies in the rest\n")
        self.assertEqual(errors[9:12], [cut_list, "5\n", cut_list])
        self.assertEqual(errors[12], "(True, False)\n")
        self.assertEqual(errors[13], "*** ValueError: the str was cut at 256 of its 300 "
                                     "characters when recorded (--max-str), and the answer "
                                     "lies in the rest\n")
        for line, call in zip(errors[14:16], ["str.upper()", "int.bit_length()"]):
            self.assertTrue(line.startswith("*** cannot call %s over a recording" % call), line)
        self.assertEqual(errors[16], "*** TypeError: int() of a 'str' is not evaluated over "
                                     "a recording (it takes numbers)\n")
        self.assertEqual(errors[17], "*** round() of a float to a negative number of digits "
                                     "is not evaluated over a recording\n")
        # `in` is True where the kept part holds the item, refused where
        # only the rest could
        cut_str = ("*** ValueError: the str was cut at 256 of its 300 characters when "
                   "recorded (--max-str)")
        self.assertEqual(errors[18:23], [cut_list, "(True, True)\n", cut_str +
                                         ", and the answer lies in the rest\n", "True\n",
                                         cut_str + "\n"])

    def test_equality_identity_and_truth_as_python_answers(self):
        # ==, is, in, count() and bool() give what Python gave on the same
        # values (dicts in any order, a set against a frozenset, an item
        # its own equal, a tuple's t[:] itself), and refuse, saying why,
        # where the answer lies in a cut part, a class or an identity the
        # recording does not keep
        trace, got = self.record_facts("replay_equal.py")
        facts, refused = got["facts"], got["refused"]
        cmds = list(facts)
        _, outs = session(trace, ["b stop_here", "c"] + cmds + ["p not fal", "p bool(r0)"])
        for i, cmd in enumerate(cmds):
            if cmd in refused:
                self.assertTrue(outs[2 + i].startswith("*** ValueError: cannot "),
                                (cmd, outs[2 + i]))
            else:
                self.assertEqual(outs[2 + i], facts[cmd] + "\n", cmd)
        self.assertEqual(outs[2 + len(cmds):], [
            "*** ValueError: cannot tell the truth value of a recorded '__main__.Falsy': its "
            "class may define __bool__ or __len__ (compare it instead: x is not None)\n",
            "*** ValueError: cannot tell the truth value of a 'range' value recorded as its "
            "repr() text\n"])

    def test_uncaught_exception(self):
        # the start says where the exception that ended the program was
        # raised, as the traceback Python printed says (its innermost frame
        # of the program's own code), and `goto exception` goes there with
        # the traceback's stack
        for name in ("exc_uncaught.py", "exc_chained.py", "exc_library.py",
                     "keyboard_interrupt.py", "exc_caught.py", "exc_finally.py",
                     "system_exit_msg.py", "exc_oserror.py"):
            with self.subTest(program=name):
                p = subprocess.run([PYTHON, name], cwd=PROGRAMS, env=reftrace.env_for_tests(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   universal_newlines=True, timeout=300)
                # a chained exception prints its context's traceback first
                last = p.stderr.split("Traceback (most recent call last):\n")[-1]
                frames = [(os.path.realpath(f), int(l), fn) for f, l, fn in
                          re.findall(r'^  File "(.*)", line (\d+), in (\S+)$', last, re.M)]
                own = [f for f in frames if f[0].startswith(PROGRAMS_REAL)]
                trace = os.path.join(self.tmp, "uncaught-" + name + ".trace")
                subprocess.run([TRACEREC, "run", "-q", "-o", trace, name], cwd=PROGRAMS,
                               env=reftrace.env_for_tests(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=300)
                start, outs = session(trace, ["goto exception", "where"])
                if not own:
                    self.assertNotIn("uncaught", start)
                    if name.startswith("system_exit"):
                        # sys.exit() raises SystemExit: no failure, but there
                        self.assertIn("SystemExit: fatal: giving up\n", outs[0])
                    else:
                        self.assertEqual(outs[0], "*** The program did not end with an "
                                                  "uncaught exception\n")
                    continue
                file, line, func = own[-1]
                exc = p.stderr.splitlines()[-1]
                self.assertTrue(start.startswith(
                    "*** The program ended with an uncaught %s\n*** raised at event " % exc),
                    start)
                self.assertIn(", %s(%d)%s(): 'goto exception' goes there\n" % (file, line, func),
                              start)
                self.assertEqual(parse_stop(outs[0]), ("exception", file, line, func))
                self.assertTrue(outs[0].startswith(exc + "\n"), outs[0])
                where = re.findall(r"^[> ] (.*)\((\d+)\)(\S+)\(\)$", outs[1], re.M)
                self.assertEqual([(f, int(l), fn) for f, l, fn in where
                                  if f.startswith(PROGRAMS_REAL)], own)

    def test_x_commands_and_empty_line(self):
        trace, ref = self.program("loops.py")
        p = subprocess.run([TRACEREC, "replay", "-x", "n", "-x", "when", trace], input="\nwhen\n",
                           stdout=subprocess.PIPE, universal_newlines=True, timeout=60)
        lines = p.stdout.splitlines()
        nums = [int(l) for l in lines if l.isdigit()]
        self.assertEqual(len(nums), 2)
        self.assertGreater(nums[1], nums[0])

    def test_truncated_trace(self):
        trace = os.path.join(self.tmp, "k.trace")
        p = subprocess.Popen([TRACEREC, "run", "-q", "-o", trace, "long_running.py", "60"],
                             cwd=PROGRAMS, stdout=subprocess.PIPE, env=reftrace.env_for_tests())
        try:
            self.assertEqual(p.stdout.readline().strip(), b"started")
            time.sleep(1.5)
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
            p.stdout.close()
        start, outs = session(trace, ["goto end", "s", "rc;;when", "n;;n;;rn;;when"])
        self.assertIn("*** The recording is truncated", start)
        self.assertTrue(outs[0].startswith(">") or outs[0].startswith("--"))
        self.assertIn("--End of recording--: no later event to go to (the recording is truncated", outs[1])
        self.assertEqual(int(outs[2].strip().splitlines()[-1]), 1)

    def test_bad_traces(self):
        bad = os.path.join(self.tmp, "bad.trace")
        with open(bad, "w") as f:
            f.write("not a trace at all\n" * 100)
        for path, status in ((bad, 65), (os.path.join(self.tmp, "missing.trace"), 66)):
            p = subprocess.run([TRACEREC, "replay", path], input="", stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
            self.assertEqual(p.returncode, status)
            self.assertEqual(p.stdout, "")
            self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
            self.assertTrue(p.stderr.startswith("tracerec replay: "))


if __name__ == "__main__":
    import taprunner
    taprunner.main()
