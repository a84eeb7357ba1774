# tests/value.mk: tests of the value part.
