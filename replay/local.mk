# replay/: the replay engine (cursor, seek, steps both ways) and the REPL.
noinst_LTLIBRARIES += replay/libtrecreplay.la
replay_libtrecreplay_la_SOURCES = replay/replay.h replay/replay-stub.c
replay_libtrecreplay_la_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS)
