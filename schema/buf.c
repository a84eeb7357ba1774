/*
** buf.c: the growable byte buffer of buf.h. Growth doubles the capacity so
** appends are amortized O(1); a failed allocation sets the sticky oom flag.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "buf.h"

void trec_buf_init(struct trec_buf *b){
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}

void trec_buf_release(struct trec_buf *b){
  free(b->data);
  trec_buf_init(b);
}

void trec_buf_reset(struct trec_buf *b){
  b->len = 0;
  b->oom = 0;
}

int trec_buf_grow(struct trec_buf *b, size_t extra){
  size_t want, cap;
  unsigned char *p;
  if( b->oom ) return -1;
  if( b->cap - b->len >= extra ) return 0;
  if( extra > SIZE_MAX/2 - b->len ) goto fail;
  want = b->len + extra;
  cap = b->cap ? b->cap : 64;
  while( cap<want ) cap *= 2;
  p = realloc(b->data, cap);
  if( !p ) goto fail;
  b->data = p;
  b->cap = cap;
  return 0;
fail:
  b->oom = 1;
  return -1;
}

unsigned char *trec_buf_detach(struct trec_buf *b, size_t *len){
  unsigned char *p;
  if( !b->data && trec_buf_grow(b, 1) ) return NULL;
  p = b->data;
  if( len ) *len = b->len;
  trec_buf_init(b);
  return p;
}

void trec_buf_printf(struct trec_buf *b, const char *fmt, ...){
  va_list ap;
  int n;
  if( b->oom ) return;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if( n<0 || trec_buf_room(b, (size_t)n+1) ) return;
  va_start(ap, fmt);
  vsnprintf((char*)b->data + b->len, (size_t)n+1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

const char *trec_buf_cstr(struct trec_buf *b){
  if( trec_buf_room(b, 1) ) return "";
  b->data[b->len] = 0;
  return (const char*)b->data;
}
