/*
** chunk.c: the chunk codec (events <-> column bytes), the keyframe parser
** and the LZ4 blocks both are stored in. doc/FORMAT.md sections 4-5 specify
** the bytes; this file follows them.
**
** Tuned for the common Python trace: long runs of `line` events in the
** frame on top of the stack, one thread, consecutive seqs. Such an event is
** one kind byte and one line-delta byte before LZ4, everything else implied
** by the stack both encoder and decoder keep (calls push, returns pop). The
** decoder trusts nothing: every varint, length and id is checked against
** its column's end and its type's range, so damaged input is
** TREC_ERR_CORRUPT, never an out-of-bounds read.
*/
#include <limits.h>
#include <stdlib.h>
#include <lz4.h>
#include <lz4hc.h>
#include "trace_int.h"

/* ---- Stacks shared by encoder and decoder ---- */

/* A stack that starts in caller-provided storage and moves to the heap only
** for deep recursion, so decoding a chunk usually allocates nothing. */
struct cstack {
  struct trec_stack_entry *e;
  size_t cap;
  int heap;
};

/* Room for want entries, of which the first `used` are kept. */
static int cstack_grow(struct cstack *s, size_t want, size_t used){
  struct trec_stack_entry *p;
  size_t cap = s->cap;
  if( want<=cap ) return 0;
  while( cap<want ) cap = cap ? cap*2 : 64;
  if( cap > SIZE_MAX/sizeof(*p) ) return -1;
  if( s->heap ){
    p = realloc(s->e, cap*sizeof(*p));
    if( !p ) return -1;
  }else{
    p = malloc(cap*sizeof(*p));
    if( !p ) return -1;
    if( used ) memcpy(p, s->e, used*sizeof(*p));
    s->heap = 1;
  }
  s->e = p;
  s->cap = cap;
  return 0;
}

static void cstack_free(struct cstack *s){
  if( s->heap ) free(s->e);
}

/* Index of the topmost entry holding frame, or -1. Searching from the top
** matters only for damaged input (a frame twice on the stack). */
static ptrdiff_t stack_find(const struct trec_stack_entry *st, size_t depth,
                            uint64_t frame){
  for(size_t i=depth; i>0; i--)
    if( st[i-1].frame==frame ) return (ptrdiff_t)(i-1);
  return -1;
}

/* ---- Encoder ---- */

void trec_chunk_enc_init(struct trec_chunk_enc *e){
  for(int i=0; i<TREC_N_COLUMNS; i++) trec_buf_init(&e->col[i]);
  e->stack = NULL;
  e->stack_cap = 0;
  e->codes = NULL;
  e->n_codes = e->codes_cap = 0;
  e->code_slot = NULL;
  e->slot_cap = 0;
}

void trec_chunk_enc_release(struct trec_chunk_enc *e){
  for(int i=0; i<TREC_N_COLUMNS; i++) trec_buf_release(&e->col[i]);
  free(e->stack);
  free(e->codes);
  free(e->code_slot);
  trec_chunk_enc_init(e);
}

/* The per-code event counts of the chunk being encoded. A loop's events
** come in long runs of one code, so the caller only comes here when the
** code changes; the hash keeps a chunk with thousands of small functions
** linear. */
static inline size_t enc_code_hash(uint32_t code, size_t cap){
  return (size_t)((code * 2654435761u) & (uint32_t)(cap - 1));
}

static int enc_code_rehash(struct trec_chunk_enc *e, size_t cap){
  uint32_t *slot = calloc(cap, sizeof(*slot));
  if( !slot ) return -1;
  for(size_t i=0; i<e->n_codes; i++){
    size_t h = enc_code_hash(e->codes[i].code, cap);
    while( slot[h] ) h = (h + 1) & (cap - 1);
    slot[h] = (uint32_t)i + 1;
  }
  free(e->code_slot);
  e->code_slot = slot;
  e->slot_cap = cap;
  return 0;
}

/* The count entry of code, added if new; NULL when out of memory. */
static struct trec_code_count *enc_code_entry(struct trec_chunk_enc *e,
                                              uint32_t code){
  size_t h;
  if( (e->n_codes + 1)*2 > e->slot_cap
   && enc_code_rehash(e, e->slot_cap ? e->slot_cap*2 : 64) ) return NULL;
  h = enc_code_hash(code, e->slot_cap);
  while( e->code_slot[h] ){
    struct trec_code_count *cc = &e->codes[e->code_slot[h] - 1];
    if( cc->code==code ) return cc;
    h = (h + 1) & (e->slot_cap - 1);
  }
  if( e->n_codes==e->codes_cap ){
    size_t cap = e->codes_cap ? e->codes_cap*2 : 32;
    struct trec_code_count *p = realloc(e->codes, cap*sizeof(*p));
    if( !p ) return NULL;
    e->codes = p;
    e->codes_cap = cap;
  }
  e->code_slot[h] = (uint32_t)e->n_codes + 1;
  e->codes[e->n_codes].code = code;
  e->codes[e->n_codes].n = 0;
  return &e->codes[e->n_codes++];
}

static int enc_code_add(struct trec_chunk_enc *e, uint32_t code, uint32_t n){
  struct trec_code_count *cc = enc_code_entry(e, code);
  if( !cc ) return -1;
  cc->n += n;
  return 0;
}

static void enc_codes_clear(struct trec_chunk_enc *e){
  if( e->slot_cap ) memset(e->code_slot, 0, e->slot_cap*sizeof(*e->code_slot));
  e->n_codes = 0;
}

static inline unsigned char *col_put_varint(unsigned char *p, uint64_t v){
  return p + trec_varint_write(p, v);
}

int trec_chunk_encode_ex(struct trec_chunk_enc *e, const struct trec_event *ev,
                         size_t n, const struct trec_stack_entry *start,
                         size_t n_start, struct trec_buf *out,
                         struct trec_chunk_stats *st){
  int rc = TREC_ERR_INVALID;
  struct trec_chunk_stats s;
  struct trec_stack_entry *stack;
  unsigned char *kp, *sp, *lp, *fp, *tp, *op, *pp;
  size_t depth = n_start, payload_total = 0;
  uint64_t max_frame = 0, max_frame0, prev_seq;
  int64_t prev_ts = 0, base_ts = 0;
  uint64_t ts_bits = 0;
  unsigned ts_shift = 0;
  int have_ts = 0;
  int32_t last_line = 0, prev_off = 0;
  uint32_t thread, run_code = 0, run_n = 0;

  enc_codes_clear(e);
  if( n==0 || ev[0].seq==0 || ev[0].thread==0 ) return TREC_ERR_INVALID;
  if( n_start > SIZE_MAX/sizeof(*stack) - n ) return TREC_ERR_NOMEM;
  if( e->stack_cap < n_start + n ){
    stack = realloc(e->stack, (n_start + n)*sizeof(*stack));
    if( !stack ) return TREC_ERR_NOMEM;
    e->stack = stack;
    e->stack_cap = n_start + n;
  }
  stack = e->stack;
  for(size_t i=0; i<n_start; i++){
    if( start[i].frame==0 || start[i].code==0 ) return TREC_ERR_INVALID;
    stack[i] = start[i];
    if( start[i].frame>max_frame ) max_frame = start[i].frame;
  }
  max_frame0 = max_frame;
  if( n_start ) last_line = start[n_start-1].line;
  /* ts entries drop the low bits every delta of the chunk has clear: a
  ** recorder that keeps timestamps to 64 ns gets one-byte entries for
  ** the common call or return a few hundred ns after the last */
  for(size_t i=0; i<n; i++){
    if( ev[i].ts==TREC_NO_TS ) continue;
    if( !have_ts ){
      base_ts = prev_ts = ev[i].ts;
      have_ts = 1;
    }
    ts_bits |= (uint64_t)ev[i].ts - (uint64_t)prev_ts;
    prev_ts = ev[i].ts;
  }
  if( ts_bits ) ts_shift = (unsigned)__builtin_ctzll(ts_bits);
  prev_ts = base_ts;
  for(int i=0; i<TREC_N_COLUMNS; i++) trec_buf_reset(&e->col[i]);
  /* worst cases per event: seq gap 10, line deltas 2 x 5, code 5 + frame 10,
  ** ts 10, offset 5, payload length 5. The payload column is not built
  ** here: payloads go once, straight from the events to out, after the
  ** other columns (it is the last). */
  if( trec_buf_room(&e->col[TREC_COL_KIND], n)
   || trec_buf_room(&e->col[TREC_COL_SEQ], n*10)
   || trec_buf_room(&e->col[TREC_COL_LINE], n*10)
   || trec_buf_room(&e->col[TREC_COL_FRAME], n*15)
   || trec_buf_room(&e->col[TREC_COL_TS], n*10)
   || trec_buf_room(&e->col[TREC_COL_OFFSET], n*5)
   || trec_buf_room(&e->col[TREC_COL_PAYLEN], n*5) ){
    return TREC_ERR_NOMEM;
  }
  kp = e->col[TREC_COL_KIND].data;
  sp = e->col[TREC_COL_SEQ].data;
  lp = e->col[TREC_COL_LINE].data;
  fp = e->col[TREC_COL_FRAME].data;
  tp = e->col[TREC_COL_TS].data;
  op = e->col[TREC_COL_OFFSET].data;
  pp = e->col[TREC_COL_PAYLEN].data;

  memset(&s, 0, sizeof s);
  s.first_seq = ev[0].seq;
  s.first_ts = s.last_ts = TREC_NO_TS;
  s.min_depth = UINT32_MAX;
  s.start_depth = (uint32_t)n_start;
  thread = ev[0].thread;
  prev_seq = ev[0].seq - 1;

  for(size_t i=0; i<n; i++){
    const struct trec_event *x = &ev[i];
    unsigned kb = x->kind;
    ptrdiff_t pos;
    int32_t base;
    if( x->kind>=TREC_N_KINDS || x->thread!=thread || x->seq<=prev_seq
     || x->frame==0 || x->code==0 ) goto out;
    if( x->seq!=prev_seq+1 ){
      kb |= TREC_KB_SEQGAP;
      sp = col_put_varint(sp, x->seq - prev_seq - 1);
    }
    prev_seq = x->seq;
    /* a call's caller line is the line of the frame below it, which S
    ** keeps (the encoder and decoder agree on it for later deltas) */
    if( x->kind==TREC_CALL && x->caller_line!=0 && depth>0 ){
      kb = (kb & ~(unsigned)TREC_KB_KIND) | TREC_KB_CALL_AT;
      lp = col_put_varint(lp, trec_zigzag((int64_t)x->caller_line - stack[depth-1].line));
      stack[depth-1].line = x->caller_line;
    }
    if( x->kind!=TREC_CALL && depth>0 && stack[depth-1].frame==x->frame
     && stack[depth-1].code==x->code ){
      pos = (ptrdiff_t)depth - 1;
      base = stack[pos].line;
    }else{
      kb |= TREC_KB_FRAME;
      fp = col_put_varint(fp, x->code);
      fp = col_put_varint(fp, trec_zigzag((int64_t)(x->frame - max_frame - 1)));
      if( x->frame>max_frame ) max_frame = x->frame;
      pos = x->kind==TREC_CALL ? -1 : stack_find(stack, depth, x->frame);
      if( pos>=0 ){
        depth = (size_t)pos + 1;
        stack[pos].code = x->code;
        base = stack[pos].line;
      }else{
        pos = (ptrdiff_t)depth++;
        stack[pos].frame = x->frame;
        stack[pos].code = x->code;
        base = last_line;
      }
    }
    lp = col_put_varint(lp, trec_zigzag((int64_t)x->line - base));
    stack[pos].line = last_line = x->line;
    if( (uint32_t)pos + 1 < s.min_depth ) s.min_depth = (uint32_t)pos + 1;
    if( (uint32_t)pos + 1 > s.max_depth ) s.max_depth = (uint32_t)pos + 1;
    if( x->kind==TREC_RETURN ) depth = (size_t)pos;
    if( x->ts!=TREC_NO_TS ){
      kb |= TREC_KB_TS;
      tp = col_put_varint(tp, trec_zigzag((int64_t)((uint64_t)x->ts - (uint64_t)prev_ts) >> ts_shift));
      prev_ts = x->ts;
      if( s.first_ts==TREC_NO_TS ) s.first_ts = x->ts;
      s.last_ts = x->ts;
    }
    if( x->offset!=TREC_NO_OFFSET ){
      if( x->offset<0 ) goto out;
      kb |= TREC_KB_OFFSET;
      op = col_put_varint(op, trec_zigzag((int64_t)x->offset - prev_off));
      prev_off = x->offset;
    }
    if( x->payload_len ){
      if( !x->payload ) goto out;
      kb |= TREC_KB_PAYLOAD;
      pp = col_put_varint(pp, x->payload_len);
      payload_total += x->payload_len;
    }
    *kp++ = (unsigned char)kb;
    s.n_kind[x->kind]++;
    if( x->code!=run_code ){
      if( run_n && enc_code_add(e, run_code, run_n) ){ rc = TREC_ERR_NOMEM; goto out; }
      run_code = x->code;
      run_n = 0;
    }
    run_n++;
  }
  if( enc_code_add(e, run_code, run_n) ){ rc = TREC_ERR_NOMEM; goto out; }
  s.last_seq = prev_seq;
  e->col[TREC_COL_KIND].len = (size_t)(kp - e->col[TREC_COL_KIND].data);
  e->col[TREC_COL_SEQ].len = (size_t)(sp - e->col[TREC_COL_SEQ].data);
  e->col[TREC_COL_LINE].len = (size_t)(lp - e->col[TREC_COL_LINE].data);
  e->col[TREC_COL_FRAME].len = (size_t)(fp - e->col[TREC_COL_FRAME].data);
  e->col[TREC_COL_TS].len = (size_t)(tp - e->col[TREC_COL_TS].data);
  e->col[TREC_COL_OFFSET].len = (size_t)(op - e->col[TREC_COL_OFFSET].data);
  e->col[TREC_COL_PAYLEN].len = (size_t)(pp - e->col[TREC_COL_PAYLEN].data);

  trec_buf_put_varint(out, n);
  trec_buf_put_varint(out, ev[0].seq);
  trec_buf_put_varint(out, thread);
  trec_buf_put_svarint(out, base_ts);
  trec_buf_put_varint(out, ts_shift);
  trec_buf_put_varint(out, max_frame0);
  trec_buf_put_varint(out, n_start);
  for(size_t i=0; i<n_start; i++){
    trec_buf_put_varint(out, start[i].frame);
    trec_buf_put_varint(out, start[i].code);
    trec_buf_put_svarint(out, start[i].line);
  }
  for(int i=0; i<TREC_COL_PAYLOAD; i++){
    trec_buf_put_varint(out, e->col[i].len);
    trec_buf_put(out, e->col[i].data, e->col[i].len);
  }
  trec_buf_put_varint(out, payload_total);
  if( out->oom || trec_buf_room(out, payload_total) ){
    rc = TREC_ERR_NOMEM;
    goto out;
  }
  for(size_t i=0; i<n; i++){
    if( !ev[i].payload_len ) continue;
    memcpy(out->data + out->len, ev[i].payload, ev[i].payload_len);
    out->len += ev[i].payload_len;
  }
  if( st ) *st = s;
  rc = TREC_OK;
out:
  return rc;
}

int trec_chunk_encode(const struct trec_event *ev, size_t n,
                      const struct trec_stack_entry *start, size_t n_start,
                      struct trec_buf *out){
  struct trec_chunk_enc e;
  int rc;
  trec_chunk_enc_init(&e);
  rc = trec_chunk_encode_ex(&e, ev, n, start, n_start, out, NULL);
  trec_chunk_enc_release(&e);
  return rc;
}

/* ---- Decoder ---- */

void trec_chunk_init(struct trec_chunk *c){
  memset(c, 0, sizeof *c);
  trec_buf_init(&c->raw);
  trec_buf_init(&c->resolved);
}

void trec_chunk_release(struct trec_chunk *c){
  if( !c ) return;
  free(c->seq); free(c->frame); free(c->ts); free(c->code); free(c->line);
  free(c->offset); free(c->caller_line); free(c->depth); free(c->kind);
  free(c->payload_off);
  free(c->payload_len);
  trec_buf_release(&c->raw);
  trec_buf_release(&c->resolved);
  trec_chunk_init(c);
}

#define GROW(field) do{ \
    void *p_ = realloc(c->field, cap*sizeof(*c->field)); \
    if( !p_ ) return -1; \
    c->field = p_; \
  }while(0)

static int chunk_reserve(struct trec_chunk *c, size_t n){
  size_t cap;
  if( n<=c->cap ) return 0;
  cap = c->cap ? c->cap : 1024;
  while( cap<n ) cap *= 2;
  GROW(seq); GROW(frame); GROW(ts); GROW(code); GROW(line);
  GROW(offset); GROW(caller_line); GROW(depth); GROW(kind); GROW(payload_off);
  GROW(payload_len);
  c->cap = cap;
  return 0;
}
#undef GROW

/* Read a varint or fail the decode: keeps the event loop readable. Almost
** every entry of a loop's columns is one byte: those are taken inline, the
** general case goes to trec_get_varint(). */
#define GETV(p, e, v) do{ \
    if( (p)<(e) && *(p)<0x80 ) (v) = *(p)++; \
    else if( trec_get_varint(&(p), (e), &(v)) ) goto out; \
  }while(0)

/* base + a zigzag delta, refused unless the result fits [lo, hi]. */
static int add_delta32(int64_t base, uint64_t zz, int64_t lo, int64_t hi,
                       int32_t *res){
  int64_t d = trec_unzigzag(zz), v;
  if( d < -((int64_t)1 << 33) || d > ((int64_t)1 << 33) ) return -1;
  v = base + d;
  if( v<lo || v>hi ) return -1;
  *res = (int32_t)v;
  return 0;
}

int trec_chunk_decode(const unsigned char *raw, size_t len,
                      struct trec_chunk *c){
  return trec_chunk_decode_ex(raw, len, 0, c);
}

int trec_chunk_decode_ex(const unsigned char *raw, size_t len, unsigned flags,
                         struct trec_chunk *c){
  int rc = TREC_ERR_CORRUPT;
  const int want_ts = !(flags & TREC_DECODE_NO_TS);
  const int want_pay = !(flags & TREC_DECODE_NO_PAYLOAD);
  int n_cols;
  const unsigned char *p = raw, *end = raw + len;
  const unsigned char *cp[TREC_N_COLUMNS], *ce[TREC_N_COLUMNS];
  struct trec_stack_entry local[64];
  struct cstack st = { local, 64, 0 };
  uint64_t n, first_seq, thread, max_frame, n_start, v, prev_seq, ts_shift = 0;
  int64_t prev_ts;
  int32_t last_line = 0, prev_off = 0;
  size_t depth = 0, pay_off = 0, pay_len;

  c->n = 0;
  c->skipped = 0;
  c->payload = NULL;
  if( trec_get_varint(&p, end, &n) || trec_get_varint(&p, end, &first_seq)
   || trec_get_varint(&p, end, &thread) || trec_get_svarint(&p, end, &prev_ts)
   || (!(flags & TREC_DECODE_PRE4) && trec_get_varint(&p, end, &ts_shift))
   || trec_get_varint(&p, end, &max_frame)
   || trec_get_varint(&p, end, &n_start) ) goto out;
  if( n==0 || n>len || first_seq==0 || thread==0 || thread>UINT32_MAX
   || ts_shift>63 || n_start > len/3 ) goto out;
  if( cstack_grow(&st, (size_t)n_start + 1, 0) ){ rc = TREC_ERR_NOMEM; goto out; }
  for(size_t i=0; i<n_start; i++){
    uint64_t f, code, zz;
    GETV(p, end, f); GETV(p, end, code); GETV(p, end, zz);
    if( f==0 || code==0 || code>UINT32_MAX ) goto out;
    if( add_delta32(0, zz, INT32_MIN, INT32_MAX, &st.e[i].line) ) goto out;
    st.e[i].frame = f;
    st.e[i].code = (uint32_t)code;
    last_line = st.e[i].line;
  }
  depth = (size_t)n_start;
  /* kind, seq, line and frame come first: a scan needing only them may
  ** have been given only that prefix of the chunk */
  n_cols = want_ts || want_pay ? TREC_N_COLUMNS : TREC_COL_TS;
  for(int i=0; i<TREC_N_COLUMNS; i++) cp[i] = ce[i] = p;
  for(int i=0; i<n_cols; i++){
    GETV(p, end, v);
    if( v > (uint64_t)(end - p) ) goto out;
    cp[i] = p;
    ce[i] = p + v;
    p += v;
  }
  if( (n_cols==TREC_N_COLUMNS && p!=end)
   || (uint64_t)(ce[TREC_COL_KIND] - cp[TREC_COL_KIND])!=n
   || ce[TREC_COL_PAYLOAD] - cp[TREC_COL_PAYLOAD] > (ptrdiff_t)UINT32_MAX ) goto out;
  if( chunk_reserve(c, (size_t)n) ){ rc = TREC_ERR_NOMEM; goto out; }
  pay_len = (size_t)(ce[TREC_COL_PAYLOAD] - cp[TREC_COL_PAYLOAD]);
  prev_seq = first_seq - 1;
  /* the output columns, disjoint from each other and from the input and
  ** the stack: said so, the compiler keeps them in registers */
  uint64_t *restrict o_seq = c->seq, *restrict o_frame = c->frame;
  int64_t *restrict o_ts = c->ts;
  uint32_t *restrict o_code = c->code, *restrict o_depth = c->depth;
  int32_t *restrict o_line = c->line, *restrict o_offset = c->offset;
  int32_t *restrict o_caller = c->caller_line;
  uint8_t *restrict o_kind = c->kind;
  uint32_t *restrict o_payload_off = c->payload_off, *restrict o_payload_len = c->payload_len;

  for(size_t i=0; i<n; i++){
    unsigned kb = cp[TREC_COL_KIND][i], kind = kb & TREC_KB_KIND;
    size_t pos;
    int32_t base;
    if( kind!=TREC_CALL && kind<TREC_N_KINDS && depth>0
     && (kb & (TREC_KB_FRAME|TREC_KB_SEQGAP|TREC_KB_OFFSET))==0
     && cp[TREC_COL_LINE]<ce[TREC_COL_LINE] && *cp[TREC_COL_LINE]<0x80
     && prev_seq!=UINT64_MAX ){
      /* Most events of a loop: a line (or return) event of the top frame,
      ** next seq, a one-byte line delta. Same rules as below, fewer
      ** tests. */
      int64_t ln;
      pos = depth - 1;
      ln = (int64_t)st.e[pos].line + trec_unzigzag(*cp[TREC_COL_LINE]++);
      if( ln<INT32_MIN || ln>INT32_MAX ) goto out;
      st.e[pos].line = last_line = o_line[i] = (int32_t)ln;
      o_seq[i] = ++prev_seq;
      o_frame[i] = st.e[pos].frame;
      o_code[i] = st.e[pos].code;
      o_depth[i] = (uint32_t)depth;
      o_kind[i] = (uint8_t)kind;
      if( kind==TREC_RETURN ) depth = pos;
      goto rest;
    }
    o_caller[i] = 0;
    if( kind==TREC_KB_CALL_AT ){
      if( depth==0 ) goto out;
      GETV(cp[TREC_COL_LINE], ce[TREC_COL_LINE], v);
      if( add_delta32(st.e[depth-1].line, v, INT32_MIN, INT32_MAX,
                      &st.e[depth-1].line) || st.e[depth-1].line==0 ) goto out;
      o_caller[i] = st.e[depth-1].line;
      kind = TREC_CALL;
    }
    if( kind>=TREC_N_KINDS ) goto out;
    if( kb & TREC_KB_SEQGAP ){
      GETV(cp[TREC_COL_SEQ], ce[TREC_COL_SEQ], v);
      if( v >= UINT64_MAX - prev_seq ) goto out;
      prev_seq += v + 1;
    }else{
      if( prev_seq==UINT64_MAX ) goto out;
      prev_seq++;
    }
    if( kb & TREC_KB_FRAME ){
      uint64_t code, zz, f;
      ptrdiff_t at;
      GETV(cp[TREC_COL_FRAME], ce[TREC_COL_FRAME], code);
      GETV(cp[TREC_COL_FRAME], ce[TREC_COL_FRAME], zz);
      f = max_frame + 1 + (uint64_t)trec_unzigzag(zz);
      if( code==0 || code>UINT32_MAX || f==0 ) goto out;
      if( f>max_frame ) max_frame = f;
      at = kind==TREC_CALL ? -1 : stack_find(st.e, depth, f);
      if( at>=0 ){
        pos = (size_t)at;
        depth = pos + 1;
        base = st.e[pos].line;
      }else{
        if( depth>=st.cap && cstack_grow(&st, depth+1, depth) ){
          rc = TREC_ERR_NOMEM;
          goto out;
        }
        pos = depth++;
        st.e[pos].frame = f;
        base = last_line;
      }
      st.e[pos].code = (uint32_t)code;
    }else{
      if( kind==TREC_CALL || depth==0 ) goto out;
      pos = depth - 1;
      base = st.e[pos].line;
    }
    GETV(cp[TREC_COL_LINE], ce[TREC_COL_LINE], v);
    if( add_delta32(base, v, INT32_MIN, INT32_MAX, &o_line[i]) ) goto out;
    st.e[pos].line = last_line = o_line[i];
    o_seq[i] = prev_seq;
    o_frame[i] = st.e[pos].frame;
    o_code[i] = st.e[pos].code;
    o_depth[i] = (uint32_t)(pos + 1);
    o_kind[i] = (uint8_t)kind;
    if( kind==TREC_RETURN ) depth = pos;
  rest:
    if( want_ts ){
      if( kb & TREC_KB_TS ){
        GETV(cp[TREC_COL_TS], ce[TREC_COL_TS], v);
        prev_ts = (int64_t)((uint64_t)prev_ts + ((uint64_t)trec_unzigzag(v) << ts_shift));
        if( prev_ts==TREC_NO_TS ) goto out;
        o_ts[i] = prev_ts;
      }else{
        o_ts[i] = TREC_NO_TS;
      }
      if( kb & TREC_KB_OFFSET ){
        GETV(cp[TREC_COL_OFFSET], ce[TREC_COL_OFFSET], v);
        if( add_delta32(prev_off, v, 0, INT32_MAX, &prev_off) ) goto out;
        o_offset[i] = prev_off;
      }else{
        o_offset[i] = TREC_NO_OFFSET;
      }
    }
    if( want_pay ){
      o_payload_off[i] = (uint32_t)pay_off;
      if( kb & TREC_KB_PAYLOAD ){
        GETV(cp[TREC_COL_PAYLEN], ce[TREC_COL_PAYLEN], v);
        if( v > pay_len - pay_off ) goto out;
        pay_off += (size_t)v;
      }else{
        v = 0;
      }
      o_payload_len[i] = (uint32_t)v;
    }
  }
  /* every column decoded must be consumed exactly; skipped ones are not
  ** looked at, so a partial decode checks less (section 4.3 still holds
  ** for everything it returns) */
  if( cp[TREC_COL_SEQ]!=ce[TREC_COL_SEQ] || cp[TREC_COL_LINE]!=ce[TREC_COL_LINE]
   || cp[TREC_COL_FRAME]!=ce[TREC_COL_FRAME] ) goto out;
  if( want_ts && (cp[TREC_COL_TS]!=ce[TREC_COL_TS]
                  || cp[TREC_COL_OFFSET]!=ce[TREC_COL_OFFSET]) ) goto out;
  if( want_pay && (cp[TREC_COL_PAYLEN]!=ce[TREC_COL_PAYLEN] || pay_off!=pay_len) )
    goto out;
  c->payload = want_pay ? cp[TREC_COL_PAYLOAD] : NULL;
  c->skipped = flags & (TREC_DECODE_NO_TS | TREC_DECODE_NO_PAYLOAD);
  c->thread = (uint32_t)thread;
  c->n = (size_t)n;
  rc = TREC_OK;
out:
  cstack_free(&st);
  return rc;
}
#undef GETV

void trec_chunk_event(const struct trec_chunk *c, size_t j,
                      struct trec_event *ev){
  int ts = !(c->skipped & TREC_DECODE_NO_TS);
  int pay = !(c->skipped & TREC_DECODE_NO_PAYLOAD);
  ev->seq = c->seq[j];
  ev->frame = c->frame[j];
  ev->ts = ts ? c->ts[j] : TREC_NO_TS;
  ev->thread = c->thread;
  ev->code = c->code[j];
  ev->line = c->line[j];
  ev->offset = ts ? c->offset[j] : TREC_NO_OFFSET;
  ev->caller_line = c->kind[j]==TREC_CALL ? c->caller_line[j] : 0;
  ev->depth = c->depth[j];
  ev->kind = c->kind[j];
  ev->payload_len = pay ? c->payload_len[j] : 0;
  ev->payload = ev->payload_len ? c->payload + c->payload_off[j] : NULL;
}

ptrdiff_t trec_chunk_find_seq(const struct trec_chunk *c, uint64_t seq){
  size_t lo = 0, hi = c->n;
  while( lo<hi ){
    size_t mid = lo + (hi - lo)/2;
    if( c->seq[mid]<seq ) lo = mid + 1; else hi = mid;
  }
  return lo<c->n && c->seq[lo]==seq ? (ptrdiff_t)lo : -1;
}

size_t trec_chunk_scan_len(const unsigned char *raw, size_t avail, unsigned flags){
  const unsigned char *p = raw, *end = raw + avail;
  uint64_t v, n_start;
  int64_t sv;
  if( trec_get_varint(&p, end, &v) || trec_get_varint(&p, end, &v)
   || trec_get_varint(&p, end, &v) || trec_get_svarint(&p, end, &sv)
   || (!(flags & TREC_DECODE_PRE4) && trec_get_varint(&p, end, &v))
   || trec_get_varint(&p, end, &v) || trec_get_varint(&p, end, &n_start)
   || n_start > avail ) return 0;
  for(uint64_t i=0; i<3*n_start; i++)
    if( trec_get_varint(&p, end, &v) ) return 0;
  for(int i=0; i<TREC_COL_TS; i++){
    if( trec_get_varint(&p, end, &v) ) return 0;
    if( v > (uint64_t)(end - p) ) return (size_t)(p - raw) + (v > TREC_MAX_RAW_LEN ? 0 : (size_t)v);
    p += v;
  }
  return (size_t)(p - raw);
}

/* LZ4 restarts from the block's start on every call, so a good first
** guess matters: a loop-heavy chunk's prefix is ~2 of its ~8 bytes per
** event. */
int trec_chunk_decompress_scan(int codec, const void *src, size_t len,
                               size_t raw_len, size_t guess, unsigned flags,
                               struct trec_buf *out){
  size_t want = guess;
  for(;;){
    size_t need;
    int rc = trec_block_decompress_prefix(codec, src, len, raw_len, want, out);
    if( rc || out->len>=raw_len ) return rc;
    need = trec_chunk_scan_len(out->data, out->len, flags);
    if( need && need<=out->len ) return TREC_OK;
    want = need>want ? need + need/8 : want*2;
  }
}

/* ---- Keyframes ---- */

void trec_keyframe_init(struct trec_keyframe *k){
  k->n = 0;
  k->frames = NULL;
  k->cap = 0;
  trec_buf_init(&k->raw);
}

void trec_keyframe_release(struct trec_keyframe *k){
  if( !k ) return;
  free(k->frames);
  trec_buf_release(&k->raw);
  trec_keyframe_init(k);
}

int trec_keyframe_decode(const unsigned char *raw, size_t len,
                         struct trec_keyframe *k){
  const unsigned char *p = raw, *end = raw + len;
  uint64_t n, f, code, zz, vlen;
  k->n = 0;
  if( trec_get_varint(&p, end, &n) || n > len/4 ) return TREC_ERR_CORRUPT;
  if( n>k->cap ){
    struct trec_kframe *fr = realloc(k->frames, (size_t)n*sizeof(*fr));
    if( !fr ) return TREC_ERR_NOMEM;
    k->frames = fr;
    k->cap = (size_t)n;
  }
  for(size_t i=0; i<n; i++){
    struct trec_kframe *x = &k->frames[i];
    if( trec_get_varint(&p, end, &f) || trec_get_varint(&p, end, &code)
     || trec_get_varint(&p, end, &zz) || trec_get_varint(&p, end, &vlen) )
      return TREC_ERR_CORRUPT;
    if( f==0 || code==0 || code>UINT32_MAX || vlen > (uint64_t)(end - p)
     || add_delta32(0, zz, INT32_MIN, INT32_MAX, &x->line) )
      return TREC_ERR_CORRUPT;
    if( trec_payload_check(p, p + vlen) ) return TREC_ERR_CORRUPT;
    x->frame = f;
    x->code = (uint32_t)code;
    x->values = p;
    x->values_len = (uint32_t)vlen;
    p += vlen;
  }
  if( p!=end ) return TREC_ERR_CORRUPT;
  k->n = (size_t)n;
  return TREC_OK;
}

/* ---- Blocks ---- */

const char *trec_codec_name(int codec){
  switch( codec ){
    case TREC_CODEC_RAW: return "raw";
    case TREC_CODEC_LZ4: return "lz4";
    case TREC_CODEC_LZ4HC: return "lz4hc";
  }
  return NULL;
}

int trec_block_compress(int codec, int level, const void *src, size_t len,
                        struct trec_buf *out){
  int bound, r;
  trec_buf_reset(out);
  if( codec==TREC_CODEC_RAW ){
    if( trec_buf_room(out, len ? len : 1) ) return TREC_ERR_NOMEM;
    trec_buf_put(out, src, len);
    return TREC_OK;
  }
  if( codec!=TREC_CODEC_LZ4 && codec!=TREC_CODEC_LZ4HC ) return TREC_ERR_INVALID;
  if( len > LZ4_MAX_INPUT_SIZE ) return TREC_ERR_LIMIT;
  bound = LZ4_compressBound((int)len);
  if( trec_buf_room(out, (size_t)bound) ) return TREC_ERR_NOMEM;
  if( codec==TREC_CODEC_LZ4 )
    r = LZ4_compress_default(src, (char*)out->data, (int)len, bound);
  else
    r = LZ4_compress_HC(src, (char*)out->data, (int)len, bound, level);
  if( r<=0 ) return TREC_ERR_CODEC;
  out->len = (size_t)r;
  return TREC_OK;
}

int trec_block_decompress_prefix(int codec, const void *src, size_t len,
                                 size_t raw_len, size_t want, struct trec_buf *out){
  int r;
  if( codec!=TREC_CODEC_LZ4 && codec!=TREC_CODEC_LZ4HC )
    return trec_block_decompress(codec, src, len, raw_len, out);
  if( want>=raw_len ) return trec_block_decompress(codec, src, len, raw_len, out);
  trec_buf_reset(out);
  if( raw_len > TREC_MAX_RAW_LEN || len > INT_MAX ) return TREC_ERR_CORRUPT;
  if( trec_buf_room(out, raw_len) ) return TREC_ERR_NOMEM;
  if( len==0 ) return TREC_ERR_CORRUPT;
  r = LZ4_decompress_safe_partial(src, (char*)out->data, (int)len, (int)want,
                                  (int)raw_len);
  if( r<0 || (size_t)r<want ) return TREC_ERR_CORRUPT;
  out->len = (size_t)r;
  return TREC_OK;
}

int trec_block_decompress(int codec, const void *src, size_t len,
                          size_t raw_len, struct trec_buf *out){
  int r;
  trec_buf_reset(out);
  if( codec!=TREC_CODEC_RAW && codec!=TREC_CODEC_LZ4 && codec!=TREC_CODEC_LZ4HC )
    return TREC_ERR_CODEC;
  if( raw_len > TREC_MAX_RAW_LEN || len > INT_MAX ) return TREC_ERR_CORRUPT;
  if( trec_buf_room(out, raw_len ? raw_len : 1) ) return TREC_ERR_NOMEM;
  if( codec==TREC_CODEC_RAW ){
    if( len!=raw_len ) return TREC_ERR_CORRUPT;
    trec_buf_put(out, src, len);
    return TREC_OK;
  }
  if( len==0 ) return TREC_ERR_CORRUPT;
  r = LZ4_decompress_safe(src, (char*)out->data, (int)len, (int)raw_len);
  if( r<0 || (size_t)r!=raw_len ) return TREC_ERR_CORRUPT;
  out->len = raw_len;
  return TREC_OK;
}
