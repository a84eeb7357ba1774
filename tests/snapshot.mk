# tests/snapshot.mk: tests of the snapshot part.
