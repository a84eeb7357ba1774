/*
** stdrepr.h: repr() text of the standard library's immutable C value types
** (decimal.Decimal, datetime's date, datetime, time, timedelta and
** timezone, zoneinfo.ZoneInfo; memoryview, slice, re.Pattern), read from
** their structs.
**
** A program's money, dates and durations are these objects, and they hold
** no field the encoder could read: without this they were recorded as
** <decimal.Decimal object at 0x...>. Their own repr functions cannot be
** called instead: Decimal's reads the thread's decimal context and creates
** it on first use, a datetime's calls its tzinfo's __repr__, which may be
** the program's. The structs are the same in CPython 3.9 to 3.13
** (datetime.h; Modules/_decimal/_decimal.c with libmpdec's mpd_t;
** _datetimemodule.c's timezone); a type is taken only when its name and
** tp_basicsize both match, and exact types only, since a subclass may
** print otherwise. memoryview and slice are the builtin types themselves;
** re.Pattern's fields are found through its member table, whose layout is
** the type's own.
*/
#ifndef TREC_STDREPR_H
#define TREC_STDREPR_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include "schema/buf.h"

enum trec_stdrepr {
  TREC_STDREPR_NONE, TREC_STDREPR_DECIMAL, TREC_STDREPR_DATE,
  TREC_STDREPR_DATETIME, TREC_STDREPR_TIME, TREC_STDREPR_TIMEDELTA,
  TREC_STDREPR_TIMEZONE, TREC_STDREPR_ZONEINFO, TREC_STDREPR_MEMORYVIEW,
  TREC_STDREPR_SLICE, TREC_STDREPR_PATTERN
};

/* Writes Python's repr() of the str u to the text the caller gives
** trec_stdrepr_text(): a timezone's name, a ZoneInfo's key. */
typedef void (*trec_stdrepr_quote)(void *ctx, PyObject *u);

/* Which of the types above tp is, from its qualified name (name, len as
** "module.qualname") and layout; NONE for any other type. */
enum trec_stdrepr trec_stdrepr_kind(PyTypeObject *tp, const char *name,
                                    size_t len);

/* Appends the repr() of v, of the given kind (not NONE), to out, with
** quote() for the strs inside. @return 1, or 0 with out as it was when
** v's text cannot be known here: a Decimal of more than max_digits
** digits, a time or datetime whose tzinfo is neither a datetime.timezone
** nor a zoneinfo.ZoneInfo with a key, a slice of other than ints and
** None. Calls no Python code, allocates no Python object. */
int trec_stdrepr_text(PyObject *v, enum trec_stdrepr kind, size_t max_digits,
                      trec_stdrepr_quote quote, void *ctx, struct trec_buf *out);

/* A hash of everything trec_stdrepr_text() reads of v (kind, max_digits
** alike), tzinfo objects included: equal hashes of one object mean equal
** texts, so that a snapshot's fingerprint need not build the text. */
uint64_t trec_stdrepr_hash(PyObject *v, enum trec_stdrepr kind, size_t max_digits);

#endif /* TREC_STDREPR_H */
