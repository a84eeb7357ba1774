# tests/snapshot.mk: tests of the snapshot part (recorder/snapshot.c,
# recorder/locals.c). The Python tests drive the encoder through its test
# entry points (snapshot.h, trec_snap_debug_methods): from _tracerec when
# the recorder exposes them, else from _snaptest, a check-only module built
# here from the same sources.
check_LTLIBRARIES += tests/_snaptest.la
tests__snaptest_la_SOURCES = recorder/snapshot.c recorder/locals.c recorder/stdrepr.c
tests__snaptest_la_CPPFLAGS = $(AM_CPPFLAGS) $(PYTHON_CPPFLAGS) -DTREC_SNAP_TEST_MODULE
tests__snaptest_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
tests__snaptest_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-rpath $(abs_builddir)/tests -export-symbols-regex '^PyInit__snaptest$$'
tests__snaptest_la_LIBADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread

TESTS += tests/t0240-snapshot-values.py tests/t0241-snapshot-frames.py \
	tests/t0242-snapshot-settrace.py tests/t0243-snapshot-inplace.py \
	tests/t0244-snapshot-quick.py tests/t0245-snapshot-subcache.py \
	tests/t0246-snapshot-fpcheck.py
EXTRA_DIST += tests/t0240-snapshot-values.py tests/t0241-snapshot-frames.py \
	tests/t0242-snapshot-settrace.py tests/t0243-snapshot-inplace.py \
	tests/t0244-snapshot-quick.py tests/t0245-snapshot-subcache.py \
	tests/t0246-snapshot-fpcheck.py
