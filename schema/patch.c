/*
** patch.c: PATCH payload entries (doc/FORMAT.md 6): a variable's new value
** written as a change of its previous value: runs of its bytes kept, and
** the bytes that replace the stretches between them.
**
** Why: the recorder re-encodes a container or object whole whenever
** anything inside it changes, within the bounds (depth 3, 32 items), so a
** method's `self` in an object-heavy program is hundreds of bytes at most
** events while one field changed. The writer thread has every variable's
** previous value (its keyframe state), so it stores the difference;
** readers resolve a chunk back to whole values as they load it, from the
** chunk's keyframe, and nothing past the reader ever sees a PATCH.
** An int that follows an int is stored as the difference (INT PATCH): a
** loop counter's entries are then the same bytes at every iteration.
*/
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "trace_int.h"


static size_t varint_len(uint64_t v){
  size_t n = 1;
  while( v>=0x80 ){ v >>= 7; n++; }
  return n;
}

/* How many bytes of two differing 8-byte words agree, counted from the
** word's lowest address (head) or from its highest (tail). Not defined
** where the byte order is unknown: the callers compare byte by byte. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__==__ORDER_LITTLE_ENDIAN__
#define WORD_HEAD(x) ((size_t)__builtin_ctzll(x) / 8)
#define WORD_TAIL(x) ((size_t)__builtin_clzll(x) / 8)
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__==__ORDER_BIG_ENDIAN__
#define WORD_HEAD(x) ((size_t)__builtin_clzll(x) / 8)
#define WORD_TAIL(x) ((size_t)__builtin_ctzll(x) / 8)
#endif

#ifdef __SSE2__
static inline __m128i eq16(const unsigned char *a, const unsigned char *b){
  return _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)a),
                        _mm_loadu_si128((const __m128i *)(const void *)b));
}
#endif

/* Bytes equal at the start of a and b (n = the shorter length). Values
** are hundreds of bytes that mostly agree: compared 64 and then 16 bytes
** at a time where SSE2 is there (every x86-64), else a word at a time. */
static size_t common_head(const unsigned char *a, const unsigned char *b, size_t n){
  size_t i = 0;
#ifdef __SSE2__
  /* 64 bytes per test while they agree (a value kept whole is kilobytes);
  ** the loop below finds where they differ */
  while( i + 64<=n ){
    __m128i lo = _mm_and_si128(eq16(a + i, b + i), eq16(a + i + 16, b + i + 16));
    __m128i hi = _mm_and_si128(eq16(a + i + 32, b + i + 32),
                               eq16(a + i + 48, b + i + 48));
    __m128i e = _mm_and_si128(lo, hi);
    if( _mm_movemask_epi8(e)!=0xffff ) break;
    i += 64;
  }
  while( i + 16<=n ){
    unsigned eq = (unsigned)_mm_movemask_epi8(eq16(a + i, b + i));
    if( eq!=0xffff ) return i + (size_t)__builtin_ctz(~eq);
    i += 16;
  }
#endif
  while( i + 8<=n ){
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if( x!=y ){
#ifdef WORD_HEAD
      return i + WORD_HEAD(x ^ y);
#else
      break;
#endif
    }
    i += 8;
  }
  while( i<n && a[i]==b[i] ) i++;
  return i;
}

/* Bytes equal at the ends of a (alen) and b (blen), at most n. */
static size_t common_tail(const unsigned char *a, size_t alen,
                          const unsigned char *b, size_t blen, size_t n){
  size_t i = 0;
  while( i + 8<=n ){
    uint64_t x, y;
    memcpy(&x, a + alen - i - 8, 8);
    memcpy(&y, b + blen - i - 8, 8);
    if( x!=y ){
#ifdef WORD_TAIL
      return i + WORD_TAIL(x ^ y);
#else
      break;
#endif
    }
    i += 8;
  }
  while( i<n && a[alen-1-i]==b[blen-1-i] ) i++;
  return i;
}

/* Where a and b agree again after a difference at their starts: the
** least k <= RESYNC_WINDOW with RESYNC_RUN equal bytes at k in both
** (a field's new value of the same length), or 0 if none. */
#define RESYNC_WINDOW 32
#define RESYNC_RUN 4
#define MAX_OPS 64

static size_t resync(const unsigned char *a, size_t alen,
                     const unsigned char *b, size_t blen){
  size_t last = alen < blen ? alen : blen;
  last = last > RESYNC_RUN ? last - RESYNC_RUN : 0;
  if( last > RESYNC_WINDOW ) last = RESYNC_WINDOW;
  for(size_t k=1; k<=last; k++)
    if( memcmp(a + k, b + k, RESYNC_RUN)==0 ) return k;
  return 0;
}

static void put_op(struct trec_buf *b, size_t keep, size_t skip,
                   const unsigned char *add, size_t n){
  trec_buf_put_varint(b, keep);
  trec_buf_put_varint(b, skip);
  trec_buf_put_varint(b, n);
  trec_buf_put(b, add, n);
}

int trec_patch_entry(struct trec_buf *out, struct trec_buf *scratch,
                     unsigned what, uint32_t slot, uint64_t from,
                     const unsigned char *old, size_t old_len,
                     const unsigned char *v, size_t len){
  if( old!=NULL && len>=TREC_PATCH_MIN ){
    /* ops: runs kept from old, each followed by a replaced stretch; the
    ** changes of a re-encoded object are a few same-length fields apart */
    size_t i = 0, j = 0, n_ops = 0;
    trec_buf_reset(scratch);
    for(;;){
      size_t m = old_len - i < len - j ? old_len - i : len - j;
      size_t keep = common_head(old + i, v + j, m), k;
      i += keep;
      j += keep;
      if( i==old_len && j==len ) break;   /* the rest is kept as it is */
      if( n_ops + 1<MAX_OPS
          && (k = resync(old + i, old_len - i, v + j, len - j))!=0 ){
        put_op(scratch, keep, k, v + j, k);
        n_ops++;
        i += k;
        j += k;
        continue;
      }
      m = old_len - i < len - j ? old_len - i : len - j;
      size_t tail = common_tail(old + i, old_len - i, v + j, len - j, m);
      put_op(scratch, keep, old_len - i - tail, v + j, len - j - tail);
      n_ops++;
      break;
    }
    if( !scratch->oom
        && 1 + varint_len(from) + varint_len(n_ops) + scratch->len + 8<=len ){
      trec_payload_key(out, TREC_PK_PATCH, slot);
      trec_buf_put_u8(out, (uint8_t)what);
      trec_buf_put_varint(out, from);
      trec_buf_put_varint(out, n_ops);
      trec_buf_put(out, scratch->data, scratch->len);
      return 1;
    }
  }
  return 0;
}

/* Written at once under one room check: a loop counter takes one at
** nearly every event. */
int trec_patch_int(struct trec_buf *out, uint32_t slot, int64_t old, int64_t v){
  int64_t d;
  if( __builtin_sub_overflow(v, old, &d) ) return 0;
  if( trec_buf_room(out, 22) ) return 1;
  unsigned char *p = out->data + out->len;
  p += trec_varint_write(p, ((uint64_t)slot << 2) | TREC_PK_PATCH);
  *p++ = TREC_PATCH_INT;
  *p++ = 0;
  p += trec_varint_write(p, trec_zigzag(d));
  out->len = (size_t)(p - out->data);
  return 1;
}

/* ---- readers: a chunk's payloads resolved ---- */

struct rslot { uint32_t off, len; };          /* a value in the arena */
struct rframe {
  uint64_t frame;
  struct rslot *slot;                         /* Owned */
  uint32_t n, cap;
};

struct rstack {
  struct rframe *f;                           /* Owned */
  size_t len, cap;
};

/* Every value of the chunk so far, keyframe first, in order: what a
** back PATCH counts through. */
struct rvals {
  struct rslot *v;                            /* Owned */
  size_t n, cap;
};

static int rvals_add(struct rvals *l, size_t off, size_t len){
  if( l->n==l->cap ){
    size_t cap = l->cap ? 2*l->cap : 256;
    struct rslot *p = realloc(l->v, cap * sizeof *p);
    if( !p ) return TREC_ERR_NOMEM;
    l->v = p;
    l->cap = cap;
  }
  l->v[l->n].off = (uint32_t)off;
  l->v[l->n++].len = (uint32_t)len;
  return TREC_OK;
}

static void rstack_release(struct rstack *s){
  for(size_t i=0; i<s->cap; i++) free(s->f[i].slot);
  free(s->f);
}

/* Entry d (0-based) of the stack, started afresh for frame when asked. */
static struct rframe *rstack_at(struct rstack *s, size_t d, uint64_t frame,
                                int fresh){
  if( d>=s->cap ){
    size_t cap = s->cap ? s->cap : 16;
    while( cap<=d ) cap *= 2;
    struct rframe *p = realloc(s->f, cap * sizeof *p);
    if( !p ) return NULL;
    memset(p + s->cap, 0, (cap - s->cap) * sizeof *p);
    s->f = p;
    s->cap = cap;
  }
  struct rframe *f = &s->f[d];
  if( fresh || d>=s->len || f->frame!=frame ){
    f->frame = frame;
    if( f->n ) memset(f->slot, 0, f->n * sizeof *f->slot);
  }
  s->len = d + 1;
  return f;
}

static int rframe_set(struct rframe *f, uint32_t slot, uint32_t off, uint32_t len){
  if( slot>=f->cap ){
    uint32_t cap = f->cap ? f->cap : 8;
    while( cap<=slot ){
      if( cap>UINT32_MAX/2 ) return TREC_ERR_LIMIT;
      cap *= 2;
    }
    struct rslot *p = realloc(f->slot, (size_t)cap * sizeof *p);
    if( !p ) return TREC_ERR_NOMEM;
    memset(p + f->cap, 0, (size_t)(cap - f->cap) * sizeof *p);
    f->slot = p;
    f->cap = cap;
  }
  if( slot>=f->n ) f->n = slot + 1;
  f->slot[slot].off = off;
  f->slot[slot].len = len;
  return TREC_OK;
}

/* The value a PATCH starts from (FORMAT.md 6): back, the from-th latest
** of the chunk's values; else `from` 0 is the variable's own, 1 + 2s slot
** s of its frame f, 2 + 2s slot s of the frame below. */
static int patch_base(const struct trec_entry *e, const struct rframe *f,
                      const struct rframe *below, const struct rvals *vals,
                      struct rslot *out){
  if( e->back ){
    if( e->from>vals->n ) return TREC_ERR_CORRUPT;
    *out = vals->v[vals->n - e->from];
    return TREC_OK;
  }
  const struct rframe *in = e->from==0 ? f : (e->from & 1) ? f : below;
  uint64_t slot = e->from==0 ? e->slot : (e->from - 1) / 2;
  if( in==NULL || slot>=in->n || in->slot[slot].len==0 ) return TREC_ERR_CORRUPT;
  *out = in->slot[slot];
  return TREC_OK;
}

/* Append the entries of p..end to the arena as whole values, updating f
** and adding each to vals; below: the frame under f, or NULL. */
static int resolve_entries(struct trec_buf *a, struct rframe *f,
                           const struct rframe *below, struct rvals *vals,
                           const unsigned char *p, const unsigned char *end){
  struct trec_entry e;
  int rc;
  while( (rc = trec_payload_next(&p, end, &e))==TREC_OK ){
    size_t vlen = (size_t)(e.value_end - e.value), start;
    enum trec_pkind kind = e.kind;
    if( e.kind==TREC_PK_PATCH && e.is_int ){
      struct rslot old;
      int64_t was, d, sum;
      const unsigned char *q = e.value;
      if( (rc = patch_base(&e, f, below, vals, &old)) ) return rc;
      if( !trec_whole_int(a->data + old.off, old.len, &was)
       || trec_get_svarint(&q, e.value_end, &d) || __builtin_add_overflow(was, d, &sum) )
        return TREC_ERR_CORRUPT;
      kind = e.what;
      trec_payload_key(a, kind, e.slot);
      start = a->len;
      trec_venc_int(a, sum);
      vlen = a->len - start;
    }else if( e.kind==TREC_PK_PATCH ){
      struct rslot old;
      if( (rc = patch_base(&e, f, below, vals, &old)) ) return rc;
      kind = e.what;
      /* ops can only keep old's bytes, plus what they add */
      if( trec_buf_room(a, 10 + old.len + vlen) ) return TREC_ERR_NOMEM;
      trec_payload_key(a, kind, e.slot);
      start = a->len;
      const unsigned char *q = e.value;
      size_t cur = 0;
      for(uint64_t op=0; op<e.n_ops; op++){
        uint64_t keep, skip, n;
        if( trec_get_varint(&q, e.value_end, &keep) || trec_get_varint(&q, e.value_end, &skip)
         || trec_get_varint(&q, e.value_end, &n) || n > (uint64_t)(e.value_end - q)
         || keep > old.len - cur || skip > old.len - cur - keep ) return TREC_ERR_CORRUPT;
        memcpy(a->data + a->len, a->data + old.off + cur, (size_t)keep);
        memcpy(a->data + a->len + keep, q, (size_t)n);
        a->len += (size_t)(keep + n);
        q += n;
        cur += (size_t)(keep + skip);
      }
      memcpy(a->data + a->len, a->data + old.off + cur, old.len - cur);
      a->len += old.len - cur;
      vlen = a->len - start;
    }else{
      trec_payload_key(a, e.kind, e.slot);
      start = a->len;
      trec_buf_put(a, e.value, vlen);
    }
    if( a->oom ) return TREC_ERR_NOMEM;
    if( a->len > UINT32_MAX ) return TREC_ERR_LIMIT;
    if( kind==TREC_PK_VAR ){
      if( (rc = rframe_set(f, e.slot, (uint32_t)start, (uint32_t)vlen)) ) return rc;
    }
    if( (rc = rvals_add(vals, start, vlen)) ) return rc;
  }
  return rc==TREC_ERR_NOTFOUND ? TREC_OK : rc;
}

int trec_patch_resolve(struct trec_chunk *c, const struct trec_keyframe *k){
  struct rstack st = { NULL, 0, 0 };
  struct rvals vals = { NULL, 0, 0 };
  struct trec_buf *a = &c->resolved;
  int rc = TREC_OK;
  trec_buf_reset(a);
  for(size_t i=0; i<k->n && rc==TREC_OK; i++){
    struct rframe *f = rstack_at(&st, i, k->frames[i].frame, 1);
    if( f==NULL ){ rc = TREC_ERR_NOMEM; break; }
    rc = resolve_entries(a, f, NULL, &vals, k->frames[i].values,
                         k->frames[i].values + k->frames[i].values_len);
  }
  /* the keyframe's values stay first in the arena; events follow */
  for(size_t i=0; i<c->n && rc==TREC_OK; i++){
    if( c->depth[i]==0 ){ rc = TREC_ERR_CORRUPT; break; }
    size_t d = c->depth[i] - 1;
    if( d>st.len ){ rc = TREC_ERR_CORRUPT; break; }
    struct rframe *f = rstack_at(&st, d, c->frame[i], c->kind[i]==TREC_CALL);
    if( f==NULL ){ rc = TREC_ERR_NOMEM; break; }
    size_t start = a->len;
    const unsigned char *p = c->payload + c->payload_off[i];
    rc = resolve_entries(a, f, d ? &st.f[d-1] : NULL, &vals, p,
                         p + c->payload_len[i]);
    c->payload_off[i] = (uint32_t)start;
    c->payload_len[i] = (uint32_t)(a->len - start);
    if( c->kind[i]==TREC_RETURN ) st.len = d;
  }
  rstack_release(&st);
  free(vals.v);
  if( rc==TREC_OK ) c->payload = a->data;
  return rc;
}
