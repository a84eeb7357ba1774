/*
** value.c: decoding, navigation, comparison and truth of the tagged value
** encoding (value.h, doc/FORMAT.md section 7).
**
** Values come from trace files, which may be damaged or hostile, so the one
** entry point that takes raw bytes, trec_value_read(), validates the whole
** value (every length against the end of the input, UTF-8 of strings and
** names, counts against totals, nesting depth) before anyone looks inside.
** The navigators re-read children with trec_value_read() as well: it costs
** a walk over the child, and keeps every access safe even when a caller
** hands in a struct that did not come from a validated parent. Values are
** small (the recorder bounds them), so walking again is cheap.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "trace.h"
#include "value.h"

/* Decode one UTF-8 sequence (lone surrogates allowed, as Python's
** "surrogatepass" writes them). Returns its length, or 0 when it is not
** valid: truncated, overlong, above U+10FFFF or a stray continuation. */
size_t trec_value_utf8_decode(const unsigned char *p,
                              const unsigned char *end, uint32_t *cp){
  unsigned c = p[0];
  size_t n, i;
  uint32_t v, min;
  if( c<0x80 ){ *cp = c; return 1; }
  if( c<0xc2 ) return 0;
  if( c<0xe0 ){ n = 2; v = c & 0x1f; min = 0x80; }
  else if( c<0xf0 ){ n = 3; v = c & 0x0f; min = 0x800; }
  else if( c<0xf5 ){ n = 4; v = c & 0x07; min = 0x10000; }
  else return 0;
  if( (size_t)(end - p) < n ) return 0;
  for(i=1; i<n; i++){
    if( (p[i] & 0xc0)!=0x80 ) return 0;
    v = (v << 6) | (p[i] & 0x3f);
  }
  if( v<min || v>0x10ffff ) return 0;
  *cp = v;
  return n;
}

/* Count the code points of a UTF-8 text; -1 when it is not valid. */
static int64_t utf8_count(const unsigned char *p, size_t len){
  const unsigned char *end = p + len;
  int64_t n = 0;
  uint32_t cp;
  while( p<end ){
    size_t k = trec_value_utf8_decode(p, end, &cp);
    if( k==0 ) return -1;
    p += k;
    n++;
  }
  return n;
}

static int get_u8(const unsigned char **p, const unsigned char *end,
                  unsigned *out){
  if( *p>=end ) return -1;
  *out = *(*p)++;
  return 0;
}

static int get_bytes(const unsigned char **p, const unsigned char *end,
                     uint64_t n, const unsigned char **out){
  if( n > (uint64_t)(end - *p) ) return -1;
  *out = *p;
  *p += n;
  return 0;
}

/* A "name": varint nbytes + UTF-8. */
static int get_name(const unsigned char **p, const unsigned char *end,
                    const char **name, size_t *len){
  uint64_t n;
  const unsigned char *s;
  if( trec_get_varint(p, end, &n) || get_bytes(p, end, n, &s) ) return -1;
  if( utf8_count(s, (size_t)n)<0 ) return -1;
  *name = (const char*)s;
  *len = (size_t)n;
  return 0;
}

static int is_container(enum trec_vtag t){
  return t==TREC_V_TUPLE || t==TREC_V_LIST || t==TREC_V_SET
      || t==TREC_V_FROZENSET || t==TREC_V_DICT;
}

static int value_parse(const unsigned char *p, const unsigned char *end,
                       struct trec_value *v, int depth);

/* Walk n children (values; or name+value pairs for objects), validating. */
static int parse_children(const unsigned char **p, const unsigned char *end,
                          uint64_t n, int named, int depth){
  struct trec_value c;
  const char *name;
  size_t name_len;
  for(uint64_t i=0; i<n; i++){
    if( named && get_name(p, end, &name, &name_len) ) return -1;
    if( value_parse(*p, end, &c, depth+1) ) return -1;
    *p = c.end;
  }
  return 0;
}

/* What a TYPED value's content may be: a builtin's value, or what stands
** for one (TRUNC at the depth bound, REF in a cycle, REDACTED); an OBJECT
** only under the ENUM shape (a plain Enum member, format 6.0). */
static int typed_content(enum trec_vtag t, unsigned form){
  switch( t ){
  case TREC_V_INT: case TREC_V_BIGINT: case TREC_V_FLOAT: case TREC_V_STR:
  case TREC_V_BYTES: case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET:
  case TREC_V_FROZENSET: case TREC_V_DICT:
  case TREC_V_TRUNC: case TREC_V_REF: case TREC_V_REDACTED:
    return 1;
  case TREC_V_OBJECT:
    return (form & TREC_FORM_SHAPE)==TREC_FORM_ENUM;
  default:
    return 0;
  }
}

static int value_parse(const unsigned char *p, const unsigned char *end,
                       struct trec_value *v, int depth){
  unsigned tag, u;
  uint64_t x;
  int64_t cps;
  memset(v, 0, sizeof *v);
  v->start = p;
  if( depth>TREC_VALUE_MAX_DEPTH ) return -1;
  if( get_u8(&p, end, &tag) || tag>TREC_V_MAXTAG ) return -1;
  v->tag = (enum trec_vtag)tag;
  switch( v->tag ){
  case TREC_V_NONE: case TREC_V_FALSE: case TREC_V_TRUE: case TREC_V_UNBOUND:
    break;
  case TREC_V_INT:
    if( trec_get_svarint(&p, end, &v->i) ) return -1;
    break;
  case TREC_V_BIGINT:
    if( get_u8(&p, end, &u) || u>1 ) return -1;
    v->negative = (int)u;
    if( trec_get_varint(&p, end, &x) || x==0 ) return -1;
    if( get_bytes(&p, end, x, &v->data) ) return -1;
    v->data_len = (size_t)x;
    break;
  case TREC_V_FLOAT:
    if( trec_get_u64le(&p, end, &x) ) return -1;
    memcpy(&v->f, &x, 8);
    break;
  case TREC_V_STR:
  case TREC_V_BYTES:
    if( trec_get_varint(&p, end, &v->total) ) return -1;
    if( trec_get_varint(&p, end, &x) || get_bytes(&p, end, x, &v->data) )
      return -1;
    v->data_len = (size_t)x;
    if( v->tag==TREC_V_STR ){
      cps = utf8_count(v->data, v->data_len);
      if( cps<0 || (uint64_t)cps>v->total ) return -1;
      v->n = (uint64_t)cps;
    }else{
      if( x>v->total ) return -1;
      v->n = x;
    }
    break;
  case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET:
  case TREC_V_FROZENSET: case TREC_V_DICT:
    if( trec_get_varint(&p, end, &v->id) || trec_get_varint(&p, end, &v->total)
     || trec_get_varint(&p, end, &v->n) || v->n>v->total ) return -1;
    v->items = p;
    if( v->n > (uint64_t)(end - p) ) return -1;
    if( parse_children(&p, end, v->tag==TREC_V_DICT ? 2*v->n : v->n, 0, depth) )
      return -1;
    break;
  case TREC_V_OBJECT:
    if( trec_get_varint(&p, end, &v->id)
     || get_name(&p, end, &v->type, &v->type_len)
     || trec_get_varint(&p, end, &v->total)
     || trec_get_varint(&p, end, &v->n) || v->n>v->total ) return -1;
    v->items = p;
    if( v->n > (uint64_t)(end - p) ) return -1;
    if( parse_children(&p, end, v->n, 1, depth) ) return -1;
    break;
  case TREC_V_REF:
    if( trec_get_varint(&p, end, &v->id) || get_u8(&p, end, &u) ) return -1;
    v->sub = (enum trec_vtag)u;
    if( !is_container(v->sub) && v->sub!=TREC_V_OBJECT && v->sub!=TREC_V_EXC )
      return -1;
    break;
  case TREC_V_TRUNC:
    if( get_u8(&p, end, &u) || u>TREC_V_MAXTAG ) return -1;
    v->sub = (enum trec_vtag)u;
    if( trec_get_varint(&p, end, &v->id)
     || get_name(&p, end, &v->type, &v->type_len)
     || trec_get_varint(&p, end, &v->total) ) return -1;
    break;
  case TREC_V_REPR:
    if( get_name(&p, end, &v->type, &v->type_len)
     || get_name(&p, end, (const char**)&v->data, &v->data_len) ) return -1;
    break;
  case TREC_V_REDACTED:
    if( get_name(&p, end, &v->type, &v->type_len) ) return -1;
    break;
  case TREC_V_TYPED: {
    struct trec_value c;
    if( get_name(&p, end, &v->type, &v->type_len) || get_u8(&p, end, &u)
     || u>TREC_FORM_MASK || (u & TREC_FORM_SHAPE)>TREC_FORM_ENUM ) return -1;
    v->form = u;
    if( value_parse(p, end, &c, depth+1) || !typed_content(c.tag, u) ) return -1;
    v->sub = c.tag;
    v->id = c.id;
    v->data = p;
    v->data_len = (size_t)(c.end - p);
    p = c.end;
    if( trec_get_varint(&p, end, &v->total)
     || trec_get_varint(&p, end, &v->n) || v->n>v->total ) return -1;
    v->items = p;
    if( v->n > (uint64_t)(end - p) ) return -1;
    if( parse_children(&p, end, v->n, 1, depth) ) return -1;
    break;
  }
  case TREC_V_EXC: {
    struct trec_value args;
    if( trec_get_varint(&p, end, &v->id)
     || get_name(&p, end, &v->type, &v->type_len) ) return -1;
    v->items = p;
    if( value_parse(p, end, &args, depth+1) || args.tag!=TREC_V_TUPLE )
      return -1;
    v->total = args.total;
    v->n = args.n;
    p = args.end;
    break;
  }
  }
  v->end = p;
  return 0;
}

int trec_value_read(const unsigned char *p, const unsigned char *end,
                    struct trec_value *v){
  struct trec_value tmp;
  if( !p || !end || p>=end ){
    memset(v, 0, sizeof *v);
    return TREC_ERR_CORRUPT;
  }
  if( value_parse(p, end, &tmp, 1) ){
    memset(v, 0, sizeof *v);
    return TREC_ERR_CORRUPT;
  }
  *v = tmp;
  return TREC_OK;
}

static const char *const tag_names[TREC_V_MAXTAG+1] = {
  "NoneType", "bool", "bool", "int", "int", "float", "str", "bytes", "tuple",
  "list", "set", "frozenset", "dict", "object", "object", "object", "object",
  "unbound", "object", "BaseException", "object"
};

const char *trec_value_typename(const struct trec_value *v, size_t *len){
  const char *s;
  size_t n;
  switch( v->tag ){
  case TREC_V_OBJECT: case TREC_V_TRUNC: case TREC_V_REPR:
  case TREC_V_REDACTED: case TREC_V_EXC: case TREC_V_TYPED:
    if( v->type && v->type_len>0 ){ s = v->type; n = v->type_len; break; }
    if( v->tag==TREC_V_TRUNC && (unsigned)v->sub<=TREC_V_MAXTAG ){
      s = tag_names[v->sub]; n = strlen(s); break;
    }
    s = tag_names[v->tag]; n = strlen(s);
    break;
  case TREC_V_REF:
    s = (unsigned)v->sub<=TREC_V_MAXTAG ? tag_names[v->sub] : "object";
    n = strlen(s);
    break;
  default:
    s = (unsigned)v->tag<=TREC_V_MAXTAG ? tag_names[v->tag] : "object";
    n = strlen(s);
  }
  if( len ) *len = n;
  return s;
}

int trec_value_content(const struct trec_value *v, struct trec_value *out){
  if( v->tag!=TREC_V_TYPED ){
    if( out!=v ) *out = *v;
    return TREC_OK;
  }
  if( !v->data || !v->data_len ) return TREC_ERR_CORRUPT;
  return trec_value_read(v->data, v->data + v->data_len, out);
}

/* ---- Navigation ---- */

/* Position p at child i of v (for DICT: child 2i is key i, 2i+1 value i;
** for OBJECT: child i's name is returned too). */
static int child_at(const struct trec_value *v, uint64_t i,
                    const char **name, size_t *name_len, struct trec_value *out){
  const unsigned char *p = v->items;
  const char *nm = NULL;
  size_t nl = 0;
  struct trec_value c;
  uint64_t limit;
  if( !p || !v->end ) return TREC_ERR_CORRUPT;
  limit = v->tag==TREC_V_DICT ? 2*v->n : v->n;
  if( i>=limit ) return TREC_ERR_RANGE;
  for(uint64_t k=0; ; k++){
    if( (v->tag==TREC_V_OBJECT || v->tag==TREC_V_TYPED)
     && get_name(&p, v->end, &nm, &nl) )
      return TREC_ERR_CORRUPT;
    if( trec_value_read(p, v->end, &c) ) return TREC_ERR_CORRUPT;
    if( k==i ) break;
    p = c.end;
  }
  if( name ){ *name = nm; *name_len = nl; }
  *out = c;
  return TREC_OK;
}

/* An EXC navigates as its args tuple. */
static int exc_args(const struct trec_value *v, struct trec_value *args){
  if( !v->items || !v->end ) return TREC_ERR_CORRUPT;
  if( trec_value_read(v->items, v->end, args) || args->tag!=TREC_V_TUPLE )
    return TREC_ERR_CORRUPT;
  return TREC_OK;
}

int trec_value_item(const struct trec_value *v, uint64_t i,
                    struct trec_value *out){
  struct trec_value args;
  int rc;
  if( v->tag==TREC_V_EXC ){
    if( (rc = exc_args(v, &args))!=TREC_OK ) return rc;
    return child_at(&args, i, NULL, NULL, out);
  }
  if( v->tag==TREC_V_DICT ){
    if( i>=v->n ) return TREC_ERR_RANGE;
    return child_at(v, 2*i+1, NULL, NULL, out);
  }
  if( !is_container(v->tag) && v->tag!=TREC_V_OBJECT && v->tag!=TREC_V_TYPED )
    return TREC_ERR_TYPE;
  return child_at(v, i, NULL, NULL, out);
}

int trec_value_key(const struct trec_value *v, uint64_t i,
                   struct trec_value *out){
  if( v->tag!=TREC_V_DICT ) return TREC_ERR_TYPE;
  if( i>=v->n ) return TREC_ERR_RANGE;
  return child_at(v, 2*i, NULL, NULL, out);
}

int trec_value_field_name(const struct trec_value *v, uint64_t i,
                          const char **name, size_t *len){
  struct trec_value c;
  if( v->tag!=TREC_V_OBJECT && v->tag!=TREC_V_TYPED ) return TREC_ERR_TYPE;
  return child_at(v, i, name, len, &c);
}

static int field_named(const struct trec_value *v, const char *name,
                       struct trec_value *out){
  size_t want = strlen(name);
  const char *nm;
  size_t nl;
  int rc;
  if( v->tag==TREC_V_TYPED && v->sub==TREC_V_OBJECT ){
    struct trec_value c;
    if( trec_value_content(v, &c) ) return TREC_ERR_CORRUPT;
    return field_named(&c, name, out);
  }
  if( v->tag!=TREC_V_OBJECT && v->tag!=TREC_V_TYPED ) return TREC_ERR_NOTFOUND;
  for(uint64_t i=0; i<v->n; i++){
    if( (rc = child_at(v, i, &nm, &nl, out))!=TREC_OK ) return rc;
    if( nl==want && !memcmp(nm, name, nl) ) return TREC_OK;
  }
  return TREC_ERR_NOTFOUND;
}

int trec_value_getattr(const struct trec_value *v, const char *name,
                       struct trec_value *out){
  int rc;
  if( v->tag==TREC_V_EXC && !strcmp(name, "args") ){
    return exc_args(v, out);
  }
  rc = field_named(v, name, out);
  /* an enum member's name and value properties give its _name_ and
  ** _value_ (an int or str enum's value is its content) */
  if( rc==TREC_ERR_NOTFOUND && v->tag==TREC_V_TYPED
   && (v->form & TREC_FORM_SHAPE)==TREC_FORM_ENUM ){
    if( !strcmp(name, "name") ) return field_named(v, "_name_", out);
    if( !strcmp(name, "value") )
      return v->sub==TREC_V_OBJECT ? field_named(v, "_value_", out)
                                   : trec_value_content(v, out);
  }
  return rc;
}

int trec_value_getitem(const struct trec_value *v, const struct trec_value *key,
                       struct trec_value *out){
  struct trec_value k, c, kc;
  int rc, cmp;
  int64_t idx;
  if( v->tag==TREC_V_TYPED || key->tag==TREC_V_TYPED ){
    if( trec_value_content(v, &c) || trec_value_content(key, &kc) )
      return TREC_ERR_CORRUPT;
    return trec_value_getitem(&c, &kc, out);
  }
  if( v->tag==TREC_V_DICT ){
    for(uint64_t i=0; i<v->n; i++){
      if( (rc = child_at(v, 2*i, NULL, NULL, &k))!=TREC_OK ) return rc;
      /* 1 == 1.0 == True find the same dict entry, as in Python */
      rc = trec_value_compare(&k, key, &cmp);
      if( (rc==TREC_OK || rc==TREC_ERR_TYPE) && cmp==0 )
        return child_at(v, 2*i+1, NULL, NULL, out);
    }
    return TREC_ERR_NOTFOUND;
  }
  if( v->tag!=TREC_V_LIST && v->tag!=TREC_V_TUPLE ) return TREC_ERR_TYPE;
  switch( key->tag ){
  case TREC_V_INT: idx = key->i; break;
  case TREC_V_FALSE: idx = 0; break;
  case TREC_V_TRUE: idx = 1; break;
  default: return TREC_ERR_TYPE;
  }
  if( idx<0 ){
    /* negative indexes count from the real end, which must be stored */
    if( v->n!=v->total || (uint64_t)-(idx+1) >= v->n ) return TREC_ERR_NOTFOUND;
    idx = (int64_t)v->n + idx;
  }
  if( (uint64_t)idx>=v->n ) return TREC_ERR_NOTFOUND;
  return child_at(v, (uint64_t)idx, NULL, NULL, out);
}

/* ---- Comparison ---- */

/* A number as sign + magnitude (little-endian bytes) + "has a fraction":
** enough to order ints of any size against floats exactly. */
struct num {
  int neg;
  const unsigned char *mag;
  size_t len;
  int frac;                  /* the value is mag + a positive fraction */
  unsigned char buf[136];    /* room for a double's integer part (2^1024) */
};

static size_t mag_trim(const unsigned char *m, size_t len){
  while( len>0 && m[len-1]==0 ) len--;
  return len;
}

static int num_of(const struct trec_value *v, struct num *n){
  uint64_t u;
  memset(n, 0, sizeof *n);
  switch( v->tag ){
  case TREC_V_FALSE: case TREC_V_TRUE:
    n->buf[0] = v->tag==TREC_V_TRUE;
    n->mag = n->buf; n->len = 1;
    break;
  case TREC_V_INT:
    n->neg = v->i<0;
    u = n->neg ? (uint64_t)0 - (uint64_t)v->i : (uint64_t)v->i;
    for(int k=0; k<8; k++) n->buf[k] = (unsigned char)(u >> (8*k));
    n->mag = n->buf; n->len = 8;
    break;
  case TREC_V_BIGINT:
    n->neg = v->negative;
    n->mag = v->data; n->len = v->data_len;
    break;
  case TREC_V_FLOAT: {
    double a = fabs(v->f), ip;
    int e;
    uint64_t m;
    n->neg = signbit(v->f) != 0;
    n->frac = modf(a, &ip) != 0.0;
    n->mag = n->buf;
    if( ip==0.0 ){ n->len = 0; break; }
    /* ip = m * 2^(e-53) with m a 53-bit integer; shift m into bytes */
    m = (uint64_t)ldexp(frexp(ip, &e), 53);
    e -= 53;
    if( e<0 ){ m >>= -e; e = 0; }
    for(int k=0; k<64; k++){
      if( (m >> k) & 1 ){
        int bit = k + e;
        n->buf[bit/8] |= (unsigned char)(1u << (bit%8));
      }
    }
    n->len = (size_t)(e + 64 + 7) / 8;
    if( n->len>sizeof n->buf ) n->len = sizeof n->buf;
    break;
  }
  default:
    return -1;
  }
  n->len = mag_trim(n->mag, n->len);
  if( n->len==0 && !n->frac ) n->neg = 0;   /* -0 == 0 */
  return 0;
}

static int mag_cmp(const struct num *a, const struct num *b){
  if( a->len!=b->len ) return a->len<b->len ? -1 : 1;
  for(size_t k=a->len; k-- > 0; ){
    if( a->mag[k]!=b->mag[k] ) return a->mag[k]<b->mag[k] ? -1 : 1;
  }
  if( a->frac!=b->frac ) return a->frac<b->frac ? -1 : 1;
  return 0;
}


static int compare_numbers(const struct trec_value *a,
                           const struct trec_value *b, int *cmp){
  struct num x, y;
  int c;
  if( a->tag==TREC_V_FLOAT && b->tag==TREC_V_FLOAT ){
    if( isnan(a->f) || isnan(b->f) ){ *cmp = 2; return TREC_ERR_TYPE; }
    *cmp = a->f<b->f ? -1 : a->f>b->f;
    return TREC_OK;
  }
  if( (a->tag==TREC_V_FLOAT && isnan(a->f))
   || (b->tag==TREC_V_FLOAT && isnan(b->f)) ){
    *cmp = 2;
    return TREC_ERR_TYPE;
  }
  if( a->tag==TREC_V_FLOAT && isinf(a->f) ){ *cmp = a->f<0 ? -1 : 1; return TREC_OK; }
  if( b->tag==TREC_V_FLOAT && isinf(b->f) ){ *cmp = b->f<0 ? 1 : -1; return TREC_OK; }
  num_of(a, &x);
  num_of(b, &y);
  if( x.neg!=y.neg ){ *cmp = x.neg ? -1 : 1; return TREC_OK; }
  c = mag_cmp(&x, &y);
  *cmp = x.neg ? -c : c;
  return TREC_OK;
}

/* Every code point, byte or item of v was stored. */
static int is_whole(const struct trec_value *v){
  if( v->tag==TREC_V_STR ){
    uint64_t cps = 0;
    for(size_t i=0; i<v->data_len; i++) cps += (v->data[i] & 0xc0)!=0x80;
    return cps==v->total;
  }
  if( v->tag==TREC_V_BYTES ) return v->data_len==v->total;
  return v->n==v->total;
}

/* Two values alike over the first min(an, bn) units stored of each: a
** whole one is a prefix of the other when no longer than its stored part;
** past that, what was cut could differ, and the order is unknown (LIMIT;
** *cmp 2 when the lengths say they differ, else 3). */
static int cut_order(const struct trec_value *a, uint64_t an,
                     const struct trec_value *b, uint64_t bn, int *cmp){
  int aw = is_whole(a), bw = is_whole(b);
  if( aw && bw ){ *cmp = an<bn ? -1 : an>bn; return TREC_OK; }
  if( aw && an<=bn ){ *cmp = -1; return TREC_OK; }
  if( bw && bn<=an ){ *cmp = 1; return TREC_OK; }
  /* one container, seen twice at one moment */
  if( a->id && a->id==b->id && a->tag==b->tag ){ *cmp = 0; return TREC_OK; }
  *cmp = a->total!=b->total ? 2 : 3;
  return TREC_ERR_LIMIT;
}

static int compare_bytes(const struct trec_value *a, const struct trec_value *b,
                         int *cmp){
  size_t n = a->data_len<b->data_len ? a->data_len : b->data_len;
  int c = n ? memcmp(a->data, b->data, n) : 0;
  if( c ){ *cmp = c<0 ? -1 : 1; return TREC_OK; }
  return cut_order(a, a->data_len, b, b->data_len, cmp);
}

static int compare_depth(const struct trec_value *a, const struct trec_value *b,
                         int *cmp, int depth);

/* Tuples and lists order lexicographically, item by item. */
static int compare_seq(const struct trec_value *a, const struct trec_value *b,
                       int *cmp, int depth){
  struct trec_value x, y;
  uint64_t n = a->n<b->n ? a->n : b->n;
  int rc, c;
  for(uint64_t i=0; i<n; i++){
    if( child_at(a, i, NULL, NULL, &x) || child_at(b, i, NULL, NULL, &y) ){
      *cmp = 2;
      return TREC_ERR_CORRUPT;
    }
    rc = compare_depth(&x, &y, &c, depth+1);
    if( rc==TREC_OK && c==0 ) continue;
    if( rc==TREC_ERR_TYPE && c==0 ) continue;
    *cmp = c;
    return rc;
  }
  return trec_value_order_lengths(a, b, cmp);
}

static int compare_depth(const struct trec_value *a, const struct trec_value *b,
                         int *cmp, int depth){
  struct trec_value ac, bc;
  *cmp = 2;
  if( depth>TREC_VALUE_MAX_DEPTH ) return TREC_ERR_CORRUPT;
  /* a subclass of a builtin compares by its content, as the builtin's
  ** methods it inherits do */
  if( a->tag==TREC_V_TYPED || b->tag==TREC_V_TYPED ){
    if( trec_value_content(a, &ac) || trec_value_content(b, &bc) )
      return TREC_ERR_CORRUPT;
    return compare_depth(&ac, &bc, cmp, depth+1);
  }
  if( trec_vtag_is_number(a->tag) && trec_vtag_is_number(b->tag) )
    return compare_numbers(a, b, cmp);
  /* UTF-8 byte order is code point order, surrogates included */
  if( a->tag==b->tag && (a->tag==TREC_V_STR || a->tag==TREC_V_BYTES) )
    return compare_bytes(a, b, cmp);
  if( a->tag==b->tag && (a->tag==TREC_V_TUPLE || a->tag==TREC_V_LIST) )
    return compare_seq(a, b, cmp, depth);
  if( a->tag==TREC_V_NONE && b->tag==TREC_V_NONE ){
    *cmp = 0;
    return TREC_ERR_TYPE;
  }
  /* Objects, dicts, sets: equal only when they are the same object. */
  if( a->tag==b->tag && a->id!=0 && a->id==b->id
   && (a->tag==TREC_V_OBJECT || a->tag==TREC_V_DICT || a->tag==TREC_V_SET
    || a->tag==TREC_V_FROZENSET || a->tag==TREC_V_EXC) ){
    *cmp = 0;
  }
  return TREC_ERR_TYPE;
}

int trec_value_order_lengths(const struct trec_value *a, const struct trec_value *b,
                             int *cmp){
  return cut_order(a, a->n, b, b->n, cmp);
}

int trec_value_type_is(const struct trec_value *v, const char *name){
  return v->type!=NULL && v->type_len==strlen(name) && !memcmp(v->type, name, v->type_len);
}

int trec_value_compare(const struct trec_value *a, const struct trec_value *b,
                       int *cmp){
  return compare_depth(a, b, cmp, 1);
}

int trec_value_truthy(const struct trec_value *v){
  struct trec_value c;
  switch( v->tag ){
  case TREC_V_TYPED:
    return trec_value_content(v, &c) ? 1 : trec_value_truthy(&c);
  case TREC_V_NONE: case TREC_V_FALSE: case TREC_V_UNBOUND:
    return 0;
  case TREC_V_INT:
    return v->i!=0;
  case TREC_V_BIGINT:
    return mag_trim(v->data, v->data_len)!=0;
  case TREC_V_FLOAT:
    return v->f!=0.0;
  case TREC_V_STR: case TREC_V_BYTES:
  case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET:
  case TREC_V_FROZENSET: case TREC_V_DICT:
    return v->total!=0;
  case TREC_V_TRUNC:
    /* a container nested past --max-depth still has its size */
    return v->sub>=TREC_V_TUPLE && v->sub<=TREC_V_DICT ? v->total!=0 : 1;
  default:
    return 1;
  }
}
