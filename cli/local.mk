# cli/: the `tracerec` binary. Subcommand dispatch only; each verb in its file.
bin_PROGRAMS += tracerec
tracerec_SOURCES = cli/main.c cli/cmd.h cli/paths.c \
	cli/cmd-run.c cli/cmd-replay.c cli/cmd-sql.c cli/cmd-info.c \
	cli/cmd-view.c cli/cmd-export.c
tracerec_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS) $(LZ4_CFLAGS) $(LIBEDIT_CFLAGS) \
	$(JANSSON_CFLAGS) $(MHD_CFLAGS) \
	-DTREC_BUILDDIR='"$(abs_top_builddir)"' -DTREC_SRCDIR='"$(abs_top_srcdir)"' \
	-DTREC_PYEXECDIR='"$(pyexecdir)"' -DTREC_PKGLIBDIR='"$(pkglibdir)"'
tracerec_LDADD = viewer/libtrecview.la replay/libtrecreplay.la schema/libtrecsql.la \
	schema/libtrecschema.la \
	$(SQLITE3_LIBS) $(LZ4_LIBS) $(LIBEDIT_LIBS) $(JANSSON_LIBS) $(MHD_LIBS) -lm
