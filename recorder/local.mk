# recorder/: the CPython extension _tracerec and the tracerec Python package.
pyexec_LTLIBRARIES += recorder/_tracerec.la
recorder__tracerec_la_SOURCES = recorder/module.c
recorder__tracerec_la_CPPFLAGS = $(AM_CPPFLAGS) $(PYTHON_CPPFLAGS)
recorder__tracerec_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
recorder__tracerec_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^PyInit__tracerec$$'
recorder__tracerec_la_LIBADD = schema/libtrecschema.la $(SQLITE3_LIBS) $(LZ4_LIBS) -lpthread

include recorder/python.mk
