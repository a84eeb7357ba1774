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
  OP_FOR_ITER,       /* pure when the iterator is a known one (below) */
  OP_ITERATES,       /* UNPACK_*, CONTAINS_OP: by their operand (below) */
  OP_LOAD_LOCAL,     /* LOAD_FAST (namespace frames: LOAD_NAME) oparg */
  OP_LOAD_PAIR,      /* 3.13 LOAD_FAST_LOAD_FAST: locals oparg>>4, oparg&15 */
  OP_BUILT           /* LOAD_CONST, BUILD_TUPLE/LIST/SET: a known operand */
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
** type known not to (trec_lineflow_iter_safe). The same holds for
** UNPACK_SEQUENCE, UNPACK_EX and CONTAINS_OP, which iterate their operand
** (`a, b = map(out.append, xs)` changes `out`): pure only when the operand
** is a variable the line does not assign (checked as the line starts to
** hold a builtin container, trec_lineflow_iterable), a constant or a container
** built just before, or, for an unpacking, the item of the line's FOR_ITER
** (checked to be a tuple or the like, trec_lineflow_item_safe). Counting
** them impure instead cost 10-20% on loops that unpack (bench/analysis.md). */
static const char *const pure_ops[] = {
  "CACHE", "NOP", "RESUME", "POP_TOP", "PUSH_NULL", "COPY", "SWAP",
  "ROT_TWO", "ROT_THREE", "ROT_FOUR", "ROT_N", "DUP_TOP", "DUP_TOP_TWO",
  "LOAD_SMALL_INT", "LOAD_GLOBAL", "LOAD_DEREF",
  "LOAD_CLASSDEREF", "LOAD_CLOSURE", "LOAD_ATTR", "LOAD_METHOD",
  "LOAD_ASSERTION_ERROR", "COMPARE_OP", "IS_OP", "GET_ITER",
  "END_FOR",
  "UNARY_POSITIVE", "UNARY_NEGATIVE", "UNARY_NOT", "UNARY_INVERT", "TO_BOOL",
  "BINARY_POWER", "BINARY_MULTIPLY", "BINARY_MATRIX_MULTIPLY",
  "BINARY_FLOOR_DIVIDE", "BINARY_TRUE_DIVIDE", "BINARY_MODULO", "BINARY_ADD",
  "BINARY_SUBTRACT", "BINARY_LSHIFT", "BINARY_RSHIFT", "BINARY_AND",
  "BINARY_XOR", "BINARY_OR",
  "BUILD_MAP", "BUILD_CONST_KEY_MAP",
  "BUILD_STRING", "BUILD_SLICE", "LIST_TO_TUPLE",
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
static int op_load_name = -1, op_contains = -1, op_unpack_ex = -1,
           op_store_fast = -1, op_store_name = -1;   /* opcodes, -1 if none */
/* jump[op]: how an instruction's argument gives its target (code_labels) */
enum { JUMP_NONE, JUMP_REL, JUMP_BACK, JUMP_ABS };
static unsigned char jump[256];
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

/* jump[] from opcode.hasjrel and hasjabs; a relative jump goes back when
** its name says JUMP_BACKWARD (3.11+), as dis decides. Importing dis
** instead would change which modules the program's own imports run. */
static int jump_kinds(PyObject *mod){
  static const char *const lists[] = { "hasjrel", "hasjabs" };
  PyObject *names = PyObject_GetAttrString(mod, "opname");
  int rc = names!=NULL && PySequence_Check(names) ? 0 : -1;
  memset(jump, JUMP_NONE, sizeof jump);
  for(int k=0; rc==0 && k<2; k++){
    PyObject *l = PyObject_GetAttrString(mod, lists[k]);
    PyObject *seq = l ? PySequence_Fast(l, lists[k]) : NULL;
    Py_XDECREF(l);
    if( seq==NULL ){ rc = -1; break; }
    for(Py_ssize_t i=0; i<PySequence_Fast_GET_SIZE(seq); i++){
      long op = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
      if( op<0 || op>=256 ) continue;
      PyObject *name = PySequence_GetItem(names, op);
      const char *u = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
      jump[op] = k ? JUMP_ABS
                   : u && strstr(u, "JUMP_BACKWARD") ? JUMP_BACK : JUMP_REL;
      Py_XDECREF(name);
    }
    Py_DECREF(seq);
  }
  Py_XDECREF(names);
  if( PyErr_Occurred() ) rc = -1;
  return rc;
}

static int opnum(PyObject *opmap, const char *name){
  PyObject *o = PyDict_GetItemString(opmap, name);
  return o ? (int)PyLong_AsLong(o) : -1;
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
  cache_op = opnum(opmap, "CACHE");
  op_load_name = opnum(opmap, "LOAD_NAME");
  op_contains = opnum(opmap, "CONTAINS_OP");
  op_unpack_ex = opnum(opmap, "UNPACK_EX");
  op_store_fast = opnum(opmap, "STORE_FAST");
  op_store_name = opnum(opmap, "STORE_NAME");
  if( jump_kinds(mod)<0 ) goto out;
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
  static const char *const iterates[] = { "UNPACK_SEQUENCE", "UNPACK_EX",
                                          "CONTAINS_OP" };
  static const char *const load_local[] = { "LOAD_FAST", "LOAD_FAST_CHECK",
                                            "LOAD_NAME" };
  static const char *const load_pair[] = { "LOAD_FAST_LOAD_FAST" };
  static const char *const built[] = { "LOAD_CONST", "BUILD_TUPLE",
                                       "BUILD_LIST", "BUILD_SET" };
  if( classify(opmap, pair, 1, OP_STORE_PAIR)
   || classify(opmap, store_load, 1, OP_STORE_LOAD)
   || classify(opmap, store_name, 2, OP_STORE_NAME)
   || classify(opmap, binary, 1, OP_BINARY)
   || classify(opmap, ext, 1, OP_EXTENDED_ARG)
   || classify(opmap, subscr, 1, OP_SUBSCR)
   || classify(opmap, for_iter, 1, OP_FOR_ITER)
   || classify(opmap, iterates, 3, OP_ITERATES)
   || classify(opmap, load_local, 3, OP_LOAD_LOCAL)
   || classify(opmap, load_pair, 1, OP_LOAD_PAIR)
   || classify(opmap, built, 4, OP_BUILT)
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

/* label[i] = 1 for each instruction a jump lands on, as dis.findlabels
** computes it: arguments count bytes in 3.9 and instructions from 3.10, and
** from 3.11 a relative jump counts from past its CACHE entries (none for
** 3.11's jumps) and may go backward. */
static void code_labels(const unsigned char *code, char *label, Py_ssize_t n){
  unsigned long arg = 0;
  for(Py_ssize_t i=0; i<n; i++){
    unsigned op = code[2*i];
    arg = (arg<<8) | code[2*i+1];
    if( opclass[op]==OP_EXTENDED_ARG ) continue;
    long unit = PY_VERSION_HEX >= 0x030A0000 ? 2 : 1, next = 2*(long)i + 2;
    long target = -1;
    while( next/2<n && code[next]==cache_op ) next += 2;
    if( jump[op]==JUMP_ABS ) target = (long)arg * unit;
    else if( jump[op]==JUMP_REL ) target = next + (long)arg * unit;
    else if( jump[op]==JUMP_BACK ) target = next - (long)arg * unit;
    if( target>=0 && target/2<n ) label[target/2] = 1;
    arg = 0;
  }
}

static uint64_t slot_bit(unsigned long slot){
  return (uint64_t)1 << (slot<63 ? slot : 63);
}

/* The instruction before i, skipping CACHE entries; -1 when there is none
** or it has an EXTENDED_ARG, or a jump lands on i. */
static Py_ssize_t prev_instr(const unsigned char *code, const char *label,
                             Py_ssize_t i){
  Py_ssize_t j = i - 1;
  while( j>=0 && code[2*j]==cache_op ) j--;
  if( label[i] || j<0 || (j>0 && opclass[code[2*(j-1)]]==OP_EXTENDED_ARG) )
    return -1;
  return j;
}

static int is_unpack(unsigned op){
  return opclass[op]==OP_ITERATES && (int)op!=op_contains;
}

/* When the unpacking at i takes apart the item of a FOR_ITER (`for (a, b),
** c in xs`): how deep in the item its operand is (0: the item itself), or
** -1, with *iter_at the FOR_ITER's byte offset. Only unpackings and stores
** may come between, so the value stack from the FOR_ITER on is the item's
** parts, simulated here. */
static int item_depth(const unsigned char *code, const char *label,
                      Py_ssize_t i, int32_t *iter_at){
  Py_ssize_t k = i, j;
  while( (j = prev_instr(code, label, k))>=0 && opclass[code[2*j]]!=OP_FOR_ITER ){
    if( !is_unpack(code[2*j]) && (int)code[2*j]!=op_store_fast
        && (int)code[2*j]!=op_store_name ) return -1;
    k = j;
  }
  if( j<0 ) return -1;
  *iter_at = (int32_t)(2*j);
  unsigned char depth[256];
  int top = 0;
  depth[top++] = 0;
  for(Py_ssize_t p = j + 1; p<i; p++){
    unsigned op = code[2*p], arg = code[2*p+1];
    if( (int)op==cache_op ) continue;
    if( top==0 ) return -1;
    if( !is_unpack(op) ){ top--; continue; }
    int d = depth[--top] + 1;
    int n = (int)op==op_unpack_ex ? (int)(arg & 0xff) + 1 + (int)(arg>>8) : (int)arg;
    if( d>=TREC_LF_ITEM_DEPTH || top + n>(int)sizeof depth ) return -1;
    while( n-- ) depth[top++] = (unsigned char)d;
  }
  return top>0 ? depth[top-1] : -1;
}

/* The operand of the UNPACK_* or CONTAINS_OP at i is what the instruction
** before it pushed (the container of CONTAINS_OP is on top): a variable,
** checked as the line starts (a LOAD_FAST in a namespace frame is not
** one: LOAD_NAME is); a constant or a tuple, list or set built there; or
** the item of a FOR_ITER. Anything else may be any iterator, and so may
** that instruction's value when a jump lands on i (label[i], see
** code_labels: `a, b = x if c else y`). */
static void operand_facts(const unsigned char *code, const char *label,
                          Py_ssize_t i, int fast, struct trec_lf_facts *f){
  Py_ssize_t j = prev_instr(code, label, i);
  if( j<0 ){
    f->flags |= TREC_LF_IMPURE;
    return;
  }
  unsigned op = code[2*j], arg = code[2*j+1], c = opclass[op];
  int name = (int)op==op_load_name;
  if( c==OP_LOAD_LOCAL && name==!fast && arg<63 ){
    f->check |= slot_bit(arg);
  }else if( c==OP_LOAD_PAIR && fast ){
    f->check |= slot_bit(arg & 15);
  }else if( c==OP_BUILT ){
    return;
  }else{
    int32_t item_iter = -1;
    int d = (int)code[2*i]!=op_contains ? item_depth(code, label, i, &item_iter)
                                         : -1;
    if( d<0 || d>=TREC_LF_ITEM_DEPTH ){
      f->flags |= TREC_LF_IMPURE;
      return;
    }
    f->flags |= TREC_LF_ITEM;
    if( d>f->item_depth ) f->item_depth = (unsigned char)d;
    f->item_iter = item_iter;
  }
}

/* Add instruction i of code (n of them; arg with its extended argument)
** to *f. An in-place operator looks ahead at the store that follows it. */
static void instr_facts(const unsigned char *code, const char *label,
                        Py_ssize_t n, Py_ssize_t i, unsigned long arg, int fast,
                        struct trec_lf_facts *f){
  unsigned c = opclass[code[2*i]];
  switch( c ){
  case OP_PURE:
  case OP_LOAD_LOCAL:
  case OP_LOAD_PAIR:
  case OP_BUILT:
    return;
  case OP_ITERATES:
    operand_facts(code, label, i, fast, f);
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
  char *label = NULL;
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
  label = calloc((size_t)n, 1);
  if( label==NULL ){ rc = TREC_ERR_NOMEM; goto out; }
  code_labels(code, label, n);
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
  struct trec_lf_facts any = { 0 };   /* of instructions without a line */
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
      if( to ) instr_facts(code, label, n, i, arg, fast, to);
      arg = 0;
    }
  }
  for(int k=0; k<lf->n; k++){
    struct trec_lf_facts *f[2] = { &lf->line[k].all, &lf->line[k].tail };
    for(int j=0; j<2; j++){
      f[j]->flags |= any.flags;
      f[j]->store |= any.store;
      f[j]->inplace |= any.inplace;
      f[j]->check |= any.check;
      /* a variable checked at the line's start must hold that value still */
      if( f[j]->check & f[j]->store ) f[j]->flags |= TREC_LF_IMPURE;
      /* the item checked is that of the line's one FOR_ITER */
      if( (any.flags & TREC_LF_ITEM) || ((f[j]->flags & TREC_LF_ITEM)
          && (f[j]->n_iter!=1 || f[j]->item_iter!=f[j]->iter_at)) )
        f[j]->flags |= TREC_LF_IMPURE;
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
  free(label);
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

/* The last type iter_safe() found safe by its type alone: a loop asks of
** the same one at every iteration, and the list of tests below goes
** through the dynamic linker's table for each type (a static type is
** never freed nor changed, so the memo cannot go stale). */
static PyTypeObject *iter_type_safe;

static int iter_safe(PyObject *it, int depth){
  PyTypeObject *tp = Py_TYPE(it);
  if( tp==iter_type_safe ) return 1;
  if( tp==&PyListIter_Type || tp==&PyListRevIter_Type || tp==&PyTupleIter_Type
      || tp==&PyRangeIter_Type || tp==&PyLongRangeIter_Type
      || tp==&PyDictIterKey_Type || tp==&PyDictIterValue_Type
      || tp==&PyDictIterItem_Type || tp==&PyDictRevIterKey_Type
      || tp==&PyDictRevIterValue_Type || tp==&PyDictRevIterItem_Type
      || tp==&PySetIter_Type || tp==&PyUnicodeIter_Type
      || tp==&PyBytesIter_Type || tp==&PyByteArrayIter_Type ){
    iter_type_safe = tp;
    return 1;
  }
  /* 3.12's iterator over ASCII strings is not exported; a static type's
  ** name cannot be taken by Python code */
  if( !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
      && strcmp(tp->tp_name, "str_ascii_iterator")==0 ){
    iter_type_safe = tp;
    return 1;
  }
  if( depth<ITER_DEPTH && (tp==&PyEnum_Type || tp==&PyZip_Type
                           || tp==&PyReversed_Type) && tp->tp_traverse ){
    return tp->tp_traverse(it, visit_ref, &depth)==0;
  }
  return 0;
}

int trec_lineflow_iter_safe(PyObject *it){
  return it!=NULL && iter_safe(it, 0);
}

/* The layout CPython gives its list and tuple iterators (listobject.c,
** tupleobject.c; pycore_list.h and pycore_tuple.h from 3.12), the same on
** every version this builds for: the next item is it_seq[it_index]. */
struct seq_iter { PyObject_HEAD Py_ssize_t it_index; PyObject *it_seq; };

/* v and its tuple and list parts down to depth can be unpacked. */
static int parts_iterable(PyObject *v, int depth){
  if( !trec_lineflow_iterable(v) ) return 0;
  if( depth==0 || !(PyTuple_CheckExact(v) || PyList_CheckExact(v)) ) return 1;
  Py_ssize_t n = Py_SIZE(v);
  if( n>8 ) return 0;
  for(Py_ssize_t k=0; k<n; k++){
    PyObject *x = PyTuple_CheckExact(v) ? PyTuple_GET_ITEM(v, k) : PyList_GET_ITEM(v, k);
    if( !parts_iterable(x, depth - 1) ) return 0;
  }
  return 1;
}

int trec_lineflow_item_safe(PyObject *it, int depth){
  PyTypeObject *tp = Py_TYPE(it);
  if( tp==&PyRangeIter_Type || tp==&PyLongRangeIter_Type ) return 1;
  if( depth==0 && (tp==&PyDictIterItem_Type || tp==&PyDictRevIterItem_Type
                   || tp==&PyEnum_Type || tp==&PyZip_Type) ) return 1;
  if( tp!=&PyListIter_Type && tp!=&PyTupleIter_Type ) return 0;
  const struct seq_iter *si = (const struct seq_iter *)it;
  if( si->it_seq==NULL ) return 1;   /* exhausted: the loop ends */
  Py_ssize_t n = Py_SIZE(si->it_seq);
  if( si->it_index<0 || si->it_index>=n ) return 1;
  PyObject *item = tp==&PyListIter_Type
                   ? PyList_GET_ITEM(si->it_seq, si->it_index)
                   : PyTuple_GET_ITEM(si->it_seq, si->it_index);
  return parts_iterable(item, depth);
}

int trec_lineflow_iterable(PyObject *v){
  PyTypeObject *tp = v ? Py_TYPE(v) : NULL;
  return tp==&PyTuple_Type || tp==&PyList_Type || tp==&PyDict_Type
         || tp==&PySet_Type || tp==&PyFrozenSet_Type || tp==&PyUnicode_Type
         || tp==&PyBytes_Type || tp==&PyRange_Type;
}
