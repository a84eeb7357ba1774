/*
** t-corrupt.c: bad input to the reader. Files that are not traces, traces
** of a newer format, and traces whose chunks, keyframes, sources or index
** rows were damaged on disk must each give an error code and a message
** naming what is wrong, never a crash: every truncation of a stored chunk
** and random bit flips (with the checksum fixed up, so the decoders
** themselves are exercised) are tried. Run under ASan to see no overread.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include "trace_int.h"
#include "t-writer-gen.h"
#include "t-tmpdir.h"

/* A small complete trace: two threads, a stored source file. */
static void make_trace(void){
  struct trec_writer_options o = { .path = path, .codec = TREC_CODEC_LZ4,
    .chunk_events = 150, .flush_ms = 60000 };
  struct gen_stream g;
  trec_writer *w;
  gen_stream(&g, 1234, 1000, 2, 8, 0, 0);
  unlink(path);   /* the previous test damaged it: a writer replaces only traces */
  assert_int_equal(trec_writer_open(&o, &w), TREC_OK);
  assert_int_equal(trec_writer_add_file(w, 1, "a.py", "x = 1\n", 6), TREC_OK);
  for(size_t i=0; i<g.n; i++){
    trec_stream *s;
    assert_int_equal(trec_writer_stream(w, g.ev[i].thread, &s), TREC_OK);
    assert_int_equal(trec_stream_append(s, &g.ev[i]), TREC_OK);
  }
  assert_int_equal(trec_writer_close(w, NULL), TREC_OK);
  gen_stream_release(&g);
}

static void exec_sql(const char *sql){
  sqlite3 *db;
  char *err = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
  if( sqlite3_exec(db, sql, NULL, NULL, &err)!=SQLITE_OK ) fail_msg("%s: %s", sql, err);
  sqlite3_close(db);
}

static int open_expect(int want, const char *needle){
  trec_reader *r;
  int rc = trec_reader_open(path, 0, &r);
  if( rc!=want ) fail_msg("open gave %d (%s), wanted %d", rc, trec_reader_errmsg(r), want);
  if( needle && !strstr(trec_reader_errmsg(r), needle) )
    fail_msg("message \"%s\" lacks \"%s\"", trec_reader_errmsg(r), needle);
  trec_reader_close(r);
  return rc;
}

static void write_file(const void *data, size_t len){
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

static void test_missing_file(void **state){
  (void)state;
  unlink(path);
  open_expect(TREC_ERR_IO, "t.trace");
}

static void test_not_sqlite(void **state){
  static const char text[] = "print('hello')\n";
  (void)state;
  write_file("", 0);
  open_expect(TREC_ERR_NOTTRACE, "not an SQLite database");
  write_file(text, sizeof text - 1);
  open_expect(TREC_ERR_NOTTRACE, "not a tracerec trace");
  write_file("SQLite format 3\0garbage garbage garbage garbage", 48);
  assert_true(open_expect(TREC_ERR_NOTTRACE, NULL)==TREC_ERR_NOTTRACE);
}

static void test_directory(void **state){
  trec_reader *r;
  (void)state;
  assert_int_equal(trec_reader_open(tmpdir, 0, &r), TREC_ERR_IO);
  trec_reader_close(r);
}

static void test_sqlite_not_trace(void **state){
  (void)state;
  unlink(path);
  exec_sql("CREATE TABLE foo(x); INSERT INTO foo VALUES(1);");
  open_expect(TREC_ERR_NOTTRACE, "application_id");
  unlink(path);
  /* what a recording killed as it began leaves: the id, no schema */
  exec_sql("PRAGMA application_id=1414677827; CREATE TABLE foo(x);");
  open_expect(TREC_ERR_NOTTRACE, "an empty tracerec trace: its recording was killed as it began");
}

static void test_wrong_application_id(void **state){
  (void)state;
  make_trace();
  exec_sql("PRAGMA application_id=42");
  open_expect(TREC_ERR_NOTTRACE, "not a tracerec trace");
}

static void test_newer_major_version(void **state){
  (void)state;
  make_trace();
  char sql[100], newer[64], mine[64];
  snprintf(sql, sizeof sql, "UPDATE meta SET value=%d WHERE key='format_major'",
           TREC_FORMAT_MAJOR + 1);
  snprintf(newer, sizeof newer, "trace format %d.", TREC_FORMAT_MAJOR + 1);
  snprintf(mine, sizeof mine, "is newer than this tracerec reads (%d.x)", TREC_FORMAT_MAJOR);
  exec_sql(sql);
  open_expect(TREC_ERR_VERSION, mine);
  open_expect(TREC_ERR_VERSION, newer);
  open_expect(TREC_ERR_VERSION, "upgrade tracerec");
  exec_sql("UPDATE meta SET value=0 WHERE key='format_major'");
  open_expect(TREC_ERR_VERSION, "older");
  exec_sql("DELETE FROM meta WHERE key='format_major'");
  open_expect(TREC_ERR_NOTTRACE, "no format version");
}

/* A newer minor version is read as usual. */
static void test_newer_minor_version(void **state){
  (void)state;
  make_trace();
  exec_sql("UPDATE meta SET value=7 WHERE key='format_minor';"
           "INSERT INTO meta VALUES('some_future_key', 'x')");
  open_expect(TREC_OK, NULL);
}

static void test_bad_index_row(void **state){
  (void)state;
  make_trace();
  exec_sql("UPDATE chunks SET last_seq=first_seq-1 WHERE chunk_id=2");
  open_expect(TREC_ERR_CORRUPT, "chunk 2: bad index row");
}

/* Read every chunk; return how many failed, each with a CORRUPT message
** naming its chunk. */
static int read_chunks(void){
  trec_reader *r;
  struct trec_chunk c;
  struct trec_keyframe k;
  int bad = 0;
  assert_int_equal(trec_reader_open(path, 0, &r), TREC_OK);
  trec_chunk_init(&c);
  trec_keyframe_init(&k);
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    int rc = trec_reader_read_chunk(r, i, &c);
    if( rc==TREC_OK ) rc = trec_reader_read_keyframe(r, i, &k);
    if( rc ){
      assert_int_equal(rc, TREC_ERR_CORRUPT);
      assert_non_null(strstr(trec_reader_errmsg(r), "chunk"));
      bad++;
    }
  }
  trec_keyframe_release(&k);
  trec_chunk_release(&c);
  trec_reader_close(r);
  return bad;
}

static void test_checksum_mismatch(void **state){
  trec_reader *r;
  struct trec_chunk c;
  (void)state;
  make_trace();
  assert_int_equal(read_chunks(), 0);
  exec_sql("UPDATE chunks SET checksum=(checksum+1)%4294967296 WHERE chunk_id=3");
  assert_int_equal(read_chunks(), 1);
  assert_int_equal(trec_reader_open(path, 0, &r), TREC_OK);
  trec_chunk_init(&c);
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    if( trec_reader_chunk(r, i)->chunk_id!=3 ) continue;
    assert_int_equal(trec_reader_read_chunk(r, i, &c), TREC_ERR_CORRUPT);
    assert_string_equal(trec_reader_errmsg(r), "chunk 3: checksum mismatch");
  }
  trec_chunk_release(&c);
  trec_reader_close(r);
}

static void test_bad_raw_len_and_codec(void **state){
  (void)state;
  make_trace();
  exec_sql("UPDATE chunks SET raw_len=raw_len+1 WHERE chunk_id=1");
  exec_sql("UPDATE chunks SET codec=9 WHERE chunk_id=2");
  exec_sql("UPDATE chunks SET raw_len=1<<40 WHERE chunk_id=4");
  exec_sql("UPDATE keyframes SET raw_len=raw_len-1 WHERE chunk_id=5");
  exec_sql("DELETE FROM keyframes WHERE chunk_id=6");
  exec_sql("UPDATE chunks SET data='text' WHERE chunk_id=7");
  assert_int_equal(read_chunks(), 6);
}

static void test_index_mismatch(void **state){
  (void)state;
  make_trace();
  exec_sql("UPDATE chunks SET n_events=n_events-1 WHERE chunk_id=1");
  exec_sql("UPDATE chunks SET thread_id=thread_id%2+1 WHERE chunk_id=2");
  exec_sql("UPDATE keyframes SET data=(SELECT data FROM keyframes WHERE chunk_id=5),"
           " raw_len=(SELECT raw_len FROM keyframes WHERE chunk_id=5),"
           " checksum=(SELECT checksum FROM keyframes WHERE chunk_id=5)"
           " WHERE chunk_id=1");
  assert_true(read_chunks() >= 2);
}

/* Replace chunk `id` with the given raw chunk, stored raw, checksum right. */
static void store_raw(sqlite3 *db, int64_t id, const unsigned char *p, size_t len){
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, "UPDATE chunks SET codec=0, raw_len=?1,"
                   " checksum=?2, data=?3 WHERE chunk_id=?4", -1, &st, NULL), SQLITE_OK);
  sqlite3_bind_int64(st, 1, (int64_t)len);
  sqlite3_bind_int64(st, 2, trec_xxh32(p, len, 0));
  sqlite3_bind_blob(st, 3, len ? (const void*)p : (const void*)"", (int)len, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, id);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
}

/* Every truncation and 500 random bit flips of one stored chunk, each with
** a valid checksum: the reader reports corruption or a chunk matching its
** index row, never anything else. */
static void test_chunk_damage_behind_checksum(void **state){
  sqlite3 *db;
  trec_reader *r;
  struct trec_chunk c;
  struct trec_buf raw = TREC_BUF_INIT;
  struct gen_rng rng = { 8 };
  size_t idx = 0;
  int64_t id;
  (void)state;
  make_trace();
  assert_int_equal(trec_reader_open(path, 0, &r), TREC_OK);
  trec_chunk_init(&c);
  id = trec_reader_chunk(r, 1)->chunk_id;
  for(size_t i=0; i<trec_reader_n_chunks(r); i++)
    if( trec_reader_chunk(r, i)->chunk_id==id ) idx = i;
  assert_int_equal(trec_reader_read_chunk(r, idx, &c), TREC_OK);
  trec_buf_put(&raw, c.raw.data, c.raw.len);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
  for(size_t cut=0; cut<raw.len; cut++){
    store_raw(db, id, raw.data, cut);
    assert_int_equal(trec_reader_read_chunk(r, idx, &c), TREC_ERR_CORRUPT);
  }
  for(int round=0; round<500; round++){
    unsigned char *p = malloc(raw.len);
    int rc;
    memcpy(p, raw.data, raw.len);
    p[gen_below(&rng, (uint32_t)raw.len)] ^= (unsigned char)(1u << gen_below(&rng, 8));
    store_raw(db, id, p, raw.len);
    rc = trec_reader_read_chunk(r, idx, &c);
    assert_true(rc==TREC_OK || rc==TREC_ERR_CORRUPT);
    if( rc==TREC_OK ) assert_int_equal(c.n, trec_reader_chunk(r, idx)->n_events);
    free(p);
  }
  sqlite3_close(db);
  trec_buf_release(&raw);
  trec_chunk_release(&c);
  trec_reader_close(r);
}

/* Damaged LZ4 data under a valid checksum. */
static void test_lz4_damage_behind_checksum(void **state){
  (void)state;
  make_trace();
  exec_sql("UPDATE chunks SET data=substr(data, 1, length(data)/2) WHERE chunk_id=1");
  exec_sql("UPDATE keyframes SET data=zeroblob(length(data)) WHERE chunk_id=3");
  {
    /* fix the checksums so the decompressor sees the damage */
    sqlite3 *db;
    sqlite3_stmt *st, *up;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    for(int t=0; t<2; t++){
      const char *sel = t ? "SELECT chunk_id, data FROM keyframes WHERE chunk_id=3"
                          : "SELECT chunk_id, data FROM chunks WHERE chunk_id=1";
      const char *upd = t ? "UPDATE keyframes SET checksum=? WHERE chunk_id=?"
                          : "UPDATE chunks SET checksum=? WHERE chunk_id=?";
      assert_int_equal(sqlite3_prepare_v2(db, sel, -1, &st, NULL), SQLITE_OK);
      assert_int_equal(sqlite3_step(st), SQLITE_ROW);
      assert_int_equal(sqlite3_prepare_v2(db, upd, -1, &up, NULL), SQLITE_OK);
      sqlite3_bind_int64(up, 1, trec_xxh32(sqlite3_column_blob(st, 1),
                                           (size_t)sqlite3_column_bytes(st, 1), 0));
      sqlite3_bind_int64(up, 2, sqlite3_column_int64(st, 0));
      sqlite3_finalize(st);
      assert_int_equal(sqlite3_step(up), SQLITE_DONE);
      sqlite3_finalize(up);
    }
    sqlite3_close(db);
  }
  assert_int_equal(read_chunks(), 2);
}

static void test_source_damage(void **state){
  trec_reader *r;
  struct trec_buf out = TREC_BUF_INIT;
  (void)state;
  make_trace();
  exec_sql("UPDATE files SET hash='xxh32:00000000'");
  assert_int_equal(trec_reader_open(path, 0, &r), TREC_OK);
  assert_int_equal(trec_reader_file_source(r, 1, &out), TREC_ERR_CORRUPT);
  assert_non_null(strstr(trec_reader_errmsg(r), "hash mismatch"));
  trec_reader_close(r);
  exec_sql("UPDATE files SET raw_len=1000");
  assert_int_equal(trec_reader_open(path, 0, &r), TREC_OK);
  assert_int_equal(trec_reader_file_source(r, 1, &out), TREC_ERR_CORRUPT);
  trec_reader_close(r);
  trec_buf_release(&out);
}

/* Postings: a count larger than its chunk is an error; a format 1.0 trace
** (no chunk_code table) says it has none, and a chunk the index does not
** know (committed after open) is ignored. */
static void test_postings(void **state){
  trec_reader *r;
  uint32_t *counts;
  size_t n;
  (void)state;
  make_trace();
  exec_sql("INSERT INTO chunk_code VALUES(1, 999999, 5)");
  assert_int_equal(trec_reader_open(path, 0, &r), TREC_OK);
  n = trec_reader_n_chunks(r);
  counts = calloc(n, sizeof *counts);
  assert_non_null(counts);
  assert_true(trec_reader_has_postings(r));
  assert_int_equal(trec_reader_code_chunks(r, 1, counts), TREC_OK);
  trec_reader_close(r);
  exec_sql("UPDATE chunk_code SET n_events=100000 WHERE chunk_id=2");
  assert_int_equal(trec_reader_open(path, 0, &r), TREC_OK);
  memset(counts, 0, n*sizeof *counts);
  for(uint32_t code=1; code<=8; code++){
    int rc = trec_reader_code_chunks(r, code, counts);
    if( rc==TREC_ERR_CORRUPT ){
      assert_non_null(strstr(trec_reader_errmsg(r), "chunk 2: bad postings row"));
      break;
    }
    assert_int_equal(rc, TREC_OK);
    assert_true(code<8);
  }
  trec_reader_close(r);
  exec_sql("DROP TABLE chunk_code");
  assert_int_equal(trec_reader_open(path, 0, &r), TREC_OK);
  assert_false(trec_reader_has_postings(r));
  assert_int_equal(trec_reader_code_chunks(r, 1, counts), TREC_ERR_NOTFOUND);
  trec_reader_close(r);
  free(counts);
}

int main(void){
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_missing_file),
    cmocka_unit_test(test_not_sqlite),
    cmocka_unit_test(test_directory),
    cmocka_unit_test(test_sqlite_not_trace),
    cmocka_unit_test(test_wrong_application_id),
    cmocka_unit_test(test_newer_major_version),
    cmocka_unit_test(test_newer_minor_version),
    cmocka_unit_test(test_bad_index_row),
    cmocka_unit_test(test_checksum_mismatch),
    cmocka_unit_test(test_bad_raw_len_and_codec),
    cmocka_unit_test(test_index_mismatch),
    cmocka_unit_test(test_chunk_damage_behind_checksum),
    cmocka_unit_test(test_lz4_damage_behind_checksum),
    cmocka_unit_test(test_source_damage),
    cmocka_unit_test(test_postings),
  };
  return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
