/*
** t-writer-gen.h: random event streams for the schema tests, and a naive
** model of what a reader must see. The model is written from the text of
** doc/FORMAT.md (call pushes, return pops, an event whose frame is not on
** top pops down to it or else pushes it; a frame's state is its call's
** values updated by later VAR entries), not from the library's code, so
** the tests compare two independent implementations.
**
** Streams mix threads, deep and shallow stacks, generator resumes (a call
** reusing a frame id), calls that give their caller's line, recordings that start mid-program (events in frames
** never called), seq gaps, timestamps, opcode offsets and payloads holding
** every value type.
*/
#ifndef T_WRITER_GEN_H
#define T_WRITER_GEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "trace.h"

/* 1 when chunk p, decoded with only the scan columns, holds what the full
** decode c holds in them (kind, seq, frame, code, line, depth). */
static inline int gen_scan_equal(const struct trec_chunk *p,
                                 const struct trec_chunk *c){
  return p->n==c->n
    && !memcmp(p->seq, c->seq, c->n * sizeof *c->seq)
    && !memcmp(p->frame, c->frame, c->n * sizeof *c->frame)
    && !memcmp(p->code, c->code, c->n * sizeof *c->code)
    && !memcmp(p->line, c->line, c->n * sizeof *c->line)
    && !memcmp(p->depth, c->depth, c->n * sizeof *c->depth)
    && !memcmp(p->kind, c->kind, c->n * sizeof *c->kind);
}

struct gen_rng { uint64_t s; };

static inline uint64_t gen_next(struct gen_rng *r){
  /* splitmix64: tiny, good enough, reproducible per seed */
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static inline uint32_t gen_below(struct gen_rng *r, uint32_t n){
  return n ? (uint32_t)(gen_next(r) % n) : 0;
}

/* Append one random value of any type (containers nest up to depth 3). */
static inline void gen_value(struct gen_rng *r, struct trec_buf *b, int depth){
  unsigned char mag[12];
  uint32_t pick = gen_below(r, depth<3 ? 20 : 13);
  switch( pick ){
    case 0: trec_venc_none(b); break;
    case 1: trec_venc_bool(b, (int)gen_below(r, 2)); break;
    case 2: {
      static const int64_t edge[] = { 0, 1, -1, 127, 128, -129, INT64_MAX, INT64_MIN };
      trec_venc_int(b, gen_below(r, 2) ? edge[gen_below(r, 8)] : (int64_t)gen_next(r));
      break;
    }
    case 3:
      for(int i=0; i<12; i++) mag[i] = (unsigned char)gen_next(r);
      mag[11] |= 1;
      trec_venc_bigint(b, (int)gen_below(r, 2), mag, 12);
      break;
    case 4: trec_venc_float(b, (double)(int64_t)gen_next(r) / 7.0); break;
    case 5: {
      static const char *const s[] = { "", "x", "hello world", "caf\xc3\xa9", "a'b\"c\n" };
      const char *t = s[gen_below(r, 5)];
      trec_venc_str(b, t, strlen(t), strlen(t) + gen_below(r, 2));
      break;
    }
    case 6: trec_venc_bytes(b, "\x00\x01\xff", 3, 3); break;
    case 7: trec_venc_unbound(b); break;
    case 8: trec_venc_ref(b, gen_next(r) >> 20, TREC_V_LIST); break;
    case 9: trec_venc_trunc(b, TREC_V_DICT, gen_next(r) >> 20, "dict", 4, 1000); break;
    case 10: trec_venc_repr(b, "m.T", 3, "<T>", 3); break;
    case 11: trec_venc_redacted(b, "str", 3); break;
    case 12: trec_venc_int(b, (int64_t)gen_below(r, 100)); break;
    case 13: case 14: case 15: case 16: {
      static const enum trec_vtag tag[] = { TREC_V_TUPLE, TREC_V_LIST, TREC_V_SET,
                                            TREC_V_FROZENSET };
      uint32_t n = gen_below(r, 4);
      trec_venc_container(b, tag[pick-13], gen_next(r) >> 16, n + gen_below(r, 2), n);
      for(uint32_t i=0; i<n; i++) gen_value(r, b, depth+1);
      break;
    }
    case 17: {
      uint32_t n = gen_below(r, 3);
      trec_venc_container(b, TREC_V_DICT, gen_next(r) >> 16, n, n);
      for(uint32_t i=0; i<n; i++){ gen_value(r, b, depth+1); gen_value(r, b, depth+1); }
      break;
    }
    case 18: {
      uint32_t n = gen_below(r, 3);
      trec_venc_object(b, gen_next(r) >> 16, "mod.Point", 9, n, n);
      for(uint32_t i=0; i<n; i++){
        trec_venc_name(b, i ? "y" : "x", 1);
        gen_value(r, b, depth+1);
      }
      break;
    }
    default:
      trec_venc_exc(b, gen_next(r) >> 16, "ValueError", 10);
      trec_venc_container(b, TREC_V_TUPLE, gen_next(r) >> 16, 1, 1);
      trec_venc_str(b, "bad", 3, 3);
      break;
  }
}

/* ---- The model ---- */

#define GEN_MAX_SLOTS 6

struct gen_frame {
  uint64_t frame;
  uint32_t code;
  int32_t line;
  struct trec_buf val[GEN_MAX_SLOTS];   /* len 0 = no value */
};

struct gen_thread {
  struct gen_frame st[64];
  size_t depth;
  uint64_t suspended[8];                /* generator frames to resume */
  size_t n_suspended;
};

static inline void gen_frame_clear(struct gen_frame *f){
  for(int i=0; i<GEN_MAX_SLOTS; i++) trec_buf_reset(&f->val[i]);
}

/* The model's stack rule, applied to one event of thread t. */
static inline void model_apply(struct gen_thread *t, const struct trec_event *ev,
                               uint32_t *depth_out){
  size_t pos;
  const unsigned char *p = ev->payload, *end = p + ev->payload_len;
  struct trec_entry e;
  if( ev->kind==TREC_CALL ){
    /* the frame below is where the call came from */
    if( ev->caller_line && t->depth>0 ) t->st[t->depth-1].line = ev->caller_line;
    pos = t->depth++;
    gen_frame_clear(&t->st[pos]);
  }else{
    size_t i = t->depth;
    while( i>0 && t->st[i-1].frame!=ev->frame ) i--;
    if( i>0 ){
      pos = i-1;
      t->depth = i;
    }else{
      pos = t->depth++;
      gen_frame_clear(&t->st[pos]);
    }
  }
  t->st[pos].frame = ev->frame;
  t->st[pos].code = ev->code;
  t->st[pos].line = ev->line;
  while( p && trec_payload_next(&p, end, &e)==TREC_OK ){
    if( e.kind!=TREC_PK_VAR ) continue;
    trec_buf_reset(&t->st[pos].val[e.slot]);
    trec_buf_put(&t->st[pos].val[e.slot], e.value, (size_t)(e.value_end - e.value));
  }
  if( depth_out ) *depth_out = (uint32_t)pos + 1;
  if( ev->kind==TREC_RETURN ) t->depth = pos;
}

/* The entries a keyframe must hold for model frame f, in slot order. */
static inline void model_values(const struct gen_frame *f, struct trec_buf *out){
  trec_buf_reset(out);
  for(uint32_t s=0; s<GEN_MAX_SLOTS; s++){
    if( !f->val[s].len ) continue;
    trec_payload_key(out, TREC_PK_VAR, s);
    trec_buf_put(out, f->val[s].data, f->val[s].len);
  }
}

static inline void model_release(struct gen_thread *t, size_t n){
  for(size_t i=0; i<n; i++)
    for(int j=0; j<64; j++)
      for(int k=0; k<GEN_MAX_SLOTS; k++) trec_buf_release(&t[i].st[j].val[k]);
}

/* ---- Streams ---- */

struct gen_stream {
  struct trec_event *ev;     /* n events in seq order, payloads in pay */
  uint32_t *depth;           /* the model's depth of each event */
  size_t n;
  struct trec_buf pay;
  size_t *pay_off;
};

static inline void gen_stream_release(struct gen_stream *g){
  free(g->ev);
  free(g->depth);
  free(g->pay_off);
  trec_buf_release(&g->pay);
  memset(g, 0, sizeof *g);
}

/* n events over n_threads threads (ids 1..n_threads), with stacks up to
** max_depth deep. mid_program: threads start inside two frames that were
** never called. huge: one payload of that many bytes (0: none). */
static inline void gen_stream(struct gen_stream *g, uint64_t seed, size_t n,
                              uint32_t n_threads, uint32_t max_depth,
                              int mid_program, size_t huge){
  struct gen_rng r = { seed };
  /* th: the program's real stacks, which drive generation; mo: what a
  ** reader can know, starting from nothing */
  struct gen_thread *th = calloc(n_threads + 1, sizeof *th);
  struct gen_thread *mo = calloc(n_threads + 1, sizeof *mo);
  uint64_t next_frame = 1;
  int64_t ts = 1000;
  size_t huge_at = huge ? gen_below(&r, (uint32_t)n) : (size_t)-1;
  memset(g, 0, sizeof *g);
  g->ev = calloc(n ? n : 1, sizeof *g->ev);
  g->depth = calloc(n ? n : 1, sizeof *g->depth);
  g->pay_off = calloc(n ? n : 1, sizeof *g->pay_off);
  if( max_depth>60 ) max_depth = 60;
  for(uint32_t i=1; i<=n_threads && mid_program; i++){
    th[i].depth = 2;
    for(int j=0; j<2; j++){
      th[i].st[j].frame = next_frame++;
      th[i].st[j].code = 1 + (uint32_t)j;
      th[i].st[j].line = 10;
    }
  }
  for(size_t i=0; i<n; i++){
    uint32_t tid = 1 + gen_below(&r, n_threads);
    struct gen_thread *t = &th[tid];
    struct trec_event *e = &g->ev[i];
    uint32_t roll = gen_below(&r, 100);
    size_t start = g->pay.len;
    memset(e, 0, sizeof *e);
    e->seq = i + 1;
    e->thread = tid;
    e->offset = TREC_NO_OFFSET;
    e->ts = gen_below(&r, 4)==0 ? (ts += gen_below(&r, 5000)) : TREC_NO_TS;
    if( t->depth==0 || (roll<15 && t->depth<max_depth) ){
      e->kind = TREC_CALL;
      e->code = 1 + gen_below(&r, 9);
      if( t->n_suspended && gen_below(&r, 3)==0 ) e->frame = t->suspended[--t->n_suspended];
      else e->frame = next_frame++;
      e->line = (int32_t)(e->code * 10);
      if( mo[tid].depth>0 && gen_below(&r, 3)==0 )
        e->caller_line = 1 + (int32_t)gen_below(&r, 300);
      for(uint32_t s=0; s<1+e->code%GEN_MAX_SLOTS; s++){
        trec_payload_key(&g->pay, TREC_PK_VAR, s);
        gen_value(&r, &g->pay, 0);
      }
    }else{
      const struct gen_frame *top = &t->st[t->depth-1];
      e->frame = top->frame;
      e->code = top->code;
      e->line = top->line + (int32_t)gen_below(&r, 5) - 1;
      if( roll<30 && t->depth>0 ){
        e->kind = TREC_RETURN;
        trec_payload_key(&g->pay, TREC_PK_RETURN, 0);
        gen_value(&r, &g->pay, 0);
        if( e->code%3==0 && t->n_suspended<8 ) t->suspended[t->n_suspended++] = e->frame;
      }else if( roll<34 ){
        e->kind = TREC_EXCEPTION;
        trec_payload_key(&g->pay, TREC_PK_EXCEPTION, 0);
        trec_venc_exc(&g->pay, 77, "KeyError", 8);
        trec_venc_container(&g->pay, TREC_V_TUPLE, 78, 1, 1);
        trec_venc_int(&g->pay, 5);
      }else if( roll<40 ){
        e->kind = TREC_OPCODE;
        e->offset = (int32_t)gen_below(&r, 400) * 2;
      }else{
        e->kind = TREC_LINE;
        for(uint32_t k=gen_below(&r, 3); k>0; k--){
          trec_payload_key(&g->pay, TREC_PK_VAR, gen_below(&r, GEN_MAX_SLOTS));
          gen_value(&r, &g->pay, 0);
        }
      }
    }
    if( i==huge_at ){
      static const char pattern[] = "0123456789abcdef";
      trec_payload_key(&g->pay, TREC_PK_VAR, 0);
      trec_buf_put_u8(&g->pay, TREC_V_STR);
      trec_buf_put_varint(&g->pay, huge);
      trec_buf_put_varint(&g->pay, huge);
      for(size_t k=0; k<huge; k++) trec_buf_put_u8(&g->pay, (unsigned)pattern[k%16]);
    }
    g->pay_off[i] = start;
    e->payload_len = (uint32_t)(g->pay.len - start);
    model_apply(t, e, NULL);
    model_apply(&mo[tid], e, &g->depth[i]);
  }
  g->n = n;
  for(size_t i=0; i<n; i++)
    g->ev[i].payload = g->ev[i].payload_len ? g->pay.data + g->pay_off[i] : NULL;
  model_release(th, n_threads + 1);
  model_release(mo, n_threads + 1);
  free(th);
  free(mo);
}

#endif /* T_WRITER_GEN_H */
