# schema/sql-*: SQL virtual tables over traces (issue: SQL over traces).
noinst_LTLIBRARIES += schema/libtrecsql.la
schema_libtrecsql_la_SOURCES = schema/sql.h schema/sql-stub.c
schema_libtrecsql_la_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS)
