# recorder/: the CPython extension _tracerec and the tracerec Python package.
# recorder-core: module.c recorder.[ch] framestack.[ch] compat.h compat-*.c
# backend-*.c;
# snapshot: snapshot.[ch] locals.[ch] stdrepr.[ch].
pyexec_LTLIBRARIES += recorder/_tracerec.la
recorder__tracerec_la_SOURCES = \
	recorder/module.c recorder/recorder.c recorder/recorder.h \
	recorder/framestack.c recorder/framestack.h recorder/compat.h \
	recorder/backend-settrace.c recorder/backend-monitoring.c \
	recorder/snapshot.c recorder/snapshot.h recorder/locals.c recorder/locals.h \
	recorder/stdrepr.c recorder/stdrepr.h recorder/lineflow.c recorder/lineflow-gil.c recorder/lineflow.h \
	recorder/compat-tracefunc.c
recorder__tracerec_la_CPPFLAGS = $(AM_CPPFLAGS) $(PYTHON_CPPFLAGS) $(SQLITE3_CFLAGS)
recorder__tracerec_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
recorder__tracerec_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^PyInit__tracerec$$'
recorder__tracerec_la_LIBADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lpthread

include recorder/python.mk
