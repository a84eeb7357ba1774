"""t0803: the files table keeps each recorded file's source as an LZ4HC
block (codec 2) even when chunks use fast LZ4, raw in an uncompressed
trace, and readers show it unchanged either way."""
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import reftrace

TRACEREC = os.environ["TRACEREC"]
PYTHON = os.environ.get("PYTHON", sys.executable)
PROGRAM = "# a source long enough to compress\n" * 20 + '''def f(x):
    marker = "tracerec-source-check"
    return x + 1


print(f(1))
'''
RECORD_RAW = '''import sys, tracerec
with tracerec.record(sys.argv[1], codec="raw"):
    exec(compile(open(sys.argv[2]).read(), sys.argv[2], "exec"), {})
'''


def codecs(trace):
    db = sqlite3.connect("file:%s?mode=ro" % trace, uri=True)
    try:
        return {path: (codec, chunk_codec) for path, codec, chunk_codec in db.execute(
            "SELECT path, codec, (SELECT min(codec) FROM chunks) FROM files"
            " WHERE size > 0")}
    finally:
        db.close()


def listing(trace):
    p = subprocess.run([TRACEREC, "replay", trace], input="step\nstep\nstep\nlist\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    return p.stdout


class Sources(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.prog = os.path.join(self.tmp.name, "prog.py")
        with open(self.prog, "w") as f:
            f.write(PROGRAM)

    def tearDown(self):
        self.tmp.cleanup()

    def test_sources_are_lz4hc_beside_lz4_chunks(self):
        trace = os.path.join(self.tmp.name, "d.trace")
        subprocess.run([TRACEREC, "run", "-q", "-o", trace, self.prog], check=True,
                       stdout=subprocess.DEVNULL, env=reftrace.env_for_tests())
        got = codecs(trace)
        self.assertIn(self.prog, got)
        for path, (codec, chunk_codec) in got.items():
            self.assertEqual((codec, chunk_codec), (2, 1), path)
        self.assertIn('marker = "tracerec-source-check"', listing(trace))

    def test_uncompressed_trace_keeps_sources_raw(self):
        trace = os.path.join(self.tmp.name, "r.trace")
        subprocess.run([PYTHON, "-c", RECORD_RAW, trace, self.prog], check=True,
                       stdout=subprocess.DEVNULL, env=reftrace.env_for_tests())
        got = codecs(trace)
        self.assertIn(self.prog, got)
        self.assertEqual(got[self.prog], (0, 0))


if __name__ == "__main__":
    import taprunner
    taprunner.main()
