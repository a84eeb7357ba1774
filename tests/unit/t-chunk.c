/*
** t-chunk.c: unit tests of the chunk codec, the keyframe parser, payload
** walking and the LZ4 blocks (schema/chunk.c, payload.c, xxh32.c). Round
** trips compare against the naive model of t-writer-gen.h; damaged input
** (every truncation, random bit flips) must give an error, never a crash:
** run this under ASan (configure --enable-asan) to see that it reads
** nothing out of bounds.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "trace_int.h"
#include "t-writer-gen.h"

/* Events of one thread of g (seq gaps where other threads ran). */
static size_t pick_thread(const struct gen_stream *g, uint32_t tid,
                          struct trec_event *out, uint32_t *depth){
  size_t n = 0;
  for(size_t i=0; i<g->n; i++){
    if( g->ev[i].thread!=tid ) continue;
    out[n] = g->ev[i];
    depth[n] = g->depth[i];
    n++;
  }
  return n;
}

static void assert_event(const struct trec_chunk *c, size_t j,
                         const struct trec_event *want, uint32_t depth){
  struct trec_event got;
  trec_chunk_event(c, j, &got);
  assert_int_equal(got.seq, want->seq);
  assert_int_equal(got.frame, want->frame);
  assert_int_equal(got.ts, want->ts);
  assert_int_equal(got.thread, want->thread);
  assert_int_equal(got.code, want->code);
  assert_int_equal(got.line, want->line);
  assert_int_equal(got.offset, want->offset);
  assert_int_equal(got.caller_line, want->caller_line);
  assert_int_equal(got.kind, want->kind);
  assert_int_equal(got.depth, depth);
  assert_int_equal(got.payload_len, want->payload_len);
  if( want->payload_len )
    assert_memory_equal(got.payload, want->payload, want->payload_len);
}

/* Stack the decoder holds after events ev[0..n) from start (the model). */
static size_t model_stack(struct gen_thread *m, const struct trec_event *ev,
                          size_t n, struct trec_stack_entry *out){
  for(size_t i=0; i<n; i++) model_apply(m, &ev[i], NULL);
  for(size_t i=0; i<m->depth; i++){
    out[i].frame = m->st[i].frame;
    out[i].code = m->st[i].code;
    out[i].line = m->st[i].line;
  }
  return m->depth;
}

static void test_xxh32_vectors(void **state){
  static const char spam[] = "Nobody inspects the spammish repetition";
  (void)state;
  assert_int_equal(trec_xxh32("", 0, 0), 0x02CC5D05u);
  assert_int_equal(trec_xxh32("a", 1, 0), 0x550D7456u);
  assert_int_equal(trec_xxh32("abc", 3, 0), 0x32D153FFu);
  assert_int_equal(trec_xxh32(spam, sizeof spam - 1, 0), 0xE2293B2Fu);
}

static void test_varint_edges(void **state){
  static const uint64_t v[] = { 0, 1, 127, 128, 16383, 16384, UINT32_MAX,
                                (uint64_t)INT64_MAX, UINT64_MAX };
  struct trec_buf b = TREC_BUF_INIT;
  const unsigned char *p, *end;
  uint64_t got;
  static const unsigned char overlong[11] = { 0x80,0x80,0x80,0x80,0x80,0x80,
                                              0x80,0x80,0x80,0x80,0x01 };
  static const unsigned char overflow[10] = { 0xff,0xff,0xff,0xff,0xff,0xff,
                                              0xff,0xff,0xff,0x02 };
  (void)state;
  for(size_t i=0; i<sizeof v/sizeof *v; i++) trec_buf_put_varint(&b, v[i]);
  p = b.data;
  end = b.data + b.len;
  for(size_t i=0; i<sizeof v/sizeof *v; i++){
    assert_int_equal(trec_get_varint(&p, end, &got), 0);
    assert_int_equal(got, v[i]);
  }
  assert_ptr_equal(p, end);
  p = overlong;
  assert_int_equal(trec_get_varint(&p, overlong + 11, &got), -1);
  p = overflow;
  assert_int_equal(trec_get_varint(&p, overflow + 10, &got), -1);
  p = b.data + b.len - 10;                   /* UINT64_MAX cut short */
  assert_int_equal(trec_get_varint(&p, b.data + b.len - 1, &got), -1);
  trec_buf_release(&b);
}

/* One thread of a multi-thread stream as one chunk: seq gaps, calls,
** generator resumes, exceptions, opcodes, timestamps, every value type. */
static void roundtrip_one(uint64_t seed, uint32_t n_threads, uint32_t max_depth,
                          int mid_program){
  struct gen_stream g;
  struct trec_event *ev;
  uint32_t *depth;
  struct trec_buf raw = TREC_BUF_INIT;
  struct trec_chunk c;
  size_t n;
  gen_stream(&g, seed, 3000, n_threads, max_depth, mid_program, 0);
  ev = malloc(g.n * sizeof *ev);
  depth = malloc(g.n * sizeof *depth);
  trec_chunk_init(&c);
  for(uint32_t tid=1; tid<=n_threads; tid++){
    n = pick_thread(&g, tid, ev, depth);
    if( !n ) continue;
    trec_buf_reset(&raw);
    assert_int_equal(trec_chunk_encode(ev, n, NULL, 0, &raw), TREC_OK);
    assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
    assert_int_equal(c.n, n);
    assert_int_equal(c.thread, tid);
    for(size_t j=0; j<n; j++) assert_event(&c, j, &ev[j], depth[j]);
  }
  trec_chunk_release(&c);
  trec_buf_release(&raw);
  free(ev);
  free(depth);
  gen_stream_release(&g);
}

static void test_roundtrip_single_thread(void **state){
  (void)state;
  for(uint64_t seed=1; seed<=5; seed++) roundtrip_one(seed, 1, 40, 0);
}

static void test_roundtrip_threads_gaps(void **state){
  (void)state;
  for(uint64_t seed=10; seed<=14; seed++) roundtrip_one(seed, 4, 8, 0);
}

static void test_roundtrip_shallow_and_deep(void **state){
  (void)state;
  roundtrip_one(20, 1, 1, 0);
  roundtrip_one(21, 1, 60, 0);
  roundtrip_one(22, 2, 60, 0);
}

/* A recording started mid-program: frames never called heal into place. */
static void test_roundtrip_mid_program(void **state){
  (void)state;
  for(uint64_t seed=30; seed<=34; seed++) roundtrip_one(seed, 2, 10, 1);
}

/* Split one thread into chunks at random points; each chunk starts from
** the stack the model holds there, as the writer does. */
static void test_roundtrip_split_with_start_stacks(void **state){
  struct gen_stream g;
  struct gen_rng r = { 99 };
  struct gen_thread *m = calloc(1, sizeof *m);
  struct trec_stack_entry start[64];
  struct trec_buf raw = TREC_BUF_INIT;
  struct trec_chunk c;
  size_t n_start = 0;
  (void)state;
  gen_stream(&g, 41, 5000, 1, 30, 0, 0);
  trec_chunk_init(&c);
  for(size_t at=0; at<g.n; ){
    size_t len = 1 + gen_below(&r, 700);
    if( len > g.n - at ) len = g.n - at;
    trec_buf_reset(&raw);
    assert_int_equal(trec_chunk_encode(g.ev + at, len, start, n_start, &raw), TREC_OK);
    assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
    assert_int_equal(c.n, len);
    for(size_t j=0; j<len; j++) assert_event(&c, j, &g.ev[at+j], g.depth[at+j]);
    n_start = model_stack(m, g.ev + at, len, start);
    at += len;
  }
  model_release(m, 1);
  free(m);
  trec_chunk_release(&c);
  trec_buf_release(&raw);
  gen_stream_release(&g);
}

/* An event in a frame below the top pops down to it; depth follows. */
static void test_start_stack_pop_down(void **state){
  struct trec_stack_entry start[3] = { { 5, 1, 10 }, { 9, 2, 20 }, { 12, 3, 30 } };
  struct trec_event ev[3] = {
    { .seq = 7, .frame = 9, .ts = TREC_NO_TS, .thread = 2, .code = 2, .line = 21,
      .offset = TREC_NO_OFFSET, .kind = TREC_LINE },
    { .seq = 8, .frame = 9, .ts = TREC_NO_TS, .thread = 2, .code = 2, .line = 22,
      .offset = TREC_NO_OFFSET, .kind = TREC_RETURN },
    { .seq = 9, .frame = 5, .ts = 123, .thread = 2, .code = 1, .line = 11,
      .offset = TREC_NO_OFFSET, .kind = TREC_LINE },
  };
  static const uint32_t depth[3] = { 2, 2, 1 };
  struct trec_buf raw = TREC_BUF_INIT;
  struct trec_chunk c;
  (void)state;
  trec_chunk_init(&c);
  assert_int_equal(trec_chunk_encode(ev, 3, start, 3, &raw), TREC_OK);
  assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
  for(size_t j=0; j<3; j++) assert_event(&c, j, &ev[j], depth[j]);
  /* one event: the smallest chunk */
  trec_buf_reset(&raw);
  assert_int_equal(trec_chunk_encode(ev + 2, 1, start, 1, &raw), TREC_OK);
  assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
  assert_int_equal(c.n, 1);
  assert_event(&c, 0, &ev[2], 1);
  trec_chunk_release(&c);
  trec_buf_release(&raw);
}

static void test_encode_rejects_bad_events(void **state){
  struct trec_event ev[2] = {
    { .seq = 1, .frame = 1, .ts = TREC_NO_TS, .thread = 1, .code = 1,
      .offset = TREC_NO_OFFSET, .kind = TREC_CALL },
    { .seq = 2, .frame = 1, .ts = TREC_NO_TS, .thread = 1, .code = 1,
      .offset = TREC_NO_OFFSET, .kind = TREC_LINE },
  };
  struct trec_buf raw = TREC_BUF_INIT;
  (void)state;
  assert_int_equal(trec_chunk_encode(ev, 0, NULL, 0, &raw), TREC_ERR_INVALID);
  ev[1].seq = 1;
  assert_int_equal(trec_chunk_encode(ev, 2, NULL, 0, &raw), TREC_ERR_INVALID);
  ev[1].seq = 2; ev[1].kind = 7;
  assert_int_equal(trec_chunk_encode(ev, 2, NULL, 0, &raw), TREC_ERR_INVALID);
  ev[1].kind = TREC_LINE; ev[1].thread = 2;
  assert_int_equal(trec_chunk_encode(ev, 2, NULL, 0, &raw), TREC_ERR_INVALID);
  ev[1].thread = 1; ev[1].frame = 0;
  assert_int_equal(trec_chunk_encode(ev, 2, NULL, 0, &raw), TREC_ERR_INVALID);
  ev[1].frame = 1; ev[1].offset = -5;
  assert_int_equal(trec_chunk_encode(ev, 2, NULL, 0, &raw), TREC_ERR_INVALID);
  ev[1].offset = TREC_NO_OFFSET; ev[1].payload_len = 3;
  assert_int_equal(trec_chunk_encode(ev, 2, NULL, 0, &raw), TREC_ERR_INVALID);
  ev[1].payload_len = 0;
  assert_int_equal(trec_chunk_encode(ev, 2, NULL, 0, &raw), TREC_OK);
  trec_buf_release(&raw);
}

static void test_blocks_every_codec(void **state){
  static const size_t sizes[] = { 0, 1, 17, 100000 };
  struct trec_buf src = TREC_BUF_INIT, comp = TREC_BUF_INIT, back = TREC_BUF_INIT;
  struct gen_rng r = { 5 };
  (void)state;
  for(size_t k=0; k<100000; k++)
    trec_buf_put_u8(&src, k%50 ? (unsigned)(k/100) : (unsigned)gen_below(&r, 256));
  for(int codec=TREC_CODEC_RAW; codec<=TREC_CODEC_LZ4HC; codec++){
    for(size_t i=0; i<sizeof sizes/sizeof *sizes; i++){
      assert_int_equal(trec_block_compress(codec, 9, src.data, sizes[i], &comp), TREC_OK);
      assert_int_equal(trec_block_decompress(codec, comp.data, comp.len, sizes[i], &back),
                       TREC_OK);
      assert_int_equal(back.len, sizes[i]);
      if( sizes[i] ) assert_memory_equal(back.data, src.data, sizes[i]);
    }
    if( codec!=TREC_CODEC_RAW ) assert_true(comp.len < 100000);
  }
  assert_string_equal(trec_codec_name(TREC_CODEC_LZ4HC), "lz4hc");
  assert_null(trec_codec_name(3));
  trec_buf_release(&src);
  trec_buf_release(&comp);
  trec_buf_release(&back);
}

static void test_blocks_bad_input(void **state){
  struct trec_buf src = TREC_BUF_INIT, comp = TREC_BUF_INIT, back = TREC_BUF_INIT;
  (void)state;
  for(int k=0; k<5000; k++) trec_buf_put_u8(&src, (unsigned)(k % 7));
  assert_int_equal(trec_block_compress(TREC_CODEC_LZ4, 0, src.data, src.len, &comp), TREC_OK);
  assert_int_equal(trec_block_decompress(TREC_CODEC_LZ4, comp.data, comp.len, 4999, &back),
                   TREC_ERR_CORRUPT);
  assert_int_equal(trec_block_decompress(TREC_CODEC_LZ4, comp.data, comp.len, 5001, &back),
                   TREC_ERR_CORRUPT);
  for(size_t cut=0; cut<comp.len; cut++)
    assert_int_equal(trec_block_decompress(TREC_CODEC_LZ4, comp.data, cut, 5000, &back),
                     TREC_ERR_CORRUPT);
  assert_int_equal(trec_block_decompress(9, comp.data, comp.len, 5000, &back), TREC_ERR_CODEC);
  assert_int_equal(trec_block_decompress(TREC_CODEC_RAW, src.data, 10, 11, &back),
                   TREC_ERR_CORRUPT);
  assert_int_equal(trec_block_decompress(TREC_CODEC_LZ4, comp.data, comp.len,
                                         (size_t)1 << 40, &back), TREC_ERR_CORRUPT);
  assert_int_equal(trec_block_compress(7, 0, src.data, src.len, &comp), TREC_ERR_INVALID);
  trec_buf_release(&src);
  trec_buf_release(&comp);
  trec_buf_release(&back);
}

static void encode_sample(struct trec_buf *raw, uint64_t seed, size_t n){
  struct gen_stream g;
  struct trec_stack_entry start[2] = { { 1000, 3, 7 }, { 1001, 4, 8 } };
  gen_stream(&g, seed, n, 1, 12, 1, 0);
  assert_int_equal(trec_chunk_encode(g.ev, g.n, start, 2, raw), TREC_OK);
  gen_stream_release(&g);
}

/* Every truncation of a chunk is corrupt; none reads out of bounds. */
static void test_truncation_every_length(void **state){
  struct trec_buf raw = TREC_BUF_INIT;
  struct trec_chunk c;
  (void)state;
  trec_chunk_init(&c);
  encode_sample(&raw, 50, 300);
  assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
  for(size_t cut=0; cut<raw.len; cut++){
    /* a copy of exactly cut bytes, so ASan sees any read past it */
    unsigned char *p = malloc(cut ? cut : 1);
    memcpy(p, raw.data, cut);
    assert_int_equal(trec_chunk_decode(p, cut, &c), TREC_ERR_CORRUPT);
    free(p);
  }
  trec_chunk_release(&c);
  trec_buf_release(&raw);
}

/* The scan prefix: a decode of only kind, seq, line and frame needs
** exactly trec_chunk_scan_len() bytes, gives the same columns as a full
** decode, fails cleanly on anything shorter, and the LZ4 path that
** decompresses only that prefix agrees whatever its first guess. */
static void test_scan_prefix(void **state){
  const unsigned scan = TREC_DECODE_NO_TS | TREC_DECODE_NO_PAYLOAD;
  struct trec_buf raw = TREC_BUF_INIT, comp = TREC_BUF_INIT, out = TREC_BUF_INIT;
  struct trec_chunk c, p;
  size_t need;
  (void)state;
  trec_chunk_init(&c);
  trec_chunk_init(&p);
  encode_sample(&raw, 52, 300);
  assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
  need = trec_chunk_scan_len(raw.data, raw.len, 0);
  assert_true(need>0 && need<raw.len);
  for(size_t cut=0; cut<=raw.len; cut++){
    unsigned char *b = malloc(cut ? cut : 1);
    size_t got;
    int rc;
    memcpy(b, raw.data, cut);
    got = trec_chunk_scan_len(b, cut, 0);
    assert_true(got==0 || got==need || (cut<need && got>cut));
    if( cut>=need ) assert_int_equal(got, need);
    rc = trec_chunk_decode_ex(b, cut, scan, &p);
    assert_int_equal(rc, cut<need ? TREC_ERR_CORRUPT : TREC_OK);
    if( rc==TREC_OK ) assert_true(gen_scan_equal(&p, &c));
    free(b);
  }
  assert_int_equal(trec_block_compress(TREC_CODEC_LZ4, 0, raw.data, raw.len, &comp), TREC_OK);
  for(size_t guess=1; guess<raw.len+10; guess+=guess/3+1){
    assert_int_equal(trec_chunk_decompress_scan(TREC_CODEC_LZ4, comp.data, comp.len,
                                                raw.len, guess, 0, &out), TREC_OK);
    assert_true(out.len>=need && out.len<=raw.len);
    assert_memory_equal(out.data, raw.data, out.len);
  }
  /* a cut block may still hold the prefix (the checksum guards the rest),
  ** but never yields more than it holds */
  assert_int_equal(trec_chunk_decompress_scan(TREC_CODEC_LZ4, comp.data, comp.len / 8,
                                              raw.len, raw.len, 0, &out), TREC_ERR_CORRUPT);
  for(size_t cut=1; cut<comp.len; cut+=7){
    int rc = trec_chunk_decompress_scan(TREC_CODEC_LZ4, comp.data, cut, raw.len, 16, 0, &out);
    assert_true(rc==TREC_ERR_CORRUPT || (rc==TREC_OK && out.len>=need && out.len<raw.len
                                          && !memcmp(out.data, raw.data, out.len)));
  }
  trec_buf_release(&out);
  trec_buf_release(&comp);
  trec_chunk_release(&c);
  trec_chunk_release(&p);
  trec_buf_release(&raw);
}

/* Random bit flips: an error or a chunk that still obeys the invariants. */
static void test_bit_flips(void **state){
  struct trec_buf raw = TREC_BUF_INIT;
  struct trec_chunk c;
  struct gen_rng r = { 77 };
  size_t ok = 0;
  (void)state;
  trec_chunk_init(&c);
  encode_sample(&raw, 51, 400);
  for(int round=0; round<3000; round++){
    unsigned char *p = malloc(raw.len);
    memcpy(p, raw.data, raw.len);
    for(uint32_t k=1+gen_below(&r, 3); k>0; k--)
      p[gen_below(&r, (uint32_t)raw.len)] ^= (unsigned char)(1u << gen_below(&r, 8));
    int rc = trec_chunk_decode_ex(p, raw.len, TREC_DECODE_NO_TS | TREC_DECODE_NO_PAYLOAD, &c);
    assert_true(rc==TREC_OK || rc==TREC_ERR_CORRUPT);
    rc = trec_chunk_decode(p, raw.len, &c);
    assert_true(rc==TREC_OK || rc==TREC_ERR_CORRUPT);
    if( rc==TREC_OK ){
      ok++;
      for(size_t j=0; j<c.n; j++){
        assert_true(c.depth[j]>=1);
        assert_true(c.frame[j]>0 && c.code[j]>0 && c.kind[j]<TREC_N_KINDS);
        assert_true(j==0 || c.seq[j]>c.seq[j-1]);
        assert_true((size_t)c.payload_off[j] + c.payload_len[j] <= raw.len);
      }
    }
    free(p);
  }
  assert_true(ok < 3000);
  trec_chunk_release(&c);
  trec_buf_release(&raw);
}

static void test_payload_every_type(void **state){
  struct gen_rng r = { 3 };
  struct trec_buf b = TREC_BUF_INIT;
  const unsigned char *ends[400];
  struct trec_entry e;
  const unsigned char *p;
  (void)state;
  for(uint32_t i=0; i<400; i++){
    trec_payload_key(&b, (enum trec_pkind)(i%3), i);
    gen_value(&r, &b, 0);
    ends[i] = (const unsigned char*)(uintptr_t)b.len;
  }
  p = b.data;
  for(uint32_t i=0; i<400; i++){
    assert_int_equal(trec_payload_next(&p, b.data + b.len, &e), TREC_OK);
    assert_int_equal(e.kind, i%3);
    assert_int_equal(e.slot, i);
    assert_int_equal((size_t)(e.value_end - b.data), (size_t)(uintptr_t)ends[i]);
  }
  assert_int_equal(trec_payload_next(&p, b.data + b.len, &e), TREC_ERR_NOTFOUND);
  assert_int_equal(trec_payload_check(b.data, b.data + b.len), TREC_OK);
  for(size_t cut=0; cut<200; cut++){
    /* a cut inside a value or key is corrupt; at an entry boundary it is not */
    int at_boundary = cut==0;
    for(int i=0; i<400; i++) at_boundary |= (size_t)(uintptr_t)ends[i]==cut;
    assert_int_equal(trec_payload_check(b.data, b.data + cut)==TREC_OK, at_boundary);
  }
  trec_buf_release(&b);
}

static void test_payload_bad(void **state){
  struct trec_buf b = TREC_BUF_INIT;
  (void)state;
  trec_buf_put_varint(&b, 3);                  /* a PATCH cut short */
  trec_venc_none(&b);
  assert_int_equal(trec_payload_check(b.data, b.data + b.len), TREC_ERR_CORRUPT);
  static const struct { unsigned char b[4]; int rc; } patch[] = {
    { { 3, 0, 0, 0 }, TREC_OK },               /* well formed: no ops */
    { { 3, TREC_PATCH_INT, 0, 2 }, TREC_OK },  /* well formed: plus 1 */
    { { 3, 8, 0, 0 }, TREC_ERR_CORRUPT },      /* an unknown `what` bit */
    { { 3, TREC_PATCH_BACK, 0, 0 }, TREC_ERR_CORRUPT },   /* counting back 0 values */
    { { 3, TREC_PATCH_RETURN, 0, 0 }, TREC_ERR_CORRUPT }, /* a return value's own */
    { { 7, TREC_PATCH_RETURN|TREC_PATCH_BACK, 1, 0 }, TREC_ERR_CORRUPT }, /* its slot 1 */
    { { 3, TREC_PATCH_INT, 0, 0x80 }, TREC_ERR_CORRUPT }  /* a difference cut short */
  };
  for(size_t i=0; i<sizeof patch / sizeof patch[0]; i++)
    assert_int_equal(trec_payload_check(patch[i].b, patch[i].b + 4), patch[i].rc);
  trec_buf_reset(&b);
  trec_payload_key(&b, TREC_PK_VAR, 0);        /* nesting past the limit */
  for(int i=0; i<TREC_VALUE_MAX_DEPTH + 5; i++) trec_venc_container(&b, TREC_V_LIST, 1, 1, 1);
  trec_venc_none(&b);
  assert_int_equal(trec_payload_check(b.data, b.data + b.len), TREC_ERR_CORRUPT);
  trec_buf_reset(&b);
  trec_payload_key(&b, TREC_PK_VAR, 0);        /* a billion items in 4 bytes */
  trec_venc_container(&b, TREC_V_LIST, 1, 1000000000, 1000000000);
  trec_venc_none(&b);
  assert_int_equal(trec_payload_check(b.data, b.data + b.len), TREC_ERR_CORRUPT);
  trec_buf_reset(&b);
  trec_payload_key(&b, TREC_PK_VAR, 0);        /* unknown tag */
  trec_buf_put_u8(&b, 0x7f);
  assert_int_equal(trec_payload_check(b.data, b.data + b.len), TREC_ERR_CORRUPT);
  trec_buf_reset(&b);
  trec_buf_put_varint(&b, (uint64_t)1 << 40);  /* slot beyond 32 bits */
  trec_venc_none(&b);
  assert_int_equal(trec_payload_check(b.data, b.data + b.len), TREC_ERR_CORRUPT);
  trec_buf_release(&b);
}

/* A back PATCH (format 3.0) starts from the value that many values
** before it in the chunk, keyframe first: one reaching before the first
** is damage, not a read outside the chunk. */
static void test_patch_back(void **state){
  struct trec_buf pay = TREC_BUF_INIT, raw = TREC_BUF_INIT, want = TREC_BUF_INIT;
  struct trec_keyframe k;
  struct trec_chunk c;
  struct trec_event ev = { .seq = 1, .frame = 1, .ts = TREC_NO_TS, .thread = 1,
    .code = 1, .line = 1, .offset = TREC_NO_OFFSET, .kind = TREC_CALL };
  (void)state;
  trec_keyframe_init(&k);
  trec_chunk_init(&c);
  for(uint64_t from=2; from>=1; from--){
    trec_buf_reset(&pay);
    trec_payload_key(&pay, TREC_PK_VAR, 0);
    trec_venc_str(&pay, "abcdefgh", 8, 8);
    trec_payload_key(&pay, TREC_PK_PATCH, 1);  /* slot 1: slot 0's value, */
    trec_buf_put_u8(&pay, TREC_PATCH_BACK);    /* its last byte replaced */
    trec_buf_put_varint(&pay, from);
    trec_buf_put_varint(&pay, 1);
    trec_buf_put_varint(&pay, 10);
    trec_buf_put_varint(&pay, 1);
    trec_buf_put_varint(&pay, 1);
    trec_buf_put_u8(&pay, 'z');
    ev.payload = pay.data;
    ev.payload_len = (uint32_t)pay.len;
    trec_buf_reset(&raw);
    assert_int_equal(trec_chunk_encode(&ev, 1, NULL, 0, &raw), TREC_OK);
    assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
    assert_int_equal(trec_patch_resolve(&c, &k), from==1 ? TREC_OK : TREC_ERR_CORRUPT);
  }
  trec_payload_key(&want, TREC_PK_VAR, 0);
  trec_venc_str(&want, "abcdefgh", 8, 8);
  trec_payload_key(&want, TREC_PK_VAR, 1);
  trec_venc_str(&want, "abcdefgz", 8, 8);
  assert_int_equal(c.payload_len[0], want.len);
  assert_memory_equal(c.payload + c.payload_off[0], want.data, want.len);
  trec_chunk_release(&c);
  trec_keyframe_release(&k);
  trec_buf_release(&pay);
  trec_buf_release(&raw);
  trec_buf_release(&want);
}

/* An INT PATCH (format 4.0) adds its difference to the variable's int:
** a base that is not an int, a sum past int64 or a slot with no value is
** damage. */
static void test_patch_int(void **state){
  struct trec_buf pay = TREC_BUF_INIT, raw = TREC_BUF_INIT, want = TREC_BUF_INIT;
  struct trec_keyframe k;
  struct trec_chunk c;
  struct trec_event ev[2];
  static const struct { int64_t base; int64_t d; uint32_t slot; int rc; } cases[] = {
    { 5, 3, 0, TREC_OK },
    { -5, -(INT64_MAX - 10), 0, TREC_OK },
    { INT64_MAX, 1, 0, TREC_ERR_CORRUPT },
    { INT64_MIN, -1, 0, TREC_ERR_CORRUPT },
    { 5, 3, 1, TREC_ERR_CORRUPT },            /* slot 1 holds a str */
    { 5, 3, 2, TREC_ERR_CORRUPT }             /* slot 2 holds nothing */
  };
  (void)state;
  trec_keyframe_init(&k);
  trec_chunk_init(&c);
  for(size_t i=0; i<sizeof cases / sizeof *cases; i++){
    struct trec_buf first = TREC_BUF_INIT;
    trec_payload_key(&first, TREC_PK_VAR, 0);
    trec_venc_int(&first, cases[i].base);
    trec_payload_key(&first, TREC_PK_VAR, 1);
    trec_venc_str(&first, "s", 1, 1);
    trec_buf_reset(&pay);
    trec_payload_key(&pay, TREC_PK_PATCH, cases[i].slot);
    trec_buf_put_u8(&pay, TREC_PATCH_INT);
    trec_buf_put_varint(&pay, 0);
    trec_buf_put_svarint(&pay, cases[i].d);
    ev[0] = (struct trec_event){ .seq = 1, .frame = 1, .ts = TREC_NO_TS, .thread = 1,
      .code = 1, .line = 1, .offset = TREC_NO_OFFSET, .kind = TREC_CALL,
      .payload = first.data, .payload_len = (uint32_t)first.len };
    ev[1] = ev[0];
    ev[1].seq = 2;
    ev[1].kind = TREC_LINE;
    ev[1].payload = pay.data;
    ev[1].payload_len = (uint32_t)pay.len;
    trec_buf_reset(&raw);
    assert_int_equal(trec_chunk_encode(ev, 2, NULL, 0, &raw), TREC_OK);
    assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
    assert_int_equal(trec_patch_resolve(&c, &k), cases[i].rc);
    if( cases[i].rc==TREC_OK ){
      trec_buf_reset(&want);
      trec_payload_key(&want, TREC_PK_VAR, 0);
      trec_venc_int(&want, cases[i].base + cases[i].d);
      assert_int_equal(c.payload_len[1], want.len);
      assert_memory_equal(c.payload + c.payload_off[1], want.data, want.len);
    }
    trec_buf_release(&first);
  }
  trec_chunk_release(&c);
  trec_keyframe_release(&k);
  trec_buf_release(&pay);
  trec_buf_release(&raw);
  trec_buf_release(&want);
}

static void test_keyframe_decode(void **state){
  struct trec_buf raw = TREC_BUF_INIT, v = TREC_BUF_INIT;
  struct trec_keyframe k;
  (void)state;
  trec_keyframe_init(&k);
  trec_payload_key(&v, TREC_PK_VAR, 1);
  trec_venc_int(&v, 42);
  trec_buf_put_varint(&raw, 2);
  for(int i=0; i<2; i++){
    trec_buf_put_varint(&raw, 10 + (uint64_t)i);
    trec_buf_put_varint(&raw, 3);
    trec_buf_put_svarint(&raw, -5 + i);
    trec_buf_put_varint(&raw, i ? v.len : 0);
    if( i ) trec_buf_put(&raw, v.data, v.len);
  }
  assert_int_equal(trec_keyframe_decode(raw.data, raw.len, &k), TREC_OK);
  assert_int_equal(k.n, 2);
  assert_int_equal(k.frames[1].frame, 11);
  assert_int_equal(k.frames[1].line, -4);
  assert_int_equal(k.frames[0].values_len, 0);
  assert_int_equal(k.frames[1].values_len, v.len);
  assert_memory_equal(k.frames[1].values, v.data, v.len);
  for(size_t cut=0; cut<raw.len; cut++)
    assert_int_equal(trec_keyframe_decode(raw.data, cut, &k), TREC_ERR_CORRUPT);
  trec_buf_put_u8(&raw, 0);                    /* trailing garbage */
  assert_int_equal(trec_keyframe_decode(raw.data, raw.len, &k), TREC_ERR_CORRUPT);
  trec_keyframe_release(&k);
  trec_buf_release(&raw);
  trec_buf_release(&v);
}

static void test_find_seq(void **state){
  struct gen_stream g;
  struct trec_event *ev;
  uint32_t *depth;
  struct trec_buf raw = TREC_BUF_INIT;
  struct trec_chunk c;
  size_t n;
  (void)state;
  gen_stream(&g, 60, 2000, 3, 10, 0, 0);
  ev = malloc(g.n * sizeof *ev);
  depth = malloc(g.n * sizeof *depth);
  n = pick_thread(&g, 2, ev, depth);
  trec_chunk_init(&c);
  assert_int_equal(trec_chunk_encode(ev, n, NULL, 0, &raw), TREC_OK);
  assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
  for(size_t i=0; i<g.n; i++){
    ptrdiff_t at = trec_chunk_find_seq(&c, g.ev[i].seq);
    if( g.ev[i].thread==2 ) assert_int_equal(c.seq[at], g.ev[i].seq);
    else assert_int_equal(at, -1);
  }
  assert_int_equal(trec_chunk_find_seq(&c, 0), -1);
  assert_int_equal(trec_chunk_find_seq(&c, UINT64_MAX), -1);
  trec_chunk_release(&c);
  trec_buf_release(&raw);
  free(ev);
  free(depth);
  gen_stream_release(&g);
}

/* A call's caller_line becomes the line of the frame below it, the base
** of that frame's next line delta; with no frame below it is left out,
** and a chunk that gives one there is corrupt. */
static void test_caller_line(void **state){
  struct trec_event ev[4] = {
    { .seq = 1, .frame = 1, .ts = TREC_NO_TS, .thread = 1, .code = 1, .line = 10,
      .offset = TREC_NO_OFFSET, .kind = TREC_CALL, .caller_line = 7 },
    { .seq = 2, .frame = 2, .ts = TREC_NO_TS, .thread = 1, .code = 2, .line = 40,
      .offset = TREC_NO_OFFSET, .kind = TREC_CALL, .caller_line = 15 },
    { .seq = 3, .frame = 2, .ts = TREC_NO_TS, .thread = 1, .code = 2, .line = 41,
      .offset = TREC_NO_OFFSET, .kind = TREC_RETURN },
    { .seq = 4, .frame = 1, .ts = TREC_NO_TS, .thread = 1, .code = 1, .line = 16,
      .offset = TREC_NO_OFFSET, .kind = TREC_RETURN },
  };
  struct trec_stack_entry start[1] = { { 9, 3, 100 } };
  struct trec_buf raw = TREC_BUF_INIT;
  struct trec_chunk c;
  struct trec_event got;
  (void)state;
  trec_chunk_init(&c);
  assert_int_equal(trec_chunk_encode(ev, 4, NULL, 0, &raw), TREC_OK);
  assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
  trec_chunk_event(&c, 0, &got);
  assert_int_equal(got.caller_line, 0);
  for(size_t j=1; j<4; j++){
    trec_chunk_event(&c, j, &got);
    assert_int_equal(got.caller_line, ev[j].caller_line);
    assert_int_equal(got.line, ev[j].line);
  }
  /* the return of frame 1 is one line after its caller line: one byte */
  assert_int_equal(c.line[3], 16);
  /* from a start stack: the frame below the first call is its top */
  trec_buf_reset(&raw);
  assert_int_equal(trec_chunk_encode(ev, 4, start, 1, &raw), TREC_OK);
  assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
  trec_chunk_event(&c, 0, &got);
  assert_int_equal(got.caller_line, 7);
  assert_int_equal(got.depth, 2);
  /* kind 5 with nothing below: n 4, seq 1, thread 1, ts 0, shift 0,
  ** frames 0, start 0, then the kind column (length 4) */
  trec_buf_reset(&raw);
  assert_int_equal(trec_chunk_encode(ev, 4, NULL, 0, &raw), TREC_OK);
  assert_int_equal(raw.data[7], 4);
  assert_int_equal(raw.data[8], TREC_CALL | TREC_KB_FRAME);
  raw.data[8] = TREC_KB_CALL_AT | TREC_KB_FRAME;
  assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_ERR_CORRUPT);
  trec_chunk_release(&c);
  trec_buf_release(&raw);
}

static void test_names(void **state){
  (void)state;
  for(int k=0; k<TREC_N_KINDS; k++)
    assert_int_equal(trec_kind_parse(trec_kind_name(k)), k);
  assert_null(trec_kind_name(TREC_N_KINDS));
  assert_int_equal(trec_kind_parse("c_call"), -1);
  assert_string_equal(trec_strerror(TREC_OK), "ok");
  assert_string_equal(trec_strerror(TREC_ERR_CORRUPT), "trace data is corrupt");
  assert_string_equal(trec_strerror(-3), "unknown error");
}

/* A loop-heavy stream stays small before LZ4: about 2 bytes per line event. */
static void test_loop_stream_is_compact(void **state){
  struct trec_event ev[3000];
  struct trec_buf raw = TREC_BUF_INIT;
  (void)state;
  for(size_t i=0; i<3000; i++){
    ev[i] = (struct trec_event){ .seq = i+1, .frame = 1, .ts = TREC_NO_TS, .thread = 1,
      .code = 1, .line = 10 + (int32_t)(i%3), .offset = TREC_NO_OFFSET,
      .kind = i ? TREC_LINE : TREC_CALL };
  }
  assert_int_equal(trec_chunk_encode(ev, 3000, NULL, 0, &raw), TREC_OK);
  assert_true(raw.len <= 2*3000 + 64);
  trec_buf_release(&raw);
}

/* The header field after base_ts: ts_shift (format 4.0). */
static uint64_t header_ts_shift(const struct trec_buf *raw, size_t *at){
  const unsigned char *p = raw->data, *end = p + raw->len;
  uint64_t v = 0;
  int64_t sv;
  assert_int_equal(trec_get_varint(&p, end, &v), TREC_OK);
  assert_int_equal(trec_get_varint(&p, end, &v), TREC_OK);
  assert_int_equal(trec_get_varint(&p, end, &v), TREC_OK);
  assert_int_equal(trec_get_svarint(&p, end, &sv), TREC_OK);
  *at = (size_t)(p - raw->data);
  assert_int_equal(trec_get_varint(&p, end, &v), TREC_OK);
  return v;
}

/* Timestamps whose deltas are all multiples of 2^k are stored as deltas
** >> k (the chunk's ts_shift), and come back exactly, backward steps and
** the extremes of the range included; one odd delta makes the shift 0.
** Coarser timestamps make a smaller ts column. */
static void test_ts_shift(void **state){
  struct trec_event ev[2000];
  struct trec_buf raw = TREC_BUF_INIT, odd = TREC_BUF_INIT;
  struct trec_chunk c;
  struct gen_rng r = { 77 };
  int64_t t = 5LL << 20;
  size_t at;
  (void)state;
  trec_chunk_init(&c);
  static const unsigned ks[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 20, 40, 62 };
  for(size_t ki=0; ki<sizeof ks/sizeof *ks; ki++){
    unsigned k = ks[ki];
    for(size_t i=0; i<2000; i++){
      int64_t step = (int64_t)gen_below(&r, 3000) - 200;
      t = (int64_t)((uint64_t)t + ((uint64_t)step << k));
      if( t==TREC_NO_TS ) t = 0;
      ev[i] = (struct trec_event){ .seq = i+1, .frame = 1, .thread = 1, .code = 1,
        .ts = i%3 ? t : TREC_NO_TS, .line = 10, .offset = TREC_NO_OFFSET,
        .kind = i ? TREC_LINE : TREC_CALL };
    }
    trec_buf_reset(&raw);
    assert_int_equal(trec_chunk_encode(ev, 2000, NULL, 0, &raw), TREC_OK);
    assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
    for(size_t i=0; i<2000; i++) assert_true(c.ts[i]==ev[i].ts);
    assert_true(header_ts_shift(&raw, &at)>=k);
    if( k==6 ){
      assert_int_equal(header_ts_shift(&raw, &at), 6);
      ev[1000].ts ^= 1;
      assert_int_equal(trec_chunk_encode(ev, 2000, NULL, 0, &odd), TREC_OK);
      assert_int_equal(header_ts_shift(&odd, &at), 0);
      assert_int_equal(trec_chunk_decode(odd.data, odd.len, &c), TREC_OK);
      for(size_t i=0; i<2000; i++) assert_true(c.ts[i]==ev[i].ts);
      assert_true(raw.len + 1000 < odd.len);
    }
  }
  trec_buf_release(&raw);
  trec_buf_release(&odd);
  trec_chunk_release(&c);
}

/* A chunk of format 3.x and older has no ts_shift: with TREC_DECODE_PRE4
** the decoder and the scan prefix skip nothing there, and read the same
** events as from the 4.0 form. */
static void test_pre4_header(void **state){
  struct trec_buf raw = TREC_BUF_INIT, old = TREC_BUF_INIT, out = TREC_BUF_INIT;
  struct trec_buf comp = TREC_BUF_INIT;
  struct trec_chunk c, o;
  size_t at;
  (void)state;
  trec_chunk_init(&c);
  trec_chunk_init(&o);
  encode_sample(&raw, 53, 400);
  assert_int_equal(header_ts_shift(&raw, &at), 0);
  trec_buf_put(&old, raw.data, at);
  trec_buf_put(&old, raw.data + at + 1, raw.len - at - 1);
  assert_int_equal(trec_chunk_decode(raw.data, raw.len, &c), TREC_OK);
  assert_int_equal(trec_chunk_decode_ex(old.data, old.len, TREC_DECODE_PRE4, &o), TREC_OK);
  assert_int_equal(o.n, c.n);
  for(size_t i=0; i<c.n; i++){
    struct trec_event a, b;
    trec_chunk_event(&c, i, &a);
    trec_chunk_event(&o, i, &b);
    assert_true(a.seq==b.seq && a.frame==b.frame && a.code==b.code && a.line==b.line
                && a.ts==b.ts && a.offset==b.offset && a.kind==b.kind && a.depth==b.depth
                && a.payload_len==b.payload_len
                && (!a.payload_len || !memcmp(a.payload, b.payload, a.payload_len)));
  }
  assert_int_equal(trec_chunk_scan_len(old.data, old.len, TREC_DECODE_PRE4),
                   trec_chunk_scan_len(raw.data, raw.len, 0) - 1);
  assert_int_equal(trec_block_compress(TREC_CODEC_LZ4, 0, old.data, old.len, &comp), TREC_OK);
  assert_int_equal(trec_chunk_decompress_scan(TREC_CODEC_LZ4, comp.data, comp.len, old.len,
                                              16, TREC_DECODE_PRE4, &out), TREC_OK);
  assert_int_equal(trec_chunk_decode_ex(out.data, out.len, TREC_DECODE_PRE4
                   | TREC_DECODE_NO_TS | TREC_DECODE_NO_PAYLOAD, &o), TREC_OK);
  assert_true(gen_scan_equal(&o, &c));
  trec_buf_release(&raw);
  trec_buf_release(&old);
  trec_buf_release(&out);
  trec_buf_release(&comp);
  trec_chunk_release(&c);
  trec_chunk_release(&o);
}

int main(void){
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_xxh32_vectors),
    cmocka_unit_test(test_varint_edges),
    cmocka_unit_test(test_roundtrip_single_thread),
    cmocka_unit_test(test_roundtrip_threads_gaps),
    cmocka_unit_test(test_roundtrip_shallow_and_deep),
    cmocka_unit_test(test_roundtrip_mid_program),
    cmocka_unit_test(test_roundtrip_split_with_start_stacks),
    cmocka_unit_test(test_start_stack_pop_down),
    cmocka_unit_test(test_encode_rejects_bad_events),
    cmocka_unit_test(test_blocks_every_codec),
    cmocka_unit_test(test_blocks_bad_input),
    cmocka_unit_test(test_truncation_every_length),
    cmocka_unit_test(test_scan_prefix),
    cmocka_unit_test(test_bit_flips),
    cmocka_unit_test(test_payload_every_type),
    cmocka_unit_test(test_payload_bad),
    cmocka_unit_test(test_patch_back),
    cmocka_unit_test(test_patch_int),
    cmocka_unit_test(test_keyframe_decode),
    cmocka_unit_test(test_find_seq),
    cmocka_unit_test(test_caller_line),
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_loop_stream_is_compact),
    cmocka_unit_test(test_ts_shift),
    cmocka_unit_test(test_pre4_header),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
