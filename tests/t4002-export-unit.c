/*
** t4002-export-unit.c: unit tests of the viewer library's inner parts, run
** under ASan/UBSan in the sanitizer build: JSON text from arbitrary bytes
** always parses (and round-trips valid UTF-8), the seq-ordered merge of
** interleaved per-thread chunks returns exactly the events written, in
** order, for any window; the exports of random traces (threads, mid-program
** starts, generator resumes) parse and nest; timeline windows and value
** trees stay within their bounds. Random streams come from the schema
** tests' generator (tests/unit/t-writer-gen.h).
*/
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "viewer/view.h"
#include "viewer/view_int.h"
#include "unit/t-writer-gen.h"

static char tmpdir[] = "/tmp/t4002-XXXXXX";
static char path[300];

static int setup(void **state){
  (void)state;
  if( mkdtemp(tmpdir)==NULL ) return -1;
  snprintf(path, sizeof path, "%s/t.trace", tmpdir);
  return 0;
}
static int teardown(void **state){
  char cmd[400];
  (void)state;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd);
}

/* Write g as a trace with tiny chunks so that threads interleave. */
static void write_trace(const struct gen_stream *g, uint32_t chunk_events){
  struct trec_writer_options o = { .path = path, .chunk_events = chunk_events };
  struct trec_close_info ci = { 0, 0, NULL };
  trec_writer *w;
  if( trec_writer_open(&o, &w) ) fail_msg("writer_open: %s", trec_writer_errmsg(w));
  for(size_t i=0; i<g->n; i++){
    trec_stream *s;
    assert_int_equal(trec_writer_stream(w, g->ev[i].thread, &s), TREC_OK);
    assert_int_equal(trec_stream_append(s, &g->ev[i]), TREC_OK);
  }
  assert_int_equal(trec_writer_close(w, &ci), TREC_OK);
}

static trec_reader *open_reader(void){
  trec_reader *r;
  if( trec_reader_open(path, 0, &r) ) fail_msg("reader_open: %s", trec_reader_errmsg(r));
  return r;
}

static void test_json_strings(void **state){
  struct gen_rng rng = { 42 };
  (void)state;
  for(int it=0; it<20000; it++){
    unsigned char in[48];
    size_t n = gen_below(&rng, sizeof in);
    struct trec_buf b = TREC_BUF_INIT;
    json_t *j, *direct;
    json_error_t err;
    for(size_t i=0; i<n; i++){
      /* bias towards UTF-8 lead/continuation bytes and specials */
      static const unsigned char pick[] = { 'a', '"', '\\', '\n', 0x01, 0x7f, 0xc3, 0xa9,
        0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xc0, 0xe2, 0x82, 0xac };
      in[i] = gen_below(&rng, 2) ? pick[gen_below(&rng, sizeof pick)] : (unsigned char)gen_next(&rng);
    }
    view_json_str(&b, (const char *)in, n);
    assert_false(b.oom);
    j = json_loadb((const char *)b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if( j==NULL ) fail_msg("unparsable JSON %.*s: %s", (int)b.len, b.data, err.text);
    assert_true(json_is_string(j));
    direct = json_stringn((const char *)in, n);   /* NULL unless valid UTF-8 */
    if( direct ){
      assert_int_equal(json_string_length(j), n);
      assert_memory_equal(json_string_value(j), in, n);
    }
    json_decref(direct);
    json_decref(j);
    trec_buf_release(&b);
    /* the jansson path agrees: always a string, never NULL */
    j = view_json_string((const char *)in, n);
    assert_non_null(j);
    json_decref(j);
  }
}

static void test_json_us(void **state){
  static const struct { int64_t ns; const char *text; } cases[] = {
    { 0, "0.000" }, { 1500, "1.500" }, { 999, "0.999" }, { -2500, "-2.500" },
    { INT64_MAX, "9223372036854775.807" }, { INT64_MIN, "-9223372036854775.808" } };
  (void)state;
  for(size_t i=0; i<sizeof cases/sizeof cases[0]; i++){
    struct trec_buf b = TREC_BUF_INIT;
    view_json_us(&b, cases[i].ns);
    assert_string_equal(trec_buf_cstr(&b), cases[i].text);
    trec_buf_release(&b);
  }
}

static void test_evstream_merge(void **state){
  struct gen_stream g;
  struct gen_rng rng = { 7 };
  trec_reader *r;
  (void)state;
  gen_stream(&g, 1234, 3000, 4, 12, 1, 0);
  write_trace(&g, 7);
  r = open_reader();
  for(int it=0; it<40; it++){
    struct view_evstream s;
    struct trec_event ev;
    uint64_t from = it==0 ? 0 : 1 + gen_below(&rng, (uint32_t)g.n);
    uint64_t to = it==0 ? 0 : from + gen_below(&rng, 400);
    uint64_t want = from ? from : 1, last = to && to<g.n ? to : g.n;
    int rc;
    assert_int_equal(view_evstream_open(&s, r, from, to), TREC_OK);
    while( (rc = view_evstream_next(&s, &ev))==TREC_OK ){
      const struct trec_event *e = &g.ev[want-1];
      assert_int_equal(ev.seq, want);
      assert_int_equal(ev.thread, e->thread);
      assert_int_equal(ev.kind, e->kind);
      assert_int_equal(ev.line, e->line);
      assert_int_equal(ev.frame, e->frame);
      assert_int_equal(ev.depth, g.depth[want-1]);
      assert_int_equal(ev.payload_len, (uint32_t)e->payload_len);
      want++;
    }
    assert_int_equal(rc, TREC_ERR_NOTFOUND);
    assert_int_equal(want, last + 1);
    view_evstream_close(&s);
  }
  trec_reader_close(r);
  gen_stream_release(&g);
}

static char *export_text(trec_reader *r, int format, size_t *len){
  struct trec_export_options o = { format, 0 };
  struct trec_buf msg = TREC_BUF_INIT;
  char *text = NULL;
  FILE *f = open_memstream(&text, len);
  int rc = trec_export(r, &o, f, &msg);
  fclose(f);
  if( rc ) fail_msg("export: %s", trec_buf_cstr(&msg));
  trec_buf_release(&msg);
  return text;
}

/* Slices of one thread must nest: sorted by start, each ends before the
** enclosing one does. */
static void check_nesting(json_t *slices){
  size_t n = json_array_size(slices);
  int64_t *stack = calloc(n + 1, sizeof *stack);
  size_t depth = 0, i;
  json_t *s;
  json_array_foreach(slices, i, s){
    int64_t a = json_integer_value(json_array_get(s, 0));
    int64_t z = json_integer_value(json_array_get(s, 1));
    assert_true(a<=z);
    while( depth && stack[depth-1]<a ) depth--;
    if( depth ) assert_true(z<=stack[depth-1]);
    stack[depth++] = z;
  }
  free(stack);
}

static int cmp_slice(const void *x, const void *y){
  json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
  int64_t a0 = json_integer_value(json_array_get(a, 0)), b0 = json_integer_value(json_array_get(b, 0));
  int64_t a1 = json_integer_value(json_array_get(a, 1)), b1 = json_integer_value(json_array_get(b, 1));
  if( a0!=b0 ) return a0<b0 ? -1 : 1;
  return a1>b1 ? -1 : a1<b1;
}

static json_t *sorted_slices(json_t *arr){
  size_t n = json_array_size(arr), i;
  json_t **v = calloc(n + 1, sizeof *v), *out = json_array(), *s;
  json_array_foreach(arr, i, s) v[i] = s;
  qsort(v, n, sizeof *v, cmp_slice);
  for(i=0; i<n; i++) json_array_append(out, v[i]);
  free(v);
  return out;
}

static void test_exports_of_random_traces(void **state){
  (void)state;
  for(uint64_t seed=1; seed<=6; seed++){
    struct gen_stream g;
    trec_reader *r;
    json_t *doc, *events, *e, *by_tid = json_object();
    json_error_t err;
    size_t len, i, n_lines = 0;
    char *text, *p;
    const char *tid;
    json_t *sl;
    gen_stream(&g, seed, 1500 + 300*seed, 1 + (uint32_t)seed%3, 1 + 4*(uint32_t)seed,
               (int)(seed&1), 0);
    write_trace(&g, 5 + (uint32_t)seed);
    r = open_reader();

    text = export_text(r, TREC_EXPORT_CHROME, &len);
    doc = json_loadb(text, len, 0, &err);
    if( doc==NULL ) fail_msg("chrome export does not parse: %s (line %d)", err.text, err.line);
    events = json_object_get(doc, "traceEvents");
    json_array_foreach(events, i, e){
      char key[32];
      json_t *args = json_object_get(e, "args"), *list;
      if( strcmp(json_string_value(json_object_get(e, "ph")), "X") ) continue;
      snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(e, "tid")));
      if( (list = json_object_get(by_tid, key))==NULL ){
        list = json_array();
        json_object_set_new(by_tid, key, list);
      }
      json_array_append_new(list, json_pack("[O,O]", json_object_get(args, "seq"),
                                            json_object_get(args, "end_seq")));
    }
    json_object_foreach(by_tid, tid, sl){
      json_t *s = sorted_slices(sl);
      check_nesting(s);
      json_decref(s);
    }
    json_decref(by_tid);
    json_decref(doc);
    free(text);

    text = export_text(r, TREC_EXPORT_JSONL, &len);
    for(p = text; p<text+len; ){
      char *nl = memchr(p, '\n', (size_t)(text+len-p));
      json_t *line;
      assert_non_null(nl);
      line = json_loadb(p, (size_t)(nl-p), 0, &err);
      if( line==NULL ) fail_msg("jsonl line %zu does not parse: %s", n_lines+1, err.text);
      assert_int_equal(json_integer_value(json_object_get(line, "seq")), (json_int_t)(n_lines+1));
      json_decref(line);
      n_lines++;
      p = nl + 1;
    }
    assert_int_equal(n_lines, g.n);
    free(text);
    trec_reader_close(r);
    gen_stream_release(&g);
  }
}

static void test_timeline_windows(void **state){
  struct gen_stream g;
  struct gen_rng rng = { 99 };
  struct trec_buf msg = TREC_BUF_INIT;
  trec_reader *r;
  (void)state;
  gen_stream(&g, 77, 4000, 3, 10, 1, 0);
  write_trace(&g, 9);
  r = open_reader();
  for(int it=0; it<30; it++){
    uint64_t from = 1 + gen_below(&rng, 4000), to = from + gen_below(&rng, 1500);
    unsigned px = 1 + gen_below(&rng, 3000);
    int summary = it%3==0;
    json_t *tl = NULL, *t;
    size_t i;
    assert_int_equal(view_timeline(r, from, to, px, summary, &tl, &msg), TREC_OK);
    assert_string_equal(json_string_value(json_object_get(tl, "mode")), summary ? "summary" : "slices");
    json_array_foreach(json_object_get(tl, "threads"), i, t){
      json_t *list = json_object_get(t, summary ? "buckets" : "slices"), *s;
      size_t k;
      json_int_t lo = json_integer_value(json_object_get(tl, "from"));
      json_int_t hi = json_integer_value(json_object_get(tl, "to"));
      json_array_foreach(list, k, s){
        assert_true(json_integer_value(json_array_get(s, 0))>=lo);
        assert_true(json_integer_value(json_array_get(s, 1))<=hi);
      }
      if( !summary ){
        json_t *sorted = sorted_slices(list);
        check_nesting(sorted);
        json_decref(sorted);
      }
    }
    json_decref(tl);
  }
  trec_buf_release(&msg);
  trec_reader_close(r);
  gen_stream_release(&g);
}

static void test_value_tree_bounds(void **state){
  struct trec_buf b = TREC_BUF_INIT;
  json_t *v, *kids;
  (void)state;
  trec_venc_container(&b, TREC_V_LIST, 1, 500, 500);
  for(int i=0; i<500; i++){
    trec_venc_container(&b, TREC_V_DICT, 100 + (uint64_t)i, 1, 1);
    trec_venc_str(&b, "k", 1, 1);
    trec_venc_int(&b, i);
  }
  v = view_json_value(b.data, b.data + b.len);
  assert_string_equal(json_string_value(json_object_get(v, "t")), "list");
  kids = json_object_get(v, "c");
  assert_int_equal(json_array_size(kids), 200);
  assert_int_equal(json_integer_value(json_object_get(v, "more")), 300);
  assert_string_equal(json_string_value(json_object_get(
    json_object_get(json_array_get(kids, 7), "v"), "r")), "{'k': 7}");
  json_decref(v);
  /* damaged bytes give a node that says so, never a crash */
  for(size_t cut=1; cut<b.len; cut += 37){
    v = view_json_value(b.data, b.data + cut);
    assert_non_null(v);
    json_decref(v);
  }
  trec_buf_release(&b);
}

int main(void){
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_json_strings),
    cmocka_unit_test(test_json_us),
    cmocka_unit_test(test_evstream_merge),
    cmocka_unit_test(test_exports_of_random_traces),
    cmocka_unit_test(test_timeline_windows),
    cmocka_unit_test(test_value_tree_bounds),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
