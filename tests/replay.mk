# tests/replay.mk: tests of the replay engine and `tracerec replay`.
# t-replay: the engine against a naive model on synthetic traces (every
# event's state, every motion both ways, breakpoints, watches, the REPL).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/t-replay
TESTS += tests/unit/t-replay
tests_unit_t_replay_SOURCES = tests/unit/t-replay.c
tests_unit_t_replay_CPPFLAGS = $(UNIT_TEST_FLAGS)
tests_unit_t_replay_LDADD = replay/libtrecreplay.la $(UNIT_TEST_LIBS)
endif

# Scripted sessions over recorded corpus programs against tests/reftrace.py.
TESTS += tests/t2500-replay-reference.py
EXTRA_DIST += tests/t2500-replay-reference.py tests/programs/replay_watch.py \
	tests/programs/replay_objects.py tests/programs/replay_typed.py \
	tests/programs/replay_arith.py tests/programs/replay_equal.py tests/programs/pyfacts.py
