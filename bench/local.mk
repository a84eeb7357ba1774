# bench/: benchmarks (not part of `make check`). `make bench` runs them.
# Each prints numbers; none asserts a timing.
noinst_PROGRAMS += bench/bench-codec
bench_bench_codec_SOURCES = bench/bench-codec.c
bench_bench_codec_CPPFLAGS = $(AM_CPPFLAGS) $(LZ4_CFLAGS) $(SQLITE3_CFLAGS)
bench_bench_codec_LDADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread

# The format's speed and size on a synthetic loop-heavy stream.
bench-codec: bench/bench-codec$(EXEEXT)
	bench/bench-codec$(EXEEXT)

# Seek and step latency over replay.h, for the reading side of run.py.
noinst_PROGRAMS += bench/bench-seek
bench_bench_seek_SOURCES = bench/bench-seek.c
bench_bench_seek_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS)
bench_bench_seek_LDADD = replay/libtrecreplay.la schema/libtrecschema.la \
	$(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread

# `make bench`: every workload under every tool, the reading side and
# bench-codec, into bench/RESULTS.md. PYTHONS="..." adds Pythons (tracerec
# only runs under the Python this tree was configured with); BENCH_ARGS
# passes options to bench/run.py (--repeats N, --scale F, --quick, ...).
# The floor (bench/floor.c) is compiled by run.py for each Python.
PYTHONS =
BENCH_ARGS =
bench: all
	$(PYTHON) $(srcdir)/bench/run.py --build '$(abs_top_builddir)' \
	  --pythons '$(PYTHONS)' --codec bench/bench-codec$(EXEEXT) $(BENCH_ARGS)
.PHONY: bench bench-codec

EXTRA_DIST += bench/run.py bench/bench_read.py bench/peer.py bench/naive_recorder.py \
	bench/floor.c bench/bigloop.py bench/workloads bench/RESULTS.md bench/analysis.md \
	tests/t5001-bench-smoke.sh

# A smoke test of the runner in quick mode on one tiny workload: structure,
# never speed.
TESTS += tests/t5001-bench-smoke.sh
