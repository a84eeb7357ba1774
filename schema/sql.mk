# schema/sql-*: SQL virtual tables over traces (events, calls, vars), built
# twice: into libtrecsql for `tracerec sql`, and as the loadable extension
# tracerec.so for the stock sqlite3 shell (cli/paths.c knows where it is).
TREC_SQL_SOURCES = schema/sql.h schema/sql-conn.c schema/sql-plan.c \
	schema/sql-scan.c schema/sql-events.c schema/sql-calls.c schema/sql-vars.c

noinst_LTLIBRARIES += schema/libtrecsql.la
schema_libtrecsql_la_SOURCES = $(TREC_SQL_SOURCES)
schema_libtrecsql_la_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS)

pkglib_LTLIBRARIES = schema/tracerec.la
schema_tracerec_la_SOURCES = schema/ext.c $(TREC_SQL_SOURCES)
schema_tracerec_la_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS) -DTREC_SQL_EXTENSION
schema_tracerec_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^sqlite3_tracerec_init$$'
schema_tracerec_la_LIBADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lm
