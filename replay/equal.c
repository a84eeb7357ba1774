/*
** equal.c: Python's ==, `is` and truth value over recorded values, for
** `p`, breakpoint conditions, `in`, dict lookups and the list methods.
**
** Each question has three answers: yes, no, and "the recording cannot
** tell", which the caller turns into an error naming why rather than
** guess. A recording cannot tell when the answer lies in what the recorder
** cut (--max-items, --max-str, --max-depth), in an object's class (which
** may define __eq__ or __bool__, and a replay never runs the program's
** code), or in an identity the recording does not keep (ints, floats and
** str carry no id: `x is y` of two equal strs, or a NaN in a container,
** which equals another NaN only if it is the same object).
**
** Containers compare as Python's do: lists and tuples item by item, dicts
** by key whatever their order, sets by membership (a set equals a
** frozenset), and an item is first compared by identity (where it has an
** id), as PyObject_RichCompareBool does. Two values recorded at one moment
** with the same id are the same object.
*/
#include "config.h"
#include <math.h>
#include <string.h>
#include "replay/replay_int.h"

/* The id of a value that has one (0: none, or a new value of a replay). */
static uint64_t id_of(const struct trec_value *v){
  switch( v->tag ){
  case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET: case TREC_V_FROZENSET:
  case TREC_V_DICT: case TREC_V_OBJECT: case TREC_V_REF: case TREC_V_TRUNC:
  case TREC_V_EXC:
    return v->id;
  default:
    return 0;
  }
}

/* The kind a value is or stands for (a REF's referent, a TRUNC's tag). */
static enum trec_vtag kind_of(const struct trec_value *v){
  return v->tag==TREC_V_REF || v->tag==TREC_V_TRUNC ? v->sub : v->tag;
}

static int is_set(enum trec_vtag t){
  return t==TREC_V_SET || t==TREC_V_FROZENSET;
}

int replay_unknown(struct replay_why *why, enum replay_why_kind kind,
                   const struct trec_value *v){
  if( why->kind==REPLAY_WHY_NONE || why->kind==REPLAY_WHY_CUT ){
    why->kind = kind;
    if( v ) why->v = *v;
  }
  return REPLAY_EQ_UNKNOWN;
}

static int corrupt(struct replay_why *why){
  why->kind = REPLAY_WHY_CORRUPT;
  return REPLAY_EQ_UNKNOWN;
}

static int eq_depth(const struct trec_value *a, const struct trec_value *b, int item,
                    struct replay_why *why, int depth);

/* A member of an Enum that mixes in no builtin: its content is the
** member's OBJECT, and Enum compares members by identity. */
static int plain_enum(const struct trec_value *v){
  return v->tag==TREC_V_TYPED && (v->form & TREC_FORM_SHAPE)==TREC_FORM_ENUM
         && v->sub==TREC_V_OBJECT;
}

/* Folds one part's answer into its container's: 1 when r decides it (the
** caller returns r: the decisive answer, or corrupt), else 0, noting an
** answer that could not be told. */
static int decides(int r, int decisive, int *any_unknown, const struct replay_why *why){
  if( r==decisive ) return 1;
  if( r==REPLAY_EQ_UNKNOWN ){
    if( why->kind==REPLAY_WHY_CORRUPT ) return 1;
    *any_unknown = 1;
  }
  return 0;
}

/* A container's answer when no part decided: unknown when a part could not
** be told or was cut, else otherwise. */
static int undecided(int any_unknown, int cut, int otherwise, struct replay_why *why){
  if( any_unknown ) return REPLAY_EQ_UNKNOWN;
  if( cut ) return replay_unknown(why, REPLAY_WHY_CUT, NULL);
  return otherwise;
}

/* Whether the stored items of c hold one equal to x (identity first):
** YES, NO when none does and c was not cut, else UNKNOWN. On YES of a
** dict, *val is its value. */
static int find_item(const struct trec_value *c, const struct trec_value *x,
                     struct trec_value *val, struct replay_why *why, int depth){
  const unsigned char *q = c->items;
  int per = c->tag==TREC_V_DICT ? 2 : 1, any_unknown = 0;
  for(uint64_t k=0; k<c->n; k++){
    struct trec_value it, v;
    int r;
    if( trec_value_read(q, c->end, &it) ) return corrupt(why);
    q = it.end;
    if( per==2 ){
      if( trec_value_read(q, c->end, &v) ) return corrupt(why);
      q = v.end;
    }
    r = eq_depth(&it, x, 1, why, depth+1);
    if( decides(r, REPLAY_EQ_YES, &any_unknown, why) ){
      if( r==REPLAY_EQ_YES && per==2 ) *val = v;
      return r;
    }
  }
  return undecided(any_unknown, c->n<c->total, REPLAY_EQ_NO, why);
}

/* Lists and tuples: item by item. A NO anywhere decides; else an item
** that cannot be told, or a cut part, leaves it unknown. */
static int eq_seq(const struct trec_value *a, const struct trec_value *b,
                  struct replay_why *why, int depth){
  const unsigned char *p = a->items, *q = b->items;
  uint64_t n = a->n<b->n ? a->n : b->n;
  int any_unknown = 0;
  for(uint64_t k=0; k<n; k++){
    struct trec_value x, y;
    int r;
    if( trec_value_read(p, a->end, &x) || trec_value_read(q, b->end, &y) ) return corrupt(why);
    p = x.end;
    q = y.end;
    r = eq_depth(&x, &y, 1, why, depth+1);
    if( decides(r, REPLAY_EQ_NO, &any_unknown, why) ) return r;
  }
  return undecided(any_unknown, a->n<a->total || b->n<b->total, REPLAY_EQ_YES, why);
}

/* Dicts and sets of equal sizes: every stored key of a is in b (with an
** equal value, for dicts); keys are unique, so that makes them equal
** when nothing was cut. */
static int eq_keyed(const struct trec_value *a, const struct trec_value *b,
                    struct replay_why *why, int depth){
  const unsigned char *p = a->items;
  int any_unknown = 0;
  for(uint64_t k=0; k<a->n; k++){
    struct trec_value key, val, bval;
    int r;
    if( trec_value_read(p, a->end, &key) ) return corrupt(why);
    p = key.end;
    if( a->tag==TREC_V_DICT ){
      if( trec_value_read(p, a->end, &val) ) return corrupt(why);
      p = val.end;
    }
    r = find_item(b, &key, &bval, why, depth);
    if( r==REPLAY_EQ_YES && a->tag==TREC_V_DICT ) r = eq_depth(&val, &bval, 1, why, depth+1);
    if( decides(r, REPLAY_EQ_NO, &any_unknown, why) ) return r;
  }
  return undecided(any_unknown, a->n<a->total, REPLAY_EQ_YES, why);
}

/* An object or exception (o) against x: equal when the same object (ids
** differ here); not equal to None (a class whose __eq__ says so is not
** worth refusing `obj == None` for); else its class decides. */
static int eq_object(const struct trec_value *o, const struct trec_value *x,
                     struct replay_why *why){
  if( x->tag==TREC_V_NONE ) return REPLAY_EQ_NO;
  return replay_unknown(why, REPLAY_WHY_OBJECT, o);
}

static int is_object(const struct trec_value *v){
  enum trec_vtag k = kind_of(v);
  return (v->tag!=TREC_V_REF) && (k==TREC_V_OBJECT || k==TREC_V_EXC);
}

/* The values the recorder keeps as their repr() whose == is identity:
** functions, classes, modules, methods, generators. The repr names the
** object (its address, or its qualified name), so two of them are equal
** exactly when their texts are. Complex and range compare by value. */
static int repr_by_identity(const struct trec_value *v){
  static const char *const kinds[] = {
    "function", "type", "module", "builtin_function_or_method", "method",
    "generator", "coroutine", "async_generator", "enum.EnumType", "enum.EnumMeta"
  };
  for(size_t k=0; k<sizeof(kinds)/sizeof(kinds[0]); k++){
    if( trec_value_type_is(v, kinds[k]) ) return 1;
  }
  return 0;
}

/* Whether a repr text holds a NaN: a float's nan, a Decimal's NaN or sNaN,
** none of which equals itself (an sNaN's == even raises). */
static int has_nan(const struct trec_value *v){
  for(size_t i=0; i+3<=v->data_len; i++)
    if( (v->data[i]|0x20)=='n' && (v->data[i+1]|0x20)=='a' && (v->data[i+2]|0x20)=='n' )
      return 1;
  return 0;
}

static int eq_repr(const struct trec_value *a, const struct trec_value *b,
                   struct replay_why *why){
  const struct trec_value *r = a->tag==TREC_V_REPR ? a : b, *x = r==a ? b : a;
  if( x->tag==TREC_V_NONE ) return REPLAY_EQ_NO;
  if( replay_std_known(a) || replay_std_known(b) ) return replay_std_eq(a, b, why);
  if( x->tag==TREC_V_REPR && r->type_len==x->type_len && r->data_len==x->data_len
      && !memcmp(r->type, x->type, r->type_len) && !memcmp(r->data, x->data, r->data_len)
      && (repr_by_identity(r) || !has_nan(r)) )
    return REPLAY_EQ_YES;
  if( repr_by_identity(r) && (x->tag!=TREC_V_REPR || repr_by_identity(x)) ) return REPLAY_EQ_NO;
  return replay_unknown(why, REPLAY_WHY_REPR, repr_by_identity(r) ? x : r);
}

static int eq_depth(const struct trec_value *a, const struct trec_value *b, int item,
                    struct replay_why *why, int depth){
  struct trec_value ac, bc;
  enum trec_vtag ka, kb;
  uint64_t ia, ib;
  int cmp, rc;
  if( depth>TREC_VALUE_MAX_DEPTH ) return corrupt(why);
  /* a member of a plain Enum is equal only to itself: its id is its
  ** OBJECT content's, which a caller may have taken out */
  if( plain_enum(a) || plain_enum(b) ) return a->id && a->id==b->id ? REPLAY_EQ_YES : REPLAY_EQ_NO;
  if( a->tag==TREC_V_TYPED || b->tag==TREC_V_TYPED ){
    if( trec_value_content(a, &ac) || trec_value_content(b, &bc) ) return corrupt(why);
    return eq_depth(&ac, &bc, item, why, depth+1);
  }
  if( a->tag==TREC_V_REDACTED ) return replay_unknown(why, REPLAY_WHY_REDACTED, a);
  if( b->tag==TREC_V_REDACTED ) return replay_unknown(why, REPLAY_WHY_REDACTED, b);
  ia = id_of(a);
  ib = id_of(b);
  if( ia && ia==ib ) return REPLAY_EQ_YES;   /* one object, at one moment */
  ka = kind_of(a);
  kb = kind_of(b);
  if( trec_vtag_is_number(a->tag) && trec_vtag_is_number(b->tag) ){
    /* a NaN item may be the very object it is compared with: a float of
    ** the same bits */
    if( item && a->tag==TREC_V_FLOAT && b->tag==TREC_V_FLOAT && isnan(a->f)
        && !memcmp(&a->f, &b->f, sizeof(double)) )
      return replay_unknown(why, REPLAY_WHY_NAN, NULL);
    rc = trec_value_compare(a, b, &cmp);
    return rc==TREC_OK && cmp==0 ? REPLAY_EQ_YES : REPLAY_EQ_NO;
  }
  if( is_object(a) ) return eq_object(a, b, why);
  if( is_object(b) ) return eq_object(b, a, why);
  if( a->tag==TREC_V_REPR || b->tag==TREC_V_REPR ) return eq_repr(a, b, why);
  /* builtin kinds that differ are never equal (a set does equal a frozenset) */
  if( ka!=kb && !(is_set(ka) && is_set(kb)) ) return REPLAY_EQ_NO;
  if( a->tag==TREC_V_REF || b->tag==TREC_V_REF ) return replay_unknown(why, REPLAY_WHY_SELF, NULL);
  if( a->tag==TREC_V_TRUNC || b->tag==TREC_V_TRUNC ){
    if( a->total!=b->total ) return REPLAY_EQ_NO;
    return replay_unknown(why, REPLAY_WHY_DEPTH, NULL);
  }
  switch( ka ){
  case TREC_V_NONE: case TREC_V_UNBOUND:
    return REPLAY_EQ_YES;
  case TREC_V_STR: case TREC_V_BYTES:
    rc = trec_value_compare(a, b, &cmp);
    if( rc==TREC_OK ) return cmp==0 ? REPLAY_EQ_YES : REPLAY_EQ_NO;
    if( rc==TREC_ERR_LIMIT && cmp!=2 ) return replay_unknown(why, REPLAY_WHY_CUT, NULL);
    return REPLAY_EQ_NO;
  case TREC_V_TUPLE: case TREC_V_LIST:
    if( a->total!=b->total ) return REPLAY_EQ_NO;
    return eq_seq(a, b, why, depth);
  case TREC_V_SET: case TREC_V_FROZENSET: case TREC_V_DICT:
    if( a->total!=b->total ) return REPLAY_EQ_NO;
    return eq_keyed(a, b, why, depth);
  default:
    return REPLAY_EQ_NO;
  }
}

int replay_eq3(const struct trec_value *a, const struct trec_value *b, int item,
               struct replay_why *why){
  return eq_depth(a, b, item, why, 1);
}

int replay_find(const struct trec_value *c, const struct trec_value *x,
                struct trec_value *val, struct replay_why *why){
  return find_item(c, x, val, why, 1);
}

/* Whether v can be a dict key or set item; if not, *bad is the list, dict
** or set (maybe inside a tuple) that makes it unhashable. */
static int hashable(const struct trec_value *v, struct trec_value *bad){
  struct trec_value c;
  const unsigned char *q;
  if( trec_value_content(v, &c) ) return 1;
  switch( c.tag ){
  case TREC_V_LIST: case TREC_V_DICT: case TREC_V_SET:
    *bad = c;
    return 0;
  case TREC_V_TUPLE:
    q = c.items;
    for(uint64_t k=0; k<c.n; k++){
      struct trec_value it;
      if( trec_value_read(q, c.end, &it) ) return 1;
      if( !hashable(&it, bad) ) return 0;
      q = it.end;
    }
    return 1;
  default:
    return 1;
  }
}

int replay_check_hashable(trec_replay *rp, const struct trec_value *v){
  struct trec_value bad;
  size_t l;
  const char *t;
  if( hashable(v, &bad) ) return TREC_OK;
  t = trec_value_typename(&bad, &l);
  return replay_err(rp, TREC_ERR_TYPE, "TypeError: unhashable type: '%.*s'",
                    (int)(l>100 ? 100 : l), t);
}

int replay_err_why(trec_replay *rp, const struct replay_why *why){
  size_t tl = 0;
  const char *tn = why->kind>=REPLAY_WHY_OBJECT ? trec_value_typename(&why->v, &tl) : "";
  /* the kinds from REPLAY_WHY_OBJECT on name the value's type */
  int l = (int)(tl>100 ? 100 : tl);
  switch( why->kind ){
  case REPLAY_WHY_CORRUPT:
    return replay_err(rp, TREC_ERR_CORRUPT, "corrupt recorded value");
  case REPLAY_WHY_DEPTH:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot compare: a value nested past "
                      "--max-depth was not recorded");
  case REPLAY_WHY_SELF:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot compare: a value that holds "
                      "itself was recorded once, and its other places point there");
  case REPLAY_WHY_NAN:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot compare: a NaN in a container "
                      "equals another only if it is the same object, which the recording "
                      "does not keep");
  case REPLAY_WHY_OBJECT:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot compare a '%.*s' object over "
                      "a recording: its class may define __eq__ (compare its fields, or "
                      "use `is`)", l, tn);
  case REPLAY_WHY_REPR:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot compare a '%.*s' value "
                      "recorded as its repr() text", l, tn);
  case REPLAY_WHY_REDACTED:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: the value was redacted when recorded "
                      "(--redact)");
  case REPLAY_WHY_IDENTITY:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot tell whether two equal "
                      "'%.*s' values are the same object (the recording keeps no "
                      "identity for them)", l, tn);
  case REPLAY_WHY_CONTEXT:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot compare a Decimal signalling "
                      "NaN over a recording: whether it raises InvalidOperation depends on "
                      "the program's decimal context");
  case REPLAY_WHY_ZONE:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot compare datetimes in a "
                      "zoneinfo.ZoneInfo zone over a recording: their UTC offsets were "
                      "not recorded");
  case REPLAY_WHY_TRUTH:
    if( why->v.tag==TREC_V_REPR ){
      return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot tell the truth value of a "
                        "'%.*s' value recorded as its repr() text", l, tn);
    }
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot tell the truth value of a "
                      "recorded '%.*s': its class may define __bool__ or __len__ "
                      "(compare it instead: x is not None)", l, tn);
  default:
    return replay_err_cut_compare(rp);
  }
}

int replay_equal(trec_replay *rp, const struct trec_value *a,
                 const struct trec_value *b, int item, int *eq){
  struct replay_why why = { REPLAY_WHY_NONE, { 0 } };
  int r = replay_eq3(a, b, item, &why);
  if( r==REPLAY_EQ_UNKNOWN ) return replay_err_why(rp, &why);
  *eq = r==REPLAY_EQ_YES;
  return TREC_OK;
}

/* Values every CPython keeps one object of: small ints, the empty str and
** bytes, and enum members (one-character strs are cached only on some
** paths: 'ab'[0] is 'a' is False on 3.11). */
static int cached_by_python(const struct trec_value *v){
  switch( v->tag ){
  case TREC_V_INT: return v->i>=-5 && v->i<=256;
  case TREC_V_STR: case TREC_V_BYTES: return v->total==0;
  case TREC_V_TYPED: return (v->form & TREC_FORM_SHAPE)==TREC_FORM_ENUM;
  default: return 0;
  }
}

int replay_is(trec_replay *rp, const struct trec_value *a, const struct trec_value *b,
              int *is){
  struct replay_why why = { REPLAY_WHY_NONE, { 0 } };
  uint64_t ia = id_of(a), ib = id_of(b);
  if( a->tag<=TREC_V_TRUE || b->tag<=TREC_V_TRUE ){
    *is = a->tag==b->tag;
    return TREC_OK;
  }
  if( a->tag==TREC_V_REDACTED || b->tag==TREC_V_REDACTED ){
    why.kind = REPLAY_WHY_REDACTED;
    return replay_err_why(rp, &why);
  }
  if( ia || ib ){
    /* a new value of a replay (a slice, a tuple) is not a recorded object */
    *is = ia==ib;
    return TREC_OK;
  }
  /* Without ids: one object recorded twice at one moment encodes alike,
  ** so values that encode differently are different objects. */
  if( a->end - a->start!=b->end - b->start
      || memcmp(a->start, b->start, (size_t)(a->end - a->start)) ){
    *is = 0;
    return TREC_OK;
  }
  if( cached_by_python(a) || (a->tag==TREC_V_REPR && repr_by_identity(a)) ){
    *is = 1;
    return TREC_OK;
  }
  why.kind = REPLAY_WHY_IDENTITY;
  why.v = *a;
  return replay_err_why(rp, &why);
}

int replay_truthy(trec_replay *rp, const struct trec_value *v, int *t){
  struct replay_why why = { REPLAY_WHY_TRUTH, { 0 } };
  struct trec_value c;
  if( trec_value_content(v, &c) ) return replay_err(rp, TREC_ERR_CORRUPT, "corrupt recorded value");
  switch( kind_of(&c) ){
  case TREC_V_OBJECT:
    why.v = c;
    return replay_err_why(rp, &why);
  default:
    break;
  }
  if( c.tag==TREC_V_REPR && replay_std_known(&c) ){
    *t = replay_std_truthy(&c);
    return TREC_OK;
  }
  if( c.tag==TREC_V_REPR ){
    why.v = c;
    return replay_err_why(rp, &why);
  }
  if( c.tag==TREC_V_REDACTED ){
    why.kind = REPLAY_WHY_REDACTED;
    return replay_err_why(rp, &why);
  }
  *t = trec_value_truthy(&c);
  return TREC_OK;
}
