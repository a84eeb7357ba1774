# schema/: the trace format library (libtrecschema) and the SQL extension.
noinst_LTLIBRARIES += schema/libtrecschema.la
schema_libtrecschema_la_SOURCES = \
	schema/trace.h schema/buf.h schema/value.h schema/trace_int.h \
	schema/buf.c schema/error.c schema/chunk.c schema/xxh32.c \
	schema/writer.c schema/reader.c schema/payload.c schema/patch.c \
	schema/value.c schema/render.c schema/unicode_printable.h
schema_libtrecschema_la_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS) $(LZ4_CFLAGS)
schema_libtrecschema_la_LIBADD = $(SQLITE3_LIBS) $(LZ4_LIBS) -lm
EXTRA_DIST += schema/schema.sql schema/gen-printable.py

# schema.sql is the DDL as data, embedded as a C string (jq's builtin.inc).
BUILT_SOURCES += schema/schema.inc
# BUILT_SOURCES covers `make all` and `make check`, not `make tracerec`.
$(schema_libtrecschema_la_OBJECTS): schema/schema.inc
CLEANFILES += schema/schema.inc
schema/schema.inc: $(top_srcdir)/schema/schema.sql
	$(AM_V_GEN)mkdir -p schema && \
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@.tmp && mv $@.tmp $@

include schema/sql.mk
