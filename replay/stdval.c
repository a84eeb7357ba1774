/*
** stdval.c: decimal.Decimal and datetime's values compared by value.
**
** The recorder keeps these as the repr() text Python prints
** (recorder/stdrepr.c). A text is all a replay has, but for these types it
** holds the whole value: the Decimal's sign, digits and exponent, the
** date's fields, a fixed timezone's offset. Reading it back lets ==, <,
** bool(), min() and max() answer as Python does, with the TypeError Python
** raises where it raises one. Where Python's answer lies outside the text
** the replay still refuses: a Decimal NaN's order and a signalling NaN's
** == (InvalidOperation, or not, by the program's decimal context), a
** ZoneInfo's UTC offset (from the tz database at that moment).
**
** Only texts of the exact types parse; anything else (a subclass's repr
** taken with --repr, a text cut at --max-str) stays an opaque REPR.
*/
#include "config.h"
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/replay_int.h"

enum std_kind {
  STD_NONE, STD_DECIMAL, STD_DATE, STD_DATETIME, STD_TIME, STD_TIMEDELTA,
  STD_TIMEZONE, STD_ZONEINFO
};

/* Room for a double's exact decimal expansion (at most 767 significant
** digits) and for the digits of a recorded Decimal. */
#define DIGITS_MAX 1100

/* A number as a Decimal holds it: (-1)**neg * dig * 10**exp, or special. */
struct dnum {
  char special;              /* 0, 'I' infinity, 'N' NaN, 'S' signalling NaN */
  char neg;
  size_t ndig;               /* dig has no leading or trailing zeros; 0: zero */
  int64_t exp;
  char dig[DIGITS_MAX];
};

enum tz_kind { TZ_NAIVE, TZ_FIXED, TZ_ZONE };

struct stdv {
  enum std_kind kind;
  struct dnum num;           /* DECIMAL */
  int64_t f[7];              /* DATE, DATETIME, TIME: year, month, day,
                                hour, minute, second, microsecond (a time:
                                the last four) */
  int fold;
  const unsigned char *tz_text;  /* DATETIME, TIME: the tzinfo's repr */
  size_t tz_len;
  int64_t days;              /* DATE, DATETIME: days since 0001-01-01;
                                TIMEDELTA: its days */
  int64_t us;                /* DATETIME, TIME: microseconds into the day;
                                TIMEDELTA: its seconds and microseconds;
                                TIMEZONE: its offset */
  enum tz_kind tz;           /* DATETIME, TIME */
  int64_t off;               /* TZ_FIXED: the offset in microseconds */
  const unsigned char *zone; /* TZ_ZONE, ZONEINFO: the key's text */
  size_t zone_len;
};

#define US_PER_DAY INT64_C(86400000000)

/* ---- Reading the texts ---- */

struct text { const unsigned char *p, *e; };

static int lit(struct text *t, const char *s){
  size_t n = strlen(s);
  if( (size_t)(t->e - t->p)<n || memcmp(t->p, s, n) ) return 0;
  t->p += n;
  return 1;
}

/* A decimal int of at most 18 digits, maybe negative. */
static int num(struct text *t, int64_t *out){
  int neg = lit(t, "-"), n = 0;
  int64_t v = 0;
  while( t->p<t->e && *t->p>='0' && *t->p<='9' && n<18 ){
    v = v*10 + (*t->p++ - '0');
    n++;
  }
  if( n==0 || (t->p<t->e && *t->p>='0' && *t->p<='9') ) return 0;
  *out = neg ? -v : v;
  return 1;
}

/* A str's repr: quotes, and backslash escapes skipped over. */
static int quoted(struct text *t, const unsigned char **s, size_t *len){
  unsigned char q;
  if( t->p>=t->e || (*t->p!='\'' && *t->p!='"') ) return 0;
  q = *t->p++;
  *s = t->p;
  while( t->p<t->e && *t->p!=q ) t->p += *t->p=='\\' && t->p+1<t->e ? 2 : 1;
  if( t->p>=t->e ) return 0;
  *len = (size_t)(t->p - *s);
  t->p++;
  return 1;
}

/* Trailing zeros into the exponent, leading ones dropped. */
static void dnum_trim(struct dnum *d){
  size_t i = 0;
  while( i<d->ndig && d->dig[i]=='0' ) i++;
  if( i ){
    memmove(d->dig, d->dig+i, d->ndig-i);
    d->ndig -= i;
  }
  while( d->ndig>0 && d->dig[d->ndig-1]=='0' ){
    d->ndig--;
    d->exp++;
  }
}

/* Digits with an optional point and exponent (Decimal's to-sci-string,
** printf's %e): into d, which the caller has cleared. */
static int dnum_digits(struct text *t, struct dnum *d){
  int point = 0, any = 0;
  int64_t e = 0;
  for(; t->p<t->e; t->p++){
    if( *t->p=='.' && !point ){ point = 1; continue; }
    if( *t->p<'0' || *t->p>'9' ) break;
    if( d->ndig>=DIGITS_MAX ) return 0;
    d->dig[d->ndig++] = (char)*t->p;
    if( point ) d->exp--;
    any = 1;
  }
  if( !any ) return 0;
  if( t->p<t->e && (*t->p=='E' || *t->p=='e') ){
    t->p++;
    lit(t, "+");
    if( !num(t, &e) ) return 0;
    d->exp += e;
  }
  dnum_trim(d);
  return 1;
}

static int parse_decimal(struct text *t, struct dnum *d){
  memset(d, 0, offsetof(struct dnum, dig));
  if( !lit(t, "Decimal('") ) return 0;
  d->neg = (char)lit(t, "-");
  if( lit(t, "Infinity") ) d->special = 'I';
  else if( lit(t, "NaN") ) d->special = 'N';
  else if( lit(t, "sNaN") ) d->special = 'S';
  else if( !dnum_digits(t, d) ) return 0;
  if( d->special=='N' || d->special=='S' )    /* a payload */
    while( t->p<t->e && *t->p>='0' && *t->p<='9' ) t->p++;
  return lit(t, "')") && t->p==t->e;
}

/* Days from 0001-01-01 to y-m-d (proleptic Gregorian). */
static int64_t day_number(int64_t y, int64_t m, int64_t d){
  static const int before[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
  int64_t y1 = y - 1, n = y1*365 + y1/4 - y1/100 + y1/400 + before[m-1] + d - 1;
  if( m>2 && (y%4==0 && (y%100!=0 || y%400==0)) ) n++;
  return n;
}

/* "Y, M, D" of a date, checked as date() checks them, into f[0..2]. */
static int ymd(struct text *t, int64_t *days, int64_t *f){
  int64_t y, m, d;
  if( !num(t, &y) || !lit(t, ", ") || !num(t, &m) || !lit(t, ", ") || !num(t, &d) )
    return 0;
  if( y<1 || y>9999 || m<1 || m>12 || d<1 || d>31 ) return 0;
  *days = day_number(y, m, d);
  f[0] = y;
  f[1] = m;
  f[2] = d;
  return 1;
}

/* "H, M[, S[, US]]" of a time, into microseconds and f[3..6]. */
static int clock(struct text *t, int64_t *us, int64_t *f){
  int64_t h, m, s = 0, u = 0;
  struct text save;
  if( !num(t, &h) || !lit(t, ", ") || !num(t, &m) ) return 0;
  save = *t;
  if( lit(t, ", ") && num(t, &s) ){
    save = *t;
    if( !(lit(t, ", ") && num(t, &u)) ) *t = save;
  }else{
    *t = save;
  }
  if( h<0 || h>23 || m<0 || m>59 || s<0 || s>59 || u<0 || u>999999 ) return 0;
  *us = ((h*60 + m)*60 + s)*INT64_C(1000000) + u;
  f[3] = h;
  f[4] = m;
  f[5] = s;
  f[6] = u;
  return 1;
}

/* timedelta's repr: "datetime.timedelta(0)", or its non-zero fields. */
static int timedelta(struct text *t, int64_t *days, int64_t *us){
  int64_t v;
  int any = 0;
  *days = *us = 0;
  if( !lit(t, "datetime.timedelta(") ) return 0;
  if( lit(t, "0)") ) return 1;
  if( lit(t, "days=") ){
    if( !num(t, days) ) return 0;
    any = 1;
  }
  if( lit(t, any ? ", seconds=" : "seconds=") ){
    if( !num(t, &v) || v<0 || v>=86400 ) return 0;
    *us = v*INT64_C(1000000);
    any = 1;
  }
  if( lit(t, any ? ", microseconds=" : "microseconds=") ){
    if( !num(t, &v) || v<0 || v>999999 ) return 0;
    *us += v;
    any = 1;
  }
  return any && lit(t, ")");
}

/* A timezone's repr: its offset (strictly within a day), or the UTC
** singleton's name. */
static int timezone(struct text *t, int64_t *off){
  int64_t days, us;
  const unsigned char *name;
  size_t len;
  if( lit(t, "datetime.timezone.utc") ){ *off = 0; return 1; }
  if( !lit(t, "datetime.timezone(") || !timedelta(t, &days, &us) ) return 0;
  if( lit(t, ", ") && !quoted(t, &name, &len) ) return 0;
  if( !lit(t, ")") || days<-1 || days>0 ) return 0;
  *off = days*US_PER_DAY + us;
  return *off>-US_PER_DAY && *off<US_PER_DAY;
}

static int zoneinfo(struct text *t, const unsigned char **key, size_t *len){
  return lit(t, "zoneinfo.ZoneInfo(key=") && quoted(t, key, len) && lit(t, ")");
}

/* ", tzinfo=..." and ", fold=1" in either order, then ")". */
static int tail(struct text *t, struct stdv *s){
  s->tz = TZ_NAIVE;
  s->fold = 0;
  for(;;){
    if( lit(t, ", fold=1") ){
      s->fold = 1;
      continue;
    }
    if( s->tz==TZ_NAIVE && lit(t, ", tzinfo=") ){
      s->tz_text = t->p;
      if( timezone(t, &s->off) ) s->tz = TZ_FIXED;
      else if( zoneinfo(t, &s->zone, &s->zone_len) ) s->tz = TZ_ZONE;
      else return 0;
      s->tz_len = (size_t)(t->p - s->tz_text);
      continue;
    }
    return lit(t, ")") && t->p==t->e;
  }
}

/* v's kind and value, STD_NONE when it is not a known text. */
static enum std_kind parse(const struct trec_value *v, struct stdv *s){
  struct text t = { v->data, v->data + v->data_len };
  int ok = 0;
  s->kind = STD_NONE;
  if( v->tag!=TREC_V_REPR || v->type==NULL ) return STD_NONE;
  if( trec_value_type_is(v, "decimal.Decimal") ){
    ok = parse_decimal(&t, &s->num);
    s->kind = STD_DECIMAL;
  }else if( trec_value_type_is(v, "datetime.date") ){
    ok = lit(&t, "datetime.date(") && ymd(&t, &s->days, s->f) && lit(&t, ")") && t.p==t.e;
    s->kind = STD_DATE;
  }else if( trec_value_type_is(v, "datetime.datetime") ){
    ok = lit(&t, "datetime.datetime(") && ymd(&t, &s->days, s->f) && lit(&t, ", ")
         && clock(&t, &s->us, s->f) && tail(&t, s);
    s->kind = STD_DATETIME;
  }else if( trec_value_type_is(v, "datetime.time") ){
    ok = lit(&t, "datetime.time(") && clock(&t, &s->us, s->f) && tail(&t, s);
    s->kind = STD_TIME;
  }else if( trec_value_type_is(v, "datetime.timedelta") ){
    ok = timedelta(&t, &s->days, &s->us) && t.p==t.e;
    s->kind = STD_TIMEDELTA;
  }else if( trec_value_type_is(v, "datetime.timezone") ){
    ok = timezone(&t, &s->us) && t.p==t.e;
    s->kind = STD_TIMEZONE;
  }else if( trec_value_type_is(v, "zoneinfo.ZoneInfo") ){
    ok = zoneinfo(&t, &s->zone, &s->zone_len) && t.p==t.e;
    s->kind = STD_ZONEINFO;
  }
  if( !ok ) s->kind = STD_NONE;
  return s->kind;
}

int replay_std_known(const struct trec_value *v){
  struct stdv s;
  return parse(v, &s)!=STD_NONE;
}

int replay_std_is_decimal(const struct trec_value *v){
  struct stdv s;
  return parse(v, &s)==STD_DECIMAL;
}

/* ---- Numbers ---- */

/* A builtin number as a Decimal holds it, exactly (Decimal compares with
** floats by their exact binary value): 0 when it cannot be had (an int
** too long for the digits here). */
static int number_dnum(const struct trec_value *v, struct dnum *d){
  char tmp[DIGITS_MAX + 16];
  struct text t;
  memset(d, 0, offsetof(struct dnum, dig));
  switch( v->tag ){
  case TREC_V_FALSE: case TREC_V_TRUE:
    d->dig[0] = '1';
    d->ndig = v->tag==TREC_V_TRUE;
    return 1;
  case TREC_V_INT:
    snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
    break;
  case TREC_V_FLOAT:
    if( isnan(v->f) ){ d->special = 'N'; return 1; }
    d->neg = (char)(signbit(v->f)!=0);
    if( isinf(v->f) ){ d->special = 'I'; return 1; }
    /* glibc prints a double's exact expansion: at most 767 significant
    ** digits, the rest zeros */
    snprintf(tmp, sizeof tmp, "%.800e", fabs(v->f));
    break;
  case TREC_V_BIGINT: {
    struct trec_buf b = TREC_BUF_INIT;
    int ok = trec_value_render(v->start, v->end, 0, 0, &b)==TREC_OK && !b.oom
             && b.len<DIGITS_MAX && memchr(b.data, 'x', b.len)==NULL;
    if( ok ){
      memcpy(tmp, b.data, b.len);
      tmp[b.len] = 0;
    }
    trec_buf_release(&b);
    if( !ok ) return 0;
    break;
  }
  default:
    return 0;
  }
  t.p = (const unsigned char *)tmp;
  t.e = t.p + strlen(tmp);
  if( lit(&t, "-") ) d->neg = 1;
  return dnum_digits(&t, d) && t.p==t.e;
}

static int sign3(int64_t a, int64_t b){ return a<b ? -1 : a>b; }

/* The order of two numbers that are not NaN. */
static int dnum_cmp(const struct dnum *a, const struct dnum *b){
  int sa = a->special=='I' || a->ndig ? (a->neg ? -1 : 1) : 0;
  int sb = b->special=='I' || b->ndig ? (b->neg ? -1 : 1) : 0;
  int c;
  size_t n;
  if( sa!=sb ) return sa<sb ? -1 : 1;
  if( sa==0 ) return 0;
  if( a->special=='I' || b->special=='I' ){
    c = (a->special=='I') - (b->special=='I');
  }else if( (c = sign3(a->exp + (int64_t)a->ndig, b->exp + (int64_t)b->ndig))==0 ){
    /* same adjusted exponent: the digits decide, then their count */
    n = a->ndig<b->ndig ? a->ndig : b->ndig;
    c = memcmp(a->dig, b->dig, n);
    c = c ? (c<0 ? -1 : 1) : sign3((int64_t)a->ndig, (int64_t)b->ndig);
  }
  return sa<0 ? -c : c;
}

/* ---- Relating two values ---- */

enum rel {
  REL_ORDER,        /* *cmp is their order */
  REL_EQ_ONLY,      /* *cmp says equal (0) or not; < raises TypeError */
  REL_UNEQUAL,      /* not equal; < raises TypeError */
  REL_NAIVE_AWARE,  /* not equal; < raises "can't compare offset-naive..." */
  REL_DATE_DATETIME,/* not equal; < raises per version */
  REL_NAN,          /* a quiet NaN: not equal; < depends on the context */
  REL_SNAN,         /* a signalling NaN: == and < depend on the context */
  REL_ZONE,         /* a ZoneInfo's offset decides */
  REL_UNKNOWN       /* the other value's class decides */
};

/* Whether v is of a builtin type (a REF: the container it points to),
** whose == with these types is False and whose < raises TypeError. */
static int is_builtin(const struct trec_value *v){
  switch( v->tag==TREC_V_REF ? v->sub : v->tag ){
  case TREC_V_OBJECT: case TREC_V_REPR: case TREC_V_EXC: case TREC_V_TYPED:
  case TREC_V_REDACTED:
    return 0;
  default:
    return 1;
  }
}

/* Microseconds since 0001-01-01 (a time: into its day) in UTC, or local
** for a naive one. A time's comparison leaves out the microseconds of its
** offset, as time_richcompare does. */
static int64_t utc_us(const struct stdv *s){
  int64_t t = (s->kind==STD_DATETIME ? s->days*US_PER_DAY : 0) + s->us, off = s->off;
  if( s->tz!=TZ_FIXED ) return t;
  if( s->kind==STD_TIME ) off -= ((off % 1000000) + 1000000) % 1000000;
  return t - off;
}

static int same_zone(const struct stdv *a, const struct stdv *b){
  return a->zone_len==b->zone_len && !memcmp(a->zone, b->zone, a->zone_len);
}

/* datetime and time: naive against naive by fields, aware against aware
** in UTC; a ZoneInfo's offset is unknown unless the two texts are one. */
static enum rel rel_clock(const struct stdv *a, const struct stdv *b,
                          const struct trec_value *va, const struct trec_value *vb,
                          int *cmp){
  if( (a->tz==TZ_NAIVE)!=(b->tz==TZ_NAIVE) ) return REL_NAIVE_AWARE;
  if( a->tz==TZ_ZONE || b->tz==TZ_ZONE ){
    if( va->data_len==vb->data_len && !memcmp(va->data, vb->data, va->data_len) ){
      *cmp = 0;
      return REL_ORDER;
    }
    return REL_ZONE;
  }
  *cmp = sign3(utc_us(a), utc_us(b));
  return REL_ORDER;
}

/* va (known, parsed into a) against vb (parsed into b, known or not). */
static enum rel relate(const struct trec_value *va, const struct trec_value *vb,
                       struct stdv *pa, struct stdv *pb, int *cmp){
  const struct stdv *a = pa, *b = pb;
  if( b->kind==STD_NONE ){
    if( a->kind==STD_DECIMAL && trec_vtag_is_number(vb->tag) ){
      if( !number_dnum(vb, &pb->num) ) return REL_UNKNOWN;
      pb->kind = STD_DECIMAL;
    }else{
      return is_builtin(vb) ? REL_UNEQUAL : REL_UNKNOWN;
    }
  }
  if( a->kind!=b->kind ){
    if( (a->kind==STD_DATE && b->kind==STD_DATETIME)
     || (a->kind==STD_DATETIME && b->kind==STD_DATE) ) return REL_DATE_DATETIME;
    return REL_UNEQUAL;
  }
  switch( a->kind ){
  case STD_DECIMAL:
    if( a->num.special=='S' || b->num.special=='S' ) return REL_SNAN;
    if( a->num.special=='N' || b->num.special=='N' ) return REL_NAN;
    *cmp = dnum_cmp(&a->num, &b->num);
    return REL_ORDER;
  case STD_DATE:
    *cmp = sign3(a->days, b->days);
    return REL_ORDER;
  case STD_DATETIME: case STD_TIME:
    return rel_clock(a, b, va, vb, cmp);
  case STD_TIMEDELTA:
    *cmp = a->days!=b->days ? sign3(a->days, b->days) : sign3(a->us, b->us);
    return REL_ORDER;
  case STD_TIMEZONE:
    *cmp = sign3(a->us, b->us);
    return REL_EQ_ONLY;
  default:      /* ZoneInfo: equal only to itself, one per key */
    *cmp = !same_zone(a, b);
    return REL_EQ_ONLY;
  }
}

/* va and vb parsed, the known one first; 1 when they were swapped. */
static int known_first(const struct trec_value **va, const struct trec_value **vb,
                       struct stdv *a, struct stdv *b){
  const struct trec_value *t = *va;
  if( parse(*va, a)!=STD_NONE ){
    parse(*vb, b);
    return 0;
  }
  parse(*vb, a);
  b->kind = STD_NONE;           /* *va, which relate() reads as it is */
  *va = *vb;
  *vb = t;
  return 1;
}

int replay_std_eq(const struct trec_value *a, const struct trec_value *b,
                  struct replay_why *why){
  struct stdv sa, sb;
  int cmp = 1;
  known_first(&a, &b, &sa, &sb);
  switch( relate(a, b, &sa, &sb, &cmp) ){
  case REL_ORDER: case REL_EQ_ONLY:
    return cmp==0 ? REPLAY_EQ_YES : REPLAY_EQ_NO;
  case REL_SNAN:
    return replay_unknown(why, REPLAY_WHY_CONTEXT, NULL);
  case REL_ZONE:
    return replay_unknown(why, REPLAY_WHY_ZONE, NULL);
  case REL_UNKNOWN:
    /* what the other value is decides: an object's class, a repr */
    return replay_unknown(why, b->tag==TREC_V_REPR ? REPLAY_WHY_REPR : REPLAY_WHY_OBJECT, b);
  default:
    return REPLAY_EQ_NO;
  }
}

int replay_std_order(trec_replay *rp, const char *op, const struct trec_value *a,
                     const struct trec_value *b, int *cmp){
  struct stdv sa, sb;
  int swapped = known_first(&a, &b, &sa, &sb);
  switch( relate(a, b, &sa, &sb, cmp) ){
  case REL_ORDER:
    if( swapped ) *cmp = -*cmp;
    return TREC_OK;
  case REL_NAIVE_AWARE:
    return replay_err(rp, TREC_ERR_TYPE, "TypeError: can't compare offset-naive and "
                      "offset-aware %s", sa.kind==STD_TIME ? "times" : "datetimes");
  case REL_DATE_DATETIME:
    if( !replay_python_at_least(rp, 3, 13) )
      return replay_err(rp, TREC_ERR_TYPE, "TypeError: can't compare datetime.datetime "
                        "to datetime.date");
    break;
  case REL_NAN: case REL_SNAN:
    return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot order a Decimal NaN over a "
                      "recording: whether it raises InvalidOperation depends on the "
                      "program's decimal context");
  case REL_ZONE: {
    struct replay_why why = { REPLAY_WHY_ZONE, { 0 } };
    return replay_err_why(rp, &why);
  }
  case REL_UNKNOWN:
    return replay_err_order_unknown(rp, b);
  default:
    break;
  }
  return replay_err_unorderable(rp, op, swapped ? b : a, swapped ? a : b);
}

int replay_std_truthy(const struct trec_value *v){
  struct stdv s;
  switch( parse(v, &s) ){
  case STD_DECIMAL:
    return s.num.special || s.num.ndig>0;
  case STD_TIMEDELTA:
    return s.days!=0 || s.us!=0;
  default:
    return 1;
  }
}

/* ---- Attributes, methods and arithmetic of dates and durations ----
**
** What datetime's C code computes exactly: a date's or time's fields, a
** timedelta's total_seconds(), the difference of two dates or datetimes,
** a date or datetime moved by a timedelta, sums and int multiples of
** timedeltas. The results are new REPR texts, written as the recorder
** writes them. Decimal arithmetic rounds by the program's decimal context
** and is refused; so is any operator not computed here, for what Python
** would answer. */

#define TD_MAX_DAYS INT64_C(999999999)
#define MAX_DAY 3652058                 /* day_number(9999, 12, 31) */

typedef __int128 i128;

/* y, m, d of a day number, as _ord2ymd finds them. */
static void civil(int64_t n, int64_t *f){
  static const int before[] = { 0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365 };
  int64_t n400 = n / 146097, n100, n4, n1, y, m, pre;
  int leap;
  n %= 146097;
  n100 = n / 36524; n %= 36524;
  n4 = n / 1461;    n %= 1461;
  n1 = n / 365;     n %= 365;
  y = n400*400 + n100*100 + n4*4 + n1 + 1;
  if( n1==4 || n100==4 ){
    f[0] = y - 1; f[1] = 12; f[2] = 31;
    return;
  }
  leap = n1==3 && (n4!=24 || n100==3);
  m = (n + 50) >> 5;
  pre = before[m] + (m>2 && leap);
  if( pre>n ){
    m--;
    pre = before[m] + (m>2 && leap);
  }
  f[0] = y; f[1] = m; f[2] = n - pre + 1;
}

static void put_repr(struct trec_buf *out, const char *type, const struct trec_buf *text){
  trec_venc_repr(out, type, strlen(type), text->data ? (const char *)text->data : "", text->len);
}

/* A timedelta of days and us (any sign; normalized here), or Python's
** OverflowError. */
static int make_timedelta(trec_replay *rp, i128 days, i128 us, struct trec_buf *out){
  struct trec_buf t = TREC_BUF_INIT;
  i128 total = days*US_PER_DAY + us, d = total / US_PER_DAY, r = total % US_PER_DAY;
  int64_t secs, micro;
  const char *sep = "";
  if( r<0 ){ r += US_PER_DAY; d--; }
  if( d>TD_MAX_DAYS || d<-TD_MAX_DAYS ){
    if( d>INT64_MAX/2 || d<-INT64_MAX/2 ) return replay_err(rp, TREC_ERR_LIMIT,
        "OverflowError: the timedelta is past what a replay computes");
    return replay_err(rp, TREC_ERR_RANGE, "OverflowError: days=%lld; must have "
                      "magnitude <= 999999999", (long long)d);
  }
  secs = (int64_t)(r / 1000000);
  micro = (int64_t)(r % 1000000);
  trec_buf_puts(&t, "datetime.timedelta(");
  if( d ){ trec_buf_printf(&t, "days=%lld", (long long)d); sep = ", "; }
  if( secs ){ trec_buf_printf(&t, "%sseconds=%lld", sep, (long long)secs); sep = ", "; }
  if( micro ) trec_buf_printf(&t, "%smicroseconds=%lld", sep, (long long)micro);
  if( !d && !secs && !micro ) trec_buf_put_u8(&t, '0');
  trec_buf_put_u8(&t, ')');
  put_repr(out, "datetime.timedelta", &t);
  trec_buf_release(&t);
  return TREC_OK;
}

/* A date, or a datetime (is_dt) with the tzinfo text of like, at day
** number day and us into it: fold 0, as datetime's + and - give it. */
static int make_date(trec_replay *rp, i128 day, int64_t us, int is_dt,
                     const struct stdv *like, struct trec_buf *out){
  struct trec_buf t = TREC_BUF_INIT;
  int64_t f[3], s, u;
  if( day<0 || day>MAX_DAY )
    return replay_err(rp, TREC_ERR_RANGE, "OverflowError: date value out of range");
  civil((int64_t)day, f);
  if( !is_dt ){
    trec_buf_printf(&t, "datetime.date(%lld, %lld, %lld)", (long long)f[0],
                    (long long)f[1], (long long)f[2]);
    put_repr(out, "datetime.date", &t);
    trec_buf_release(&t);
    return TREC_OK;
  }
  s = us / 1000000 % 60;
  u = us % 1000000;
  trec_buf_printf(&t, "datetime.datetime(%lld, %lld, %lld, %lld, %lld", (long long)f[0],
                  (long long)f[1], (long long)f[2], (long long)(us / 3600000000),
                  (long long)(us / 60000000 % 60));
  if( u ) trec_buf_printf(&t, ", %lld, %lld", (long long)s, (long long)u);
  else if( s ) trec_buf_printf(&t, ", %lld", (long long)s);
  if( like->tz!=TZ_NAIVE ){
    trec_buf_puts(&t, ", tzinfo=");
    trec_buf_put(&t, like->tz_text, like->tz_len);
  }
  trec_buf_put_u8(&t, ')');
  put_repr(out, "datetime.datetime", &t);
  trec_buf_release(&t);
  return TREC_OK;
}

static int refuse_decimal(trec_replay *rp){
  return replay_err(rp, TREC_ERR_LIMIT, "ValueError: cannot compute with a Decimal over a "
                    "recording: its arithmetic rounds by the program's decimal context");
}

static i128 td_us(const struct stdv *s){
  return (i128)s->days*US_PER_DAY + s->us;
}

/* An int operand of a timedelta product: an int or a bool. */
static int int_operand(const struct trec_value *v, int64_t *k){
  if( v->tag==TREC_V_INT ){ *k = v->i; return 1; }
  if( v->tag==TREC_V_TRUE || v->tag==TREC_V_FALSE ){ *k = v->tag==TREC_V_TRUE; return 1; }
  return 0;
}

int replay_std_binop(trec_replay *rp, enum rop op, const struct trec_value *a,
                     const struct trec_value *b, struct trec_buf *out){
  struct stdv x, y;
  enum std_kind ka = parse(a, &x), kb = parse(b, &y);
  int64_t k;
  i128 r;
  int sub = op==ROP_SUB;
  if( ka==STD_DECIMAL || kb==STD_DECIMAL ) return refuse_decimal(rp);
  if( op!=ROP_ADD && op!=ROP_SUB && op!=ROP_MUL ) return TREC_ERR_NOTFOUND;
  if( op==ROP_MUL ){
    const struct stdv *td = ka==STD_TIMEDELTA ? &x : &y;
    if( !((ka==STD_TIMEDELTA && int_operand(b, &k)) || (kb==STD_TIMEDELTA && int_operand(a, &k))) )
      return TREC_ERR_NOTFOUND;
    if( __builtin_mul_overflow(td_us(td), (i128)k, &r) )
      return replay_err(rp, TREC_ERR_LIMIT, "OverflowError: the timedelta is past what a "
                        "replay computes");
    return make_timedelta(rp, 0, r, out);
  }
  if( ka==STD_TIMEDELTA && kb==STD_TIMEDELTA )
    return make_timedelta(rp, (i128)x.days + (sub ? -y.days : y.days),
                          sub ? x.us - y.us : x.us + y.us, out);
  /* a date or datetime moved by a timedelta (either side of +) */
  if( kb==STD_TIMEDELTA && (ka==STD_DATE || ka==STD_DATETIME) ){
    if( ka==STD_DATE ) return make_date(rp, (i128)x.days + (sub ? -y.days : y.days), 0, 0, &x, out);
    r = td_us(&x) + (sub ? -td_us(&y) : td_us(&y));
    return make_date(rp, r>=0 ? r / US_PER_DAY : -1, (int64_t)(r % US_PER_DAY), 1, &x, out);
  }
  if( !sub && ka==STD_TIMEDELTA && (kb==STD_DATE || kb==STD_DATETIME) )
    return replay_std_binop(rp, op, b, a, out);
  if( sub && ka==kb && ka==STD_DATE ) return make_timedelta(rp, (i128)x.days - y.days, 0, out);
  if( sub && ka==kb && ka==STD_DATETIME ){
    struct replay_why why = { REPLAY_WHY_ZONE, { 0 } };
    if( (x.tz==TZ_NAIVE)!=(y.tz==TZ_NAIVE) )
      return replay_err(rp, TREC_ERR_TYPE, "TypeError: can't subtract offset-naive and "
                        "offset-aware datetimes");
    if( x.tz==TZ_ZONE || y.tz==TZ_ZONE ) return replay_err_why(rp, &why);
    return make_timedelta(rp, 0, (i128)utc_us(&x) - utc_us(&y), out);
  }
  return TREC_ERR_NOTFOUND;
}

int replay_std_unop(trec_replay *rp, enum rop op, const struct trec_value *a,
                    struct trec_buf *out){
  struct stdv x;
  switch( parse(a, &x) ){
  case STD_DECIMAL:
    return refuse_decimal(rp);
  case STD_TIMEDELTA:
    if( op==ROP_NEG || (op==ROP_ABS && x.days<0) )
      return make_timedelta(rp, -(i128)x.days, -x.us, out);
    if( op==ROP_POS || op==ROP_ABS ) return make_timedelta(rp, x.days, x.us, out);
    return TREC_ERR_NOTFOUND;
  default:
    return TREC_ERR_NOTFOUND;
  }
}

int replay_std_getattr(const struct trec_value *v, const char *name, struct trec_buf *out){
  static const char *const names[] = { "year", "month", "day", "hour", "minute",
                                       "second", "microsecond" };
  struct stdv s;
  enum std_kind k = parse(v, &s);
  size_t first = k==STD_TIME ? 3 : 0, last = k==STD_DATE ? 3 : 7;
  if( k==STD_DATE || k==STD_DATETIME || k==STD_TIME ){
    for(size_t i=first; i<last; i++){
      if( strcmp(name, names[i]) ) continue;
      trec_venc_int(out, s.f[i]);
      return TREC_OK;
    }
    if( k==STD_DATE ) return TREC_ERR_NOTFOUND;
    if( !strcmp(name, "fold") ){
      trec_venc_int(out, s.fold);
      return TREC_OK;
    }
    if( !strcmp(name, "tzinfo") ){
      if( s.tz==TZ_NAIVE ) trec_venc_none(out);
      else{
        const char *tn = s.tz==TZ_FIXED ? "datetime.timezone" : "zoneinfo.ZoneInfo";
        trec_venc_repr(out, tn, strlen(tn), (const char *)s.tz_text, s.tz_len);
      }
      return TREC_OK;
    }
  }else if( k==STD_TIMEDELTA ){
    if( !strcmp(name, "days") ) trec_venc_int(out, s.days);
    else if( !strcmp(name, "seconds") ) trec_venc_int(out, s.us / 1000000);
    else if( !strcmp(name, "microseconds") ) trec_venc_int(out, s.us % 1000000);
    else return TREC_ERR_NOTFOUND;
    return TREC_OK;
  }
  return TREC_ERR_NOTFOUND;
}

int replay_std_method(trec_replay *rp, const struct trec_value *self, const char *name,
                      size_t nargs, struct trec_buf *out){
  struct stdv s;
  enum std_kind k = parse(self, &s);
  if( nargs!=0 ) return TREC_ERR_NOTFOUND;
  if( k==STD_TIMEDELTA && !strcmp(name, "total_seconds") ){
    i128 us = td_us(&s);
    /* exact in a double below 2**53, so one division rounds as Python's */
    if( us>=((i128)1 << 53) || us<=-((i128)1 << 53) )
      return replay_err(rp, TREC_ERR_LIMIT, "ValueError: total_seconds() of a timedelta "
                        "this long is not computed over a recording");
    trec_venc_float(out, (double)us / 1e6);
    return TREC_OK;
  }
  if( (k==STD_DATE || k==STD_DATETIME)
      && (!strcmp(name, "weekday") || !strcmp(name, "isoweekday")) ){
    trec_venc_int(out, s.days % 7 + (name[0]=='i'));
    return TREC_OK;
  }
  return TREC_ERR_NOTFOUND;
}

/* ---- A Decimal as an int or a float ----
**
** int(), round() without digits and float() of a Decimal do not depend on
** the decimal context: the integer part, the nearest integer with halves
** to even, and the double nearest the exact value (its text read back). */

int replay_std_decimal_int(trec_replay *rp, const struct trec_value *v, int half_even,
                           __int128 *out){
  struct stdv s;
  const struct dnum *d = &s.num;
  int64_t k;
  i128 x = 0;
  if( parse(v, &s)!=STD_DECIMAL ) return TREC_ERR_NOTFOUND;
  if( d->special=='I' )
    return replay_err(rp, TREC_ERR_RANGE, "OverflowError: cannot convert Infinity to integer");
  if( d->special )
    return replay_err(rp, TREC_ERR_RANGE, "ValueError: cannot convert NaN to integer");
  k = (int64_t)d->ndig + d->exp;             /* digits before the point */
  if( k>38 ) return replay_err(rp, TREC_ERR_LIMIT, "OverflowError: the result is past "
                               "2**127, where a replay's integer arithmetic stops");
  for(int64_t i=0; i<k; i++) x = x*10 + (i<(int64_t)d->ndig ? d->dig[i] - '0' : 0);
  /* the first digit after the point decides, a 5 with nothing after it
  ** (dig has no trailing zeros) is a half */
  if( half_even && k>=0 && k<(int64_t)d->ndig ){
    char f = d->dig[k];
    if( f>'5' || (f=='5' && (k+1<(int64_t)d->ndig || (x & 1))) ) x++;
  }
  *out = d->neg ? -x : x;
  return TREC_OK;
}

int replay_std_decimal_float(trec_replay *rp, const struct trec_value *v, double *out){
  struct stdv s;
  char text[DIGITS_MAX + 32];
  if( parse(v, &s)!=STD_DECIMAL ) return TREC_ERR_NOTFOUND;
  switch( s.num.special ){
  case 'S':
    return replay_err(rp, TREC_ERR_RANGE, "ValueError: cannot convert signaling NaN to float");
  case 'N':
    *out = NAN;
    return TREC_OK;
  case 'I':
    *out = s.num.neg ? -HUGE_VAL : HUGE_VAL;
    return TREC_OK;
  default:
    snprintf(text, sizeof text, "%s%.*sE%" PRId64, s.num.neg ? "-" : "",
             (int)s.num.ndig, s.num.ndig ? s.num.dig : "0", s.num.exp);
    *out = strtod(text, NULL);
    return TREC_OK;
  }
}
