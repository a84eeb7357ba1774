# tests/recorder.mk: tests of the recorder part.
