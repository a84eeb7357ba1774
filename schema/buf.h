/*
** buf.h: a growable byte buffer and the LEB128 varint helpers that every
** encoder and decoder of the trace format uses.
**
** The put helpers are inline because the recorder's hot path calls them for
** every value it encodes. A failed allocation is sticky: the buffer's `oom`
** flag is set, later puts are no-ops, and the owner checks the flag once at
** the end (git's strbuf does the same with die(); we cannot die).
**
** The get helpers never read past `end`; they return 0 on success and -1 on
** malformed or truncated input, so a damaged trace is an error, not a crash.
*/
#ifndef TREC_BUF_H
#define TREC_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct trec_buf {
  unsigned char *data;   /* Owned. NULL until the first put. */
  size_t len;            /* bytes used */
  size_t cap;            /* bytes allocated */
  int oom;               /* set when an allocation failed; sticky */
};

#define TREC_BUF_INIT { NULL, 0, 0, 0 }

/*! trec_buf_init() : an empty buffer. trec_buf_release() frees the data and
 *  leaves an empty buffer (safe to call twice). trec_buf_reset() keeps the
 *  allocation and the oom flag cleared, with len = 0. */
void trec_buf_init(struct trec_buf *b);
void trec_buf_release(struct trec_buf *b);
void trec_buf_reset(struct trec_buf *b);

/*! trec_buf_grow() : make room for `extra` more bytes.
 *  @return 0, or -1 (and oom set) when memory ran out. */
int trec_buf_grow(struct trec_buf *b, size_t extra);

/*! trec_buf_detach() : hand the data to the caller (who frees it), leaving
 *  an empty buffer. *len receives the length. Never NULL on success. */
unsigned char *trec_buf_detach(struct trec_buf *b, size_t *len);

/*! trec_buf_printf() : append formatted text (no terminating NUL counted). */
void trec_buf_printf(struct trec_buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/*! trec_buf_cstr() : the contents as a NUL-terminated string (the NUL is
 *  not counted in len). Returns "" after an allocation failure. */
const char *trec_buf_cstr(struct trec_buf *b);

static inline int trec_buf_room(struct trec_buf *b, size_t n){
  if( b->cap - b->len >= n ) return 0;
  return trec_buf_grow(b, n);
}

static inline void trec_buf_put_u8(struct trec_buf *b, unsigned v){
  if( trec_buf_room(b, 1) ) return;
  b->data[b->len++] = (unsigned char)v;
}

static inline void trec_buf_put(struct trec_buf *b, const void *p, size_t n){
  if( n==0 || trec_buf_room(b, n) ) return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static inline void trec_buf_puts(struct trec_buf *b, const char *s){
  trec_buf_put(b, s, strlen(s));
}

/* Unsigned LEB128: 7 bits a byte, low first, high bit = more. At most 10. */
static inline size_t trec_varint_write(unsigned char *p, uint64_t v){
  size_t n = 0;
  while( v>=0x80 ){ p[n++] = (unsigned char)(v | 0x80); v >>= 7; }
  p[n++] = (unsigned char)v;
  return n;
}

static inline void trec_buf_put_varint(struct trec_buf *b, uint64_t v){
  if( trec_buf_room(b, 10) ) return;
  b->len += trec_varint_write(b->data + b->len, v);
}

/* Zigzag maps signed to unsigned so small magnitudes stay small:
** 0,-1,1,-2 -> 0,1,2,3. */
static inline uint64_t trec_zigzag(int64_t v){
  return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t trec_unzigzag(uint64_t v){
  return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline void trec_buf_put_svarint(struct trec_buf *b, int64_t v){
  trec_buf_put_varint(b, trec_zigzag(v));
}

/* Little-endian fixed-width, for floats and lengths in frame headers. */
static inline void trec_buf_put_u64le(struct trec_buf *b, uint64_t v){
  unsigned char t[8];
  for(int i=0; i<8; i++) t[i] = (unsigned char)(v >> (8*i));
  trec_buf_put(b, t, 8);
}

/*! trec_get_varint() : decode one varint at *p, advancing *p.
 *  @return 0, or -1 if the varint runs past `end` or is longer than 10
 *  bytes / overflows 64 bits. */
static inline int trec_get_varint(const unsigned char **p,
                                  const unsigned char *end, uint64_t *out){
  const unsigned char *q = *p;
  uint64_t v = 0;
  unsigned shift = 0;
  if( q<end && *q<0x80 ){ *out = *q; *p = q+1; return 0; }
  while( q<end ){
    unsigned c = *q++;
    if( shift==63 && (c & 0x7e) ) return -1;
    v |= (uint64_t)(c & 0x7f) << shift;
    if( c<0x80 ){ *out = v; *p = q; return 0; }
    shift += 7;
    if( shift>63 ) return -1;
  }
  return -1;
}

static inline int trec_get_svarint(const unsigned char **p,
                                   const unsigned char *end, int64_t *out){
  uint64_t u;
  if( trec_get_varint(p, end, &u) ) return -1;
  *out = trec_unzigzag(u);
  return 0;
}

static inline int trec_get_u64le(const unsigned char **p,
                                 const unsigned char *end, uint64_t *out){
  uint64_t v = 0;
  if( end - *p < 8 ) return -1;
  for(int i=0; i<8; i++) v |= (uint64_t)(*p)[i] << (8*i);
  *p += 8;
  *out = v;
  return 0;
}

#endif /* TREC_BUF_H */
