/*
** order.c: Python's <, <=, > and >= over recorded values, for `p`,
** breakpoint conditions, min() and max().
**
** Lists and tuples order as list_richcompare does: the first pair of items
** that are not equal (identity first, then ==, as equal.c answers it)
** decides, by that pair's own order; when every stored pair is equal, the
** lengths do. So `(1, 'a') < (1, 2)` raises the TypeError of 'str' and
** 'int', and `(dec, 1) < (dec2, 2)` orders the Decimals. Numbers, str and
** bytes order as schema/value.c's trec_value_compare() says; Decimal and
** datetime's values as stdval.c says. An object, a repr text of another
** type, or a value the recorder cut leaves the order unknown: an error
** saying why, never a guess.
*/
#include "config.h"
#include <string.h>
#include "replay/replay_int.h"

static int is_seq(enum trec_vtag t){
  return t==TREC_V_TUPLE || t==TREC_V_LIST;
}

/* Whether Python's order of v comes from a class replay cannot see
** (dataclass(order=True), total_ordering, a repr text's type). */
static int order_unknown(const struct trec_value *v){
  return v->tag==TREC_V_OBJECT || v->tag==TREC_V_REPR || v->tag==TREC_V_EXC;
}

int replay_err_unorderable(trec_replay *rp, const char *op, const struct trec_value *a,
                           const struct trec_value *b){
  size_t la, lb;
  const char *ta = trec_value_typename(a, &la), *tb = trec_value_typename(b, &lb);
  return replay_err(rp, TREC_ERR_TYPE, "TypeError: '%s' not supported between instances "
                    "of '%.*s' and '%.*s'", op, (int)(la>200 ? 200 : la), ta,
                    (int)(lb>200 ? 200 : lb), tb);
}

int replay_err_order_unknown(trec_replay *rp, const struct trec_value *v){
  size_t l;
  const char *t = trec_value_typename(v, &l);
  return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot order a '%.*s' value over "
                    "a recording: its class may define the comparison",
                    (int)(l>200 ? 200 : l), t);
}

static int order_depth(trec_replay *rp, const char *op, const struct trec_value *a,
                       const struct trec_value *b, int *cmp, int depth);

static int order_seq(trec_replay *rp, const char *op, const struct trec_value *a,
                     const struct trec_value *b, int *cmp, int depth){
  const unsigned char *p = a->items, *q = b->items;
  uint64_t n = a->n<b->n ? a->n : b->n;
  for(uint64_t i=0; i<n; i++){
    struct trec_value x, y;
    struct replay_why why = { REPLAY_WHY_NONE, { 0 } };
    int r;
    if( trec_value_read(p, a->end, &x) || trec_value_read(q, b->end, &y) )
      return replay_err(rp, TREC_ERR_CORRUPT, "corrupt recorded value");
    p = x.end;
    q = y.end;
    r = replay_eq3(&x, &y, 1, &why);
    if( r==REPLAY_EQ_YES ) continue;
    if( r==REPLAY_EQ_UNKNOWN ) return replay_err_why(rp, &why);
    return order_depth(rp, op, &x, &y, cmp, depth+1);
  }
  /* every stored pair equal: the lengths decide, as far as was kept */
  if( trec_value_order_lengths(a, b, cmp)!=TREC_OK ) return replay_err_cut_compare(rp);
  return TREC_OK;
}

static int order_depth(trec_replay *rp, const char *op, const struct trec_value *a,
                       const struct trec_value *b, int *cmp, int depth){
  struct trec_value ac, bc;
  struct replay_why why = { REPLAY_WHY_NONE, { 0 } };
  int rc;
  if( depth>TREC_VALUE_MAX_DEPTH )
    return replay_err(rp, TREC_ERR_CORRUPT, "corrupt recorded value");
  /* a subclass of a builtin orders by its content, as the builtin's
  ** methods it inherits do; where those raise, its class may not */
  if( a->tag==TREC_V_TYPED || b->tag==TREC_V_TYPED ){
    if( trec_value_content(a, &ac) || trec_value_content(b, &bc) )
      return replay_err(rp, TREC_ERR_CORRUPT, "corrupt recorded value");
    rc = order_depth(rp, op, &ac, &bc, cmp, depth+1);
    if( rc==TREC_ERR_TYPE ) rc = replay_err_order_unknown(rp, a->tag==TREC_V_TYPED ? a : b);
    return rc;
  }
  if( a->tag==TREC_V_REDACTED || b->tag==TREC_V_REDACTED ){
    why.kind = REPLAY_WHY_REDACTED;
    return replay_err_why(rp, &why);
  }
  if( replay_std_known(a) || replay_std_known(b) )
    return replay_std_order(rp, op, a, b, cmp);
  if( a->tag==TREC_V_TRUNC || b->tag==TREC_V_TRUNC ) return replay_err_cut_compare(rp);
  if( a->tag==TREC_V_REF || b->tag==TREC_V_REF ){
    why.kind = REPLAY_WHY_SELF;
    return replay_err_why(rp, &why);
  }
  if( a->tag==b->tag && is_seq(a->tag) ) return order_seq(rp, op, a, b, cmp, depth);
  rc = trec_value_compare(a, b, cmp);
  if( rc==TREC_OK ) return TREC_OK;
  if( rc==TREC_ERR_LIMIT ) return replay_err_cut_compare(rp);
  if( rc==TREC_ERR_CORRUPT ) return replay_err(rp, rc, "corrupt recorded value");
  if( order_unknown(a) || order_unknown(b) )
    return replay_err_order_unknown(rp, order_unknown(a) ? a : b);
  return replay_err_unorderable(rp, op, a, b);
}

int replay_order(trec_replay *rp, const char *op, const struct trec_value *a,
                 const struct trec_value *b, int *cmp){
  return order_depth(rp, op, a, b, cmp, 1);
}
