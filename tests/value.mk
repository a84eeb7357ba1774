# tests/value.mk: tests of the value codec and renderer (schema/value.c,
# schema/render.c): cmocka unit tests of the decoder, a differential test
# against Python's own repr() through the trec-render helper, and the fuzz
# target replayed over its committed corpus.

check_PROGRAMS += tests/helper/trec-render
tests_helper_trec_render_SOURCES = tests/helper/trec-render.c
tests_helper_trec_render_LDADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/t-value
TESTS += tests/unit/t-value
tests_unit_t_value_SOURCES = tests/unit/t-value.c
tests_unit_t_value_CPPFLAGS = $(UNIT_TEST_FLAGS)
tests_unit_t_value_LDADD = $(UNIT_TEST_LIBS)
endif

# The libFuzzer entry point with a standalone main() that replays the corpus
# (and every prefix of each corpus file) as TAP.
check_PROGRAMS += tests/fuzz/fuzz-value
TESTS += tests/fuzz/fuzz-value
tests_fuzz_fuzz_value_SOURCES = tests/fuzz/fuzz-value.c tests/fuzz/fuzz-value-driver.c
tests_fuzz_fuzz_value_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus-value"'
tests_fuzz_fuzz_value_LDADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread

TESTS += tests/t0110-value-repr.py
EXTRA_DIST += tests/valenc.py tests/t0110-value-repr.py tests/fuzz/corpus-value
