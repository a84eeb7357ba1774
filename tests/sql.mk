# tests/sql.mk: tests of the sql part.
