# bench/: benchmarks (not part of `make check`). `make bench` runs them.
# Each prints numbers; none asserts a timing.
noinst_PROGRAMS += bench/bench-codec
bench_bench_codec_SOURCES = bench/bench-codec.c
bench_bench_codec_CPPFLAGS = $(AM_CPPFLAGS) $(LZ4_CFLAGS) $(SQLITE3_CFLAGS)
bench_bench_codec_LDADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread

# The format's speed and size on a synthetic loop-heavy stream.
bench-codec: bench/bench-codec$(EXEEXT)
	bench/bench-codec$(EXEEXT)
bench: bench-codec
.PHONY: bench bench-codec
