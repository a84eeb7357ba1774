# tests/viewer.mk: tests of the viewer part (export, the view server's API,
# the page in a headless browser). t4-export-mktrace writes a synthetic
# trace with the writer API and prints what it must contain, so these tests
# do not depend on the recorder; where `tracerec run` works they also check
# recordings of real programs.
check_PROGRAMS += tests/t4-export-mktrace
tests_t4_export_mktrace_SOURCES = tests/t4-export-mktrace.c
tests_t4_export_mktrace_CPPFLAGS = $(UNIT_TEST_FLAGS)
tests_t4_export_mktrace_LDADD = $(UNIT_TEST_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/t4002-export-unit
TESTS += tests/t4002-export-unit
tests_t4002_export_unit_SOURCES = tests/t4002-export-unit.c
tests_t4002_export_unit_CPPFLAGS = $(UNIT_TEST_FLAGS) -I$(top_srcdir)/tests $(JANSSON_CFLAGS)
tests_t4002_export_unit_LDADD = viewer/libtrecview.la $(UNIT_TEST_LIBS) $(JANSSON_LIBS)
endif

TESTS += tests/t4001-export.py tests/t3001-view-api.py tests/t3002-view-browser.sh tests/t3003-view-firefox.sh
EXTRA_DIST += tests/t4001-export.py tests/t3001-view-api.py tests/t3002-view-browser.sh tests/t3003-view-firefox.sh tests/browser/firefox.test.mjs \
	tests/browser/view.test.mjs tests/browser/package.json tests/browser/package-lock.json
CLEANFILES += tests/artifacts/view.png
C_UNIT_TESTS += tests/t4002-export-unit
