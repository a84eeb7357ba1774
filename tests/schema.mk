# tests/schema.mk: tests of the trace format library (schema/): the chunk
# codec, writer -> file -> reader round trips, damaged traces, and the
# chunk fuzz target replaying its corpus. All are cmocka or TAP programs.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/t-chunk tests/unit/t-writer-reader tests/unit/t-corrupt
TESTS += tests/unit/t-chunk tests/unit/t-writer-reader tests/unit/t-corrupt

tests_unit_t_chunk_SOURCES = tests/unit/t-chunk.c tests/unit/t-writer-gen.h
tests_unit_t_chunk_CPPFLAGS = $(UNIT_TEST_FLAGS)
tests_unit_t_chunk_LDADD = $(UNIT_TEST_LIBS)

tests_unit_t_writer_reader_SOURCES = tests/unit/t-writer-reader.c tests/unit/t-writer-gen.h \
	tests/unit/t-tmpdir.h
tests_unit_t_writer_reader_CPPFLAGS = $(UNIT_TEST_FLAGS)
tests_unit_t_writer_reader_LDADD = $(UNIT_TEST_LIBS)

tests_unit_t_corrupt_SOURCES = tests/unit/t-corrupt.c tests/unit/t-writer-gen.h \
	tests/unit/t-tmpdir.h
tests_unit_t_corrupt_CPPFLAGS = $(UNIT_TEST_FLAGS)
tests_unit_t_corrupt_LDADD = $(UNIT_TEST_LIBS)
endif

# The fuzz target, built with a standalone driver that replays the corpus
# (clang -fsanitize=fuzzer builds tests/fuzz/fuzz-chunk.c alone).
check_PROGRAMS += tests/fuzz/fuzz-chunk
TESTS += tests/fuzz/fuzz-chunk
tests_fuzz_fuzz_chunk_SOURCES = tests/fuzz/fuzz-chunk.c tests/fuzz/fuzz-driver.c
tests_fuzz_fuzz_chunk_CPPFLAGS = $(AM_CPPFLAGS) $(LZ4_CFLAGS)
tests_fuzz_fuzz_chunk_LDADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread
EXTRA_DIST += tests/fuzz/corpus-chunk
