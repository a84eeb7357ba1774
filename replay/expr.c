/*
** expr.c: the small expression language of `p`, breakpoint conditions and
** watches, evaluated over recorded values without running any Python.
**
**   or      := and ('or' and)*
**   and     := not ('and' not)*
**   not     := 'not' not | cmp
**   cmp     := binary (op binary)*   op: == != < <= > >= in, not in, is, is not
**   binary  := unary (binop unary)*  binop: | ^ & << >> + - * / // %, by
**                                    Python's precedence, evaluated by arith.c
**   unary   := ('-' | '+' | '~') unary | power
**   power   := postfix ['**' unary]
**   postfix := atom ('.' NAME ['(' args ')'] | '[' or ']')*   (methods.c)
**   atom    := NAME | NUMBER | STRING | BYTES | None | True | False | '(' or ')'
**            | BUILTIN '(' args ')'
**
** The builtins answer from what was recorded: len, type and vars from a
** value's original length, its type's name, an object's fields
** (`x.__dict__` as `vars(x)`); abs, min, max, sum, round, int, float and
** bool from the values. The methods are those of builtin values that
** methods.c answers. No other call can be evaluated, since replay never
** runs the program's code. A recorded variable of the same name hides a
** builtin, as in Python.
** As in pdb, __return__ and __exception__ name the value a return or
** exception event at the cursor carries.
**
** It is evaluated while it is parsed (expressions are a few tokens; a
** condition is parsed again at each hit, which costs less than the state it
** is evaluated on). Intermediate values are encoded values (value.h): those
** from the trace are borrowed, literals and results live in an arena freed
** at the end. Errors read as Python's ("NameError: name 'x' is not defined")
** because the user thinks in Python.
*/
#include "config.h"
#include <math.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/replay_int.h"

struct ablock { struct ablock *next; size_t len; unsigned char data[]; };

struct xval { const unsigned char *p, *e; };

struct parser {
  trec_replay *rp;
  const struct rstack *s;   /* NULL: no names (watch paths, syntax check) */
  size_t level;
  const char *src, *pos;
  int check_only;           /* parse without evaluating */
  struct ablock *arena;
  int depth;                /* nesting, bounded by EXPR_MAX_NEST */
  int rc;
  struct xval roots[16];    /* the recorded values named so far, where a
                               REF's referent is found (resolve_ref) */
  int n_roots;
};

/* Each level of nesting (parentheses, brackets, unary - and not) costs the
** recursive descent some stack, and a viewer thread's stack is small: past
** this bound an expression is refused, as Python's parser refuses 200
** nested parentheses, instead of overflowing the stack. */
#define EXPR_MAX_NEST 200

static int perr(struct parser *ps, int rc, const char *fmt, const char *a, size_t alen){
  char tmp[256];
  if( ps->rc ) return ps->rc;
  snprintf(tmp, sizeof(tmp), fmt, (int)alen, a);
  ps->rc = replay_err(ps->rp, rc, "%s", tmp);
  return ps->rc;
}

static struct xval arena_put(struct parser *ps, const struct trec_buf *b){
  struct xval v = { NULL, NULL };
  struct ablock *a;
  if( b->oom ){ perr(ps, TREC_ERR_NOMEM, "%.*sout of memory", "", 0); return v; }
  a = malloc(sizeof(*a) + b->len + 1);
  if( a==NULL ){ perr(ps, TREC_ERR_NOMEM, "%.*sout of memory", "", 0); return v; }
  a->len = b->len;
  if( b->len ) memcpy(a->data, b->data, b->len);
  a->next = ps->arena;
  ps->arena = a;
  v.p = a->data;
  v.e = a->data + a->len;
  return v;
}

/* A new int (i) or float (d, when is_float) in the arena. */
static struct xval make_number(struct parser *ps, int is_float, int64_t i, double d){
  struct trec_buf b = TREC_BUF_INIT;
  struct xval v;
  if( is_float ) trec_venc_float(&b, d);
  else trec_venc_int(&b, i);
  v = arena_put(ps, &b);
  trec_buf_release(&b);
  return v;
}

static struct xval make_bool(struct parser *ps, int t){
  struct trec_buf b = TREC_BUF_INIT;
  struct xval v;
  trec_venc_bool(&b, t);
  v = arena_put(ps, &b);
  trec_buf_release(&b);
  return v;
}

static void skip_ws(struct parser *ps){
  while( *ps->pos==' ' || *ps->pos=='\t' ) ps->pos++;
}

static int is_ident_start(int c){ return isalpha(c) || c=='_' || (c & 0x80); }
static int is_ident(int c){ return isalnum(c) || c=='_' || (c & 0x80); }

/* The word at pos if it is an identifier (length), else 0. */
static size_t word_len(const char *p){
  size_t n = 0;
  if( !is_ident_start((unsigned char)p[0]) ) return 0;
  while( is_ident((unsigned char)p[n]) ) n++;
  return n;
}

static int accept_word(struct parser *ps, const char *w){
  size_t n = strlen(w);
  skip_ws(ps);
  if( word_len(ps->pos)==n && !memcmp(ps->pos, w, n) ){
    ps->pos += n;
    return 1;
  }
  return 0;
}

static int accept(struct parser *ps, const char *tok){
  size_t n = strlen(tok);
  skip_ws(ps);
  if( !strncmp(ps->pos, tok, n) ){
    ps->pos += n;
    return 1;
  }
  return 0;
}

static int decode(struct parser *ps, struct xval x, struct trec_value *v){
  if( trec_value_read(x.p, x.e, v) ){
    return perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded value", "", 0);
  }
  return TREC_OK;
}

/* A subclass of a builtin (TYPED) as its content, in place: what the
** builtin's methods it inherits index, measure and search. */
static int to_content(struct parser *ps, struct trec_value *v){
  if( trec_value_content(v, v) )
    return perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded value", "", 0);
  return TREC_OK;
}

/* decode(), then to_content(). */
static int decode_content(struct parser *ps, struct xval x, struct trec_value *v){
  if( decode(ps, x, v) ) return ps->rc;
  return to_content(ps, v);
}

static int truthy(struct parser *ps, struct xval x, int *t){
  struct trec_value v;
  if( ps->check_only ){ *t = 1; return TREC_OK; }
  if( decode(ps, x, &v) ) return ps->rc;
  if( (ps->rc = replay_truthy(ps->rp, &v, t))!=TREC_OK ) return ps->rc;
  return TREC_OK;
}

static struct xval parse_or(struct parser *ps);
static struct xval parse_tuple(struct parser *ps, struct xval first,
                               const char *closer);

static int hex_digit(char c){
  if( c>='0' && c<='9' ) return c - '0';
  if( c>='a' && c<='f' ) return c - 'a' + 10;
  if( c>='A' && c<='F' ) return c - 'A' + 10;
  return -1;
}

/* The escape after a backslash at ps->pos in a str (is_bytes 0) or bytes
** literal, decoded as Python's tokenizer decodes it into *cp (a code
** point, or a byte), ps->pos moved past it. @return 1 when decoded, 0 when
** it is no escape (Python keeps the backslash and what follows), -1 on a
** syntax error (ps's message set). */
static int parse_escape(struct parser *ps, int is_bytes, uint32_t *cp){
  static const char plain[] = "\\'\"abfnrtv", value[] = "\\'\"\a\b\f\n\r\t\v";
  const char *at = strchr(plain, *ps->pos);
  char e = *ps->pos;
  int n = 0;
  if( e && at!=NULL ){
    *cp = (unsigned char)value[at - plain];
    ps->pos++;
    return 1;
  }
  if( e>='0' && e<='7' ){
    *cp = 0;
    for(int i=0; i<3 && *ps->pos>='0' && *ps->pos<='7'; i++)
      *cp = *cp*8 + (uint32_t)(*ps->pos++ - '0');
    if( is_bytes ) *cp &= 0xff;
    return 1;
  }
  if( e=='x' ) n = 2;
  else if( !is_bytes && e=='u' ) n = 4;
  else if( !is_bytes && e=='U' ) n = 8;
  else if( !is_bytes && e=='N' ){
    perr(ps, TREC_ERR_INVALID, "SyntaxError: \\N{...} escapes are not supported "
         "here: write the character itself%.*s", "", 0);
    return -1;
  }
  if( n==0 ) return 0;
  *cp = 0;
  for(int i=1; i<=n; i++){
    int d = hex_digit(ps->pos[i]);
    if( d<0 ){
      const char *form = n==2 ? "xXX" : n==4 ? "uXXXX" : "UXXXXXXXX";
      perr(ps, TREC_ERR_INVALID, "SyntaxError: truncated \\%.*s escape", form,
           strlen(form));
      return -1;
    }
    *cp = *cp*16 + (uint32_t)d;
  }
  ps->pos += n + 1;
  if( *cp>0x10ffff ){
    perr(ps, TREC_ERR_INVALID, "SyntaxError: illegal Unicode character%.*s", "", 0);
    return -1;
  }
  return 1;
}

/* The length of a string prefix at p (b, r, rb or br in either case)
** followed by a quote, else 0; *is_bytes and *raw say which. */
static size_t string_prefix(const char *p, int *is_bytes, int *raw){
  size_t n = 0;
  *is_bytes = *raw = 0;
  while( n<2 ){
    if( (p[n]=='b' || p[n]=='B') && !*is_bytes ) *is_bytes = 1;
    else if( (p[n]=='r' || p[n]=='R') && !*raw ) *raw = 1;
    else break;
    n++;
  }
  return n && (p[n]=='\'' || p[n]=='"') ? n : 0;
}

/* A Python string or bytes literal (raw: with an r prefix), its escapes
** decoded as Python decodes them. */
static struct xval parse_string(struct parser *ps, int is_bytes, int raw){
  struct trec_buf t = TREC_BUF_INIT, b = TREC_BUF_INIT;
  struct xval v = { NULL, NULL };
  char q = *ps->pos++;
  uint64_t cps = 0;
  while( *ps->pos && *ps->pos!=q ){
    unsigned char c = (unsigned char)*ps->pos++;
    uint32_t cp;
    int got = 0;
    if( c>=0x80 && is_bytes ){
      perr(ps, TREC_ERR_INVALID, "SyntaxError: bytes can only contain ASCII "
           "literal characters%.*s", "", 0);
      goto out;
    }
    if( c=='\\' && *ps->pos && raw ){
      /* a raw literal keeps both, but the quote does not end it */
      trec_buf_put_u8(&t, c);
      cps++;
      c = (unsigned char)*ps->pos++;
    }else if( c=='\\' && *ps->pos ){
      got = parse_escape(ps, is_bytes, &cp);
      if( got<0 ) goto out;
    }
    if( got && (is_bytes || cp<0x80) ){
      trec_buf_put_u8(&t, (unsigned char)cp);
    }else if( got ){
      unsigned char u[4];
      trec_buf_put(&t, u, trec_value_utf8_encode(cp, u));
    }else{
      trec_buf_put_u8(&t, c);
      if( (c & 0xc0)==0x80 ) continue;
    }
    cps++;
  }
  if( *ps->pos!=q ){
    perr(ps, TREC_ERR_INVALID, "SyntaxError: unterminated string literal%.*s", "", 0);
    goto out;
  }
  ps->pos++;
  if( is_bytes ) trec_venc_bytes(&b, t.data, t.len, t.len);
  else trec_venc_str(&b, (const char *)t.data, t.len, cps);
  v = arena_put(ps, &b);
out:
  trec_buf_release(&t);
  trec_buf_release(&b);
  return v;
}

/* The value of digit c in any base up to 16, 99 when it is none. */
static unsigned digit_of(char ch){
  int c = (unsigned char)ch;
  return isdigit(c) ? (unsigned)(c - '0') : isxdigit(c) ? (unsigned)(tolower(c) - 'a' + 10) : 99;
}

/* Past digits of base, each '_' between two of them, as Python's grammar
** has them; at least one digit unless may_be_empty. NULL when a '_' is
** misplaced or a digit is missing. */
static const char *scan_digits(const char *p, unsigned base, int may_be_empty){
  const char *from = p;
  for(;;){
    if( digit_of(*p)<base ){ p++; continue; }
    if( *p=='_' && p>from ){
      if( digit_of(p[1])<base ){ p++; continue; }
      return NULL;
    }
    break;
  }
  return p>from || may_be_empty ? p : NULL;
}

/* A number literal at ps->pos, by Python's grammar: 0x, 0o and 0b ints
** (a '_' may follow the prefix), decimal ints, floats with a fraction or
** an exponent; '_' only between digits. Ints up to 127 bits, the range
** of arith.c's; past INT64 a BIGINT. */
static struct xval parse_number(struct parser *ps){
  static const char *const kinds[] = { "binary", "octal", "decimal", "hexadecimal" };
  struct trec_buf b = TREC_BUF_INIT, text = TREC_BUF_INIT;
  struct xval v = { NULL, NULL };
  const char *start = ps->pos, *p = start, *digits;
  unsigned base = 10;
  int is_float = 0;
  if( p[0]=='0' && strchr("xXoObB", p[1]) && p[1] ){
    base = p[1]=='x' || p[1]=='X' ? 16 : p[1]=='o' || p[1]=='O' ? 8 : 2;
    p += 2;
    if( *p=='_' ) p++;
    p = scan_digits(p, base, 0);
  }else{
    p = scan_digits(p, 10, 1);
    if( p && *p=='.' ){
      is_float = 1;
      p = scan_digits(p+1, 10, 1);
    }
    if( p && (*p=='e' || *p=='E') ){
      is_float = 1;
      p++;
      if( *p=='+' || *p=='-' ) p++;
      p = scan_digits(p, 10, 0);
    }
  }
  if( p && (*p=='j' || *p=='J') ){
    perr(ps, TREC_ERR_INVALID, "complex literals are not evaluated over a recording%.*s", "", 0);
    return v;
  }
  if( p==NULL || isalnum((unsigned char)*p) || *p=='_' ){
    const char *kind = kinds[base==2 ? 0 : base==8 ? 1 : base==10 ? 2 : 3];
    perr(ps, TREC_ERR_INVALID, "SyntaxError: invalid %.*s literal", kind, strlen(kind));
    return v;
  }
  ps->pos = p;
  for(const char *q = start; q<p; q++) if( *q!='_' ) trec_buf_put_u8(&text, (unsigned char)*q);
  trec_buf_put_u8(&text, 0);
  if( text.oom ){
    perr(ps, TREC_ERR_NOMEM, "%.*sout of memory", "", 0);
    goto out;
  }
  digits = (const char *)text.data + (base==10 ? 0 : 2);
  if( is_float ){
    trec_venc_float(&b, strtod((const char *)text.data, NULL));
  }else{
    unsigned __int128 u = 0;
    for(const char *q = digits; *q; q++){
      unsigned d = digit_of(*q);
      if( u > (((unsigned __int128)1 << 127) - 1 - d) / base ){
        perr(ps, TREC_ERR_LIMIT, "OverflowError: %.*s is past 2**127, where a replay's "
             "integer arithmetic stops", start, (size_t)(p - start));
        goto out;
      }
      u = u*base + d;
    }
    if( base==10 && digits[0]=='0' && u!=0 ){
      perr(ps, TREC_ERR_INVALID, "SyntaxError: leading zeros in decimal integer "
           "literals are not permitted%.*s", "", 0);
      goto out;
    }
    if( u<=INT64_MAX ){
      trec_venc_int(&b, (int64_t)u);
    }else{
      unsigned char mag[16];
      size_t len = 0;
      while( u ){ mag[len++] = (unsigned char)u; u >>= 8; }
      trec_venc_bigint(&b, 0, mag, len);
    }
  }
  v = arena_put(ps, &b);
out:
  trec_buf_release(&b);
  trec_buf_release(&text);
  return v;
}

static struct xval op_type(struct parser *ps, const struct trec_value *v);

/* pdb's two names for what the event at the cursor carries, in the locals
** of the frame stopped there: __return__ at a return event, __exception__
** at an exception event, the (type, value) pair bdb's user_exception gets.
** A variable of the program's own of that name comes first.
** @return 0 with *v set, or -1. */
static int event_name(struct parser *ps, const char *name, struct xval *v){
  int ret = strcmp(name, "__return__")==0;
  struct trec_value exc;
  struct trec_buf b = TREC_BUF_INIT;
  struct xval t;
  if( !ret && strcmp(name, "__exception__") ) return -1;
  if( ps->s!=&ps->rp->cur || ps->level+1!=ps->s->n ) return -1;
  if( (ret ? trec_replay_retval(ps->rp, &v->p, &v->e)
           : trec_replay_exception(ps->rp, &v->p, &v->e))!=TREC_OK ){
    v->p = v->e = NULL;
    return -1;
  }
  if( ret ) return 0;
  if( trec_value_read(v->p, v->e, &exc) ){
    perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded value", "", 0);
    return 0;
  }
  t = op_type(ps, &exc);
  if( t.p==NULL ) return 0;
  trec_venc_container(&b, TREC_V_TUPLE, 0, 2, 2);
  trec_buf_put(&b, t.p, (size_t)(t.e - t.p));
  trec_buf_put(&b, v->p, (size_t)(v->e - v->p));
  *v = arena_put(ps, &b);
  trec_buf_release(&b);
  return 0;
}

static struct xval name_value(struct parser *ps, const char *name, size_t n){
  struct xval v = { NULL, NULL };
  char tmp[256];
  size_t fl;
  uint32_t slot;
  const struct rval *rv;
  if( n>=sizeof(tmp) ){ perr(ps, TREC_ERR_INVALID, "SyntaxError: name too long: %.*s", name, n); return v; }
  memcpy(tmp, name, n);
  tmp[n] = 0;
  if( ps->check_only ) return make_bool(ps, 1);
  if( ps->s==NULL || replay_lookup(ps->rp, ps->s, ps->level, tmp, &fl, &slot) ){
    if( event_name(ps, tmp, &v)==0 ) return v;
    perr(ps, TREC_ERR_NOTFOUND, "NameError: name '%.*s' is not defined", name, n);
    return v;
  }
  rv = &ps->s->f[fl].val[slot];
  if( rval_unbound(rv) ){
    perr(ps, TREC_ERR_NOTFOUND, "NameError: name '%.*s' is not defined", name, n);
    return v;
  }
  v.p = rv->p;
  v.e = rv->e;
  if( ps->n_roots<(int)(sizeof(ps->roots)/sizeof(ps->roots[0])) ) ps->roots[ps->n_roots++] = v;
  return v;
}

/* The value of this id inside v, as recorded in full (not a REF or TRUNC):
** 1 with *out set, else 0. */
static int find_id(const struct trec_value *v, uint64_t id, struct trec_value *out){
  struct trec_value c;
  int has_id = (v->tag>=TREC_V_TUPLE && v->tag<=TREC_V_OBJECT) || v->tag==TREC_V_EXC
               || v->tag==TREC_V_TYPED;
  if( has_id && v->id==id ){
    *out = *v;
    return 1;
  }
  if( v->tag==TREC_V_TYPED && trec_value_content(v, &c)==TREC_OK && c.tag!=TREC_V_TYPED
      && c.tag!=TREC_V_OBJECT && find_id(&c, id, out) )
    return 1;
  if( !has_id ) return 0;
  for(uint64_t i=0; i<v->n; i++){
    if( v->tag==TREC_V_DICT && trec_value_key(v, i, &c)==TREC_OK && find_id(&c, id, out) )
      return 1;
    if( trec_value_item(v, i, &c)==TREC_OK && find_id(&c, id, out) ) return 1;
  }
  return 0;
}

/* x itself, or where x points when it is a REF: the recorder writes a REF
** for a value that encloses it (node.me, node.kids[0] of a node in its own
** list), so its referent is in a value named on the way there. */
static struct xval resolve_ref(struct parser *ps, struct xval x){
  struct trec_value v, root, out;
  if( ps->rc || x.p==NULL || x.p>=x.e || x.p[0]!=TREC_V_REF ) return x;
  if( trec_value_read(x.p, x.e, &v) ) return x;
  for(int k=ps->n_roots-1; k>=0; k--){
    if( trec_value_read(ps->roots[k].p, ps->roots[k].e, &root) ) continue;
    if( find_id(&root, v.id, &out) ){
      x.p = out.start;
      x.e = out.end;
      break;
    }
  }
  return x;
}

static void type_error(struct parser *ps, const char *fmt, const struct trec_value *v){
  size_t tl;
  const char *tn = trec_value_typename(v, &tl);
  perr(ps, TREC_ERR_TYPE, fmt, tn, tl>200 ? 200 : tl);
}

/* Python's TypeError when v cannot be a dict key or set item (a list,
** dict or set, also inside a tuple): 1 with ps->rc set, else 0. */
static int unhashable(struct parser *ps, const struct trec_value *v){
  return (ps->rc = replay_check_hashable(ps->rp, v))!=TREC_OK;
}

/* Copy value v into b, a REF to obj (whose fields vars() lays out in a dict,
** so obj no longer encloses them) becoming obj cut short: it then renders
** with its type, where a REF to nothing enclosing it has none. Values are
** validated, hence bounded in depth. */
static void copy_unref(struct trec_buf *b, const struct trec_value *v,
                       const struct trec_value *obj){
  const unsigned char *q = v->items;
  uint64_t kids = 0;
  int named = v->tag==TREC_V_OBJECT;
  switch( v->tag ){
  case TREC_V_REF:
    if( v->id==obj->id && v->sub==TREC_V_OBJECT ){
      trec_venc_trunc(b, TREC_V_OBJECT, obj->id, obj->type, obj->type_len, obj->total);
      return;
    }
    break;
  case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET:
  case TREC_V_FROZENSET: case TREC_V_OBJECT:
    kids = v->n;
    break;
  case TREC_V_DICT:
    kids = 2*v->n;
    break;
  case TREC_V_EXC:
    kids = 1;   /* the args tuple */
    break;
  default:
    break;
  }
  if( kids==0 ){
    trec_buf_put(b, v->start, (size_t)(v->end - v->start));
    return;
  }
  trec_buf_put(b, v->start, (size_t)(q - v->start));
  for(uint64_t i=0; i<kids; i++){
    struct trec_value it;
    if( named ){
      const unsigned char *at = q;
      uint64_t fl;
      if( trec_get_varint(&q, v->end, &fl) || fl>(uint64_t)(v->end - q) ) return;
      q += fl;
      trec_buf_put(b, at, (size_t)(q - at));
    }
    if( trec_value_read(q, v->end, &it) ) return;
    copy_unref(b, &it, obj);
    q = it.end;
  }
}

/* vars(x): an object's recorded fields as a dict of str keys, cut as the
** fields were. */
static struct xval op_vars(struct parser *ps, const struct trec_value *v){
  struct xval r = { NULL, NULL };
  struct trec_buf b = TREC_BUF_INIT;
  struct trec_value c;
  if( v->tag==TREC_V_TYPED && v->sub==TREC_V_OBJECT ){
    /* a plain Enum member: its fields are its OBJECT content's */
    if( trec_value_content(v, &c) ){
      perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded object", "", 0);
      return r;
    }
    v = &c;
  }
  if( v->tag==TREC_V_TRUNC && v->sub==TREC_V_OBJECT ){
    type_error(ps, "ValueError: the fields of this '%.*s' object were not recorded "
               "(it was deeper than --max-depth)", v);
    return r;
  }
  if( v->tag!=TREC_V_OBJECT ){
    type_error(ps, "TypeError: vars() argument must be a recorded object, not '%.*s'", v);
    return r;
  }
  trec_venc_container(&b, TREC_V_DICT, v->id, v->total, v->n);
  for(uint64_t i=0; i<v->n; i++){
    const char *name;
    size_t len;
    uint64_t cps = 0;
    struct trec_value it;
    if( trec_value_field_name(v, i, &name, &len) || trec_value_item(v, i, &it) ){
      perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded object", "", 0);
      trec_buf_release(&b);
      return r;
    }
    for(size_t k=0; k<len; k++) cps += ((unsigned char)name[k] & 0xc0)!=0x80;
    trec_venc_str(&b, name, len, cps);
    copy_unref(&b, &it, v);
  }
  r = arena_put(ps, &b);
  trec_buf_release(&b);
  return r;
}

static struct xval op_len(struct parser *ps, const struct trec_value *v){
  struct xval r = { NULL, NULL };
  struct trec_buf b = TREC_BUF_INIT;
  struct trec_value c;
  enum trec_vtag t;
  if( trec_value_content(v, &c) ){
    perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded value", "", 0);
    return r;
  }
  t = c.tag==TREC_V_TRUNC ? c.sub : c.tag;
  switch( t ){
  case TREC_V_STR: case TREC_V_BYTES: case TREC_V_TUPLE: case TREC_V_LIST:
  case TREC_V_SET: case TREC_V_FROZENSET: case TREC_V_DICT:
    trec_venc_int(&b, (int64_t)c.total);
    r = arena_put(ps, &b);
    break;
  case TREC_V_OBJECT:
    type_error(ps, "TypeError: the len() of a recorded '%.*s' object is not known "
               "(replay never runs its __len__)", v);
    break;
  default:
    type_error(ps, "TypeError: object of type '%.*s' has no len()", v);
  }
  trec_buf_release(&b);
  return r;
}

static struct xval op_type(struct parser *ps, const struct trec_value *v){
  struct xval r = { NULL, NULL };
  struct trec_buf b = TREC_BUF_INIT, text = TREC_BUF_INIT;
  size_t tl;
  const char *tn = trec_value_typename(v, &tl);
  trec_buf_puts(&text, "<class '");
  trec_buf_put(&text, tn, tl);
  trec_buf_puts(&text, "'>");
  if( !text.oom ) trec_venc_repr(&b, "type", 4, (const char *)text.data, text.len);
  else b.oom = 1;
  r = arena_put(ps, &b);
  trec_buf_release(&b);
  trec_buf_release(&text);
  return r;
}

#define MAX_ARGS 16

/* The builtins, in the order of parse_builtin()'s names. */
enum builtin { B_LEN, B_TYPE, B_VARS, B_ABS, B_MIN, B_MAX, B_SUM, B_ROUND, B_INT,
               B_FLOAT, B_BOOL };

/* round, int, float (arith.c) and bool of arg[0]; round's ndigits arg[1]. */
static struct xval op_convert(struct parser *ps, enum builtin which, const struct xval *arg,
                              size_t nargs){
  struct xval r = { NULL, NULL };
  struct trec_value a, n;
  struct trec_buf out = TREC_BUF_INIT;
  int rc;
  if( which==B_BOOL ){
    int t;
    if( truthy(ps, arg[0], &t) ) return r;
    return make_bool(ps, t);
  }
  if( decode_content(ps, arg[0], &a) ) return r;
  if( nargs==2 && decode_content(ps, arg[1], &n) ) return r;
  rc = replay_convert(ps->rp, which==B_ROUND ? RCONV_ROUND : which==B_INT ? RCONV_INT
                      : RCONV_FLOAT, &a, nargs==2 ? &n : NULL, &out);
  if( rc ) ps->rc = rc;
  else r = arena_put(ps, &out);
  trec_buf_release(&out);
  return r;
}

/* The arguments of a call, ps->pos at its '(': at most MAX_ARGS into arg. */
static int parse_args(struct parser *ps, const char *fn, size_t fn_len,
                      struct xval *arg, size_t *nargs){
  *nargs = 0;
  ps->pos++;
  if( accept(ps, ")") ) return TREC_OK;
  do{
    if( *nargs==MAX_ARGS ){
      return perr(ps, TREC_ERR_INVALID, "SyntaxError: more than 16 arguments to %.*s()",
                  fn, fn_len);
    }
    arg[(*nargs)++] = parse_or(ps);
    if( ps->rc ) return ps->rc;
  }while( accept(ps, ",") && (skip_ws(ps), *ps->pos!=')') );
  if( !accept(ps, ")") ){
    return perr(ps, TREC_ERR_INVALID, "SyntaxError: '(' was never closed%.*s", "", 0);
  }
  return TREC_OK;
}

static struct xval apply_unop(struct parser *ps, enum rop op, struct xval a);

static struct xval op_minmax(struct parser *ps, int is_max, const struct xval *arg,
                             size_t n);
static struct xval op_sum(struct parser *ps, const struct xval *arg, size_t n);

/* name(args) for the builtins a replay can answer from recorded values
** (len, type, vars, abs, min, max, sum, round, int, float, bool) when no
** recorded variable of that name is bound: *handled says whether it was
** one. */
static struct xval parse_builtin(struct parser *ps, const char *w, size_t n,
                                 int *handled){
  static const char *const names[] = { "len", "type", "vars", "abs", "min", "max", "sum",
                                       "round", "int", "float", "bool" };
  struct xval r = { NULL, NULL }, arg[MAX_ARGS];
  struct trec_value v;
  const char *save = ps->pos;
  char tmp[8];
  size_t fl, nargs = 0, k;
  enum builtin which;
  uint32_t slot;
  *handled = 0;
  for(k=0; k<sizeof(names)/sizeof(names[0]); k++){
    if( strlen(names[k])==n && !memcmp(w, names[k], n) ) break;
  }
  if( k==sizeof(names)/sizeof(names[0]) ) return r;
  which = (enum builtin)k;
  skip_ws(ps);
  if( *ps->pos!='(' ){ ps->pos = save; return r; }
  memcpy(tmp, w, n);
  tmp[n] = 0;
  /* a variable of that name shadows the builtin only while it is bound: a
  ** module that calls len() lists len among its globals, unbound */
  if( ps->s!=NULL && !replay_lookup(ps->rp, ps->s, ps->level, tmp, &fl, &slot) ){
    const struct rframe *f = &ps->s->f[fl];
    if( slot<f->n_slots && !rval_unbound(&f->val[slot]) ){
      ps->pos = save;
      return r;
    }
  }
  *handled = 1;
  if( parse_args(ps, tmp, n, arg, &nargs) ) return r;
  if( nargs==0 || (nargs>1 && which!=B_MIN && which!=B_MAX && which!=B_SUM && which!=B_ROUND)
      || (nargs>2 && (which==B_SUM || which==B_ROUND)) ){
    char msg[96];
    if( which>B_ROUND ){
      snprintf(msg, sizeof(msg), "TypeError: %s() of %zu arguments is not evaluated over "
               "a recording (it takes one)", tmp, nargs);
    }else if( which==B_ROUND ){
      snprintf(msg, sizeof(msg), "TypeError: round() takes 1 or 2 arguments (%zu given)", nargs);
    }else if( which==B_SUM && nargs==0 ){
      snprintf(msg, sizeof(msg), "TypeError: sum() takes at least 1 positional argument (0 given)");
    }else if( (which==B_MIN || which==B_MAX) && nargs==0 ){
      snprintf(msg, sizeof(msg), "TypeError: %s expected at least 1 argument, got 0", tmp);
    }else if( which==B_SUM ){
      snprintf(msg, sizeof(msg), "TypeError: sum() takes at most 2 arguments (%zu given)", nargs);
    }else{
      snprintf(msg, sizeof(msg), "TypeError: %s() takes exactly one argument (%zu given)",
               tmp, nargs);
    }
    perr(ps, TREC_ERR_TYPE, "%.*s", msg, strlen(msg));
    return r;
  }
  if( ps->check_only ) return make_bool(ps, 1);
  switch( which ){
  case B_MIN: case B_MAX: return op_minmax(ps, which==B_MAX, arg, nargs);
  case B_SUM: return op_sum(ps, arg, nargs);
  case B_ABS: return apply_unop(ps, ROP_ABS, arg[0]);
  case B_ROUND: case B_INT: case B_FLOAT: case B_BOOL:
    return op_convert(ps, which, arg, nargs);
  default:
    break;
  }
  if( decode(ps, arg[0], &v) ) return r;
  if( which==B_LEN ) return op_len(ps, &v);
  if( which==B_TYPE ) return op_type(ps, &v);
  return op_vars(ps, &v);
}

static struct xval parse_atom(struct parser *ps){
  struct xval v = { NULL, NULL };
  size_t n;
  int is_bytes, raw;
  skip_ws(ps);
  if( accept(ps, "(") ){
    if( accept(ps, ")") ){
      struct trec_buf b = TREC_BUF_INIT;
      trec_venc_container(&b, TREC_V_TUPLE, 0, 0, 0);
      v = arena_put(ps, &b);
      trec_buf_release(&b);
      return v;
    }
    v = parse_or(ps);
    if( ps->rc ) return v;
    skip_ws(ps);
    if( *ps->pos==',' ) v = parse_tuple(ps, v, ")");
    if( ps->rc ) return v;
    if( !accept(ps, ")") ) perr(ps, TREC_ERR_INVALID, "SyntaxError: '(' was never closed%.*s", "", 0);
    return v;
  }
  if( *ps->pos=='\'' || *ps->pos=='"' ) return parse_string(ps, 0, 0);
  n = string_prefix(ps->pos, &is_bytes, &raw);
  if( n ){
    ps->pos += n;
    return parse_string(ps, is_bytes, raw);
  }
  if( isdigit((unsigned char)*ps->pos)
      || (*ps->pos=='.' && isdigit((unsigned char)ps->pos[1])) ){
    return parse_number(ps);
  }
  n = word_len(ps->pos);
  if( n ){
    const char *w = ps->pos;
    struct trec_buf b = TREC_BUF_INIT;
    ps->pos += n;
    if( n==4 && !memcmp(w, "None", 4) ) trec_venc_none(&b);
    else if( n==4 && !memcmp(w, "True", 4) ) trec_venc_bool(&b, 1);
    else if( n==5 && !memcmp(w, "False", 5) ) trec_venc_bool(&b, 0);
    else{
      int handled;
      v = parse_builtin(ps, w, n, &handled);
      return handled ? v : name_value(ps, w, n);
    }
    v = arena_put(ps, &b);
    trec_buf_release(&b);
    return v;
  }
  if( *ps->pos==0 ) perr(ps, TREC_ERR_INVALID, "SyntaxError: unexpected end of expression%.*s", "", 0);
  else perr(ps, TREC_ERR_INVALID, "SyntaxError: cannot evaluate '%.*s' over a recording "
            "(names, literals, .attr, [key], [i:j], tuples, arithmetic, comparisons, and/or/not)", ps->pos, strlen(ps->pos));
  return v;
}

static struct xval op_getattr(struct parser *ps, struct xval x, const char *name, size_t n){
  struct trec_value v, out;
  struct xval r = { NULL, NULL };
  char tmp[256];
  int rc;
  if( ps->check_only ) return x;
  if( decode(ps, x, &v) ) return r;
  if( n>=sizeof(tmp) ){ perr(ps, TREC_ERR_INVALID, "SyntaxError: name too long: %.*s", name, n); return r; }
  memcpy(tmp, name, n);
  tmp[n] = 0;
  if( !strcmp(tmp, "__dict__")
      && (v.tag==TREC_V_OBJECT || ((v.tag==TREC_V_TRUNC || v.tag==TREC_V_TYPED)
                                   && v.sub==TREC_V_OBJECT)) )
    return op_vars(ps, &v);
  if( v.tag==TREC_V_REPR ){
    /* a date's, time's or timedelta's fields, read from its text */
    struct trec_buf b = TREC_BUF_INIT;
    if( replay_std_getattr(&v, tmp, &b)==TREC_OK ) r = arena_put(ps, &b);
    trec_buf_release(&b);
    if( r.p || ps->rc ) return r;
  }
  rc = v.tag==TREC_V_OBJECT || v.tag==TREC_V_TYPED || v.tag==TREC_V_EXC
       ? trec_value_getattr(&v, tmp, &out) : TREC_ERR_NOTFOUND;
  if( rc==TREC_ERR_NOTFOUND ){
    size_t tl;
    const char *tn = trec_value_typename(&v, &tl);
    char msg[600];
    snprintf(msg, sizeof(msg), "AttributeError: '%.*s' object has no recorded attribute '%s'",
             (int)(tl>200 ? 200 : tl), tn, tmp);
    perr(ps, TREC_ERR_NOTFOUND, "%.*s", msg, strlen(msg));
    return r;
  }
  if( rc ){ perr(ps, rc, "%.*scorrupt recorded value", "", 0); return r; }
  /* the field's bytes, wherever the lookup found them (an enum member's
  ** OBJECT content, its content as its value) */
  r.p = out.start;
  r.e = out.end;
  return r;
}

/* Start of child i of a container (for DICT: the value of pair i). */
static const unsigned char *child_start(const struct trec_value *v, uint64_t i, int want_key){
  const unsigned char *q = v->items;
  uint64_t per = v->tag==TREC_V_DICT ? 2 : 1;
  for(uint64_t k=0; k<v->n*per; k++){
    struct trec_value it;
    if( k==i*per + (per==2 && !want_key ? 1 : 0) ) return q;
    if( trec_value_read(q, v->end, &it) ) return NULL;
    q = it.end;
  }
  return NULL;
}

static int xequal(struct parser *ps, struct xval a, struct xval b, int *eq);

/* Item idx lies past what the recording kept (bounds: the options that
** say how much). */
static void not_recorded(struct parser *ps, int64_t idx, const char *bounds){
  char msg[160];
  snprintf(msg, sizeof(msg), "IndexError: item %lld was not recorded (the "
           "recording keeps the first items, %s)", (long long)idx, bounds);
  perr(ps, TREC_ERR_NOTFOUND, "%.*s", msg, strlen(msg));
}

static struct xval op_getitem(struct parser *ps, struct xval x, struct xval key){
  struct trec_value v, k, it;
  struct xval r = { NULL, NULL };
  if( ps->check_only ) return x;
  if( decode_content(ps, x, &v) || decode_content(ps, key, &k) ) return r;
  if( v.tag==TREC_V_LIST || v.tag==TREC_V_TUPLE ){
    int64_t idx;
    if( k.tag!=TREC_V_INT && k.tag!=TREC_V_TRUE && k.tag!=TREC_V_FALSE ){
      perr(ps, TREC_ERR_TYPE, "TypeError: %.*s indices must be integers",
           v.tag==TREC_V_LIST ? "list" : "tuple", v.tag==TREC_V_LIST ? 4 : 5);
      return r;
    }
    idx = k.tag==TREC_V_INT ? k.i : k.tag==TREC_V_TRUE;
    if( idx<0 ) idx += (int64_t)v.total;
    if( idx<0 || (uint64_t)idx>=v.total ){
      perr(ps, TREC_ERR_NOTFOUND, "IndexError: %.*s index out of range",
           v.tag==TREC_V_LIST ? "list" : "tuple", v.tag==TREC_V_LIST ? 4 : 5);
      return r;
    }
    if( (uint64_t)idx>=v.n ){
      not_recorded(ps, idx, "--max-items");
      return r;
    }
    r.p = child_start(&v, (uint64_t)idx, 0);
    if( r.p==NULL || trec_value_read(r.p, v.end, &it) ){
      perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded value", "", 0);
      r.p = NULL;
      return r;
    }
    r.e = it.end;
    return r;
  }
  if( v.tag==TREC_V_STR || v.tag==TREC_V_BYTES ){
    /* a str's character, a bytes's int, of what was stored (--max-str) */
    int str = v.tag==TREC_V_STR;
    struct trec_buf b = TREC_BUF_INIT;
    int64_t idx;
    size_t at = 0, cp = 0;
    if( k.tag!=TREC_V_INT && k.tag!=TREC_V_TRUE && k.tag!=TREC_V_FALSE ){
      perr(ps, TREC_ERR_TYPE, "TypeError: %.*s indices must be integers",
           str ? "string" : "byte", str ? 6 : 4);
      return r;
    }
    idx = k.tag==TREC_V_INT ? k.i : k.tag==TREC_V_TRUE;
    if( idx<0 ) idx += (int64_t)v.total;
    if( idx<0 || (uint64_t)idx>=v.total ){
      perr(ps, TREC_ERR_NOTFOUND, "IndexError: %.*s out of range",
           str ? "string index" : "index", str ? 12 : 5);
      return r;
    }
    if( (uint64_t)idx>=v.n ){
      not_recorded(ps, idx, "--max-str");
      return r;
    }
    if( !str ){
      trec_venc_int(&b, v.data[idx]);
    }else{
      /* code point idx: its first byte, then its continuation bytes */
      for(size_t i=0; i<v.data_len; i++){
        if( (v.data[i] & 0xc0)==0x80 ) continue;
        if( cp++==(size_t)idx ){
          at = i;
          break;
        }
      }
      size_t end = at + 1;
      while( end<v.data_len && (v.data[end] & 0xc0)==0x80 ) end++;
      trec_venc_str(&b, (const char *)v.data + at, end - at, 1);
    }
    r = arena_put(ps, &b);
    trec_buf_release(&b);
    return r;
  }
  if( v.tag==TREC_V_DICT ){
    struct replay_why why = { REPLAY_WHY_NONE, { 0 } };
    int found;
    if( unhashable(ps, &k) ) return r;
    found = replay_find(&v, &k, &it, &why);
    if( found==REPLAY_EQ_YES ){
      r.p = it.start;
      r.e = it.end;
      return r;
    }
    if( found==REPLAY_EQ_UNKNOWN && why.kind!=REPLAY_WHY_CUT ){
      ps->rc = replay_err_why(ps->rp, &why);
      return r;
    }
    {
      struct trec_buf t = TREC_BUF_INIT;
      trec_value_render(key.p, key.e, 0, 80, &t);
      if( v.n<v.total ){
        trec_buf_printf(&t, " is not among the %llu items recorded of %llu (--max-items)",
                        (unsigned long long)v.n, (unsigned long long)v.total);
        perr(ps, TREC_ERR_NOTFOUND, "%.*s", (const char *)t.data, t.len);
      }else{
        perr(ps, TREC_ERR_NOTFOUND, "KeyError: %.*s", (const char *)t.data, t.len);
      }
      trec_buf_release(&t);
    }
    return r;
  }
  {
    size_t tl;
    const char *tn = trec_value_typename(&v, &tl);
    perr(ps, TREC_ERR_TYPE, "TypeError: cannot index a recorded '%.*s' value", tn, tl);
  }
  return r;
}

/* ---- slices and tuples: new values built from recorded ones ---- */

/* A slice bound: absent, or an int (a bool counts as one); one past 64
** bits is clipped, as Python clips to Py_ssize_t. */
static int slice_index(struct parser *ps, struct xval x, int64_t *out){
  struct trec_value v;
  if( decode_content(ps, x, &v) ) return ps->rc;
  if( v.tag==TREC_V_INT ){ *out = v.i; return TREC_OK; }
  if( v.tag==TREC_V_BIGINT ){ *out = v.negative ? INT64_MIN : INT64_MAX; return TREC_OK; }
  if( v.tag==TREC_V_TRUE || v.tag==TREC_V_FALSE ){ *out = v.tag==TREC_V_TRUE; return TREC_OK; }
  return perr(ps, TREC_ERR_TYPE, "TypeError: slice indices must be integers%.*s", "", 0);
}

/* Python's PySlice_AdjustIndices: bounds (NULL p when absent) over a
** sequence of len items, into start, step and the count selected. */
static int slice_adjust(struct parser *ps, const struct xval b[3], int64_t len,
                        int64_t *start, int64_t *step, int64_t *count){
  int64_t stop, lower, upper;
  *step = 1;
  if( b[2].p && slice_index(ps, b[2], step) ) return ps->rc;
  if( *step==0 ) return perr(ps, TREC_ERR_INVALID, "ValueError: slice step cannot be zero%.*s", "", 0);
  if( *step<-INT64_MAX ) *step = -INT64_MAX;   /* so that -step exists */
  lower = *step<0 ? -1 : 0;
  upper = *step<0 ? len - 1 : len;
  *start = *step<0 ? upper : lower;
  stop = *step<0 ? lower : upper;
  for(int k=0; k<2; k++){
    int64_t x = 0, *at = k ? &stop : start;
    if( b[k].p==NULL ) continue;
    if( slice_index(ps, b[k], &x) ) return ps->rc;
    if( x<0 ){
      x = x < -len ? lower : x + len;
      if( x<lower ) x = lower;
    }else if( x>upper ){
      x = upper;
    }
    *at = x;
  }
  if( *step>0 ) *count = *start<stop ? (stop - *start - 1) / *step + 1 : 0;
  else *count = stop<*start ? (*start - stop - 1) / -*step + 1 : 0;
  return TREC_OK;
}

/* x[start:stop:step] of a list, tuple, str or bytes: the items selected,
** which must all have been recorded. */
static struct xval op_slice(struct parser *ps, struct xval x, const struct xval b[3]){
  struct trec_value v, it;
  struct xval r = { NULL, NULL };
  struct trec_buf out = TREC_BUF_INIT;
  size_t *cps = NULL;
  int64_t start = 0, step = 1, count = 0, last;
  int bytearray;
  if( ps->check_only ) return x;
  if( decode(ps, x, &v) ) return r;
  bytearray = v.tag==TREC_V_TYPED && v.type_len==9 && !memcmp(v.type, "bytearray", 9);
  if( to_content(ps, &v) ) return r;
  if( v.tag!=TREC_V_LIST && v.tag!=TREC_V_TUPLE && v.tag!=TREC_V_STR
   && v.tag!=TREC_V_BYTES ){
    type_error(ps, "TypeError: cannot slice a recorded '%.*s' value", &v);
    return r;
  }
  if( v.total>INT64_MAX ){ perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded value", "", 0); return r; }
  if( slice_adjust(ps, b, (int64_t)v.total, &start, &step, &count) ) return r;
  /* t[:] of a tuple is t itself (its id, for `is`), as in Python */
  if( x.p[0]==TREC_V_TUPLE && start==0 && step==1 && (uint64_t)count==v.total ) return x;
  last = count ? start + (count - 1) * step : 0;
  if( count && (uint64_t)(step>0 ? last : start)>=v.n ){
    not_recorded(ps, step>0 ? last : start, "--max-items, --max-str");
    return r;
  }
  if( v.tag==TREC_V_STR ){
    /* the byte offset of each stored code point, and the end */
    size_t k = 0;
    if( (cps = malloc((v.n + 1) * sizeof *cps))==NULL ){
      perr(ps, TREC_ERR_NOMEM, "%.*sout of memory", "", 0);
      return r;
    }
    for(size_t i=0; i<v.data_len; i++)
      if( (v.data[i] & 0xc0)!=0x80 ) cps[k++] = i;
    cps[k] = v.data_len;
  }
  if( v.tag==TREC_V_STR || v.tag==TREC_V_BYTES ){
    struct trec_buf text = TREC_BUF_INIT;
    for(int64_t i=0; i<count; i++){
      int64_t at = start + i*step;   /* no overflow: at most the last index */
      if( v.tag==TREC_V_STR ) trec_buf_put(&text, v.data + cps[at], cps[at+1] - cps[at]);
      else trec_buf_put_u8(&text, v.data[at]);
    }
    /* a bytearray's slice is a bytearray (a bytes subclass's is bytes) */
    if( bytearray ) trec_venc_typed(&out, "bytearray", 9, TREC_FORM_CALL);
    if( v.tag==TREC_V_STR ) trec_venc_str(&out, (const char *)text.data, text.len, (uint64_t)count);
    else trec_venc_bytes(&out, text.data, text.len, (uint64_t)count);
    if( bytearray ){
      trec_buf_put_varint(&out, 0);
      trec_buf_put_varint(&out, 0);
    }
    out.oom |= text.oom;
    trec_buf_release(&text);
  }else{
    trec_venc_container(&out, v.tag, 0, (uint64_t)count, (uint64_t)count);
    for(int64_t i=0; i<count; i++){
      int64_t at = start + i*step;
      const unsigned char *q = child_start(&v, (uint64_t)at, 0);
      if( q==NULL || trec_value_read(q, v.end, &it) ){
        perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded value", "", 0);
        goto out;
      }
      trec_buf_put(&out, q, (size_t)(it.end - q));
    }
  }
  r = arena_put(ps, &out);
out:
  free(cps);
  trec_buf_release(&out);
  return r;
}

/* (a, b), a, b: a new TUPLE of the values, after the first one already
** parsed; closer is the text that ends it (")", or "" for the end). */
static struct xval parse_tuple(struct parser *ps, struct xval first, const char *closer){
  struct trec_buf out = TREC_BUF_INIT, items = TREC_BUF_INIT;
  struct trec_value check;
  struct xval r = { NULL, NULL }, x;
  uint64_t n = 1;
  trec_buf_put(&items, first.p, (size_t)(first.e - first.p));
  while( accept(ps, ",") ){
    skip_ws(ps);
    if( *closer ? *ps->pos==*closer : *ps->pos==0 ) break;
    x = parse_or(ps);
    if( ps->rc ) goto out;
    trec_buf_put(&items, x.p, (size_t)(x.e - x.p));
    n++;
  }
  if( ps->check_only ){ r = first; goto out; }
  trec_venc_container(&out, TREC_V_TUPLE, 0, n, n);
  trec_buf_put(&out, items.data, items.len);
  out.oom |= items.oom;
  if( !out.oom && trec_value_read(out.data, out.data + out.len, &check) ){
    perr(ps, TREC_ERR_INVALID, "ValueError: the tuple is nested too deeply to show%.*s", "", 0);
    goto out;
  }
  r = arena_put(ps, &out);
out:
  trec_buf_release(&items);
  trec_buf_release(&out);
  return r;
}

/* After '[': a key, or a slice's bounds (start:stop:step, each optional). */
static struct xval parse_subscript(struct parser *ps, struct xval x){
  struct xval b[3] = { { NULL, NULL }, { NULL, NULL }, { NULL, NULL } };
  struct xval none = { NULL, NULL };
  int slice = 0;
  skip_ws(ps);
  if( *ps->pos!=':' ){
    b[0] = parse_or(ps);
    if( ps->rc ) return none;
  }
  for(int k=1; k<3 && accept(ps, ":"); k++){
    slice = 1;
    skip_ws(ps);
    if( *ps->pos!=']' && *ps->pos!=':' ){
      b[k] = parse_or(ps);
      if( ps->rc ) return none;
    }
  }
  if( !accept(ps, "]") ){
    perr(ps, TREC_ERR_INVALID, "SyntaxError: '[' was never closed%.*s", "", 0);
    return none;
  }
  return slice ? op_slice(ps, x, b) : resolve_ref(ps, op_getitem(ps, x, b[0]));
}

/* x.name(args): the methods of builtin values that methods.c answers. */
static struct xval parse_method(struct parser *ps, struct xval x, const char *name,
                                size_t n){
  struct xval r = { NULL, NULL }, arg[MAX_ARGS];
  struct trec_value self, v[MAX_ARGS];
  struct trec_buf out = TREC_BUF_INIT;
  size_t nargs;
  int rc;
  if( parse_args(ps, name, n, arg, &nargs) ) return r;
  if( ps->check_only ) return x;
  if( decode_content(ps, x, &self) ) return r;
  for(size_t i=0; i<nargs; i++) if( decode_content(ps, arg[i], &v[i]) ) return r;
  rc = replay_method(ps->rp, &self, name, n, v, nargs, &out);
  if( rc ) ps->rc = rc;
  else r = arena_put(ps, &out);
  trec_buf_release(&out);
  return r;
}

static struct xval parse_postfix(struct parser *ps){
  struct xval x = parse_atom(ps);
  while( ps->rc==0 ){
    skip_ws(ps);
    if( *ps->pos=='.' && is_ident_start((unsigned char)ps->pos[1]) ){
      const char *name = ++ps->pos;
      size_t n = word_len(name);
      ps->pos += n;
      skip_ws(ps);
      x = *ps->pos=='(' ? parse_method(ps, x, name, n)
                        : resolve_ref(ps, op_getattr(ps, x, name, n));
    }else if( accept(ps, "[") ){
      x = parse_subscript(ps, x);
    }else if( *ps->pos=='(' ){
      perr(ps, TREC_ERR_INVALID, "%.*scalls cannot be evaluated (but len(), type(), "
           "vars(), abs(), min(), max(), sum(), round(), int(), float(), bool() and some "
           "methods of builtins): replay never runs the program's code", "", 0);
    }else{
      break;
    }
  }
  return x;
}

/* One level deeper: 0 (the caller puts the level back when done), or 1
** with the error set. */
static int nest(struct parser *ps){
  char num[16];
  if( ++ps->depth<=EXPR_MAX_NEST ) return 0;
  ps->depth--;
  snprintf(num, sizeof(num), "%d", EXPR_MAX_NEST);
  perr(ps, TREC_ERR_INVALID, "SyntaxError: too many nested parentheses or "
       "operators (at most %.*s)", num, strlen(num));
  return 1;
}

/* a OP b for the operators of arith.c, on the builtins' content as
** xequal() compares it (an IntEnum adds as its int). */
static struct xval apply_binop(struct parser *ps, enum rop op, struct xval a, struct xval b){
  struct xval r = { NULL, NULL };
  struct trec_value va, vb;
  struct trec_buf out = TREC_BUF_INIT;
  int rc;
  if( ps->rc || ps->check_only ) return a;
  if( decode_content(ps, a, &va) || decode_content(ps, b, &vb) ) return r;
  rc = replay_binop(ps->rp, op, &va, &vb, &out);
  if( rc ) ps->rc = rc;
  else r = arena_put(ps, &out);
  trec_buf_release(&out);
  return r;
}

static struct xval apply_unop(struct parser *ps, enum rop op, struct xval a){
  struct xval r = { NULL, NULL };
  struct trec_value v;
  struct trec_buf out = TREC_BUF_INIT;
  int rc;
  if( ps->rc || ps->check_only ) return a;
  if( decode_content(ps, a, &v) ) return r;
  rc = replay_unop(ps->rp, op, &v, &out);
  if( rc ) ps->rc = rc;
  else r = arena_put(ps, &out);
  trec_buf_release(&out);
  return r;
}

static struct xval parse_unary(struct parser *ps);

/* ** binds tighter than a unary operator on its left (-2**2 is -4) and
** takes one on its right (2**-1). */
static struct xval parse_power(struct parser *ps){
  struct xval x = parse_postfix(ps), y;
  if( ps->rc || !accept(ps, "**") ) return x;
  if( nest(ps) ) return x;
  y = parse_unary(ps);
  ps->depth--;
  return apply_binop(ps, ROP_POW, x, y);
}

static struct xval parse_unary(struct parser *ps){
  enum rop op;
  struct xval x = { NULL, NULL };
  if( accept(ps, "-") ) op = ROP_NEG;
  else if( accept(ps, "+") ) op = ROP_POS;
  else if( accept(ps, "~") ) op = ROP_INVERT;
  else return parse_power(ps);
  if( nest(ps) ) return x;
  x = parse_unary(ps);
  ps->depth--;
  return apply_unop(ps, op, x);
}

/* The binary operators between the comparisons and the unary ones, by
** Python's precedence: a level's operands are the next level's. Longer
** tokens come first where one starts another. */
static const struct binop { const char *tok; enum rop op; int level; } binops[] = {
  { "|", ROP_OR, 0 }, { "^", ROP_XOR, 1 }, { "&", ROP_AND, 2 },
  { "<<", ROP_LSHIFT, 3 }, { ">>", ROP_RSHIFT, 3 },
  { "+", ROP_ADD, 4 }, { "-", ROP_SUB, 4 },
  { "//", ROP_FLOORDIV, 5 }, { "/", ROP_DIV, 5 }, { "*", ROP_MUL, 5 },
  { "%", ROP_MOD, 5 }
};
#define BIN_LEVELS 6

static struct xval parse_binary(struct parser *ps, int level){
  struct xval x = level+1<BIN_LEVELS ? parse_binary(ps, level+1) : parse_unary(ps);
  while( ps->rc==0 ){
    const struct binop *hit = NULL;
    struct xval y;
    for(size_t i=0; i<sizeof(binops)/sizeof(binops[0]) && !hit; i++){
      if( binops[i].level==level && accept(ps, binops[i].tok) ) hit = &binops[i];
    }
    if( hit==NULL ) break;
    y = level+1<BIN_LEVELS ? parse_binary(ps, level+1) : parse_unary(ps);
    if( ps->rc ) break;
    x = apply_binop(ps, hit->op, x, y);
  }
  return x;
}

/* Python == (replay_equal, which compares subclasses of builtins by their
** content and Enum members by identity). */
static int xequal(struct parser *ps, struct xval a, struct xval b, int *eq){
  struct trec_value va, vb;
  int rc;
  if( decode(ps, a, &va) || decode(ps, b, &vb) ) return ps->rc;
  if( (rc = replay_equal(ps->rp, &va, &vb, 0, eq))!=TREC_OK ) ps->rc = rc;
  return rc;
}

static int xcontains(struct parser *ps, struct xval item, struct xval cont, int *in){
  struct trec_value vc, vi, raw;
  if( decode_content(ps, cont, &vc) || decode_content(ps, item, &vi) || decode(ps, item, &raw) )
    return ps->rc;
  *in = 0;
  if( vc.tag==TREC_V_STR || vc.tag==TREC_V_BYTES ){
    if( vi.tag!=vc.tag ){
      return perr(ps, TREC_ERR_TYPE, "TypeError: 'in <%.*s>' requires a string as left operand",
                  vc.tag==TREC_V_STR ? "str" : "bytes", vc.tag==TREC_V_STR ? 3 : 5);
    }
    /* A cut needle may match its kept prefix where the whole does not. */
    if( replay_value_cut(&vi) ) return ps->rc = replay_err_cut(ps->rp, "", &vi, "");
    if( vi.data_len==0 ){ *in = 1; return TREC_OK; }
    for(size_t i=0; i+vi.data_len<=vc.data_len; i++){
      if( !memcmp(vc.data+i, vi.data, vi.data_len) ){ *in = 1; break; }
    }
    if( !*in && replay_value_cut(&vc) ) goto in_the_rest;
    return TREC_OK;
  }
  if( vc.tag>=TREC_V_TUPLE && vc.tag<=TREC_V_DICT ){
    struct replay_why why = { REPLAY_WHY_NONE, { 0 } };
    struct trec_value val;
    int r;
    if( (vc.tag==TREC_V_DICT || vc.tag==TREC_V_SET || vc.tag==TREC_V_FROZENSET)
        && unhashable(ps, &vi) ) return ps->rc;
    r = replay_find(&vc, &raw, &val, &why);
    if( r==REPLAY_EQ_UNKNOWN ){
      if( why.kind==REPLAY_WHY_CUT && replay_value_cut(&vc) ) goto in_the_rest;
      return ps->rc = replay_err_why(ps->rp, &why);
    }
    *in = r==REPLAY_EQ_YES;
    return TREC_OK;
  }
  {
    size_t tl;
    const char *tn = trec_value_typename(&vc, &tl);
    return perr(ps, TREC_ERR_TYPE, "TypeError: argument of type '%.*s' is not iterable", tn, tl);
  }
in_the_rest:
  /* not in the kept part of a cut container: the rest may hold it */
  return ps->rc = replay_err_cut(ps->rp, "", &vc, ", and the answer lies in the rest");
}

enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOTIN, OP_IS, OP_ISNOT };

static int parse_cmpop(struct parser *ps){
  const char *save;
  if( accept(ps, "==") ) return OP_EQ;
  if( accept(ps, "!=") ) return OP_NE;
  if( accept(ps, "<=") ) return OP_LE;
  if( accept(ps, ">=") ) return OP_GE;
  if( accept(ps, "<") ) return OP_LT;
  if( accept(ps, ">") ) return OP_GT;
  if( accept_word(ps, "in") ) return OP_IN;
  save = ps->pos;
  if( accept_word(ps, "not") ){
    if( accept_word(ps, "in") ) return OP_NOTIN;
    ps->pos = save;
    return -1;
  }
  if( accept_word(ps, "is") ){
    if( accept_word(ps, "not") ) return OP_ISNOT;
    return OP_IS;
  }
  return -1;
}

static int compare(struct parser *ps, int op, struct xval a, struct xval b, int *res){
  struct trec_value va, vb;
  int cmp = 0, rc;
  switch( op ){
    case OP_EQ: case OP_NE:
      if( xequal(ps, a, b, res) ) return ps->rc;
      if( op==OP_NE ) *res = !*res;
      return TREC_OK;
    case OP_IN: case OP_NOTIN:
      if( xcontains(ps, a, b, res) ) return ps->rc;
      if( op==OP_NOTIN ) *res = !*res;
      return TREC_OK;
    case OP_IS: case OP_ISNOT:
      if( decode(ps, a, &va) || decode(ps, b, &vb) ) return ps->rc;
      if( (ps->rc = replay_is(ps->rp, &va, &vb, res))!=TREC_OK ) return ps->rc;
      if( op==OP_ISNOT ) *res = !*res;
      return TREC_OK;
    default:
      break;
  }
  if( decode(ps, a, &va) || decode(ps, b, &vb) ) return ps->rc;
  if( (rc = replay_order(ps->rp, op==OP_LT ? "<" : op==OP_LE ? "<=" : op==OP_GT ? ">" : ">=",
                         &va, &vb, &cmp))!=TREC_OK )
    return ps->rc = rc;
  switch( op ){
    case OP_LT: *res = cmp<0; break;
    case OP_LE: *res = cmp<=0; break;
    case OP_GT: *res = cmp>0; break;
    default:    *res = cmp>=0; break;
  }
  return TREC_OK;
}

/* The items fn() iterates over in x (a container's, a dict's keys, a
** str's or bytes' characters) into *items, malloc'd for the caller to
** free; an error when the recording did not keep them all. */
static int iter_items(struct parser *ps, const char *fn, struct xval x,
                      struct xval **items, size_t *n){
  struct trec_value v;
  const unsigned char *q;
  size_t k = 0;
  char msg[200];
  *items = NULL;
  *n = 0;
  if( decode_content(ps, x, &v) ) return ps->rc;
  if( v.tag==TREC_V_STR || v.tag==TREC_V_BYTES ){
    if( replay_value_cut(&v) ) goto cut;
    /* every character's value in one arena block: ends[k] is where the
    ** k-th ends in it */
    struct trec_buf all = TREC_BUF_INIT;
    size_t *ends = malloc((v.data_len ? v.data_len : 1)*sizeof(*ends));
    struct xval block;
    *items = malloc((v.data_len ? v.data_len : 1)*sizeof(**items));
    if( *items==NULL || ends==NULL ){
      free(ends);
      return perr(ps, TREC_ERR_NOMEM, "%.*sout of memory", "", 0);
    }
    for(size_t i=0; i<v.data_len; ){
      uint32_t cp;
      size_t len = v.tag==TREC_V_STR ? trec_value_utf8_decode(v.data+i, v.data+v.data_len, &cp) : 1;
      if( len==0 ){
        free(ends);
        trec_buf_release(&all);
        return perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded value", "", 0);
      }
      if( v.tag==TREC_V_STR ) trec_venc_str(&all, (const char *)v.data+i, len, 1);
      else trec_venc_int(&all, v.data[i]);
      ends[k++] = all.len;
      i += len;
    }
    block = arena_put(ps, &all);
    trec_buf_release(&all);
    for(size_t j=0; j<k && ps->rc==0; j++){
      (*items)[j].p = block.p + (j ? ends[j-1] : 0);
      (*items)[j].e = block.p + ends[j];
    }
    free(ends);
    *n = k;
    return ps->rc;
  }
  if( v.tag<TREC_V_TUPLE || v.tag>TREC_V_DICT ){
    if( v.tag==TREC_V_TRUNC ){
      size_t tl;
      const char *tn = trec_value_typename(&v, &tl);
      snprintf(msg, sizeof(msg), "ValueError: %s(): the items of this %.*s were not "
               "recorded (--max-depth)", fn, (int)(tl>100 ? 100 : tl), tn);
      return perr(ps, TREC_ERR_LIMIT, "%.*s", msg, strlen(msg));
    }
    if( v.tag==TREC_V_OBJECT ) type_error(ps, "TypeError: a recorded '%.*s' object "
                                          "cannot be iterated (replay never runs its __iter__)", &v);
    else type_error(ps, "TypeError: '%.*s' object is not iterable", &v);
    return ps->rc;
  }
  if( replay_value_cut(&v) ) goto cut;
  *items = malloc((v.n ? v.n : 1)*sizeof(**items));
  if( *items==NULL ) return perr(ps, TREC_ERR_NOMEM, "%.*sout of memory", "", 0);
  q = v.items;
  for(uint64_t i=0; i<v.n*(v.tag==TREC_V_DICT ? 2 : 1); i++){
    struct trec_value it;
    if( trec_value_read(q, v.end, &it) ){
      return perr(ps, TREC_ERR_CORRUPT, "%.*scorrupt recorded value", "", 0);
    }
    if( v.tag!=TREC_V_DICT || i%2==0 ){
      (*items)[k].p = q;
      (*items)[k++].e = it.end;
    }
    q = it.end;
  }
  *n = k;
  return TREC_OK;
cut:
  snprintf(msg, sizeof(msg), "%s(): ", fn);
  return ps->rc = replay_err_cut(ps->rp, msg, &v, "");
}

/* min() and max(): of one iterable's items or of the arguments, the first
** of the smallest or largest, by the comparisons of `<` and `>`. */
static struct xval op_minmax(struct parser *ps, int is_max, const struct xval *arg,
                             size_t n){
  struct xval r = { NULL, NULL }, *items = NULL;
  const struct xval *from = arg;
  const char *fn = is_max ? "max" : "min";
  if( n==1 ){
    if( iter_items(ps, fn, arg[0], &items, &n) ) goto out;
    from = items;
    if( n==0 ){
      char msg[64];
      snprintf(msg, sizeof(msg), replay_python_at_least(ps->rp, 3, 12)
               ? "ValueError: %s() iterable argument is empty"
               : "ValueError: %s() arg is an empty sequence", fn);
      perr(ps, TREC_ERR_RANGE, "%.*s", msg, strlen(msg));
      goto out;
    }
  }
  r = from[0];
  for(size_t i=1; i<n; i++){
    int better = 0;
    if( compare(ps, is_max ? OP_GT : OP_LT, from[i], r, &better) ){
      r.p = r.e = NULL;
      goto out;
    }
    if( better ) r = from[i];
  }
out:
  free(items);
  return r;
}

/* An int item as sum()'s fast paths take it: an int or bool (a subclass
** of int too, when subclasses is set) that fits 64 bits. */
static int fast_int(struct parser *ps, struct xval x, int subclasses, int64_t *v){
  struct trec_value d;
  if( decode(ps, x, &d) ) return 0;
  if( d.tag==TREC_V_TYPED && subclasses && trec_value_content(&d, &d) ) return 0;
  if( d.tag==TREC_V_INT ){ *v = d.i; return 1; }
  if( d.tag==TREC_V_TRUE || d.tag==TREC_V_FALSE ){ *v = d.tag==TREC_V_TRUE; return 1; }
  return 0;
}

/* sum() of Python 3.12 and later, which adds floats with Neumaier's
** compensation (sum([0.1] * 10) is 1.0 there): its int fast path while
** the total is an int of 64 bits, then its float path while the total is
** a float (ints added uncompensated), then + for the rest. Items from
** *i on; the total in *acc. */
static void sum_compensated(struct parser *ps, struct xval *acc, const struct xval *items,
                            size_t k, size_t *i){
  struct trec_value a;
  int64_t x;
  if( decode(ps, *acc, &a) ) return;
  if( a.tag==TREC_V_INT ){
    int64_t total = a.i;
    for(; *i<k; (*i)++){
      if( !fast_int(ps, items[*i], 0, &x) || __builtin_add_overflow(total, x, &x) ) break;
      total = x;
    }
    *acc = make_number(ps, 0, total, 0.0);
    if( *i==k || ps->rc ) return;
    *acc = apply_binop(ps, ROP_ADD, *acc, items[(*i)++]);
    if( ps->rc || decode(ps, *acc, &a) ) return;
  }
  if( a.tag==TREC_V_FLOAT ){
    double f = a.f, c = 0.0;
    for(; *i<k; (*i)++){
      struct trec_value d;
      if( decode(ps, items[*i], &d) ) return;
      if( d.tag==TREC_V_FLOAT ){
        double t = f + d.f;
        c += fabs(f)>=fabs(d.f) ? (f - t) + d.f : (d.f - t) + f;
        f = t;
      }else if( fast_int(ps, items[*i], 1, &x) ){
        f += (double)x;
      }else{
        break;
      }
    }
    /* the compensation keeps -0.0 and does not turn inf into nan */
    if( c!=0.0 && isfinite(c) ) f += c;
    *acc = make_number(ps, 1, 0, f);
    if( *i<k && ps->rc==0 ) *acc = apply_binop(ps, ROP_ADD, *acc, items[(*i)++]);
  }
}

/* sum(): start (0) plus each item in turn, by arith.c's +, as Python's
** sum() adds before 3.12 and from 3.12 on as sum_compensated(). */
static struct xval op_sum(struct parser *ps, const struct xval *arg, size_t n){
  struct xval acc = { NULL, NULL }, *items = NULL;
  size_t k, i = 0;
  if( n==2 ){
    struct trec_value s;
    if( decode_content(ps, arg[1], &s) ) return acc;
    if( s.tag==TREC_V_STR || s.tag==TREC_V_BYTES ){
      const char *msg = s.tag==TREC_V_STR
        ? "TypeError: sum() can't sum strings [use ''.join(seq) instead]"
        : "TypeError: sum() can't sum bytes [use b''.join(seq) instead]";
      perr(ps, TREC_ERR_TYPE, "%.*s", msg, strlen(msg));
      return acc;
    }
    acc = arg[1];
  }else{
    acc = make_number(ps, 0, 0, 0.0);
    if( ps->rc ) return acc;
  }
  if( iter_items(ps, "sum", arg[0], &items, &k) ) goto out;
  if( replay_python_at_least(ps->rp, 3, 12) ) sum_compensated(ps, &acc, items, k, &i);
  for(; i<k && ps->rc==0; i++) acc = apply_binop(ps, ROP_ADD, acc, items[i]);
out:
  free(items);
  return acc;
}

static struct xval parse_cmp(struct parser *ps){
  struct xval left = parse_binary(ps, 0), result = { NULL, NULL };
  int all = 1, any_op = 0;
  while( ps->rc==0 ){
    int op = parse_cmpop(ps), r = 0;
    struct xval right;
    if( op<0 ) break;
    any_op = 1;
    right = parse_binary(ps, 0);
    if( ps->rc ) break;
    if( !ps->check_only && all ){
      if( compare(ps, op, left, right, &r) ) break;
      if( !r ) all = 0;
    }
    left = right;
  }
  if( !any_op || ps->rc ) return left;
  result = make_bool(ps, all);
  return result;
}

static struct xval parse_not(struct parser *ps){
  if( accept_word(ps, "not") ){
    struct xval x = { NULL, NULL };
    int t = 0;
    if( nest(ps) ) return x;
    x = parse_not(ps);
    ps->depth--;
    if( ps->rc ) return x;
    if( truthy(ps, x, &t) ) return x;
    return make_bool(ps, !t);
  }
  return parse_cmp(ps);
}

/* and/or return an operand, as Python does; the right side is still
** parsed (for syntax) but not evaluated when it is short-circuited. */
static struct xval parse_and(struct parser *ps){
  struct xval x = parse_not(ps);
  while( ps->rc==0 && accept_word(ps, "and") ){
    int t = 0, save = ps->check_only;
    struct xval y;
    if( truthy(ps, x, &t) ) break;
    if( !t ) ps->check_only = 1;
    y = parse_not(ps);
    ps->check_only = save;
    if( t ) x = y;
  }
  return x;
}

static struct xval parse_or(struct parser *ps){
  struct xval x = { NULL, NULL };
  if( nest(ps) ) return x;
  x = parse_and(ps);
  while( ps->rc==0 && accept_word(ps, "or") ){
    int t = 0, save = ps->check_only;
    struct xval y;
    if( truthy(ps, x, &t) ) break;
    if( t ) ps->check_only = 1;
    y = parse_and(ps);
    ps->check_only = save;
    if( !t ) x = y;
  }
  ps->depth--;
  return x;
}

static void parser_free(struct parser *ps){
  while( ps->arena ){
    struct ablock *n = ps->arena->next;
    free(ps->arena);
    ps->arena = n;
  }
}

static int run(struct parser *ps, struct trec_buf *out){
  struct xval x = parse_or(ps);
  if( ps->rc==0 ){
    skip_ws(ps);
    if( *ps->pos==',' ) x = parse_tuple(ps, x, "");
  }
  if( ps->rc==0 ){
    skip_ws(ps);
    if( *ps->pos ){
      perr(ps, TREC_ERR_INVALID, "SyntaxError: cannot evaluate '%.*s' over a recording "
           "(names, literals, .attr, [key], [i:j], tuples, arithmetic, comparisons, and/or/not)", ps->pos, strlen(ps->pos));
    }
  }
  if( ps->rc==0 && out ){
    trec_buf_reset(out);
    trec_buf_put(out, x.p, (size_t)(x.e - x.p));
    if( out->oom ) perr(ps, TREC_ERR_NOMEM, "%.*sout of memory", "", 0);
  }
  parser_free(ps);
  return ps->rc;
}

int replay_eval_in(trec_replay *rp, const struct rstack *s, size_t level,
                   const char *expr, struct trec_buf *out){
  struct parser ps;
  memset(&ps, 0, sizeof(ps));
  ps.rp = rp;
  ps.s = s;
  ps.level = level;
  ps.src = ps.pos = expr;
  return run(&ps, out);
}

int replay_expr_check(trec_replay *rp, const char *expr){
  struct parser ps;
  memset(&ps, 0, sizeof(ps));
  ps.rp = rp;
  ps.src = ps.pos = expr;
  ps.check_only = 1;
  return run(&ps, NULL);
}

/* Apply the path at ps->pos (.attr and [key] items) to x; with
** ps->check_only, only its syntax is checked. Anything after the path is
** an error: a watch follows a variable's value, not an expression. */
static struct xval walk_path(struct parser *ps, struct xval x){
  while( ps->rc==0 ){
    skip_ws(ps);
    if( *ps->pos=='.' ){
      size_t n;
      ps->pos++;
      skip_ws(ps);
      n = word_len(ps->pos);
      if( n==0 ){
        perr(ps, TREC_ERR_INVALID, "SyntaxError: invalid syntax at '%.*s'", ps->pos, strlen(ps->pos));
        break;
      }
      x = resolve_ref(ps, op_getattr(ps, x, ps->pos, n));
      ps->pos += n;
    }else if( accept(ps, "[") ){
      struct xval key = parse_or(ps);
      if( ps->rc ) break;
      if( !accept(ps, "]") ){ perr(ps, TREC_ERR_INVALID, "SyntaxError: '[' was never closed%.*s", "", 0); break; }
      x = resolve_ref(ps, op_getitem(ps, x, key));
    }else{
      if( *ps->pos ){
        perr(ps, TREC_ERR_INVALID, "watch takes NAME, NAME.attr or NAME[key], not "
             "'%.*s' (a condition goes on a breakpoint: break LOCATION, COND)",
             ps->src, strlen(ps->src));
      }
      break;
    }
  }
  return x;
}

int replay_path_check(trec_replay *rp, const char *expr, size_t name_len){
  struct parser ps;
  struct xval x = { NULL, NULL };
  memset(&ps, 0, sizeof(ps));
  ps.rp = rp;
  ps.src = expr;
  ps.pos = expr + name_len;
  ps.check_only = 1;
  walk_path(&ps, x);
  parser_free(&ps);
  return ps.rc;
}

int replay_eval_path(trec_replay *rp, const unsigned char *p,
                     const unsigned char *e, const char *path,
                     struct trec_buf *out, int *absent){
  struct parser ps;
  struct xval x = { p, e };
  memset(&ps, 0, sizeof(ps));
  ps.rp = rp;
  ps.src = ps.pos = path;
  ps.roots[ps.n_roots++] = x;
  *absent = 0;
  x = walk_path(&ps, x);
  if( ps.rc==TREC_ERR_NOTFOUND || ps.rc==TREC_ERR_TYPE ){
    *absent = 1;
    ps.rc = 0;
  }else if( ps.rc==0 ){
    trec_buf_reset(out);
    trec_buf_put(out, x.p, (size_t)(x.e - x.p));
  }
  parser_free(&ps);
  return ps.rc;
}

int trec_replay_eval(trec_replay *rp, size_t level, const char *expr,
                     struct trec_buf *out){
  if( rp->empty || level>=rp->cur.n ){
    return replay_err(rp, TREC_ERR_RANGE, "no frame at level %zu", level);
  }
  return replay_eval_in(rp, &rp->cur, level, expr, out);
}
