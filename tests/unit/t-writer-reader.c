/*
** t-writer-reader.c: writer -> file -> reader round trips. Random streams
** (t-writer-gen.h) go through trec_stream_append and the writer thread,
** and must come back identical from the reader, with keyframes equal to
** the naive model's state, every seq findable, and the metadata as set.
** Also: boundary sizes, every codec, huge payloads, real concurrent
** appenders under back-pressure, events of an idle thread reaching the file
** while recording, streams closed while others go on, and a process killed
** mid-recording.
*/
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "trace_int.h"
#include "t-writer-gen.h"
#include "t-tmpdir.h"

static int exists(const char *suffix){
  char p[300];
  struct stat st;
  snprintf(p, sizeof p, "%s%s", path, suffix);
  return stat(p, &st)==0;
}

static void sleep_ms(long ms){
  struct timespec ts = { ms/1000, (ms%1000)*1000000 };
  nanosleep(&ts, NULL);
}

static trec_writer *open_writer(int codec, uint32_t chunk_events, uint32_t flush_ms,
                                uint64_t max_buffered){
  struct trec_writer_options o = { .path = path, .codec = codec,
    .chunk_events = chunk_events, .flush_ms = flush_ms, .max_buffered = max_buffered };
  trec_writer *w;
  int rc;
  unlink(path);   /* a test may have damaged it: a writer replaces only traces */
  rc = trec_writer_open(&o, &w);
  if( rc ) fail_msg("writer_open: %s", trec_writer_errmsg(w));
  return w;
}

/* Append every event of g through per-thread streams, in seq order. */
static void append_all(trec_writer *w, const struct gen_stream *g){
  for(size_t i=0; i<g->n; i++){
    trec_stream *s;
    assert_int_equal(trec_writer_stream(w, g->ev[i].thread, &s), TREC_OK);
    assert_int_equal(trec_stream_append(s, &g->ev[i]), TREC_OK);
  }
}

/* The same, telling the writer where each payload entry ends, as the
** recorder does (trec_event.entry_end). */
static void append_all_with_ends(trec_writer *w, const struct gen_stream *g){
  uint32_t ends[256];
  for(size_t i=0; i<g->n; i++){
    struct trec_event ev = g->ev[i];
    const unsigned char *p = ev.payload, *end = p ? p + ev.payload_len : p;
    struct trec_entry e;
    trec_stream *s;
    ev.n_entries = 0;
    while( p && trec_payload_next(&p, end, &e)==TREC_OK ){
      assert_true(ev.n_entries < 256);
      ends[ev.n_entries++] = (uint32_t)(p - ev.payload);
    }
    ev.entry_end = ends;
    assert_int_equal(trec_writer_stream(w, ev.thread, &s), TREC_OK);
    assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
  }
}

static void close_writer(trec_writer *w){
  struct trec_close_info ci = { 3, 0, NULL };
  int rc = trec_writer_close(w, &ci);
  assert_int_equal(rc, TREC_OK);
}

static trec_reader *open_reader(void){
  trec_reader *r;
  int rc = trec_reader_open(path, 0, &r);
  if( rc ) fail_msg("reader_open: %s", trec_reader_errmsg(r));
  return r;
}

/* The postings name, for every code object, exactly the chunks where its
** events are and how many; a partial decode gives the same scan columns as
** a full one and reports the rest as absent. */
static void check_postings(trec_reader *r){
  struct trec_chunk c, p;
  size_t n = trec_reader_n_chunks(r);
  uint32_t max_code = 0;
  uint32_t *got = calloc(n ? n : 1, sizeof *got), *want = calloc(n ? n : 1, sizeof *want);
  assert_non_null(got);
  assert_non_null(want);
  trec_chunk_init(&c);
  trec_chunk_init(&p);
  assert_true(trec_reader_has_postings(r));
  for(size_t i=0; i<n; i++){
    assert_int_equal(trec_reader_read_chunk(r, i, &c), TREC_OK);
    assert_int_equal(trec_reader_read_chunk_ex(r, i, TREC_DECODE_NO_TS
                                               | TREC_DECODE_NO_PAYLOAD, &p), TREC_OK);
    assert_true(gen_scan_equal(&p, &c));
    for(size_t j=0; j<c.n; j++){
      struct trec_event e;
      trec_chunk_event(&p, j, &e);
      assert_int_equal(e.ts, TREC_NO_TS);
      assert_int_equal(e.offset, TREC_NO_OFFSET);
      assert_int_equal(e.payload_len, 0);
      if( c.code[j]>max_code ) max_code = c.code[j];
    }
  }
  for(uint32_t code=1; code<=max_code+1; code++){
    memset(got, 0, n*sizeof *got);
    assert_int_equal(trec_reader_code_chunks(r, code, got), TREC_OK);
    for(size_t i=0; i<n; i++){
      want[i] = 0;
      assert_int_equal(trec_reader_read_chunk(r, i, &c), TREC_OK);
      for(size_t j=0; j<c.n; j++) want[i] += c.code[j]==code;
    }
    assert_memory_equal(got, want, n*sizeof *got);
  }
  free(got);
  free(want);
  trec_chunk_release(&c);
  trec_chunk_release(&p);
}

/* Each chunk's index row agrees with its decoded events. */
static void check_index(trec_reader *r){
  struct trec_chunk c;
  trec_chunk_init(&c);
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    const struct trec_chunk_info *ci = trec_reader_chunk(r, i);
    uint32_t kinds[TREC_N_KINDS] = { 0 }, mind = UINT32_MAX, maxd = 0;
    int64_t first_ts = TREC_NO_TS, last_ts = TREC_NO_TS;
    int rc = trec_reader_read_chunk(r, i, &c);
    if( rc ) fail_msg("chunk %zu: %s", i, trec_reader_errmsg(r));
    assert_int_equal(c.index, i);
    assert_int_equal(c.n, ci->n_events);
    assert_int_equal(c.thread, ci->thread);
    for(size_t j=0; j<c.n; j++){
      kinds[c.kind[j]]++;
      if( c.depth[j]<mind ) mind = c.depth[j];
      if( c.depth[j]>maxd ) maxd = c.depth[j];
      if( c.ts[j]!=TREC_NO_TS ){
        if( first_ts==TREC_NO_TS ) first_ts = c.ts[j];
        last_ts = c.ts[j];
      }
    }
    assert_memory_equal(kinds, ci->n_kind, sizeof kinds);
    assert_int_equal(mind, ci->min_depth);
    assert_int_equal(maxd, ci->max_depth);
    assert_int_equal(first_ts, ci->first_ts);
    assert_int_equal(last_ts, ci->last_ts);
    assert_true(i==0 || trec_reader_chunk(r, i-1)->first_seq < ci->first_seq);
  }
  trec_chunk_release(&c);
  check_postings(r);
}

/* Compare; payload pointers of out borrow from per-chunk buffers, so this
** runs chunk by chunk. */
static void check_roundtrip(trec_reader *r, const struct gen_stream *g){
  struct trec_chunk c;
  check_index(r);
  trec_chunk_init(&c);
  assert_int_equal(trec_reader_n_events(r), g->n);
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    assert_int_equal(trec_reader_read_chunk(r, i, &c), TREC_OK);
    for(size_t j=0; j<c.n; j++){
      struct trec_event e;
      const struct trec_event *want = &g->ev[c.seq[j]-1];
      trec_chunk_event(&c, j, &e);
      assert_int_equal(e.seq, want->seq);
      assert_int_equal(e.thread, want->thread);
      assert_int_equal(e.frame, want->frame);
      assert_int_equal(e.code, want->code);
      assert_int_equal(e.line, want->line);
      assert_int_equal(e.kind, want->kind);
      assert_int_equal(e.ts, want->ts);
      assert_int_equal(e.offset, want->offset);
      assert_int_equal(e.depth, g->depth[c.seq[j]-1]);
      assert_int_equal(e.payload_len, want->payload_len);
      if( e.payload_len ) assert_memory_equal(e.payload, want->payload, e.payload_len);
    }
  }
  trec_chunk_release(&c);
}

static void roundtrip(uint64_t seed, size_t n, uint32_t threads, int codec,
                      uint32_t chunk_events, size_t huge){
  struct gen_stream g;
  trec_writer *w;
  trec_reader *r;
  gen_stream(&g, seed, n, threads, 20, seed & 1, huge);
  w = open_writer(codec, chunk_events, 60000, 0);
  append_all(w, &g);
  close_writer(w);
  r = open_reader();
  assert_true(trec_reader_complete(r));
  check_roundtrip(r, &g);
  trec_reader_close(r);
  gen_stream_release(&g);
}

/* Rewrite the trace at path as format 3.0 wrote it: chunk headers without
** ts_shift (each must be 0 here, as 3.0 stored every delta whole). */
static void downgrade_to_format3(void){
  sqlite3 *db;
  sqlite3_stmt *sel, *upd;
  struct trec_buf raw = TREC_BUF_INIT, old = TREC_BUF_INIT, comp = TREC_BUF_INIT;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT chunk_id, codec, raw_len, data FROM chunks",
                                      -1, &sel, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "UPDATE chunks SET raw_len=?2, checksum=?3, data=?4"
                                      " WHERE chunk_id=?1", -1, &upd, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
  while( sqlite3_step(sel)==SQLITE_ROW ){
    int codec = sqlite3_column_int(sel, 1);
    const unsigned char *p, *end;
    uint64_t v;
    int64_t sv;
    assert_int_equal(trec_block_decompress(codec, sqlite3_column_blob(sel, 3),
                                           (size_t)sqlite3_column_bytes(sel, 3),
                                           (size_t)sqlite3_column_int64(sel, 2), &raw), TREC_OK);
    p = raw.data;
    end = p + raw.len;
    for(int i=0; i<3; i++) assert_int_equal(trec_get_varint(&p, end, &v), TREC_OK);
    assert_int_equal(trec_get_svarint(&p, end, &sv), TREC_OK);
    assert_true(p<end && *p==0);
    trec_buf_reset(&old);
    trec_buf_put(&old, raw.data, (size_t)(p - raw.data));
    trec_buf_put(&old, p + 1, (size_t)(end - p - 1));
    assert_int_equal(trec_block_compress(codec, 9, old.data, old.len, &comp), TREC_OK);
    sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
    sqlite3_bind_int64(upd, 2, (sqlite3_int64)old.len);
    sqlite3_bind_int64(upd, 3, trec_xxh32(comp.data, comp.len, 0));
    sqlite3_bind_blob(upd, 4, comp.data, (int)comp.len, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(upd), SQLITE_DONE);
    sqlite3_reset(upd);
  }
  assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value=3 WHERE key='format_major';"
                                "COMMIT", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_finalize(sel);
  sqlite3_finalize(upd);
  sqlite3_close(db);
  trec_buf_release(&raw);
  trec_buf_release(&old);
  trec_buf_release(&comp);
}

/* A format 3.0 trace (chunk headers without ts_shift) reads as it was
** written: every event, index row and posting, scans included. */
static void test_reads_format3(void **state){
  struct gen_stream g;
  trec_writer *w;
  trec_reader *r;
  (void)state;
  gen_stream(&g, 31, 9000, 3, 20, 0, 0);
  w = open_writer(TREC_CODEC_LZ4, 700, 60000, 0);
  append_all(w, &g);
  close_writer(w);
  downgrade_to_format3();
  r = open_reader();
  assert_string_equal(trec_reader_meta(r, "format_major"), "3");
  assert_true(trec_reader_complete(r));
  assert_true(trec_reader_n_chunks(r) > 10);
  check_roundtrip(r, &g);
  trec_reader_close(r);
  gen_stream_release(&g);
}

static void test_empty_trace(void **state){
  trec_writer *w;
  trec_reader *r;
  size_t at;
  (void)state;
  w = open_writer(TREC_CODEC_LZ4, 0, 0, 0);
  close_writer(w);
  assert_false(exists("-wal"));
  r = open_reader();
  assert_true(trec_reader_complete(r));
  assert_int_equal(trec_reader_n_events(r), 0);
  assert_int_equal(trec_reader_n_chunks(r), 0);
  assert_int_equal(trec_reader_first_seq(r), 0);
  assert_int_equal(trec_reader_find_chunk(r, 1, &at), TREC_ERR_NOTFOUND);
  assert_string_equal(trec_reader_meta(r, "status"), "complete");
  char major[16];
  snprintf(major, sizeof major, "%d", TREC_FORMAT_MAJOR);
  assert_string_equal(trec_reader_meta(r, "format_major"), major);
  assert_string_equal(trec_reader_meta(r, "n_events"), "0");
  assert_string_equal(trec_reader_meta(r, "exit_status"), "3");
  assert_string_equal(trec_reader_meta(r, "codec"), "lz4");
  assert_string_equal(trec_reader_meta(r, "chunk_events"), "16384");
  assert_null(trec_reader_meta(r, "error"));
  trec_reader_close(r);
}

static void test_one_event(void **state){
  (void)state;
  roundtrip(2, 1, 1, TREC_CODEC_LZ4, 100, 0);
}

static void test_exactly_chunk_events(void **state){
  trec_reader *r;
  (void)state;
  roundtrip(4, 100, 1, TREC_CODEC_LZ4, 100, 0);
  r = open_reader();
  assert_int_equal(trec_reader_n_chunks(r), 1);
  trec_reader_close(r);
}

static void test_chunk_events_plus_one(void **state){
  trec_reader *r;
  (void)state;
  roundtrip(6, 101, 1, TREC_CODEC_LZ4, 100, 0);
  r = open_reader();
  assert_int_equal(trec_reader_n_chunks(r), 2);
  assert_int_equal(trec_reader_chunk(r, 0)->n_events, 100);
  assert_int_equal(trec_reader_chunk(r, 1)->n_events, 1);
  assert_int_equal(trec_reader_chunk(r, 1)->first_seq, 101);
  trec_reader_close(r);
}

static void test_random_threads(void **state){
  (void)state;
  roundtrip(8, 20000, 4, TREC_CODEC_LZ4, 512, 0);
  roundtrip(9, 5000, 7, TREC_CODEC_LZ4, 37, 0);
}

static void test_every_codec(void **state){
  sqlite3 *db;
  (void)state;
  for(int codec=TREC_CODEC_RAW; codec<=TREC_CODEC_LZ4HC; codec++){
    trec_reader *r;
    sqlite3_stmt *st;
    roundtrip(10 + (uint64_t)codec, 6000, 2, codec, 1000, 0);
    r = open_reader();
    db = trec_reader_db(r);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT max(codec) FROM chunks", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    /* a chunk is stored raw when compression does not shrink it */
    assert_int_equal(sqlite3_column_int(st, 0), codec);
    sqlite3_finalize(st);
    trec_reader_close(r);
  }
}

static void test_huge_payload(void **state){
  (void)state;
  roundtrip(13, 3000, 2, TREC_CODEC_LZ4, 256, (size_t)3 << 20);
}

/* Each chunk's keyframe is the model's state of that thread just before
** the chunk's first event, whether the writer finds the payload entries'
** ends itself or is told them. */
static void keyframes_match_model(int with_ends){
  struct gen_stream g;
  struct gen_thread *mo;
  struct trec_keyframe k;
  struct trec_buf want = TREC_BUF_INIT;
  trec_writer *w;
  trec_reader *r;
  size_t next = 0, checked = 0;
  gen_stream(&g, 15, 12000, 3, 25, 1, 0);
  w = open_writer(TREC_CODEC_LZ4, 300, 60000, 0);
  if( with_ends ) append_all_with_ends(w, &g); else append_all(w, &g);
  close_writer(w);
  r = open_reader();
  mo = calloc(4, sizeof *mo);
  trec_keyframe_init(&k);
  for(size_t i=0; i<g.n; i++){
    while( next<trec_reader_n_chunks(r) && trec_reader_chunk(r, next)->first_seq==g.ev[i].seq ){
      const struct gen_thread *t = &mo[g.ev[i].thread];
      assert_int_equal(trec_reader_chunk(r, next)->thread, g.ev[i].thread);
      assert_int_equal(trec_reader_read_keyframe(r, next, &k), TREC_OK);
      assert_int_equal(k.n, t->depth);
      assert_int_equal(trec_reader_chunk(r, next)->start_depth, t->depth);
      for(size_t f=0; f<k.n; f++){
        assert_int_equal(k.frames[f].frame, t->st[f].frame);
        assert_int_equal(k.frames[f].code, t->st[f].code);
        assert_int_equal(k.frames[f].line, t->st[f].line);
        model_values(&t->st[f], &want);
        assert_int_equal(k.frames[f].values_len, want.len);
        if( want.len ) assert_memory_equal(k.frames[f].values, want.data, want.len);
      }
      next++;
      checked++;
    }
    model_apply(&mo[g.ev[i].thread], &g.ev[i], NULL);
  }
  assert_int_equal(checked, trec_reader_n_chunks(r));
  assert_true(checked > 30);
  model_release(mo, 4);
  free(mo);
  trec_buf_release(&want);
  trec_keyframe_release(&k);
  trec_reader_close(r);
  gen_stream_release(&g);
}

static void test_keyframes_match_model(void **state){
  (void)state;
  keyframes_match_model(0);
}

static void test_keyframes_with_entry_ends(void **state){
  (void)state;
  keyframes_match_model(1);
}

/* Append n events of thread 1 (payloads in pay) through one stream in
** chunks of chunk_events, read them back and check every payload is whole
** again. @return the PATCH entries the chunk index counts. */
static size_t one_stream_reads_back(const struct trec_event *ev,
                                    const struct trec_buf *pay, size_t n,
                                    uint32_t chunk_events){
  trec_writer *w = open_writer(TREC_CODEC_LZ4, chunk_events, 60000, 0);
  trec_reader *r;
  trec_stream *s;
  struct trec_chunk c;
  size_t patched = 0;
  assert_int_equal(trec_writer_stream(w, 1, &s), TREC_OK);
  for(size_t i=0; i<n; i++) assert_int_equal(trec_stream_append(s, &ev[i]), TREC_OK);
  close_writer(w);
  r = open_reader();
  trec_chunk_init(&c);
  for(size_t k=0, i=0; k<trec_reader_n_chunks(r); k++){
    patched += trec_reader_chunk(r, k)->n_patch;
    assert_int_equal(trec_reader_read_chunk(r, k, &c), TREC_OK);
    for(size_t j=0; j<c.n; j++, i++){
      assert_int_equal(c.payload_len[j], pay[i].len);
      assert_memory_equal(c.payload + c.payload_off[j], pay[i].data, pay[i].len);
    }
  }
  trec_chunk_release(&c);
  trec_reader_close(r);
  return patched;
}

/* A variable whose long value changes a little at each event (an object
** with one counter field, as recorded) is stored as PATCH entries, and
** every payload still reads back whole; so does a chunk starting with a
** patch of a value from its keyframe, and a frame holding two values. */
static void test_patched_values(void **state){
  enum { N = 3000 };
  struct trec_buf pay[N];
  struct trec_event ev[N];
  (void)state;
  for(size_t i=0; i<N; i++){
    char text[120];
    int n = snprintf(text, sizeof text, "a long text that stays the same %zu"
                     " around a counter that changes at every event", i / 2);
    trec_buf_init(&pay[i]);
    trec_payload_key(&pay[i], TREC_PK_VAR, 0);
    trec_venc_str(&pay[i], text, (size_t)n, (uint64_t)n);
    if( i%7==0 ){
      trec_payload_key(&pay[i], TREC_PK_VAR, 3);
      trec_venc_str(&pay[i], text, (size_t)n - (i%3), (uint64_t)n);
    }
    ev[i] = (struct trec_event){ .seq = i + 1, .frame = 1, .ts = TREC_NO_TS,
      .thread = 1, .code = 1, .line = 10 + (int32_t)(i%5), .offset = TREC_NO_OFFSET,
      .kind = i==0 ? TREC_CALL : TREC_LINE, .payload = pay[i].data,
      .payload_len = (uint32_t)pay[i].len };
  }
  assert_true(one_stream_reads_back(ev, pay, N, 500) > N / 2);
  for(size_t i=0; i<N; i++) trec_buf_release(&pay[i]);
}

/* Ints that were ints are stored as their difference (format 4.0): a loop
** counter (steps of 3, past 2^31 and the int64 edges, where a difference
** would overflow and the value is stored whole), an accumulator that
** changes arbitrarily, and a variable that turns from int to str and back.
** Every value reads back whole, in every chunk. */
static void test_int_differences(void **state){
  enum { N = 6000 };
  struct trec_buf pay[N];
  struct trec_event ev[N];
  int64_t acc = 7;
  (void)state;
  for(size_t i=0; i<N; i++){
    int64_t counter = i<N/2 ? (int64_t)(3*i) + ((int64_t)1 << 31) - 6000
                    : i%3 ? INT64_MAX - (int64_t)(N - i) : INT64_MIN + (int64_t)i;
    acc = (acc * 1103515245 + 12345) % 1000003;
    trec_buf_init(&pay[i]);
    trec_payload_key(&pay[i], TREC_PK_VAR, 0);
    trec_venc_int(&pay[i], counter);
    trec_payload_key(&pay[i], TREC_PK_VAR, 1);
    trec_venc_int(&pay[i], acc);
    trec_payload_key(&pay[i], TREC_PK_VAR, 2);
    if( i%10==5 ) trec_venc_str(&pay[i], "five", 4, 4);
    else trec_venc_int(&pay[i], (int64_t)(i/10));
    ev[i] = (struct trec_event){ .seq = i + 1, .frame = 1, .ts = TREC_NO_TS,
      .thread = 1, .code = 1, .line = 10 + (int32_t)(i%2), .offset = TREC_NO_OFFSET,
      .kind = i==0 ? TREC_CALL : TREC_LINE, .payload = pay[i].data,
      .payload_len = (uint32_t)pay[i].len };
  }
  assert_true(one_stream_reads_back(ev, pay, N, 1000) > N * 9 / 10);
  for(size_t i=0; i<N; i++) trec_buf_release(&pay[i]);
}

/* An object's value, as recorded: long enough to be patched, with one
** counter field that changes. */
static void object_value(struct trec_buf *b, uint64_t id, size_t count){
  static const char text[] = "a field whose text stays the same as the object moves around";
  trec_venc_object(b, id, "Task", 4, 2, 2);
  trec_venc_name(b, "count", 5);
  trec_venc_int(b, (int64_t)count);
  trec_venc_name(b, "note", 4);
  trec_venc_str(b, text, sizeof text - 1, sizeof text - 1);
}

/* Objects that travel between frames (a method's `self` at each call, an
** object returned) are stored as PATCH entries of the same object's latest
** value elsewhere in the chunk or in its keyframe (format 3.0): here no
** frame's own or caller's variable holds them, so format 2.0 patched none.
** Every payload still reads back whole. */
static void test_patched_from_other_frames(void **state){
  enum { N = 1200 };
  struct trec_buf pay[2*N + 1];
  struct trec_event ev[2*N + 1];
  trec_writer *w;
  trec_reader *r;
  trec_stream *s;
  struct trec_chunk c;
  size_t patched = 0, i = 0;
  (void)state;
  for(size_t k=0; k<2*N + 1; k++) trec_buf_init(&pay[k]);
  /* the outer frame holds the returned object's first value */
  trec_payload_key(&pay[0], TREC_PK_VAR, 0);
  object_value(&pay[0], 0x7f0000002000ull, 0);
  ev[0] = (struct trec_event){ .seq = 1, .frame = 1, .ts = TREC_NO_TS,
    .thread = 1, .code = 1, .line = 1, .offset = TREC_NO_OFFSET,
    .kind = TREC_CALL, .payload = pay[0].data, .payload_len = (uint32_t)pay[0].len };
  for(size_t k=0; k<N; k++){
    struct trec_buf *call = &pay[1 + 2*k], *ret = &pay[2 + 2*k];
    trec_payload_key(call, TREC_PK_VAR, 0);
    object_value(call, 0x7f0000001000ull, k);
    trec_payload_key(ret, TREC_PK_RETURN, 0);
    object_value(ret, 0x7f0000002000ull, 3*k + 1);
    ev[1 + 2*k] = (struct trec_event){ .seq = 2 + 2*k, .frame = 2 + k,
      .ts = TREC_NO_TS, .thread = 1, .code = 2, .line = 20,
      .offset = TREC_NO_OFFSET, .kind = TREC_CALL, .payload = call->data,
      .payload_len = (uint32_t)call->len };
    ev[2 + 2*k] = (struct trec_event){ .seq = 3 + 2*k, .frame = 2 + k,
      .ts = TREC_NO_TS, .thread = 1, .code = 2, .line = 21,
      .offset = TREC_NO_OFFSET, .kind = TREC_RETURN, .payload = ret->data,
      .payload_len = (uint32_t)ret->len };
  }
  /* chunks of 100 events: each starts from its keyframe, where only the
  ** outer frame's value is */
  w = open_writer(TREC_CODEC_LZ4, 100, 60000, 0);
  assert_int_equal(trec_writer_stream(w, 1, &s), TREC_OK);
  for(size_t k=0; k<2*N + 1; k++) assert_int_equal(trec_stream_append(s, &ev[k]), TREC_OK);
  close_writer(w);
  r = open_reader();
  trec_chunk_init(&c);
  assert_true(trec_reader_n_chunks(r) > 10);
  for(size_t k=0; k<trec_reader_n_chunks(r); k++){
    patched += trec_reader_chunk(r, k)->n_patch;
    assert_int_equal(trec_reader_read_chunk(r, k, &c), TREC_OK);
    for(size_t j=0; j<c.n; j++, i++){
      assert_int_equal(c.payload_len[j], pay[i].len);
      assert_memory_equal(c.payload + c.payload_off[j], pay[i].data, pay[i].len);
    }
  }
  assert_int_equal(i, 2*N + 1);
  /* every return is patched (from the keyframe at a chunk's start), and
  ** every call but a chunk's first */
  assert_true(patched >= 2*N - trec_reader_n_chunks(r));
  trec_chunk_release(&c);
  trec_reader_close(r);
  for(size_t k=0; k<2*N + 1; k++) trec_buf_release(&pay[k]);
}

static void test_seek_every_seq(void **state){
  struct gen_stream g;
  struct trec_chunk c;
  trec_writer *w;
  trec_reader *r;
  size_t at;
  (void)state;
  gen_stream(&g, 16, 8000, 5, 10, 0, 0);
  w = open_writer(TREC_CODEC_LZ4, 200, 60000, 0);
  append_all(w, &g);
  close_writer(w);
  r = open_reader();
  trec_chunk_init(&c);
  for(size_t i=0; i<g.n; i++){
    ptrdiff_t j;
    assert_int_equal(trec_reader_find_chunk(r, g.ev[i].seq, &at), TREC_OK);
    assert_int_equal(trec_reader_chunk(r, at)->thread, g.ev[i].thread);
    if( i%97==0 ){
      assert_int_equal(trec_reader_read_chunk(r, at, &c), TREC_OK);
      j = trec_chunk_find_seq(&c, g.ev[i].seq);
      assert_true(j>=0);
      assert_int_equal(c.line[j], g.ev[i].line);
    }
  }
  assert_int_equal(trec_reader_find_chunk(r, g.n + 1, &at), TREC_ERR_NOTFOUND);
  assert_int_equal(trec_reader_find_chunk(r, 0, &at), TREC_ERR_NOTFOUND);
  assert_int_equal(trec_reader_read_chunk(r, trec_reader_n_chunks(r), &c), TREC_ERR_RANGE);
  trec_chunk_release(&c);
  trec_reader_close(r);
  gen_stream_release(&g);
}

static void test_metadata(void **state){
  static const char *const names[] = { "self", "x", "total" };
  struct trec_code code = { 7, 2, "run", "Job.run", 12, TREC_CO_OPTIMIZED, 1, 3, names };
  struct trec_code bare = { 8, 2, "<module>", NULL, 1, 0, 0, 0, NULL };
  struct trec_thread th = { 1, 140000, 4242, "MainThread", 0, 0, 0 };
  struct trec_event ev = { .seq = 5, .frame = 1, .ts = TREC_NO_TS, .thread = 1,
    .code = 7, .line = 12, .offset = TREC_NO_OFFSET, .kind = TREC_CALL };
  static const char src[] = "def run(self):\n    return 1\n";
  struct trec_buf out = TREC_BUF_INIT;
  const struct trec_code *c;
  const struct trec_file *f;
  const struct trec_thread *t;
  trec_writer *w;
  trec_reader *r;
  trec_stream *s;
  (void)state;
  w = open_writer(TREC_CODEC_LZ4HC, 0, 0, 0);
  assert_int_equal(trec_writer_set_meta(w, "argv", "[\"prog.py\", \"-v\"]"), TREC_OK);
  assert_int_equal(trec_writer_set_meta_int(w, "pid", 1234), TREC_OK);
  assert_int_equal(trec_writer_set_meta(w, "cwd", NULL), TREC_OK);
  assert_int_equal(trec_writer_add_file(w, 2, "/src/job.py", src, sizeof src - 1), TREC_OK);
  assert_int_equal(trec_writer_add_file(w, 3, "<string>", NULL, -1), TREC_OK);
  assert_int_equal(trec_writer_add_file(w, 4, "empty.py", "", 0), TREC_OK);
  assert_int_equal(trec_writer_add_code(w, &code), TREC_OK);
  assert_int_equal(trec_writer_add_code(w, &bare), TREC_OK);
  assert_int_equal(trec_writer_add_thread(w, &th), TREC_OK);
  assert_int_equal(trec_writer_set_thread_name(w, 1, "Main"), TREC_OK);
  assert_int_equal(trec_writer_set_thread_name(w, 9, "Worker-9"), TREC_OK);
  assert_int_equal(trec_writer_stream(w, 1, &s), TREC_OK);
  assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
  ev.seq = 9; ev.kind = TREC_RETURN;
  assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
  assert_int_equal(trec_writer_stream(w, 2, &s), TREC_OK);   /* a thread never added */
  ev.seq = 10; ev.thread = 2; ev.kind = TREC_CALL;
  assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
  close_writer(w);

  r = open_reader();
  assert_string_equal(trec_reader_meta(r, "argv"), "[\"prog.py\", \"-v\"]");
  assert_string_equal(trec_reader_meta(r, "pid"), "1234");
  assert_null(trec_reader_meta(r, "cwd"));
  assert_string_equal(trec_reader_meta(r, "codec"), "lz4hc");
  assert_string_equal(trec_reader_meta(r, "tracerec_version"), PACKAGE_VERSION);
  assert_string_equal(trec_reader_meta(r, "n_events"), "3");
  c = trec_reader_code(r, 7);
  assert_non_null(c);
  assert_string_equal(c->name, "run");
  assert_string_equal(c->qualname, "Job.run");
  assert_int_equal(c->file, 2);
  assert_int_equal(c->firstlineno, 12);
  assert_int_equal(c->flags, TREC_CO_OPTIMIZED);
  assert_int_equal(c->n_names, 3);
  assert_string_equal(c->names[2], "total");
  c = trec_reader_code(r, 8);
  assert_string_equal(c->qualname, "<module>");
  assert_int_equal(c->n_names, 0);
  assert_null(trec_reader_code(r, 6));
  assert_int_equal(trec_reader_max_code_id(r), 8);
  f = trec_reader_file(r, 2);
  assert_string_equal(f->path, "/src/job.py");
  assert_int_equal(f->size, sizeof src - 1);
  assert_int_equal(strncmp(f->hash, "xxh32:", 6), 0);
  assert_int_equal(trec_reader_file_source(r, 2, &out), TREC_OK);
  assert_int_equal(out.len, sizeof src - 1);
  assert_memory_equal(out.data, src, out.len);
  assert_int_equal(trec_reader_file(r, 3)->size, -1);
  assert_int_equal(trec_reader_file_source(r, 3, &out), TREC_ERR_NOTFOUND);
  assert_int_equal(trec_reader_file_source(r, 4, &out), TREC_OK);
  assert_int_equal(out.len, 0);
  assert_int_equal(trec_reader_file_source(r, 5, &out), TREC_ERR_NOTFOUND);
  assert_int_equal(trec_reader_max_file_id(r), 4);
  assert_int_equal(trec_reader_n_threads(r), 3);
  t = trec_reader_thread_by_id(r, 1);
  assert_string_equal(t->name, "Main");
  assert_int_equal(t->ident, 140000);
  assert_int_equal(t->native_id, 4242);
  assert_int_equal(t->first_seq, 5);
  assert_int_equal(t->last_seq, 9);
  assert_int_equal(t->n_events, 2);
  t = trec_reader_thread_by_id(r, 2);
  assert_int_equal(t->n_events, 1);
  assert_string_equal(t->name, "");
  assert_string_equal(trec_reader_thread(r, 2)->name, "Worker-9");
  assert_int_equal(trec_reader_first_seq(r), 5);
  assert_int_equal(trec_reader_last_seq(r), 10);
  trec_reader_close(r);
  trec_buf_release(&out);
}

struct worker { trec_writer *w; uint32_t tid; _Atomic uint64_t *seq; size_t n; };

static void *worker_main(void *arg){
  struct worker *k = arg;
  trec_stream *s;
  unsigned char pay[40];
  if( trec_writer_stream(k->w, k->tid, &s) ) return (void*)1;
  for(size_t i=0; i<k->n; i++){
    struct trec_event ev = { .seq = atomic_fetch_add(k->seq, 1), .frame = k->tid,
      .ts = TREC_NO_TS, .thread = k->tid, .code = 1, .line = (int32_t)i,
      .offset = TREC_NO_OFFSET, .kind = i ? TREC_LINE : TREC_CALL };
    struct trec_buf b = { pay, 0, sizeof pay, 0 };
    trec_payload_key(&b, TREC_PK_VAR, 0);
    trec_venc_int(&b, (int64_t)i);
    ev.payload = pay;
    ev.payload_len = (uint32_t)b.len;
    if( trec_stream_append(s, &ev) ) return (void*)1;
    if( i%5000==0 ) sleep_ms(3);
  }
  return NULL;
}

/* Real threads appending at once, small buffers, a tiny max_buffered
** (appenders block on the writer) and frequent partial flushes. */
static void test_concurrent_appenders(void **state){
  enum { T = 4, N = 30000 };
  _Atomic uint64_t seq = 1;
  struct worker k[T];
  pthread_t th[T];
  struct trec_chunk c;
  trec_writer *w;
  trec_reader *r;
  unsigned char *seen = calloc(T*N + 1, 1);
  (void)state;
  w = open_writer(TREC_CODEC_LZ4, 500, 2, 64 << 10);
  for(uint32_t i=0; i<T; i++){
    k[i] = (struct worker){ w, i+1, &seq, N };
    assert_int_equal(pthread_create(&th[i], NULL, worker_main, &k[i]), 0);
  }
  for(uint32_t i=0; i<T; i++){
    void *ret;
    pthread_join(th[i], &ret);
    assert_null(ret);
  }
  close_writer(w);
  r = open_reader();
  assert_int_equal(trec_reader_n_events(r), T*N);
  trec_chunk_init(&c);
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    assert_int_equal(trec_reader_read_chunk(r, i, &c), TREC_OK);
    for(size_t j=0; j<c.n; j++){
      struct trec_entry e;
      const unsigned char *p = c.payload + c.payload_off[j];
      struct trec_value v;
      assert_false(seen[c.seq[j]]);
      seen[c.seq[j]] = 1;
      assert_int_equal(c.frame[j], c.thread);
      assert_int_equal(trec_payload_next(&p, p + c.payload_len[j], &e), TREC_OK);
      assert_int_equal(trec_value_read(e.value, e.value_end, &v), TREC_OK);
      assert_int_equal(v.i, c.line[j]);
    }
  }
  for(size_t s=1; s<=T*N; s++) assert_true(seen[s]);
  for(uint32_t t=1; t<=T; t++) assert_int_equal(trec_reader_thread_by_id(r, t)->n_events, N);
  trec_chunk_release(&c);
  trec_reader_close(r);
  free(seen);
}

/* A thread that appends a few events and then waits (time.sleep) still
** gets them committed within flush_ms, readable while recording goes on. */
static void test_idle_stream_reaches_file(void **state){
  struct trec_event ev = { .seq = 1, .frame = 1, .ts = TREC_NO_TS, .thread = 1,
    .code = 1, .line = 1, .offset = TREC_NO_OFFSET, .kind = TREC_CALL };
  trec_writer *w;
  trec_reader *r = NULL;
  trec_stream *s;
  (void)state;
  w = open_writer(TREC_CODEC_LZ4, 1000, 20, 0);
  assert_int_equal(trec_writer_stream(w, 1, &s), TREC_OK);
  for(int i=0; i<10; i++){
    assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
    ev.seq++; ev.kind = TREC_LINE; ev.line++;
  }
  for(int tries=0; tries<2000; tries++){     /* up to 20 s on a loaded machine */
    sleep_ms(10);
    r = open_reader();
    if( trec_reader_n_events(r)==10 ) break;
    trec_reader_close(r);
    r = NULL;
  }
  assert_non_null(r);
  assert_false(trec_reader_complete(r));
  assert_string_equal(trec_reader_meta(r, "status"), "recording");
  trec_reader_close(r);
  /* the rest of the same buffer goes into a later chunk */
  for(int i=0; i<5; i++){
    assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
    ev.seq++; ev.line++;
  }
  close_writer(w);
  r = open_reader();
  assert_true(trec_reader_complete(r));
  assert_int_equal(trec_reader_n_events(r), 15);
  assert_true(trec_reader_n_chunks(r) >= 2);
  trec_reader_close(r);
}

/* A child records, commits, and is killed without closing: the trace opens,
** says truncated, and holds every committed event. */
static void test_killed_mid_recording(void **state){
  pid_t pid;
  int status;
  trec_reader *r;
  struct trec_chunk c;
  uint64_t expect = 1;
  (void)state;
  pid = fork();
  assert_true(pid>=0);
  if( pid==0 ){
    struct trec_event ev = { .seq = 1, .frame = 1, .ts = TREC_NO_TS, .thread = 1,
      .code = 1, .line = 1, .offset = TREC_NO_OFFSET, .kind = TREC_CALL };
    struct trec_writer_options o = { .path = path, .chunk_events = 100, .flush_ms = 10 };
    trec_writer *w;
    trec_stream *s;
    if( trec_writer_open(&o, &w) || trec_writer_stream(w, 1, &s) ) _exit(1);
    for(int i=0; i<1050; i++){
      if( trec_stream_append(s, &ev) ) _exit(1);
      ev.seq++; ev.kind = TREC_LINE; ev.line = 1 + i%7;
    }
    /* wait until everything is committed (a loaded machine may take a
    ** while to run the writer thread), then die without closing */
    for(int tries=0; tries<2000; tries++){
      trec_reader *r2;
      int done = trec_reader_open(path, 0, &r2)==TREC_OK && trec_reader_n_events(r2)==1050;
      trec_reader_close(r2);
      if( done ) break;
      sleep_ms(10);
    }
    raise(SIGKILL);
    _exit(1);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status)==SIGKILL);
  r = open_reader();
  assert_false(trec_reader_complete(r));
  assert_int_equal(trec_reader_n_events(r), 1050);
  trec_chunk_init(&c);
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    assert_int_equal(trec_reader_read_chunk(r, i, &c), TREC_OK);
    for(size_t j=0; j<c.n; j++) assert_int_equal(c.seq[j], expect++);
  }
  trec_chunk_release(&c);
  trec_reader_close(r);
}

/* A forked child forgets the writer; the parent's recording carries on. */
static void test_abandon_in_child(void **state){
  struct gen_stream g;
  trec_writer *w;
  trec_reader *r;
  pid_t pid;
  int status;
  (void)state;
  gen_stream(&g, 17, 4000, 2, 10, 0, 0);
  w = open_writer(TREC_CODEC_LZ4, 300, 5, 0);
  for(size_t i=0; i<g.n; i++){
    trec_stream *s;
    if( i==2000 ){
      pid = fork();
      assert_true(pid>=0);
      if( pid==0 ){
        trec_writer_abandon(w);
        _exit(0);
      }
      assert_int_equal(waitpid(pid, &status, 0), pid);
      assert_true(WIFEXITED(status) && WEXITSTATUS(status)==0);
    }
    assert_int_equal(trec_writer_stream(w, g.ev[i].thread, &s), TREC_OK);
    assert_int_equal(trec_stream_append(s, &g.ev[i]), TREC_OK);
  }
  close_writer(w);
  r = open_reader();
  assert_true(trec_reader_complete(r));
  check_roundtrip(r, &g);
  trec_reader_close(r);
  gen_stream_release(&g);
}

/* Append n events of one frame to thread t's stream: a call, then lines
** 1 to 5 over and over; ev gives the rest and its seq moves on. */
static void append_loop(trec_writer *w, uint32_t t, struct trec_event *ev, int n){
  trec_stream *s;
  assert_int_equal(trec_writer_stream(w, t, &s), TREC_OK);
  for(int i=0; i<n; i++){
    ev->kind = i ? TREC_LINE : TREC_CALL;
    ev->line = 1 + i%5;
    assert_int_equal(trec_stream_append(s, ev), TREC_OK);
    ev->seq++;
  }
}

static uint32_t biggest_chunk(trec_reader *r){
  uint32_t biggest = 0;
  for(size_t i=0; i<trec_reader_n_chunks(r); i++)
    if( trec_reader_chunk(r, i)->n_events > biggest ) biggest = trec_reader_chunk(r, i)->n_events;
  return biggest;
}

/* Many threads with a few events each, and one busy thread: every event
** arrives, and the busy thread's buffers grow to full chunk_events chunks. */
static void test_many_threads_and_growth(void **state){
  struct trec_event ev = { .seq = 1, .frame = 1, .ts = TREC_NO_TS, .code = 1,
    .line = 1, .offset = TREC_NO_OFFSET, .kind = TREC_CALL };
  trec_writer *w;
  trec_reader *r;
  (void)state;
  w = open_writer(TREC_CODEC_LZ4, 0, 60000, 0);
  for(uint32_t t=1; t<=300; t++){
    trec_stream *s;
    assert_int_equal(trec_writer_stream(w, t, &s), TREC_OK);
    for(int i=0; i<3; i++){
      ev.frame = t;
      ev.kind = i ? TREC_LINE : TREC_CALL;
      assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
      ev.seq++;
    }
  }
  ev.frame = 301;
  append_loop(w, 301, &ev, 70000);
  close_writer(w);
  r = open_reader();
  assert_int_equal(trec_reader_n_events(r), 300*3 + 70000);
  assert_int_equal(trec_reader_n_threads(r), 301);
  assert_int_equal(biggest_chunk(r), 16384);
  check_index(r);
  trec_reader_close(r);
}

/* Threads that end: thread t's events stop at the t-th of T points of
** the stream, where its stream is closed while the others go on. Buffers
** are small (many rotations, buffers going round among the streams) and a
** partial flush runs every millisecond, racing the closes. Every event
** comes back at its depth, and each thread's counts in the threads table,
** written when its last chunk was, are those of its events. */
static void test_closed_streams(void **state){
  enum { T = 40, N = 20000 };
  struct gen_stream g, k;
  size_t last[T + 1];
  uint64_t first[T + 1] = { 0 }, count[T + 1] = { 0 };
  trec_writer *w;
  trec_reader *r;
  sqlite3 *db;
  sqlite3_stmt *st;
  int rows = 0, with_events = 0;
  (void)state;
  gen_stream(&g, 31, N, T, 20, 0, 0);
  memset(&k, 0, sizeof k);
  k.ev = calloc(N, sizeof *k.ev);
  k.depth = calloc(N, sizeof *k.depth);
  assert_true(k.ev && k.depth);
  for(uint32_t t=0; t<=T; t++) last[t] = SIZE_MAX;
  for(size_t i=0; i<N; i++){
    uint32_t t = g.ev[i].thread;
    if( i >= (size_t)t*N/T ) continue;
    k.ev[k.n] = g.ev[i];
    k.ev[k.n].seq = k.n + 1;
    k.depth[k.n] = g.depth[i];
    if( !count[t]++ ) first[t] = k.n + 1;
    last[t] = k.n++;
  }
  w = open_writer(TREC_CODEC_LZ4, 100, 1, 0);
  for(size_t i=0; i<k.n; i++){
    trec_stream *s;
    uint32_t t = k.ev[i].thread;
    assert_int_equal(trec_writer_stream(w, t, &s), TREC_OK);
    assert_int_equal(trec_stream_append(s, &k.ev[i]), TREC_OK);
    if( i==last[t] ) assert_int_equal(trec_stream_close(s), TREC_OK);
  }
  close_writer(w);
  r = open_reader();
  assert_true(trec_reader_complete(r));
  check_roundtrip(r, &k);
  trec_reader_close(r);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT thread_id, first_seq, last_seq,"
                   " n_events FROM threads", -1, &st, NULL), SQLITE_OK);
  while( sqlite3_step(st)==SQLITE_ROW ){
    uint32_t t = (uint32_t)sqlite3_column_int64(st, 0);
    assert_true(t>=1 && t<=T && count[t]>0);
    assert_int_equal(sqlite3_column_int64(st, 1), first[t]);
    assert_int_equal(sqlite3_column_int64(st, 2), last[t] + 1);
    assert_int_equal(sqlite3_column_int64(st, 3), count[t]);
    rows++;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  for(uint32_t t=1; t<=T; t++) with_events += count[t]>0;
  assert_int_equal(rows, with_events);
  gen_stream_release(&k);
  gen_stream_release(&g);
}

/* A thread whose events carry 400-byte payloads (an object-heavy program
** hands the writer whole values) fills its payload area long before its
** event array: the area grows, so its chunks still reach chunk_events (they
** held 3,922 at most when the area stayed at 64 bytes per event). */
static void test_payload_area_growth(void **state){
  struct trec_buf pay = TREC_BUF_INIT;
  struct trec_event ev = { .seq = 1, .frame = 1, .ts = TREC_NO_TS, .code = 1,
    .line = 1, .offset = TREC_NO_OFFSET, .kind = TREC_CALL };
  trec_writer *w;
  trec_reader *r;
  (void)state;
  trec_payload_key(&pay, TREC_PK_VAR, 0);
  trec_buf_put_u8(&pay, TREC_V_STR);
  trec_buf_put_varint(&pay, 395);
  trec_buf_put_varint(&pay, 395);
  for(int k=0; k<395; k++) trec_buf_put_u8(&pay, (unsigned)('a' + k%26));
  assert_false(pay.oom);
  ev.payload = pay.data;
  ev.payload_len = (uint32_t)pay.len;
  w = open_writer(TREC_CODEC_LZ4, 0, 60000, 0);
  append_loop(w, 1, &ev, 120000);
  close_writer(w);
  r = open_reader();
  assert_int_equal(trec_reader_n_events(r), 120000);
  assert_int_equal(biggest_chunk(r), 16384);
  check_index(r);
  trec_reader_close(r);
  trec_buf_release(&pay);
}

/* A WAL-mode trace (a truncated one, copied without its -wal) whose -shm
** cannot be created (a read-only directory; root ignores permissions, so a
** directory in its place stands in) still opens. */
static void test_wal_trace_without_shm(void **state){
  char shm[300];
  sqlite3 *db;
  trec_reader *r;
  (void)state;
  roundtrip(18, 3000, 1, TREC_CODEC_LZ4, 500, 0);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_false(exists("-wal"));
  snprintf(shm, sizeof shm, "%s-shm", path);
  assert_int_equal(mkdir(shm, 0700), 0);
  r = open_reader();
  assert_int_equal(trec_reader_n_events(r), 3000);
  assert_true(trec_reader_complete(r));
  trec_reader_close(r);
  rmdir(shm);
}

static void test_writer_errors(void **state){
  struct trec_writer_options o = { .path = "/nonexistent-dir/x/t.trace" };
  struct trec_event ev = { .seq = 5, .frame = 1, .ts = TREC_NO_TS, .thread = 1,
    .code = 1, .line = 1, .offset = TREC_NO_OFFSET, .kind = TREC_CALL };
  static const char *const spaced[] = { "a b" };
  struct trec_code code = { 3, 1, "f", "f", 1, 0, 0, 1, spaced };
  trec_writer *w;
  trec_stream *s;
  FILE *f;
  (void)state;
  assert_int_equal(trec_writer_open(&o, &w), TREC_ERR_IO);
  assert_non_null(strstr(trec_writer_errmsg(w), "/nonexistent-dir/x/t.trace"));
  assert_int_equal(trec_writer_close(w, NULL), TREC_ERR_IO);
  o.path = path;
  o.codec = 9;
  assert_int_equal(trec_writer_open(&o, &w), TREC_ERR_INVALID);
  trec_writer_close(w, NULL);
  /* a file that is not a trace is never replaced */
  o.codec = TREC_CODEC_LZ4;
  f = fopen(path, "w");
  assert_non_null(f);
  fputs("precious notes, longer than an SQLite header is: seventy-two bytes and more\n", f);
  fclose(f);
  assert_int_equal(trec_writer_open(&o, &w), TREC_ERR_INVALID);
  assert_non_null(strstr(trec_writer_errmsg(w), "is not a trace"));
  trec_writer_close(w, NULL);
  f = fopen(path, "r");
  assert_non_null(f);
  assert_int_equal(fgetc(f), 'p');
  fclose(f);
  unlink(path);
  assert_int_equal(trec_writer_close(NULL, NULL), TREC_OK);
  trec_writer_abandon(NULL);
  /* an existing file of that name is replaced */
  f = fopen(path, "w");
  fputs("not a trace", f);
  fclose(f);
  w = open_writer(TREC_CODEC_LZ4, 0, 0, 0);
  assert_int_equal(trec_writer_stream(w, 0, &s), TREC_ERR_INVALID);
  assert_int_equal(trec_writer_stream(w, 1, &s), TREC_OK);
  assert_int_equal(trec_writer_add_code(w, &code), TREC_ERR_INVALID);
  assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
  assert_int_equal(trec_stream_append(s, &ev), TREC_ERR_INVALID);   /* seq again */
  ev.seq = 6; ev.kind = 9;
  assert_int_equal(trec_stream_append(s, &ev), TREC_ERR_INVALID);
  ev.kind = TREC_LINE; ev.frame = 0;
  assert_int_equal(trec_stream_append(s, &ev), TREC_ERR_INVALID);
  ev.frame = 1;
  assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
  assert_int_equal(trec_stream_flush(s), TREC_OK);
  close_writer(w);
  trec_reader_close(NULL);
}

/* A payload that does not parse (an INT value cut short) stops the
** writer: closing reports it. */
static void test_bad_payload(void **state){
  static const unsigned char good[] = { 0x00, TREC_V_INT, 0x02 };
  static const unsigned char cut[] = { 0x04, TREC_V_INT };
  struct trec_event ev = { .seq = 1, .frame = 1, .ts = TREC_NO_TS, .thread = 1,
    .code = 1, .line = 1, .offset = TREC_NO_OFFSET, .kind = TREC_CALL,
    .payload = good, .payload_len = sizeof good };
  struct trec_close_info ci = { 3, 0, NULL };
  trec_writer *w = open_writer(TREC_CODEC_LZ4, 0, 0, 0);
  trec_stream *s;
  (void)state;
  assert_int_equal(trec_writer_stream(w, 1, &s), TREC_OK);
  assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
  ev.seq = 2; ev.kind = TREC_LINE; ev.payload = cut; ev.payload_len = sizeof cut;
  assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
  assert_int_equal(trec_stream_flush(s), TREC_OK);
  assert_int_equal(trec_writer_close(w, &ci), TREC_ERR_CORRUPT);
}

/* Frames that ended with no return event (the program switched tracing
** off): after trec_stream_resync() the next chunk starts from the stack cut
** to the frames kept, its keyframe holds their values, and depths follow. A
** resync that keeps the whole stack cuts nothing, and two in a row keep
** the fewer frames. */
static void test_resync_cuts_start_stack(void **state){
  static const unsigned char var[] = { 0x00, TREC_V_INT, 0x02 };
  static const struct { uint64_t frame; uint32_t code; int kind; size_t keep; }
  plan[] = {
    { 1, 1, TREC_CALL, 0 }, { 2, 2, TREC_CALL, 0 }, { 3, 3, TREC_CALL, 0 },
    { 3, 3, TREC_LINE, 1 },    /* then frames 2 and 3 are gone */
    { 4, 2, TREC_LINE, 0 },    /* a frame seen first mid-way: depth 2 */
    { 1, 1, TREC_LINE, 9 },    /* a resync keeping more than there is */
    { 5, 3, TREC_CALL, 2 },    /* then 2 and 1 in a row: 1 */
    { 6, 2, TREC_CALL, 0 },
  };
  static const uint32_t depth[] = { 1, 2, 3, 3, 2, 1, 2, 2 };
  static const uint32_t start[] = { 0, 1, 1, 1 };
  enum { N = sizeof plan / sizeof plan[0] };
  trec_writer *w = open_writer(TREC_CODEC_LZ4, 1000, 60000, 0);
  trec_stream *s;
  trec_reader *r;
  struct trec_chunk c;
  struct trec_keyframe k;
  (void)state;
  assert_int_equal(trec_writer_stream(w, 1, &s), TREC_OK);
  for(size_t i=0; i<N; i++){
    struct trec_event ev = { .seq = i + 1, .frame = plan[i].frame, .ts = TREC_NO_TS,
      .thread = 1, .code = plan[i].code, .line = 10 + (int32_t)i,
      .offset = TREC_NO_OFFSET, .kind = (uint8_t)plan[i].kind,
      .payload = i==0 ? var : NULL, .payload_len = i==0 ? sizeof var : 0 };
    assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
    if( plan[i].keep ) assert_int_equal(trec_stream_resync(s, plan[i].keep), TREC_OK);
    if( i==N-2 ) assert_int_equal(trec_stream_resync(s, 1), TREC_OK);
  }
  close_writer(w);
  r = open_reader();
  trec_chunk_init(&c);
  trec_keyframe_init(&k);
  assert_int_equal(trec_reader_n_chunks(r), 4);
  for(size_t n=0, i=0; n<4; n++){
    assert_int_equal(trec_reader_chunk(r, n)->start_depth, start[n]);
    assert_int_equal(trec_reader_read_chunk(r, n, &c), TREC_OK);
    for(size_t j=0; j<c.n; j++, i++){
      assert_int_equal(c.seq[j], i + 1);
      assert_int_equal(c.depth[j], depth[i]);
    }
    assert_int_equal(trec_reader_read_keyframe(r, n, &k), TREC_OK);
    assert_int_equal(k.n, start[n]);
    if( n>0 ){
      assert_int_equal(k.frames[0].frame, 1);
      assert_int_equal(k.frames[0].values_len, sizeof var);
    }
  }
  trec_keyframe_release(&k);
  trec_chunk_release(&c);
  trec_reader_close(r);
}

/* A parked writer (around a fork) has no thread: events given meanwhile
** wait, the next full buffer starts the thread again, and so does close;
** every event reaches the file either way. */
static void test_park_and_unpark(void **state){
  trec_writer *w;
  trec_stream *s;
  trec_reader *r;
  (void)state;
  for(int how=0; how<2; how++){
    size_t n = how==0 ? 1200 : 10;
    w = open_writer(TREC_CODEC_LZ4, 500, 60000, 0);
    assert_int_equal(trec_writer_stream(w, 1, &s), TREC_OK);
    assert_int_equal(trec_writer_park(w), TREC_OK);
    assert_int_equal(trec_writer_park(w), TREC_OK);
    for(size_t i=0; i<n; i++){
      struct trec_event ev = { .seq = i + 1, .frame = 1, .ts = TREC_NO_TS,
        .thread = 1, .code = 1, .line = 1, .offset = TREC_NO_OFFSET,
        .kind = i==0 ? TREC_CALL : TREC_LINE };
      assert_int_equal(trec_stream_append(s, &ev), TREC_OK);
    }
    close_writer(w);
    r = open_reader();
    size_t total = 0;
    for(size_t k=0; k<trec_reader_n_chunks(r); k++)
      total += trec_reader_chunk(r, k)->n_events;
    assert_int_equal(total, n);
    assert_int_equal(trec_reader_complete(r), 1);
    trec_reader_close(r);
  }
  assert_int_equal(trec_writer_park(NULL), TREC_OK);
  assert_int_equal(trec_writer_unpark(NULL), TREC_OK);
}

int main(void){
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_empty_trace),
    cmocka_unit_test(test_one_event),
    cmocka_unit_test(test_exactly_chunk_events),
    cmocka_unit_test(test_payload_area_growth),
    cmocka_unit_test(test_reads_format3),
    cmocka_unit_test(test_int_differences),
    cmocka_unit_test(test_chunk_events_plus_one),
    cmocka_unit_test(test_random_threads),
    cmocka_unit_test(test_every_codec),
    cmocka_unit_test(test_huge_payload),
    cmocka_unit_test(test_keyframes_match_model),
    cmocka_unit_test(test_keyframes_with_entry_ends),
    cmocka_unit_test(test_patched_values),
    cmocka_unit_test(test_patched_from_other_frames),
    cmocka_unit_test(test_seek_every_seq),
    cmocka_unit_test(test_metadata),
    cmocka_unit_test(test_concurrent_appenders),
    cmocka_unit_test(test_idle_stream_reaches_file),
    cmocka_unit_test(test_killed_mid_recording),
    cmocka_unit_test(test_abandon_in_child),
    cmocka_unit_test(test_many_threads_and_growth),
    cmocka_unit_test(test_closed_streams),
    cmocka_unit_test(test_wal_trace_without_shm),
    cmocka_unit_test(test_writer_errors),
    cmocka_unit_test(test_bad_payload),
    cmocka_unit_test(test_resync_cuts_start_stack),
    cmocka_unit_test(test_park_and_unpark),
  };
  return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
