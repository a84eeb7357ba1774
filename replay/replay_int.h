/*
** replay_int.h: the engine's internal structures, shared by the files of
** replay/ and nothing else.
**
** State model. A thread's state at an event is a stack of rframes, each with
** one value slot per name of its code object. Slots point into the bytes of
** a decoded chunk or its keyframe (both kept in one cache entry), so a state
** is valid only while its entry stays in the cache: the cursor pins the
** entry its state points into. Each cache entry also keeps snapshots of the
** state every SNAP_EVERY events, built on first use, so that the state at
** any event costs at most SNAP_EVERY event applications and stepping
** backward costs what stepping forward costs.
*/
#ifndef TREC_REPLAY_INT_H
#define TREC_REPLAY_INT_H

#include <stdarg.h>
#include "replay/replay.h"

#define REPLAY_N_CACHE   8
#define REPLAY_SNAP_EVERY 256

struct rval { const unsigned char *p, *e; };   /* p == NULL: no value */

/* No value, or the name unbound (deleted, or not assigned yet). */
static inline int rval_unbound(const struct rval *v){
  return v->p==NULL || v->p>=v->e || v->p[0]==TREC_V_UNBOUND;
}

struct rframe {
  uint64_t frame;
  uint32_t code;
  int32_t line;
  uint32_t n_slots;
  uint32_t cap;
  struct rval *val;        /* Owned: n_slots entries */
};

struct rstack {
  size_t n, cap;
  struct rframe *f;        /* Owned; frames past n keep their arrays */
  int pending_pop;         /* the top frame's return event was applied */
};

struct centry {
  size_t index;            /* chunk index; SIZE_MAX when unused */
  uint64_t used;           /* LRU clock */
  int pins;
  struct trec_chunk ch;
  struct trec_keyframe kf;
  struct rstack *snap;     /* Owned: snap[k] = state before event k*SNAP_EVERY */
  size_t n_snap, snap_cap;
};

/* The chunks of one thread, in seq order. */
struct rthread {
  uint32_t id;
  size_t n, cap;
  size_t *chunks;          /* Owned: indexes into the reader's chunk index */
};

struct rbp {
  int id;
  int enabled, temporary;
  uint32_t file;
  int32_t line;
  char *function;          /* Owned */
  char *cond;              /* Owned */
  uint32_t ignore, hits;
};

struct rwatch {
  int id;
  int enabled;
  char *expr;              /* Owned: the whole expression */
  const char *path;        /* into expr: what follows the root name */
  uint64_t frame;
  uint32_t thread;
  uint32_t slot;
  uint32_t depth;          /* the frame's depth; 0 if it may move (generators) */
};

struct trec_replay {
  trec_reader *r;
  int own_reader;
  struct trec_buf msg;
  volatile sig_atomic_t *interrupt;   /* Borrowed; NULL: not polled */

  struct rthread *thr;     /* Owned, one per reader thread, same order */
  size_t n_thr;

  struct centry cache[REPLAY_N_CACHE];
  uint64_t clock;

  /* the cursor */
  int empty;
  size_t cur_t;            /* index into thr */
  size_t cur_k;            /* index into thr[cur_t].chunks */
  size_t cur_j;            /* event index in that chunk */
  struct centry *cur_e;    /* pinned */
  struct rstack cur;       /* the current thread's state at the cursor */

  struct rbp *bp;          /* Owned */
  size_t n_bp, bp_cap;
  struct rwatch *watch;    /* Owned */
  size_t n_watch, watch_cap;
  int next_id;
  unsigned char *bp_code;  /* Owned: per code id, nonzero if a bp may match */
  size_t bp_code_n;

  struct trec_buf wchg;               /* struct wchange: a stop's changes */
  struct trec_buf wvals;              /* their expressions and values */
  struct trec_buf changes;            /* struct trec_replay_change, from them */
  struct trec_buf gone;               /* ints: watches deleted at the stop */
  struct trec_buf scratch;

  struct trec_buf *src;    /* Owned: per file id, source (lazy) */
  size_t **src_lines;      /* Owned: per file id, line start offsets */
  size_t *src_n;           /* lines per file; SIZE_MAX = not stored */
  size_t n_src;
};

/* replay.c */
int replay_err(trec_replay *rp, int rc, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* stack.c */
void rstack_init(struct rstack *s);
void rstack_release(struct rstack *s);
int rstack_copy(trec_replay *rp, struct rstack *dst, const struct rstack *src);
int rstack_from_keyframe(trec_replay *rp, struct rstack *s,
                         const struct trec_keyframe *kf);
int rstack_apply(trec_replay *rp, struct rstack *s, const struct trec_chunk *c,
                 size_t j);
struct rframe *rstack_find(struct rstack *s, uint64_t frame);

/* cache.c */
int cache_get(trec_replay *rp, size_t index, struct centry **out);
int cache_state(trec_replay *rp, struct centry *e, size_t j, struct rstack *out);
void cache_release(trec_replay *rp);
/* The index into rp->thr of a thread id, SIZE_MAX if none. */
size_t replay_thread_index(trec_replay *rp, uint32_t thread_id);
/* Latest event of thread ti at or before seq: *k, *j. NOTFOUND if none. */
int replay_thread_at(trec_replay *rp, size_t ti, uint64_t seq,
                     size_t *k, struct centry **e, size_t *j);
/* Put the cursor on (ti, k, j), rebuilding the state. */
int replay_move(trec_replay *rp, size_t ti, size_t k, size_t j);

/* expr.c */
int replay_eval_in(trec_replay *rp, const struct rstack *s, size_t level,
                   const char *expr, struct trec_buf *out);
int replay_expr_check(trec_replay *rp, const char *expr);
/* Check that what follows the name (its first name_len bytes) in a
** watch's expr is only .attr and [key] items. */
int replay_path_check(trec_replay *rp, const char *expr, size_t name_len);
/* Apply a path (".a[0].b") to an encoded value; result into out (or
** *absent = 1). */
int replay_eval_path(trec_replay *rp, const unsigned char *p,
                     const unsigned char *e, const char *path,
                     struct trec_buf *out, int *absent);
/* A name as Python resolves it at frame `level`: the frame's own variable,
** else a global of the module frame of the same file. */
int replay_lookup(trec_replay *rp, const struct rstack *s, size_t level,
                  const char *name, size_t *flevel, uint32_t *slot);

/* arith.c: Python's operators on decoded values (numbers, and str and
** bytes for + and *); the result is encoded into out, which is reset
** first. Errors read as Python's, or say what a replay cannot evaluate. */
enum rop {
  ROP_ADD, ROP_SUB, ROP_MUL, ROP_DIV, ROP_FLOORDIV, ROP_MOD, ROP_POW,
  ROP_LSHIFT, ROP_RSHIFT, ROP_AND, ROP_XOR, ROP_OR,
  ROP_NEG, ROP_POS, ROP_INVERT, ROP_ABS
};
const char *replay_op_token(enum rop op);
int replay_binop(trec_replay *rp, enum rop op, const struct trec_value *a,
                 const struct trec_value *b, struct trec_buf *out);
/* op: ROP_NEG, ROP_POS, ROP_INVERT or ROP_ABS */
int replay_unop(trec_replay *rp, enum rop op, const struct trec_value *a,
                struct trec_buf *out);
/* Whether the recorder cut v (a str, bytes or container) short. */
int replay_value_cut(const struct trec_value *v);
/* The refusal of an answer that lies in the part of v the recorder cut:
** "ValueError: <before>the list was cut at 32 of its 100 items when
** recorded (--max-items)<after>". */
int replay_err_cut(trec_replay *rp, const char *before, const struct trec_value *v,
                   const char *after);
/* The refusal of a comparison that only the cut parts could decide. */
int replay_err_cut_compare(trec_replay *rp);
/* Whether the recorded program ran on Python major.minor or later (its
** errors' words and sum()'s rounding changed between versions); 0 when the
** trace does not say. */
int replay_python_at_least(trec_replay *rp, int major, int minor);

/* equal.c: Python's ==, `is` and truth value over decoded values, each
** yes, no, or "the recording cannot tell" (why says why). item: compared
** as containers, `in`, count(), index() and dict lookups compare an item,
** identity first. */
enum replay_eq { REPLAY_EQ_NO, REPLAY_EQ_YES, REPLAY_EQ_UNKNOWN };
enum replay_why_kind {
  REPLAY_WHY_NONE, REPLAY_WHY_CUT, REPLAY_WHY_CORRUPT, REPLAY_WHY_DEPTH,
  REPLAY_WHY_SELF, REPLAY_WHY_NAN, REPLAY_WHY_REDACTED,
  /* these name v's type */
  REPLAY_WHY_OBJECT, REPLAY_WHY_REPR, REPLAY_WHY_IDENTITY, REPLAY_WHY_TRUTH,
  /* a Decimal signalling NaN; a ZoneInfo's offset */
  REPLAY_WHY_CONTEXT, REPLAY_WHY_ZONE
};
struct replay_why {
  enum replay_why_kind kind;
  struct trec_value v;          /* the value whose type decides, borrowed */
};
/* REPLAY_EQ_UNKNOWN, with why set to kind (and v, when not NULL) unless an
** earlier part of the comparison gave a reason other than a cut. */
int replay_unknown(struct replay_why *why, enum replay_why_kind kind,
                   const struct trec_value *v);
/* a == b: enum replay_eq; why is set (first to REPLAY_WHY_NONE) when unknown. */
int replay_eq3(const struct trec_value *a, const struct trec_value *b, int item,
               struct replay_why *why);
/* x in the stored items of container c (a dict's keys): enum replay_eq,
** NO only when c was not cut; on YES of a dict, *val is the key's value. */
int replay_find(const struct trec_value *c, const struct trec_value *x,
                struct trec_value *val, struct replay_why *why);
/* TREC_OK when v can be a dict key or set item, else Python's TypeError
** naming the list, dict or set (maybe inside a tuple) that makes it
** unhashable. */
int replay_check_hashable(trec_replay *rp, const struct trec_value *v);
/* The error that says why: TREC_ERR_LIMIT, or TREC_ERR_CORRUPT. */
int replay_err_why(trec_replay *rp, const struct replay_why *why);
/* *eq = (a == b), or the error saying why the recording cannot tell. */
int replay_equal(trec_replay *rp, const struct trec_value *a,
                 const struct trec_value *b, int item, int *eq);
/* *is = (a is b), or the error. */
int replay_is(trec_replay *rp, const struct trec_value *a, const struct trec_value *b,
              int *is);
/* *t = bool(v), or the error (an object's class may define __bool__). */
int replay_truthy(trec_replay *rp, const struct trec_value *v, int *t);
/* stdval.c: Decimal and datetime's values, which the recorder keeps as
** their repr() text, by value. replay_std_known: whether v is such a text.
** replay_std_eq: a == b where a or b is known, as enum replay_eq (why set
** when unknown). replay_std_order: the order of a and b, one of them known,
** for `a op b`: TREC_OK and *cmp, else the error (Python's TypeError, or
** why the recording cannot tell) is in rp. replay_std_truthy: bool(v) of a
** known v. */
int replay_std_known(const struct trec_value *v);
int replay_std_is_decimal(const struct trec_value *v);
int replay_std_eq(const struct trec_value *a, const struct trec_value *b,
                  struct replay_why *why);
int replay_std_order(trec_replay *rp, const char *op, const struct trec_value *a,
                     const struct trec_value *b, int *cmp);
int replay_std_truthy(const struct trec_value *v);
/* What datetime computes exactly over such values, the result encoded
** into out (appended): replay_std_binop (a op b, one of them known) and
** replay_std_unop; replay_std_getattr (a date's, time's or timedelta's
** fields, a tzinfo); replay_std_method (total_seconds(), weekday(),
** isoweekday() without arguments). TREC_ERR_NOTFOUND when not computed
** here (the caller's own message follows), else TREC_OK or the error in
** rp (Python's OverflowError or TypeError, or a refusal: a Decimal's
** arithmetic rounds by the program's context). */
int replay_std_binop(trec_replay *rp, enum rop op, const struct trec_value *a,
                     const struct trec_value *b, struct trec_buf *out);
int replay_std_unop(trec_replay *rp, enum rop op, const struct trec_value *a,
                    struct trec_buf *out);
int replay_std_getattr(const struct trec_value *v, const char *name, struct trec_buf *out);
int replay_std_method(trec_replay *rp, const struct trec_value *self, const char *name,
                      size_t nargs, struct trec_buf *out);
/* int(v) (half_even 0) or round(v) (1), and float(v), of a Decimal v
** (replay_std_is_decimal): TREC_OK with *out, or Python's error in rp (an
** int past 127 bits is refused). */
int replay_std_decimal_int(trec_replay *rp, const struct trec_value *v, int half_even,
                           __int128 *out);
int replay_std_decimal_float(trec_replay *rp, const struct trec_value *v, double *out);
/* order.c: the order of a and b for `a op b` (op "<", "<=", ">", ">="),
** as Python's rich comparison finds it: lists and tuples by their first
** unequal items. TREC_OK and *cmp (<0, 0, >0), or the error in rp:
** Python's TypeError naming the items' types, or why the recording cannot
** tell (a cut part, an object whose class may define the order). */
int replay_order(trec_replay *rp, const char *op, const struct trec_value *a,
                 const struct trec_value *b, int *cmp);
/* The errors of an order: Python's TypeError for `a op b`; the recording
** cannot tell v's order (its class may define it). */
int replay_err_unorderable(trec_replay *rp, const char *op, const struct trec_value *a,
                           const struct trec_value *b);
int replay_err_order_unknown(trec_replay *rp, const struct trec_value *v);

/* round(a[, ndigits]) (ndigits NULL when not given), int(a) and float(a)
** of a number, as Python computes them. */
enum rconv { RCONV_ROUND, RCONV_INT, RCONV_FLOAT };
int replay_convert(trec_replay *rp, enum rconv fn, const struct trec_value *a,
                   const struct trec_value *ndigits, struct trec_buf *out);

/* methods.c: self.name(args) for the methods of builtin values answered
** from the recorded value (str and bytes startswith, endswith, find,
** count; dict get; list and tuple count, index); self and args are
** decoded content (trec_value_content). The result is encoded into out,
** which is reset first; another method is refused with a message. */
int replay_method(trec_replay *rp, const struct trec_value *self, const char *name,
                  size_t name_len, const struct trec_value *args, size_t nargs,
                  struct trec_buf *out);

/* cursor.c: scanning. A scan function returns 1 to stop at event j of
** entry e (chunk k of thread ti), 0 to go on, or -rc on error. A skip
** function returns 1 when no event of the chunk can match. */
typedef int (*replay_scan_fn)(trec_replay *rp, void *ctx, size_t ti, size_t k,
                              struct centry *e, size_t j);
typedef int (*replay_skip_fn)(trec_replay *rp, void *ctx, size_t ti, size_t k,
                              const struct trec_chunk_info *ci);
/* Scan thread ti from seq `from` (exclusive) in direction dir, not reaching
** `bound` (exclusive). @return TREC_OK with *ok, *oj, or TREC_ERR_NOTFOUND. */
int replay_scan(trec_replay *rp, size_t ti, int dir, uint64_t from,
                uint64_t bound, replay_scan_fn fn, replay_skip_fn skip,
                void *ctx, size_t *ok, size_t *oj);
/* The same over every thread: the nearest match in seq order. */
int replay_scan_all(trec_replay *rp, int dir, uint64_t from, uint64_t bound,
                    replay_scan_fn fn, replay_skip_fn skip, void *ctx,
                    size_t *oti, size_t *ok, size_t *oj);

/* bp.c, watch.c */
void bp_release(trec_replay *rp);
void watch_release(trec_replay *rp);
/* One watch's change found by watch_scan: offsets into rp->wvals. */
struct wchange {
  int id;
  size_t expr, old_off, old_len, new_off, new_len;
  int old_absent, new_absent;
};
/* Where watches stop a continue: one event, the watches changed there
** (rp->wchg) and whether the frame they watch is left there. */
struct whit {
  size_t ti, k, j;           /* the event: thread index, chunk, index */
  uint64_t seq;
  int id;                    /* the first changed watch's, else a gone one's */
  int gone;                  /* the frame is left there (trec_replay_stop) */
  uint64_t frame;            /* the frame left */
};
/* The nearest event strictly after/before `from`, nearer than bound, where
** a watch's value changes or its frame is left: TREC_OK and *hit, every
** watch changed there in rp->wchg, or TREC_ERR_NOTFOUND. */
int watch_scan(trec_replay *rp, int dir, uint64_t from, uint64_t bound,
               struct whit *hit);
/* Run in direction dir from the cursor to the nearest event before limit
** (exclusive) where a breakpoint or watch stops, as trec_replay_continue()
** does: TREC_OK, the cursor there and *stop filled, or TREC_ERR_NOTFOUND
** (cursor and *stop untouched). */
int bp_run(trec_replay *rp, int dir, uint64_t limit, struct trec_replay_stop *stop);
/* Fill stop->changes from the last watch_scan. */
int watch_changes(trec_replay *rp, struct trec_replay_stop *stop);
/* Delete the watches of frame, which is left at the cursor; stop->gone
** lists them. */
int watch_leave(trec_replay *rp, uint64_t frame, struct trec_replay_stop *stop);

#endif /* TREC_REPLAY_INT_H */
