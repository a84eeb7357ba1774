/*
** arith.c: Python's arithmetic operators over recorded values, for the
** expressions of `p`, breakpoint conditions and the viewer (expr.c parses,
** this file computes).
**
** Numbers follow Python's rules: bool is an int, int with float gives a
** float, / is true division, // and % floor toward minus infinity with the
** remainder taking the divisor's sign, int ** negative int is a float.
** Python's ints are unbounded; a replay computes on 128-bit ints, which
** hold every int the recorder stores as INT and the BIGINTs up to 2**127,
** and says so when a result would go past them rather than give a wrong
** one. str and bytes take + and * as Python's do. Where Python itself
** refuses (1 + 'a', 1 / 0) the error is Python's; where the operands are
** containers or objects, whose operators may be the program's own code,
** the error says a replay cannot evaluate them.
*/
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "replay/replay_int.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

#define I128_MAX ((i128)(((u128)1 << 127) - 1))

/* A str or bytes result longer than this is refused: a repeat count from
** a recorded variable can be anything, and the result is only printed. */
#define MAX_SEQ_RESULT ((size_t)1 << 24)

enum nkind { N_NONE, N_INT, N_FLOAT, N_BIG };

struct num {
  enum nkind kind;
  int is_bool;
  i128 i;
  double f;
};

static const char *const op_tokens[] = {
  "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "^", "|",
  "-", "+", "~", "abs()"
};

const char *replay_op_token(enum rop op){
  return op_tokens[op];
}

/* The number a value holds: N_NONE when it is not one, N_BIG when it is an
** int past 127 bits (i then holds only its sign). */
static struct num to_num(const struct trec_value *v){
  struct num n;
  memset(&n, 0, sizeof(n));
  switch( v->tag ){
  case TREC_V_FALSE: case TREC_V_TRUE:
    n.kind = N_INT;
    n.is_bool = 1;
    n.i = v->tag==TREC_V_TRUE;
    break;
  case TREC_V_INT:
    n.kind = N_INT;
    n.i = v->i;
    break;
  case TREC_V_FLOAT:
    n.kind = N_FLOAT;
    n.f = v->f;
    break;
  case TREC_V_BIGINT: {
    size_t len = v->data_len;
    u128 m = 0;
    while( len && v->data[len-1]==0 ) len--;
    if( len>16 || (len==16 && (v->data[15] & 0x80)) ){
      n.kind = N_BIG;
      n.i = v->negative ? -1 : 1;   /* its sign only */
      break;
    }
    for(size_t k=len; k-- > 0; ) m = (m << 8) | v->data[k];
    n.kind = N_INT;
    n.i = v->negative ? -(i128)m : (i128)m;
    break;
  }
  default:
    n.kind = N_NONE;
  }
  return n;
}

static double num_float(const struct num *n){
  return n->kind==N_FLOAT ? n->f : (double)n->i;
}

static void put_int(struct trec_buf *out, i128 v){
  unsigned char mag[16];
  size_t n = 0;
  u128 m;
  if( v>=INT64_MIN && v<=INT64_MAX ){
    trec_venc_int(out, (int64_t)v);
    return;
  }
  m = v<0 ? -(u128)v : (u128)v;
  while( m ){
    mag[n++] = (unsigned char)m;
    m >>= 8;
  }
  trec_venc_bigint(out, v<0, mag, n);
}

static int overflow(trec_replay *rp){
  return replay_err(rp, TREC_ERR_LIMIT, "OverflowError: the result is past "
                    "2**127, where a replay's integer arithmetic stops");
}

static int is_scalar(const struct trec_value *v){
  return v->tag<=TREC_V_BYTES;
}

/* The refusal for operands Python itself refuses, or, when one is a
** container or an object, the replay's own limit. */
static int unsupported(trec_replay *rp, enum rop op, const struct trec_value *a,
                       const struct trec_value *b){
  size_t la, lb;
  const char *ta = trec_value_typename(a, &la), *tb = trec_value_typename(b, &lb);
  if( la>200 ) la = 200;
  if( lb>200 ) lb = 200;
  if( is_scalar(a) && is_scalar(b) ){
    return replay_err(rp, TREC_ERR_TYPE, "TypeError: unsupported operand type(s) "
                      "for %s: '%.*s' and '%.*s'", op_tokens[op], (int)la, ta, (int)lb, tb);
  }
  return replay_err(rp, TREC_ERR_TYPE, "TypeError: cannot evaluate '%.*s' %s '%.*s' "
                    "over a recording (operators take numbers, str and bytes)",
                    (int)la, ta, op_tokens[op], (int)lb, tb);
}

/* int ** int for a non-negative exponent. */
static int int_pow(trec_replay *rp, i128 base, i128 exp, i128 *r){
  i128 acc = 1;
  if( base==0 || base==1 ){ *r = exp==0 ? 1 : base; return TREC_OK; }
  if( base==-1 ){ *r = (exp & 1) ? -1 : 1; return TREC_OK; }
  if( exp>127 ) return overflow(rp);
  while( exp ){
    if( (exp & 1) && __builtin_mul_overflow(acc, base, &acc) ) return overflow(rp);
    exp >>= 1;
    if( exp && __builtin_mul_overflow(base, base, &base) ) return overflow(rp);
  }
  *r = acc;
  return TREC_OK;
}

static int float_pow(trec_replay *rp, double x, double y, double *r){
  if( x==0.0 && y<0.0 && !isinf(y) ){   /* 0.0 ** -inf is inf, as pow() says */
    return replay_err(rp, TREC_ERR_RANGE, "ZeroDivisionError: 0.0 cannot be raised "
                      "to a negative power");
  }
  if( x<0.0 && isfinite(y) && y!=floor(y) ){
    return replay_err(rp, TREC_ERR_TYPE, "TypeError: the result would be a complex "
                      "number, which a replay does not compute");
  }
  *r = pow(x, y);
  if( isinf(*r) && isfinite(x) && isfinite(y) ){
    return replay_err(rp, TREC_ERR_RANGE, "OverflowError: (34, 'Numerical result "
                      "out of range')");
  }
  return TREC_OK;
}

/* Python's float // and %, from one fmod so that the two agree with
** divmod(): the quotient rounded to the nearest integer-valued float when
** the division was inexact. */
static void float_divmod(double x, double y, double *div_out, double *mod_out){
  double mod = fmod(x, y), div = (x - mod) / y, floordiv;
  if( mod!=0.0 ){
    if( (y<0.0)!=(mod<0.0) ){
      mod += y;
      div -= 1.0;
    }
  }else{
    mod = copysign(0.0, y);
  }
  if( div!=0.0 ){
    floordiv = floor(div);
    if( div - floordiv > 0.5 ) floordiv += 1.0;
  }else{
    floordiv = copysign(0.0, x / y);
  }
  *div_out = floordiv;
  *mod_out = mod;
}

static int bit_length(u128 a){
  uint64_t hi = (uint64_t)(a >> 64);
  if( hi ) return 128 - __builtin_clzll(hi);
  return a ? 64 - __builtin_clzll((uint64_t)a) : 0;
}

/* a / b (both > 0) rounded once to the nearest double, ties to even, as
** Python's int true division is: the quotient is taken to 55 or 56 bits
** by exact division, and the rest decides the rounding. */
static double div_round(u128 a, u128 b){
  int shift = bit_length(a) - bit_length(b) - (DBL_MANT_DIG + 2), extra;
  u128 r = 0, bq, half, low;
  uint64_t q = 0;
  if( shift>=0 ){
    bq = b << shift;
    q = (uint64_t)(a / bq);
    r = a % bq;
  }else{
    /* long division of a * 2**-shift, bit by bit: r < b <= 2**127 */
    for(int k=bit_length(a)-1-shift; k>=0; k--){
      int bit = k>=-shift ? (int)((a >> (k + shift)) & 1) : 0;
      r = (r << 1) | (u128)bit;
      q <<= 1;
      if( r>=b ){ r -= b; q |= 1; }
    }
  }
  extra = bit_length(q) - DBL_MANT_DIG;
  half = (u128)1 << (extra - 1);
  low = q & (((u128)1 << extra) - 1);
  q >>= extra;
  if( low>half || (low==half && (r!=0 || (q & 1))) ) q++;
  return ldexp((double)q, shift + extra);
}

static int int_binop(trec_replay *rp, enum rop op, const struct num *a,
                     const struct num *b, struct trec_buf *out){
  i128 x = a->i, y = b->i, r = 0;
  switch( op ){
  case ROP_ADD: if( __builtin_add_overflow(x, y, &r) ) return overflow(rp); break;
  case ROP_SUB: if( __builtin_sub_overflow(x, y, &r) ) return overflow(rp); break;
  case ROP_MUL: if( __builtin_mul_overflow(x, y, &r) ) return overflow(rp); break;
  case ROP_DIV:
    if( y==0 ) return replay_err(rp, TREC_ERR_RANGE, "ZeroDivisionError: division by zero");
    {
      double d = x==0 ? 0.0 : div_round(x<0 ? -(u128)x : (u128)x, y<0 ? -(u128)y : (u128)y);
      trec_venc_float(out, (x<0)!=(y<0) ? -d : d);
    }
    return TREC_OK;
  case ROP_FLOORDIV: case ROP_MOD: {
    i128 q, m;
    if( y==0 ){
      /* 3.11 says "modulo" where earlier Pythons said "division or modulo" */
      return replay_err(rp, TREC_ERR_RANGE, "ZeroDivisionError: integer %s by zero",
                        op==ROP_MOD && replay_python_at_least(rp, 3, 11)
                        ? "modulo" : "division or modulo");
    }
    q = x / y;
    m = x % y;
    if( m!=0 && ((m<0)!=(y<0)) ){
      q -= 1;
      m += y;
    }
    r = op==ROP_FLOORDIV ? q : m;
    break;
  }
  case ROP_POW:
    if( y<0 ){
      double d;
      int rc = float_pow(rp, (double)x, (double)y, &d);
      if( rc ) return rc;
      trec_venc_float(out, d);
      return TREC_OK;
    }
    if( int_pow(rp, x, y, &r) ) return TREC_ERR_LIMIT;
    break;
  case ROP_LSHIFT: case ROP_RSHIFT:
    if( y<0 ) return replay_err(rp, TREC_ERR_RANGE, "ValueError: negative shift count");
    if( op==ROP_RSHIFT ){
      r = y>=127 ? (x<0 ? -1 : 0) : x >> y;
    }else if( x!=0 ){
      /* shifted as unsigned: a negative int shifted left is undefined in C */
      if( y>=127 ) return overflow(rp);
      r = (i128)((u128)x << y);
      if( (r >> y)!=x ) return overflow(rp);
    }
    break;
  case ROP_AND: case ROP_XOR: case ROP_OR:
    r = op==ROP_AND ? (x & y) : op==ROP_XOR ? (x ^ y) : (x | y);
    if( a->is_bool && b->is_bool ){
      trec_venc_bool(out, r!=0);
      return TREC_OK;
    }
    break;
  default:
    return replay_err(rp, TREC_ERR_INVALID, "bad operator");
  }
  if( r < -I128_MAX ) return overflow(rp);
  put_int(out, r);
  return TREC_OK;
}

static int float_binop(trec_replay *rp, enum rop op, const struct trec_value *a,
                       const struct trec_value *b, struct trec_buf *out){
  struct num na = to_num(a), nb = to_num(b);
  double x = num_float(&na), y = num_float(&nb), r, mod;
  switch( op ){
  case ROP_ADD: r = x + y; break;
  case ROP_SUB: r = x - y; break;
  case ROP_MUL: r = x * y; break;
  case ROP_DIV:
    if( y==0.0 ) return replay_err(rp, TREC_ERR_RANGE, "ZeroDivisionError: float division by zero");
    r = x / y;
    break;
  case ROP_FLOORDIV: case ROP_MOD:
    if( y==0.0 ){
      /* before 3.13, float % 0 said only "float modulo" */
      if( op==ROP_MOD && !replay_python_at_least(rp, 3, 13) )
        return replay_err(rp, TREC_ERR_RANGE, "ZeroDivisionError: float modulo");
      return replay_err(rp, TREC_ERR_RANGE, "ZeroDivisionError: float %s by zero",
                        op==ROP_MOD ? "modulo" : "floor division");
    }
    float_divmod(x, y, &r, &mod);
    if( op==ROP_MOD ) r = mod;
    break;
  case ROP_POW: {
    int rc = float_pow(rp, x, y, &r);
    if( rc ) return rc;
    break;
  }
  default:
    return unsupported(rp, op, a, b);
  }
  trec_venc_float(out, r);
  return TREC_OK;
}

/* A str or bytes value whole, or the refusal when the recorder cut it. */
static int whole_seq(trec_replay *rp, const struct trec_value *v){
  return replay_value_cut(v) ? replay_err_cut(rp, "", v, "") : TREC_OK;
}

static int seq_binop(trec_replay *rp, enum rop op, const struct trec_value *a,
                     const struct trec_value *b, struct trec_buf *out){
  const struct trec_value *s = a;
  uint64_t total;
  if( op==ROP_ADD ){
    if( a->tag!=b->tag ){
      size_t lb;
      const char *tb = trec_value_typename(b, &lb);
      if( a->tag==TREC_V_STR && is_scalar(b) ){
        return replay_err(rp, TREC_ERR_TYPE, "TypeError: can only concatenate str "
                          "(not \"%.*s\") to str", (int)(lb>200 ? 200 : lb), tb);
      }
      if( a->tag==TREC_V_BYTES && is_scalar(b) ){
        return replay_err(rp, TREC_ERR_TYPE, "TypeError: can't concat %.*s to bytes",
                          (int)(lb>200 ? 200 : lb), tb);
      }
      return unsupported(rp, op, a, b);
    }
    if( whole_seq(rp, a) || whole_seq(rp, b) ) return TREC_ERR_LIMIT;
    if( a->data_len + b->data_len > MAX_SEQ_RESULT ) goto too_long;
    total = a->total + b->total;
    if( a->tag==TREC_V_STR ){
      trec_venc_tag(out, TREC_V_STR);
    }else{
      trec_venc_tag(out, TREC_V_BYTES);
    }
    trec_buf_put_varint(out, total);
    trec_buf_put_varint(out, a->data_len + b->data_len);
    trec_buf_put(out, a->data, a->data_len);
    trec_buf_put(out, b->data, b->data_len);
    return TREC_OK;
  }
  if( op==ROP_MUL ){
    struct num k;
    i128 times;
    if( a->tag!=TREC_V_STR && a->tag!=TREC_V_BYTES ){ s = b; b = a; }
    k = to_num(b);
    if( k.kind!=N_INT && k.kind!=N_BIG ){
      size_t lb;
      const char *tb = trec_value_typename(b, &lb);
      if( !is_scalar(b) ) return unsupported(rp, op, a, b);
      return replay_err(rp, TREC_ERR_TYPE, "TypeError: can't multiply sequence by "
                        "non-int of type '%.*s'", (int)(lb>200 ? 200 : lb), tb);
    }
    if( k.kind==N_BIG || k.i>INT64_MAX || k.i<INT64_MIN ){
      return replay_err(rp, TREC_ERR_RANGE, "OverflowError: cannot fit 'int' into an "
                        "index-sized integer");
    }
    if( whole_seq(rp, s) ) return TREC_ERR_LIMIT;
    times = k.i;
    if( times<0 || s->data_len==0 ) times = 0;
    if( s->data_len && times > (i128)(MAX_SEQ_RESULT / s->data_len) ) goto too_long;
    trec_venc_tag(out, s->tag);
    trec_buf_put_varint(out, s->total * (uint64_t)times);
    trec_buf_put_varint(out, s->data_len * (size_t)times);
    for(i128 t=0; t<times; t++) trec_buf_put(out, s->data, s->data_len);
    return TREC_OK;
  }
  return unsupported(rp, op, a, b);
too_long:
  return replay_err(rp, TREC_ERR_LIMIT, "MemoryError: the result would be over "
                    "%zu bytes, more than a replay builds", MAX_SEQ_RESULT);
}

int replay_binop(trec_replay *rp, enum rop op, const struct trec_value *a,
                 const struct trec_value *b, struct trec_buf *out){
  struct num x = to_num(a), y = to_num(b);
  int rc;
  trec_buf_reset(out);
  if( (replay_std_known(a) || replay_std_known(b))
      && (rc = replay_std_binop(rp, op, a, b, out))!=TREC_ERR_NOTFOUND ){
    /* a date, a duration or a Decimal: computed, or refused */
  }else if( (a->tag==TREC_V_STR || a->tag==TREC_V_BYTES) && op==ROP_MOD ){
    rc = replay_err(rp, TREC_ERR_TYPE, "TypeError: %%-formatting is not evaluated "
                    "over a recording");
  }else if( a->tag==TREC_V_STR || a->tag==TREC_V_BYTES
      || ((b->tag==TREC_V_STR || b->tag==TREC_V_BYTES) && op==ROP_MUL && x.kind!=N_NONE) ){
    rc = seq_binop(rp, op, a, b, out);
  }else if( x.kind==N_NONE || y.kind==N_NONE ){
    rc = unsupported(rp, op, a, b);
  }else if( x.kind==N_BIG || y.kind==N_BIG ){
    rc = overflow(rp);
  }else if( x.kind==N_INT && y.kind==N_INT ){
    rc = int_binop(rp, op, &x, &y, out);
  }else{
    rc = float_binop(rp, op, a, b, out);
  }
  if( rc==TREC_OK && out->oom ) rc = replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  return rc;
}

int replay_unop(trec_replay *rp, enum rop op, const struct trec_value *a,
                struct trec_buf *out){
  struct num x = to_num(a);
  int rc;
  trec_buf_reset(out);
  if( replay_std_known(a) && (rc = replay_std_unop(rp, op, a, out))!=TREC_ERR_NOTFOUND ){
    if( rc==TREC_OK && out->oom ) rc = replay_err(rp, TREC_ERR_NOMEM, "out of memory");
    return rc;
  }
  if( x.kind==N_NONE || (x.kind==N_FLOAT && op==ROP_INVERT) ){
    size_t l;
    const char *t = trec_value_typename(a, &l);
    if( l>200 ) l = 200;
    if( op==ROP_ABS ){
      return replay_err(rp, TREC_ERR_TYPE, "TypeError: bad operand type for abs(): "
                        "'%.*s'", (int)l, t);
    }
    if( !is_scalar(a) ){
      return replay_err(rp, TREC_ERR_TYPE, "TypeError: cannot evaluate unary %s of "
                        "'%.*s' over a recording", op_tokens[op], (int)l, t);
    }
    return replay_err(rp, TREC_ERR_TYPE, "TypeError: bad operand type for unary %s: "
                      "'%.*s'", op_tokens[op], (int)l, t);
  }
  if( x.kind==N_BIG ) return overflow(rp);
  if( x.kind==N_FLOAT ){
    trec_venc_float(out, op==ROP_NEG ? -x.f : op==ROP_ABS ? fabs(x.f) : x.f);
  }else if( op==ROP_NEG || (op==ROP_ABS && x.i<0) ){
    put_int(out, -x.i);
  }else if( op==ROP_INVERT ){
    if( x.i==I128_MAX ) return overflow(rp);
    put_int(out, -x.i - 1);
  }else{
    put_int(out, x.i);
  }
  return out->oom ? replay_err(rp, TREC_ERR_NOMEM, "out of memory") : TREC_OK;
}

/* A float as an int, as int() and round() take it: NaN and infinities
** refused in Python's words. */
static int float_to_int(trec_replay *rp, double d, struct trec_buf *out){
  if( isnan(d) ) return replay_err(rp, TREC_ERR_RANGE, "ValueError: cannot convert float NaN to integer");
  if( isinf(d) ) return replay_err(rp, TREC_ERR_RANGE, "OverflowError: cannot convert float infinity to integer");
  if( fabs(d)>=0x1p127 ) return overflow(rp);
  put_int(out, (i128)d);
  return TREC_OK;
}

/* round(x, n) of an int for n < 0: to a multiple of 10**-n, halves to
** the even multiple. */
static int int_round(trec_replay *rp, i128 x, i128 n, struct trec_buf *out){
  i128 p = 1, q, r;
  if( n>=0 ){ put_int(out, x); return TREC_OK; }
  if( n<-38 ){ put_int(out, 0); return TREC_OK; }
  for(i128 k=0; k<-n; k++) p *= 10;
  q = x / p;
  r = x % p;
  if( r<0 ){ q -= 1; r += p; }
  if( r>p - r || (r==p - r && (q & 1)) ) q += 1;
  if( __builtin_mul_overflow(q, p, &r) || r < -I128_MAX ) return overflow(rp);
  put_int(out, r);
  return TREC_OK;
}

/* int(), float() and round() of a Decimal: exact, but round(d, n) rounds
** by the program's decimal context. */
static int decimal_convert(trec_replay *rp, enum rconv fn, const struct trec_value *a,
                           const struct trec_value *ndigits, struct trec_buf *out){
  double f;
  i128 i;
  int rc;
  if( fn==RCONV_FLOAT ){
    if( (rc = replay_std_decimal_float(rp, a, &f))==TREC_OK ) trec_venc_float(out, f);
    return rc;
  }
  if( fn==RCONV_ROUND && ndigits!=NULL && ndigits->tag!=TREC_V_NONE )
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot round a Decimal to a number "
                      "of digits over a recording: it rounds by the program's decimal "
                      "context");
  if( (rc = replay_std_decimal_int(rp, a, fn==RCONV_ROUND, &i))==TREC_OK ) put_int(out, i);
  return rc;
}

int replay_convert(trec_replay *rp, enum rconv fn, const struct trec_value *a,
                   const struct trec_value *ndigits, struct trec_buf *out){
  static const char *const names[] = { "round", "int", "float" };
  struct num x = to_num(a), n;
  trec_buf_reset(out);
  if( x.kind==N_NONE && replay_std_is_decimal(a) ){
    int rc = decimal_convert(rp, fn, a, ndigits, out);
    return rc==TREC_OK && out->oom ? replay_err(rp, TREC_ERR_NOMEM, "out of memory") : rc;
  }
  if( x.kind==N_NONE ){
    size_t l;
    const char *t = trec_value_typename(a, &l);
    if( fn==RCONV_ROUND && (a->tag<TREC_V_OBJECT || replay_std_known(a)) ){
      return replay_err(rp, TREC_ERR_TYPE, "TypeError: type %.*s doesn't define "
                        "__round__ method", (int)(l>100 ? 100 : l), t);
    }
    if( fn==RCONV_ROUND ){
      return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot round a '%.*s' over a "
                        "recording: its class may define __round__", (int)(l>100 ? 100 : l), t);
    }
    return replay_err(rp, TREC_ERR_TYPE, "TypeError: %s() of a '%.*s' is not evaluated "
                      "over a recording (it takes numbers)", names[fn], (int)(l>100 ? 100 : l), t);
  }
  if( x.kind==N_BIG ) return overflow(rp);
  if( fn==RCONV_FLOAT ){
    trec_venc_float(out, num_float(&x));
  }else if( fn==RCONV_INT ){
    if( x.kind==N_FLOAT ){
      int rc = float_to_int(rp, x.f, out);
      if( rc ) return rc;
    }else{
      put_int(out, x.i);
    }
  }else if( ndigits==NULL || ndigits->tag==TREC_V_NONE ){
    if( x.kind==N_FLOAT ){
      /* nearbyint rounds halves to even, in the default rounding mode */
      int rc = float_to_int(rp, nearbyint(x.f), out);
      if( rc ) return rc;
    }else{
      put_int(out, x.i);
    }
  }else{
    n = to_num(ndigits);
    if( n.kind!=N_INT ){
      size_t l;
      const char *t = trec_value_typename(ndigits, &l);
      return replay_err(rp, TREC_ERR_TYPE, "TypeError: '%.*s' object cannot be "
                        "interpreted as an integer", (int)(l>100 ? 100 : l), t);
    }
    if( x.kind==N_INT ){
      int rc = int_round(rp, x.i, n.i, out);
      if( rc ) return rc;
    }else if( !isfinite(x.f) || n.i>323 ){
      trec_venc_float(out, x.f);
    }else if( n.i<0 ){
      return replay_err(rp, TREC_ERR_INVALID, "round() of a float to a negative "
                        "number of digits is not evaluated over a recording");
    }else{
      /* Python rounds the exact binary value to n decimals (dtoa mode 3),
      ** which glibc's printf does too; strtod reads the result back */
      char text[DBL_MAX_10_EXP + 330];
      snprintf(text, sizeof(text), "%.*f", (int)n.i, x.f);
      trec_venc_float(out, strtod(text, NULL));
    }
  }
  return out->oom ? replay_err(rp, TREC_ERR_NOMEM, "out of memory") : TREC_OK;
}

int replay_value_cut(const struct trec_value *v){
  switch( v->tag ){
  case TREC_V_STR: return v->n<v->total;
  case TREC_V_BYTES: return v->data_len<v->total;
  case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET: case TREC_V_FROZENSET:
  case TREC_V_DICT: return v->n<v->total;
  default: return 0;
  }
}

int replay_err_cut(trec_replay *rp, const char *before, const struct trec_value *v,
                   const char *after){
  size_t tl;
  const char *tn = trec_value_typename(v, &tl);
  int seq = v->tag==TREC_V_STR || v->tag==TREC_V_BYTES;
  return replay_err(rp, TREC_ERR_LIMIT, "ValueError: %sthe %.*s was cut at %llu of its "
                    "%llu %s when recorded (%s)%s", before, (int)(tl>100 ? 100 : tl), tn,
                    (unsigned long long)(v->tag==TREC_V_BYTES ? v->data_len : v->n),
                    (unsigned long long)v->total,
                    v->tag==TREC_V_STR ? "characters" : seq ? "bytes" : "items",
                    seq ? "--max-str" : "--max-items", after);
}

int replay_err_cut_compare(trec_replay *rp){
  return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot compare: the values agree "
                    "as far as recorded, and the rest was cut (--max-str, --max-items)");
}

