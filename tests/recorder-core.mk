# tests/recorder-core.mk: tests of the recorder-core part.
