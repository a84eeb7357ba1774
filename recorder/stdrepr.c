/*
** stdrepr.c: repr() text of decimal.Decimal, datetime's value types,
** memoryview, slice and re.Pattern, read from their structs as their own
** repr functions read them (see stdrepr.h for why they are not called).
*/
#include <stdint.h>
#include <string.h>
#include "recorder/stdrepr.h"
#include <datetime.h>
#include <structmember.h>


/* libmpdec's mpd_t in the 64-bit configuration CPython builds on x86-64
** and arm64 (mpdecimal.h): the coefficient in words of base 10**19, the
** least significant first. */
struct mpd {
  uint8_t flags;
  int64_t exp;
  int64_t digits;
  int64_t len;
  int64_t alloc;
  uint64_t *data;
};
#define MPD_NEG  0x01
#define MPD_INF  0x02
#define MPD_NAN  0x04
#define MPD_SNAN 0x08
#define MPD_RDIGITS 19

struct dec_object {            /* _decimal.c's PyDecObject */
  PyObject_HEAD
  Py_hash_t hash;
  struct mpd dec;
  uint64_t data[4];
};

struct tz_object {             /* _datetimemodule.c's PyDateTime_TimeZone */
  PyObject_HEAD
  PyObject *offset;            /* a timedelta */
  PyObject *name;              /* a str, or NULL */
};

struct zoneinfo_head {         /* _zoneinfo.c's PyZoneInfo_ZoneInfo, its
                                  first field (3.9 to 3.13) */
  PyObject_HEAD
  PyObject *key;
};

/* re.Pattern's pattern and flags members, by name: 0 when its member
** table lacks them. pat and flags (offsets into an instance) may be NULL. */
static int pattern_fields(PyTypeObject *tp, Py_ssize_t *pat, Py_ssize_t *flags){
  int got = 0;
  for(PyMemberDef *m=tp->tp_members; m!=NULL && m->name!=NULL; m++){
    if( m->type==T_OBJECT && !strcmp(m->name, "pattern") ){
      if( pat ) *pat = m->offset;
      got |= 1;
    }else if( m->type==T_INT && !strcmp(m->name, "flags") ){
      if( flags ) *flags = m->offset;
      got |= 2;
    }
  }
  return got==3;
}

/* The most digits a Decimal may have here: its text is built on the stack. */
#define DEC_DIGITS_MAX 1024

enum trec_stdrepr trec_stdrepr_kind(PyTypeObject *tp, const char *name,
                                    size_t len){
  static const struct {
    const char *name;
    size_t size;
    enum trec_stdrepr kind;
  } known[] = {
    { "decimal.Decimal", sizeof(struct dec_object), TREC_STDREPR_DECIMAL },
    { "datetime.date", sizeof(PyDateTime_Date), TREC_STDREPR_DATE },
    { "datetime.datetime", sizeof(PyDateTime_DateTime), TREC_STDREPR_DATETIME },
    { "datetime.time", sizeof(PyDateTime_Time), TREC_STDREPR_TIME },
    { "datetime.timedelta", sizeof(PyDateTime_Delta), TREC_STDREPR_TIMEDELTA },
    { "datetime.timezone", sizeof(struct tz_object), TREC_STDREPR_TIMEZONE },
  };
  /* datetime.h defines the C API's capsule pointer, a static, for the
  ** modules that import it; the structs and field macros are all this file
  ** uses */
  (void)PyDateTimeAPI;
  if( tp==&PyMemoryView_Type ) return TREC_STDREPR_MEMORYVIEW;
  if( tp==&PySlice_Type ) return TREC_STDREPR_SLICE;
  if( len==10 && !memcmp(name, "re.Pattern", len) && pattern_fields(tp, NULL, NULL) )
    return TREC_STDREPR_PATTERN;
  if( sizeof(void *)!=8 ) return TREC_STDREPR_NONE;
  for(size_t i=0; i<sizeof known/sizeof known[0]; i++)
    if( len==strlen(known[i].name) && !memcmp(name, known[i].name, len)
        && (size_t)tp->tp_basicsize==known[i].size )
      return known[i].kind;
  if( len==17 && !memcmp(name, "zoneinfo.ZoneInfo", len)
      && (size_t)tp->tp_basicsize>=sizeof(struct zoneinfo_head) )
    return TREC_STDREPR_ZONEINFO;
  return TREC_STDREPR_NONE;
}

/* w's decimal digits at c, at least width of them (zeros in front), two
** at a time: a list of Decimals is encoded whole whenever one is added. */
static size_t put_word(char *c, uint64_t w, int width){
  static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
  char t[20];
  int n = 20;
  while( w>=100 ){
    unsigned r = (unsigned)(w % 100);
    w /= 100;
    t[--n] = pairs[2*r+1];
    t[--n] = pairs[2*r];
  }
  if( w>=10 ){
    t[--n] = pairs[2*w+1];
    t[--n] = pairs[2*w];
  }else t[--n] = (char)('0' + w);
  while( 20-n<width ) t[--n] = '0';
  memcpy(c, t+n, (size_t)(20-n));
  return (size_t)(20-n);
}

/* Whether d holds a coefficient of at most max (and DEC_DIGITS_MAX)
** digits in exactly the words they need, as libmpdec keeps it: the text
** and the hash read only those, and the text is built on the stack. */
static int dec_sane(const struct mpd *d, size_t max){
  return d->data!=NULL && d->digits>=1 && d->digits<=DEC_DIGITS_MAX
      && (uint64_t)d->digits<=max && d->len<=d->alloc
      && d->len==(d->digits + MPD_RDIGITS - 1) / MPD_RDIGITS;
}

/* The coefficient's digits into c (NUL-terminated), or 0 when the struct
** does not hold a coefficient of at most max digits. */
static int dec_coefficient(const struct mpd *d, size_t max, char *c){
  size_t n;
  if( !dec_sane(d, max) ) return 0;
  n = put_word(c, d->data[d->len-1], 1);
  for(int64_t i=d->len-2; i>=0; i--) n += put_word(c+n, d->data[i], MPD_RDIGITS);
  c[n] = 0;
  return n==(size_t)d->digits;
}

/* Decimal.__str__ (mpd_to_sci, upper case; a context with capitals=0
** would print 'e'): plain notation while the exponent is at most 0 and
** the adjusted exponent at least -6, else one digit before the point. */
static int repr_decimal(PyObject *v, size_t max_digits, struct trec_buf *out){
  const struct mpd *d = &((struct dec_object *)v)->dec;
  char c[DEC_DIGITS_MAX+MPD_RDIGITS+1];
  int64_t n, left, dot;
  if( d->flags & MPD_INF ){
    trec_buf_puts(out, d->flags & MPD_NEG ? "Decimal('-Infinity')" : "Decimal('Infinity')");
    return 1;
  }
  if( d->flags & (MPD_NAN | MPD_SNAN) ){
    trec_buf_puts(out, d->flags & MPD_NEG ? "Decimal('-" : "Decimal('");
    trec_buf_puts(out, d->flags & MPD_SNAN ? "sNaN" : "NaN");
    /* the payload, when there is one: a NaN without has no coefficient */
    if( d->len>0 && dec_coefficient(d, max_digits, c) && strcmp(c, "0") )
      trec_buf_puts(out, c);
    trec_buf_puts(out, "')");
    return 1;
  }
  if( !dec_coefficient(d, max_digits, c) || d->exp>INT64_MAX/2
      || d->exp<INT64_MIN/2 ) return 0;
  trec_buf_puts(out, d->flags & MPD_NEG ? "Decimal('-" : "Decimal('");
  n = d->digits;
  left = d->exp + n;
  dot = d->exp<=0 && left>-6 ? left : 1;
  if( dot<=0 ){
    trec_buf_puts(out, "0.");
    for(int64_t i=0; i<-dot; i++) trec_buf_put_u8(out, '0');
    trec_buf_put(out, c, (size_t)n);
  }else if( dot>=n ){
    trec_buf_put(out, c, (size_t)n);
    for(int64_t i=0; i<dot-n; i++) trec_buf_put_u8(out, '0');
  }else{
    trec_buf_put(out, c, (size_t)dot);
    trec_buf_put_u8(out, '.');
    trec_buf_put(out, c+dot, (size_t)(n-dot));
  }
  if( left!=dot ) trec_buf_printf(out, "E%+lld", (long long)(left-dot));
  trec_buf_puts(out, "')");
  return 1;
}

/* timedelta_repr: the fields that are not zero, by keyword. */
static void repr_timedelta(PyObject *v, struct trec_buf *out){
  int days = PyDateTime_DELTA_GET_DAYS(v), secs = PyDateTime_DELTA_GET_SECONDS(v),
      us = PyDateTime_DELTA_GET_MICROSECONDS(v);
  const char *sep = "";
  trec_buf_puts(out, "datetime.timedelta(");
  if( days ){ trec_buf_printf(out, "days=%d", days); sep = ", "; }
  if( secs ){ trec_buf_printf(out, "%sseconds=%d", sep, secs); sep = ", "; }
  if( us ) trec_buf_printf(out, "%smicroseconds=%d", sep, us);
  if( !days && !secs && !us ) trec_buf_put_u8(out, '0');
  trec_buf_put_u8(out, ')');
}

static int is_type(PyObject *v, const char *tp_name, size_t size){
  return !strcmp(Py_TYPE(v)->tp_name, tp_name)
      && (size_t)Py_TYPE(v)->tp_basicsize==size;
}

/* timezone_repr: the UTC singleton by name (timezone() gives it for a
** zero offset without a name), else the offset and the name. */
static int repr_timezone(PyObject *v, trec_stdrepr_quote quote, void *ctx,
                         struct trec_buf *out){
  const struct tz_object *tz = (const struct tz_object *)v;
  PyObject *off = tz->offset;
  if( off==NULL || !is_type(off, "datetime.timedelta", sizeof(PyDateTime_Delta))
      || (tz->name!=NULL && !PyUnicode_CheckExact(tz->name)) ) return 0;
  if( tz->name==NULL && !PyDateTime_DELTA_GET_DAYS(off)
      && !PyDateTime_DELTA_GET_SECONDS(off) && !PyDateTime_DELTA_GET_MICROSECONDS(off) ){
    trec_buf_puts(out, "datetime.timezone.utc");
    return 1;
  }
  trec_buf_puts(out, "datetime.timezone(");
  repr_timedelta(off, out);
  if( tz->name!=NULL ){
    trec_buf_puts(out, ", ");
    quote(ctx, tz->name);
  }
  trec_buf_put_u8(out, ')');
  return 1;
}

/* zoneinfo_repr of a ZoneInfo made from a key (one read from a file
** prints the file's repr, which is not kept). */
static int repr_zoneinfo(PyObject *v, trec_stdrepr_quote quote, void *ctx,
                         struct trec_buf *out){
  PyObject *key = ((const struct zoneinfo_head *)v)->key;
  if( key==NULL || !PyUnicode_CheckExact(key) ) return 0;
  trec_buf_puts(out, "zoneinfo.ZoneInfo(key=");
  quote(ctx, key);
  trec_buf_put_u8(out, ')');
  return 1;
}

/* Which tzinfo tz is: TIMEZONE, ZONEINFO, or NONE for one of the
** program's. */
static enum trec_stdrepr tz_kind(PyObject *tz){
  if( is_type(tz, "datetime.timezone", sizeof(struct tz_object)) )
    return TREC_STDREPR_TIMEZONE;
  if( !strcmp(Py_TYPE(tz)->tp_name, "zoneinfo.ZoneInfo")
      && (size_t)Py_TYPE(tz)->tp_basicsize>=sizeof(struct zoneinfo_head) )
    return TREC_STDREPR_ZONEINFO;
  return TREC_STDREPR_NONE;
}

/* ", tzinfo=...", or 0 when its text cannot be known here. */
static int repr_tzinfo(PyObject *tzinfo, trec_stdrepr_quote quote, void *ctx,
                       struct trec_buf *out){
  if( tzinfo==Py_None ) return 1;
  trec_buf_puts(out, ", tzinfo=");
  switch( tz_kind(tzinfo) ){
  case TREC_STDREPR_TIMEZONE: return repr_timezone(tzinfo, quote, ctx, out);
  case TREC_STDREPR_ZONEINFO: return repr_zoneinfo(tzinfo, quote, ctx, out);
  default: return 0;
  }
}

/* The keywords after the fields, as datetime_repr and time_repr append
** them: a datetime's fold before its tzinfo, a time's after. */
static int repr_tail(PyObject *tzinfo, int fold, int fold_first,
                     trec_stdrepr_quote quote, void *ctx, struct trec_buf *out){
  if( fold && fold_first ) trec_buf_puts(out, ", fold=1");
  if( !repr_tzinfo(tzinfo, quote, ctx, out) ) return 0;
  if( fold && !fold_first ) trec_buf_puts(out, ", fold=1");
  trec_buf_put_u8(out, ')');
  return 1;
}

/* A time's or datetime's tzinfo, Py_None for a naive one (whose struct
** ends before the field: PyDateTime_DATE_GET_TZINFO is 3.10+). */
static PyObject *tzinfo_of(PyObject *v, enum trec_stdrepr kind){
  if( !((_PyDateTime_BaseTZInfo *)v)->hastzinfo ) return Py_None;
  return kind==TREC_STDREPR_TIME ? ((PyDateTime_Time *)v)->tzinfo
                                 : ((PyDateTime_DateTime *)v)->tzinfo;
}

/* time_repr and datetime_repr: microseconds only when not zero, seconds
** only when they or microseconds are not zero. */
static void repr_clock(int h, int m, int s, int us, struct trec_buf *out){
  trec_buf_printf(out, "%d, %d", h, m);
  if( us ) trec_buf_printf(out, ", %d, %d", s, us);
  else if( s ) trec_buf_printf(out, ", %d", s);
}

/* memory_repr */
static void repr_memoryview(PyObject *v, struct trec_buf *out){
  int released = (((PyMemoryViewObject *)v)->flags & _Py_MEMORYVIEW_RELEASED)!=0;
  trec_buf_printf(out, "<%smemory at %p>", released ? "released " : "", (void *)v);
}

/* A slice's bound as its repr: None, a bool or an int that fits 64 bits
** (0 for anything else, whose repr may be the program's). */
static int repr_bound(PyObject *b, struct trec_buf *out){
  long long x;
  int overflow = 0;
  if( b==Py_None || b==Py_True || b==Py_False ){
    trec_buf_puts(out, b==Py_None ? "None" : b==Py_True ? "True" : "False");
    return 1;
  }
  if( !PyLong_CheckExact(b) ) return 0;
  x = PyLong_AsLongLongAndOverflow(b, &overflow);
  if( overflow || (x==-1 && PyErr_Occurred()) ){
    PyErr_Clear();
    return 0;
  }
  trec_buf_printf(out, "%lld", x);
  return 1;
}

static int repr_slice(PyObject *v, struct trec_buf *out){
  PySliceObject *sl = (PySliceObject *)v;
  trec_buf_puts(out, "slice(");
  if( !repr_bound(sl->start, out) ) return 0;
  trec_buf_puts(out, ", ");
  if( !repr_bound(sl->stop, out) ) return 0;
  trec_buf_puts(out, ", ");
  if( !repr_bound(sl->step, out) ) return 0;
  trec_buf_put_u8(out, ')');
  return 1;
}

/* Text written up to a count of characters, as %.200R cuts a repr (maybe
** inside an escape). */
struct cut_text {
  struct trec_buf *out;
  int left;
};

static void cut_ascii(struct cut_text *c, const char *s){
  for(; *s && c->left>0; s++, c->left--) trec_buf_put_u8(c->out, (unsigned char)*s);
}

static void cut_escape(struct cut_text *c, char kind, uint32_t ch, int digits){
  char e[12];
  e[0] = '\\';
  e[1] = kind;
  for(int i=0; i<digits; i++) e[2+i] = "0123456789abcdef"[(ch >> 4*(digits-1-i)) & 15];
  e[2+digits] = 0;
  cut_ascii(c, e);
}

/* One character as unicode_repr (quote: the chosen quote) or, with
** is_bytes, bytes_repr writes it. */
static void cut_char(struct cut_text *c, uint32_t ch, uint32_t quote, int is_bytes){
  char one[2] = { (char)ch, 0 };
  if( c->left<=0 ) return;
  if( ch==quote || ch=='\\' ){ cut_escape(c, (char)ch, 0, 0); return; }
  if( ch=='\t' ){ cut_ascii(c, "\\t"); return; }
  if( ch=='\n' ){ cut_ascii(c, "\\n"); return; }
  if( ch=='\r' ){ cut_ascii(c, "\\r"); return; }
  if( ch<' ' || ch==0x7f || (is_bytes && ch>0x7f) ){ cut_escape(c, 'x', ch, 2); return; }
  if( ch<0x7f ){ cut_ascii(c, one); return; }
  if( Py_UNICODE_ISPRINTABLE((Py_UCS4)ch) ){
    char u[4];
    int n = ch<0x800 ? 2 : ch<0x10000 ? 3 : 4;
    u[0] = (char)(n==2 ? 0xc0 | (ch >> 6) : n==3 ? 0xe0 | (ch >> 12) : 0xf0 | (ch >> 18));
    for(int i=1; i<n; i++) u[i] = (char)(0x80 | ((ch >> 6*(n-1-i)) & 0x3f));
    trec_buf_put(c->out, u, (size_t)n);
    c->left--;
    return;
  }
  if( ch<=0xff ) cut_escape(c, 'x', ch, 2);
  else if( ch<=0xffff ) cut_escape(c, 'u', ch, 4);
  else cut_escape(c, 'U', ch, 8);
}

/* The repr of a str or bytes, its first 200 characters. */
static int repr_pattern_text(PyObject *p, struct trec_buf *out){
  struct cut_text c = { out, 200 };
  int is_bytes = PyBytes_CheckExact(p), sq = 0, dq = 0;
  Py_ssize_t n;
  uint32_t quote;
  if( is_bytes ){
    n = PyBytes_GET_SIZE(p);
  }else{
    if( !PyUnicode_CheckExact(p) ) return 0;
#if PY_VERSION_HEX < 0x030C0000
    if( !PyUnicode_IS_READY(p) ) return 0;
#endif
    n = PyUnicode_GET_LENGTH(p);
  }
#define PAT_CHAR(i) (is_bytes ? (uint32_t)(unsigned char)PyBytes_AS_STRING(p)[i] \
                   : (uint32_t)PyUnicode_READ(PyUnicode_KIND(p), PyUnicode_DATA(p), i))
  for(Py_ssize_t i=0; i<n; i++){
    sq |= PAT_CHAR(i)=='\'';
    dq |= PAT_CHAR(i)=='"';
  }
  quote = sq && !dq ? '"' : '\'';
  if( is_bytes ) cut_ascii(&c, "b");
  cut_char(&c, quote, 0, 0);
  for(Py_ssize_t i=0; i<n && c.left>0; i++) cut_char(&c, PAT_CHAR(i), quote, is_bytes);
#undef PAT_CHAR
  if( c.left>0 ) cut_char(&c, quote, 0, 0);
  return 1;
}

/* pattern_repr: re.compile('...'), then the flags by name, re.UNICODE
** left out where a str pattern implies it, and any other bits in hex. */
static int repr_pattern(PyObject *v, struct trec_buf *out){
  static const struct { const char *name; int bit; } names[] = {
#if PY_VERSION_HEX < 0x030D0000
    { "re.TEMPLATE", 1 },
#endif
    { "re.IGNORECASE", 2 }, { "re.LOCALE", 4 }, { "re.MULTILINE", 8 },
    { "re.DOTALL", 16 }, { "re.UNICODE", 32 }, { "re.VERBOSE", 64 },
    { "re.DEBUG", 128 }, { "re.ASCII", 256 },
  };
  Py_ssize_t po = 0, fo = 0;
  PyObject *pat;
  int flags;
  const char *sep = ", ";
  if( !pattern_fields(Py_TYPE(v), &po, &fo) ) return 0;
  pat = *(PyObject **)((char *)v + po);
  flags = *(int *)((char *)v + fo);
  if( pat==NULL ) return 0;
  trec_buf_puts(out, "re.compile(");
  if( !repr_pattern_text(pat, out) ) return 0;
  if( !PyBytes_CheckExact(pat) && (flags & (4|32|256))==32 ) flags &= ~32;
  for(size_t i=0; i<sizeof names/sizeof names[0]; i++){
    if( !(flags & names[i].bit) ) continue;
    trec_buf_puts(out, sep);
    trec_buf_puts(out, names[i].name);
    flags &= ~names[i].bit;
    sep = "|";
  }
  if( flags ) trec_buf_printf(out, "%s0x%x", sep, (unsigned)flags);
  trec_buf_put_u8(out, ')');
  return 1;
}

int trec_stdrepr_text(PyObject *v, enum trec_stdrepr kind, size_t max_digits,
                      trec_stdrepr_quote quote, void *ctx, struct trec_buf *out){
  size_t start = out->len;
  int ok = 1;
  switch( kind ){
  case TREC_STDREPR_DECIMAL:
    ok = repr_decimal(v, max_digits, out);
    break;
  case TREC_STDREPR_DATE:
    trec_buf_printf(out, "datetime.date(%d, %d, %d)", PyDateTime_GET_YEAR(v),
                    PyDateTime_GET_MONTH(v), PyDateTime_GET_DAY(v));
    break;
  case TREC_STDREPR_DATETIME:
    trec_buf_printf(out, "datetime.datetime(%d, %d, %d, ", PyDateTime_GET_YEAR(v),
                    PyDateTime_GET_MONTH(v), PyDateTime_GET_DAY(v));
    repr_clock(PyDateTime_DATE_GET_HOUR(v), PyDateTime_DATE_GET_MINUTE(v),
               PyDateTime_DATE_GET_SECOND(v), PyDateTime_DATE_GET_MICROSECOND(v), out);
    ok = repr_tail(tzinfo_of(v, kind), PyDateTime_DATE_GET_FOLD(v), 1, quote, ctx, out);
    break;
  case TREC_STDREPR_TIME:
    trec_buf_puts(out, "datetime.time(");
    repr_clock(PyDateTime_TIME_GET_HOUR(v), PyDateTime_TIME_GET_MINUTE(v),
               PyDateTime_TIME_GET_SECOND(v), PyDateTime_TIME_GET_MICROSECOND(v), out);
    ok = repr_tail(tzinfo_of(v, kind), PyDateTime_TIME_GET_FOLD(v), 0, quote, ctx, out);
    break;
  case TREC_STDREPR_TIMEDELTA:
    repr_timedelta(v, out);
    break;
  case TREC_STDREPR_TIMEZONE:
    ok = repr_timezone(v, quote, ctx, out);
    break;
  case TREC_STDREPR_ZONEINFO:
    ok = repr_zoneinfo(v, quote, ctx, out);
    break;
  case TREC_STDREPR_MEMORYVIEW:
    repr_memoryview(v, out);
    break;
  case TREC_STDREPR_SLICE:
    ok = repr_slice(v, out);
    break;
  case TREC_STDREPR_PATTERN:
    ok = repr_pattern(v, out);
    break;
  default:
    ok = 0;
  }
  if( !ok ) out->len = start;
  return ok;
}

/* ---- what the text depends on, hashed ---- */

static uint64_t hmix(uint64_t h, uint64_t x){
  h = (h ^ x) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

static uint64_t hash_str(uint64_t h, PyObject *u){
  const unsigned char *p;
  size_t n;
  if( u==NULL || !PyUnicode_CheckExact(u) ) return hmix(h, 1);
#if PY_VERSION_HEX < 0x030C0000
  if( !PyUnicode_IS_READY(u) ) return hmix(h, 2);
#endif
  p = PyUnicode_DATA(u);
  n = (size_t)PyUnicode_GET_LENGTH(u) * PyUnicode_KIND(u);
  h = hmix(hmix(h, n), PyUnicode_KIND(u));
  for(size_t i=0; i<n; i++) h = hmix(h, p[i]);
  return h;
}

static uint64_t hash_delta(uint64_t h, PyObject *d){
  return hmix(hmix(hmix(h, (uint64_t)PyDateTime_DELTA_GET_DAYS(d)),
                   (uint64_t)PyDateTime_DELTA_GET_SECONDS(d)),
              (uint64_t)PyDateTime_DELTA_GET_MICROSECONDS(d));
}

/* A tzinfo as repr_tzinfo() reads it. */
static uint64_t hash_tzinfo(uint64_t h, PyObject *tz){
  enum trec_stdrepr k = tz_kind(tz);
  h = hmix(hmix(h, (uint64_t)(uintptr_t)tz), (uint64_t)(uintptr_t)Py_TYPE(tz));
  if( k==TREC_STDREPR_TIMEZONE ){
    const struct tz_object *t = (const struct tz_object *)tz;
    if( t->offset!=NULL && is_type(t->offset, "datetime.timedelta", sizeof(PyDateTime_Delta)) )
      h = hash_delta(h, t->offset);
    return hash_str(h, t->name);
  }
  if( k==TREC_STDREPR_ZONEINFO )
    return hash_str(h, ((const struct zoneinfo_head *)tz)->key);
  return h;
}

/* The rarer kinds, kept apart so that the Decimal and datetime paths of
** trec_stdrepr_hash() stay a leaf without spills. */
static __attribute__((noinline)) uint64_t hash_other(uint64_t h, PyObject *v,
                                                     enum trec_stdrepr kind){
  switch( kind ){
  case TREC_STDREPR_MEMORYVIEW:
    return hmix(hmix(h, (uint64_t)(uintptr_t)v), (uint64_t)((PyMemoryViewObject *)v)->flags);
  case TREC_STDREPR_SLICE: {
    PyObject *b[3] = { ((PySliceObject *)v)->start, ((PySliceObject *)v)->stop,
                       ((PySliceObject *)v)->step };
    for(int i=0; i<3; i++){
      int overflow = 0;
      h = hmix(h, (uint64_t)(uintptr_t)b[i]);
      if( PyLong_CheckExact(b[i]) )
        h = hmix(h, (uint64_t)PyLong_AsLongLongAndOverflow(b[i], &overflow));
    }
    return h;
  }
  case TREC_STDREPR_PATTERN: {
    Py_ssize_t po = 0, fo = 0;
    PyObject *pat;
    if( !pattern_fields(Py_TYPE(v), &po, &fo) ) return h;
    pat = *(PyObject **)((char *)v + po);
    h = hmix(h, (uint64_t)*(int *)((char *)v + fo));
    if( pat!=NULL && PyBytes_CheckExact(pat) ){
      for(Py_ssize_t i=0; i<PyBytes_GET_SIZE(pat); i++)
        h = hmix(h, (unsigned char)PyBytes_AS_STRING(pat)[i]);
      return h;
    }
    return hash_str(h, pat);
  }
  default:
    return h;
  }
}

uint64_t trec_stdrepr_hash(PyObject *v, enum trec_stdrepr kind, size_t max_digits){
  uint64_t h = hmix(0x6a09e667f3bcc908ull, kind);
  switch( kind ){
  case TREC_STDREPR_DECIMAL: {
    const struct mpd *d = &((struct dec_object *)v)->dec;
    h = hmix(hmix(hmix(hmix(h, d->flags), (uint64_t)d->exp), (uint64_t)d->digits),
             (uint64_t)d->len);
    /* a coefficient past max_digits is not in the text: its digits do not
    ** count, nor could a damaged struct's */
    if( !dec_sane(d, max_digits) ) return h;
    for(int64_t i=0; i<d->len; i++) h = hmix(h, d->data[i]);
    return h;
  }
  case TREC_STDREPR_DATE:
  case TREC_STDREPR_DATETIME:
  case TREC_STDREPR_TIME: {
    /* the year to the microsecond, and fold, from the same bytes */
    const unsigned char *data = kind==TREC_STDREPR_DATE ? ((PyDateTime_Date *)v)->data
                              : kind==TREC_STDREPR_TIME ? ((PyDateTime_Time *)v)->data
                              : ((PyDateTime_DateTime *)v)->data;
    size_t n = kind==TREC_STDREPR_DATE ? _PyDateTime_DATE_DATASIZE
             : kind==TREC_STDREPR_TIME ? _PyDateTime_TIME_DATASIZE
             : _PyDateTime_DATETIME_DATASIZE;
    for(size_t i=0; i<n; i++) h = hmix(h, data[i]);
    if( kind==TREC_STDREPR_DATE ) return h;
    h = hmix(h, kind==TREC_STDREPR_TIME ? PyDateTime_TIME_GET_FOLD(v)
                                        : PyDateTime_DATE_GET_FOLD(v));
    if( tzinfo_of(v, kind)==Py_None ) return hmix(h, 0);
    return hash_tzinfo(h, tzinfo_of(v, kind));
  }
  case TREC_STDREPR_TIMEDELTA:
    return hash_delta(h, v);
  case TREC_STDREPR_TIMEZONE:
  case TREC_STDREPR_ZONEINFO:
    return hash_tzinfo(h, v);
  default:
    return hash_other(h, v, kind);
  }
}
