/*
** locals.c: the version-specific reads behind locals.h, for CPython 3.9 to
** 3.13. The recorder calls these at every traced event, so they read struct
** fields directly: no f_locals dict (PyFrame_FastToLocals costs about 2x the
** whole trace function and, on 3.12, broke `import ast` through inlined
** comprehensions, python/cpython#105256), no attribute lookups, no new
** objects (3.11+ instances keep attributes in "inline values"; asking for
** their __dict__ would create one, bpo-45340).
**
** 3.11+ needs the internal frame layout (_PyInterpreterFrame, introduced by
** bpo-44590, frames made lazily), reached through Py_BUILD_CORE and the
** installed internal headers; 3.9/3.10 use the public PyFrameObject.
*/
#define PY_SSIZE_T_CLEAN
/* The internal headers must see Py_BUILD_CORE before Python.h; they are
** not written for -Wextra, so their warnings are silenced, not ours. */
#include <patchlevel.h>
#if PY_VERSION_HEX >= 0x030B0000
#  define Py_BUILD_CORE 1
#endif
#include <Python.h>
#if PY_VERSION_HEX >= 0x030B0000
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wunused-parameter"
#  pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#  pragma GCC diagnostic ignored "-Wsign-compare"
#  include "internal/pycore_frame.h"
#  include "internal/pycore_dict.h"
#  include "internal/pycore_object.h"
#  include "internal/pycore_code.h"
#  if PY_VERSION_HEX >= 0x030D0000
#    include "internal/pycore_setobject.h"
#  endif
#  pragma GCC diagnostic pop
#endif
#include <frameobject.h>
#include "recorder/locals.h"

/* ---- slots of a function's code object ---- */

#if PY_VERSION_HEX >= 0x030B0000
/* 3.11+: one localsplus array with a kind byte per slot; an argument that
** is also a cell is a single slot of kind LOCAL|CELL
** (bpo-43693). With PEP 709 inlined comprehensions
** (3.12) a CELL slot can briefly hold a plain value, so readers check
** PyCell_Check (python/cpython#128396). */
Py_ssize_t trec_locals_n_slots(PyCodeObject *co){
  return co->co_nlocalsplus;
}

PyObject *trec_locals_slot(PyCodeObject *co, Py_ssize_t i,
                           struct trec_slot_src *src){
  unsigned kind = (unsigned char)PyBytes_AS_STRING(co->co_localspluskinds)[i];
  src->index = (int32_t)i;
  src->alt = -1;
  src->flags = (kind & (CO_FAST_CELL | CO_FAST_FREE)) ? TREC_SLOT_DEREF : 0;
  return PyTuple_GET_ITEM(co->co_localsplusnames, i);
}

PyObject **trec_locals_fast(PyFrameObject *f){
  return f->f_frame->localsplus;
}

/* f_code became f_executable in 3.13 (python/cpython#105727). */
PyCodeObject *trec_locals_code(PyFrameObject *f){
#if PY_VERSION_HEX >= 0x030D0000
  return (PyCodeObject *)f->f_frame->f_executable;
#else
  return f->f_frame->f_code;
#endif
}

PyObject *trec_locals_namespace(PyFrameObject *f){
  PyObject *ns = f->f_frame->f_locals;
  return (ns!=NULL && PyDict_Check(ns)) ? ns : NULL;
}
#else
/* 3.9/3.10: f_localsplus = co_varnames, co_cellvars, co_freevars, cells and
** free variables as PyCell objects. An argument that is also a cell moves
** into its cell at frame creation (co_cell2arg; the argument's own slot is
** left NULL), so it is one slot here, read through `alt`. */
static Py_ssize_t cell_arg(PyCodeObject *co, Py_ssize_t j){
  if( co->co_cell2arg==NULL ) return -1;
  return co->co_cell2arg[j]==CO_CELL_NOT_AN_ARG ? -1 : co->co_cell2arg[j];
}

Py_ssize_t trec_locals_n_slots(PyCodeObject *co){
  Py_ssize_t ncell = PyTuple_GET_SIZE(co->co_cellvars), n = co->co_nlocals;
  for(Py_ssize_t j=0; j<ncell; j++) if( cell_arg(co, j)<0 ) n++;
  return n + PyTuple_GET_SIZE(co->co_freevars);
}

PyObject *trec_locals_slot(PyCodeObject *co, Py_ssize_t i,
                           struct trec_slot_src *src){
  Py_ssize_t ncell = PyTuple_GET_SIZE(co->co_cellvars);
  src->alt = -1;
  src->flags = 0;
  if( i<co->co_nlocals ){
    src->index = (int32_t)i;
    for(Py_ssize_t j=0; j<ncell; j++)
      if( cell_arg(co, j)==i ) src->alt = (int32_t)(co->co_nlocals + j);
    return PyTuple_GET_ITEM(co->co_varnames, i);
  }
  src->flags = TREC_SLOT_DEREF;
  Py_ssize_t k = co->co_nlocals;
  for(Py_ssize_t j=0; j<ncell; j++){
    if( cell_arg(co, j)>=0 ) continue;
    if( k==i ){
      src->index = (int32_t)(co->co_nlocals + j);
      return PyTuple_GET_ITEM(co->co_cellvars, j);
    }
    k++;
  }
  src->index = (int32_t)(co->co_nlocals + ncell + (i - k));
  return PyTuple_GET_ITEM(co->co_freevars, i - k);
}

PyObject **trec_locals_fast(PyFrameObject *f){
  return f->f_localsplus;
}

PyCodeObject *trec_locals_code(PyFrameObject *f){
  return f->f_code;
}

PyObject *trec_locals_namespace(PyFrameObject *f){
  PyObject *ns = f->f_locals;
  return (ns!=NULL && PyDict_Check(ns)) ? ns : NULL;
}
#endif

/* ---- sets ---- */

/* _PySet_NextEntry walks the hash table without hashing or comparing; it
** moved to the internal headers in 3.13 (python/cpython#106320). */
int trec_locals_set_next(PyObject *set, Py_ssize_t *pos, PyObject **key){
  Py_hash_t h;
  return _PySet_NextEntry(set, pos, key, &h);
}

/* ---- instance attributes ---- */

/* The dict at tp_dictoffset, for types without a managed one. A
** variable-size instance's (an int, str, bytes or tuple subclass:
** tp_dictoffset < 0) lies past its items, where CPython's own look-up
** finds it, allocating nothing for such a type. */
static inline PyObject *dict_at_offset(PyObject *obj, PyTypeObject *tp){
  PyObject **p;
  if( tp->tp_dictoffset>0 ) return *(PyObject **)((char *)obj + tp->tp_dictoffset);
  if( tp->tp_dictoffset==0 ) return NULL;
  p = _PyObject_GetDictPtr(obj);
  return p ? *p : NULL;
}

#if PY_VERSION_HEX >= 0x030D0000
/* 3.13: a managed dict pointer, or inline values right after the object
** header when the type has Py_TPFLAGS_INLINE_VALUES and they are still
** valid (python/cpython#115776). */
PyObject *trec_locals_instance_dict(PyObject *obj){
  PyTypeObject *tp = Py_TYPE(obj);
  if( tp->tp_flags & Py_TPFLAGS_MANAGED_DICT )
    return (PyObject *)_PyObject_GetManagedDict(obj);
  return dict_at_offset(obj, tp);
}

static PyDictValues *inline_values(PyObject *obj){
  PyTypeObject *tp = Py_TYPE(obj);
  if( !(tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) ) return NULL;
  if( _PyObject_GetManagedDict(obj)!=NULL ) return NULL;
  PyDictValues *v = _PyObject_InlineValues(obj);
  return v->valid ? v : NULL;
}
#elif PY_VERSION_HEX >= 0x030C0000
/* 3.12: one tagged word holds either the dict or the values
** (python/cpython#95245). */
PyObject *trec_locals_instance_dict(PyObject *obj){
  PyTypeObject *tp = Py_TYPE(obj);
  if( tp->tp_flags & Py_TPFLAGS_MANAGED_DICT ){
    PyDictOrValues dv = *_PyObject_DictOrValuesPointer(obj);
    return _PyDictOrValues_IsValues(dv) ? NULL : _PyDictOrValues_GetDict(dv);
  }
  return dict_at_offset(obj, tp);
}

static PyDictValues *inline_values(PyObject *obj){
  if( !(Py_TYPE(obj)->tp_flags & Py_TPFLAGS_MANAGED_DICT) ) return NULL;
  PyDictOrValues dv = *_PyObject_DictOrValuesPointer(obj);
  return _PyDictOrValues_IsValues(dv) ? _PyDictOrValues_GetValues(dv) : NULL;
}
#elif PY_VERSION_HEX >= 0x030B0000
/* 3.11: separate values and dict pointers before the object header
** (bpo-45340). */
PyObject *trec_locals_instance_dict(PyObject *obj){
  PyTypeObject *tp = Py_TYPE(obj);
  if( tp->tp_flags & Py_TPFLAGS_MANAGED_DICT )
    return *_PyObject_ManagedDictPointer(obj);
  return dict_at_offset(obj, tp);
}

static PyDictValues *inline_values(PyObject *obj){
  if( !(Py_TYPE(obj)->tp_flags & Py_TPFLAGS_MANAGED_DICT) ) return NULL;
  return *_PyObject_ValuesPointer(obj);
}
#else
/* 3.9/3.10: the dict, if any, is at tp_dictoffset. */
PyObject *trec_locals_instance_dict(PyObject *obj){
  return dict_at_offset(obj, Py_TYPE(obj));
}
#endif

#if PY_VERSION_HEX >= 0x030B0000
/* Inline values are indexed like the type's shared keys (ht_cached_keys);
** the instance's own insertion order (the order vars() shows) is a byte
** array next to them: after the values on 3.13, before them with its
** length at values[-2] on 3.11/3.12 (_PyDictValues_AddToInsertionOrder). */
static Py_ssize_t inline_order(PyDictValues *vals, Py_ssize_t k, Py_ssize_t *n){
#if PY_VERSION_HEX >= 0x030D0000
  *n = vals->size;
  return ((uint8_t *)&vals->values[vals->capacity])[k];
#else
  uint8_t *size_ptr = (uint8_t *)vals - 2;
  *n = *size_ptr;
  return size_ptr[-(k + 1)];
#endif
}

Py_ssize_t trec_locals_inline_raw(PyObject *obj, PyObject *const **values,
                                  const uint8_t **order, const void **keys){
  PyDictValues *vals = inline_values(obj);
  PyTypeObject *tp = Py_TYPE(obj);
  Py_ssize_t n;
  if( vals==NULL || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) ) return -1;
  PyDictKeysObject *k = ((PyHeapTypeObject *)tp)->ht_cached_keys;
  if( k==NULL || !DK_IS_UNICODE(k) ) return -1;
  inline_order(vals, 0, &n);
#if PY_VERSION_HEX >= 0x030D0000
  *order = (const uint8_t *)&vals->values[vals->capacity];
#else
  *order = (const uint8_t *)vals - 2 - n;
#endif
  *keys = k;
  *values = vals->values;
  return n;
}

int trec_locals_inline_whole(const void *keys, PyObject *const *values,
                             const uint8_t *order, Py_ssize_t n){
  PyDictKeysObject *k = (PyDictKeysObject *)(uintptr_t)keys;
  for(Py_ssize_t i=0; i<n; i++){
    uint8_t ix = order[i];
    if( ix>=k->dk_nentries || DK_UNICODE_ENTRIES(k)[ix].me_key==NULL
        || values[ix]==NULL ) return 0;
  }
  return 1;
}

/* Deleting an attribute takes its index out of the order array
** (delete_index_from_values), so the array's length is the count. */
Py_ssize_t trec_locals_inline_count(PyObject *obj){
  PyDictValues *vals = inline_values(obj);
  Py_ssize_t n = 0;
  if( vals==NULL || !(Py_TYPE(obj)->tp_flags & Py_TPFLAGS_HEAPTYPE) ) return 0;
  inline_order(vals, 0, &n);
  return n;
}

int trec_locals_inline_next(PyObject *obj, Py_ssize_t *pos, PyObject **name,
                            PyObject **value){
  PyDictValues *vals = inline_values(obj);
  PyTypeObject *tp = Py_TYPE(obj);
  Py_ssize_t n;
  if( vals==NULL || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) ) return 0;
  PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
  if( keys==NULL || !DK_IS_UNICODE(keys) ) return 0;
  inline_order(vals, 0, &n);
  while( *pos < n ){
    Py_ssize_t ix = inline_order(vals, (*pos)++, &n);
    if( ix>=keys->dk_nentries ) continue;
    PyObject *k = DK_UNICODE_ENTRIES(keys)[ix].me_key;
    PyObject *v = vals->values[ix];
    if( k!=NULL && v!=NULL ){ *name = k; *value = v; return 1; }
  }
  return 0;
}
Py_ssize_t trec_locals_inline_items(PyObject *obj, Py_ssize_t cap,
                                    PyObject **values, uint32_t *index,
                                    PyObject **names, const void **keys_out){
  PyDictValues *vals = inline_values(obj);
  PyTypeObject *tp = Py_TYPE(obj);
  Py_ssize_t n, got = 0;
  if( vals==NULL || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) ) return 0;
  PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
  if( keys==NULL || !DK_IS_UNICODE(keys) ) return 0;
  PyDictUnicodeEntry *entries = DK_UNICODE_ENTRIES(keys);
  Py_ssize_t used = keys->dk_nentries;
  *keys_out = keys;
  inline_order(vals, 0, &n);
  for(Py_ssize_t k=0; k<n && got<cap; k++){
    Py_ssize_t ix = inline_order(vals, k, &n);
    if( ix>=used ) continue;
    PyObject *v = vals->values[ix];
    if( entries[ix].me_key==NULL || v==NULL ) continue;
    values[got] = v;
    if( names ) names[got] = entries[ix].me_key;
    index[got++] = (uint32_t)ix;
  }
  return got;
}
#else
Py_ssize_t trec_locals_inline_items(PyObject *obj, Py_ssize_t cap,
                                    PyObject **values, uint32_t *index,
                                    PyObject **names, const void **keys){
  (void)obj; (void)cap; (void)values; (void)index; (void)names; (void)keys;
  return 0;
}

Py_ssize_t trec_locals_inline_count(PyObject *obj){
  (void)obj;
  return 0;
}

Py_ssize_t trec_locals_inline_raw(PyObject *obj, PyObject *const **values,
                                  const uint8_t **order, const void **keys){
  (void)obj; (void)values; (void)order; (void)keys;
  return -1;
}

int trec_locals_inline_whole(const void *keys, PyObject *const *values,
                             const uint8_t *order, Py_ssize_t n){
  (void)keys; (void)values; (void)order; (void)n;
  return 0;
}

int trec_locals_inline_next(PyObject *obj, Py_ssize_t *pos, PyObject **name,
                            PyObject **value){
  (void)obj; (void)pos; (void)name; (void)value;
  return 0;
}
#endif

/* ---- dict versions ---- */

/* ma_version_tag is deprecated since 3.12 (PEP 699) but still kept, and
** every change of a dict still takes a new one from the global counter
** (_PyDict_NotifyEvent returns DICT_NEXT_VERSION; the low bits are its
** watchers'). */
uint64_t trec_locals_dict_version(PyObject *dict){
  PyDictObject *d = (PyDictObject *)dict;
  if( d->ma_values!=NULL ) return 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return d->ma_version_tag;
#pragma GCC diagnostic pop
}

PyObject *trec_locals_ns_get(PyObject *ns, PyObject *name, int32_t *hint){
#if PY_VERSION_HEX >= 0x030B0000
  PyDictKeysObject *k = ((PyDictObject *)ns)->ma_keys;
  int hinted = ((PyDictObject *)ns)->ma_values==NULL && DK_IS_UNICODE(k);
  PyDictUnicodeEntry *ep = hinted ? DK_UNICODE_ENTRIES(k) : NULL;
  Py_ssize_t n = hinted ? k->dk_nentries : 0;
  /* a live entry of a combined table holds its value; a deleted one has
  ** no key, and a key is in one live entry at most */
  if( hinted && *hint>=0 && *hint<n && ep[*hint].me_key==name )
    return ep[*hint].me_value;
#endif
  PyObject *v = PyDict_GetItemWithError(ns, name);
  if( v==NULL ){
    PyErr_Clear();
    return NULL;
  }
#if PY_VERSION_HEX >= 0x030B0000
  /* a new table, or the first read: look for the entry once; an equal key
  ** that is another str object is never found, and not looked for again */
  if( hinted && *hint>=0 ){
    Py_ssize_t i = 0;
    while( i<n && ep[i].me_key!=name ) i++;
    *hint = i<n ? (int32_t)i : -1;
  }
#else
  (void)hint;
#endif
  return v;
}

/* ---- the value stack ---- */

/* The eval loop stores its stack pointer in the frame before it calls a
** line trace function on every version (so that a debugger may set
** f_lineno): stacktop, an index into localsplus, on 3.11-3.13; the
** stack depth on 3.10 (bpo-43933); f_stacktop on 3.9. Checked against
** the code's bounds all the same. */
PyObject *trec_locals_stack_top(PyFrameObject *f){
#if PY_VERSION_HEX >= 0x030B0000
  _PyInterpreterFrame *fr = f->f_frame;
  PyCodeObject *co = trec_locals_code(f);
  int top = fr->stacktop;
  if( top<=co->co_nlocalsplus || top>co->co_nlocalsplus + co->co_stacksize )
    return NULL;
  return fr->localsplus[top-1];
#elif PY_VERSION_HEX >= 0x030A0000
  if( f->f_stackdepth<=0 || f->f_stackdepth>f->f_code->co_stacksize ) return NULL;
  return f->f_valuestack[f->f_stackdepth-1];
#else
  if( f->f_stacktop==NULL || f->f_stacktop<=f->f_valuestack
      || f->f_stacktop>f->f_valuestack + f->f_code->co_stacksize ) return NULL;
  return f->f_stacktop[-1];
#endif
}

/* ---- big ints ---- */

/* Two's complement of the value, then negated in place when negative: one
** code path for both signs. 3.13 has the public PyLong_AsNativeBytes
** (python/cpython#111140); before, _PyLong_NumBits + _PyLong_AsByteArray. */
size_t trec_locals_long_bytes(PyObject *v, unsigned char *buf, size_t cap,
                              int *negative){
  size_t n;
  *negative = _PyLong_Sign(v) < 0;
#if PY_VERSION_HEX >= 0x030D0000
  Py_ssize_t need = PyLong_AsNativeBytes(v, buf, (Py_ssize_t)cap,
                                         Py_ASNATIVEBYTES_LITTLE_ENDIAN);
  if( need<0 ){ PyErr_Clear(); return 0; }
  if( (size_t)need>cap ) return 0;
  n = (size_t)need;
#else
  size_t bits = _PyLong_NumBits(v);
  if( bits==(size_t)-1 ){ PyErr_Clear(); return 0; }
  n = bits/8 + 1;
  if( n>cap ) return 0;
  if( _PyLong_AsByteArray((PyLongObject *)v, buf, n, 1, 1)<0 ){
    PyErr_Clear();
    return 0;
  }
#endif
  if( *negative ){
    unsigned carry = 1;
    for(size_t i=0; i<n; i++){
      unsigned x = (unsigned)(unsigned char)~buf[i] + carry;
      buf[i] = (unsigned char)x;
      carry = x >> 8;
    }
  }
  while( n>1 && buf[n-1]==0 ) n--;
  return n;
}
