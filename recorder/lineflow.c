/*
** lineflow.c: the per-line bytecode analysis behind the recorder's quick
** snapshots (see lineflow.h for why it is sound).
**
** Opcodes are put in classes by name, looked up in the running Python's
** opcode.opmap, so one list serves 3.9 to 3.13: a name a version lacks is
** skipped, and an opcode this list does not name is impure. The bytecode
** read is the unspecialized one (co_code), never the adaptive copy the
** interpreter runs. Instructions without a line number (exception cleanup,
** 3.10+) may run inside any line's interval, so their facts are added to
** every line.
*/
#include "recorder/lineflow.h"
#include "recorder/compat.h"
#include "recorder/locals.h"
#include "schema/trace.h"

enum opclass {
  OP_IMPURE = 0,     /* may change a value in place, or run C code that can */
  OP_PURE,           /* loads, arithmetic, compares, jumps, builds */
  OP_STORE,          /* assigns or deletes fast local oparg */
  OP_STORE_PAIR,     /* 3.13 STORE_FAST_STORE_FAST: locals oparg>>4, oparg&15 */
  OP_STORE_LOAD,     /* 3.13 STORE_FAST_LOAD_FAST: assigns local oparg>>4 */
  OP_STORE_NAME,     /* assigns or deletes name oparg of a namespace frame */
  OP_BINARY,         /* 3.11+ BINARY_OP: in place when oparg is NB_INPLACE_* */
  OP_INPLACE,        /* 3.9/3.10 INPLACE_* */
  OP_EXTENDED_ARG,
  OP_SUBSCR,         /* BINARY_SUBSCR: pure unless a dict changed (below) */
  OP_FOR_ITER        /* pure when the iterator is a known one (below) */
};

/* Only what no builtin type's C code can turn into a change of a value the
** program holds. Left out on purpose (impure): every call; attribute, item
** and slice stores and deletes; with, async and import machinery; globals.
** Two are pure only under a check made when the line runs (recorder.c):
** BINARY_SUBSCR, because a defaultdict inserts on a missing key without
** running Python code, when no dict anywhere changed meanwhile (the
** interpreter's dict version clock moved by our own probe only); FOR_ITER,
** because a C iterator such as iter(deque.popleft, None) or
** map(list.append, ...) changes another object, when the iterator is of a
** type known not to (trec_lineflow_iter_safe). A known gap: UNPACK_SEQUENCE,
** UNPACK_EX and CONTAINS_OP iterate an operand that is not an exact tuple
** or list, so `a, b = map(out.append, xs)` changes `out` on a line counted
** pure, and the change is recorded at the frame's next full snapshot, one
** event late. Counting them impure cost 10-20% on loops that unpack
** (bench/analysis.md); a check of the operand's type, as for FOR_ITER, is
** the fix. */
static const char *const pure_ops[] = {
  "CACHE", "NOP", "RESUME", "POP_TOP", "PUSH_NULL", "COPY", "SWAP",
  "ROT_TWO", "ROT_THREE", "ROT_FOUR", "ROT_N", "DUP_TOP", "DUP_TOP_TWO",
  "LOAD_CONST", "LOAD_SMALL_INT", "LOAD_FAST", "LOAD_FAST_CHECK",
  "LOAD_FAST_LOAD_FAST", "LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF",
  "LOAD_CLASSDEREF", "LOAD_CLOSURE", "LOAD_ATTR", "LOAD_METHOD",
  "LOAD_ASSERTION_ERROR", "COMPARE_OP", "IS_OP", "CONTAINS_OP", "GET_ITER",
  "END_FOR",
  "UNARY_POSITIVE", "UNARY_NEGATIVE", "UNARY_NOT", "UNARY_INVERT", "TO_BOOL",
  "BINARY_POWER", "BINARY_MULTIPLY", "BINARY_MATRIX_MULTIPLY",
  "BINARY_FLOOR_DIVIDE", "BINARY_TRUE_DIVIDE", "BINARY_MODULO", "BINARY_ADD",
  "BINARY_SUBTRACT", "BINARY_LSHIFT", "BINARY_RSHIFT", "BINARY_AND",
  "BINARY_XOR", "BINARY_OR",
  "BUILD_TUPLE", "BUILD_LIST", "BUILD_SET", "BUILD_MAP", "BUILD_CONST_KEY_MAP",
  "BUILD_STRING", "BUILD_SLICE", "LIST_TO_TUPLE", "UNPACK_SEQUENCE", "UNPACK_EX",
  "FORMAT_VALUE",
  "FORMAT_SIMPLE", "FORMAT_WITH_SPEC", "CONVERT_VALUE", "GET_LEN",
  "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT",
  "JUMP_ABSOLUTE", "POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE",
  "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE", "POP_JUMP_FORWARD_IF_FALSE",
  "POP_JUMP_FORWARD_IF_TRUE", "POP_JUMP_BACKWARD_IF_FALSE",
  "POP_JUMP_BACKWARD_IF_TRUE", "POP_JUMP_FORWARD_IF_NONE",
  "POP_JUMP_FORWARD_IF_NOT_NONE", "POP_JUMP_BACKWARD_IF_NONE",
  "POP_JUMP_BACKWARD_IF_NOT_NONE", "JUMP_IF_FALSE_OR_POP",
  "JUMP_IF_TRUE_OR_POP", "RETURN_VALUE", "RETURN_CONST", "GEN_START",
  "MAKE_CELL", "COPY_FREE_VARS", "KW_NAMES", "PRECALL",
  "RAISE_VARARGS", "RERAISE", "PUSH_EXC_INFO", "POP_EXCEPT", "POP_BLOCK",
  "SETUP_FINALLY", "CHECK_EXC_MATCH", "JUMP_IF_NOT_EXC_MATCH"
};

static const char *const store_ops[] = {
  "STORE_FAST", "DELETE_FAST", "LOAD_FAST_AND_CLEAR", "STORE_FAST_MAYBE_NULL"
};

static const char *const inplace_ops[] = {
  "INPLACE_ADD", "INPLACE_SUBTRACT", "INPLACE_MULTIPLY", "INPLACE_MODULO",
  "INPLACE_POWER", "INPLACE_MATRIX_MULTIPLY", "INPLACE_FLOOR_DIVIDE",
  "INPLACE_TRUE_DIVIDE", "INPLACE_LSHIFT", "INPLACE_RSHIFT", "INPLACE_AND",
  "INPLACE_XOR", "INPLACE_OR"
};

static unsigned char opclass[256];
static PyObject *probe_dict, *probe_key;   /* Owned, for ever: the clock */
static int probe_flip;
static uint64_t clock_step;                /* 0: no dict version clock */
static int nb_inplace_lo = -1, nb_inplace_hi = -2;   /* BINARY_OP opargs */
static int cache_op = -1;   /* 3.11+: CACHE entries that follow instructions */


static int classify(PyObject *opmap, const char *const *names, size_t n,
                    enum opclass c){
  for(size_t i=0; i<n; i++){
    PyObject *v = PyDict_GetItemString(opmap, names[i]);
    if( v==NULL ) continue;
    long op = PyLong_AsLong(v);
    if( op==-1 && PyErr_Occurred() ) return -1;
    if( op>=0 && op<256 ) opclass[op] = (unsigned char)c;
  }
  return 0;
}

/* The range of BINARY_OP arguments that are in-place operators, from
** opcode._nb_ops (3.11+: a list of (name, symbol) in oparg order). */
static int find_inplace_range(PyObject *mod){
  PyObject *nb = PyObject_GetAttrString(mod, "_nb_ops");
  if( nb==NULL ){ PyErr_Clear(); return 0; }
  PyObject *seq = PySequence_Fast(nb, "_nb_ops");
  Py_DECREF(nb);
  if( seq==NULL ) return -1;
  for(Py_ssize_t i=0; i<PySequence_Fast_GET_SIZE(seq); i++){
    PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
    PyObject *name = PyTuple_Check(item) && PyTuple_GET_SIZE(item)>0
                     ? PyTuple_GET_ITEM(item, 0) : NULL;
    const char *s = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
    if( s==NULL ){ PyErr_Clear(); continue; }
    if( strncmp(s, "NB_INPLACE_", 11)==0 ){
      if( nb_inplace_lo<0 ) nb_inplace_lo = (int)i;
      nb_inplace_hi = (int)i;
    }
  }
  Py_DECREF(seq);
  return 0;
}

int trec_lineflow_init(void){
  PyObject *mod = PyImport_ImportModule("opcode");
  if( mod==NULL ) return -1;
  int rc = -1;
  PyObject *opmap = PyObject_GetAttrString(mod, "opmap");
  if( opmap==NULL ) goto out;
  if( !PyDict_Check(opmap) ){
    PyErr_SetString(PyExc_TypeError, "opcode.opmap is not a dict");
    goto out;
  }
  PyObject *cache = PyDict_GetItemString(opmap, "CACHE");
  cache_op = cache ? (int)PyLong_AsLong(cache) : -1;
  memset(opclass, OP_IMPURE, sizeof opclass);
  if( classify(opmap, pure_ops, sizeof pure_ops / sizeof *pure_ops, OP_PURE)
   || classify(opmap, store_ops, sizeof store_ops / sizeof *store_ops, OP_STORE)
   || classify(opmap, inplace_ops, sizeof inplace_ops / sizeof *inplace_ops,
               OP_INPLACE) ) goto out;
  static const char *const pair[] = { "STORE_FAST_STORE_FAST" };
  static const char *const store_load[] = { "STORE_FAST_LOAD_FAST" };
  static const char *const store_name[] = { "STORE_NAME", "DELETE_NAME" };
  static const char *const binary[] = { "BINARY_OP" };
  static const char *const ext[] = { "EXTENDED_ARG" };
  static const char *const subscr[] = { "BINARY_SUBSCR" };
  static const char *const for_iter[] = { "FOR_ITER" };
  if( classify(opmap, pair, 1, OP_STORE_PAIR)
   || classify(opmap, store_load, 1, OP_STORE_LOAD)
   || classify(opmap, store_name, 2, OP_STORE_NAME)
   || classify(opmap, binary, 1, OP_BINARY)
   || classify(opmap, ext, 1, OP_EXTENDED_ARG)
   || classify(opmap, subscr, 1, OP_SUBSCR)
   || classify(opmap, for_iter, 1, OP_FOR_ITER)
   || find_inplace_range(mod) ) goto out;
  if( probe_dict==NULL ){
    probe_dict = PyDict_New();
    probe_key = PyUnicode_InternFromString("tracerec.clock");
    if( probe_dict==NULL || probe_key==NULL ) goto out;
  }
  clock_step = 1;
  uint64_t a = trec_lineflow_dict_clock(), b = trec_lineflow_dict_clock();
  clock_step = a!=0 && b>a ? b - a : 0;
  rc = PyErr_Occurred() ? -1 : 0;
out:
  Py_XDECREF(opmap);
  Py_DECREF(mod);
  return rc;
}

/* ---- reading the code object ---- */

/* The unspecialized bytecode (New reference), or NULL. 3.11 made co_code a
** copy built on demand (python/cpython#90997). */
static PyObject *code_bytes(PyCodeObject *co){
#if PY_VERSION_HEX >= 0x030B0000
  return PyCode_GetCode(co);
#else
  Py_INCREF(co->co_code);
  return co->co_code;
#endif
}

#define NO_LINE INT32_MIN

/* line[i] for each 2-byte instruction i: its line, or NO_LINE. 0 or -1. */
static int code_lines(PyCodeObject *co, int32_t *line, Py_ssize_t n){
  for(Py_ssize_t i=0; i<n; i++) line[i] = NO_LINE;
#if PY_VERSION_HEX >= 0x030A0000
  /* co_lines() (PEP 626): (start, end, line or None) byte ranges */
  PyObject *it = PyObject_CallMethod((PyObject *)co, "co_lines", NULL);
  PyObject *iter = it ? PyObject_GetIter(it) : NULL, *t;
  Py_XDECREF(it);
  if( iter==NULL ) return -1;
  while( (t = PyIter_Next(iter))!=NULL ){
    long s, e, l = NO_LINE;
    int ok = PyTuple_Check(t) && PyTuple_GET_SIZE(t)==3;
    if( ok ){
      s = PyLong_AsLong(PyTuple_GET_ITEM(t, 0));
      e = PyLong_AsLong(PyTuple_GET_ITEM(t, 1));
      if( PyTuple_GET_ITEM(t, 2)!=Py_None ) l = PyLong_AsLong(PyTuple_GET_ITEM(t, 2));
      ok = !PyErr_Occurred() && s>=0 && e>=s;
    }
    Py_DECREF(t);
    if( !ok ) break;
    for(long b = s/2; b<e/2 && b<n; b++) line[b] = (int32_t)l;
  }
  Py_DECREF(iter);
  return PyErr_Occurred() ? -1 : 0;
#else
  /* co_lnotab: (byte increment, signed line increment) pairs */
  const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(co->co_lnotab);
  Py_ssize_t len = PyBytes_GET_SIZE(co->co_lnotab);
  long addr = 0, l = co->co_firstlineno;
  for(Py_ssize_t k=0; k+1<len; k+=2){
    if( p[k] ){
      for(long b = addr/2; b<(addr + p[k])/2 && b<n; b++) line[b] = (int32_t)l;
      addr += p[k];
    }
    l += (signed char)p[k+1];
  }
  for(long b = addr/2; b<n; b++) line[b] = (int32_t)l;
  return 0;
#endif
}

static uint64_t slot_bit(unsigned long slot){
  return (uint64_t)1 << (slot<63 ? slot : 63);
}

/* Add instruction i of code (n of them; arg with its extended argument)
** to *f. An in-place operator looks ahead at the store that follows it. */
static void instr_facts(const unsigned char *code, Py_ssize_t n, Py_ssize_t i,
                        unsigned long arg, int fast, struct trec_lf_facts *f){
  unsigned c = opclass[code[2*i]];
  switch( c ){
  case OP_PURE:
    return;
  case OP_STORE:
    if( fast ) f->store |= slot_bit(arg); else f->flags |= TREC_LF_IMPURE;
    return;
  case OP_STORE_PAIR:
    if( fast ) f->store |= slot_bit(arg>>4) | slot_bit(arg & 15); else f->flags |= TREC_LF_IMPURE;
    return;
  case OP_STORE_LOAD:
    if( fast ) f->store |= slot_bit(arg>>4); else f->flags |= TREC_LF_IMPURE;
    return;
  case OP_STORE_NAME:
    if( fast ) f->flags |= TREC_LF_IMPURE; else f->store |= slot_bit(arg);
    return;
  case OP_BINARY:
    if( (long)arg<nb_inplace_lo || (long)arg>nb_inplace_hi ) return;
    break;
  case OP_INPLACE:
    break;
  case OP_SUBSCR:
    f->flags |= TREC_LF_SUBSCR;
    return;
  case OP_FOR_ITER:
    f->flags |= TREC_LF_ITER;
    f->n_iter++;
    f->iter_at = (int32_t)(2*i);
    return;
  default:
    f->flags |= TREC_LF_IMPURE;
    return;
  }
  /* x op= y: pure when the result goes straight into a variable (x), which
  ** is then checked in full and must hold an immutable scalar: a mutable
  ** x was changed in place, and another variable may alias it */
  Py_ssize_t j = i + 1;
  unsigned long target = 0;
  while( j<n && (code[2*j]==cache_op || opclass[code[2*j]]==OP_EXTENDED_ARG) ){
    if( opclass[code[2*j]]==OP_EXTENDED_ARG ) target = (target<<8) | code[2*j+1];
    j++;
  }
  if( j>=n ){ f->flags |= TREC_LF_IMPURE; return; }
  unsigned next = opclass[code[2*j]];
  target = (target<<8) | code[2*j+1];
  if( fast && (next==OP_STORE_PAIR || next==OP_STORE_LOAD) ) target >>= 4;
  else if( !(fast ? next==OP_STORE : next==OP_STORE_NAME) ){
    f->flags |= TREC_LF_IMPURE;
    return;
  }
  f->store |= slot_bit(target);
  f->inplace |= slot_bit(target);
}

int trec_lineflow_new(PyCodeObject *co, int fast, trec_lineflow **out){
  PyObject *et, *ev, *etb;
  PyErr_Fetch(&et, &ev, &etb);
  int rc = TREC_OK;
  int32_t *line = NULL;
  trec_lineflow *lf = NULL;
  *out = NULL;
  PyObject *bytes = code_bytes(co);
  if( bytes==NULL || !PyBytes_Check(bytes) ) goto out;
  const unsigned char *code = (const unsigned char *)PyBytes_AS_STRING(bytes);
  Py_ssize_t n = PyBytes_GET_SIZE(bytes) / 2;
  if( n==0 ) goto out;
  line = malloc((size_t)n * sizeof *line);
  if( line==NULL ){ rc = TREC_ERR_NOMEM; goto out; }
  if( code_lines(co, line, n)<0 ) goto out;
  int lo = INT32_MAX, hi = INT32_MIN;
  for(Py_ssize_t i=0; i<n; i++){
    if( line[i]==NO_LINE ) continue;
    if( line[i]<lo ) lo = line[i];
    if( line[i]>hi ) hi = line[i];
  }
  if( lo>hi || (int64_t)hi - lo > 1000000 ) goto out;
  lf = calloc(1, sizeof *lf);
  if( lf==NULL ){ rc = TREC_ERR_NOMEM; goto out; }
  lf->first = lo;
  lf->n = hi - lo + 1;
  lf->line = calloc((size_t)lf->n, sizeof *lf->line);
  if( lf->line==NULL ){ rc = TREC_ERR_NOMEM; goto out; }
  struct trec_lf_facts any = { 0, 0, 0, 0, 0 };   /* of instructions without a line */
  for(int pass=0; pass<2; pass++){
    unsigned long arg = 0;
    for(Py_ssize_t i=0; i<n; i++){
      arg = (arg<<8) | code[2*i+1];
      if( opclass[code[2*i]]==OP_EXTENDED_ARG ) continue;
      struct trec_lf_facts *to = &any;
      if( line[i]!=NO_LINE ){
        struct trec_lf_line *l2 = &lf->line[line[i] - lo];
        to = pass==0 ? &l2->all : &l2->tail;
        if( pass==1 && (l2->all.n_iter!=1 || 2*i<l2->all.iter_at) ) to = NULL;
      }else if( pass==1 ){
        to = NULL;
      }
      if( to ) instr_facts(code, n, i, arg, fast, to);
      arg = 0;
    }
  }
  for(int k=0; k<lf->n; k++){
    struct trec_lf_facts *f[2] = { &lf->line[k].all, &lf->line[k].tail };
    for(int j=0; j<2; j++){
      f[j]->flags |= any.flags;
      f[j]->store |= any.store;
      f[j]->inplace |= any.inplace;
      /* the check is of the one iterator on top of the stack when the
      ** line starts at its FOR_ITER */
      if( f[j]->n_iter + any.n_iter > 1 ) f[j]->flags |= TREC_LF_IMPURE;
    }
  }
  *out = lf;
  lf = NULL;
out:
  trec_lineflow_free(lf);
  free(line);
  Py_XDECREF(bytes);
  PyErr_Clear();
  PyErr_Restore(et, ev, etb);
  return rc;
}

void trec_lineflow_free(trec_lineflow *lf){
  if( lf==NULL ) return;
  free(lf->line);
  free(lf);
}


uint64_t trec_lineflow_dict_clock(void){
  if( clock_step==0 ) return 0;
  probe_flip ^= 1;
  if( PyDict_SetItem(probe_dict, probe_key, probe_flip ? Py_True : Py_False)<0 ){
    PyErr_Clear();
    return 0;
  }
  return trec_locals_dict_version(probe_dict);
}

int trec_lineflow_dict_quiet(uint64_t then, uint64_t now){
  return then!=0 && now!=0 && now - then==clock_step;
}

/* ---- iterators ---- */

#define ITER_DEPTH 4

static int iter_safe(PyObject *it, int depth);

/* tp_traverse visitor over a wrapper's references: each must be data (no
** tp_iternext), a safe iterator, or a tuple of those (zip's iterators). */
static int visit_ref(PyObject *o, void *arg){
  int depth = *(int *)arg;
  if( o==NULL ) return 0;
  if( PyTuple_CheckExact(o) ){
    for(Py_ssize_t i=0; i<PyTuple_GET_SIZE(o); i++)
      if( visit_ref(PyTuple_GET_ITEM(o, i), arg) ) return 1;
    return 0;
  }
  if( !PyIter_Check(o) ) return 0;
  return !iter_safe(o, depth + 1);
}

static int iter_safe(PyObject *it, int depth){
  PyTypeObject *tp = Py_TYPE(it);
  if( tp==&PyListIter_Type || tp==&PyListRevIter_Type || tp==&PyTupleIter_Type
      || tp==&PyRangeIter_Type || tp==&PyLongRangeIter_Type
      || tp==&PyDictIterKey_Type || tp==&PyDictIterValue_Type
      || tp==&PyDictIterItem_Type || tp==&PyDictRevIterKey_Type
      || tp==&PyDictRevIterValue_Type || tp==&PyDictRevIterItem_Type
      || tp==&PySetIter_Type || tp==&PyUnicodeIter_Type
      || tp==&PyBytesIter_Type || tp==&PyByteArrayIter_Type )
    return 1;
  /* 3.12's iterator over ASCII strings is not exported; a static type's
  ** name cannot be taken by Python code */
  if( !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
      && strcmp(tp->tp_name, "str_ascii_iterator")==0 ) return 1;
  if( depth<ITER_DEPTH && (tp==&PyEnum_Type || tp==&PyZip_Type
                           || tp==&PyReversed_Type) && tp->tp_traverse ){
    return tp->tp_traverse(it, visit_ref, &depth)==0;
  }
  return 0;
}

int trec_lineflow_iter_safe(PyObject *it){
  return it!=NULL && iter_safe(it, 0);
}
