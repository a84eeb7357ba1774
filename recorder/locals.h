/*
** locals.h: every version-specific way the recorder reads CPython internals
** without running Python code or building Python objects: a frame's fast
** locals and namespace, a code object's slot names, a set's entries, an
** instance's attributes (which on 3.11+ may live in inline "values" with no
** dict object), and a big int's magnitude. snapshot.c stays version-free;
** each branch in locals.c names the CPython change it follows.
**
** All functions need the GIL, borrow everything they return, and never set
** a Python exception.
*/
#ifndef TREC_LOCALS_H
#define TREC_LOCALS_H

#include <Python.h>
#include <frameobject.h>
#include <stdint.h>

/* How a slot's value is read from the frame's localsplus array. */
enum trec_slot_flags {
  TREC_SLOT_DEREF = 1 << 0   /* may hold a cell: read the cell's contents */
};

struct trec_slot_src {
  int32_t index;     /* into localsplus; -1 for namespace (module/class) slots */
  int32_t alt;       /* 3.9/3.10: the cell an argument moved into, or -1 */
  uint32_t flags;    /* enum trec_slot_flags */
};

/*! trec_locals_n_slots() : number of localsplus slots of a function code
 *  object (co_varnames + co_cellvars + co_freevars, deduplicated where an
 *  argument is also a cell on 3.9/3.10). */
Py_ssize_t trec_locals_n_slots(PyCodeObject *co);

/*! trec_locals_slot() : slot i's name (Borrowed str) and where to read it.
 *  Slots come in localsplus order, arguments first. */
PyObject *trec_locals_slot(PyCodeObject *co, Py_ssize_t i,
                           struct trec_slot_src *src);

/*! trec_locals_code() : the code object the frame runs (Borrowed). */
PyCodeObject *trec_locals_code(PyFrameObject *f);

/*! trec_locals_fast() : the frame's localsplus array (Borrowed; valid while
 *  the frame runs), or NULL if the frame has no fast locals. */
PyObject **trec_locals_fast(PyFrameObject *f);

/*! trec_locals_read() : the current value of one slot (Borrowed), or NULL
 *  when unbound. */
static inline PyObject *trec_locals_read(PyObject **fast,
                                         const struct trec_slot_src *src){
  PyObject *v = fast[src->index];
  if( v!=NULL && (src->flags & TREC_SLOT_DEREF) && PyCell_Check(v) )
    v = PyCell_GET(v);
  if( v==NULL && src->alt>=0 ){
    PyObject *c = fast[src->alt];
    if( c!=NULL && PyCell_Check(c) ) v = PyCell_GET(c);
  }
  return v;
}

/*! trec_locals_namespace() : the namespace dict of a module or class frame
 *  (Borrowed), NULL if it has none or it is not a dict. */
PyObject *trec_locals_namespace(PyFrameObject *f);

/*! trec_locals_set_next() : iterate a set/frozenset's entries in table
 *  order (the order repr() uses). *pos starts at 0. @return 1 with *key
 *  (Borrowed), 0 at the end. */
int trec_locals_set_next(PyObject *set, Py_ssize_t *pos, PyObject **key);

/*! trec_locals_instance_dict() : an instance's attribute dict if one exists
 *  as a dict object (Borrowed), else NULL. Never creates one. */
PyObject *trec_locals_instance_dict(PyObject *obj);

/*! trec_locals_inline_next() : iterate the attributes an instance keeps
 *  inline without a dict object (3.11+ managed dicts; none before 3.11).
 *  *pos starts at 0. @return 1 with *name (str) and *value (Borrowed), 0 at
 *  the end. */
int trec_locals_inline_next(PyObject *obj, Py_ssize_t *pos, PyObject **name,
                            PyObject **value);

/*! trec_locals_small_int() : an exact int that fits one internal digit
 *  (the common case), read without a call. @return 1 and *x, else 0.
 *  3.12 changed the int layout and added PyUnstable_Long_CompactValue
 *  (python/cpython#101291). */
static inline int trec_locals_small_int(PyObject *v, long long *x){
#if PY_VERSION_HEX >= 0x030C0000
  if( !PyUnstable_Long_IsCompact((PyLongObject *)v) ) return 0;
  *x = (long long)PyUnstable_Long_CompactValue((PyLongObject *)v);
#else
  Py_ssize_t size = Py_SIZE(v);
  if( size<-1 || size>1 ) return 0;
  *x = (long long)size * (long long)((PyLongObject *)v)->ob_digit[0];
#endif
  return 1;
}

/*! trec_locals_dict_version() : a combined-table dict's version tag (PEP
 *  509): a fresh value from an interpreter-wide counter at its creation and
 *  at every change of its entries, so (address, version) names one state of
 *  its keys and value pointers. 0 when there is none to trust (split tables,
 *  whose values an instance may change without touching the dict). */
uint64_t trec_locals_dict_version(PyObject *dict);

/*! trec_locals_ns_get() : name's value in the namespace dict ns (Borrowed),
 *  NULL when it has none (no Python exception is left set). *hint is the
 *  caller's cache of where name's entry lies: read first (any value is
 *  safe, an entry is used only when it holds name itself), updated when
 *  that missed. A module-level loop reads every global name its code uses
 *  at each event, and a lookup costs ten times the hinted read (3.11+;
 *  before, a plain lookup). */
PyObject *trec_locals_ns_get(PyObject *ns, PyObject *name, int32_t *hint);

/*! trec_locals_inline_items() : the first cap attributes an instance keeps
 *  inline (as trec_locals_inline_next gives them, in one call): their values
 *  (Borrowed), their indexes in the shared keys *keys (Borrowed; its index i
 *  names the same attribute for as long as it lives) and, unless names is
 *  NULL, their names (Borrowed). @return how many, 0 when there are none. */
Py_ssize_t trec_locals_inline_items(PyObject *obj, Py_ssize_t cap,
                                    PyObject **values, uint32_t *index,
                                    PyObject **names, const void **keys);

/*! trec_locals_inline_count() : how many attributes trec_locals_inline_next
 *  will give, without walking them. */
Py_ssize_t trec_locals_inline_count(PyObject *obj);

/*! trec_locals_inline_raw() : the inline attributes of obj as they lie in
 *  memory, for comparing with a copy taken before: *values (Borrowed,
 *  indexed like the shared keys *keys), *order (the bytes of its insertion
 *  order array, in memory order, whatever order that is on the version).
 *  @return the length of the order array (the count), or -1 when obj keeps
 *  no inline values (none, a dict, or Python < 3.11). */
Py_ssize_t trec_locals_inline_raw(PyObject *obj, PyObject *const **values,
                                  const uint8_t **order, const void **keys);

/*! trec_locals_inline_whole() : whether every attribute of an order array
 *  that trec_locals_inline_raw() gave is named in keys and set (what
 *  trec_locals_inline_items() would pass over is not). */
int trec_locals_inline_whole(const void *keys, PyObject *const *values,
                             const uint8_t *order, Py_ssize_t n);

/*! trec_locals_stack_top() : the top of f's value stack (Borrowed), or
 *  NULL when it is empty or not known. Valid only inside a line event,
 *  where every version keeps the frame's stack pointer current. */
PyObject *trec_locals_stack_top(PyFrameObject *f);

/*! trec_locals_long_bytes() : the magnitude of an int, little-endian, into
 *  buf (cap bytes). @return the number of bytes, 0 when it does not fit in
 *  cap, and sets *negative. */
size_t trec_locals_long_bytes(PyObject *v, unsigned char *buf, size_t cap,
                              int *negative);

#endif /* TREC_LOCALS_H */
