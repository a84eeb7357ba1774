# tests/schema.mk: tests of the schema part.
