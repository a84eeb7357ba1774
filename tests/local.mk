# tests/: every test speaks TAP (one "ok"/"not ok" line per test case) and
# runs under automake's TAP driver, so `make check` counts test cases, not
# files. C unit tests use cmocka (CMOCKA_MESSAGE_OUTPUT=TAP); Python-side
# tests use tests/taprunner.py over stdlib unittest; shell tests tests/lib.sh.
TEST_EXTENSIONS = .sh .py
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
PY_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
PY_LOG_COMPILER = $(PYTHON)
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	TRACEREC='$(abs_top_builddir)/tracerec'; export TRACEREC; \
	PYTHON='$(PYTHON)'; export PYTHON; \
	TREC_SRCDIR='$(abs_top_srcdir)'; export TREC_SRCDIR; \
	TREC_BUILDDIR='$(abs_top_builddir)'; export TREC_BUILDDIR; \
	PYTHONPATH='$(abs_top_srcdir)/recorder:$(abs_top_builddir)/recorder/.libs:$(abs_top_srcdir)/tests'; export PYTHONPATH; \
	PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE; \
	LC_ALL=C.UTF-8; export LC_ALL;
EXTRA_DIST += tests/lib.sh tests/taprunner.py tests/t0001-cli.sh

# C unit tests link the format library directly.
UNIT_TEST_FLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS) $(SQLITE3_CFLAGS) $(LZ4_CFLAGS)
UNIT_TEST_LIBS = schema/libtrecschema.la $(CMOCKA_LIBS) $(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread

TESTS += tests/t0001-cli.sh
# Fragments add C test programs living outside tests/unit/ to C_UNIT_TESTS
# (check-unit, below, runs them under the sanitizers).
C_UNIT_TESTS =

include tests/schema.mk
include tests/value.mk
include tests/recorder.mk
include tests/recorder-core.mk
include tests/snapshot.mk
include tests/sql.mk
include tests/replay.mk
include tests/viewer.mk

# The C tests alone (unit tests and fuzz corpus replays), for the sanitizer
# build, where the Python extension cannot be loaded by an uninstrumented Python.
check-unit:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(filter tests/unit/% tests/fuzz/%,$(TESTS)) $(C_UNIT_TESTS)'
.PHONY: check-unit
