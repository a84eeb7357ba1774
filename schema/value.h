/*
** value.h: the tagged binary encoding of Python values (doc/FORMAT.md,
** "Values"), the encoders the recorder calls, and the decoder, navigator and
** renderer everything else uses.
**
** A value is one tag byte followed by tag-specific fields. Containers carry
** the original item count ("total") and the number actually stored ("n"), so
** a reader can tell a value cut short by the recorder's bounds from a whole
** one. Containers and objects carry the object's identity (CPython's id())
** so aliasing is visible and cycles are encoded as REF.
**
** Encoders append to a struct trec_buf and are inline: the recorder calls
** them for every changed value on its hot path. Decoders validate every
** length against the end of the input and never read past it.
*/
#ifndef TREC_VALUE_H
#define TREC_VALUE_H

#include "buf.h"

enum trec_vtag {
  TREC_V_NONE      = 0x00,  /* None */
  TREC_V_FALSE     = 0x01,  /* False */
  TREC_V_TRUE      = 0x02,  /* True */
  TREC_V_INT       = 0x03,  /* svarint: an int that fits int64 */
  TREC_V_BIGINT    = 0x04,  /* u8 sign (0 +, 1 -), varint nbytes, magnitude LE */
  TREC_V_FLOAT     = 0x05,  /* 8 bytes IEEE 754 binary64, little-endian */
  TREC_V_STR       = 0x06,  /* varint total code points, varint nbytes, UTF-8 */
  TREC_V_BYTES     = 0x07,  /* varint total length, varint nbytes, bytes */
  TREC_V_TUPLE     = 0x08,  /* varint id, varint total, varint n, n values */
  TREC_V_LIST      = 0x09,  /* same layout as TUPLE */
  TREC_V_SET       = 0x0a,  /* same layout as TUPLE */
  TREC_V_FROZENSET = 0x0b,  /* same layout as TUPLE */
  TREC_V_DICT      = 0x0c,  /* varint id, varint total, varint n, n (key, value) */
  TREC_V_OBJECT    = 0x0d,  /* varint id, name type, varint total, varint n,
                               n (name field, value) */
  TREC_V_REF       = 0x0e,  /* varint id, u8 tag of the referent */
  TREC_V_TRUNC     = 0x0f,  /* u8 tag it would have had, varint id, name type,
                               varint total */
  TREC_V_REPR      = 0x10,  /* name type, name text: repr() text as recorded */
  TREC_V_UNBOUND   = 0x11,  /* the variable has no value (deleted, unset) */
  TREC_V_REDACTED  = 0x12,  /* name type: value withheld by redaction */
  TREC_V_EXC       = 0x13,  /* varint id, name type, then a TUPLE of args */
  TREC_V_TYPED     = 0x14,  /* name type, u8 form, value content, varint
                               total, varint n, n (name field, value) */
  TREC_V_MAXTAG    = 0x14
};

/* How Python prints a TYPED value (doc/FORMAT.md 8): the low bits are
** the shape, the high bits adjust it. The recorder picks the form from the
** class whose __repr__ the type inherits. */
enum trec_vform {
  TREC_FORM_BASE    = 0,    /* as its content: repr inherited from a builtin */
  TREC_FORM_CALL    = 1,    /* Name(content) */
  TREC_FORM_FACTORY = 2,    /* Name(field 0, content): defaultdict */
  TREC_FORM_NAMED   = 3,    /* Name(f1=v1, ...) from the fields: namedtuple */
  TREC_FORM_ENUM    = 4,    /* <Name._name_: content>: enum members */
  TREC_FORM_SHAPE   = 0x07,
  TREC_FORM_EMPTY_BARE = 0x08,  /* CALL: Name() when the content is empty */
  TREC_FORM_ITEMS   = 0x10,     /* CALL: a dict as a list of (key, value) */
  TREC_FORM_BY_VALUE = 0x20,    /* CALL: dict items by value, largest first */
  TREC_FORM_KEYWORD = 0x40,     /* CALL: field 0 after the content as
                                   name=value, unless None: deque's maxlen */
  TREC_FORM_MASK    = 0x7f
};

/* A "name" field is varint nbytes + UTF-8, used for type names and object
** field names. Type names are "module.QualName", or the bare name for
** builtins ("int", "ValueError"). */

/* ---- Encoders (recorder side) ---- */

static inline void trec_venc_tag(struct trec_buf *b, enum trec_vtag t){
  trec_buf_put_u8(b, (unsigned)t);
}
static inline void trec_venc_name(struct trec_buf *b, const char *s, size_t n){
  trec_buf_put_varint(b, n);
  trec_buf_put(b, s, n);
}
static inline void trec_venc_none(struct trec_buf *b){ trec_venc_tag(b, TREC_V_NONE); }
static inline void trec_venc_bool(struct trec_buf *b, int v){
  trec_venc_tag(b, v ? TREC_V_TRUE : TREC_V_FALSE);
}
static inline void trec_venc_int(struct trec_buf *b, int64_t v){
  trec_venc_tag(b, TREC_V_INT);
  trec_buf_put_svarint(b, v);
}
/* mag: magnitude, little-endian, nbytes > 0 */
static inline void trec_venc_bigint(struct trec_buf *b, int negative,
                                    const unsigned char *mag, size_t nbytes){
  trec_venc_tag(b, TREC_V_BIGINT);
  trec_buf_put_u8(b, negative ? 1 : 0);
  trec_buf_put_varint(b, nbytes);
  trec_buf_put(b, mag, nbytes);
}
static inline void trec_venc_float(struct trec_buf *b, double d){
  uint64_t u;
  memcpy(&u, &d, 8);
  trec_venc_tag(b, TREC_V_FLOAT);
  trec_buf_put_u64le(b, u);
}
/* utf8 holds the first code points of the string (all of them unless cut);
** total is the string's full length in code points. Lone surrogates are
** encoded as their 3-byte form (Python's "surrogatepass"). */
static inline void trec_venc_str(struct trec_buf *b, const char *utf8,
                                 size_t nbytes, uint64_t total){
  trec_venc_tag(b, TREC_V_STR);
  trec_buf_put_varint(b, total);
  trec_buf_put_varint(b, nbytes);
  trec_buf_put(b, utf8, nbytes);
}
static inline void trec_venc_bytes(struct trec_buf *b, const void *p,
                                   size_t nbytes, uint64_t total){
  trec_venc_tag(b, TREC_V_BYTES);
  trec_buf_put_varint(b, total);
  trec_buf_put_varint(b, nbytes);
  trec_buf_put(b, p, nbytes);
}
/* tag: TUPLE, LIST, SET, FROZENSET or DICT; n values (DICT: n pairs) follow */
static inline void trec_venc_container(struct trec_buf *b, enum trec_vtag tag,
                                       uint64_t id, uint64_t total, uint64_t n){
  trec_venc_tag(b, tag);
  trec_buf_put_varint(b, id);
  trec_buf_put_varint(b, total);
  trec_buf_put_varint(b, n);
}
/* n (field name, value) pairs follow: trec_venc_name() then a value */
static inline void trec_venc_object(struct trec_buf *b, uint64_t id,
                                    const char *type, size_t type_len,
                                    uint64_t total, uint64_t n){
  trec_venc_tag(b, TREC_V_OBJECT);
  trec_buf_put_varint(b, id);
  trec_venc_name(b, type, type_len);
  trec_buf_put_varint(b, total);
  trec_buf_put_varint(b, n);
}
static inline void trec_venc_ref(struct trec_buf *b, uint64_t id,
                                 enum trec_vtag referent){
  trec_venc_tag(b, TREC_V_REF);
  trec_buf_put_varint(b, id);
  trec_buf_put_u8(b, (unsigned)referent);
}
static inline void trec_venc_trunc(struct trec_buf *b, enum trec_vtag would_be,
                                   uint64_t id, const char *type,
                                   size_t type_len, uint64_t total){
  trec_venc_tag(b, TREC_V_TRUNC);
  trec_buf_put_u8(b, (unsigned)would_be);
  trec_buf_put_varint(b, id);
  trec_venc_name(b, type, type_len);
  trec_buf_put_varint(b, total);
}
static inline void trec_venc_repr(struct trec_buf *b, const char *type,
                                  size_t type_len, const char *text,
                                  size_t text_len){
  trec_venc_tag(b, TREC_V_REPR);
  trec_venc_name(b, type, type_len);
  trec_venc_name(b, text, text_len);
}
static inline void trec_venc_unbound(struct trec_buf *b){
  trec_venc_tag(b, TREC_V_UNBOUND);
}
static inline void trec_venc_redacted(struct trec_buf *b, const char *type,
                                      size_t type_len){
  trec_venc_tag(b, TREC_V_REDACTED);
  trec_venc_name(b, type, type_len);
}
/* form: enum trec_vform. The content value must follow (the object's
** builtin part: its dict, list, str, int ...; an enum member's OBJECT),
** then trec_venc_counts() and
** the n (field name, value) pairs. */
static inline void trec_venc_typed(struct trec_buf *b, const char *type,
                                   size_t type_len, unsigned form){
  trec_venc_tag(b, TREC_V_TYPED);
  trec_venc_name(b, type, type_len);
  trec_buf_put_u8(b, form);
}
/* a TUPLE value (the exception's args) must follow */
static inline void trec_venc_exc(struct trec_buf *b, uint64_t id,
                                 const char *type, size_t type_len){
  trec_venc_tag(b, TREC_V_EXC);
  trec_buf_put_varint(b, id);
  trec_venc_name(b, type, type_len);
}

/* ---- Decoding ---- */

/* One decoded value header. Pointers borrow from the input. */
struct trec_value {
  enum trec_vtag tag;
  int64_t i;                  /* INT */
  double f;                   /* FLOAT */
  int negative;               /* BIGINT */
  uint64_t id;                /* containers, OBJECT, REF, TRUNC, EXC; TYPED:
                                 its content's */
  enum trec_vtag sub;         /* REF: referent's tag; TRUNC: tag it would
                                 have had; TYPED: its content's tag */
  unsigned form;              /* TYPED: enum trec_vform */
  const unsigned char *data;  /* STR/BYTES: stored bytes; BIGINT: magnitude;
                                 REPR: text; TYPED: its content value */
  size_t data_len;
  const char *type;           /* OBJECT/TRUNC/REPR/REDACTED/EXC/TYPED: type name */
  size_t type_len;
  uint64_t total;             /* STR: code points; BYTES: length; containers,
                                 OBJECT, TRUNC: original count */
  uint64_t n;                 /* containers: items (DICT: pairs); OBJECT,
                                 TYPED: fields */
  const unsigned char *items; /* containers/OBJECT/TYPED: first child (TYPED:
                                 field); EXC: the args tuple */
  const unsigned char *end;   /* one past this whole value */
  const unsigned char *start; /* this value's first byte (its tag): [start,
                                 end) is the value, e.g. to decode again */
};

/*! trec_value_read() : decode the value starting at p, validating it and all
 *  its children (nesting deeper than TREC_VALUE_MAX_DEPTH levels is corrupt;
 *  so are bad UTF-8, n > total and unknown tags: doc/FORMAT.md 7.3). Bytes
 *  after the value are not looked at.
 *  @return TREC_OK, or TREC_ERR_CORRUPT when the bytes are not a value or
 *  run past end (*v is then zeroed). On success v->end points just past the
 *  value; for STR, v->n is the number of code points stored. EXC: total and
 *  n are those of its args tuple. */
#define TREC_VALUE_MAX_DEPTH 64
int trec_value_read(const unsigned char *p, const unsigned char *end,
                    struct trec_value *v);

/*! trec_value_content() : the content of a TYPED value (its builtin part:
 *  a Counter's dict, an IntEnum's int, a deque's list; a plain Enum
 *  member's OBJECT, which holds its fields), decoded into *out; any other value
 *  is copied as it is. Tools that index, compare, measure or test a value
 *  call it first, as Python's builtin methods see a subclass's content.
 *  @return TREC_OK or TREC_ERR_CORRUPT. */
int trec_value_content(const struct trec_value *v, struct trec_value *out);

/*! trec_value_typename() : the Python type name of a decoded value ("int",
 *  "list", "NoneType", or the recorded name for objects; REF: the
 *  referent's kind). Never NULL. A recorded name borrows from the input and
 *  is not NUL-terminated: read *len bytes (len may be NULL). */
const char *trec_value_typename(const struct trec_value *v, size_t *len);

enum trec_render_flags {
  TREC_RENDER_FIELDS = 1 << 0,  /* objects: append recorded fields,
                                   <m.C object at 0x.. x=1, y=2> */
  TREC_RENDER_PRETTY = 1 << 1,  /* pprint-like line breaks for wide values */
  TREC_RENDER_SORT_DICTS = 1 << 2  /* dict items sorted by key, as pprint's
                                   default sort_dicts=True (pdb's pp) */
};

/*! trec_value_render() : append the value's text to out, exactly as Python's
 *  repr() would print it for None, bool, int, float, str, bytes, tuple,
 *  list, set, frozenset, dict and exceptions; objects as
 *  <module.Class object at 0x...>; a container cut short by the recorder
 *  ends with "...". The rules are doc/FORMAT.md section 8. When max_len > 0
 *  the appended text is at most max_len bytes, the last three "..." when it
 *  was cut. The whole value is validated first.
 *  @return TREC_OK, TREC_ERR_CORRUPT (nothing appended) or TREC_ERR_NOMEM
 *  (out->oom set). */
int trec_value_render(const unsigned char *p, const unsigned char *end,
                      unsigned flags, size_t max_len, struct trec_buf *out);

/*! trec_value_format_float() : append repr(d) as Python prints it: the
 *  shortest digits that read back as d, "1e+16", "1e-05", "0.1", "-0.0",
 *  "inf", "nan". */
void trec_value_format_float(double d, struct trec_buf *out);

/*! trec_value_item() : the i-th child of a container (DICT: the i-th value;
 *  trec_value_key() gives the key), the i-th field of an OBJECT or TYPED, or the i-th
 *  argument of an EXC.
 *  @return TREC_OK, TREC_ERR_RANGE if i >= n, TREC_ERR_TYPE when v has no
 *  children, TREC_ERR_CORRUPT. */
int trec_value_item(const struct trec_value *v, uint64_t i,
                    struct trec_value *out);
int trec_value_key(const struct trec_value *v, uint64_t i,
                   struct trec_value *out);
/*! trec_value_field_name() : OBJECT or TYPED field i's name (borrowed, not
 *  NUL-ended) */
int trec_value_field_name(const struct trec_value *v, uint64_t i,
                          const char **name, size_t *len);

/*! trec_value_getattr() : the OBJECT or TYPED field called name (an EXC
 *  has "args"; a TYPED whose content is an OBJECT: the OBJECT's; an enum
 *  member also "name" and "value", its _name_ and _value_).
 *  trec_value_getitem() : a DICT item by key, matched by value as Python
 *  would (1, 1.0 and True find the same entry); a LIST or TUPLE item by an
 *  int index, negative counting from the end (only when nothing was cut).
 *  Items the recorder did not store are not found.
 *  @return TREC_OK, TREC_ERR_NOTFOUND, TREC_ERR_TYPE (not subscriptable, or
 *  a non-int index), TREC_ERR_CORRUPT. */
int trec_value_getattr(const struct trec_value *v, const char *name,
                       struct trec_value *out);
int trec_value_getitem(const struct trec_value *v, const struct trec_value *key,
                       struct trec_value *out);

/*! trec_value_type_is() : whether v's recorded type name (OBJECT, REPR,
 *  TYPED ...) is exactly name. trec_vtag_is_number() : whether a value of
 *  tag t is a number (bool, int, float). */
int trec_value_type_is(const struct trec_value *v, const char *name);
static inline int trec_vtag_is_number(enum trec_vtag t){
  return t==TREC_V_FALSE || t==TREC_V_TRUE || t==TREC_V_INT
      || t==TREC_V_BIGINT || t==TREC_V_FLOAT;
}

/*! trec_value_order_lengths() : the order of two lists or tuples whose
 *  stored items are all equal, as their lengths give it: TREC_OK with *cmp,
 *  or TREC_ERR_LIMIT when a cut part decides (*cmp as trec_value_compare()
 *  sets it then). */
int trec_value_order_lengths(const struct trec_value *a, const struct trec_value *b,
                             int *cmp);

/*! trec_value_compare() : compare two decoded values as Python would for
 *  ==, <, <= ... on numbers (ints of any size, floats and bools compare
 *  exactly by value), strings (by code point), bytes, tuples and lists
 *  (item by item). Values cut short by the recorder compare by what was
 *  stored as far as that decides.
 *  @return TREC_OK with *cmp set to -1, 0 or 1, or TREC_ERR_TYPE when the
 *  two cannot be ordered (only equality is then defined: *cmp = 0 equal,
 *  as None with None or an object, dict or set with itself by id; *cmp = 2
 *  not equal, as with a NaN or values of unrelated types), or
 *  TREC_ERR_LIMIT when they agree as far as stored and a cut part decides:
 *  *cmp = 2 when their lengths differ (so they are not equal), else 3. */
int trec_value_compare(const struct trec_value *a, const struct trec_value *b,
                       int *cmp);

/*! trec_value_utf8_decode() : decode the UTF-8 sequence at p (p < end) into *cp.
 *  Lone surrogates (U+D800..U+DFFF in their 3-byte form, as Python's
 *  "surrogatepass" writes them) are accepted; overlong forms, stray
 *  continuation bytes, truncated sequences and values above U+10FFFF are not.
 *  @return the sequence's length (1-4), or 0 when it is not valid. */
size_t trec_value_utf8_decode(const unsigned char *p,
                              const unsigned char *end, uint32_t *cp);

/*! trec_value_utf8_encode() : write code point cp (<= U+10FFFF; a lone
 *  surrogate in its 3-byte form, as trec_value_utf8_decode() reads it) at o,
 *  which has room for 4 bytes. Inline: the recorder encodes str values
 *  with it. @return the bytes written (1-4). */
static inline size_t trec_value_utf8_encode(uint32_t cp, unsigned char *o){
  if( cp<0x80 ){
    o[0] = (unsigned char)cp;
    return 1;
  }
  if( cp<0x800 ){
    o[0] = (unsigned char)(0xc0 | (cp >> 6));
    o[1] = (unsigned char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if( cp<0x10000 ){
    o[0] = (unsigned char)(0xe0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (unsigned char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (unsigned char)(0xf0 | (cp >> 18));
  o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (unsigned char)(0x80 | (cp & 0x3f));
  return 4;
}

/*! trec_value_truthy() : Python truth value of a decoded value: 1 or 0.
 *  Cut strings and containers go by their total, as do containers nested
 *  past the depth bound (TRUNC); objects, REF, REPR, REDACTED and exceptions
 *  are true (a replay refuses those whose class may say otherwise); UNBOUND
 *  is false. */
int trec_value_truthy(const struct trec_value *v);

#endif /* TREC_VALUE_H */
