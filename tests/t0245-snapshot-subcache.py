"""t0245: the cache of sub-values' encodings changes nothing in a trace.

When a variable changes, the recorder copies the encodings of the parts of
its value that did not (recorder/snapshot.c, "sub-values"). Every corpus
program (tests/programs, including subvalues.py: cycles through an object's
children, encodings with REFs to an ancestor copied into another and
reached under other roots, sub-objects shared at different depths, values
cut by max_value_bytes, redacted keys in nested dicts, a class renamed
while its instances are held, sub-lists changed at depths 1 and 2,
addresses reused after del) is recorded with the cache and with
TRACEREC_SUBCACHE=0, on each backend, and the program's own events and
values must be identical, addresses aside. subvalues.py is also recorded
with a small max_value_bytes and a deeper max_depth, where the budget and
the path matter more.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PROGRAMS = reftrace.programs_dir()
ADDRESS = re.compile(rb"0x[0-9a-f]+")


# The fields after each tag (doc/FORMAT.md section 7.2): v a varint, b a
# byte, s bytes after their varint length, f an f64, i an id, x a value;
# containers then have a varint count of ITEMS.
FIELDS = {0x03: "v", 0x04: "bs", 0x05: "f", 0x06: "vs", 0x07: "vs",
          0x08: "iv", 0x09: "iv", 0x0a: "iv", 0x0b: "iv", 0x0c: "iv",
          0x0d: "isv", 0x0e: "ib", 0x0f: "bisv", 0x10: "ss", 0x12: "s",
          0x13: "isx", 0x14: "sbxv"}
ITEMS = {0x08: "x", 0x09: "x", 0x0a: "x", 0x0b: "x", 0x0c: "xx", 0x0d: "sx",
         0x14: "sx"}


def canonical(data):
    """A value's encoding (doc/FORMAT.md section 7) with each id replaced
    by the order of its first appearance in the value, and addresses in
    REPR texts left out: the bytes two runs must agree on, since addresses
    differ from run to run."""
    out, ids, pos = bytearray(), {}, [0]

    def byte():
        pos[0] += 1
        out.append(data[pos[0] - 1])
        return data[pos[0] - 1]

    def varint(copy=True):
        n, shift = 0, 0
        while True:
            b = data[pos[0]]
            pos[0] += 1
            if copy:
                out.append(b)
            n |= (b & 0x7f) << shift
            shift += 7
            if b < 0x80:
                return n

    def ident():
        n = ids.setdefault(varint(copy=False), len(ids))
        out.extend(b"#%d;" % n)

    def raw(n):
        out.extend(data[pos[0]:pos[0] + n])
        pos[0] += n

    def fields(spec):
        for f in spec:
            if f == "v":
                varint()
            elif f == "b":
                byte()
            elif f == "s":
                raw(varint())
            elif f == "f":
                raw(8)
            elif f == "i":
                ident()
            else:
                value()

    def value():
        tag = byte()
        fields(FIELDS.get(tag, ""))
        if tag in ITEMS:
            for _ in range(varint()):
                fields(ITEMS[tag])
    value()
    assert pos[0] == len(data), "value not read to its end"
    return ADDRESS.sub(b"ID", bytes(out))


def own_events(trace):
    """The program's own events, values as canonical() bytes, thread by
    thread (by name: how threads interleave, and so which code object is
    seen first and numbered first, changes from run to run)."""
    exe = os.path.join(os.environ["TREC_BUILDDIR"], "tests", "helper",
                       "trec-dump")
    p = subprocess.run([exe, "--raw", trace], stdout=subprocess.PIPE,
                       universal_newlines=True, check=True)
    own = os.path.realpath(PROGRAMS)
    files, names, threads, events = {}, {}, {}, []
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o["type"] == "code":
            files[o["id"]] = os.path.realpath(o["file"] or "")
            names[o["id"]] = o["qualname"]
        elif o["type"] == "thread":
            threads[o["id"]] = o["name"]
        elif o["type"] == "event":
            events.append(o)
    out = []
    for e in sorted(events, key=lambda e: (threads.get(e["thread"], ""), e["seq"])):
        if not files.get(e["code"], "").startswith(own):
            continue
        out.append((threads.get(e["thread"], ""), e["kind"], names[e["code"]],
                    e["line"], e["depth"],
                    [(v["kind"], v["name"],
                      canonical(bytes.fromhex(v["raw"])))
                     for v in e["vars"]]))
    return out


# subvalues.py recorded through the API, for options `tracerec run` has
# no flag for.
DRIVER = """
import os, runpy, sys, tracerec
tracerec.start(sys.argv[1], **eval(sys.argv[2]))
try:
    runpy.run_path(os.path.abspath("subvalues.py"), run_name="__main__")
finally:
    tracerec.stop()
"""


class SubCache(unittest.TestCase):
    def record(self, name, tmp, backend, cache, opts=None):
        trace = os.path.join(tmp, "%s-%d.trace" % (backend, cache))
        env = reftrace.env_for_tests()
        if not cache:
            env["TRACEREC_SUBCACHE"] = "0"
        if opts is None:
            cmd = [TRACEREC, "run", "-q", "--backend", backend, "-o", trace,
                   name]
        else:
            cmd = [sys.executable, "-c", DRIVER, trace,
                   repr(dict(opts, backend=backend))]
        p = subprocess.run(cmd, cwd=PROGRAMS, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        return p.returncode, p.stdout, own_events(trace)

    def same(self, name, backend, opts=None):
        with tempfile.TemporaryDirectory() as tmp:
            c = self.record(name, tmp, backend, 1, opts)
            n = self.record(name, tmp, backend, 0, opts)
            self.assertEqual(c[:2], n[:2])
            self.assertGreater(len(c[2]), 0)
            for i, (a, b) in enumerate(zip(c[2], n[2])):
                self.assertEqual(a, b, "event %d of %s" % (i, name))
            self.assertEqual(len(c[2]), len(n[2]))

    def test_corpus(self):
        import _tracerec
        for backend in _tracerec.backends():
            for name in reftrace.corpus():
                if name.startswith("threads"):
                    continue      # interleavings differ from run to run
                with self.subTest(program=name, backend=backend):
                    self.same(name, backend)

    def test_bounds(self):
        for opts in ({"max_value_bytes": 700}, {"max_value_bytes": 3000},
                     {"max_depth": 5}, {"max_depth": 2, "max_items": 3}):
            with self.subTest(opts=opts):
                self.same("subvalues.py", "settrace", opts)


if __name__ == "__main__":
    import taprunner
    taprunner.main()
