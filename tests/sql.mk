# tests/sql.mk: tests of the SQL part (virtual tables, `tracerec sql`,
# `tracerec info`). sql-gen writes synthetic traces described by
# tests/helper/sql-model.py, so expected rows are computed, not written down.
check_PROGRAMS += tests/helper/sql-gen
tests_helper_sql_gen_SOURCES = tests/helper/sql-gen.c
tests_helper_sql_gen_LDADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread

TESTS += tests/t1001-sql-synthetic.py
EXTRA_DIST += tests/helper/sql-model.py tests/t1001-sql-synthetic.py
TESTS += tests/t1002-sql-cli.sh tests/t1003-sql-doc.py tests/t1004-sql-prompt.py tests/t1010-sql-reference.py tests/t1050-info.py
EXTRA_DIST += tests/t1002-sql-cli.sh tests/t1003-sql-doc.py tests/t1004-sql-prompt.py tests/t1010-sql-reference.py tests/t1050-info.py doc/SQL.md

# The tables in-process, also under the sanitizers (make check-unit).
if HAVE_CMOCKA
check_PROGRAMS += tests/helper/sql-unit
TESTS += tests/helper/sql-unit
C_UNIT_TESTS += tests/helper/sql-unit
tests_helper_sql_unit_SOURCES = tests/helper/sql-unit.c
tests_helper_sql_unit_CPPFLAGS = $(UNIT_TEST_FLAGS)
tests_helper_sql_unit_LDADD = schema/libtrecsql.la $(UNIT_TEST_LIBS)
endif
