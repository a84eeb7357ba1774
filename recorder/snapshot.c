/*
** snapshot.c: Python values and frames -> the value encoding of
** schema/value.h, for the recorder's hot path.
**
** Tuned for a trace function that runs at every line of a program: most
** events change one local or none, so a frame snapshot is a walk over the
** frame's slots comparing each value with the shadow's (a pointer compare
** for immutable builtins). Mutable values are compared by a fingerprint of
** what their encoding depends on, walked without encoding (see "fingerprints
** of mutable values" below, which states the guarantee); only when it
** differs is the value encoded, into a reused scratch buffer, and compared
** by a 64-bit hash of its encoding.
**
** Nothing here runs the traced program's code: values are read through
** exact-type checks and struct/dict access (instance dicts are read, not
** getattr'd; types' names come from their own dicts), so __repr__, __eq__,
** __hash__, __getattr__ and properties are never called. The only exception
** is capture_repr, which the user asks for explicitly. Version-specific
** reads (fast locals, inline attribute values, sets, big ints) are in
** locals.c.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <structmember.h>
#include <stdio.h>
#include "recorder/snapshot.h"
#include "recorder/compat.h"
#include "recorder/locals.h"
#include "recorder/stdrepr.h"

#ifndef Py_T_OBJECT
#  define Py_T_OBJECT T_OBJECT
#endif
#ifndef Py_T_OBJECT_EX
#  define Py_T_OBJECT_EX T_OBJECT_EX
#endif
#ifndef Py_READONLY
#  define Py_READONLY READONLY
#endif

static const char *const default_redact[] = {
  "*password*", "*passwd*", "*secret*", "*token*", "*api_key*", "*apikey*",
  "*authorization*", "*cookie*"
};

/* Tuples longer than this are diffed by encoding, not held by pointer:
** proving a tuple deeply immutable costs a walk over it. */
#define FROZEN_TUPLE_MAX 1024
#define FROZEN_DEPTH_MAX 4

/* Field names and dict keys repeat at every event: their redaction verdict
** is cached by str object (glob matching each name again was a third of
** the recorder's time on attribute-heavy code). Two ways per set, as in
** the type caches below: direct-mapped, two hot names of a program at
** colliding addresses evicted each other at every object, in about one
** run out of three (depending on where the allocator put them): richards
** then spent 9% of its time matching names. */
#define REDACT_CACHE 1024

/* Type names and the pieces of REPR texts (qualnames, module paths) are cut
** here: a program can set __qualname__ to anything. Field names are kept
** whole, since readers look fields up by name. */
#define NAME_MAX_CP 4096

/* Type names, cached by type: every object encoded needs one, and building
** it costs a dict lookup and two UTF-8 conversions. An entry is valid while
** the type keeps its version tag: CPython gives a type a fresh tag from a
** global counter and drops it (PyType_Modified) whenever an attribute of the
** type is set, __module__ and __qualname__ included, so (type, tag) cannot
** name a different or renamed type. Types without a valid tag are not
** cached. */
#define TNAME_CACHE 256
#define FORM_CACHE 128

/* Dicts keep, by (address + depth, version tag), the fingerprint of their
** keys and of the values that are immutable leaves, and which other values
** (containers, objects) they hold: while the version holds, only those are
** walked again (fp_dict). The dicts of lists that a module's globals or a
** function's locals hold, and the counters and tables of data crunching,
** are then a lookup and a walk of their containers, not of their items
** (strings_json: 13.5% fewer instructions). */
#define FP_DICT_CACHE 1024
#define FP_DICT_OTHERS 32

struct dict_memo {
  PyObject *dict;             /* Borrowed, compared only (with version) */
  uint64_t version;           /* trec_locals_dict_version() */
  uint64_t head;              /* of the keys and leaf values, at depth */
  long nodes;                 /* fp_left the leaves took */
  int depth;
  int n_others;
  PyObject *other[FP_DICT_OTHERS];  /* Borrowed: the dict holds them while
                                       its version holds */
};

/* Lists and tuples whose first items (those a walk reads) are all
** immutable leaves keep their fingerprint while those item pointers are
** the same (see fp_seq): a table of buckets of groups, or a sieve's flags,
** is then a compare of pointers instead of a walk, at every event after a
** line that may have changed one of them. */
#define SEQ_CACHE 256
#define SEQ_MIN 4             /* items below which a walk costs less */
#define SEQ_MAX 32            /* items a memo holds */
#define SEQ_LEAF_LEN 64       /* characters or bytes of a str or bytes held:
                                 the memos hold 24,576 leaves at most, 8 MB */

struct seq_memo {
  PyObject *seq;              /* Borrowed, compared only (with the items) */
  Py_ssize_t n;               /* items held */
  long nodes;                 /* fp_left their walk took */
  uint64_t fp;                /* of the items */
  PyObject *item[SEQ_MAX];    /* Owned: held so that none is freed and
                                 another object made at its address */
};

/* Instances whose attributes are kept inline (3.11+) and fit max_items
** keep, per (address, depth), what their walk found: the same type, order
** and attribute objects again give the fingerprints of the leaves among
** them, held as fp_seq holds its items, without a walk; only the other
** attributes (objects, containers) are walked again (fp_inline). A method's
** `self` reaches dozens of such objects at every event after a line that
** stored an attribute. */
#define OBJ_MEMO 512
#define OBJ_MEMO_MAX 32

struct obj_memo {
  PyObject *obj;              /* Borrowed, compared only (with the rest) */
  PyTypeObject *tp;           /* Borrowed, compared only (with tag) */
  PyObject *qualname;         /* Borrowed, compared only */
  const void *keys;           /* Borrowed, compared only */
  unsigned int tag;
  int depth;
  int n;                      /* attributes */
  uint32_t leaves;            /* bit j: val[j] is a leaf, held */
  int n_leaves;               /* its bits: a popcount is a libgcc call on
                                 the baseline x86-64 target */
  uint64_t head;              /* of the type, address, keys, order and
                                 leaves */
  uint8_t order[OBJ_MEMO_MAX];
  PyObject *val[OBJ_MEMO_MAX];   /* Owned when a leaf, else compared only */
};

/* Inline attributes read in one call when max_items is at most this. */
#define FP_INLINE_MAX 64

/* Encodings of variables' values by (address, fingerprint): a method's
** `self` is encoded whole at every call (a call records every argument),
** and re-encoding an unchanged object graph was the largest cost on
** object-heavy code. Return values of objects the cache holds are looked
** up too (`return self`, or an attribute another frame returned before:
** richards spent a ninth of its time encoding return values). Equal
** fingerprints of one address mean equal
** encodings at the top level (see "fingerprints of mutable values"), so a
** hit is copied instead. Encodings longer than ENC_CACHE_MAX are not kept,
** which bounds the cache at ENC_CACHE * ENC_CACHE_MAX bytes. */
#define ENC_CACHE 256
#define ENC_CACHE_MAX 4096

/* Encodings of sub-values: the containers and objects at depth 1 to
** max_depth-1 inside a variable's value, by (address, depth, fingerprint).
** When a variable changes, usually one small part of its value did (one
** body of a list of bodies, one field of an object that reaches a dozen
** others); the rest is copied from here instead of being encoded again.
** fp_value() gives each such node a fingerprint of its own and notes it in
** the node table for the frame snapshot at hand; enter() looks the node up
** there, and so does fp_value() when another variable of the same frame
** reaches the node at the same depth (self and the arguments of a method
** reach the same objects): no program code runs between the variables of
** one snapshot, so the note still holds and the node is not walked again.
** Only nodes whose walk visited SUB_MIN_NODES nodes or more are worth a
** lookup. Encodings longer than SUB_CACHE_MAX are not kept, which bounds
** the cache at SUB_CACHE * SUB_CACHE_MAX bytes (see "sub-values" below for
** why a copy is the encoding enc() would write). */
#define SUB_NODES 1024
#define SUB_CACHE 512
#define SUB_CACHE_MAX 2048
#define SUB_MIN_NODES 4
#define SUB_REFS 4            /* ancestors a kept encoding may REF */
#define SUB_BLOOM 8           /* 64-bit words: 512 bits, two per address */

struct sub_node {             /* a node walked at generation gen */
  PyObject *obj;              /* Borrowed, compared only (with gen) */
  uint64_t fp;
  uint64_t gen;
  long count;                 /* nodes its walk visited */
  int depth;
};

struct sub_level {            /* a node being encoded for the cache */
  PyObject *obj;              /* Borrowed: on the path */
  uint64_t fp;
  int depth;
  int at;                     /* obj's index on the path */
  uint64_t refs;              /* the enclosing level's */
  size_t start;               /* where obj's encoding starts in out */
};

struct sub_enc {
  PyObject *obj;              /* Borrowed, compared only (with fp) */
  uint64_t fp;
  int depth;
  uint64_t bloom[SUB_BLOOM];  /* addresses path_find() looked up */
  int n_ref;
  PyObject *ref[SUB_REFS];    /* Borrowed, compared only: the ancestors */
  unsigned char ref_tag[SUB_REFS];  /* REF'd, with their tags */
  struct trec_buf data;       /* Owned: obj's encoding at depth */
};

/* __slots__ listings, by type (see type_slots). Every object fingerprinted
** looks its type up here, slotted or not: at 32 entries the types of an
** asyncio program collided, and each miss walked the MRO again and
** glob-matched every member name (6% of the asyncio workload). The other
** tables are sized for the same reason. */
#define SLOT_CACHE 256
#define SLOTS_INLINE 16

struct slot_member {
  Py_ssize_t offset;
  const char *name;           /* Borrowed from the type's PyMemberDef */
  size_t name_len;            /* strlen'd once, not at every encoding */
  unsigned char redacted;
};

/* A type with more members (zipfile.ZipInfo has 21) gets its listing in
** big: walking them for every object cost 150-600 times the cached way
** (the walk restarts from the MRO at each member, and glob-matches it). */
struct type_slots {
  PyTypeObject *tp;           /* Borrowed, compared only (with tag) */
  unsigned int tag;
  int n;
  struct slot_member *big;    /* Owned: the listing when n > SLOTS_INLINE */
  struct slot_member m[SLOTS_INLINE];
};

static inline const struct slot_member *ts_members(const struct type_slots *ts){
  return ts->big!=NULL ? ts->big : ts->m;
}
#define MODULE_CACHE 128
#define TNAME_LEN 86

struct trec_snap {
  struct trec_snap_options o;
  char **pat;                 /* Owned: lower-cased redaction patterns */
  size_t n_pat;
  struct {                    /* redaction of dict keys and field names, */
    PyObject *key;            /* by str object: Owned (an exact str, whose */
    unsigned char hit;        /* lifetime nobody can observe) */
  } rcache[REDACT_CACHE];
  struct trec_buf scratch;    /* Owned: a value being diffed */
  struct trec_buf tname;      /* Owned: type names */
  struct trec_buf text;       /* Owned: REPR text */
  struct trec_buf u8;         /* Owned: UTF-8 of a non-ASCII str */
  unsigned char *mag;         /* Owned: big int magnitude, mag_cap bytes */
  size_t mag_cap;
  PyObject **path;            /* Owned array: containers being encoded */
  unsigned char *path_tag;
  int path_cap;
  int path_len;
  int path_base;              /* this entry's first path element */
  size_t budget_end;          /* out->len past which items are dropped */
  long fp_left;               /* nodes a fingerprint may still visit */
  struct dict_memo *dicts;    /* Owned, FP_DICT_CACHE; NULL until needed */
  struct seq_memo *seqs;      /* Owned, SEQ_CACHE; NULL until needed */
  struct obj_memo *objs;      /* Owned, OBJ_MEMO; NULL until needed */
  struct {                    /* module_fp(): by module dict and version */
    PyObject *dict;           /* Borrowed, compared only (with version) */
    uint64_t version;
    uint64_t fp;
  } mcache[MODULE_CACHE];
  struct type_slots scache[SLOT_CACHE];
  struct {
    PyObject *obj;            /* Borrowed, compared only (with fp) */
    uint64_t fp, hash;        /* fp_top() of obj; hash_bytes() of data */
    struct trec_buf data;     /* Owned: obj's encoding */
  } ecache[ENC_CACHE];
  struct sub_node *nodes;     /* Owned, SUB_NODES; NULL: no sub-value cache */
  struct sub_enc *sub;        /* Owned, SUB_CACHE */
  uint64_t node_gen;          /* the current walk */
  uint64_t frame_gen;         /* the first walk of the frame snapshot */
  int sub_live;               /* 1 while enc_top() encodes that walk's value */
  int sub_depths;             /* depths 1..sub_depths are cached, or none */
  PyObject *fp_self;          /* the node fp_self() is walking, compared only */
  int sub_level;              /* levels open (see sub_copy) */
  struct sub_level level[TREC_VALUE_MAX_DEPTH];
  uint64_t sub_bloom[TREC_VALUE_MAX_DEPTH][SUB_BLOOM];  /* by level */
  uint64_t refs;              /* path indices REFs went to, less path_base */
  uint64_t fp_nonce;          /* makes a fingerprint unlike any before */
  struct trec_buf fpbuf;      /* Owned: values fingerprinted by encoding */
  int check;                  /* TRACEREC_FPCHECK=1 (see check_slot) */
  int check_miss;             /* slot whose check failed, or -1 */
  int check_rebound;          /* ... because it was bound to another object */
  struct trec_buf checkbuf;   /* Owned: check_slot's encodings */
  struct trec_buf *ends;      /* Borrowed: see trec_snap_track(), or NULL */
  int busy;                   /* entries running (see snap_enter) */
  struct trec_buf *diff;      /* Borrowed: scratch or scratch_nested */
  struct trec_buf scratch_nested;   /* Owned */
  struct {
    PyTypeObject *tp;         /* Borrowed, compared only */
    unsigned int tag;
    const void *qualname;     /* Borrowed, compared only: 3.13 keeps the
                              ** tag when __qualname__ is set */
    uint16_t len;
    char name[TNAME_LEN];
  } tcache[TNAME_CACHE];
  struct form_entry {
    PyTypeObject *tp;         /* Borrowed, compared only */
    unsigned int tag;
    unsigned char kind, form;
  } fcache[FORM_CACHE];       /* typed_form()'s and kin_of()'s answers */
  PyTypeObject *deque_type;   /* Borrowed: collections.deque, once met */
  newfunc object_new;         /* object's tp_new, which most classes keep */
  PyObject *s_module;         /* Owned: interned "__module__" */
  PyObject *s_name, *s_file, *s_spec, *s_origin, *s_fileattr;
  PyObject *s_repr, *s_fields, *s_make, *s_name_, *s_value_;
  char errmsg[200];
};

struct trec_layout {
  PyCodeObject *co;           /* Borrowed, compared only */
  uint32_t n;                 /* slots */
  uint32_t n_args;
  int fast;                   /* 1: function (fast locals); 0: namespace */
  struct trec_slot_src *src;  /* Owned, n entries (fast only) */
  PyObject **names;           /* n names, Borrowed from the code object */
  char **cnames;              /* Owned: UTF-8 copies */
  unsigned char *redact;      /* Owned: 1 if the slot's name is redacted */
};

enum shadow_state {
  SH_NONE = 0,    /* nothing recorded, or recorded as unbound */
  SH_HELD = 1,    /* held: a strong reference to an immutable builtin */
  SH_HASH = 2,    /* hash: of the last recorded encoding */
  SH_IDENT = 3    /* hash: of what an identity REPR's text depends on */
};

struct shadow_slot {
  PyObject *held;             /* Owned when state == SH_HELD */
  uint64_t hash;
  uint64_t fp;                /* SH_HASH: fingerprint (fp_top) behind hash */
  PyObject *seen;             /* the value last compared: identity only */
  uint8_t state;
  int32_t hint;               /* namespace frames: trec_locals_ns_get() */
};

struct trec_shadow {
  const trec_layout *L;       /* Borrowed */
  uint32_t n;
  struct shadow_slot slot[];
};

/* ---- errors, exceptions of the caller ---- */

static int snap_fail(trec_snap *s, int rc, const char *msg){
  snprintf(s->errmsg, sizeof s->errmsg, "snapshot: %s", msg);
  return rc;
}

int trec_snap_checking(const trec_snap *s){
  return s->check;
}

const char *trec_snap_errmsg(trec_snap *s){
  return s ? s->errmsg : "snapshot: out of memory";
}

/* The trace function may run while an exception is pending; C API calls
** below may set and clear their own, so the caller's is put aside as it is
** (before 3.12 without normalizing it: that could run a user __init__).
** ts is the running thread's state: reading its exception field directly
** spares two PyErr_Occurred() calls per event, each a lookup of the
** thread's state through the dynamic linker's TLS on 3.12+. */
struct saved_exc { PyThreadState *ts; PyObject *t, *v, *tb; };

static int exc_pending(PyThreadState *ts){
#if PY_VERSION_HEX >= 0x030C0000
  return ts->current_exception!=NULL;
#else
  return ts->curexc_type!=NULL;
#endif
}

static void exc_save(struct saved_exc *e, PyThreadState *ts){
  e->ts = ts;
  e->t = e->v = e->tb = NULL;
  if( !exc_pending(ts) ) return;
#if PY_VERSION_HEX >= 0x030C0000
  e->v = PyErr_GetRaisedException();
#else
  PyErr_Fetch(&e->t, &e->v, &e->tb);
#endif
}

static void exc_restore(struct saved_exc *e){
  if( exc_pending(e->ts) ) PyErr_Clear();
#if PY_VERSION_HEX >= 0x030C0000
  if( e->v ) PyErr_SetRaisedException(e->v);
#else
  if( e->t ) PyErr_Restore(e->t, e->v, e->tb);
#endif
}

/* ---- redaction ---- */

static int lower(int c){ return (c>='A' && c<='Z') ? c + 32 : c; }

/* One pattern token (?, [set] with ! negating and a-z ranges, or a
** literal) against the byte c. @return the pattern past the token if it
** matches, NULL if not. As in Python's fnmatch, a [ without its ] is a
** literal, and so is a ^ at the start of a set. */
static const char *glob_one(const char *p, int c){
  c = lower(c);
  if( *p=='?' ) return p + 1;
  if( *p=='[' ){
    const char *q = p + 1;
    int neg = *q=='!', hit = 0;
    if( neg ) q++;
    const char *first = q;
    while( *q && (*q!=']' || q==first) ){
      if( q[1]=='-' && q[2] && q[2]!=']' ){
        if( c>=(unsigned char)q[0] && c<=(unsigned char)q[2] ) hit = 1;
        q += 3;
      }else{
        if( c==(unsigned char)*q ) hit = 1;
        q++;
      }
    }
    if( *q==']' ) return hit!=neg ? q + 1 : NULL;
  }
  return c==(unsigned char)*p ? p + 1 : NULL;
}

/* fnmatch, ASCII case-insensitive (p is already lower-cased), in time
** O(len(p) * len(s)): on a mismatch only the last * is retried. */
static int glob_match(const char *p, const char *s, const char *se){
  const char *star = NULL, *retry = NULL;
  while( s<se ){
    const char *next;
    if( *p=='*' ){
      star = ++p;
      retry = s;
    }else if( *p && (next = glob_one(p, (unsigned char)*s))!=NULL ){
      p = next;
      s++;
    }else if( star ){
      p = star;
      s = ++retry;
    }else{
      return 0;
    }
  }
  while( *p=='*' ) p++;
  return *p==0;
}

static int redacted_utf8(const trec_snap *s, const char *name, size_t len){
  for(size_t i=0; i<s->n_pat; i++)
    if( glob_match(s->pat[i], name, name + len) ) return 1;
  return 0;
}

/* ---- small helpers ---- */

static uint64_t obj_id(PyObject *v){ return (uint64_t)(uintptr_t)v; }

/* The entry of address p in a direct-mapped cache of n (a power of two)
** entries. Objects of one size class lie a fixed stride apart, so the low
** bits of their addresses alone would use a fraction of the entries. */
static size_t cache_at(const void *p, size_t n){
  return (size_t)(((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 40) & (n - 1);
}

/* The first entry of p's set of two (entries h and h + 1) in a two-way
** cache of n entries. A miss fills entry h after moving h to h + 1, so
** the set keeps the two latest keys. */
static size_t set_at(const void *p, size_t n){
  return cache_at(p, n) & ~(size_t)1;
}

static uint64_t hash_bytes(const unsigned char *p, size_t n){
  uint64_t h = 0x243f6a8885a308d3ull ^ n;
  while( n>=8 ){
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    p += 8; n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, p, n);
  h = (h ^ w ^ ((uint64_t)n << 56)) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 32);
}

static size_t varint_len(uint64_t v){
  size_t n = 1;
  while( v>=0x80 ){ v >>= 7; n++; }
  return n;
}

/* A container header promised `planned` items at byte `at`; only `actual`
** (fewer) were written because the byte budget ran out. Rewrite the count,
** moving the items back if the varint got shorter. */
static void patch_count(struct trec_buf *out, size_t at, uint64_t planned,
                        uint64_t actual){
  size_t ol = varint_len(planned), nl = varint_len(actual);
  if( out->oom || at + ol > out->len ) return;   /* out was reset under us */
  trec_varint_write(out->data + at, actual);
  if( nl<ol ){
    memmove(out->data + at + nl, out->data + at + ol, out->len - at - ol);
    out->len -= ol - nl;
  }
}

/* str_utf8() of a str that is not ASCII: n code points encoded into s->u8
** (out of line: names and most texts are ASCII). */
static __attribute__((noinline)) const char *
str_utf8_wide(trec_snap *s, PyObject *u, Py_ssize_t n, size_t *len){
  int kind = PyUnicode_KIND(u);
  const void *data = PyUnicode_DATA(u);
  trec_buf_reset(&s->u8);
  if( trec_buf_room(&s->u8, (size_t)n*4 + 1) ){ *len = 0; return ""; }
  unsigned char *o = s->u8.data;
  for(Py_ssize_t i=0; i<n; i++)
    o += trec_value_utf8_encode(PyUnicode_READ(kind, data, i), o);
  *len = (size_t)(o - s->u8.data);
  return (const char *)s->u8.data;
}

/* UTF-8 of a str: the str's own bytes when ASCII, else encoded into s->u8
** with lone surrogates in their 3-byte form (no cached UTF-8 is created in
** the str). At most max_cp code points; *cp gets how many were taken. */
static inline const char *str_utf8(trec_snap *s, PyObject *u,
                                   Py_ssize_t max_cp, size_t *len,
                                   Py_ssize_t *cp){
  Py_ssize_t n = PyUnicode_GET_LENGTH(u);
  if( n>max_cp ) n = max_cp;
  *cp = n;
  if( PyUnicode_IS_ASCII(u) ){
    *len = (size_t)n;
    return (const char *)PyUnicode_DATA(u);
  }
  return str_utf8_wide(s, u, n, len);
}

static int str_ready(PyObject *u){
#if PY_VERSION_HEX < 0x030C0000
  if( PyUnicode_READY(u)<0 ){ PyErr_Clear(); return 0; }
#else
  (void)u;
#endif
  return 1;
}

/* The name a type prints as: "module.QualName", bare for builtins. Read
** from the type's own dict and struct, never through getattr (a metaclass
** could define __getattr__ or a property). Result in s->tname. */
static void type_name_build(trec_snap *s, PyTypeObject *tp){
  struct trec_buf *b = &s->tname;
  if( tp->tp_flags & Py_TPFLAGS_HEAPTYPE ){
    PyObject *qn = ((PyHeapTypeObject *)tp)->ht_qualname;
    PyObject *mod = tp->tp_dict ? PyDict_GetItemWithError(tp->tp_dict,
                                                          s->s_module) : NULL;
    size_t len;
    Py_ssize_t cp;
    const char *u;
    if( mod==NULL && PyErr_Occurred() ) PyErr_Clear();
    if( mod!=NULL && PyUnicode_CheckExact(mod) && str_ready(mod) ){
      u = str_utf8(s, mod, NAME_MAX_CP, &len, &cp);
      if( !(len==8 && memcmp(u, "builtins", 8)==0) ){
        trec_buf_put(b, u, len);
        trec_buf_put_u8(b, '.');
      }
    }
    if( qn!=NULL && PyUnicode_CheckExact(qn) && str_ready(qn) ){
      u = str_utf8(s, qn, NAME_MAX_CP, &len, &cp);
      trec_buf_put(b, u, len);
      return;
    }
  }
  trec_buf_puts(b, tp->tp_name);
}

/* tp's version tag while it is valid, else 0. Changing a type sets its tag
** to 0 on every version; before 3.13 it also clears
** Py_TPFLAGS_VALID_VERSION_TAG, which 3.13 no longer sets at all (taking
** the flag as the test there made every type look unversioned: no cached
** names or slot listings, and a fresh fingerprint for every object).
**
** CPython assigns a tag at a type's first attribute lookup, which the types
** of many C objects never see (decimal.Decimal, datetime.date, asyncio's
** TaskStepMethWrapper, iterators): every value holding one of them was then
** fingerprinted afresh, so encoded again, at every event, and its kin looked
** up along the MRO each time (stdlib_mix and async_tasks). An immutable
** type without a tag is given one here, as that lookup would; nothing can
** drop it again. Classes the program can change are left alone: tagging
** one again after each change would spend, behind the program's back, the
** tags 3.12+ allow a class before its attribute cache gives up on it. */
static inline unsigned int type_tag_valid(PyTypeObject *tp){
#if PY_VERSION_HEX >= 0x030D0000
  return tp->tp_version_tag;
#else
  return tp->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG ? tp->tp_version_tag : 0;
#endif
}

static __attribute__((noinline, cold)) unsigned int
type_tag_assign(const trec_snap *s, PyTypeObject *tp){
  if( !trec_compat_type_immutable(tp) ) return 0;
  trec_compat_type_assign_tag(tp, s->s_repr);
  if( PyErr_Occurred() ) PyErr_Clear();
  return type_tag_valid(tp);
}

static inline unsigned int type_tag(const trec_snap *s, PyTypeObject *tp){
  unsigned int tag = type_tag_valid(tp);
  return tag ? tag : type_tag_assign(s, tp);
}

static void type_name(trec_snap *s, PyTypeObject *tp){
  unsigned int tag = type_tag(s, tp);
  int valid = tag!=0;
  size_t h = set_at(tp, TNAME_CACHE);
  const void *qn = tp->tp_flags & Py_TPFLAGS_HEAPTYPE
                   ? (const void *)((PyHeapTypeObject *)tp)->ht_qualname : NULL;
  trec_buf_reset(&s->tname);
  for(size_t k=h; valid && k<h+2; k++){
    if( s->tcache[k].tp==tp && s->tcache[k].tag==tag && s->tcache[k].qualname==qn ){
      trec_buf_put(&s->tname, s->tcache[k].name, s->tcache[k].len);
      return;
    }
  }
  type_name_build(s, tp);
  if( valid && !s->tname.oom && s->tname.len>0 && s->tname.len<=TNAME_LEN ){
    s->tcache[h+1] = s->tcache[h];
    s->tcache[h].tp = tp;
    s->tcache[h].tag = tag;
    s->tcache[h].qualname = qn;
    s->tcache[h].len = (uint16_t)s->tname.len;
    memcpy(s->tcache[h].name, s->tname.data, s->tname.len);
  }
}

/* Deeply immutable exact builtins: holding a strong reference to one is
** unobservable (no __del__, no weakrefs), and pointer equality implies an
** unchanged value. The list is the contract's (snapshot.h), which the
** reference recorder of the tests (tests/reftrace.py) mirrors: an equal
** value in a new object is a change for these types, not for others. */
static int is_frozen(PyObject *v, int depth){
  PyTypeObject *tp = Py_TYPE(v);
  if( v==Py_None || tp==&PyBool_Type || tp==&PyLong_Type
      || tp==&PyFloat_Type || tp==&PyUnicode_Type || tp==&PyBytes_Type )
    return 1;
  if( tp==&PyTuple_Type && depth<FROZEN_DEPTH_MAX
      && PyTuple_GET_SIZE(v)<=FROZEN_TUPLE_MAX ){
    for(Py_ssize_t i=0; i<PyTuple_GET_SIZE(v); i++)
      if( !is_frozen(PyTuple_GET_ITEM(v, i), depth+1) ) return 0;
    return 1;
  }
  return 0;
}

/* ---- the value encoder ---- */

static void enc(trec_snap *s, PyObject *v, int depth, struct trec_buf *out);

/* ---- sub-values ----
**
** enter() copies a cached encoding of a node at depth d (sub_copy) when it
** is byte for byte what enc() would write there now. An encoding is a
** function of three things: the node's value as fingerprinted, the path of
** its ancestors and the byte budget left. The value: fp_value() hashes,
** for a node at depth d, everything enc() at depth d shows (the long
** comment above fp_type says why equal fingerprints of one address mean
** equal encodings, against reused addresses and renamed types too), and
** notes the fingerprint only when the node's walk finished within the
** node budget, which covers everything enc() can reach; the note is for
** the current frame snapshot only (a generation stamp; a return value's
** walk right after it continues it), and sub_copy() runs
** only while enc_top() encodes a value of that snapshot, which fp_top() has
** walked, with no program code in between (capture_repr, the one way to run
** some, turns fingerprints off). The path: enter() writes a REF where a
** node is its own ancestor, whose bytes are the ancestor's id and tag
** whatever the path. An encoding is kept with the ancestors of the node
** it REF'd (at most SUB_REFS; a REF to the node or to a node inside it
** depends on the value alone), and reused when every look-up enter() made
** while encoding it finds what it found then: each of those ancestors is
** on the current path with the same tag, and no other node on the path is
** among the addresses looked up (a bloom filter of them, which may only
** say yes wrongly, and then the node is encoded). A copy counts as the
** REFs it holds for the levels around it (s->refs), so that they keep the
** ancestors of theirs among them. The budget: items
** are dropped only at a check made before an item is written, so inside
** the encoding; an encoding that ended within the budget was not cut, and
** a copy that ends within the budget left would not be either. Redaction
** (by key text), type names (by type and version tag) and strings (by
** content) are functions of what the fingerprint hashes. */

static void bloom_add(uint64_t *b, const void *p){
  uint64_t x = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
  unsigned i = (unsigned)(x >> 55), j = (unsigned)(x >> 46) & 511;
  b[i >> 6] |= (uint64_t)1 << (i & 63);
  b[j >> 6] |= (uint64_t)1 << (j & 63);
}

/* inline: called for each node of the path at every copy */
static inline int bloom_has(const uint64_t *b, const void *p){
  uint64_t x = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
  unsigned i = (unsigned)(x >> 55), j = (unsigned)(x >> 46) & 511;
  return (b[i >> 6] >> (i & 63) & 1) && (b[j >> 6] >> (j & 63) & 1);
}

static size_t sub_at(const PyObject *v, int depth, size_t n){
  return cache_at((const char *)v + depth, n);
}

static const struct sub_node *sub_node(const trec_snap *s, PyObject *v,
                                       int depth){
  const struct sub_node *n = &s->nodes[sub_at(v, depth, SUB_NODES)];
  return n->obj==v && n->depth==depth && n->gen>=s->frame_gen ? n : NULL;
}

/* The bit of path index at in s->refs. The path holds one node per depth
** below max_depth, which is less than 64. */
static uint64_t path_bit(const trec_snap *s, int at){
  assert( at>=s->path_base && at - s->path_base<64 );
  return (uint64_t)1 << (at - s->path_base);
}

/* Whether the ancestors c's REFs went to are on the path with their tags,
** and no other node on it is among c's look-ups; *refs gets their bits. */
static int sub_refs_found(const trec_snap *s, const struct sub_enc *c,
                          uint64_t *refs){
  uint64_t got = 0;
  int found = 0;
  for(int i=s->path_base; i<s->path_len; i++){
    if( !bloom_has(c->bloom, s->path[i]) ) continue;
    int j = 0;
    while( j<c->n_ref && c->ref[j]!=s->path[i] ) j++;
    if( j==c->n_ref || c->ref_tag[j]!=s->path_tag[i] ) return 0;
    got |= path_bit(s, i);
    found++;
  }
  *refs = got;
  return found==c->n_ref;
}

/* Whether c's encoding is what enc() would write at out now; *refs gets
** the path bits of the ancestors its REFs go to. Most encodings REF none,
** and then any node of the path among c's look-ups rules c out. */
static int sub_reusable(const trec_snap *s, const struct sub_enc *c,
                        const struct trec_buf *out, uint64_t *refs){
  if( out->len + c->data.len > s->budget_end ) return 0;
  if( c->n_ref ) return sub_refs_found(s, c, refs);
  *refs = 0;
  for(int i=s->path_base; i<s->path_len; i++)
    if( bloom_has(c->bloom, s->path[i]) ) return 0;
  return 1;
}

/* Containers and objects that enc() writes through enter(). */
static int sub_kind(PyObject *v){
  PyTypeObject *tp = Py_TYPE(v);
  if( tp->tp_flags & Py_TPFLAGS_HEAPTYPE )
    return !PyType_Check(v) && !PyExceptionInstance_Check(v);
  return tp==&PyList_Type || tp==&PyTuple_Type || tp==&PyDict_Type
         || tp==&PySet_Type || tp==&PyFrozenSet_Type;
}

static int sub_depth(const trec_snap *s, int depth){
  return (unsigned)depth - 1u < (unsigned)s->sub_depths;
}

/* enter() of v at depth, which this snapshot fingerprinted: its cached
** encoding copied (return 1), or else, when v's fingerprint is known, a
** level opened whose encoding sub_store() keeps at leave(). A level's
** s->sub_bloom gathers the addresses looked up on the path while it runs
** (one level per depth, so at most max_depth levels). */
static int sub_copy(trec_snap *s, PyObject *v, int depth,
                    struct trec_buf *out){
  const struct sub_node *n = sub_node(s, v, depth);
  if( n==NULL ) return 0;
  const struct sub_enc *c = &s->sub[sub_at(v, depth, SUB_CACHE)];
  uint64_t *bloom = s->sub_bloom[s->sub_level], refs;
  if( c->obj==v && c->depth==depth && c->fp==n->fp
      && sub_reusable(s, c, out, &refs) ){
    trec_buf_put(out, c->data.data, c->data.len);
    for(int i=0; i<SUB_BLOOM; i++) bloom[i] |= c->bloom[i];
    s->refs |= refs;
    return 1;
  }
  struct sub_level *l = &s->level[++s->sub_level];
  l->obj = v;
  l->fp = n->fp;
  l->depth = depth;
  l->at = s->path_len;
  l->refs = s->refs;
  l->start = out->len;
  s->refs = 0;
  memset(s->sub_bloom[s->sub_level], 0, sizeof s->sub_bloom[0]);
  return 0;
}

/* leave() of the node of the innermost level: its encoding kept, with the
** ancestors its REFs went to, unless they are more than SUB_REFS, or the
** budget cut it, or it is long. */
static void sub_store(trec_snap *s, const struct trec_buf *out){
  const struct sub_level *l = &s->level[s->sub_level];
  const uint64_t *mine = s->sub_bloom[s->sub_level];
  uint64_t *bloom = s->sub_bloom[--s->sub_level];
  uint64_t up = s->refs & (path_bit(s, l->at) - 1);
  int n_ref = 0;
  for(uint64_t b=up; b; b &= b - 1) n_ref++;
  if( n_ref<=SUB_REFS && !out->oom && out->len<=s->budget_end
      && out->len - l->start<=SUB_CACHE_MAX ){
    struct sub_enc *c = &s->sub[sub_at(l->obj, l->depth, SUB_CACHE)];
    c->n_ref = 0;
    for(int i=s->path_base; c->n_ref<n_ref; i++) if( up & path_bit(s, i) ){
      c->ref[c->n_ref] = s->path[i];
      c->ref_tag[c->n_ref++] = s->path_tag[i];
    }
    trec_buf_reset(&c->data);
    trec_buf_put(&c->data, out->data + l->start, out->len - l->start);
    c->obj = c->data.oom ? NULL : l->obj;
    c->depth = l->depth;
    c->fp = l->fp;
    memcpy(c->bloom, mine, sizeof c->bloom);
    c->data.oom = 0;
  }
  for(int i=0; i<SUB_BLOOM; i++) bloom[i] |= mine[i];
  s->refs |= l->refs;
}

/* A borrowed child. With capture_repr, a __repr__ may drop the last
** reference to anything we are walking: hold it while it is encoded. */
static void enc_child(trec_snap *s, PyObject *v, int depth,
                      struct trec_buf *out){
  if( !s->o.capture_repr ){
    enc(s, v, depth, out);
    return;
  }
  Py_INCREF(v);
  enc(s, v, depth, out);
  Py_DECREF(v);
}

static int over_budget(const trec_snap *s, const struct trec_buf *out){
  return out->len >= s->budget_end;
}

/* Where v is on the path, or -1; noted in s->sub_bloom either way (see
** sub_copy). */
static int path_find(trec_snap *s, PyObject *v){
  bloom_add(s->sub_bloom[s->sub_level], v);
  for(int i=s->path_base; i<s->path_len; i++) if( s->path[i]==v ) return i;
  return -1;
}

static int path_push(trec_snap *s, PyObject *v, enum trec_vtag tag){
  if( s->path_len>=s->path_cap ){
    int cap = s->path_cap ? 2*s->path_cap : 16;
    PyObject **p = realloc(s->path, (size_t)cap * sizeof *p);
    if( p==NULL ) return -1;
    s->path = p;
    unsigned char *t = realloc(s->path_tag, (size_t)cap);
    if( t==NULL ) return -1;
    s->path_tag = t;
    s->path_cap = cap;
  }
  s->path[s->path_len] = v;
  s->path_tag[s->path_len++] = (unsigned char)tag;
  return 0;
}

/* Container or object v about to be encoded with tag: a REF if it is its
** own ancestor, a TRUNC if too deep; else pushed on the path (return 1). */
static int enter(trec_snap *s, PyObject *v, enum trec_vtag tag, int depth,
                 uint64_t total, struct trec_buf *out){
  int at = path_find(s, v);
  if( at>=0 ){
    trec_venc_ref(out, obj_id(v), (enum trec_vtag)s->path_tag[at]);
    s->refs |= path_bit(s, at);
    return 0;
  }
  if( depth>=s->o.max_depth ){
    type_name(s, Py_TYPE(v));
    trec_venc_trunc(out, tag, obj_id(v), (const char *)s->tname.data,
                    s->tname.len, total);
    return 0;
  }
  if( s->sub_live && sub_copy(s, v, depth, out) ) return 0;
  if( path_push(s, v, tag) ){
    out->oom = 1;
    return 0;
  }
  return 1;
}

static void leave(trec_snap *s, const struct trec_buf *out){
  s->path_len--;
  if( s->sub_level && s->level[s->sub_level].at==s->path_len )
    sub_store(s, out);
}

static inline __attribute__((always_inline)) void
enc_str(trec_snap *s, PyObject *v, struct trec_buf *out){
  size_t len;
  Py_ssize_t cp;
  const char *u = str_utf8(s, v, s->o.max_str, &len, &cp);
  trec_venc_str(out, u, len, (uint64_t)PyUnicode_GET_LENGTH(v));
}

/* An int of more than one internal digit (enc_scalar takes the others). */
static void enc_long(trec_snap *s, PyObject *v, struct trec_buf *out){
  int overflow = 0, neg = 0;
  long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
  if( !overflow ){
    if( x==-1 && PyErr_Occurred() ) PyErr_Clear();
    trec_venc_int(out, (int64_t)x);
    return;
  }
  size_t want = (size_t)s->o.max_value_bytes + 16;
  if( s->mag_cap<want ){
    unsigned char *m = realloc(s->mag, want);
    if( m==NULL ){ out->oom = 1; return; }
    s->mag = m;
    s->mag_cap = want;
  }
  size_t n = trec_locals_long_bytes(v, s->mag, (size_t)s->o.max_value_bytes,
                                    &neg);
  if( n==0 ){
    trec_venc_trunc(out, TREC_V_BIGINT, obj_id(v), "int", 3, 0);
    return;
  }
  trec_venc_bigint(out, neg, s->mag, n);
}

/* n bytes at p as BYTES, cut at max_str: a bytes' or a bytearray's. */
static inline void enc_byte_run(trec_snap *s, const char *p, Py_ssize_t n,
                                struct trec_buf *out){
  trec_venc_bytes(out, p, (size_t)(n < s->o.max_str ? n : s->o.max_str), (uint64_t)n);
}

/* A bytes (or a subclass's content), its first max_str bytes. */
static inline void enc_bytes(trec_snap *s, PyObject *v, struct trec_buf *out){
  enc_byte_run(s, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v), out);
}

/* TUPLE/LIST/SET/FROZENSET/DICT/OBJECT headers promise min(total,
** max_items) items; at = where that count was written, for patch_count. */
static uint64_t put_count(trec_snap *s, uint64_t total, size_t *at,
                          struct trec_buf *out){
  uint64_t planned = total < (uint64_t)s->o.max_items ? total
                                                      : (uint64_t)s->o.max_items;
  trec_buf_put_varint(out, total);
  *at = out->len;
  trec_buf_put_varint(out, planned);
  return planned;
}

/* items: a tuple's items, or NULL for a list (read item by item). */
static void seq_body(trec_snap *s, PyObject *v, enum trec_vtag tag,
                     PyObject *const *items, Py_ssize_t total, int depth,
                     struct trec_buf *out){
  size_t at;
  trec_venc_tag(out, tag);
  trec_buf_put_varint(out, obj_id(v));
  uint64_t planned = put_count(s, (uint64_t)total, &at, out), i = 0;
  for(; i<planned && !over_budget(s, out); i++){
    if( items==NULL ){   /* a list: a __repr__ may have resized it */
      if( (Py_ssize_t)i>=PyList_GET_SIZE(v) ) break;
      enc_child(s, PyList_GET_ITEM(v, (Py_ssize_t)i), depth+1, out);
    }else{
      enc_child(s, items[i], depth+1, out);
    }
  }
  if( i<planned ) patch_count(out, at, planned, i);
}

static void enc_seq(trec_snap *s, PyObject *v, enum trec_vtag tag,
                    PyObject *const *items, Py_ssize_t total, int depth,
                    struct trec_buf *out){
  if( !enter(s, v, tag, depth, (uint64_t)total, out) ) return;
  seq_body(s, v, tag, items, total, depth, out);
  leave(s, out);
}

/* A set or frozenset's items (or a subclass's content). */
static void set_body(trec_snap *s, PyObject *v, enum trec_vtag tag, int depth,
                     struct trec_buf *out){
  Py_ssize_t pos = 0;
  PyObject *key;
  size_t at;
  trec_venc_tag(out, tag);
  trec_buf_put_varint(out, obj_id(v));
  uint64_t planned = put_count(s, (uint64_t)PySet_GET_SIZE(v), &at, out), i = 0;
  while( i<planned && !over_budget(s, out)
         && trec_locals_set_next(v, &pos, &key) ){
    enc_child(s, key, depth+1, out);
    i++;
  }
  if( i<planned ) patch_count(out, at, planned, i);
}

static void enc_set(trec_snap *s, PyObject *v, enum trec_vtag tag, int depth,
                    struct trec_buf *out){
  if( !enter(s, v, tag, depth, (uint64_t)PySet_GET_SIZE(v), out) ) return;
  set_body(s, v, tag, depth, out);
  leave(s, out);
}

/* redacted_key()'s miss in entry h: the verdict in the set's second way,
** or key matched against the patterns and kept in entry h (out of line:
** the names of a program are few, and hit). */
static __attribute__((noinline)) int redacted_key_fill(trec_snap *s,
                                                       PyObject *key,
                                                       size_t h){
  size_t len;
  Py_ssize_t cp;
  if( s->rcache[h+1].key==key ) return s->rcache[h+1].hit;
  if( !str_ready(key) ) return 0;
  const char *u = str_utf8(s, key, PY_SSIZE_T_MAX, &len, &cp);
  PyObject *old = s->rcache[h+1].key;
  s->rcache[h+1] = s->rcache[h];
  Py_INCREF(key);
  s->rcache[h].key = key;
  s->rcache[h].hit = (unsigned char)redacted_utf8(s, u, len);
  Py_XDECREF(old);
  return s->rcache[h].hit;
}

/* Whether a dict key or field name (any object) is a redacted name. */
static inline int redacted_key(trec_snap *s, PyObject *key){
  if( s->n_pat==0 || !PyUnicode_CheckExact(key) ) return 0;
  size_t h = set_at(key, REDACT_CACHE);
  if( s->rcache[h].key==key ) return s->rcache[h].hit;
  return redacted_key_fill(s, key, h);
}

/* A value stored under a name (dict key, attribute). */
static inline __attribute__((always_inline)) void
enc_named(trec_snap *s, int redacted, PyObject *v, int depth,
          struct trec_buf *out){
  if( redacted ){
    type_name(s, Py_TYPE(v));
    trec_venc_redacted(out, (const char *)s->tname.data, s->tname.len);
    return;
  }
  enc_child(s, v, depth, out);
}

static inline __attribute__((always_inline)) void
dict_body(trec_snap *s, PyObject *v, int depth, struct trec_buf *out){
  Py_ssize_t total = PyDict_GET_SIZE(v), pos = 0;
  PyObject *key, *val;
  size_t at;
  trec_venc_tag(out, TREC_V_DICT);
  trec_buf_put_varint(out, obj_id(v));
  uint64_t planned = put_count(s, (uint64_t)total, &at, out), i = 0;
  while( i<planned && !over_budget(s, out) && PyDict_Next(v, &pos, &key, &val) ){
    if( s->o.capture_repr ){ Py_INCREF(key); Py_INCREF(val); }
    enc_child(s, key, depth+1, out);
    enc_named(s, redacted_key(s, key), val, depth+1, out);
    if( s->o.capture_repr ){ Py_DECREF(key); Py_DECREF(val); }
    i++;
  }
  if( i<planned ) patch_count(out, at, planned, i);
}

static void enc_dict(trec_snap *s, PyObject *v, int depth,
                     struct trec_buf *out){
  if( !enter(s, v, TREC_V_DICT, depth, (uint64_t)PyDict_GET_SIZE(v), out) )
    return;
  dict_body(s, v, depth, out);
  leave(s, out);
}

/* __slots__ members of heap types along the MRO, listed once per type
** (walking the MRO's member tables for every object encoded was a tenth
** of the recorder's time on slotted objects). A listing is valid while
** the type keeps its version tag: assigning __bases__ drops it, and a new
** type at a freed type's address gets a fresh one. */
static int type_slots_walk(PyTypeObject *type, Py_ssize_t *pos,
                           PyMemberDef **out){
  PyObject *mro = type->tp_mro;
  Py_ssize_t k = 0;
  if( mro==NULL || !PyTuple_Check(mro) ) return 0;
  for(Py_ssize_t t=0; t<PyTuple_GET_SIZE(mro); t++){
    PyTypeObject *tp = (PyTypeObject *)PyTuple_GET_ITEM(mro, t);
    if( !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) || tp->tp_members==NULL ) continue;
    for(PyMemberDef *m=tp->tp_members; m->name!=NULL; m++){
      if( m->type!=Py_T_OBJECT_EX || (m->flags & Py_READONLY) ) continue;
      if( k++ < *pos ) continue;
      (*pos)++;
      *out = m;
      return 1;
    }
  }
  return 0;
}

/* type_slots()'s miss in the first way of set c: the second way's
** listing, or tp's listing made in c (the first moved to the second), or
** NULL. Kept out of line so that the hit, taken for nearly every object
** encoded or walked, is a few instructions inlined where it is asked. */
static __attribute__((noinline)) const struct type_slots *
type_slots_fill(trec_snap *s, PyTypeObject *tp, struct type_slots *c,
                unsigned int tag){
  Py_ssize_t pos = 0;
  PyMemberDef *m;
  int n = 0, cap = SLOTS_INLINE;
  struct slot_member *to;
  if( c[1].tp==tp && c[1].tag==tag ) return c + 1;
  free(c[1].big);
  c[1] = c[0];
  c->tp = NULL;
  c->big = NULL;
  to = c->m;
  while( type_slots_walk(tp, &pos, &m) ){
    if( n==cap ){
      struct slot_member *p = realloc(c->big, 2 * (size_t)cap * sizeof *p);
      if( p==NULL ) return NULL;
      if( c->big==NULL ) memcpy(p, c->m, sizeof c->m);
      c->big = to = p;
      cap *= 2;
    }
    to[n].offset = m->offset;
    to[n].name = m->name;
    to[n].name_len = strlen(m->name);
    to[n].redacted = (unsigned char)(s->n_pat
                                     && redacted_utf8(s, m->name, to[n].name_len));
    n++;
  }
  c->tp = tp;
  c->tag = tag;
  c->n = n;
  return c;
}

/* The cached listing of tp's slots, or NULL when it cannot be cached (no
** valid version tag, or no memory for a long listing): then walked each
** time. */
static inline const struct type_slots *type_slots(trec_snap *s,
                                                  PyTypeObject *tp){
  unsigned int tag = type_tag(s, tp);
  struct type_slots *c = &s->scache[set_at(tp, SLOT_CACHE)];
  if( tag==0 ) return NULL;
  if( c->tp==tp && c->tag==tag ) return c;
  return type_slots_fill(s, tp, c, tag);
}

/* Iterate v's slot members: (name and its length, Borrowed value or NULL
** when unset, whether the name is redacted). The listing is looked up at each step,
** not held: encoding a member's value may reuse its cache entry for another
** type. The cached listing and the walk count members alike, so *pos means
** the same in both. */
static inline __attribute__((always_inline)) int
slot_members(trec_snap *s, PyObject *v, Py_ssize_t *pos, const char **name,
             size_t *name_len, PyObject **val, int *redacted){
  const struct type_slots *ts = type_slots(s, Py_TYPE(v));
  Py_ssize_t off;
  if( ts!=NULL ){
    if( *pos>=ts->n ) return 0;
    const struct slot_member *sm = &ts_members(ts)[*pos];
    off = sm->offset;
    *name = sm->name;
    *name_len = sm->name_len;
    *redacted = sm->redacted;
    (*pos)++;
  }else{
    PyMemberDef *m;
    if( !type_slots_walk(Py_TYPE(v), pos, &m) ) return 0;
    off = m->offset;
    *name = m->name;
    *name_len = strlen(m->name);
    *redacted = s->n_pat && redacted_utf8(s, m->name, *name_len);
  }
  *val = *(PyObject **)((char *)v + off);
  return 1;
}

/* How many of v's slot members are set. The listing is held: nothing is
** encoded meanwhile (see slot_members). This and field_total() are forced
** inline: with fp_object_bound() as a third caller GCC made them calls,
** and stdlib_mix took 1.7% more instructions. */
static inline __attribute__((always_inline)) uint64_t
slot_count(trec_snap *s, PyObject *v){
  const struct type_slots *ts = type_slots(s, Py_TYPE(v));
  uint64_t n = 0;
  if( ts!=NULL ){
    const struct slot_member *sm = ts_members(ts);
    for(int k=0; k<ts->n; k++)
      if( *(PyObject **)((char *)v + sm[k].offset)!=NULL ) n++;
    return n;
  }
  Py_ssize_t pos = 0;
  const char *name;
  size_t name_len;
  PyObject *val;
  int red;
  while( slot_members(s, v, &pos, &name, &name_len, &val, &red) ) if( val ) n++;
  return n;
}

/* The total an OBJECT header gives: every field of v, also those past
** max_items; *slots gets how many are slot members. dict: v's instance
** dict, or NULL when its attributes are inline or it has none. */
static inline __attribute__((always_inline)) uint64_t
field_total(trec_snap *s, PyObject *v, PyObject *dict,
            uint64_t *slots){
  *slots = slot_count(s, v);
  return *slots + (dict ? (uint64_t)PyDict_GET_SIZE(dict)
                        : (uint64_t)trec_locals_inline_count(v));
}

/* An instance's fields, from its dict (or inline values) then its slot
** members, as OBJECT and TYPED store them: up to planned in all, counting
** from i. @return the count written. */
static inline __attribute__((always_inline)) uint64_t
put_fields(trec_snap *s, PyObject *v, PyObject *dict, uint64_t slots,
           uint64_t planned, uint64_t i, int depth, struct trec_buf *out){
  PyObject *key, *val;
  Py_ssize_t pos = 0, cp, k = 0, n = -1;
  const char *mname, *u;
  size_t mlen;
  size_t len;
  int red;
  PyObject *vals[FP_INLINE_MAX], *names[FP_INLINE_MAX];
  uint32_t ix[FP_INLINE_MAX];
  const void *keys;
  /* inline values read at once: no program code runs while the fields
  ** are encoded, unless capture_repr */
  if( dict==NULL && !s->o.capture_repr && planned - i<=FP_INLINE_MAX )
    n = trec_locals_inline_items(v, (Py_ssize_t)(planned - i), vals, ix, names,
                                 &keys);
  while( i<planned && !over_budget(s, out) ){
    if( n>=0 ){
      if( k==n ) break;
      key = names[k];
      val = vals[k++];
    }else if( !(dict ? PyDict_Next(dict, &pos, &key, &val)
                     : trec_locals_inline_next(v, &pos, &key, &val)) ){
      break;
    }
    if( PyUnicode_CheckExact(key) && str_ready(key) ){
      u = str_utf8(s, key, PY_SSIZE_T_MAX, &len, &cp);
      trec_venc_name(out, u, len);
      enc_named(s, redacted_key(s, key), val, depth+1, out);
    }else{
      trec_venc_name(out, "?", 1);
      enc_child(s, val, depth+1, out);
    }
    i++;
  }
  pos = 0;
  while( slots && i<planned && !over_budget(s, out)
         && slot_members(s, v, &pos, &mname, &mlen, &val, &red) ){
    if( val==NULL ) continue;
    trec_venc_name(out, mname, mlen);
    enc_named(s, red, val, depth+1, out);
    i++;
  }
  return i;
}

static PyObject *dict_get(PyObject *d, PyObject *k){
  PyObject *v = (d && PyDict_Check(d)) ? PyDict_GetItemWithError(d, k) : NULL;
  if( v==NULL && PyErr_Occurred() ) PyErr_Clear();
  return v;
}

/* An instance attribute from its dict or inline values (Borrowed), no
** getattr. name must be an exact str. */
static PyObject *instance_get(PyObject *obj, PyObject *name){
  PyObject *d = trec_locals_instance_dict(obj), *k, *v;
  Py_ssize_t pos = 0;
  if( d!=NULL ) return dict_get(d, name);
  while( trec_locals_inline_next(obj, &pos, &k, &v) )
    if( k==name || (PyUnicode_CheckExact(k) && PyUnicode_Compare(k, name)==0) )
      return v;
  if( PyErr_Occurred() ) PyErr_Clear();
  return NULL;
}

/* ---- subclasses of builtins (TYPED) ----
**
** An instance of a subclass of dict, list, tuple, str, bytes or int
** (Counter, OrderedDict, defaultdict, namedtuples, IntEnum and StrEnum
** members, a program's own subclasses) holds its content in the
** builtin's own structure, which the builtin's C code reads as well, so
** the encoder reads it as it reads the builtin's, then the instance's
** fields. How Python prints it comes from the class its __repr__ is
** inherited from (typed_form). */

/* The builtin whose structure tp's instances hold (the tag of its value),
** or 0: a subclass of one of the builtins CPython flags its subclasses of,
** so that the test costs every object fingerprinted one mask. Subclasses
** of float, set and frozenset (found only by walking the bases) stay
** OBJECT, as every instance did before format 5.0. */
#define TYPED_FLAGS (Py_TPFLAGS_DICT_SUBCLASS | Py_TPFLAGS_LIST_SUBCLASS \
                     | Py_TPFLAGS_TUPLE_SUBCLASS | Py_TPFLAGS_LONG_SUBCLASS \
                     | Py_TPFLAGS_UNICODE_SUBCLASS | Py_TPFLAGS_BYTES_SUBCLASS)

static __attribute__((noinline)) enum trec_vtag typed_kind_of(unsigned long f){
  if( f & Py_TPFLAGS_BASE_EXC_SUBCLASS ) return (enum trec_vtag)0;
  if( f & Py_TPFLAGS_DICT_SUBCLASS ) return TREC_V_DICT;
  if( f & Py_TPFLAGS_LIST_SUBCLASS ) return TREC_V_LIST;
  if( f & Py_TPFLAGS_TUPLE_SUBCLASS ) return TREC_V_TUPLE;
  if( f & Py_TPFLAGS_LONG_SUBCLASS ) return TREC_V_INT;
  if( f & Py_TPFLAGS_UNICODE_SUBCLASS ) return TREC_V_STR;
  return TREC_V_BYTES;
}

static inline __attribute__((always_inline)) enum trec_vtag
typed_kind(PyTypeObject *tp){
  unsigned long f = tp->tp_flags;
  return (f & TYPED_FLAGS) ? typed_kind_of(f) : (enum trec_vtag)0;
}

static PyTypeObject *kind_type(enum trec_vtag kind){
  switch( kind ){
  case TREC_V_DICT: return &PyDict_Type;
  case TREC_V_LIST: return &PyList_Type;
  case TREC_V_TUPLE: return &PyTuple_Type;
  case TREC_V_INT: return &PyLong_Type;
  case TREC_V_STR: return &PyUnicode_Type;
  default: return &PyBytes_Type;
  }
}

/* collections.deque's layout, the fields every version from 3.9 to 3.13
** starts with (Modules/_collectionsmodule.c), read as the deque's own C
** code reads them. kin_find() takes a type for deque only when its size
** is the one its version's layout gives. */
#define DEQUE_BLOCKLEN 64
struct deque_block {
  struct deque_block *leftlink;
  PyObject *data[DEQUE_BLOCKLEN];
  struct deque_block *rightlink;
};
struct deque_head {
  PyObject_VAR_HEAD
  struct deque_block *leftblock, *rightblock;
  Py_ssize_t leftindex, rightindex;
  size_t state;               /* moves at every change of the items */
  Py_ssize_t maxlen;          /* -1: unbounded */
};
#if PY_VERSION_HEX >= 0x030B0000
#define DEQUE_BASICSIZE (sizeof(struct deque_head) + 18 * sizeof(void *))
#else
#define DEQUE_BASICSIZE (sizeof(struct deque_head) + sizeof(void *))
#endif

/* Whether the type name type_name() gave is want. */
static int name_is(const trec_snap *s, const char *want){
  return s->tname.len==strlen(want)
      && !memcmp(s->tname.data, want, s->tname.len);
}

/* The form (enum trec_vform) of tp's instances: found from the class
** whose __repr__ they use, the first along the MRO whose dict has one
** (a builtin's: the first whose repr slot differs from its base's).
** builtin's own repr gives them the form inherited. */
static __attribute__((cold)) unsigned
typed_form_find(trec_snap *s, PyTypeObject *tp, PyTypeObject *builtin,
                unsigned inherited){
  PyObject *mro = tp->tp_mro;
  PyTypeObject *own = NULL;
  if( tp->tp_repr==builtin->tp_repr ) return inherited;
  for(Py_ssize_t i=0; mro && PyTuple_Check(mro) && i<PyTuple_GET_SIZE(mro); i++){
    PyTypeObject *b = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
    if( b->tp_flags & Py_TPFLAGS_HEAPTYPE ){
      if( dict_get(b->tp_dict, s->s_repr)!=NULL ){ own = b; break; }
    }else if( b->tp_base==NULL || b->tp_repr!=b->tp_base->tp_repr ){
      own = b;
      break;
    }
  }
  if( own==NULL ) return TREC_FORM_CALL;
  if( own==builtin ) return inherited;
  /* by name: _collections' types are heap types from 3.13 on */
  type_name(s, own);
  if( name_is(s, "collections.OrderedDict") )
#if PY_VERSION_HEX >= 0x030C0000
    return TREC_FORM_CALL | TREC_FORM_EMPTY_BARE;
#else
    return TREC_FORM_CALL | TREC_FORM_EMPTY_BARE | TREC_FORM_ITEMS;
#endif
  if( name_is(s, "collections.defaultdict") ) return TREC_FORM_FACTORY;
  if( name_is(s, "collections.Counter") )
    return TREC_FORM_CALL | TREC_FORM_EMPTY_BARE | TREC_FORM_BY_VALUE;
  if( s->tname.len>5 && !memcmp(s->tname.data, "enum.", 5) ) return TREC_FORM_ENUM;
  if( !(own->tp_flags & Py_TPFLAGS_HEAPTYPE) ) return TREC_FORM_CALL;
  if( builtin==&PyTuple_Type && dict_get(own->tp_dict, s->s_make)!=NULL ){
    PyObject *f = dict_get(own->tp_dict, s->s_fields);
    if( f!=NULL && PyTuple_CheckExact(f) ) return TREC_FORM_NAMED;
  }
  return TREC_FORM_CALL;
}

/* tp's entry in the form cache, which typed_form() and kin_of() share: a
** type is asked of by one of them only (kin_of() of the types no flag
** marks). *hit: whether it holds tp's answer; else the entry is its set's
** first, which form_keep() fills. Two-way: on 3.13 the deque of asyncio's
** ready handles shared a direct-mapped entry with another type its walks
** meet, and was looked up along its MRO again 160 k times in async_tasks
** at scale 0.02. No entry is kept for a type without a valid version tag
** (*tag 0). */
static inline struct form_entry *form_entry(trec_snap *s, PyTypeObject *tp,
                                            unsigned int *tag, int *hit){
  struct form_entry *e = &s->fcache[set_at(tp, FORM_CACHE)];
  *tag = type_tag(s, tp);
  *hit = 0;
  for(int k=0; *tag && k<2; k++){
    if( e[k].tp==tp && e[k].tag==*tag ){
      *hit = 1;
      return &e[k];
    }
  }
  return e;
}

static inline void form_keep(struct form_entry *e, PyTypeObject *tp,
                             unsigned int tag, unsigned kind, unsigned form){
  if( !tag ) return;
  e[1] = e[0];
  e->tp = tp;
  e->tag = tag;
  e->kind = (unsigned char)kind;
  e->form = (unsigned char)form;
}

static unsigned typed_form(trec_snap *s, PyTypeObject *tp, enum trec_vtag kind){
  unsigned int tag;
  int hit;
  struct form_entry *e = form_entry(s, tp, &tag, &hit);
  unsigned form;
  if( hit ) return e->form;
  form = typed_form_find(s, tp, kind_type(kind), TREC_FORM_BASE);
  if( PyErr_Occurred() ) PyErr_Clear();
  form_keep(e, tp, tag, 0, form);   /* no kin: flags tell its kind */
  return form;
}

/* A defaultdict's default_factory, read from its member (no getattr). */
static __attribute__((cold)) PyObject *factory_of(PyObject *v){
  for(PyTypeObject *b=Py_TYPE(v); b!=NULL; b=b->tp_base){
    for(PyMemberDef *m=b->tp_members; m && m->name; m++)
      if( (m->type==Py_T_OBJECT || m->type==Py_T_OBJECT_EX)
       && !strcmp(m->name, "default_factory") )
        return *(PyObject **)((char *)v + m->offset);
  }
  return NULL;
}

/* A namedtuple's fields: its _fields names, each with its item. */
static __attribute__((cold)) void
typed_named(trec_snap *s, PyObject *v, int depth, struct trec_buf *out){
  PyObject *names = _PyType_Lookup(Py_TYPE(v), s->s_fields), *name;
  Py_ssize_t total = names && PyTuple_CheckExact(names)
                     ? PyTuple_GET_SIZE(names) : 0;
  Py_ssize_t cp;
  size_t at, len;
  const char *u;
  uint64_t planned = put_count(s, (uint64_t)total, &at, out), i = 0;
  for(; i<planned && !over_budget(s, out); i++){
    name = PyTuple_GET_ITEM(names, (Py_ssize_t)i);
    if( (Py_ssize_t)i>=PyTuple_GET_SIZE(v) || !PyUnicode_CheckExact(name)
     || !str_ready(name) ) break;
    u = str_utf8(s, name, PY_SSIZE_T_MAX, &len, &cp);
    trec_venc_name(out, u, len);
    enc_named(s, redacted_key(s, name), PyTuple_GET_ITEM(v, (Py_ssize_t)i),
              depth+1, out);
  }
  if( i<planned ) patch_count(out, at, planned, i);
}

/* A namedtuple's content: its items as a TUPLE's, each withheld when
** the name of its field is a redacted one (it is shown under that name). */
static __attribute__((cold)) void
named_body(trec_snap *s, PyObject *v, int depth, struct trec_buf *out){
  PyObject *names = _PyType_Lookup(Py_TYPE(v), s->s_fields);
  Py_ssize_t total = PyTuple_GET_SIZE(v), nn = 0;
  size_t at;
  uint64_t planned, i = 0;
  if( names!=NULL && PyTuple_CheckExact(names) ) nn = PyTuple_GET_SIZE(names);
  trec_venc_tag(out, TREC_V_TUPLE);
  trec_buf_put_varint(out, obj_id(v));
  planned = put_count(s, (uint64_t)total, &at, out);
  for(; i<planned && !over_budget(s, out); i++){
    PyObject *name = (Py_ssize_t)i<nn ? PyTuple_GET_ITEM(names, (Py_ssize_t)i) : NULL;
    enc_named(s, name!=NULL && redacted_key(s, name),
              PyTuple_GET_ITEM(v, (Py_ssize_t)i), depth+1, out);
  }
  if( i<planned ) patch_count(out, at, planned, i);
}

/* The fields after a TYPED's content: a namedtuple's named items; a
** defaultdict's default_factory first; then the instance's attributes.
** A scalar's at the depth bound (no path entry stops a cycle through its
** attributes there) keep only an enum member's name. */
static __attribute__((cold)) void
typed_fields(trec_snap *s, PyObject *v, enum trec_vtag kind, unsigned form,
             int depth, struct trec_buf *out){
  PyObject *dict = NULL, *factory = NULL;
  uint64_t slots = 0, total = 0, planned, i = 0;
  int factory_form = (form & TREC_FORM_SHAPE)==TREC_FORM_FACTORY;
  size_t at;
  if( (form & TREC_FORM_SHAPE)==TREC_FORM_NAMED ){
    typed_named(s, v, depth, out);
    return;
  }
  if( factory_form ){
    factory = factory_of(v);
    total = 1;
  }else if( form & TREC_FORM_KEYWORD ){
    total = 1;
  }
  if( Py_TYPE(v)->tp_getattro==PyObject_GenericGetAttr ){
    dict = trec_locals_instance_dict(v);
    if( dict!=NULL && !PyDict_Check(dict) ) dict = NULL;
    total += field_total(s, v, dict, &slots);
  }
  if( kind<TREC_V_TUPLE && depth>=s->o.max_depth ){
    PyObject *name = (form & TREC_FORM_SHAPE)==TREC_FORM_ENUM
                     ? instance_get(v, s->s_name_) : NULL;
    int one = name!=NULL && PyUnicode_CheckExact(name) && str_ready(name);
    trec_buf_put_varint(out, total);
    trec_buf_put_varint(out, (uint64_t)one);
    if( one ){
      trec_venc_name(out, "_name_", 6);
      enc_str(s, name, out);
    }
    return;
  }
  planned = put_count(s, total, &at, out);
  if( factory_form && planned>0 ){
    trec_venc_name(out, "default_factory", 15);
    if( factory ) enc_child(s, factory, depth+1, out);
    else trec_venc_none(out);
    i = 1;
  }else if( (form & TREC_FORM_KEYWORD) && planned>0 ){
    Py_ssize_t maxlen = ((struct deque_head *)v)->maxlen;
    trec_venc_name(out, "maxlen", 6);
    if( maxlen<0 ) trec_venc_none(out);
    else trec_venc_int(out, (int64_t)maxlen);
    i = 1;
  }
  if( dict!=NULL && s->o.capture_repr ) Py_INCREF(dict);
  i = put_fields(s, v, dict, slots, planned, i, depth, out);
  if( dict!=NULL && s->o.capture_repr ) Py_DECREF(dict);
  if( i<planned ) patch_count(out, at, planned, i);
}

static Py_ssize_t typed_len(PyObject *v, enum trec_vtag kind){
  return kind==TREC_V_DICT ? PyDict_GET_SIZE(v) : Py_SIZE(v);
}

static __attribute__((cold)) void
enc_typed(trec_snap *s, PyObject *v, enum trec_vtag kind, int depth,
          struct trec_buf *out){
  PyTypeObject *tp = Py_TYPE(v);
  unsigned form = typed_form(s, tp, kind);
  int container = kind>=TREC_V_TUPLE;
  if( container && !enter(s, v, kind, depth, (uint64_t)typed_len(v, kind), out) )
    return;
  type_name(s, tp);
  trec_venc_typed(out, (const char *)s->tname.data, s->tname.len, form);
  switch( kind ){
  case TREC_V_INT: enc_long(s, v, out); break;
  case TREC_V_STR:
    if( str_ready(v) ) enc_str(s, v, out);
    else trec_venc_trunc(out, TREC_V_STR, 0, "str", 3, 0);
    break;
  case TREC_V_BYTES: enc_bytes(s, v, out); break;
  case TREC_V_TUPLE:
    if( (form & TREC_FORM_SHAPE)==TREC_FORM_NAMED ) named_body(s, v, depth, out);
    else seq_body(s, v, kind, ((PyTupleObject *)v)->ob_item, PyTuple_GET_SIZE(v),
                  depth, out);
    break;
  case TREC_V_LIST:
    seq_body(s, v, kind, NULL, PyList_GET_SIZE(v), depth, out);
    break;
  default: dict_body(s, v, depth, out); break;
  }
  typed_fields(s, v, kind, form, depth, out);
  if( container ) leave(s, out);
}

/* ---- kin of the builtins: TYPED without a type flag (format 6.0) ----
**
** Subclasses of float, set and frozenset, collections.deque, bytearray
** and their subclasses, and the members of plain Enum classes are TYPED as
** well. No flag of CPython's tells them, so a per-type look along the MRO
** decides, cached by version tag (kin_of). The common instance skips even
** that: its class does not define __new__, and every one of these kin does
** (float_new, set_new, frozenset_new, deque_new, bytearray's
** PyType_GenericNew; Enum.__new__). */
enum kin { KIN_NONE, KIN_FLOAT, KIN_SET, KIN_FROZENSET, KIN_DEQUE, KIN_ENUM,
           KIN_ENUM_TYPE, /* enum's metaclass: an Enum class is REPR */
           KIN_STDREPR,   /* REPR (stdrepr.h), its enum trec_stdrepr as form */
           KIN_BYTEARRAY  /* TYPED around its bytes: bytearray(b'...') */ };

static inline int kin_maybe(const trec_snap *s, PyTypeObject *tp){
  return tp->tp_new!=s->object_new;
}

/* The kin of tp (enum kin) and *form, the form its instances print by. An
** Enum member is TYPED only when its __repr__ is enum's own: another would
** be a guess at code replay does not run. */
static __attribute__((noinline, cold)) enum kin
kin_find(trec_snap *s, PyTypeObject *tp, unsigned *form){
  PyObject *mro = tp->tp_mro;
  for(Py_ssize_t i=0; mro && PyTuple_Check(mro) && i<PyTuple_GET_SIZE(mro); i++){
    PyTypeObject *b = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
    if( b==&PyFloat_Type ){
      *form = typed_form_find(s, tp, b, TREC_FORM_BASE);
      return KIN_FLOAT;
    }
    if( b==&PyByteArray_Type ){
      *form = typed_form_find(s, tp, b, TREC_FORM_CALL);
      return KIN_BYTEARRAY;
    }
    if( b==&PySet_Type || b==&PyFrozenSet_Type ){
      /* set_repr prints a subclass as Name({...}), or Name() */
      *form = typed_form_find(s, tp, b, TREC_FORM_CALL | TREC_FORM_EMPTY_BARE);
      return b==&PySet_Type ? KIN_SET : KIN_FROZENSET;
    }
    if( b==&PyBaseObject_Type ) break;
    type_name(s, b);
    if( i==0 && (*form = trec_stdrepr_kind(b, (const char *)s->tname.data,
                                           s->tname.len))!=TREC_STDREPR_NONE )
      return KIN_STDREPR;
    if( b==s->deque_type || (name_is(s, "collections.deque")
                             && (size_t)b->tp_basicsize==DEQUE_BASICSIZE) ){
      s->deque_type = b;
      *form = typed_form_find(s, tp, b, TREC_FORM_CALL | TREC_FORM_KEYWORD);
      return KIN_DEQUE;
    }
    if( name_is(s, "enum.Enum") || name_is(s, "enum.EnumType")
        || name_is(s, "enum.EnumMeta") ){
      int meta = !name_is(s, "enum.Enum");
      *form = typed_form_find(s, tp, meta ? &PyType_Type : &PyBaseObject_Type,
                              TREC_FORM_CALL);
      if( PyErr_Occurred() ) PyErr_Clear();
      if( *form!=TREC_FORM_ENUM ) return KIN_NONE;
      return meta ? KIN_ENUM_TYPE : KIN_ENUM;
    }
  }
  if( PyErr_Occurred() ) PyErr_Clear();
  return KIN_NONE;
}

static inline enum kin kin_of(trec_snap *s, PyTypeObject *tp, unsigned *form){
  unsigned int tag;
  int hit;
  struct form_entry *e = form_entry(s, tp, &tag, &hit);
  enum kin k;
  if( hit ){
    *form = e->form;
    return (enum kin)e->kind;
  }
  k = kin_find(s, tp, form);
  form_keep(e, tp, tag, k, *form);
  return k;
}

/* The deque item at block *b, index *ix, which then move to the next. */
static inline PyObject *deque_next(struct deque_block **b, Py_ssize_t *ix){
  if( *ix==DEQUE_BLOCKLEN ){
    *b = (*b)->rightlink;
    *ix = 0;
  }
  return (*b)->data[(*ix)++];
}

/* A deque's items as a LIST's: the first max_items, read block by block.
** A capture_repr __repr__ that changes the deque ends them, as it ends
** the deque's own iterator. */
static void deque_body(trec_snap *s, PyObject *v, int depth,
                       struct trec_buf *out){
  struct deque_head *d = (struct deque_head *)v;
  struct deque_block *b = d->leftblock;
  Py_ssize_t ix = d->leftindex;
  size_t state = d->state, at;
  trec_venc_tag(out, TREC_V_LIST);
  trec_buf_put_varint(out, obj_id(v));
  uint64_t planned = put_count(s, (uint64_t)Py_SIZE(v), &at, out), i = 0;
  for(; i<planned && !over_budget(s, out) && d->state==state; i++)
    enc_child(s, deque_next(&b, &ix), depth+1, out);
  if( i<planned ) patch_count(out, at, planned, i);
}

static inline __attribute__((always_inline)) void
enc_object_plain(trec_snap *s, PyObject *v, int depth, struct trec_buf *out);

/* The fields a plain Enum member keeps at the depth bound, as an int
** enum keeps its _name_: its _name_ when a str, its _value_ unless another
** plain member (whose own _value_ would follow, member after member; an
** int enum's content is a scalar). kin_of() is asked of unflagged types
** only, as everywhere: it would take an int enum for a plain one. */
static void enum_bound_fields(trec_snap *s, PyObject *v, PyObject **name,
                              PyObject **value){
  unsigned form;
  *name = instance_get(v, s->s_name_);
  *value = instance_get(v, s->s_value_);
  if( *name!=NULL && !PyUnicode_CheckExact(*name) ) *name = NULL;
  if( *value!=NULL && !typed_kind(Py_TYPE(*value)) && kin_maybe(s, Py_TYPE(*value))
   && kin_of(s, Py_TYPE(*value), &form)==KIN_ENUM ) *value = NULL;
}

/* A plain Enum member: TYPED (ENUM) around its OBJECT, so that readers
** print <Color.RED: 1> and index nothing. */
static void enc_enum(trec_snap *s, PyObject *v, unsigned form, int depth,
                     struct trec_buf *out){
  PyTypeObject *tp = Py_TYPE(v);
  if( path_find(s, v)>=0 ){
    enc_object_plain(s, v, depth, out);   /* a cycle: its REF */
    return;
  }
  type_name(s, tp);
  trec_venc_typed(out, (const char *)s->tname.data, s->tname.len, form);
  if( depth<s->o.max_depth ){
    enc_object_plain(s, v, depth, out);
  }else{
    PyObject *dict = trec_locals_instance_dict(v), *name, *value;
    uint64_t slots = 0, total, n = 0;
    size_t at;
    if( dict!=NULL && !PyDict_Check(dict) ) dict = NULL;
    total = field_total(s, v, dict, &slots);
    enum_bound_fields(s, v, &name, &value);
    type_name(s, tp);   /* enum_bound_fields() may have named another type */
    trec_venc_tag(out, TREC_V_OBJECT);
    trec_buf_put_varint(out, obj_id(v));
    trec_venc_name(out, (const char *)s->tname.data, s->tname.len);
    uint64_t planned = put_count(s, total, &at, out);
    if( name!=NULL && n<planned ){
      trec_venc_name(out, "_name_", 6);
      enc_named(s, redacted_key(s, s->s_name_), name, depth+1, out);
      n++;
    }
    if( value!=NULL && n<planned ){
      trec_venc_name(out, "_value_", 7);
      enc_named(s, redacted_key(s, s->s_value_), value, depth+1, out);
      n++;
    }
    if( n<planned ) patch_count(out, at, planned, n);
  }
  trec_buf_put_varint(out, 0);
  trec_buf_put_varint(out, 0);
}

static void put_repr(trec_snap *s, PyTypeObject *tp, struct trec_buf *out);
static void quote_text(void *ctx, PyObject *u);

static __attribute__((cold)) void
enc_kin(trec_snap *s, PyObject *v, enum kin k, unsigned form, int depth,
        struct trec_buf *out){
  PyTypeObject *tp = Py_TYPE(v);
  enum trec_vtag tag = k==KIN_SET ? TREC_V_SET
                     : k==KIN_FROZENSET ? TREC_V_FROZENSET : TREC_V_LIST;
  switch( k ){
  case KIN_ENUM:
    enc_enum(s, v, form, depth, out);
    return;
  case KIN_STDREPR:
    trec_buf_reset(&s->text);
    if( trec_stdrepr_text(v, (enum trec_stdrepr)form, (size_t)s->o.max_str,
                          quote_text, s, &s->text) )
      put_repr(s, tp, out);
    else
      enc_object_plain(s, v, depth, out);
    return;
  case KIN_FLOAT:
    type_name(s, tp);
    trec_venc_typed(out, (const char *)s->tname.data, s->tname.len, form);
    trec_venc_float(out, PyFloat_AS_DOUBLE(v));
    typed_fields(s, v, TREC_V_FLOAT, form, depth, out);
    return;
  case KIN_BYTEARRAY:
    type_name(s, tp);
    trec_venc_typed(out, (const char *)s->tname.data, s->tname.len, form);
    enc_byte_run(s, PyByteArray_AS_STRING(v), PyByteArray_GET_SIZE(v), out);
    typed_fields(s, v, TREC_V_BYTES, form, depth, out);
    return;
  default:
    break;
  }
  if( !enter(s, v, tag, depth, (uint64_t)(k==KIN_DEQUE ? Py_SIZE(v)
                                                       : PySet_GET_SIZE(v)), out) )
    return;
  type_name(s, tp);
  trec_venc_typed(out, (const char *)s->tname.data, s->tname.len, form);
  if( k==KIN_DEQUE ) deque_body(s, v, depth, out);
  else set_body(s, v, tag, depth, out);
  typed_fields(s, v, tag, form, depth, out);
  leave(s, out);
}

static void enc_object(trec_snap *s, PyObject *v, int depth,
                       struct trec_buf *out){
  PyTypeObject *tp = Py_TYPE(v);
  enum trec_vtag kind = typed_kind(tp);
  enum kin k;
  unsigned form;
  if( kind ){
    enc_typed(s, v, kind, depth, out);
    return;
  }
  if( kin_maybe(s, tp) && (k = kin_of(s, tp, &form))!=KIN_NONE ){
    enc_kin(s, v, k, form, depth, out);
    return;
  }
  enc_object_plain(s, v, depth, out);
}

/* An instance as OBJECT (inlined: enc_object() is its caller for nearly
** every object). */
static inline __attribute__((always_inline)) void
enc_object_plain(trec_snap *s, PyObject *v, int depth, struct trec_buf *out){
  PyTypeObject *tp = Py_TYPE(v);
  PyObject *dict = NULL;
  uint64_t total = 0, slots = 0;
  int fields = tp->tp_getattro==PyObject_GenericGetAttr;
  if( fields ){
    dict = trec_locals_instance_dict(v);
    if( dict!=NULL && !PyDict_Check(dict) ) dict = NULL;
    total = field_total(s, v, dict, &slots);
  }
  size_t at;
  if( !enter(s, v, TREC_V_OBJECT, depth, total, out) ) return;
  if( dict!=NULL && s->o.capture_repr ) Py_INCREF(dict);
  type_name(s, tp);
  trec_venc_tag(out, TREC_V_OBJECT);
  trec_buf_put_varint(out, obj_id(v));
  trec_venc_name(out, (const char *)s->tname.data, s->tname.len);
  uint64_t planned = put_count(s, total, &at, out), i = 0;
  if( fields ) i = put_fields(s, v, dict, slots, planned, 0, depth, out);
  if( dict!=NULL && s->o.capture_repr ) Py_DECREF(dict);
  if( i<planned ) patch_count(out, at, planned, i);
  leave(s, out);
}

static void enc_exc(trec_snap *s, PyObject *v, int depth, struct trec_buf *out){
  PyObject *args = ((PyBaseExceptionObject *)v)->args;
  int at = path_find(s, v);
  if( at>=0 ){
    trec_venc_ref(out, obj_id(v), TREC_V_EXC);
    s->refs |= path_bit(s, at);
    return;
  }
  if( depth>=s->o.max_depth ){
    type_name(s, Py_TYPE(v));
    trec_venc_trunc(out, TREC_V_EXC, obj_id(v), (const char *)s->tname.data,
                    s->tname.len, args && PyTuple_CheckExact(args)
                                  ? (uint64_t)PyTuple_GET_SIZE(args) : 0);
    return;
  }
  if( path_push(s, v, TREC_V_EXC) ){ out->oom = 1; return; }
  type_name(s, Py_TYPE(v));
  trec_venc_exc(out, obj_id(v), (const char *)s->tname.data, s->tname.len);
  /* The args tuple, one level down, is part of the EXC value: never a
  ** TRUNC or REF itself. */
  if( args!=NULL && PyTuple_CheckExact(args) ){
    Py_INCREF(args);    /* a capture_repr __repr__ could replace e.args */
    seq_body(s, args, TREC_V_TUPLE, ((PyTupleObject *)args)->ob_item,
             PyTuple_GET_SIZE(args), depth+1, out);
    Py_DECREF(args);
  }else{
    trec_venc_container(out, TREC_V_TUPLE, args ? obj_id(args) : 0, 0, 0);
  }
  leave(s, out);
}

static void put_repr(trec_snap *s, PyTypeObject *tp, struct trec_buf *out){
  type_name(s, tp);
  trec_venc_repr(out, (const char *)s->tname.data, s->tname.len,
                 (const char *)s->text.data, s->text.len);
}

/* Python's repr of a str (quotes chosen as unicode_repr does), for module
** names and paths; non-printable characters are rare there and kept as is. */
static void text_quoted(trec_snap *s, PyObject *u){
  size_t len;
  Py_ssize_t cp;
  struct trec_buf *t = &s->text;
  if( !str_ready(u) ){ trec_buf_puts(t, "'?'"); return; }
  const char *p = str_utf8(s, u, NAME_MAX_CP, &len, &cp);
  int sq = memchr(p, '\'', len)!=NULL, dq = memchr(p, '"', len)!=NULL;
  char q = (sq && !dq) ? '"' : '\'';
  trec_buf_put_u8(t, (unsigned)q);
  for(size_t i=0; i<len; i++){
    char c = p[i];
    if( c=='\n' ) trec_buf_puts(t, "\\n");
    else if( c=='\t' ) trec_buf_puts(t, "\\t");
    else if( c=='\r' ) trec_buf_puts(t, "\\r");
    else{
      if( c==q || c=='\\' ) trec_buf_put_u8(t, '\\');
      trec_buf_put_u8(t, (unsigned char)c);
    }
  }
  trec_buf_put_u8(t, (unsigned)q);
}

/* text_quoted() for stdrepr.c, whose text is s->text. */
static void quote_text(void *ctx, PyObject *u){
  text_quoted((trec_snap *)ctx, u);
}

static void text_str(trec_snap *s, PyObject *u){
  size_t len;
  Py_ssize_t cp;
  if( !PyUnicode_CheckExact(u) || !str_ready(u) ){
    trec_buf_put_u8(&s->text, '?');
    return;
  }
  const char *p = str_utf8(s, u, NAME_MAX_CP, &len, &cp);
  trec_buf_put(&s->text, p, len);
}

/* <module 'name' from 'path'>, <module 'name' (origin)>, <module 'name'>:
** what importlib's _module_repr_from_spec prints, read from the module's
** dict and its spec's instance dict. */
static int repr_module(trec_snap *s, PyObject *v){
  PyObject *d = PyModule_GetDict(v);
  PyObject *name = dict_get(d, s->s_name);
  PyObject *spec = dict_get(d, s->s_spec), *origin = NULL;
  int spec_ok = spec!=NULL && spec!=Py_None
                && Py_TYPE(spec)->tp_getattro==PyObject_GenericGetAttr;
  if( name==NULL || !PyUnicode_CheckExact(name) ) return 0;
  if( spec_ok ) origin = instance_get(spec, s->s_origin);
  trec_buf_puts(&s->text, "<module ");
  text_quoted(s, name);
  if( origin!=NULL && PyUnicode_CheckExact(origin) ){
    if( instance_get(spec, s->s_fileattr)==Py_True ){
      trec_buf_puts(&s->text, " from ");
      text_quoted(s, origin);
    }else{
      trec_buf_puts(&s->text, " (");
      text_str(s, origin);
      trec_buf_puts(&s->text, ")");
    }
  }else{
    PyObject *file = dict_get(d, s->s_file);
    if( file!=NULL && PyUnicode_CheckExact(file) ){
      trec_buf_puts(&s->text, " from ");
      text_quoted(s, file);
    }
  }
  trec_buf_puts(&s->text, ">");
  return 1;
}

static int repr_complex(trec_snap *s, PyObject *v){
  Py_complex c = ((PyComplexObject *)v)->cval;
  char *re = NULL, *im;
  if( c.real==0. && copysign(1.0, c.real)==1.0 ){
    im = PyOS_double_to_string(c.imag, 'r', 0, 0, NULL);
    if( im==NULL ){ PyErr_Clear(); return 0; }
    trec_buf_printf(&s->text, "%sj", im);
  }else{
    re = PyOS_double_to_string(c.real, 'r', 0, 0, NULL);
    im = PyOS_double_to_string(c.imag, 'r', 0, Py_DTSF_SIGN, NULL);
    if( re==NULL || im==NULL ){
      PyErr_Clear();
      PyMem_Free(re);
      PyMem_Free(im);
      return 0;
    }
    trec_buf_printf(&s->text, "(%s%sj)", re, im);
  }
  PyMem_Free(re);
  PyMem_Free(im);
  return 1;
}

static PyObject *member(PyObject *v, const char *name){
  for(PyMemberDef *m=Py_TYPE(v)->tp_members; m && m->name; m++)
    if( strcmp(m->name, name)==0 && m->type==Py_T_OBJECT_EX )
      return *(PyObject **)((char *)v + m->offset);
  return NULL;
}

static int repr_range(trec_snap *s, PyObject *v){
  PyObject *a = member(v, "start"), *b = member(v, "stop"), *c = member(v, "step");
  long long x, y, z;
  int o1 = 0, o2 = 0, o3 = 0;
  if( !a || !b || !c || !PyLong_Check(a) || !PyLong_Check(b) || !PyLong_Check(c) )
    return 0;
  x = PyLong_AsLongLongAndOverflow(a, &o1);
  y = PyLong_AsLongLongAndOverflow(b, &o2);
  z = PyLong_AsLongLongAndOverflow(c, &o3);
  if( PyErr_Occurred() ) PyErr_Clear();
  if( o1 || o2 || o3 ) return 0;
  if( z==1 ) trec_buf_printf(&s->text, "range(%lld, %lld)", x, y);
  else trec_buf_printf(&s->text, "range(%lld, %lld, %lld)", x, y, z);
  return 1;
}

/* " at 0x...>" as %p writes it (glibc): these reprs are built at every
** event that shows a new function, method or generator, and vsnprintf,
** run twice by trec_buf_printf, was a tenth of a generator-heavy run. */
static void put_at(struct trec_buf *b, const void *p, const char *end){
  char hex[2 + 2 * sizeof(uintptr_t)];
  size_t n = sizeof hex;
  uintptr_t x = (uintptr_t)p;
  do{ hex[--n] = "0123456789abcdef"[x & 15]; x >>= 4; }while( x );
  trec_buf_puts(b, " at 0x");
  trec_buf_put(b, hex + n, sizeof hex - n);
  trec_buf_puts(b, end);
}

/* An Enum class, as EnumType.__repr__ prints it: <enum 'Color'>, and from
** 3.11 on <flag 'Perm'> for a Flag. 0 for other classes. */
static int repr_enum_class(trec_snap *s, PyObject *v){
  PyTypeObject *t = (PyTypeObject *)v;
  const char *what = "enum";
  unsigned form;
  if( kin_of(s, Py_TYPE(v), &form)!=KIN_ENUM_TYPE
      || !(t->tp_flags & Py_TPFLAGS_HEAPTYPE) ) return 0;
#if PY_VERSION_HEX >= 0x030B0000
  PyObject *mro = t->tp_mro;
  for(Py_ssize_t i=0; mro && PyTuple_Check(mro) && i<PyTuple_GET_SIZE(mro); i++){
    type_name(s, (PyTypeObject *)PyTuple_GET_ITEM(mro, i));
    if( name_is(s, "enum.Flag") ){
      what = "flag";
      break;
    }
  }
#endif
  trec_buf_reset(&s->text);
  trec_buf_printf(&s->text, "<%s ", what);
  text_quoted(s, ((PyHeapTypeObject *)t)->ht_name);
  trec_buf_puts(&s->text, ">");
  return 1;
}

/* The repr of types whose repr is known not to run the program's code,
** built in C; into s->text. @return 1 if built. */
static int repr_known(trec_snap *s, PyObject *v){
  PyTypeObject *tp = Py_TYPE(v);
  trec_buf_reset(&s->text);
  if( tp==&PyFunction_Type ){
    trec_buf_puts(&s->text, "<function ");
    text_str(s, ((PyFunctionObject *)v)->func_qualname);
    put_at(&s->text, v, ">");
    return 1;
  }
  if( PyType_Check(v) && tp->tp_repr==PyType_Type.tp_repr ){
    PyTypeObject *t = (PyTypeObject *)v;
    type_name(s, t);
    trec_buf_puts(&s->text, "<class '");
    trec_buf_put(&s->text, s->tname.data, s->tname.len);
    trec_buf_puts(&s->text, "'>");
    return 1;
  }
  if( tp==&PyModule_Type ) return repr_module(s, v);
  if( PyType_Check(v) && kin_maybe(s, tp) ) return repr_enum_class(s, v);
  if( tp==&PyCFunction_Type ){
    PyCFunctionObject *f = (PyCFunctionObject *)v;
    if( f->m_self==NULL || PyModule_Check(f->m_self) )
      trec_buf_printf(&s->text, "<built-in function %s>", f->m_ml->ml_name);
    else
      trec_buf_printf(&s->text, "<built-in method %s of %s object at %p>",
                      f->m_ml->ml_name, Py_TYPE(f->m_self)->tp_name,
                      (void *)f->m_self);
    return 1;
  }
  if( tp==&PyMethod_Type ){
    PyObject *func = PyMethod_GET_FUNCTION(v), *self = PyMethod_GET_SELF(v);
    if( Py_TYPE(func)!=&PyFunction_Type
        || Py_TYPE(self)->tp_repr!=PyBaseObject_Type.tp_repr ) return 0;
    trec_buf_puts(&s->text, "<bound method ");
    text_str(s, ((PyFunctionObject *)func)->func_qualname);
    type_name(s, Py_TYPE(self));
    trec_buf_puts(&s->text, " of <");
    trec_buf_put(&s->text, s->tname.data, s->tname.len);
    trec_buf_puts(&s->text, " object");
    put_at(&s->text, self, ">>");
    return 1;
  }
  if( tp==&PyGen_Type || tp==&PyCoro_Type || tp==&PyAsyncGen_Type ){
    /* generators, coroutines and async generators share their header */
    trec_buf_puts(&s->text, "<");
    trec_buf_puts(&s->text, tp->tp_name);
    trec_buf_puts(&s->text, " object ");
    text_str(s, ((PyGenObject *)v)->gi_qualname);
    put_at(&s->text, v, ">");
    return 1;
  }
  if( tp==&PyComplex_Type ) return repr_complex(s, v);
  if( tp==&PyRange_Type ) return repr_range(s, v);
  if( v==Py_Ellipsis ){ trec_buf_puts(&s->text, "Ellipsis"); return 1; }
  if( v==Py_NotImplemented ){ trec_buf_puts(&s->text, "NotImplemented"); return 1; }
  return 0;
}

/* capture_repr: the user asked for repr() of objects we cannot read. */
static int repr_call(trec_snap *s, PyObject *v){
  PyObject *r = PyObject_Repr(v);
  size_t len;
  Py_ssize_t cp;
  int ok = 0;
  if( r!=NULL && PyUnicode_Check(r) && str_ready(r) ){
    const char *u = str_utf8(s, r, s->o.max_str, &len, &cp);
    trec_buf_reset(&s->text);
    trec_buf_put(&s->text, u, len);
    ok = 1;
  }
  Py_XDECREF(r);
  if( PyErr_Occurred() ) PyErr_Clear();
  return ok;
}

/* The scalars most variables hold, encoded without a walk's state: 1 when
** v was one. Inlined where a variable is snapshot, whose own calls to
** enc() cost more than the encoding. */
static inline int enc_scalar(PyObject *v, struct trec_buf *out){
  PyTypeObject *tp = Py_TYPE(v);
  long long x;
  if( tp==&PyFloat_Type ) trec_venc_float(out, PyFloat_AS_DOUBLE(v));
  else if( tp==&PyLong_Type && trec_locals_small_int(v, &x) )
    trec_venc_int(out, (int64_t)x);
  else if( v==Py_None ) trec_venc_none(out);
  else if( tp==&PyBool_Type ) trec_venc_bool(out, v==Py_True);
  else return 0;
  return 1;
}

static void enc(trec_snap *s, PyObject *v, int depth, struct trec_buf *out){
  PyTypeObject *tp = Py_TYPE(v);
  if( enc_scalar(v, out) ) return;
  if( tp==&PyLong_Type ){ enc_long(s, v, out); return; }
  if( tp==&PyUnicode_Type && str_ready(v) ){ enc_str(s, v, out); return; }
  if( tp==&PyBytes_Type ){ enc_bytes(s, v, out); return; }
  if( tp==&PyTuple_Type ){
    enc_seq(s, v, TREC_V_TUPLE, ((PyTupleObject *)v)->ob_item, PyTuple_GET_SIZE(v),
            depth, out);
    return;
  }
  if( tp==&PyList_Type ){
    enc_seq(s, v, TREC_V_LIST, NULL, PyList_GET_SIZE(v),
            depth, out);
    return;
  }
  if( tp==&PyDict_Type ){ enc_dict(s, v, depth, out); return; }
  if( tp==&PySet_Type ){ enc_set(s, v, TREC_V_SET, depth, out); return; }
  if( tp==&PyFrozenSet_Type ){ enc_set(s, v, TREC_V_FROZENSET, depth, out); return; }
  if( PyExceptionInstance_Check(v) ){ enc_exc(s, v, depth, out); return; }
  /* instances of classes, the common case, have no known repr */
  if( (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && !PyType_Check(v)
      && !s->o.capture_repr ){
    enc_object(s, v, depth, out);
    return;
  }
  if( repr_known(s, v) || (s->o.capture_repr && repr_call(s, v)) ){
    put_repr(s, tp, out);
    return;
  }
  enc_object(s, v, depth, out);
}

/* ---- public: values ---- */

/* Every public entry runs between snap_enter and snap_leave. The entries
** share s's scratch state, which is safe because they hold the GIL, with
** one exception: a capture_repr __repr__ may release the GIL, and another
** thread's event then enters while this one is half done. Such a nested
** entry gets its own path window and diff buffer and no capture_repr (so it
** cannot release the GIL itself and always finishes before the outer one
** resumes). */
struct snap_entry {
  struct saved_exc exc;
  int nested, capture_repr, path_base, path_len;
  size_t budget_end;
  struct trec_buf *diff;
};

/* Only an entry that interrupts another (a capture_repr corner) changes
** the encoder's state and puts it back at snap_leave(). Every entry saves
** that state all the same, a few stores: snap_leave() is inlined, and GCC
** 12 then cannot see that it reads them only when nested
** (-Werror=maybe-uninitialized). */
static void snap_enter(trec_snap *s, struct snap_entry *e, PyThreadState *ts){
  exc_save(&e->exc, ts);
  e->nested = s->busy++ > 0;
  e->capture_repr = s->o.capture_repr;
  e->path_base = s->path_base;
  e->path_len = s->path_len;
  e->budget_end = s->budget_end;
  e->diff = s->diff;
  if( e->nested ){
    s->o.capture_repr = 0;
    s->path_base = s->path_len;
    s->diff = &s->scratch_nested;
  }
}

/* Inlined: its callers run at every event, and the call was a third of
** its cost there. */
static inline __attribute__((always_inline)) int
snap_leave(trec_snap *s, struct snap_entry *e, struct trec_buf *out){
  s->busy--;
  if( e->nested ){
    s->o.capture_repr = e->capture_repr;
    s->path_base = e->path_base;
    s->path_len = e->path_len;
    s->budget_end = e->budget_end;
    s->diff = e->diff;
  }
  exc_restore(&e->exc);
  if( out->oom || s->text.oom || s->tname.oom || s->u8.oom ){
    s->text.oom = s->tname.oom = s->u8.oom = 0;
    return snap_fail(s, TREC_ERR_NOMEM, "out of memory encoding a value");
  }
  return TREC_OK;
}

static void enc_top(trec_snap *s, PyObject *v, struct trec_buf *out){
  s->path_len = s->path_base;
  s->budget_end = out->len + (size_t)s->o.max_value_bytes;
  enc_child(s, v, 0, out);
}

int trec_snap_exception(trec_snap *s, PyThreadState *ts, PyObject *exc,
                        struct trec_buf *out){
  struct snap_entry e;
  snap_enter(s, &e, ts);
  s->path_len = s->path_base;
  s->budget_end = out->len + (size_t)s->o.max_value_bytes;
  if( PyExceptionInstance_Check(exc) ) enc_exc(s, exc, 0, out);
  else enc_child(s, exc, 0, out);
  return snap_leave(s, &e, out);
}

/* ---- lifecycle ---- */

static char *lower_dup(const char *p, size_t n){
  char *c = malloc(n + 1);
  if( c==NULL ) return NULL;
  for(size_t i=0; i<n; i++) c[i] = (char)lower((unsigned char)p[i]);
  c[n] = 0;
  return c;
}

static int add_pattern(trec_snap *s, const char *p, size_t n){
  char **a = realloc(s->pat, (s->n_pat + 1) * sizeof *a);
  if( a==NULL ) return TREC_ERR_NOMEM;
  s->pat = a;
  if( (a[s->n_pat] = lower_dup(p, n))==NULL ) return TREC_ERR_NOMEM;
  s->n_pat++;
  return TREC_OK;
}

/* TRACEREC_SUBCACHE=0 turns the sub-value cache off, for the test that
** traces come out the same either way; TRACEREC_FPCHECK=1 turns the
** check of fingerprints and caches on (check_slot). */
static int env_is(const char *name, const char *value){
  const char *e = getenv(name);
  return e!=NULL && strcmp(e, value)==0;
}

int trec_snap_new(const struct trec_snap_options *o, PyObject *redact,
                  trec_snap **out){
  int rc = TREC_ERR_NOMEM;
  PyObject *seq = NULL;
  trec_snap *s = calloc(1, sizeof *s);
  *out = NULL;
  if( s==NULL ) return TREC_ERR_NOMEM;
  s->o = *o;
  if( s->o.max_str<0 ) s->o.max_str = 0;
  if( s->o.max_items<0 ) s->o.max_items = 0;
  /* a reader refuses values nested deeper than TREC_VALUE_MAX_DEPTH; ours
  ** reach max_depth + 2 (an EXC's args tuple, then a TRUNC in it) */
  if( s->o.max_depth<1 ) s->o.max_depth = 1;
  if( s->o.max_depth>TREC_VALUE_MAX_DEPTH - 4 )
    s->o.max_depth = TREC_VALUE_MAX_DEPTH - 4;
  if( s->o.max_value_bytes<64 ) s->o.max_value_bytes = 64;
  s->s_module = PyUnicode_InternFromString("__module__");
  s->s_name = PyUnicode_InternFromString("__name__");
  s->s_file = PyUnicode_InternFromString("__file__");
  s->s_spec = PyUnicode_InternFromString("__spec__");
  s->s_origin = PyUnicode_InternFromString("origin");
  s->s_fileattr = PyUnicode_InternFromString("_set_fileattr");
  s->s_repr = PyUnicode_InternFromString("__repr__");
  s->s_fields = PyUnicode_InternFromString("_fields");
  s->s_make = PyUnicode_InternFromString("_make");
  s->s_name_ = PyUnicode_InternFromString("_name_");
  s->s_value_ = PyUnicode_InternFromString("_value_");
  s->object_new = PyBaseObject_Type.tp_new;
  if( !s->s_module || !s->s_name || !s->s_file || !s->s_spec || !s->s_origin
      || !s->s_fileattr || !s->s_repr || !s->s_fields || !s->s_make
      || !s->s_name_ || !s->s_value_ ) goto out;
  if( redact==NULL ){
    for(size_t i=0; i<sizeof default_redact/sizeof *default_redact; i++)
      if( (rc = add_pattern(s, default_redact[i], strlen(default_redact[i]))) )
        goto out;
  }else{
    rc = TREC_ERR_INVALID;
    /* a bare str is a sequence of one-letter patterns: surely a mistake */
    if( PyUnicode_Check(redact) ) goto out;
    seq = PySequence_Fast(redact, "redact must be a sequence of str");
    if( seq==NULL ) goto out;
    for(Py_ssize_t i=0; i<PySequence_Fast_GET_SIZE(seq); i++){
      PyObject *p = PySequence_Fast_GET_ITEM(seq, i);
      Py_ssize_t n;
      const char *u = PyUnicode_Check(p) ? PyUnicode_AsUTF8AndSize(p, &n) : NULL;
      if( u==NULL ) goto out;
      if( (rc = add_pattern(s, u, (size_t)n)) ) goto out;
      rc = TREC_ERR_INVALID;
    }
  }
  s->check = env_is("TRACEREC_FPCHECK", "1");
  s->check_miss = -1;
  if( s->o.max_depth>=2 && !env_is("TRACEREC_SUBCACHE", "0") ){
    s->nodes = calloc(SUB_NODES, sizeof *s->nodes);
    s->sub = calloc(SUB_CACHE, sizeof *s->sub);
    rc = TREC_ERR_NOMEM;
    if( s->nodes==NULL || s->sub==NULL ) goto out;
    s->sub_depths = s->o.max_depth - 1;
  }
  trec_buf_init(&s->scratch);
  trec_buf_init(&s->scratch_nested);
  trec_buf_init(&s->fpbuf);
  trec_buf_init(&s->checkbuf);
  s->diff = &s->scratch;
  trec_buf_init(&s->tname);
  trec_buf_init(&s->text);
  trec_buf_init(&s->u8);
  rc = TREC_OK;
out:
  Py_XDECREF(seq);
  if( PyErr_Occurred() ) PyErr_Clear();
  if( rc!=TREC_OK ){
    trec_snap_free(s);
    return rc;
  }
  *out = s;
  return TREC_OK;
}

void trec_snap_free(trec_snap *s){
  if( s==NULL ) return;
  for(size_t i=0; i<s->n_pat; i++) free(s->pat[i]);
  for(size_t i=0; i<REDACT_CACHE; i++) Py_XDECREF(s->rcache[i].key);
  free(s->pat);
  trec_buf_release(&s->scratch);
  trec_buf_release(&s->scratch_nested);
  trec_buf_release(&s->fpbuf);
  trec_buf_release(&s->checkbuf);
  for(size_t i=0; i<ENC_CACHE; i++) trec_buf_release(&s->ecache[i].data);
  for(size_t i=0; i<SLOT_CACHE; i++) free(s->scache[i].big);
  for(size_t i=0; s->seqs && i<SEQ_CACHE; i++)
    for(Py_ssize_t j=0; j<s->seqs[i].n; j++) Py_DECREF(s->seqs[i].item[j]);
  free(s->seqs);
  free(s->dicts);
  for(size_t i=0; s->objs && i<OBJ_MEMO; i++)
    for(int j=0; j<s->objs[i].n; j++)
      if( s->objs[i].leaves>>j & 1 ) Py_DECREF(s->objs[i].val[j]);
  free(s->objs);
  for(size_t i=0; s->sub && i<SUB_CACHE; i++) trec_buf_release(&s->sub[i].data);
  free(s->sub);
  free(s->nodes);
  trec_buf_release(&s->tname);
  trec_buf_release(&s->text);
  trec_buf_release(&s->u8);
  free(s->mag);
  free(s->path);
  free(s->path_tag);
  Py_XDECREF(s->s_module);
  Py_XDECREF(s->s_repr);
  Py_XDECREF(s->s_fields);
  Py_XDECREF(s->s_make);
  Py_XDECREF(s->s_name_);
  Py_XDECREF(s->s_value_);
  Py_XDECREF(s->s_name);
  Py_XDECREF(s->s_file);
  Py_XDECREF(s->s_spec);
  Py_XDECREF(s->s_origin);
  Py_XDECREF(s->s_fileattr);
  free(s);
}

/* ---- layouts ---- */

int trec_layout_new(trec_snap *s, PyCodeObject *co, int args_only,
                    trec_layout **out){
  int rc = TREC_ERR_NOMEM;
  struct saved_exc saved;
  exc_save(&saved, trec_compat_tstate());
  trec_layout *L = calloc(1, sizeof *L);
  *out = NULL;
  if( L==NULL ) goto out;
  L->co = co;
  L->fast = (co->co_flags & CO_OPTIMIZED)!=0;
  L->n = (uint32_t)(L->fast ? trec_locals_n_slots(co)
                            : PyTuple_GET_SIZE(co->co_names));
  L->n_args = (uint32_t)(co->co_argcount + co->co_kwonlyargcount
                         + ((co->co_flags & CO_VARARGS) ? 1 : 0)
                         + ((co->co_flags & CO_VARKEYWORDS) ? 1 : 0));
  /* the parameters are the first slots (localsplus starts with them) */
  if( args_only ) L->n = L->fast ? L->n_args : 0;
  L->names = calloc(L->n + 1, sizeof *L->names);
  L->cnames = calloc(L->n + 1, sizeof *L->cnames);
  L->redact = calloc(L->n + 1, 1);
  L->src = calloc(L->n + 1, sizeof *L->src);
  if( !L->names || !L->cnames || !L->redact || !L->src ) goto out;
  for(uint32_t i=0; i<L->n; i++){
    PyObject *name;
    if( L->fast ){
      name = trec_locals_slot(co, i, &L->src[i]);
    }else{
      name = PyTuple_GET_ITEM(co->co_names, i);
      L->src[i].index = -1;
      L->src[i].alt = -1;
    }
    Py_ssize_t len;
    const char *u = PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, &len)
                                          : NULL;
    if( u==NULL ){ PyErr_Clear(); u = "?"; len = 1; }
    L->names[i] = name;
    if( (L->cnames[i] = malloc((size_t)len + 1))==NULL ) goto out;
    memcpy(L->cnames[i], u, (size_t)len + 1);
    L->redact[i] = (unsigned char)(s->n_pat && redacted_utf8(s, u, (size_t)len));
  }
  rc = TREC_OK;
out:
  exc_restore(&saved);
  if( rc!=TREC_OK ){
    trec_layout_free(L);
    return snap_fail(s, rc, "out of memory building a code layout");
  }
  *out = L;
  return TREC_OK;
}

void trec_layout_free(trec_layout *L){
  if( L==NULL ) return;
  if( L->cnames ) for(uint32_t i=0; i<L->n; i++) free(L->cnames[i]);
  free(L->cnames);
  free(L->names);
  free(L->redact);
  free(L->src);
  free(L);
}

uint32_t trec_layout_n_names(const trec_layout *L){ return L->n; }
uint32_t trec_layout_n_args(const trec_layout *L){ return L->n_args; }
const char *trec_layout_name(const trec_layout *L, uint32_t slot){
  return slot<L->n ? L->cnames[slot] : NULL;
}

/* ---- shadows and frames ---- */

static uint64_t mix(uint64_t h, const void *p){
  h = (h ^ (uint64_t)(uintptr_t)p) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

static uint64_t mixu(uint64_t h, uint64_t x){
  return mix(h, (void *)(uintptr_t)x);
}

/* What a module's REPR is built from: its __name__, __spec__ and __file__
** objects, looked up in its dict only when the dict changed since (module
** frames hold modules by the dozen and look at each at every event). */
static uint64_t module_fp(trec_snap *s, uint64_t h, PyObject *m){
  PyObject *d = PyModule_GetDict(m);
  uint64_t version = d ? trec_locals_dict_version(d) : 0;
  size_t at = set_at(d, MODULE_CACHE);
  if( version!=0 && s->mcache[at+1].dict==d && s->mcache[at+1].version==version ){
    at++;
  }else if( version==0 || s->mcache[at].dict!=d || s->mcache[at].version!=version ){
    uint64_t g = mix(mix(mix(0, dict_get(d, s->s_name)), dict_get(d, s->s_spec)),
                     dict_get(d, s->s_file));
    if( version==0 ) return mixu(h, g);
    s->mcache[at+1] = s->mcache[at];
    s->mcache[at].dict = d;
    s->mcache[at].version = version;
    s->mcache[at].fp = g;
  }
  return mixu(h, s->mcache[at].fp);
}

/* Types that none of the scalars, nor a function, generator, builtin or
** module, can have: lists, tuples, dicts and instances of classes (a class
** itself may be of a heap type, its metaclass). */
#define FP_NOT_SCALAR (Py_TPFLAGS_HEAPTYPE | Py_TPFLAGS_LIST_SUBCLASS \
                       | Py_TPFLAGS_TUPLE_SUBCLASS | Py_TPFLAGS_DICT_SUBCLASS)

/* Functions, classes, modules and builtins, which module frames hold by the
** dozen, and generators and coroutines, are recorded as REPR text that depends only on a few pointers
** (the object, its qualname or name string, its spec...): hashing those
** instead of building the text at every event keeps module-level loops
** cheap. @return 1 and *fp for such values, 0 for others. */
static int identity_fp(trec_snap *s, PyObject *v, uint64_t *fp){
  PyTypeObject *tp = Py_TYPE(v);
  /* containers and instances, the usual question, answered at once */
  if( (tp->tp_flags & FP_NOT_SCALAR) && !PyType_Check(v) ) return 0;
  uint64_t h = mix(0x51ed270b7a3c9d4full, v);
  if( tp==&PyFunction_Type ){
    h = mix(h, ((PyFunctionObject *)v)->func_qualname);
  }else if( tp==&PyGen_Type || tp==&PyCoro_Type || tp==&PyAsyncGen_Type ){
    h = mix(h, ((PyGenObject *)v)->gi_qualname);
  }else if( tp==&PyCFunction_Type ){
    h = mix(mix(h, ((PyCFunctionObject *)v)->m_self),
            ((PyCFunctionObject *)v)->m_ml);
  }else if( PyType_Check(v) && tp->tp_repr==PyType_Type.tp_repr ){
    /* the name the REPR shows, from the cache type_name() keeps by
    ** version tag: no dict lookup while the class is unchanged */
    type_name(s, (PyTypeObject *)v);
    h = mixu(h, hash_bytes(s->tname.data, s->tname.len));
  }else if( tp==&PyModule_Type ){
    h = module_fp(s, h, v);
  }else{
    return 0;
  }
  *fp = mix(h, tp);
  return 1;
}

/* ---- fingerprints of mutable values ----
**
** A slot holding a mutable or user value (list, dict, set, object...) may
** change in place at any event, and we hold no reference to it, so its
** shadow cannot be a pointer. Encoding it at every event to compare hashes
** cost up to the bounds each time (24x the untraced time on a loop over a
** list of 50 objects). Instead a fingerprint walks the value the way enc()
** does, in the same order and to the same bounds (max_depth, max_items,
** and a node count that covers what max_value_bytes lets enc() reach, each
** encoded node taking a byte or more), hashing what the encoding depends
** on without producing it: types, object addresses, lengths, field names,
** and the values of immutable leaves. Only when the fingerprint differs is
** the value encoded; the hash of that encoding still decides whether a VAR
** entry is written, so the entries are exactly those of the plain design
** unless two fingerprints collide (64 bits).
**
** The guarantee against reused addresses (ABA): nothing here is compared
** by the address of an object that may have been freed and replaced. A
** container's address is hashed, but so is everything inside it that the
** encoding shows, and its address is itself part of the encoding (its id).
** Leaves are hashed by value: int by value (magnitude bytes when big),
** float by bits, str by its cached hash when CPython computed one (fixed
** for its contents: dict keys and attribute names always have it) else by
** its first max_str code points, bytes by content, plus lengths. So a
** freed element replaced by a new object at the same address is seen when
** its value differs, and when it does not, the encoding does not either.
** The memos of lists, tuples and instances (fp_seq, fp_inline) compare
** items and attributes by address, but only leaves they hold themselves,
** which therefore cannot be freed and replaced; the other items they walk
** again.
** Attributes kept inline (3.11+) are named by their index in the type's
** shared keys, which only ever grow while the type lives (a new type at a
** freed one's address has a new version tag, below).
** Type names come from the type's address, its version tag and qualname
** object: renaming a type (__qualname__, __module__) drops its tag
** (PyType_Modified), and a type without a valid tag makes the fingerprint
** unlike any before, so such values are always encoded. Values whose
** encoding is built from several fields (ranges, complex, methods, ...)
** are rare inside hot containers and fingerprinted by encoding them.
** capture_repr runs the program's __repr__, which no fingerprint can
** predict: with it, values are always encoded, as before. */

static inline __attribute__((always_inline)) uint64_t
fp_type(trec_snap *s, uint64_t h, PyTypeObject *tp){
  unsigned int tag = type_tag(s, tp);
  h = mix(h, tp);
  if( tag==0 ) return mix(h, (void *)(uintptr_t)++s->fp_nonce);
  h = mix(h, (void *)(uintptr_t)tag);
  if( tp->tp_flags & Py_TPFLAGS_HEAPTYPE )
    h = mix(h, ((PyHeapTypeObject *)tp)->ht_qualname);
  return h;
}

/* v's encoding, hashed: for values whose encoding is built from parts that
** are not worth mirroring here. No user code runs (capture_repr is off). */
static uint64_t fp_encoded(trec_snap *s, uint64_t h, PyObject *v, int depth){
  int path_len = s->path_len;
  size_t budget_end = s->budget_end;
  struct trec_buf *b = &s->fpbuf;
  trec_buf_reset(b);
  s->budget_end = (size_t)s->o.max_value_bytes;
  enc(s, v, depth, b);
  s->path_len = path_len;
  s->budget_end = budget_end;
  if( b->oom ){
    b->oom = 0;
    return mixu(h, ++s->fp_nonce);
  }
  return mixu(h, hash_bytes(b->data, b->len));
}

/* A str's hash is computed here when CPython has not yet (strings a
** program builds and never hashes): once, then every later fingerprint of
** it is O(1). Only for strings up to a few times max_str, so that a long
** string costs no more than its bound; exact str hashing runs no user code
** and caching it changes nothing the program can see. */
#define FP_STR_HASH_MAX(s) (4 * (s)->o.max_str + 64)

static uint64_t fp_str(trec_snap *s, uint64_t h, PyObject *v){
  Py_ssize_t n = PyUnicode_GET_LENGTH(v);
  Py_hash_t sh = ((PyASCIIObject *)v)->hash;
  h = mixu(h, (uint64_t)n);
  if( sh==-1 && n<=FP_STR_HASH_MAX(s) ){
    sh = PyObject_Hash(v);
    if( sh==-1 ) PyErr_Clear();
  }
  if( sh!=-1 ) return mixu(h, (uint64_t)sh);
  if( n>s->o.max_str ) n = s->o.max_str;
  return mixu(h, hash_bytes(PyUnicode_DATA(v), (size_t)n * PyUnicode_KIND(v)));
}

static uint64_t fp_long(trec_snap *s, uint64_t h, PyObject *v){
  long long x;
  int overflow = 0, neg = 0;
  if( trec_locals_small_int(v, &x) ) return mixu(h, (uint64_t)x);
  x = PyLong_AsLongLongAndOverflow(v, &overflow);
  if( !overflow ){
    if( x==-1 && PyErr_Occurred() ) PyErr_Clear();
    return mixu(h, (uint64_t)x);
  }
  size_t want = (size_t)s->o.max_value_bytes + 16;
  if( s->mag_cap<want ){
    unsigned char *m = realloc(s->mag, want);
    if( m==NULL ) return mixu(h, ++s->fp_nonce);
    s->mag = m;
    s->mag_cap = want;
  }
  size_t n = trec_locals_long_bytes(v, s->mag, (size_t)s->o.max_value_bytes,
                                    &neg);
  if( n==0 ) return mix(h, v);   /* encoded as a TRUNC with its id */
  return mixu(mixu(h, (uint64_t)neg), hash_bytes(s->mag, n));
}

static uint64_t fp_item_out(trec_snap *s, uint64_t h, PyObject *v, int depth);
static inline uint64_t fp_fields(trec_snap *s, uint64_t h, PyObject *v,
                                 int depth);
static uint64_t fp_dict(trec_snap *s, uint64_t h, PyObject *v, int depth);

/* A subclass of a builtin (TYPED), as enc_typed() writes it: its type and
** form, its content walked as the builtin's (fp_dict's memo keys on the
** object and hashes its content only, which the type mixed in first
** completes; a list's items are walked without fp_seq's memo, which a
** second caller would keep from being inlined into fp_value), then
** typed_fields()' fields: a defaultdict's factory, the instance's
** attributes; a namedtuple's named items are its items again, by the names
** its type (in the tag) gives. A scalar (an
** IntEnum member, a str subclass) is hashed as encoded: its encoding is
** short. defaultdict(list) of lists was encoded whole to be fingerprinted
** at every event that could have changed it. Out of line, so that the
** common paths that test for it stay small enough to be inlined. */
static __attribute__((noinline, cold)) uint64_t
fp_typed(trec_snap *s, uint64_t h, PyObject *v, int depth){
  PyTypeObject *tp = Py_TYPE(v);
  enum trec_vtag kind = typed_kind(tp);
  unsigned form;
  Py_ssize_t n, k;
  if( kind<TREC_V_TUPLE ) return fp_encoded(s, h, v, depth);
  form = typed_form(s, tp, kind);
  n = typed_len(v, kind);
  h = mixu(mixu(fp_type(s, mix(h, v), tp), form), (uint64_t)n);
  if( depth>=s->o.max_depth ) return h;
  if( kind==TREC_V_DICT ){
    h = fp_dict(s, h, v, depth);
  }else{
    PyObject **items = kind==TREC_V_TUPLE ? ((PyTupleObject *)v)->ob_item
                                          : ((PyListObject *)v)->ob_item;
    k = n < s->o.max_items ? n : s->o.max_items;
    for(Py_ssize_t i=0; i<k; i++) h = fp_item_out(s, h, items[i], depth+1);
  }
  if( (form & TREC_FORM_SHAPE)==TREC_FORM_FACTORY ){
    PyObject *factory = factory_of(v);
    h = factory ? fp_item_out(s, mixu(h, 1), factory, depth+1) : mixu(h, 2);
  }
  return fp_fields(s, h, v, depth);
}

/* An instance of a class (not a class, not an exception): walked by
** fp_object(), the common case. */
static inline int fp_is_instance(PyObject *v, PyTypeObject *tp){
  return (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && !PyType_Check(v)
         && !PyExceptionInstance_Check(v);
}

/* The kin of the builtins (enum kin, form as kin_of() gave it): as
** encoded, but for a deque, whose items are walked as a list's, a REPR of
** stdrepr.c, by what its text depends on, and an Enum member at the depth
** bound, whose _name_ and _value_ are the only fields it keeps there (below
** the bound fp_object walks it as any instance). */
static __attribute__((noinline, cold)) uint64_t
fp_kin(trec_snap *s, uint64_t h, PyObject *v, enum kin k, unsigned form,
       int depth){
  PyTypeObject *tp = Py_TYPE(v);
  if( k==KIN_DEQUE && tp==s->deque_type ){
    struct deque_head *d = (struct deque_head *)v;
    struct deque_block *b = d->leftblock;
    Py_ssize_t ix = d->leftindex, n = Py_SIZE(v);
    h = mixu(mixu(fp_type(s, mix(h, v), tp), (uint64_t)n), (uint64_t)d->maxlen);
    if( depth>=s->o.max_depth ) return h;
    if( n>s->o.max_items ) n = s->o.max_items;
    for(Py_ssize_t i=0; i<n; i++)
      h = fp_item_out(s, h, deque_next(&b, &ix), depth+1);
    return h;
  }
  if( k==KIN_STDREPR )
    return mixu(fp_type(s, mix(h, v), tp),
                trec_stdrepr_hash(v, (enum trec_stdrepr)form, (size_t)s->o.max_str));
  if( k==KIN_ENUM ){
    PyObject *dict = trec_locals_instance_dict(v), *name, *value;
    uint64_t slots;
    if( dict!=NULL && !PyDict_Check(dict) ) dict = NULL;
    h = mixu(fp_type(s, mix(h, v), tp), field_total(s, v, dict, &slots));
    enum_bound_fields(s, v, &name, &value);
    h = name!=NULL ? fp_item_out(s, mixu(h, 1), name, depth+1) : mixu(h, 2);
    return value!=NULL ? fp_item_out(s, mixu(h, 3), value, depth+1) : mixu(h, 4);
  }
  return fp_encoded(s, h, v, depth);
}

/* fp_object() of an instance v of type tp at the depth bound, where
** enc_object() writes its type and field count only. */
static inline __attribute__((always_inline)) uint64_t
fp_object_bound(trec_snap *s, uint64_t h, PyObject *v, PyTypeObject *tp){
  uint64_t slots;
  unsigned form;
  enum kin k;
  if( typed_kind(tp) ) return fp_typed(s, h, v, s->o.max_depth);
  if( kin_maybe(s, tp) && (k = kin_of(s, tp, &form))!=KIN_NONE )
    return fp_kin(s, h, v, k, form, s->o.max_depth);
  h = fp_type(s, mix(h, v), tp);
  if( tp->tp_getattro!=PyObject_GenericGetAttr ) return h;
  PyObject *dict = trec_locals_instance_dict(v);
  if( dict!=NULL && !PyDict_Check(dict) ) dict = NULL;
  return mixu(h, field_total(s, v, dict, &slots));
}

static uint64_t fp_value(trec_snap *s, uint64_t h, PyObject *v, int depth);

/* fp_value() for an item of a container or object: the leaves that fill
** most of them (floats, one-digit ints, None, bools, hashed strs,
** containers at the depth bound) hashed here as fp_value() would, without
** its call and chain of type tests, which cost more than the hash (a
** dict of lists of ints and strs: 11% fewer instructions in all). */
static inline __attribute__((always_inline)) uint64_t
fp_item(trec_snap *s, uint64_t h, PyObject *v, int depth){
  PyTypeObject *tp = Py_TYPE(v);
  long long x;
  if( tp==&PyFloat_Type ){
    double d = PyFloat_AS_DOUBLE(v);
    uint64_t bits;
    if( --s->fp_left<0 ) return h;
    memcpy(&bits, &d, sizeof bits);
    return mixu(mix(h, tp), bits);
  }
  if( tp==&PyLong_Type && trec_locals_small_int(v, &x) ){
    if( --s->fp_left<0 ) return h;
    return mixu(mix(h, tp), (uint64_t)x);
  }
  if( v==Py_None || tp==&PyBool_Type ){
    if( --s->fp_left<0 ) return h;
    return mix(h, v);
  }
  /* a str whose hash is cached (so ready: fp_str) */
  if( tp==&PyUnicode_Type && ((PyASCIIObject *)v)->hash!=-1 ){
    if( --s->fp_left<0 ) return h;
    h = mixu(mix(h, tp), (uint64_t)PyUnicode_GET_LENGTH(v));
    return mixu(h, (uint64_t)((PyASCIIObject *)v)->hash);
  }
  /* containers at the depth bound: their identity and size; instances:
  ** their type and field count, as fp_value() gives them (most objects a
  ** walk of an object graph meets are there) */
  if( depth>=s->o.max_depth ){
    Py_ssize_t n;
    if( tp==&PyTuple_Type || tp==&PyList_Type ) n = Py_SIZE(v);
    else if( tp==&PyDict_Type ) n = PyDict_GET_SIZE(v);
    else if( tp==&PySet_Type || tp==&PyFrozenSet_Type ) n = PySet_GET_SIZE(v);
    else if( fp_is_instance(v, tp) ){
      if( --s->fp_left<0 ) return h;
      return fp_object_bound(s, mix(h, tp), v, tp);
    }
    else return fp_value(s, h, v, depth);
    if( --s->fp_left<0 ) return h;
    return mixu(mix(mix(h, tp), v), (uint64_t)n);
  }
  return fp_value(s, h, v, depth);
}

/* fp_item() out of line, for the cold paths. */
static uint64_t fp_item_out(trec_snap *s, uint64_t h, PyObject *v, int depth){
  return fp_item(s, h, v, depth);
}

static int seq_leaf(PyObject *v);

/* An instance's fingerprint when its attributes are inline, at most
** OBJ_MEMO_MAX and max_items, and its type has no slot members and a
** version tag: 1 and *out, else 0 (fp_object walks it). Every such state is
** hashed so, memo or not: the type, address, keys and order bytes, then
** the fingerprints of the leaves among the attributes, then those of the
** others, each in the order bytes' order. A memo (obj_memo) whose
** attribute objects are the same gives the first two in one hash; the
** walk is kept as the memo when it fitted in the budget. When the budget
** runs out, the walk decides, as it would without a memo. */
static int fp_inline(trec_snap *s, PyObject *v, int depth, uint64_t *out){
  PyTypeObject *tp = Py_TYPE(v);
  unsigned int tag = type_tag(s, tp);
  PyObject *const *values;
  const uint8_t *order;
  const void *keys;
  const struct type_slots *ts;
  Py_ssize_t n;
  uint64_t g, fps[OBJ_MEMO_MAX];
  uint32_t leaves = 0;
  int n_leaves = 0;
  struct obj_memo *m = NULL;
  unsigned form;
  enum kin kin;
  if( tag==0 || tp->tp_getattro!=PyObject_GenericGetAttr
      || (n = trec_locals_inline_raw(v, &values, &order, &keys))<0
      || n>OBJ_MEMO_MAX || n>s->o.max_items ) return 0;
  PyObject *qn = ((PyHeapTypeObject *)tp)->ht_qualname;
  long left = s->fp_left;
  if( s->objs!=NULL || (s->objs = calloc(OBJ_MEMO, sizeof *s->objs))!=NULL )
    m = &s->objs[cache_at((const char *)v + depth, OBJ_MEMO)];
  if( m!=NULL && m->obj==v && m->tp==tp && m->tag==tag && m->qualname==qn
      && m->keys==keys && m->depth==depth && m->n==n
      && memcmp(m->order, order, (size_t)n)==0 ){
    Py_ssize_t j = 0;
    while( j<n && values[order[j]]==m->val[j] ) j++;
    if( j==n ){
      /* read m before the walks below: an attribute's own walk may keep
      ** its memo in this very entry (addresses that collide) */
      g = m->head;
      s->fp_left -= m->n_leaves;
      for(uint32_t others = ~m->leaves & (uint32_t)((1ull<<n) - 1); others;
          others &= others - 1){
        j = __builtin_ctz(others);
        g = mixu(g, fp_item(s, 0x9b05688c2b3e6c1full, values[order[j]],
                            depth+1));
      }
      if( s->fp_left>=0 ){
        *out = g;
        return 1;
      }
      s->fp_left = left;
    }
  }
  /* a memo's attributes, the same objects, were whole when it was kept;
  ** no memo is kept of a kin's (its content is not among its attributes),
  ** so that a hit needs no look at its kind */
  if( kin_maybe(s, tp) && (kin = kin_of(s, tp, &form))!=KIN_NONE && kin!=KIN_ENUM )
    return 0;
  if( (ts = type_slots(s, tp))==NULL || ts->n!=0
      || !trec_locals_inline_whole(keys, values, order, n) ) return 0;
  uint64_t head = fp_type(s, mix(0x3c6ef372fe94f82bull, v), tp);
  head = mixu(mixu(mix(head, keys), (uint64_t)n), hash_bytes(order, (size_t)n));
  for(Py_ssize_t j=0; j<n; j++){
    PyObject *x = values[order[j]];
    fps[j] = fp_item(s, 0x9b05688c2b3e6c1full, x, depth+1);
    if( seq_leaf(x) ){
      leaves |= (uint32_t)1 << j;
      n_leaves++;
    }
  }
  for(Py_ssize_t j=0; j<n; j++) if( leaves>>j & 1 ) head = mixu(head, fps[j]);
  g = head;
  for(Py_ssize_t j=0; j<n; j++) if( !(leaves>>j & 1) ) g = mixu(g, fps[j]);
  if( m!=NULL && s->fp_left>=0 ){
    for(Py_ssize_t j=0; j<n; j++) if( leaves>>j & 1 ) Py_INCREF(values[order[j]]);
    for(int j=0; j<m->n; j++) if( m->leaves>>j & 1 ) Py_DECREF(m->val[j]);
    for(Py_ssize_t j=0; j<n; j++) m->val[j] = values[order[j]];
    memcpy(m->order, order, (size_t)n);
    m->obj = v;
    m->tp = tp;
    m->tag = tag;
    m->qualname = qn;
    m->keys = keys;
    m->depth = depth;
    m->n = (int)n;
    m->leaves = leaves;
    m->n_leaves = n_leaves;
    m->head = head;
  }
  *out = g;
  return 1;
}

/* The fields (instance attributes and slots) put_fields() writes of v at
** depth, and their total, mixed into h. Inlined: fp_object() is the walk's
** commonest step. */
static inline __attribute__((always_inline)) uint64_t
fp_fields(trec_snap *s, uint64_t h, PyObject *v, int depth){
  PyObject *dict = NULL, *key, *val;
  Py_ssize_t pos = 0, k = 0;
  const char *mname;
  size_t mlen;
  int red;
  if( Py_TYPE(v)->tp_getattro!=PyObject_GenericGetAttr ) return h;
  dict = trec_locals_instance_dict(v);
  if( dict!=NULL && !PyDict_Check(dict) ) dict = NULL;
  uint64_t slots, total = field_total(s, v, dict, &slots);
  h = mix(h, dict);
  if( dict==NULL && s->o.max_items<=FP_INLINE_MAX ){
    /* inline attributes: a name is its index in the type's shared keys */
    PyObject *vals[FP_INLINE_MAX];
    uint32_t ix[FP_INLINE_MAX];
    const void *keys = NULL;
    k = trec_locals_inline_items(v, s->o.max_items, vals, ix, NULL, &keys);
    h = mix(h, keys);
    for(Py_ssize_t i=0; i<k; i++) h = fp_item(s, mixu(h, ix[i]), vals[i], depth+1);
  }else while( k<s->o.max_items && (dict ? PyDict_Next(dict, &pos, &key, &val)
                                   : trec_locals_inline_next(v, &pos, &key, &val)) ){
    h = PyUnicode_CheckExact(key) ? fp_str(s, mix(h, key), key) : mix(h, key);
    h = fp_item(s, h, val, depth+1);
    k++;
  }
  pos = 0;
  while( slots && k<s->o.max_items
         && slot_members(s, v, &pos, &mname, &mlen, &val, &red) ){
    if( val==NULL ) continue;
    h = fp_item(s, mix(mix(h, val), mname), val, depth+1);
    k++;
  }
  return mixu(mixu(h, (uint64_t)k), total);
}

/* The fields enc_object() writes and their total, or only the total when
** truncated. */
static uint64_t fp_object(trec_snap *s, uint64_t h, PyObject *v, int depth){
  PyTypeObject *tp = Py_TYPE(v);
  uint64_t g;
  unsigned form;
  enum kin kin;
  if( typed_kind(tp) ) return fp_typed(s, h, v, depth);
  if( depth>=s->o.max_depth ) return fp_object_bound(s, h, v, tp);
  if( fp_inline(s, v, depth, &g) ) return mixu(h, g);
  /* an Enum member below the bound is walked as any instance */
  if( kin_maybe(s, tp) && (kin = kin_of(s, tp, &form))!=KIN_NONE && kin!=KIN_ENUM )
    return fp_kin(s, h, v, kin, form, depth);
  return fp_fields(s, fp_type(s, mix(h, v), tp), v, depth);
}

/* Leaves whose value cannot change while a dict holds them. */
static int fp_leaf(PyObject *v){
  PyTypeObject *tp = Py_TYPE(v);
  return v==Py_None || tp==&PyBool_Type || tp==&PyLong_Type
         || tp==&PyFloat_Type || tp==&PyUnicode_Type || tp==&PyBytes_Type;
}

/* A dict's items: the keys and leaf values hashed in order into a head
** (a placeholder for each other value), the other values' fingerprints
** chained after it. A dict's version tag is new at every change and never
** reused, even by a new dict at the same address, so while it holds, the
** head and the other values are the same: a memo of them (s->dicts) leaves
** only those values to walk again, if the walk fits in the node budget left
** as it did. When the budget runs out, the walk decides, as it would
** without a memo. */
static __attribute__((noinline)) uint64_t
fp_dict(trec_snap *s, uint64_t h, PyObject *v, int depth){
  uint64_t version = trec_locals_dict_version(v);
  uint64_t head = 0x3c6ef372fe94f82bull, tail = 0x510e527fade682d1ull;
  long left = s->fp_left, leaf_nodes = 0;
  Py_ssize_t pos = 0;
  PyObject *key, *val, *others[FP_DICT_OTHERS];
  int n_others = 0, keep = version!=0;
  struct dict_memo *m = NULL;
  if( version!=0 && (s->dicts!=NULL
      || (s->dicts = calloc(FP_DICT_CACHE, sizeof *s->dicts))!=NULL) ){
    m = &s->dicts[cache_at((const char *)v + depth, FP_DICT_CACHE)];
    if( m->dict==v && m->version==version && m->depth==depth
        && left>=m->nodes ){
      /* copied before the walks below: a value's own walk may keep its
      ** memo in this very entry (addresses that collide) */
      uint64_t memo_head = m->head, memo_tail = tail;
      int n = m->n_others;
      PyObject *memo_others[FP_DICT_OTHERS];
      memcpy(memo_others, m->other, (size_t)n * sizeof *memo_others);
      s->fp_left -= m->nodes;
      for(int j=0; j<n; j++)
        memo_tail = mixu(memo_tail, fp_item(s, 0x9b05688c2b3e6c1full,
                                            memo_others[j], depth+1));
      if( s->fp_left>=0 ) return mixu(h, mixu(memo_head, memo_tail));
      s->fp_left = left;
    }
  }
  for(Py_ssize_t i=0; i<s->o.max_items && PyDict_Next(v, &pos, &key, &val); i++){
    keep = keep && fp_leaf(key);
    head = fp_item(s, head, key, depth+1);
    leaf_nodes++;
    if( fp_leaf(val) ){
      head = fp_item(s, head, val, depth+1);
      leaf_nodes++;
      continue;
    }
    head = mixu(head, 0xa54ff53a5f1d36f1ull);
    tail = mixu(tail, fp_item(s, 0x9b05688c2b3e6c1full, val, depth+1));
    if( n_others<FP_DICT_OTHERS ) others[n_others] = val;
    n_others++;
  }
  if( m!=NULL && keep && n_others<=FP_DICT_OTHERS && s->fp_left>=0 ){
    m->dict = v;
    m->version = version;
    m->depth = depth;
    m->nodes = leaf_nodes;
    m->head = head;
    m->n_others = n_others;
    memcpy(m->other, others, (size_t)n_others * sizeof *others);
  }
  return mixu(h, mixu(head, tail));
}

static uint64_t fp_self(trec_snap *s, uint64_t h, PyObject *v, int depth);

/* Immutable leaves whose fingerprint is a function of the object alone:
** holding one is unobservable (is_frozen), so while it is held, the same
** pointer is the same value. Small ones only, so that what the memos hold
** stays a few MB however big the program's strings are. */
static int seq_leaf(PyObject *v){
  PyTypeObject *tp = Py_TYPE(v);
  long long x;
  if( tp==&PyFloat_Type || v==Py_None || tp==&PyBool_Type ) return 1;
  if( tp==&PyLong_Type ) return trec_locals_small_int(v, &x);
#if PY_VERSION_HEX < 0x030C0000
  if( tp==&PyUnicode_Type && !PyUnicode_IS_READY(v) ) return 0;
#endif
  if( tp==&PyUnicode_Type ) return PyUnicode_GET_LENGTH(v)<=SEQ_LEAF_LEN;
  return tp==&PyBytes_Type && PyBytes_GET_SIZE(v)<=SEQ_LEAF_LEN;
}

/* The items[0..k) of list or tuple v, walked at depth + 1. A memo of v
** whose items are the same objects, held by the memo since it was taken,
** gives the fingerprint without a walk; a new one is kept when all k are
** leaves and the walk fitted in the budget (as fp_dict does). */
static uint64_t fp_seq(trec_snap *s, uint64_t h, PyObject *v,
                       PyObject **items, Py_ssize_t k, int depth){
  uint64_t g = 0x510e527fade682d1ull;
  long left = s->fp_left;
  int leaves = k<=SEQ_MAX;      /* a memo holds no more */
  struct seq_memo *m = NULL;
  if( s->seqs!=NULL || (s->seqs = calloc(SEQ_CACHE, sizeof *s->seqs))!=NULL ){
    m = &s->seqs[cache_at(v, SEQ_CACHE)];
    if( m->seq==v && m->n==k && left>=m->nodes
        && memcmp(m->item, items, (size_t)k * sizeof *items)==0 ){
      s->fp_left -= m->nodes;
      return mixu(h, m->fp);
    }
  }
  for(Py_ssize_t i=0; i<k; i++){
    leaves = leaves && seq_leaf(items[i]);
    g = fp_item(s, g, items[i], depth+1);
  }
  if( m!=NULL && leaves && s->fp_left>=0 ){
    /* the new items first: an old one may be among them */
    for(Py_ssize_t i=0; i<k; i++) Py_INCREF(items[i]);
    for(Py_ssize_t i=0; i<m->n; i++) Py_DECREF(m->item[i]);
    memcpy(m->item, items, (size_t)k * sizeof *items);
    m->seq = v;
    m->n = k;
    m->nodes = left - s->fp_left;
    m->fp = g;
  }
  return mixu(h, g);
}

/* A hash of everything v's encoding at this depth depends on. */
static uint64_t fp_value(trec_snap *s, uint64_t h, PyObject *v, int depth){
  PyTypeObject *tp = Py_TYPE(v);
  Py_ssize_t n, pos = 0;
  PyObject *key;
  if( --s->fp_left<0 ) return h;   /* beyond what enc() can reach */
  /* most values here are containers and instances (leaves are hashed by
  ** fp_item and snap_slot): their flags rule out every scalar type at once */
  if( tp->tp_flags & FP_NOT_SCALAR ){
    h = mix(h, tp);
  }else{
    if( v==Py_None || tp==&PyBool_Type ) return mix(h, v);
    h = mix(h, tp);
    if( tp==&PyLong_Type ) return fp_long(s, h, v);
    if( tp==&PyFloat_Type ){
      double d = PyFloat_AS_DOUBLE(v);
      uint64_t bits;
      memcpy(&bits, &d, sizeof bits);
      return mixu(h, bits);
    }
    if( tp==&PyUnicode_Type && str_ready(v) ) return fp_str(s, h, v);
    if( tp==&PyBytes_Type ){
      n = PyBytes_GET_SIZE(v);
      h = mixu(h, (uint64_t)n);
      return mixu(h, hash_bytes((const unsigned char *)PyBytes_AS_STRING(v),
                                (size_t)(n < s->o.max_str ? n : s->o.max_str)));
    }
  }
  if( sub_depth(s, depth) && v!=s->fp_self && sub_kind(v) )
    return fp_self(s, h, v, depth);
  if( tp==&PyTuple_Type || tp==&PyList_Type ){
    n = Py_SIZE(v);
    h = mixu(mix(h, v), (uint64_t)n);
    if( depth>=s->o.max_depth ) return h;
    PyObject **items = tp==&PyTuple_Type ? ((PyTupleObject *)v)->ob_item
                                         : ((PyListObject *)v)->ob_item;
    Py_ssize_t k = n < s->o.max_items ? n : s->o.max_items;
    if( k>=SEQ_MIN ) return fp_seq(s, h, v, items, k, depth);
    for(Py_ssize_t i=0; i<k; i++) h = fp_item(s, h, items[i], depth+1);
    return h;
  }
  if( tp==&PyDict_Type ){
    n = PyDict_GET_SIZE(v);
    h = mixu(mix(h, v), (uint64_t)n);
    if( depth>=s->o.max_depth ) return h;
    return fp_dict(s, h, v, depth);
  }
  if( tp==&PySet_Type || tp==&PyFrozenSet_Type ){
    n = PySet_GET_SIZE(v);
    h = mixu(mix(h, v), (uint64_t)n);
    if( depth>=s->o.max_depth ) return h;
    for(Py_ssize_t i=0; i<s->o.max_items && trec_locals_set_next(v, &pos, &key); i++)
      h = fp_item(s, h, key, depth+1);
    return h;
  }
  /* instances of classes: the common case, which the checks below (all
  ** for builtin types, types and exceptions) would only slow down */
  if( fp_is_instance(v, tp) ) return fp_object(s, h, v, depth);
  uint64_t idfp;
  if( identity_fp(s, v, &idfp) ) return mixu(h, idfp);
  if( PyExceptionInstance_Check(v) || repr_known(s, v) )
    return fp_encoded(s, h, v, depth);
  return fp_object(s, h, v, depth);
}

/* v's own fingerprint (see "sub-values"), noted in s->nodes and mixed
** into h: fp_value() walks v again from the start, as the root of its own
** walk (s->fp_self), and counts it once. A note of this snapshot is taken
** instead when its walk fits in the budget left, so that a variable's
** fingerprint does not depend on which variable reached the node first. */
static uint64_t fp_self(trec_snap *s, uint64_t h, PyObject *v, int depth){
  long left = ++s->fp_left;
  struct sub_node *n = &s->nodes[sub_at(v, depth, SUB_NODES)];
  if( n->obj==v && n->depth==depth && n->gen>=s->frame_gen && left>=n->count ){
    s->fp_left = left - n->count;
    return mixu(h, n->fp);
  }
  s->fp_self = v;
  uint64_t g = fp_value(s, 0xbb67ae8584caa73bull, v, depth);
  s->fp_self = NULL;
  if( s->fp_left>=0 && left - s->fp_left>=SUB_MIN_NODES ){
    n->obj = v;
    n->fp = g;
    n->gen = s->node_gen;
    n->count = left - s->fp_left;
    n->depth = depth;
  }
  return mixu(h, g);
}

static uint64_t fp_top(trec_snap *s, PyObject *v){
  s->fp_left = (long)s->o.max_value_bytes + s->o.max_depth + 8;
  s->node_gen++;
  return fp_value(s, 0x6a09e667f3bcc908ull, v, 0);
}

int trec_shadow_new(const trec_layout *L, trec_shadow **out){
  trec_shadow *sh = calloc(1, sizeof *sh + (size_t)L->n * sizeof sh->slot[0]);
  *out = sh;
  if( sh==NULL ) return TREC_ERR_NOMEM;
  sh->L = L;
  sh->n = L->n;
  return TREC_OK;
}

static void shadow_clear(struct shadow_slot *x){
  if( x->state==SH_HELD ) Py_CLEAR(x->held);
  x->held = NULL;
  x->state = SH_NONE;
}

void trec_shadow_free(trec_shadow *sh){
  if( sh==NULL ) return;
  for(uint32_t i=0; i<sh->n; i++) shadow_clear(&sh->slot[i]);
  free(sh);
}

const trec_layout *trec_shadow_layout(const trec_shadow *sh){ return sh->L; }

void trec_shadow_reset(trec_shadow *sh){
  for(uint32_t i=0; i<sh->n; i++) shadow_clear(&sh->slot[i]);
  memset(sh->slot, 0, (size_t)sh->n * sizeof sh->slot[0]);
}

void trec_snap_track(trec_snap *s, struct trec_buf *ends){ s->ends = ends; }

static void entry_done(trec_snap *s, const struct trec_buf *out){
  uint32_t end = (uint32_t)out->len;
  if( s->ends ) trec_buf_put(s->ends, &end, sizeof end);
}

/* The check TRACEREC_FPCHECK=1 turns on, for tests: a value that a
** fingerprint found unchanged, that a quick snapshot passed over, or whose
** encoding came from the encoding cache or was built from cached
** sub-values, is encoded again with no cache, and its bytes must hash to
** what was recorded (hash): 1 when it does not. The first slot that fails
** is kept for snap_frame to report. */
static int check_enc(trec_snap *s, PyObject *v, uint64_t hash){
  struct trec_buf *b = &s->checkbuf;
  int sub_live = s->sub_live;
  trec_buf_reset(b);
  s->sub_live = 0;
  enc_top(s, v, b);
  s->sub_live = sub_live;
  if( b->oom ){
    b->oom = 0;
    return 0;
  }
  return hash_bytes(b->data, b->len)!=hash;
}

static void check_slot(trec_snap *s, uint32_t i, PyObject *v, uint64_t hash){
  if( check_enc(s, v, hash) && s->check_miss<0 ) s->check_miss = (int)i;
}

/* v's encoding, fingerprinted as f when fingerprinted (else v is encoded
** plainly, or as redacted): the encoding cache's when it holds v at f
** (return 1), else appended to b, from cached sub-values where it can, and
** kept (return 0). *data (valid until the next encoding) and *len give it,
** *h its hash; *cached says whether a cache gave any of it. @return -1
** when out of memory. */
static int enc_known(trec_snap *s, PyObject *v, int fingerprinted, uint64_t f,
                     int redact, struct trec_buf *b, const unsigned char **data,
                     size_t *len, uint64_t *h, int *cached){
  size_t at = cache_at(v, ENC_CACHE), start = b->len;
  if( fingerprinted && s->ecache[at].obj==v && s->ecache[at].fp==f ){
    *h = s->ecache[at].hash;
    *data = s->ecache[at].data.data;
    *len = s->ecache[at].data.len;
    *cached = 1;
    return 1;
  }
  if( redact ){
    type_name(s, Py_TYPE(v));
    trec_venc_redacted(b, (const char *)s->tname.data, s->tname.len);
  }else{
    s->sub_live = fingerprinted && s->nodes!=NULL;
    s->sub_level = 0;         /* levels left open by a failed push */
    enc_top(s, v, b);
    s->sub_live = 0;
  }
  if( b->oom ) return -1;
  *data = b->data + start;
  *len = b->len - start;
  *h = hash_bytes(*data, *len);
  *cached = fingerprinted && s->nodes!=NULL;
  if( fingerprinted && *len<=ENC_CACHE_MAX ){
    struct trec_buf *c = &s->ecache[at].data;
    trec_buf_reset(c);
    trec_buf_put(c, *data, *len);
    s->ecache[at].obj = c->oom ? NULL : v;
    s->ecache[at].fp = f;
    s->ecache[at].hash = *h;
    c->oom = 0;
  }
  return 0;
}

/* One slot's current value v (NULL: unbound) against its shadow x. */
static void snap_slot(trec_snap *s, const trec_layout *L, uint32_t i,
                      struct shadow_slot *x, PyObject *v, struct trec_buf *out){
  if( v==NULL ){
    x->seen = NULL;
    if( x->state==SH_NONE ) return;
    shadow_clear(x);
    trec_payload_key(out, TREC_PK_VAR, i);
    trec_venc_unbound(out);
    entry_done(s, out);
    return;
  }
  x->seen = v;
  if( x->state==SH_HELD && x->held==v ) return;
  if( !L->redact[i] && is_frozen(v, 0) ){
    shadow_clear(x);
    Py_INCREF(v);
    x->held = v;
    x->state = SH_HELD;
    trec_payload_key(out, TREC_PK_VAR, i);
    if( !enc_scalar(v, out) ) enc_top(s, v, out);
    entry_done(s, out);
    return;
  }
  uint64_t fp;
  if( !L->redact[i] && identity_fp(s, v, &fp) ){
    if( x->state==SH_IDENT && x->hash==fp ) return;
    shadow_clear(x);
    x->state = SH_IDENT;
    x->hash = fp;
    trec_payload_key(out, TREC_PK_VAR, i);
    enc_top(s, v, out);
    entry_done(s, out);
    return;
  }
  int fingerprinted = !L->redact[i] && !s->o.capture_repr;
  uint64_t f = 0, h;
  const unsigned char *data;
  size_t len;
  if( fingerprinted ){
    f = fp_top(s, v);
    if( x->state==SH_HASH && x->fp==f ){
      if( s->check ) check_slot(s, i, v, x->hash);
      return;
    }
  }
  int cached;
  trec_buf_reset(s->diff);
  if( enc_known(s, v, fingerprinted, f, L->redact[i], s->diff, &data, &len,
                &h, &cached)<0 ){
    out->oom = 1;
    return;
  }
  if( cached && s->check ) check_slot(s, i, v, h);
  if( x->state==SH_HASH && x->hash==h ){
    x->fp = f;
    return;
  }
  shadow_clear(x);
  x->state = SH_HASH;
  x->hash = h;
  x->fp = f;
  trec_payload_key(out, TREC_PK_VAR, i);
  trec_buf_put(out, data, len);
  entry_done(s, out);
}

/* Values an in-place operator replaces rather than changes. */
static int inplace_safe(PyObject *v){
  PyTypeObject *tp;
  if( v==NULL || v==Py_None ) return 1;
  tp = Py_TYPE(v);
  return tp==&PyLong_Type || tp==&PyBool_Type || tp==&PyFloat_Type
         || tp==&PyUnicode_Type || tp==&PyBytes_Type || tp==&PyTuple_Type
         || tp==&PyComplex_Type;
}

static uint64_t slot_bit(uint32_t i){ return (uint64_t)1 << (i<63 ? i : 63); }

/* A namespace frame's variable i (Borrowed), NULL when unbound; hint:
** where its entry was, or NULL. */
static PyObject *ns_read(const trec_layout *L, PyObject *ns, uint32_t i,
                         int32_t *hint){
  int32_t none = -1;
  return ns ? trec_locals_ns_get(ns, L->names[i], hint ? hint : &none) : NULL;
}

/* Slot i's value in a frame read through its fast locals, or else its
** namespace ns (Borrowed), NULL when unbound. */
static inline PyObject *slot_read(const trec_layout *L, trec_shadow *sh,
                                  PyObject **fast, PyObject *ns, uint32_t i){
  return fast ? trec_locals_read(fast, &L->src[i])
              : ns_read(L, ns, i, &sh->slot[i].hint);
}

/* The check of a slot a quick snapshot passes over: bound to another
** object, the line's facts were wrong; the same object, its value must
** encode as recorded. */
static void check_unstored(trec_snap *s, const trec_layout *L,
                           trec_shadow *sh, PyObject **fast, PyObject *ns,
                           uint32_t i){
  PyObject *v = slot_read(L, sh, fast, ns, i);
  if( v!=sh->slot[i].seen ){
    if( s->check_miss<0 ){
      s->check_miss = (int)i;
      s->check_rebound = 1;
    }
  }else if( sh->slot[i].state==SH_HASH && !L->redact[i]
            && !s->o.capture_repr ){
    check_slot(s, i, v, sh->slot[i].hash);
  }
}

/* quick: see trec_snap_frame_quick(); store, inplace its slot masks. */
static int snap_frame(trec_snap *s, PyThreadState *ts, const trec_layout *L,
                      trec_shadow *sh, PyFrameObject *f, int full, int quick,
                      uint64_t store, uint64_t inplace, struct trec_buf *out){
  struct snap_entry e;
  PyObject **fast = NULL, *ns = NULL;
  /* a layout read against another code's frame would index past its
  ** localsplus */
  if( trec_locals_code(f)!=L->co || sh->L!=L )
    return snap_fail(s, TREC_ERR_INVALID, "frame, layout and shadow disagree");
  snap_enter(s, &e, ts);
  s->frame_gen = s->node_gen + 1;
  if( full ) for(uint32_t i=0; i<sh->n; i++) shadow_clear(&sh->slot[i]);
  if( L->fast ){
    fast = trec_locals_fast(f);
    if( fast==NULL ) return snap_leave(s, &e, out);
  }else{
    ns = trec_locals_namespace(f);
  }
  for(uint32_t i=0; quick && inplace && i<L->n; i++){
    if( !(inplace & slot_bit(i)) ) continue;
    if( !inplace_safe(slot_read(L, sh, fast, ns, i)) ) quick = 0;
  }
  /* after a pure line only the variables it stores can be bound to another
  ** object (lineflow.h): the others still hold the object the frame's last
  ** event saw, so a quick snapshot visits the stored ones alone (bit 63
  ** stands for every slot from 63 on), unless the check is on */
  int sparse = quick && !s->check;
  for(uint32_t i=0; i<L->n; i++){
    if( sparse && i<63 ){
      if( (store>>i)==0 ) break;
      i += (uint32_t)__builtin_ctzll(store>>i);
      if( i>=L->n ) break;
    }
    if( quick && !(store & slot_bit(i)) ){
      check_unstored(s, L, sh, fast, ns, i);
      continue;
    }
    snap_slot(s, L, i, &sh->slot[i], slot_read(L, sh, fast, ns, i), out);
  }
  if( s->check_miss>=0 ){
    const char *fn = PyUnicode_AsUTF8(L->co->co_name);
    if( fn==NULL ) PyErr_Clear();
    snap_leave(s, &e, out);
    snprintf(s->errmsg, sizeof s->errmsg, "snapshot: TRACEREC_FPCHECK: "
             "%s in %s() %s", L->cnames[s->check_miss], fn ? fn : "?",
             s->check_rebound
             ? "was passed over by a quick snapshot, but is bound to another object"
             : "was recorded from a fingerprint or a cache, and encoding it "
               "again gives other bytes");
    s->check_miss = -1;
    s->check_rebound = 0;
    return TREC_ERR_INVALID;
  }
  return snap_leave(s, &e, out);
}

/* An object the encoding cache holds (a frame's variable: return self,
** or a value returned before) is fingerprinted, so that unchanged it comes
** from the cache and changed it copies its unchanged parts. Other values
** are encoded directly: most are new (a list built and returned), and
** their fingerprint would only add to their cost (strings_json). Unless
** same_event, the walk starts a generation of its own: program code may
** have run since the last snapshot noted its nodes. */
int trec_snap_value(trec_snap *s, PyThreadState *ts, PyObject *v,
                    int same_event, struct trec_buf *out){
  struct snap_entry e;
  const unsigned char *data;
  size_t len;
  uint64_t f, h, idfp;
  int cached;
  snap_enter(s, &e, ts);
  if( enc_scalar(v, out) ) return snap_leave(s, &e, out);
  if( s->o.capture_repr || is_frozen(v, 0) || identity_fp(s, v, &idfp)
      || s->ecache[cache_at(v, ENC_CACHE)].obj!=v ){
    enc_top(s, v, out);
    return snap_leave(s, &e, out);
  }
  if( !same_event ) s->frame_gen = s->node_gen + 1;
  f = fp_top(s, v);
  switch( enc_known(s, v, 1, f, 0, out, &data, &len, &h, &cached) ){
    case 1: trec_buf_put(out, data, len); break;
    case -1: out->oom = 1; return snap_leave(s, &e, out);
  }
  if( cached && s->check && check_enc(s, v, h) ){
    snap_leave(s, &e, out);
    snprintf(s->errmsg, sizeof s->errmsg, "snapshot: TRACEREC_FPCHECK: a "
             "return value was recorded from a cache, and encoding it again "
             "gives other bytes");
    return TREC_ERR_INVALID;
  }
  return snap_leave(s, &e, out);
}

PyObject *trec_snap_slot_value(const trec_layout *L, PyFrameObject *f,
                               uint32_t i){
  if( i>=L->n || trec_locals_code(f)!=L->co ) return NULL;
  if( !L->fast ) return ns_read(L, trec_locals_namespace(f), i, NULL);
  PyObject **fast = trec_locals_fast(f);
  return fast ? trec_locals_read(fast, &L->src[i]) : NULL;
}

int trec_snap_frame(trec_snap *s, PyThreadState *ts, const trec_layout *L,
                    trec_shadow *sh, PyFrameObject *f, int full,
                    struct trec_buf *out){
  return snap_frame(s, ts, L, sh, f, full, 0, 0, 0, out);
}

int trec_snap_frame_quick(trec_snap *s, PyThreadState *ts,
                          const trec_layout *L, trec_shadow *sh,
                          PyFrameObject *f, uint64_t store, uint64_t inplace,
                          struct trec_buf *out){
  return snap_frame(s, ts, L, sh, f, 0, 1, store, inplace, out);
}

/* ---- test-only entry points (see snapshot.h) ---- */

static int debug_options(PyObject *kw, struct trec_snap_options *o,
                         PyObject **redact){
  static const char *const names[] = {
    "max_str", "max_items", "max_depth", "max_value_bytes", "capture_repr"
  };
  Py_ssize_t *dst[] = { &o->max_str, &o->max_items, NULL, &o->max_value_bytes, NULL };
  o->max_str = 256;
  o->max_items = 32;
  o->max_depth = 3;
  o->max_value_bytes = 65536;
  o->capture_repr = 0;
  *redact = NULL;
  if( kw==NULL ) return 0;
  PyObject *k, *v;
  Py_ssize_t pos = 0;
  while( PyDict_Next(kw, &pos, &k, &v) ){
    const char *key = PyUnicode_AsUTF8(k);
    size_t i;
    if( key==NULL ) return -1;
    if( strcmp(key, "redact")==0 ){
      *redact = v==Py_None ? NULL : v;
      continue;
    }
    for(i=0; i<5 && strcmp(key, names[i]); i++) ;
    if( i==5 ){
      PyErr_Format(PyExc_TypeError, "unknown option %s", key);
      return -1;
    }
    long long x = PyLong_AsLongLong(v);
    if( x==-1 && PyErr_Occurred() ) return -1;
    if( i==2 ) o->max_depth = (int)x;
    else if( i==4 ) o->capture_repr = x!=0;
    else *dst[i] = (Py_ssize_t)x;
  }
  return 0;
}

static trec_snap *debug_snap(PyObject *kw){
  struct trec_snap_options o;
  PyObject *redact;
  trec_snap *s;
  if( debug_options(kw, &o, &redact) ) return NULL;
  int rc = trec_snap_new(&o, redact, &s);
  if( rc!=TREC_OK ){
    PyErr_Format(rc==TREC_ERR_INVALID ? PyExc_TypeError : PyExc_MemoryError,
                 "snapshot: %s", trec_strerror(rc));
    return NULL;
  }
  return s;
}

static PyObject *debug_result(trec_snap *s, int rc, struct trec_buf *b){
  PyObject *r = NULL;
  if( rc==TREC_OK )
    r = PyBytes_FromStringAndSize((const char *)b->data, (Py_ssize_t)b->len);
  else
    PyErr_SetString(PyExc_RuntimeError, trec_snap_errmsg(s));
  trec_buf_release(b);
  return r;
}

static PyObject *debug_value(PyObject *self, PyObject *args, PyObject *kw){
  PyObject *v;
  struct trec_buf b = TREC_BUF_INIT;
  (void)self;
  if( !PyArg_ParseTuple(args, "O", &v) ) return NULL;
  trec_snap *s = debug_snap(kw);
  if( s==NULL ) return NULL;
  PyObject *r = debug_result(s, trec_snap_value(s, trec_compat_tstate(), v,
                                                0, &b), &b);
  trec_snap_free(s);
  return r;
}

static PyObject *debug_exception(PyObject *self, PyObject *args, PyObject *kw){
  PyObject *v;
  struct trec_buf b = TREC_BUF_INIT;
  (void)self;
  if( !PyArg_ParseTuple(args, "O", &v) ) return NULL;
  trec_snap *s = debug_snap(kw);
  if( s==NULL ) return NULL;
  PyObject *r = debug_result(s, trec_snap_exception(s, trec_compat_tstate(),
                                                    v, &b), &b);
  trec_snap_free(s);
  return r;
}

/* A session: what recorder-core keeps per recorder, code and frame. */
struct debug_session {
  trec_snap *s;
  trec_layout *L;
  trec_shadow *sh;
  PyObject *code;   /* Owned: L borrows its names */
};
#define SESSION_CAPSULE "tracerec.snapshot_session"

static void session_free(PyObject *cap){
  struct debug_session *d = PyCapsule_GetPointer(cap, SESSION_CAPSULE);
  if( d==NULL ) return;
  trec_shadow_free(d->sh);
  trec_layout_free(d->L);
  trec_snap_free(d->s);
  Py_XDECREF(d->code);
  free(d);
}

static PyObject *debug_session(PyObject *self, PyObject *args, PyObject *kw){
  PyObject *code;
  (void)self;
  if( !PyArg_ParseTuple(args, "O!", &PyCode_Type, &code) ) return NULL;
  struct debug_session *d = calloc(1, sizeof *d);
  if( d==NULL ) return PyErr_NoMemory();
  PyObject *cap = PyCapsule_New(d, SESSION_CAPSULE, session_free);
  if( cap==NULL ){ free(d); return NULL; }
  Py_INCREF(code);
  d->code = code;
  if( (d->s = debug_snap(kw))==NULL ) goto fail;
  if( trec_layout_new(d->s, (PyCodeObject *)code, 0, &d->L)
      || trec_shadow_new(d->L, &d->sh) ){
    PyErr_NoMemory();
    goto fail;
  }
  return cap;
fail:
  Py_DECREF(cap);
  return NULL;
}

static PyObject *debug_frame(PyObject *self, PyObject *args){
  PyObject *cap, *frame;
  int full = 0;
  struct trec_buf b = TREC_BUF_INIT;
  (void)self;
  if( !PyArg_ParseTuple(args, "OO!|p", &cap, &PyFrame_Type, &frame, &full) )
    return NULL;
  struct debug_session *d = PyCapsule_GetPointer(cap, SESSION_CAPSULE);
  if( d==NULL ) return NULL;
  PyCodeObject *co = PyFrame_GetCode((PyFrameObject *)frame);
  int same = (PyObject *)co==d->code;
  Py_DECREF(co);
  if( !same ){
    PyErr_SetString(PyExc_ValueError, "frame is not running the session's code");
    return NULL;
  }
  return debug_result(d->s, trec_snap_frame(d->s, trec_compat_tstate(),
                                            d->L, d->sh,
                                            (PyFrameObject *)frame, full, &b),
                      &b);
}

static PyObject *debug_names(PyObject *self, PyObject *cap){
  (void)self;
  struct debug_session *d = PyCapsule_GetPointer(cap, SESSION_CAPSULE);
  if( d==NULL ) return NULL;
  PyObject *t = PyTuple_New(d->L->n);
  if( t==NULL ) return NULL;
  for(uint32_t i=0; i<d->L->n; i++){
    PyObject *u = PyUnicode_FromString(trec_layout_name(d->L, i));
    if( u==NULL ){ Py_DECREF(t); return NULL; }
    PyTuple_SET_ITEM(t, i, u);
  }
  return Py_BuildValue("(NI)", t, (unsigned)trec_layout_n_args(d->L));
}

PyMethodDef trec_snap_debug_methods[] = {
  {"_snapshot_value", (PyCFunction)(void (*)(void))debug_value,
   METH_VARARGS | METH_KEYWORDS, "test only: one encoded value"},
  {"_snapshot_exception", (PyCFunction)(void (*)(void))debug_exception,
   METH_VARARGS | METH_KEYWORDS, "test only: one encoded exception"},
  {"_snapshot_session", (PyCFunction)(void (*)(void))debug_session,
   METH_VARARGS | METH_KEYWORDS, "test only: layout + shadow for a code object"},
  {"_snapshot_frame", debug_frame, METH_VARARGS,
   "test only: (session, frame, full=False) -> payload VAR entries"},
  {"_snapshot_names", debug_names, METH_O,
   "test only: session -> (slot names, n_args)"},
  {NULL, NULL, 0, NULL}
};

#ifdef TREC_SNAP_TEST_MODULE
/* tests/snapshot.mk builds this file a second time as the module _snaptest,
** so the snapshot tests run whether or not _tracerec exposes the entry
** points yet. */
static struct PyModuleDef snaptest_module = {
  PyModuleDef_HEAD_INIT, "_snaptest", "tracerec snapshot test entry points",
  -1, trec_snap_debug_methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__snaptest(void);
PyMODINIT_FUNC PyInit__snaptest(void){
  return PyModule_Create(&snaptest_module);
}
#endif
