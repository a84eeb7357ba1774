/*
** lineflow.h: which lines of a code object can change a value in place.
**
** A frame's snapshot compares every variable with what was recorded at the
** frame's previous event; a list, dict or object can change without its
** variable being assigned, so those are fingerprinted (walked) each time,
** and that walk was most of the recorder's cost on object-heavy code. But
** between two consecutive events of a frame, with no other event anywhere
** in between and the GIL not handed to another thread (which can run
** without events: library code, or the rest of a line it blocked in), only
** the bytecode of the earlier event's line ran. If that
** line only loads, computes, compares, jumps and stores plain local
** variables (no call, no attribute or item store, no subscript read, no
** in-place operator on anything but a local that now holds an immutable
** scalar, and unpacks, iterates or tests `in` only builtin containers:
** C code a map() or iter(callable, x) runs could change anything), nothing
** reachable from the frame can have changed in place: any
** Python code it could trigger (a property, __eq__, __del__, __iter__...)
** would have produced an event first. Nor can a variable the line does not
** store be bound to another object, so it needs no look at all; the
** line's stored variables are checked as a full snapshot checks them. The
** one door left open is C code that freeing an object runs: a weakref
** callback that is a C function (weakref.ref(obj, items.append)) when the
** line drops obj's last reference, or the garbage collector, which an
** allocation may start, drops it; and a class whose operator, property or
** __missing__ is itself a C function bound to a container (__lt__ =
** items.append, property(log.extend), __missing__ = misses.append): the
** operator runs it with no event (README says so; TRACEREC_FPCHECK and
** TRACEREC_QUICK=0 see it).
**
** The analysis is done once per code object from its (unspecialized)
** bytecode and line table; opcodes are classified by name from the running
** Python's `opcode` module, so a renamed or new opcode is simply impure.
*/
#ifndef TREC_LINEFLOW_H
#define TREC_LINEFLOW_H

#include <Python.h>
#include <stdint.h>

typedef struct trec_lineflow trec_lineflow;

/*! trec_lineflow_init() : classify opcodes from the `opcode` module. Call
 *  once at module init (runs Python code: not on the recording path).
 *  @return 0, or -1 with a Python exception set. */
int trec_lineflow_init(void);

/*! trec_lineflow_new() : the per-line facts of co. fast: the frame's
 *  variables are fast locals (functions) rather than a namespace (module,
 *  class), which decides what STORE_NAME means. Allocates Python objects
 *  (the bytecode and line table are read through the code object's API):
 *  call it where code objects are registered, not per event. Never leaves a
 *  Python exception set.
 *  @return TREC_OK, or TREC_ERR_NOMEM; *out is NULL when the code could not
 *  be analysed (every line then counts as impure). trec_lineflow_free()
 *  accepts NULL. */
int  trec_lineflow_new(PyCodeObject *co, int fast, trec_lineflow **out);
void trec_lineflow_free(trec_lineflow *lf);

/* What the bytecode of a line may do. */
enum trec_lineflow_flags {
  TREC_LF_IMPURE = 1,   /* may change a value in place */
  TREC_LF_SUBSCR = 2,   /* reads an item: pure if no dict changed */
  TREC_LF_ITER = 4,     /* one FOR_ITER: pure if its iterator is safe */
  TREC_LF_ITEM = 8      /* unpacks that FOR_ITER's item: pure if the item
                           is safe to iterate (trec_lineflow_item_safe) */
};

/* The facts per line (lineflow.c fills them). Here so that the lookup,
** made twice at every event, is inlined. */
struct trec_lf_facts {
  unsigned char flags;       /* TREC_LF_* */
  unsigned char n_iter;      /* FOR_ITER instructions */
  int32_t iter_at;           /* byte offset of the last one */
  uint64_t store, inplace;   /* slot masks (lineflow.h) */
  uint64_t check;            /* slots that must hold a builtin container */
  unsigned char item_depth;  /* TREC_LF_ITEM: deepest part unpacked */
  int32_t item_iter;         /* TREC_LF_ITEM: offset of that FOR_ITER */
};

/* Parts of a FOR_ITER item deeper than this are not checked (impure). */
#define TREC_LF_ITEM_DEPTH 3

/* A line's facts when it starts at its first instruction, and when it
** starts again at its FOR_ITER (the next iteration of a loop, whose line
** event is at the FOR_ITER: the iterable expression before it does not
** run again, and running it would take a backward jump, an event). */
struct trec_lf_line { struct trec_lf_facts all, tail; };

struct trec_lineflow {
  int first;                 /* line of index 0 */
  int n;                     /* lines covered */
  struct trec_lf_line *line; /* Owned, n */
};

/*! trec_lineflow_line() : the flags of `line` (TREC_LF_IMPURE for a line
 *  lf does not know, and when lf is NULL) as run from its start, or with
 *  from_iter from its FOR_ITER on (a loop's next iteration); unless
 *  impure, *store holds the slots it may assign or delete and *inplace
 *  those an in-place operator assigns (each must then hold an immutable
 *  scalar), one bit per slot, bit 63 standing for every slot from 63 on,
 *  *check those it iterates (each must hold, as the line starts, a value
 *  of a builtin container type: trec_lineflow_iterable()), and *iter_at the
 *  byte offset of its FOR_ITER (TREC_LF_ITER). */
static inline int trec_lineflow_line(const trec_lineflow *lf, int line,
                                     int from_iter, uint64_t *store,
                                     uint64_t *inplace, uint64_t *check,
                                     int *iter_at){
  int64_t k = lf ? (int64_t)line - lf->first : -1;
  *iter_at = -1;
  *check = 0;
  if( k<0 || k>=lf->n ) return TREC_LF_IMPURE;
  const struct trec_lf_facts *f = from_iter && lf->line[k].all.n_iter==1
                           ? &lf->line[k].tail : &lf->line[k].all;
  *store = f->store;
  *inplace = f->inplace;
  *check = f->check;
  *iter_at = f->n_iter ? f->iter_at : -1;
  return f->flags;
}

/*! trec_lineflow_item_depth() : trec_lf_facts.item_depth of `line` run
 *  from its FOR_ITER (a line trec_lineflow_line() knows). */
static inline int trec_lineflow_item_depth(const trec_lineflow *lf, int line){
  return lf->line[line - lf->first].tail.item_depth;
}

/*! trec_lineflow_dict_clock() : the interpreter's dict version clock,
 *  moved by one step (a probe dict of our own is changed to read it); 0 if
 *  this Python has none. Two readings one step apart mean that no dict
 *  anywhere changed in between. */
uint64_t trec_lineflow_dict_clock(void);
/*! trec_lineflow_dict_quiet() : 1 when reading `now` followed reading
 *  `then` with no dict change in between. */
int trec_lineflow_dict_quiet(uint64_t then, uint64_t now);

/*! trec_lineflow_gil_count() : where the running interpreter counts the
 *  times a thread other than the GIL's last holder took it
 *  (lineflow-gil.c); the same value at two events of a frame means no
 *  other thread ran in between. NULL when it has none (a free-threaded
 *  build): quick snapshots are then off. Call with the GIL held; the
 *  address stays valid while the interpreter lives. */
const volatile unsigned long *trec_lineflow_gil_count(void);

/*! trec_lineflow_iter_safe() : 1 when FOR_ITER on it runs no C code that
 *  could change another value: iterators of builtin sequences, dicts,
 *  sets and strings, and enumerate, zip and reversed over those. */
int trec_lineflow_iter_safe(PyObject *it);

/*! trec_lineflow_item_safe() : 1 when the next item of `it`, an iterator
 *  trec_lineflow_iter_safe() accepts, can be unpacked without running C
 *  code that could change another value, with its parts down to `depth`
 *  (trec_lf_facts.item_depth): an int (range), a tuple of 2 (dict items,
 *  enumerate, zip: depth 0 only), or, peeked at in a list or tuple iterator, a
 *  builtin container whose tuple and list parts are so too. */
int trec_lineflow_item_safe(PyObject *it, int depth);

/*! trec_lineflow_iterable() : 1 when v is of a builtin container type whose
 *  iteration and `in` run no C code that could change another value (exact
 *  tuple, list, dict, set, frozenset, str, bytes, range); 0 for NULL. */
int trec_lineflow_iterable(PyObject *v);

#endif /* TREC_LINEFLOW_H */
