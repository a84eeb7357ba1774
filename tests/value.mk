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

EXTRA_DIST += tests/valenc.py
