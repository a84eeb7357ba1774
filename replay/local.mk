# replay/: the replay engine (cursor, seek, steps both ways, breakpoints,
# watches) and the REPL that speaks pdb's language over it.
noinst_LTLIBRARIES += replay/libtrecreplay.la
replay_libtrecreplay_la_SOURCES = replay/replay.h replay/replay_int.h \
	replay/replay.c replay/stack.c replay/cache.c replay/cursor.c \
	replay/expr.c replay/arith.c replay/equal.c replay/order.c replay/stdval.c \
	replay/methods.c replay/bp.c replay/watch.c replay/uncaught.c
replay_libtrecreplay_la_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS)
replay_libtrecreplay_la_SOURCES += replay/repl.h replay/repl.c
