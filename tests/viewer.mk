# tests/viewer.mk: tests of the viewer part.
