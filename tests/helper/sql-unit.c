/*
** sql-unit.c: the virtual tables in-process (cmocka, TAP), so that the
** sanitizer build (make check-unit) runs them: a trace of two interleaved
** threads in chunks of 5 events is written with the writer API, and every
** query's answer is computed from the same generated events in C.
*/
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "schema/trace.h"
#include "schema/sql.h"

#define N_ROUNDS 40

/* What was written, to compute expected answers. */
static struct trec_event evs[1000];
static size_t n_evs;
static char path[64];

static void gen(trec_writer *w, uint32_t thread, uint8_t kind, uint32_t code,
                int32_t line, uint64_t frame, int var, int64_t value){
  static struct trec_buf pay[1000];
  struct trec_event *ev = &evs[n_evs];
  trec_stream *s;
  trec_buf_init(&pay[n_evs]);
  if( var>=0 ){
    trec_payload_key(&pay[n_evs], TREC_PK_VAR, (uint32_t)var);
    trec_venc_int(&pay[n_evs], value);
  }
  if( kind==TREC_RETURN ){
    trec_payload_key(&pay[n_evs], TREC_PK_RETURN, 0);
    trec_venc_int(&pay[n_evs], value);
  }
  memset(ev, 0, sizeof(*ev));
  ev->seq = n_evs+1;
  ev->thread = thread;
  ev->kind = kind;
  ev->code = code;
  ev->line = line;
  ev->frame = frame;
  ev->ts = (int64_t)ev->seq*10;
  ev->offset = TREC_NO_OFFSET;
  ev->payload = pay[n_evs].data;
  ev->payload_len = (uint32_t)pay[n_evs].len;
  assert_int_equal(trec_writer_stream(w, thread, &s), TREC_OK);
  assert_int_equal(trec_stream_append(s, ev), TREC_OK);
  n_evs++;
}

/* Thread 1 calls f(i) each round; thread 2 runs a loop in one frame. */
static int setup(void **state){
  struct trec_writer_options opt;
  const char *fnames[] = { "x" }, *mnames[] = { "i" };
  struct trec_code f = { 2, 1, "f", "f", 10, TREC_CO_OPTIMIZED, 1, 1, fnames };
  struct trec_code m = { 1, 1, "<module>", "<module>", 1, 0, 0, 1, mnames };
  struct trec_thread t1 = { 1, 11, 11, "MainThread", 0, 0, 0 };
  struct trec_thread t2 = { 2, 12, 12, "worker", 0, 0, 0 };
  trec_writer *w = NULL;
  int i;
  (void)state;
  snprintf(path, sizeof(path), "/tmp/sql-unit-%d.trace", (int)getpid());
  memset(&opt, 0, sizeof(opt));
  opt.path = path;
  opt.chunk_events = 5;
  assert_int_equal(trec_writer_open(&opt, &w), TREC_OK);
  assert_int_equal(trec_writer_add_file(w, 1, "/src/u.py", "", -1), TREC_OK);
  assert_int_equal(trec_writer_add_code(w, &m), TREC_OK);
  assert_int_equal(trec_writer_add_code(w, &f), TREC_OK);
  assert_int_equal(trec_writer_add_thread(w, &t1), TREC_OK);
  assert_int_equal(trec_writer_add_thread(w, &t2), TREC_OK);
  gen(w, 1, TREC_CALL, 1, 0, 1, -1, 0);
  gen(w, 2, TREC_CALL, 1, 0, 2, -1, 0);
  for(i=0; i<N_ROUNDS; i++){
    uint64_t fr = 100+(uint64_t)i;
    gen(w, 1, TREC_CALL, 2, 10, fr, 0, i);
    gen(w, 1, TREC_LINE, 2, 11, fr, -1, 0);
    gen(w, 2, TREC_LINE, 1, 5, 2, 0, i);
    gen(w, 1, TREC_RETURN, 2, 11, fr, -1, 2*i);
    gen(w, 1, TREC_LINE, 1, 3, 1, -1, 0);
  }
  gen(w, 2, TREC_RETURN, 1, 6, 2, -1, 7);
  gen(w, 1, TREC_RETURN, 1, 4, 1, -1, 0);
  assert_int_equal(trec_writer_close(w, NULL), TREC_OK);
  return 0;
}

static int teardown(void **state){
  (void)state;
  unlink(path);
  return 0;
}

static sqlite3 *open_db(void){
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(trec_sql_register(db), SQLITE_OK);
  return db;
}

static int64_t one(sqlite3 *db, const char *q){
  sqlite3_stmt *st = NULL;
  int64_t v;
  if( sqlite3_prepare_v2(db, q, -1, &st, NULL)!=SQLITE_OK ) fail_msg("%s: %s", q, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void test_counts(void **state){
  sqlite3 *db = open_db();
  size_t i;
  int64_t k[TREC_N_KINDS] = { 0 }, t2 = 0, lines_sum = 0;
  (void)state;
  for(i=0; i<n_evs; i++){
    k[evs[i].kind]++;
    if( evs[i].thread==2 ) t2++;
    if( evs[i].kind==TREC_LINE ) lines_sum += (int64_t)evs[i].seq;
  }
  assert_int_equal(one(db, "SELECT count(*) FROM events"), n_evs);
  assert_int_equal(one(db, "SELECT count(*) FROM events WHERE kind = 'call'"), k[TREC_CALL]);
  assert_int_equal(one(db, "SELECT count(*) FROM events WHERE kind = 'line'"), k[TREC_LINE]);
  assert_int_equal(one(db, "SELECT sum(seq) FROM events WHERE kind = 'line'"), lines_sum);
  assert_int_equal(one(db, "SELECT count(*) FROM events WHERE thread = 2"), t2);
  assert_int_equal(one(db, "SELECT count(*) FROM events WHERE seq BETWEEN 7 AND 93"), 87);
  assert_int_equal(one(db, "SELECT seq FROM events ORDER BY seq DESC LIMIT 1"), n_evs);
  assert_int_equal(one(db, "SELECT count(*) FROM events WHERE function = 'f'"), 3*N_ROUNDS);
  sqlite3_close(db);
}

static void test_calls_vars(void **state){
  sqlite3 *db = open_db();
  (void)state;
  assert_int_equal(one(db, "SELECT count(*) FROM calls"), N_ROUNDS+2);
  assert_int_equal(one(db, "SELECT sum(CAST(returned AS INTEGER)) FROM calls WHERE function = 'f'"),
                   N_ROUNDS*(N_ROUNDS-1));
  assert_int_equal(one(db, "SELECT count(*) FROM calls WHERE parent = 1"), N_ROUNDS);
  assert_int_equal(one(db, "SELECT return_seq - call_seq FROM calls WHERE frame = 105"), 3);
  assert_int_equal(one(db, "SELECT count(*) FROM vars WHERE name = 'x'"), N_ROUNDS);
  assert_int_equal(one(db, "SELECT sum(CAST(value AS INTEGER)) FROM vars WHERE frame = 2"),
                   N_ROUNDS*(N_ROUNDS-1)/2);
  assert_int_equal(one(db, "SELECT count(*) FROM calls c JOIN vars v ON v.frame = c.frame"
                           " WHERE c.function = 'f'"), N_ROUNDS);
  assert_int_equal(one(db, "SELECT count(*) FROM events e JOIN calls c ON e.frame = c.frame"
                           " WHERE c.call_seq BETWEEN 10 AND 30"), 3*4);
  sqlite3_close(db);
}

/* depth constraints pushed down (chunks of 5 events: some wholly of
** one depth, counted from the index, some mixed, decoded) against +depth,
** which SQLite tests itself; vars read without its value column. */
static void test_depth_vars(void **state){
  static const char *wheres[] = { "depth = 2", "depth < 2", "depth <= 1", "depth > 1",
                                  "depth >= 2", "depth BETWEEN 1 AND 2", "depth = 3" };
  sqlite3 *db = open_db();
  size_t i;
  (void)state;
  assert_int_equal(one(db, "SELECT count(*) FROM events WHERE depth = 2"), 3*N_ROUNDS);
  assert_int_equal(one(db, "SELECT count(*) FROM events WHERE depth < 2"), n_evs-3*N_ROUNDS);
  for(i=0; i<sizeof(wheres)/sizeof(wheres[0]); i++){
    char *a = sqlite3_mprintf("SELECT count(*) * 1000000 + coalesce(sum(seq), 0)"
                              " FROM events WHERE %s", wheres[i]);
    char *b = sqlite3_mprintf("SELECT count(*) * 1000000 + coalesce(sum(seq), 0)"
                              " FROM events WHERE +%s", wheres[i]);
    char *c = sqlite3_mprintf("SELECT group_concat(seq) IS (SELECT group_concat(seq) FROM"
                              " (SELECT seq FROM events WHERE +%s ORDER BY seq DESC))"
                              " FROM (SELECT seq FROM events WHERE %s ORDER BY seq DESC)",
                              wheres[i], wheres[i]);
    char *d = sqlite3_mprintf("SELECT count(*) FROM calls WHERE %s", wheres[i]);
    char *e = sqlite3_mprintf("SELECT count(*) FROM calls WHERE +%s", wheres[i]);
    assert_int_equal(one(db, a), one(db, b));
    assert_int_equal(one(db, c), 1);
    assert_int_equal(one(db, d), one(db, e));
    sqlite3_free(a); sqlite3_free(b); sqlite3_free(c); sqlite3_free(d); sqlite3_free(e);
  }
  assert_int_equal(one(db, "SELECT count(*) FROM vars"), 2*N_ROUNDS);
  assert_int_equal(one(db, "SELECT sum(seq) FROM vars WHERE name = 'i'"),
                   one(db, "SELECT sum(seq) FROM events WHERE thread = 2 AND kind = 'line'"));
  sqlite3_close(db);
}

static void test_not_a_trace(void **state){
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  (void)state;
  assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
  assert_int_equal(trec_sql_register(db), SQLITE_OK);
  assert_int_not_equal(sqlite3_prepare_v2(db, "SELECT * FROM events", -1, &st, NULL), SQLITE_OK);
  assert_non_null(strstr(sqlite3_errmsg(db), "not a trace"));
  sqlite3_finalize(st);
  sqlite3_close(db);
}

static void test_damaged_chunk(void **state){
  char bad[80], *q;
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc;
  (void)state;
  snprintf(bad, sizeof(bad), "%s.bad", path);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  q = sqlite3_mprintf("VACUUM INTO %Q", bad);
  assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_free(q);
  sqlite3_close(db);
  assert_int_equal(sqlite3_open(bad, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "UPDATE chunks SET data = zeroblob(length(data))"
                                    " WHERE chunk_id = 3", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(sqlite3_open_v2(bad, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(trec_sql_register(db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT sum(line) FROM events", -1, &st, NULL), SQLITE_OK);
  rc = sqlite3_step(st);
  assert_int_not_equal(rc, SQLITE_ROW);
  assert_true(trec_sql_corrupt(sqlite3_extended_errcode(db)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  unlink(bad);
}

int main(void){
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_counts),
    cmocka_unit_test(test_calls_vars),
    cmocka_unit_test(test_depth_vars),
    cmocka_unit_test(test_not_a_trace),
    cmocka_unit_test(test_damaged_chunk),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
