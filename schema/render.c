/*
** render.c: print a decoded value (value.h) the way Python's repr() prints
** the object it was recorded from (doc/FORMAT.md section 8).
**
** The replay REPL's `p`, the SQL `value` columns and the viewer all show
** values through this one function, so people see the text Python would
** have shown them. Exactness matters more than speed here: floats use the
** shortest digits that read back to the same double (Python's 'short'
** float_repr_style), strings escape exactly what str.isprintable() rejects
** (a table generated from Python's unicodedata, unicode_printable.h), and
** big ints are converted to decimal here, since no Python is linked.
**
** The value is validated once as a whole with trec_value_read(); each child
** is read again as it is reached. Output can be bounded (max_len): rendering
** stops soon after the bound is passed, so a huge value costs little.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace.h"
#include "value.h"
#include "unicode_printable.h"

#define PRETTY_WIDTH 79
/* Wrapping a long text measures each candidate piece: quadratic in the
** worst case, so longer texts stay on one line. */
#define PRETTY_MAX_TEXT 8192
/* Rendering may follow REFs into repeated (non-cyclic) values; these bound
** the work a crafted value can cause. */
#define RENDER_MAX_DEPTH (2*TREC_VALUE_MAX_DEPTH)
#define RENDER_MAX_SEARCHES 256
/* Decimal conversion is quadratic; beyond this many magnitude bytes
** (about 19700 digits, over Python's own 4300-digit repr limit) big ints
** print in hex. */
#define BIGINT_MAX_DECIMAL_BYTES 8192

struct render {
  struct trec_buf *out;
  unsigned flags;
  size_t limit;                       /* stop once out->len passes it; 0: none */
  const unsigned char *root, *root_end;
  const struct trec_value *open[RENDER_MAX_DEPTH+1];  /* the containers,
                                         objects and exceptions being rendered */
  int n_open;
  int searches;                       /* REF look-ups done in root */
};

static int render_value(struct render *r, const struct trec_value *v, int depth);

static int full(const struct render *r){
  return r->out->oom || (r->limit && r->out->len > r->limit);
}

static void puts_n(struct render *r, const char *s, size_t n){
  trec_buf_put(r->out, s, n);
}

/* ---- Scalars ---- */

static int is_printable(uint32_t cp){
  size_t lo = 0, hi = sizeof trec_nonprintable / sizeof trec_nonprintable[0];
  while( lo<hi ){
    size_t mid = (lo + hi) / 2;
    if( cp<trec_nonprintable[mid][0] ) hi = mid;
    else if( cp>trec_nonprintable[mid][1] ) lo = mid + 1;
    else return 0;
  }
  return 1;
}

/* Python's rule for both str and bytes: single quotes unless the text has
** a ' and no ". */
static char choose_quote(const unsigned char *s, size_t n){
  int sq = memchr(s, '\'', n)!=NULL, dq = memchr(s, '"', n)!=NULL;
  return sq && !dq ? '"' : '\'';
}

/* repr() of n bytes of UTF-8 text; stops once b->len passes limit (if
** not 0). */
static void str_repr(struct trec_buf *b, const unsigned char *s, size_t n,
                     size_t limit){
  const unsigned char *p = s, *end = s + n;
  char q = choose_quote(s, n);
  char esc[12];
  uint32_t cp;
  trec_buf_put_u8(b, (unsigned)q);
  while( p<end ){
    size_t k = trec_value_utf8_decode(p, end, &cp);
    if( k==0 ){ k = 1; cp = 0xfffd; }  /* cannot happen after validation */
    if( cp==(uint32_t)q || cp=='\\' ){
      esc[0] = '\\'; esc[1] = (char)cp; trec_buf_put(b, esc, 2);
    }else if( cp=='\t' ) trec_buf_put(b, "\\t", 2);
    else if( cp=='\n' ) trec_buf_put(b, "\\n", 2);
    else if( cp=='\r' ) trec_buf_put(b, "\\r", 2);
    else if( cp>=0x20 && cp<0x7f ) trec_buf_put_u8(b, cp);
    else if( cp>=0x80 && is_printable(cp) ) trec_buf_put(b, p, k);
    else if( cp<=0xff ) trec_buf_put(b, esc, (size_t)snprintf(esc, sizeof esc, "\\x%02x", cp));
    else if( cp<=0xffff ) trec_buf_put(b, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", cp));
    else trec_buf_put(b, esc, (size_t)snprintf(esc, sizeof esc, "\\U%08x", cp));
    p += k;
    if( limit && b->len>limit ) return;
  }
  trec_buf_put_u8(b, (unsigned)q);
}

static void bytes_repr(struct trec_buf *b, const unsigned char *s, size_t n,
                       size_t limit){
  char q = choose_quote(s, n);
  char esc[8];
  trec_buf_put_u8(b, 'b');
  trec_buf_put_u8(b, (unsigned)q);
  for(size_t i=0; i<n; i++){
    unsigned c = s[i];
    if( c==(unsigned char)q || c=='\\' ){
      esc[0] = '\\'; esc[1] = (char)c; trec_buf_put(b, esc, 2);
    }else if( c=='\t' ) trec_buf_put(b, "\\t", 2);
    else if( c=='\n' ) trec_buf_put(b, "\\n", 2);
    else if( c=='\r' ) trec_buf_put(b, "\\r", 2);
    else if( c<0x20 || c>=0x7f ) trec_buf_put(b, esc, (size_t)snprintf(esc, sizeof esc, "\\x%02x", c));
    else trec_buf_put_u8(b, c);
    if( limit && b->len>limit ) return;
  }
  trec_buf_put_u8(b, (unsigned)q);
}

static void render_str(struct render *r, const struct trec_value *v){
  str_repr(r->out, v->data, v->data_len, r->limit);
  if( v->n<v->total && !full(r) ) puts_n(r, "...", 3);
}

static void render_bytes(struct render *r, const struct trec_value *v){
  bytes_repr(r->out, v->data, v->data_len, r->limit);
  if( v->n<v->total && !full(r) ) puts_n(r, "...", 3);
}

/* Does digits (n of them, d.ddd) times 10^exp read back as x? */
static int float_roundtrips(const char *dig, int n, int exp, double x){
  char s[48];
  int k = 0;
  s[k++] = dig[0];
  if( n>1 ){ s[k++] = '.'; memcpy(s+k, dig+1, (size_t)n-1); k += n-1; }
  snprintf(s+k, sizeof s - (size_t)k, "e%d", exp);
  return strtod(s, NULL)==x;
}

/* The shortest decimal digits that read back as x (x finite, > 0), like
** David Gay's mode 0 that Python's repr() uses. The correctly rounded
** n-digit string is tried first; when it fails, its two n-digit neighbours
** are too, because at a power of two the interval that rounds to x is
** lopsided and the only n-digit string inside it may not be the nearest. */
static void float_shortest(double x, char *dig, int *ndig, int *exp){
  char s[48], alt[20];
  int n, e = 0;
  for(n=1; n<=17; n++){
    snprintf(s, sizeof s, "%.*e", n-1, x);
    dig[0] = s[0];
    if( n>1 ) memcpy(dig+1, s+2, (size_t)n-1);
    e = atoi(strchr(s, 'e')+1);
    if( float_roundtrips(dig, n, e, x) ) break;
    /* next n-digit number up */
    memcpy(alt, dig, (size_t)n);
    int i = n-1;
    while( i>=0 && alt[i]=='9' ){ alt[i] = '0'; i--; }
    if( i>=0 ){
      alt[i]++;
      if( float_roundtrips(alt, n, e, x) ){ memcpy(dig, alt, (size_t)n); break; }
    }else{
      alt[0] = '1';
      if( float_roundtrips(alt, n, e+1, x) ){ memcpy(dig, alt, (size_t)n); e++; break; }
    }
    /* next n-digit number down */
    memcpy(alt, dig, (size_t)n);
    i = n-1;
    while( i>0 && alt[i]=='0' ) i--;
    if( i==0 && alt[0]=='1' ){
      memset(alt, '9', (size_t)n);
      if( float_roundtrips(alt, n, e-1, x) ){ memcpy(dig, alt, (size_t)n); e--; break; }
    }else{
      alt[i]--;
      for(int j=i+1; j<n; j++) alt[j] = '9';
      if( float_roundtrips(alt, n, e, x) ){ memcpy(dig, alt, (size_t)n); break; }
    }
  }
  if( n>17 ) n = 17;                 /* %.16e always round-trips */
  while( n>1 && dig[n-1]=='0' ) n--;
  *ndig = n;
  *exp = e;
}

/* Python's repr(float): exponent form when the exponent is < -4 or >= 16,
** else positional with at least one digit after the point. */
void trec_value_format_float(double d, struct trec_buf *b){
  char dig[20];
  int n, e;
  if( isnan(d) ){ trec_buf_puts(b, "nan"); return; }
  if( isinf(d) ){ trec_buf_puts(b, d<0 ? "-inf" : "inf"); return; }
  if( d==0.0 ){ trec_buf_puts(b, signbit(d) ? "-0.0" : "0.0"); return; }
  if( d<0 ) trec_buf_put_u8(b, '-');
  float_shortest(fabs(d), dig, &n, &e);
  if( e< -4 || e>=16 ){
    trec_buf_put_u8(b, (unsigned)dig[0]);
    if( n>1 ){ trec_buf_put_u8(b, '.'); trec_buf_put(b, dig+1, (size_t)n-1); }
    trec_buf_printf(b, "e%c%02d", e<0 ? '-' : '+', e<0 ? -e : e);
  }else if( e>=0 ){
    for(int i=0; i<=e; i++) trec_buf_put_u8(b, i<n ? (unsigned)dig[i] : '0');
    trec_buf_put_u8(b, '.');
    if( n>e+1 ) trec_buf_put(b, dig+e+1, (size_t)(n-e-1));
    else trec_buf_put_u8(b, '0');
  }else{
    trec_buf_puts(b, "0.");
    for(int i=0; i< -e-1; i++) trec_buf_put_u8(b, '0');
    trec_buf_put(b, dig, (size_t)n);
  }
}

/* Magnitude (little-endian bytes) to decimal by repeated division of
** base-2^32 limbs by 10^9. */
static int render_bigint(struct render *r, const struct trec_value *v){
  size_t len = v->data_len, nl, nd = 0, top;
  uint32_t *limb = NULL, *dec = NULL;
  int rc = TREC_ERR_NOMEM;
  while( len>0 && v->data[len-1]==0 ) len--;
  if( len==0 ){ trec_buf_put_u8(r->out, '0'); return TREC_OK; }
  if( v->negative ) trec_buf_put_u8(r->out, '-');
  if( len>BIGINT_MAX_DECIMAL_BYTES ){
    trec_buf_puts(r->out, "0x");
    trec_buf_printf(r->out, "%x", v->data[len-1]);
    for(size_t i=len-1; i-- > 0 && !full(r); ) trec_buf_printf(r->out, "%02x", v->data[i]);
    return TREC_OK;
  }
  nl = (len + 3) / 4;
  limb = calloc(nl, sizeof *limb);                /* most significant first */
  dec = calloc(nl*10/9 + 2, sizeof *dec);         /* base 10^9 digits, least first */
  if( !limb || !dec ) goto out;
  for(size_t i=0; i<len; i++) limb[nl-1-i/4] |= (uint32_t)v->data[i] << (8*(i%4));
  top = 0;
  while( top<nl ){
    uint64_t rem = 0;
    for(size_t i=top; i<nl; i++){
      uint64_t cur = (rem << 32) | limb[i];
      limb[i] = (uint32_t)(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    dec[nd++] = (uint32_t)rem;
    while( top<nl && limb[top]==0 ) top++;
  }
  trec_buf_printf(r->out, "%" PRIu32, dec[nd-1]);
  for(size_t i=nd-1; i-- > 0; ) trec_buf_printf(r->out, "%09" PRIu32, dec[i]);
  rc = TREC_OK;
out:
  free(limb);
  free(dec);
  return rc;
}

/* "0x7f..." as Python's %p prints ids */
static void put_id(struct render *r, uint64_t id){
  trec_buf_printf(r->out, "0x%" PRIx64, id);
}

static void put_object_head(struct render *r, const char *type, size_t len,
                            uint64_t id){
  trec_buf_put_u8(r->out, '<');
  if( len ) puts_n(r, type, len); else trec_buf_puts(r->out, "object");
  trec_buf_puts(r->out, " object at ");
  put_id(r, id);
}

/* The type name after its last dot: what BaseException's repr prints. */
static void put_short_name(struct render *r, const char *type, size_t len){
  size_t i = len;
  while( i>0 && type[i-1]!='.' ) i--;
  if( i==len ) trec_buf_puts(r->out, "BaseException");
  else puts_n(r, type+i, len-i);
}

/* ---- Containers ---- */

static const char *open_text(enum trec_vtag t){
  switch( t ){
  case TREC_V_TUPLE: return "(";
  case TREC_V_LIST: return "[";
  case TREC_V_FROZENSET: return "frozenset({";
  default: return "{";
  }
}
static const char *close_text(enum trec_vtag t){
  switch( t ){
  case TREC_V_TUPLE: return ")";
  case TREC_V_LIST: return "]";
  case TREC_V_FROZENSET: return "})";
  default: return "}";
  }
}
static const char *empty_text(enum trec_vtag t){
  switch( t ){
  case TREC_V_TUPLE: return "()";
  case TREC_V_LIST: return "[]";
  case TREC_V_SET: return "set()";
  case TREC_V_FROZENSET: return "frozenset()";
  default: return "{}";
  }
}

/* The marker Python prints for a container met again inside itself. */
static void put_recursion_marker(struct render *r, enum trec_vtag t){
  switch( t ){
  case TREC_V_LIST: trec_buf_puts(r->out, "[...]"); break;
  case TREC_V_TUPLE: trec_buf_puts(r->out, "(...)"); break;
  case TREC_V_SET: trec_buf_puts(r->out, "set(...)"); break;
  case TREC_V_FROZENSET: trec_buf_puts(r->out, "frozenset(...)"); break;
  default: trec_buf_puts(r->out, "{...}"); break;
  }
}

static int push_open(struct render *r, const struct trec_value *v){
  if( r->n_open>RENDER_MAX_DEPTH ) return 0;
  r->open[r->n_open++] = v;
  return 1;
}

/* Child i of a validated container, object or args tuple: *p walks along. */
static int next_child(const unsigned char **p, const unsigned char *end,
                      int named, const char **name, size_t *name_len,
                      struct trec_value *c){
  uint64_t n;
  if( named ){
    if( trec_get_varint(p, end, &n) || n > (uint64_t)(end - *p) )
      return TREC_ERR_CORRUPT;
    *name = (const char*)*p;
    *name_len = (size_t)n;
    *p += n;
  }
  if( trec_value_read(*p, end, c) ) return TREC_ERR_CORRUPT;
  *p = c->end;
  return TREC_OK;
}

/* Items in the order pprint prints them: a set it wraps, and dicts unless
** sort_dicts=False. */
struct sort_item {
  struct trec_value key;   /* the set item, or the dict key */
  struct trec_value val;   /* DICT: the value */
  uint64_t index;
};

/* pprint's _safe_key order: by value where Python can order the two, else
** by type name; ties keep the recorded order (sorted() is stable). */
static int sort_item_cmp(const void *a, const void *b){
  const struct sort_item *x = a, *y = b;
  size_t xl, yl;
  const char *xt, *yt;
  int c, rc = trec_value_compare(&x->key, &y->key, &c);
  if( rc==TREC_OK && c!=0 ) return c;
  if( rc!=TREC_OK ){
    xt = trec_value_typename(&x->key, &xl);
    yt = trec_value_typename(&y->key, &yl);
    c = memcmp(xt, yt, xl<yl ? xl : yl);
    if( c ) return c;
    if( xl!=yl ) return xl<yl ? -1 : 1;
  }
  return x->index<y->index ? -1 : 1;
}

/* The stored items of v (DICT: pairs), in order; *out is Owned by the
** caller. */
static int collect_items(const struct trec_value *v, struct sort_item **out){
  const unsigned char *p = v->items;
  struct sort_item *items = calloc(v->n ? v->n : 1, sizeof *items);
  if( !items ) return TREC_ERR_NOMEM;
  for(uint64_t i=0; i<v->n; i++){
    if( next_child(&p, v->end, 0, NULL, NULL, &items[i].key)!=TREC_OK
     || (v->tag==TREC_V_DICT
         && next_child(&p, v->end, 0, NULL, NULL, &items[i].val)!=TREC_OK) ){
      free(items);
      return TREC_ERR_CORRUPT;
    }
    items[i].index = i;
  }
  *out = items;
  return TREC_OK;
}

/* The stored items of v (DICT: pairs, by key) sorted; *out is Owned by the
** caller. */
static int sorted_items(const struct trec_value *v, struct sort_item **out){
  int rc = collect_items(v, out);
  if( rc==TREC_OK ) qsort(*out, v->n, sizeof **out, sort_item_cmp);
  return rc;
}

/* Counter's order: dict(self.most_common()), values largest first, ties
** in insertion order; Python falls back to the dict's own order when two
** values cannot be ordered, and so does this (*out stays NULL). */
static int val_item_cmp(const void *a, const void *b){
  const struct sort_item *x = a, *y = b;
  int c;
  trec_value_compare(&y->val, &x->val, &c);
  if( c ) return c;
  return x->index<y->index ? -1 : 1;
}

static int by_value(const struct trec_value *v, struct sort_item **out){
  struct sort_item *items;
  int c, rc;
  *out = NULL;
  if( v->tag!=TREC_V_DICT || v->n<2 ) return TREC_OK;
  if( (rc = collect_items(v, &items))!=TREC_OK ) return rc;
  for(uint64_t i=1; i<v->n; i++){
    if( trec_value_compare(&items[i].val, &items[0].val, &c)!=TREC_OK ){
      free(items);
      return TREC_OK;
    }
  }
  qsort(items, v->n, sizeof *items, val_item_cmp);
  *out = items;
  return TREC_OK;
}

/* The items after a container's opener. form (a TYPED value's, else 0)
** orders a dict's items as Counter prints them (BY_VALUE), or prints them
** as OrderedDict's list of pairs did before 3.12 (ITEMS); a plain dict's
** are sorted by key when asked (TREC_RENDER_SORT_DICTS). */
static int render_items(struct render *r, const struct trec_value *v,
                        unsigned form, int depth){
  const unsigned char *p = v->items;
  struct trec_value k, c;
  struct sort_item *sorted = NULL;
  int dict = v->tag==TREC_V_DICT, pairs = dict && (form & TREC_FORM_ITEMS);
  int rc = TREC_OK;
  if( dict && (form & TREC_FORM_BY_VALUE) ) rc = by_value(v, &sorted);
  else if( dict && !form && (r->flags & TREC_RENDER_SORT_DICTS) )
    rc = sorted_items(v, &sorted);
  if( rc!=TREC_OK ) return rc;
  for(uint64_t i=0; i<v->n; i++){
    if( i ) trec_buf_puts(r->out, ", ");
    if( sorted ){
      k = sorted[i].key;
      c = sorted[i].val;
    }else if( dict ){
      if( (rc = next_child(&p, v->end, 0, NULL, NULL, &k))!=TREC_OK ) goto out;
    }
    if( pairs ) trec_buf_put_u8(r->out, '(');
    if( dict ){
      if( (rc = render_value(r, &k, depth+1))!=TREC_OK ) goto out;
      trec_buf_puts(r->out, pairs ? ", " : ": ");
    }
    if( !sorted && (rc = next_child(&p, v->end, 0, NULL, NULL, &c))!=TREC_OK ) goto out;
    if( (rc = render_value(r, &c, depth+1))!=TREC_OK ) goto out;
    if( pairs ) trec_buf_put_u8(r->out, ')');
    if( full(r) ){ rc = TREC_ERR_LIMIT; goto out; }
  }
  if( v->n<v->total ) trec_buf_puts(r->out, v->n ? ", ..." : "...");
out:
  free(sorted);
  return rc;
}

static int render_container(struct render *r, const struct trec_value *v,
                            int depth){
  int rc;
  if( v->total==0 ){ trec_buf_puts(r->out, empty_text(v->tag)); return TREC_OK; }
  trec_buf_puts(r->out, open_text(v->tag));
  if( !push_open(r, v) ){ trec_buf_puts(r->out, "..."); goto close; }
  rc = render_items(r, v, 0, depth);
  r->n_open--;
  if( rc!=TREC_OK ) return rc;
  if( v->tag==TREC_V_TUPLE && v->total==1 ) trec_buf_put_u8(r->out, ',');
close:
  trec_buf_puts(r->out, close_text(v->tag));
  return TREC_OK;
}

/* ---- Objects of standard library classes that print themselves ----
**
** Fraction, UUID, IPv4Address, pathlib's paths, SimpleNamespace and
** argparse's Namespace define __repr__ from fields the recorder keeps.
** Their text is rebuilt from those fields, for the exact classes only (a
** subclass's __repr__ may differ) and only when every field it needs was
** recorded whole; otherwise the object prints as any other. */

/* A field that is a whole str. */
static int str_field(const struct trec_value *v, const char *name,
                     struct trec_value *f){
  return trec_value_getattr(v, name, f)==TREC_OK && f->tag==TREC_V_STR && f->n==f->total;
}

/* A field that is an int in [0, 2**(8*bytes)): its little-endian bytes. */
static int uint_field(const struct trec_value *v, const char *name, size_t bytes,
                      unsigned char *le){
  struct trec_value f;
  size_t n;
  memset(le, 0, bytes);
  if( trec_value_getattr(v, name, &f)!=TREC_OK ) return 0;
  if( f.tag==TREC_V_INT ){
    if( f.i<0 || (bytes<8 && (uint64_t)f.i>>(8*bytes)) ) return 0;
    for(size_t i=0; i<bytes && i<8; i++) le[i] = (unsigned char)((uint64_t)f.i >> (8*i));
    return 1;
  }
  if( f.tag!=TREC_V_BIGINT || f.negative ) return 0;
  n = f.data_len;
  while( n>0 && f.data[n-1]==0 ) n--;
  if( n>bytes ) return 0;
  memcpy(le, f.data, n);
  return 1;
}

static int is_int(const struct trec_value *v){
  return v->tag==TREC_V_INT || v->tag==TREC_V_BIGINT;
}

/* Fraction(3, 4) */
static int known_fraction(struct render *r, const struct trec_value *v, int depth){
  struct trec_value n, d;
  if( trec_value_getattr(v, "_numerator", &n) || trec_value_getattr(v, "_denominator", &d)
      || !is_int(&n) || !is_int(&d) ) return 0;
  trec_buf_puts(r->out, "Fraction(");
  render_value(r, &n, depth+1);
  trec_buf_puts(r->out, ", ");
  render_value(r, &d, depth+1);
  trec_buf_put_u8(r->out, ')');
  return 1;
}

/* UUID('12345678-1234-5678-1234-567812345678') from its 128-bit int */
static int known_uuid(struct render *r, const struct trec_value *v){
  unsigned char le[16];
  if( !uint_field(v, "int", 16, le) ) return 0;
  trec_buf_puts(r->out, "UUID('");
  for(int i=15; i>=0; i--){
    trec_buf_printf(r->out, "%02x", le[i]);
    if( i==12 || i==10 || i==8 || i==6 ) trec_buf_put_u8(r->out, '-');
  }
  trec_buf_puts(r->out, "')");
  return 1;
}

/* IPv4Address('10.0.0.1') */
static int known_ipv4(struct render *r, const struct trec_value *v){
  unsigned char le[4];
  if( !uint_field(v, "_ip", 4, le) ) return 0;
  trec_buf_printf(r->out, "IPv4Address('%u.%u.%u.%u')", le[3], le[2], le[1], le[0]);
  return 1;
}

/* A list of whole strs: its items' texts, 0 when it is not one. */
static int str_list(const struct trec_value *l, struct trec_value *items, size_t max,
                    size_t *n){
  const unsigned char *p = l->items;
  if( l->tag!=TREC_V_LIST || l->n!=l->total || l->n>max ) return 0;
  for(uint64_t i=0; i<l->n; i++){
    if( trec_value_read(p, l->end, &items[i]) || items[i].tag!=TREC_V_STR
        || items[i].n!=items[i].total ) return 0;
    p = items[i].end;
  }
  *n = (size_t)l->n;
  return 1;
}

static void buf_str(struct trec_buf *b, const struct trec_value *s){
  trec_buf_put(b, s->data, s->data_len);
}

/* posixpath.join(*raw) parsed as a PurePosixPath parses it (splitroot:
** one or three and more slashes are the root /, exactly two are //; then
** the parts without empty ones and "."), formatted back. */
static void posix_from_raw(const struct trec_value *raw, size_t n, struct trec_buf *out){
  struct trec_buf j = TREC_BUF_INIT;
  size_t i = 0, root = 0, part;
  for(size_t k=0; k<n; k++){
    if( raw[k].data_len>0 && raw[k].data[0]=='/' ) trec_buf_reset(&j);
    else if( j.len>0 && j.data[j.len-1]!='/' ) trec_buf_put_u8(&j, '/');
    buf_str(&j, &raw[k]);
  }
  if( j.len>0 && j.data[0]=='/' ){
    root = j.len>1 && j.data[1]=='/' && !(j.len>2 && j.data[2]=='/') ? 2 : 1;
    trec_buf_put(out, j.data, root);
    i = root;
  }
  for(int first = 1; i<j.len; i = part + 1){
    for(part = i; part<j.len && j.data[part]!='/'; part++){}
    if( part==i || (part==i+1 && j.data[i]=='.') ) continue;
    if( !first ) trec_buf_put_u8(out, '/');
    trec_buf_put(out, j.data + i, part - i);
    first = 0;
  }
  trec_buf_release(&j);
}

#define PATH_MAX_PARTS 64

/* str() of a pathlib path, from whichever fields its version keeps: the
** cached text, or its drive, root and parts (3.9 to 3.11) or tail (3.12
** on), or the raw arguments it was made from (3.12 on, until it was
** parsed). 0 when they were not recorded whole. */
static int path_text(const struct trec_value *v, struct trec_buf *out){
  struct trec_value f, drv, root, items[PATH_MAX_PARTS];
  size_t n, start = out->len, skip = 0;
  if( str_field(v, "_str", &f) ){
    buf_str(out, &f);
    return 1;
  }
  if( str_field(v, "_drv", &drv) && str_field(v, "_root", &root)
      && ((trec_value_getattr(v, "_parts", &f)==TREC_OK && (skip = 1))
          || trec_value_getattr(v, "_tail_cached", &f)==TREC_OK)
      && str_list(&f, items, PATH_MAX_PARTS, &n) ){
    int anchored = drv.data_len>0 || root.data_len>0;
    buf_str(out, &drv);
    buf_str(out, &root);
    /* 3.11's parts begin with the anchor, 3.12's tail does not */
    for(size_t k = anchored ? skip : 0; k<n; k++){
      if( k>(anchored ? skip : 0) ) trec_buf_put_u8(out, '/');
      buf_str(out, &items[k]);
    }
  }else if( trec_value_getattr(v, "_raw_paths", &f)==TREC_OK
            && str_list(&f, items, PATH_MAX_PARTS, &n) ){
    posix_from_raw(items, n, out);
  }else if( str_field(v, "_raw_path", &f) ){
    posix_from_raw(&f, 1, out);
  }else{
    return 0;
  }
  if( out->len==start ) trec_buf_put_u8(out, '.');
  return 1;
}

/* PosixPath('/tmp/x'): the class's own name and str() of the path. */
static int known_path(struct render *r, const struct trec_value *v){
  struct trec_buf t = TREC_BUF_INIT;
  int ok = path_text(v, &t) && !t.oom;
  if( ok ){
    put_short_name(r, v->type, v->type_len);
    trec_buf_put_u8(r->out, '(');
    str_repr(r->out, t.data ? t.data : (const unsigned char *)"", t.len, 0);
    trec_buf_put_u8(r->out, ')');
  }
  trec_buf_release(&t);
  return ok;
}

/* A str that is an ASCII identifier (argparse prints others apart; a
** non-ASCII one would need Unicode's identifier tables). */
static int ascii_identifier(const char *s, size_t n){
  if( n==0 || (s[0]>='0' && s[0]<='9') ) return 0;
  for(size_t i=0; i<n; i++)
    if( !((s[i]>='a' && s[i]<='z') || (s[i]>='A' && s[i]<='Z')
          || (s[i]>='0' && s[i]<='9') || s[i]=='_') ) return 0;
  return 1;
}

/* namespace(a=1, b=2), and argparse's Namespace(a=1, **{'not id': 2}):
** the fields in order. */
static int known_namespace(struct render *r, const struct trec_value *v, int depth,
                           int argparse){
  const unsigned char *p = v->items;
  const char *name;
  size_t name_len;
  struct trec_value c;
  int odd = 0, rc = TREC_OK;
  if( v->n!=v->total ) return 0;
  for(uint64_t i=0; i<v->n; i++){
    if( next_child(&p, v->end, 1, &name, &name_len, &c)!=TREC_OK ) return 0;
    if( argparse && !ascii_identifier(name, name_len) ){
      for(size_t k=0; k<name_len; k++) if( (unsigned char)name[k]>=0x80 ) return 0;
      odd++;
    }
  }
  trec_buf_puts(r->out, argparse ? "Namespace(" : "namespace(");
  if( !push_open(r, v) ){ trec_buf_puts(r->out, "...)"); return 1; }
  for(int pass = 0; pass<(odd ? 2 : 1) && rc==TREC_OK; pass++){
    int any = 0;
    p = v->items;
    if( pass ) trec_buf_puts(r->out, v->n>(uint64_t)odd ? ", **{" : "**{");
    for(uint64_t i=0, shown=0; i<v->n && rc==TREC_OK; i++){
      next_child(&p, v->end, 1, &name, &name_len, &c);
      if( argparse && ascii_identifier(name, name_len)==pass ) continue;
      if( pass==0 && shown++ ) trec_buf_puts(r->out, ", ");
      if( pass ){
        if( any++ ) trec_buf_puts(r->out, ", ");
        str_repr(r->out, (const unsigned char *)name, name_len, 0);
        trec_buf_puts(r->out, ": ");
      }else{
        puts_n(r, name, name_len);
        trec_buf_put_u8(r->out, '=');
      }
      rc = render_value(r, &c, depth+1);
    }
    if( pass ) trec_buf_put_u8(r->out, '}');
  }
  r->n_open--;
  trec_buf_put_u8(r->out, ')');
  return 1;
}

/* 1 when v is of a class above and was printed as it prints itself. */
static int render_known(struct render *r, const struct trec_value *v, int depth){
  size_t start = r->out->len;
  int done = 0;
  if( v->type_len==0 ) return 0;
  if( trec_value_type_is(v, "fractions.Fraction") )
    done = known_fraction(r, v, depth);
  else if( trec_value_type_is(v, "uuid.UUID") )
    done = known_uuid(r, v);
  else if( trec_value_type_is(v, "ipaddress.IPv4Address") )
    done = known_ipv4(r, v);
  else if( trec_value_type_is(v, "types.SimpleNamespace") )
    done = known_namespace(r, v, depth, 0);
  else if( trec_value_type_is(v, "argparse.Namespace") )
    done = known_namespace(r, v, depth, 1);
  else if( trec_value_type_is(v, "pathlib.PosixPath")
           || trec_value_type_is(v, "pathlib.PurePosixPath")
           || trec_value_type_is(v, "pathlib._local.PosixPath")
           || trec_value_type_is(v, "pathlib._local.PurePosixPath") )
    done = known_path(r, v);
  if( !done ) r->out->len = start;
  return done;
}

static int render_object(struct render *r, const struct trec_value *v,
                         int depth){
  const unsigned char *p = v->items;
  const char *name = NULL;
  size_t name_len = 0;
  struct trec_value c;
  int rc = TREC_OK;
  if( render_known(r, v, depth) ) return full(r) ? TREC_ERR_LIMIT : TREC_OK;
  put_object_head(r, v->type, v->type_len, v->id);
  if( (r->flags & TREC_RENDER_FIELDS) && v->total>0 ){
    if( !push_open(r, v) ){ trec_buf_puts(r->out, " ...>"); return TREC_OK; }
    for(uint64_t i=0; i<v->n; i++){
      trec_buf_puts(r->out, i ? ", " : " ");
      if( (rc = next_child(&p, v->end, 1, &name, &name_len, &c))!=TREC_OK ) break;
      puts_n(r, name, name_len);
      trec_buf_put_u8(r->out, '=');
      if( (rc = render_value(r, &c, depth+1))!=TREC_OK ) break;
      if( full(r) ){ rc = TREC_ERR_LIMIT; break; }
    }
    r->n_open--;
    if( rc!=TREC_OK ) return rc;
    if( v->n<v->total ) trec_buf_puts(r->out, v->n ? ", ..." : " ...");
  }
  trec_buf_put_u8(r->out, '>');
  return TREC_OK;
}

static int render_exc(struct render *r, const struct trec_value *v, int depth){
  struct trec_value args, a0;
  const unsigned char *p;
  int rc;
  if( trec_value_read(v->items, v->end, &args) ) return TREC_ERR_CORRUPT;
  put_short_name(r, v->type, v->type_len);
  if( !push_open(r, v) ){ trec_buf_puts(r->out, "(...)"); return TREC_OK; }
  if( args.n==1 && args.total==1 ){
    /* one argument prints bare: ValueError('x'), not ValueError(('x',)) */
    p = args.items;
    rc = next_child(&p, args.end, 0, NULL, NULL, &a0);
    if( rc==TREC_OK ){
      trec_buf_put_u8(r->out, '(');
      rc = render_value(r, &a0, depth+1);
      trec_buf_put_u8(r->out, ')');
    }
  }else{
    rc = render_container(r, &args, depth);
  }
  r->n_open--;
  return rc;
}

/* ---- TYPED: subclasses of builtins and their kin (FORMAT.md 8) ---- */

/* A dict's items as OrderedDict printed them before 3.12 (a list of
** pairs), or in Counter's order: the content of a CALL form. */
static int render_dict_as(struct render *r, const struct trec_value *v,
                          unsigned form, int depth){
  int pairs = (form & TREC_FORM_ITEMS)!=0, rc;
  trec_buf_puts(r->out, pairs ? "[" : "{");
  if( !push_open(r, v) ){
    trec_buf_puts(r->out, "...");
  }else{
    rc = render_items(r, v, form, depth);
    r->n_open--;
    if( rc!=TREC_OK ) return rc;
  }
  trec_buf_puts(r->out, pairs ? "]" : "}");
  return TREC_OK;
}

/* A namedtuple's fields: f1=v1, f2=v2 */
static int render_named(struct render *r, const struct trec_value *v, int depth){
  const unsigned char *p = v->items;
  const char *name = NULL;
  size_t name_len = 0;
  struct trec_value c;
  int rc;
  for(uint64_t i=0; i<v->n; i++){
    if( i ) trec_buf_puts(r->out, ", ");
    if( (rc = next_child(&p, v->end, 1, &name, &name_len, &c))!=TREC_OK ) return rc;
    puts_n(r, name, name_len);
    trec_buf_put_u8(r->out, '=');
    if( (rc = render_value(r, &c, depth+1))!=TREC_OK ) return rc;
    if( full(r) ) return TREC_ERR_LIMIT;
  }
  if( v->n<v->total ) trec_buf_puts(r->out, v->n ? ", ..." : "...");
  return TREC_OK;
}

/* A TYPED's content as its form prints it: inside Name(...), set_repr
** prints a frozenset subclass's items in braces as a set's. */
static int typed_shown(const struct trec_value *v, struct trec_value *c){
  if( trec_value_content(v, c) ) return TREC_ERR_CORRUPT;
  if( c->tag==TREC_V_FROZENSET && (v->form & TREC_FORM_SHAPE)==TREC_FORM_CALL )
    c->tag = TREC_V_SET;
  return TREC_OK;
}

/* A KEYWORD form's field 0 (deque's maxlen): ", maxlen=5", nothing when it
** is None or was not stored. */
static int keyword_field(const struct trec_value *v, const char **name,
                         size_t *name_len, struct trec_value *f){
  const unsigned char *p = v->items;
  if( !(v->form & TREC_FORM_KEYWORD) || v->n==0 ) return 0;
  if( next_child(&p, v->end, 1, name, name_len, f)!=TREC_OK ) return 0;
  return f->tag!=TREC_V_NONE;
}

/* Enum.__repr__: <Color.RED: 1>, the member's name unquoted; a plain
** Enum's value is its OBJECT content's _value_ field. */
static int render_enum(struct render *r, const struct trec_value *v,
                       const struct trec_value *c, int depth){
  struct trec_value f;
  int rc;
  trec_buf_put_u8(r->out, '<');
  put_short_name(r, v->type, v->type_len);
  if( trec_value_getattr(v, "_name_", &f)==TREC_OK && f.tag==TREC_V_STR ){
    trec_buf_put_u8(r->out, '.');
    puts_n(r, (const char *)f.data, f.data_len);
  }
  trec_buf_puts(r->out, ": ");
  if( c->tag!=TREC_V_OBJECT ){
    rc = render_value(r, c, depth+1);
  }else if( trec_value_getattr(c, "_value_", &f)==TREC_OK && push_open(r, c) ){
    /* open: a REF to the member inside its value is a cycle */
    rc = render_value(r, &f, depth+1);
    r->n_open--;
  }else{
    trec_buf_puts(r->out, "...");
    rc = TREC_OK;
  }
  if( rc!=TREC_OK ) return rc;
  trec_buf_put_u8(r->out, '>');
  return TREC_OK;
}

static int render_typed(struct render *r, const struct trec_value *v,
                        int depth){
  struct trec_value c, f;
  const unsigned char *p = v->items;
  const char *name = NULL;
  size_t name_len = 0;
  unsigned shape = v->form & TREC_FORM_SHAPE;
  int rc = TREC_OK;
  if( typed_shown(v, &c) ) return TREC_ERR_CORRUPT;
  if( shape==TREC_FORM_BASE ) return render_value(r, &c, depth);
  if( shape==TREC_FORM_ENUM ) return render_enum(r, v, &c, depth);
  put_short_name(r, v->type, v->type_len);
  trec_buf_put_u8(r->out, '(');
  if( shape==TREC_FORM_NAMED ){
    rc = render_named(r, v, depth);
  }else if( (v->form & TREC_FORM_EMPTY_BARE) && c.tag!=TREC_V_REF && c.total==0 ){
    /* Counter(), OrderedDict(), a set subclass's Name() */
  }else{
    if( shape==TREC_FORM_FACTORY && v->n>0 ){
      if( (rc = next_child(&p, v->end, 1, &name, &name_len, &f))!=TREC_OK
       || (rc = render_value(r, &f, depth+1))!=TREC_OK ) return rc;
      trec_buf_puts(r->out, ", ");
    }
    if( c.tag==TREC_V_DICT && c.n>0
     && (v->form & (TREC_FORM_ITEMS|TREC_FORM_BY_VALUE)) )
      rc = render_dict_as(r, &c, v->form, depth);
    else if( c.tag==TREC_V_DICT && c.total==0 && (v->form & TREC_FORM_ITEMS) )
      trec_buf_puts(r->out, "[]");
    else
      rc = render_value(r, &c, depth+1);
    if( rc==TREC_OK && keyword_field(v, &name, &name_len, &f) ){
      trec_buf_puts(r->out, ", ");
      puts_n(r, name, name_len);
      trec_buf_put_u8(r->out, '=');
      rc = render_value(r, &f, depth+1);
    }
  }
  if( rc!=TREC_OK ) return rc;
  trec_buf_put_u8(r->out, ')');
  return TREC_OK;
}

/* Find the value with this id and tag inside the rendered root, so that a
** REF to a value repeated (not a cycle) prints as the value itself. */
static int find_by_id(const struct trec_value *v, uint64_t id,
                      enum trec_vtag tag, int depth, struct trec_value *found){
  struct trec_value c;
  const unsigned char *q;
  const char *name;
  size_t name_len;
  uint64_t n;
  if( depth>TREC_VALUE_MAX_DEPTH ) return 0;
  if( (v->tag==tag || (v->tag==TREC_V_TYPED && v->sub==tag)) && v->id==id ){
    *found = *v;
    return 1;
  }
  if( v->tag==TREC_V_TYPED ){
    if( trec_value_content(v, &c) ) return 0;
    if( find_by_id(&c, id, tag, depth+1, found) ) return 1;
  }
  if( v->tag==TREC_V_EXC ){
    if( trec_value_read(v->items, v->end, &c) ) return 0;
    return find_by_id(&c, id, tag, depth+1, found);
  }
  if( v->tag!=TREC_V_OBJECT && v->tag!=TREC_V_TUPLE && v->tag!=TREC_V_LIST
   && v->tag!=TREC_V_SET && v->tag!=TREC_V_FROZENSET && v->tag!=TREC_V_DICT
   && v->tag!=TREC_V_TYPED )
    return 0;
  q = v->items;
  n = v->tag==TREC_V_DICT ? 2*v->n : v->n;
  for(uint64_t i=0; i<n; i++){
    if( next_child(&q, v->end, v->tag==TREC_V_OBJECT || v->tag==TREC_V_TYPED,
                   &name, &name_len, &c) )
      return 0;
    if( find_by_id(&c, id, tag, depth+1, found) ) return 1;
  }
  return 0;
}

static int find_in_root(const struct render *r, uint64_t id, enum trec_vtag tag,
                        struct trec_value *found){
  struct trec_value root;
  if( !r->root || trec_value_read(r->root, r->root_end, &root) ) return 0;
  return find_by_id(&root, id, tag, 1, found);
}

/* A REF to an enclosing value is a cycle: Python prints its recursion
** marker. Any other REF is a repeat of a value stored elsewhere in the root,
** printed in full as Python would print it. */
static int render_ref(struct render *r, const struct trec_value *v, int depth){
  const struct trec_value *enclosing = NULL;
  struct trec_value target;
  for(int i=r->n_open-1; i>=0 && !enclosing; i--)
    if( r->open[i]->id==v->id && r->open[i]->tag==v->sub ) enclosing = r->open[i];
  if( !enclosing && r->searches<RENDER_MAX_SEARCHES ){
    r->searches++;
    if( find_in_root(r, v->id, v->sub, &target) )
      return render_value(r, &target, depth+1);
  }
  if( v->sub==TREC_V_OBJECT ){
    put_object_head(r, enclosing ? enclosing->type : NULL,
                    enclosing ? enclosing->type_len : 0, v->id);
    trec_buf_puts(r->out, (r->flags & TREC_RENDER_FIELDS) ? " ...>" : ">");
  }else if( v->sub==TREC_V_EXC ){
    put_short_name(r, enclosing ? enclosing->type : "", enclosing ? enclosing->type_len : 0);
    trec_buf_puts(r->out, "(...)");
  }else{
    put_recursion_marker(r, v->sub);
  }
  return TREC_OK;
}

static void render_trunc(struct render *r, const struct trec_value *v){
  switch( v->sub ){
  case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET:
  case TREC_V_FROZENSET: case TREC_V_DICT:
    if( v->total==0 ){ trec_buf_puts(r->out, empty_text(v->sub)); break; }
    trec_buf_puts(r->out, open_text(v->sub));
    trec_buf_puts(r->out, "...");
    trec_buf_puts(r->out, close_text(v->sub));
    break;
  case TREC_V_EXC:
    put_short_name(r, v->type, v->type_len);
    trec_buf_puts(r->out, "(...)");
    break;
  case TREC_V_OBJECT:
    put_object_head(r, v->type, v->type_len, v->id);
    trec_buf_puts(r->out, (r->flags & TREC_RENDER_FIELDS) && v->total>0 ? " ...>" : ">");
    break;
  default:
    trec_buf_puts(r->out, "...");
  }
}

static int render_value(struct render *r, const struct trec_value *v, int depth){
  if( depth>RENDER_MAX_DEPTH ){ trec_buf_puts(r->out, "..."); return TREC_OK; }
  switch( v->tag ){
  case TREC_V_NONE: trec_buf_puts(r->out, "None"); break;
  case TREC_V_FALSE: trec_buf_puts(r->out, "False"); break;
  case TREC_V_TRUE: trec_buf_puts(r->out, "True"); break;
  case TREC_V_INT: trec_buf_printf(r->out, "%" PRId64, v->i); break;
  case TREC_V_BIGINT: return render_bigint(r, v);
  case TREC_V_FLOAT: trec_value_format_float(v->f, r->out); break;
  case TREC_V_STR: render_str(r, v); break;
  case TREC_V_BYTES: render_bytes(r, v); break;
  case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET:
  case TREC_V_FROZENSET: case TREC_V_DICT:
    return render_container(r, v, depth);
  case TREC_V_OBJECT: return render_object(r, v, depth);
  case TREC_V_REF: return render_ref(r, v, depth);
  case TREC_V_TRUNC: render_trunc(r, v); break;
  case TREC_V_REPR: puts_n(r, (const char*)v->data, v->data_len); break;
  case TREC_V_UNBOUND: trec_buf_puts(r->out, "<unbound>"); break;
  case TREC_V_REDACTED: trec_buf_puts(r->out, "<redacted>"); break;
  case TREC_V_EXC: return render_exc(r, v, depth);
  case TREC_V_TYPED: return render_typed(r, v, depth);
  }
  return full(r) ? TREC_ERR_LIMIT : TREC_OK;
}

/* ---- Pretty printing (pprint's layout, without its sorting) ---- */

static size_t cp_count(const unsigned char *s, size_t n){
  size_t k = 0;
  for(size_t i=0; i<n; i++) k += (s[i] & 0xc0)!=0x80;
  return k;
}

static void put_newline_indent(struct render *r, size_t indent){
  trec_buf_puts(r->out, ",\n");
  for(size_t i=0; i<indent; i++) trec_buf_put_u8(r->out, ' ');
}

/* Render v on one line into flat; *fits says whether it took at most
** max_width code points (SIZE_MAX: no bound). Rendering stops early when it
** cannot fit. */
static int render_flat(struct render *r, const struct trec_value *v, int depth,
                       size_t max_width, struct trec_buf *flat, int *fits){
  struct trec_buf *save_out = r->out;
  unsigned save_flags = r->flags;
  size_t save_limit = r->limit;
  int rc;
  r->out = flat;
  r->flags &= ~(unsigned)TREC_RENDER_PRETTY;
  /* a code point takes at most 4 bytes: past this it cannot fit */
  r->limit = max_width < (SIZE_MAX-4)/4 ? 4*max_width + 4 : 0;
  rc = render_value(r, v, depth);
  r->out = save_out;
  r->flags = save_flags;
  r->limit = save_limit;
  if( flat->oom ) return TREC_ERR_NOMEM;
  *fits = rc==TREC_OK && cp_count(flat->data, flat->len)<=max_width;
  return rc==TREC_ERR_LIMIT ? TREC_OK : rc;
}

static int pretty_value(struct render *r, const struct trec_value *v,
                        size_t indent, size_t allowance, int depth);

static int pretty_container(struct render *r, const struct trec_value *v,
                            size_t indent, size_t allowance, int depth){
  const char *open = open_text(v->tag);
  const char *close = v->tag==TREC_V_TUPLE && v->total==1 ? ",)"
                                                           : close_text(v->tag);
  const unsigned char *p = v->items;
  struct trec_value k, c;
  struct trec_buf key = TREC_BUF_INIT;
  struct sort_item *sorted = NULL;
  size_t inner = indent + strlen(open), last_allow, key_width;
  int rc = TREC_OK, fits;
  if( (v->tag==TREC_V_SET || v->tag==TREC_V_FROZENSET
       || (v->tag==TREC_V_DICT && (r->flags & TREC_RENDER_SORT_DICTS)))
   && (rc = sorted_items(v, &sorted))!=TREC_OK ) return rc;
  trec_buf_puts(r->out, open);
  if( !push_open(r, v) ){ trec_buf_puts(r->out, "..."); goto close; }
  last_allow = allowance + strlen(close);
  for(uint64_t i=0; i<v->n; i++){
    int last = i+1==v->n && v->n==v->total;
    if( i ) put_newline_indent(r, inner);
    key_width = 0;
    if( v->tag==TREC_V_DICT ){
      if( sorted ) k = sorted[i].key;
      else if( (rc = next_child(&p, v->end, 0, NULL, NULL, &k))!=TREC_OK ) break;
      trec_buf_reset(&key);
      if( (rc = render_flat(r, &k, depth+1, SIZE_MAX, &key, &fits))!=TREC_OK ) break;
      trec_buf_put(r->out, key.data, key.len);
      trec_buf_puts(r->out, ": ");
      key_width = cp_count(key.data, key.len) + 2;
    }
    if( sorted ) c = v->tag==TREC_V_DICT ? sorted[i].val : sorted[i].key;
    else if( (rc = next_child(&p, v->end, 0, NULL, NULL, &c))!=TREC_OK ) break;
    rc = pretty_value(r, &c, inner + key_width, last ? last_allow : 1, depth+1);
    if( rc!=TREC_OK ) break;
    if( full(r) ){ rc = TREC_ERR_LIMIT; break; }
  }
  r->n_open--;
  trec_buf_release(&key);
  if( rc!=TREC_OK ) goto out;
  if( v->n<v->total ){
    if( v->n ) put_newline_indent(r, inner);
    trec_buf_puts(r->out, "...");
  }
close:
  trec_buf_puts(r->out, close);
  rc = TREC_OK;
out:
  free(sorted);
  return rc;
}

/* Python's str.isspace(), what re's \s matches in a str pattern */
static int is_space(uint32_t c){
  return (c>=0x09 && c<=0x0d) || (c>=0x1c && c<=0x20) || c==0x85 || c==0xa0
      || c==0x1680 || (c>=0x2000 && c<=0x200a) || c==0x2028 || c==0x2029
      || c==0x202f || c==0x205f || c==0x3000;
}

/* Where str.splitlines() ends a line */
static int is_line_break(uint32_t c){
  return c=='\n' || c=='\r' || c==0x0b || c==0x0c || (c>=0x1c && c<=0x1e)
      || c==0x85 || c==0x2028 || c==0x2029;
}

/* Pieces of a long str or bytes, each printed as its own literal. */
struct pieces {
  size_t (*at)[2];       /* Owned: [offset, length] pairs */
  size_t n, cap;
  struct trec_buf tmp;   /* scratch for measuring literals */
  int bytes;
};

static long piece_width(struct pieces *ps, const unsigned char *s, size_t n){
  trec_buf_reset(&ps->tmp);
  if( ps->bytes ) bytes_repr(&ps->tmp, s, n, 0);
  else str_repr(&ps->tmp, s, n, 0);
  return (long)cp_count(ps->tmp.data, ps->tmp.len);
}

static int piece_add(struct pieces *ps, size_t off, size_t len){
  if( ps->n==ps->cap ){
    size_t cap = ps->cap ? 2*ps->cap : 16;
    void *p = realloc(ps->at, cap * sizeof *ps->at);
    if( !p ) return TREC_ERR_NOMEM;
    ps->at = p;
    ps->cap = cap;
  }
  ps->at[ps->n][0] = off;
  ps->at[ps->n][1] = len;
  ps->n++;
  return TREC_OK;
}

/* pprint's _pprint_str: each line (str.splitlines(keepends)) that fits is
** one piece; a longer line is cut after runs of whitespace (\S*\s*), each
** piece as wide as the line allows. */
static int split_str(struct pieces *ps, const unsigned char *s, size_t n,
                     long width, long allowance){
  long width1 = width;
  size_t pos = 0;
  uint32_t cp;
  int rc = TREC_OK;
  while( pos<n && rc==TREC_OK ){
    size_t end = pos, k;
    while( end<n ){
      k = trec_value_utf8_decode(s+end, s+n, &cp);
      if( k==0 ) return TREC_ERR_CORRUPT;
      end += k;
      if( is_line_break(cp) ){
        if( cp=='\r' && end<n && s[end]=='\n' ) end++;
        break;
      }
    }
    if( end==n ) width1 -= allowance;
    if( piece_width(ps, s+pos, end-pos)<=width1 ){
      rc = piece_add(ps, pos, end-pos);
    }else{
      long width2 = width;
      size_t cur = pos, part = pos;
      while( part<end && rc==TREC_OK ){
        size_t q = part;
        int in_space = 0;
        while( q<end ){
          k = trec_value_utf8_decode(s+q, s+end, &cp);
          if( k==0 ) return TREC_ERR_CORRUPT;
          if( is_space(cp) ) in_space = 1;
          else if( in_space ) break;
          q += k;
        }
        if( q==end && end==n ) width2 -= allowance;
        if( piece_width(ps, s+cur, q-cur)>width2 ){
          if( part>cur ) rc = piece_add(ps, cur, part-cur);
          cur = part;
        }
        part = q;
      }
      if( rc==TREC_OK && end>cur ) rc = piece_add(ps, cur, end-cur);
    }
    pos = end;
  }
  return rc;
}

/* pprint's _wrap_bytes_repr: groups of 4 bytes, as many as fit. Like
** pprint, the allowance only counts when the length is not a multiple
** of 4. */
static int split_bytes(struct pieces *ps, const unsigned char *s, size_t n,
                       long width, long allowance){
  size_t cur = 0, last = n/4*4;
  int rc = TREC_OK;
  for(size_t i=0; i<n && rc==TREC_OK; i+=4){
    size_t part_end = i+4<n ? i+4 : n;
    if( i==last ) width -= allowance;
    if( piece_width(ps, s+cur, part_end-cur)>width ){
      if( i>cur ) rc = piece_add(ps, cur, i-cur);
      cur = i;
    }
  }
  if( rc==TREC_OK && n>cur ) rc = piece_add(ps, cur, n-cur);
  return rc;
}

/* A whole str or bytes too wide for its line, as pprint prints it: one
** literal per line, in parentheses at the top level. */
static int pretty_text(struct render *r, const struct trec_value *v,
                       size_t indent, size_t allowance, int level){
  struct pieces ps;
  int parens = level==1, rc;
  memset(&ps, 0, sizeof ps);
  trec_buf_init(&ps.tmp);
  ps.bytes = v->tag==TREC_V_BYTES;
  if( parens ){ indent++; allowance++; }
  if( ps.bytes )
    rc = split_bytes(&ps, v->data, v->data_len,
                     (long)PRETTY_WIDTH - (long)indent, (long)allowance);
  else
    rc = split_str(&ps, v->data, v->data_len,
                   (long)PRETTY_WIDTH - (long)indent, (long)allowance);
  if( rc==TREC_OK && !ps.bytes && ps.n<=1 ){   /* pprint's own exception */
    rc = render_value(r, v, level);
  }else if( rc==TREC_OK ){
    if( parens ) trec_buf_put_u8(r->out, '(');
    for(size_t i=0; i<ps.n && !full(r); i++){
      if( i ){
        trec_buf_put_u8(r->out, '\n');
        for(size_t k=0; k<indent; k++) trec_buf_put_u8(r->out, ' ');
      }
      if( ps.bytes ) bytes_repr(r->out, v->data + ps.at[i][0], ps.at[i][1], r->limit);
      else str_repr(r->out, v->data + ps.at[i][0], ps.at[i][1], r->limit);
    }
    if( parens ) trec_buf_put_u8(r->out, ')');
    rc = full(r) ? TREC_ERR_LIMIT : TREC_OK;
  }
  free(ps.at);
  trec_buf_release(&ps.tmp);
  return rc;
}

/* An object with its fields too wide for one line: the head alone, then a
** field per line one column in (the head is long: fields aligned after it
** would leave little room for their values). */
static int pretty_object(struct render *r, const struct trec_value *v,
                         size_t indent, size_t allowance, int depth){
  const unsigned char *p = v->items;
  const char *name = NULL;
  size_t name_len = 0, inner = indent + 1;
  struct trec_value c;
  int rc = TREC_OK;
  put_object_head(r, v->type, v->type_len, v->id);
  if( !push_open(r, v) ){ trec_buf_puts(r->out, " ...>"); return TREC_OK; }
  for(uint64_t i=0; i<v->n; i++){
    int last = i+1==v->n && v->n==v->total;
    if( i ) put_newline_indent(r, inner);
    else{
      trec_buf_put_u8(r->out, '\n');
      for(size_t k=0; k<inner; k++) trec_buf_put_u8(r->out, ' ');
    }
    if( (rc = next_child(&p, v->end, 1, &name, &name_len, &c))!=TREC_OK ) break;
    puts_n(r, name, name_len);
    trec_buf_put_u8(r->out, '=');
    rc = pretty_value(r, &c, inner + cp_count((const unsigned char *)name, name_len) + 1,
                      last ? allowance + 1 : 1, depth+1);
    if( rc!=TREC_OK ) break;
    if( full(r) ){ rc = TREC_ERR_LIMIT; break; }
  }
  r->n_open--;
  if( rc!=TREC_OK ) return rc;
  if( v->n<v->total ){
    put_newline_indent(r, inner);
    trec_buf_puts(r->out, "...");
  }
  trec_buf_put_u8(r->out, '>');
  return full(r) ? TREC_ERR_LIMIT : TREC_OK;
}

/* A subclass of a builtin too wide for one line: its content laid out
** as pprint lays out the builtin, after Name( when the form prints one
** (pprint's _pprint_ordered_dict, _pprint_default_dict ...). Forms that
** reorder a dict's items, and the others, stay on one line. */
static int pretty_typed(struct render *r, const struct trec_value *v,
                        size_t indent, size_t allowance, int depth){
  struct trec_value c, f;
  const unsigned char *p = v->items;
  const char *name = NULL;
  size_t name_len = 0, head = r->out->len;
  unsigned shape = v->form & TREC_FORM_SHAPE;
  int rc, kw;
  if( typed_shown(v, &c) ) return TREC_ERR_CORRUPT;
  if( shape==TREC_FORM_BASE ) return pretty_value(r, &c, indent, allowance, depth);
  if( (shape!=TREC_FORM_CALL && shape!=TREC_FORM_FACTORY)
   || (v->form & (TREC_FORM_ITEMS|TREC_FORM_BY_VALUE))
   || depth>RENDER_MAX_DEPTH )
    return render_value(r, v, depth);
  kw = keyword_field(v, &name, &name_len, &f);
  if( (v->form & TREC_FORM_KEYWORD) && (c.tag!=TREC_V_LIST || c.total==0) )
    return render_value(r, v, depth);
  put_short_name(r, v->type, v->type_len);
  trec_buf_put_u8(r->out, '(');
  indent += cp_count(r->out->data + head, r->out->len - head);
  if( v->form & TREC_FORM_KEYWORD ){
    /* pprint's _pprint_deque: the items one per line whatever their
    ** width, then maxlen on a line of its own */
    rc = pretty_container(r, &c, indent, kw ? 1 : allowance + 1, depth+1);
    if( rc!=TREC_OK ) return rc;
    if( kw ){
      trec_buf_puts(r->out, ",\n");
      for(size_t k=0; k<indent; k++) trec_buf_put_u8(r->out, ' ');
      puts_n(r, name, name_len);
      trec_buf_put_u8(r->out, '=');
      if( (rc = render_value(r, &f, depth+1))!=TREC_OK ) return rc;
    }
    trec_buf_put_u8(r->out, ')');
    return full(r) ? TREC_ERR_LIMIT : TREC_OK;
  }
  if( shape==TREC_FORM_FACTORY && v->n>0 ){
    /* pprint's _pprint_default_dict: the factory, then the dict on a line
    ** of its own under it */
    if( (rc = next_child(&p, v->end, 1, &name, &name_len, &f))!=TREC_OK
     || (rc = render_value(r, &f, depth+1))!=TREC_OK ) return rc;
    trec_buf_puts(r->out, ",\n");
    for(size_t k=0; k<indent; k++) trec_buf_put_u8(r->out, ' ');
  }
  rc = pretty_value(r, &c, indent, allowance + 1, depth+1);
  if( rc!=TREC_OK ) return rc;
  trec_buf_put_u8(r->out, ')');
  return full(r) ? TREC_ERR_LIMIT : TREC_OK;
}

/* pprint's _format: the one-line form when it fits in what is left of the
** line, else one item per line, nested items indented under their opener. */
static int pretty_value(struct render *r, const struct trec_value *v,
                        size_t indent, size_t allowance, int depth){
  struct trec_buf flat = TREC_BUF_INIT;
  size_t used = indent + allowance;
  size_t max_width = PRETTY_WIDTH>used ? PRETTY_WIDTH - used : 0;
  int rc, fits = 0;
  rc = render_flat(r, v, depth, max_width, &flat, &fits);
  if( rc==TREC_OK && fits ){
    trec_buf_put(r->out, flat.data, flat.len);
    rc = full(r) ? TREC_ERR_LIMIT : TREC_OK;
  }else if( rc==TREC_OK ){
    switch( v->tag ){
    case TREC_V_OBJECT:
      /* a class that prints itself on one line, as pprint prints it */
      if( render_known(r, v, depth) ){
        rc = full(r) ? TREC_ERR_LIMIT : TREC_OK;
        break;
      }
      if( (r->flags & TREC_RENDER_FIELDS) && v->n>0 && depth<=RENDER_MAX_DEPTH ){
        rc = pretty_object(r, v, indent, allowance, depth);
        break;
      }
      rc = render_value(r, v, depth);
      break;
    case TREC_V_TYPED:
      rc = pretty_typed(r, v, indent, allowance, depth);
      break;
    case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET:
    case TREC_V_FROZENSET: case TREC_V_DICT:
      if( v->n>0 && depth<=RENDER_MAX_DEPTH ){
        rc = pretty_container(r, v, indent, allowance, depth);
        break;
      }
      /* fall through */
    case TREC_V_STR: case TREC_V_BYTES:
      /* only whole texts of a size worth measuring piece by piece */
      if( v->n==v->total && v->data_len<=PRETTY_MAX_TEXT
       && (v->tag==TREC_V_STR || v->data_len>4) ){
        rc = pretty_text(r, v, indent, allowance, depth);
        break;
      }
      /* fall through */
    default:
      rc = render_value(r, v, depth);
    }
  }
  trec_buf_release(&flat);
  return rc;
}

int trec_value_render(const unsigned char *p, const unsigned char *end,
                      unsigned flags, size_t max_len, struct trec_buf *out){
  struct render r;
  struct trec_value v;
  size_t start = out->len, cut;
  int rc;
  if( (rc = trec_value_read(p, end, &v))!=TREC_OK ) return rc;
  memset(&r, 0, sizeof r);
  r.out = out;
  r.flags = flags;
  r.limit = max_len ? start + max_len : 0;
  r.root = p;
  r.root_end = v.end;
  if( flags & TREC_RENDER_PRETTY ) rc = pretty_value(&r, &v, 0, 0, 1);
  else rc = render_value(&r, &v, 1);
  if( out->oom ) return TREC_ERR_NOMEM;
  if( rc==TREC_ERR_LIMIT ) rc = TREC_OK;
  if( max_len && out->len - start > max_len ){
    /* keep the whole text within max_len, "..." included */
    cut = start + (max_len>3 ? max_len-3 : 0);
    while( cut>start && (out->data[cut] & 0xc0)==0x80 ) cut--;
    out->len = cut;
    trec_buf_puts(out, "...");
  }
  return rc;
}
