# tests/replay.mk: tests of the replay part.
