/*
** cmd-info.c: `tracerec info TRACE [--json]`: what a recording holds. What
** was run (meta), whether the trace is complete, events by kind, threads,
** files, the most called functions, and what the storage cost: size on
** disk, bytes per event, compression ratio of the chunks.
**
** Everything but the call counts comes from the reader's in-memory index
** and the plain tables; the call counts decode every chunk once (the only
** part whose cost grows with the trace).
*/
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sqlite3.h>
#include <jansson.h>
#include "cli/cmd.h"
#include "schema/trace.h"

#define INFO_TOP 10
#define INFO_FILES 10      /* file paths listed by the text output */

struct info_fn { uint32_t code; uint64_t calls; };

struct info {
  const char *path;
  trec_reader *r;              /* Borrowed */
  uint64_t n_kind[TREC_N_KINDS];
  int64_t disk;                /* bytes of the file (and its -wal) */
  int64_t stored, raw;         /* chunk bytes compressed, and raw */
  struct info_fn top[INFO_TOP];
  size_t n_top;
};

/* Most calls first; ties by name, as doc/SQL.md's "hottest" query. */
static trec_reader *cmp_reader;
static int cmp_fn(const void *a, const void *b){
  const struct info_fn *x = a, *y = b;
  const struct trec_code *cx, *cy;
  int c;
  if( x->calls!=y->calls ) return x->calls>y->calls ? -1 : 1;
  cx = trec_reader_code(cmp_reader, x->code);
  cy = trec_reader_code(cmp_reader, y->code);
  c = strcmp(cx && cx->name ? cx->name : "", cy && cy->name ? cy->name : "");
  if( c ) return c;
  return x->code<y->code ? -1 : x->code>y->code;
}

/* Calls per code object: one pass over the chunks. */
static int info_count_calls(struct info *in){
  uint32_t max = trec_reader_max_code_id(in->r);
  struct info_fn *fn = calloc((size_t)max+1, sizeof(*fn));
  struct trec_chunk c;
  size_t i, j, n = 0;
  int rc = TREC_OK;
  if( !fn ) return TREC_ERR_NOMEM;
  trec_chunk_init(&c);
  for(i=0; i<trec_reader_n_chunks(in->r); i++){
    rc = trec_reader_read_chunk(in->r, i, &c);
    if( rc!=TREC_OK ) goto out;
    for(j=0; j<c.n; j++)
      if( c.kind[j]==TREC_CALL && c.code[j]<=max ) fn[c.code[j]].calls++;
  }
  for(i=0; i<=max; i++) if( fn[i].calls ){ fn[n] = fn[i]; fn[n].code = (uint32_t)i; n++; }
  cmp_reader = in->r;
  qsort(fn, n, sizeof(*fn), cmp_fn);
  in->n_top = n<INFO_TOP ? n : INFO_TOP;
  memcpy(in->top, fn, in->n_top*sizeof(*fn));
out:
  trec_chunk_release(&c);
  free(fn);
  return rc;
}

static void info_sizes(struct info *in){
  struct stat sb;
  char wal[4096];
  sqlite3_stmt *st = NULL;
  in->disk = stat(in->path, &sb)==0 ? (int64_t)sb.st_size : 0;
  snprintf(wal, sizeof(wal), "%s-wal", in->path);
  if( stat(wal, &sb)==0 ) in->disk += (int64_t)sb.st_size;
  if( sqlite3_prepare_v2(trec_reader_db(in->r),
        "SELECT sum(length(data)), sum(raw_len) FROM chunks", -1, &st, NULL)==SQLITE_OK
      && sqlite3_step(st)==SQLITE_ROW ){
    in->stored = sqlite3_column_int64(st, 0);
    in->raw = sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
}

static const char *meta(struct info *in, const char *key){
  return trec_reader_meta(in->r, key);
}

static int meta_int(struct info *in, const char *key, int64_t *v){
  const char *s = meta(in, key);
  char *end;
  if( !s || !*s ) return 0;
  errno = 0;
  *v = strtoll(s, &end, 10);
  return !*end && !errno;
}

/* argv is stored as a JSON list; show it joined with spaces. */
static char *info_argv(struct info *in){
  const char *s = meta(in, "argv");
  json_t *j;
  size_t i, len = 0;
  char *out;
  if( !s ) return NULL;
  j = json_loads(s, 0, NULL);
  if( !json_is_array(j) ){
    json_decref(j);
    return strdup(s);
  }
  for(i=0; i<json_array_size(j); i++){
    const char *a = json_string_value(json_array_get(j, i));
    len += (a ? strlen(a) : 0)+1;
  }
  out = malloc(len+1);
  if( out ){
    out[0] = 0;
    for(i=0; i<json_array_size(j); i++){
      const char *a = json_string_value(json_array_get(j, i));
      if( i ) strcat(out, " ");
      strcat(out, a ? a : "");
    }
  }
  json_decref(j);
  return out;
}

static void fmt_time(int64_t ns, char *buf, size_t n){
  time_t t = (time_t)(ns/1000000000);
  struct tm tm;
  if( !gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm) )
    snprintf(buf, n, "%" PRId64, ns);
}

static void fmt_bytes(int64_t b, char *buf, size_t n){
  if( b>=1<<20 ) snprintf(buf, n, "%.1f MiB", (double)b/(1<<20));
  else if( b>=1<<10 ) snprintf(buf, n, "%.1f KiB", (double)b/(1<<10));
  else snprintf(buf, n, "%" PRId64 " bytes", b);
}

static const char *fn_name(struct info *in, uint32_t code, char *buf, size_t n){
  const struct trec_code *co = trec_reader_code(in->r, code);
  const struct trec_file *f = co ? trec_reader_file(in->r, co->file) : NULL;
  if( !co ) snprintf(buf, n, "code %u", code);
  else snprintf(buf, n, "%s  %s:%d", co->qualname ? co->qualname : co->name,
                f ? f->path : "?", co->firstlineno);
  return buf;
}

static void info_text(struct info *in){
  char buf[4096], *args = info_argv(in);
  const char *s;
  int64_t a, b;
  uint64_t n = trec_reader_n_events(in->r);
  size_t i;
  int k;
  printf("trace       %s\n", in->path);
  if( args ) printf("program     %s\n", args);
  free(args);
  if( (s = meta(in, "cwd")) ) printf("cwd         %s\n", s);
  if( (s = meta(in, "python_version")) ){
    const char *impl = meta(in, "python_implementation");
    printf("python      %s%s%s%s\n", s, impl ? " (" : "", impl ? impl : "", impl ? ")" : "");
  }
  if( meta_int(in, "start_ns", &a) ){
    fmt_time(a, buf, sizeof(buf));
    printf("started     %s\n", buf);
    if( meta_int(in, "end_ns", &b) && b>=a )
      printf("duration    %.3f s\n", (double)(b-a)/1e9);
  }
  if( (s = meta(in, "exit_status")) ) printf("exit status %s\n", s);
  if( meta_int(in, "signal", &a) && a ) printf("signal      %" PRId64 "\n", a);
  if( trec_reader_complete(in->r) ) printf("status      complete\n");
  else if( (s = trec_reader_stop_error(in->r)) )
    printf("status      truncated (recording stopped early: %s)\n", s);
  else printf("status      truncated (recording did not finish)\n");
  if( meta_int(in, "tracing_off", &a) && a>0 )
    printf("tracing off %" PRId64 " time%s: the program took the trace function away"
           " (sys.settrace), events are missing\n", a, a==1 ? "" : "s");
  printf("events      %" PRIu64 " (", n);
  for(k=0; k<TREC_N_KINDS; k++)
    printf("%s%s %" PRIu64, k ? ", " : "", trec_kind_name(k), in->n_kind[k]);
  printf(")\n");
  printf("threads     %zu\n", trec_reader_n_threads(in->r));
  for(i=0; i<trec_reader_n_threads(in->r); i++){
    const struct trec_thread *t = trec_reader_thread(in->r, i);
    /* a thread started with _thread (or by C code) has no threading name */
    printf("  %u %-20s %" PRIu64 " events\n", t->id,
           t->name && t->name[0] ? t->name : "(no threading name)", t->n_events);
  }
  printf("files       %u\n", trec_reader_max_file_id(in->r));
  for(i=1; i<=trec_reader_max_file_id(in->r) && i<=INFO_FILES; i++){
    const struct trec_file *f = trec_reader_file(in->r, (uint32_t)i);
    if( f ) printf("  %s%s\n", f->path, f->size<0 ? "  (source not stored)" : "");
  }
  if( trec_reader_max_file_id(in->r)>INFO_FILES )
    printf("  ... and %u more\n", trec_reader_max_file_id(in->r)-INFO_FILES);
  printf("code        %u code objects\n", trec_reader_max_code_id(in->r));
  printf("most called\n");
  for(i=0; i<in->n_top; i++)
    printf("  %10" PRIu64 "  %s\n", in->top[i].calls,
           fn_name(in, in->top[i].code, buf, sizeof(buf)));
  fmt_bytes(in->disk, buf, sizeof(buf));
  printf("size        %s on disk in %zu chunks\n", buf, trec_reader_n_chunks(in->r));
  if( n ) printf("bytes/event %.2f\n", (double)in->disk/(double)n);
  if( in->stored>0 ) printf("compression %.1fx (%" PRId64 " bytes of events stored in %" PRId64 ")\n",
                            (double)in->raw/(double)in->stored, in->raw, in->stored);
}

static json_t *json_meta(struct info *in){
  json_t *o = json_object();
  sqlite3_stmt *st = NULL;
  if( sqlite3_prepare_v2(trec_reader_db(in->r), "SELECT key, value FROM meta ORDER BY key",
                         -1, &st, NULL)==SQLITE_OK ){
    while( sqlite3_step(st)==SQLITE_ROW ){
      const char *k = (const char *)sqlite3_column_text(st, 0);
      json_t *v;
      switch( sqlite3_column_type(st, 1) ){
        case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, 1)); break;
        case SQLITE_FLOAT:   v = json_real(sqlite3_column_double(st, 1)); break;
        case SQLITE_NULL:    v = json_null(); break;
        default: v = json_string((const char *)sqlite3_column_text(st, 1)); break;
      }
      if( k && v ) json_object_set_new(o, k, v ? v : json_null());
    }
  }
  sqlite3_finalize(st);
  return o;
}

static int info_json(struct info *in){
  json_t *o = json_object(), *kinds = json_object(), *threads = json_array();
  json_t *top = json_array(), *argv = NULL, *files;
  const char *s;
  int64_t a, b;
  uint64_t n = trec_reader_n_events(in->r);
  size_t i;
  int k, rc;
  json_object_set_new(o, "trace", json_string(in->path));
  if( (s = meta(in, "argv")) ) argv = json_loads(s, 0, NULL);
  json_object_set_new(o, "argv", argv ? argv : json_null());
  json_object_set_new(o, "cwd", (s = meta(in, "cwd")) ? json_string(s) : json_null());
  json_object_set_new(o, "python", (s = meta(in, "python_version")) ? json_string(s) : json_null());
  json_object_set_new(o, "start_ns", meta_int(in, "start_ns", &a) ? json_integer(a) : json_null());
  json_object_set_new(o, "duration_ns", meta_int(in, "start_ns", &a) && meta_int(in, "end_ns", &b)
                      ? json_integer(b-a) : json_null());
  json_object_set_new(o, "exit_status", meta_int(in, "exit_status", &a) ? json_integer(a) : json_null());
  json_object_set_new(o, "complete", json_boolean(trec_reader_complete(in->r)));
  json_object_set_new(o, "error", (s = trec_reader_stop_error(in->r)) ? json_string(s) : json_null());
  json_object_set_new(o, "events", json_integer((json_int_t)n));
  for(k=0; k<TREC_N_KINDS; k++)
    json_object_set_new(kinds, trec_kind_name(k), json_integer((json_int_t)in->n_kind[k]));
  json_object_set_new(o, "events_by_kind", kinds);
  for(i=0; i<trec_reader_n_threads(in->r); i++){
    const struct trec_thread *t = trec_reader_thread(in->r, i);
    json_array_append_new(threads, json_pack("{s:i, s:s, s:I, s:I, s:I}", "thread", (int)t->id,
                          "name", t->name ? t->name : "", "first_seq", (json_int_t)t->first_seq,
                          "last_seq", (json_int_t)t->last_seq, "events", (json_int_t)t->n_events));
  }
  json_object_set_new(o, "threads", threads);
  files = json_array();
  for(i=1; i<=trec_reader_max_file_id(in->r); i++){
    const struct trec_file *f = trec_reader_file(in->r, (uint32_t)i);
    if( f ) json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", f->path,
                                  "size", (json_int_t)f->size, "hash", f->hash ? f->hash : ""));
  }
  json_object_set_new(o, "files", files);
  json_object_set_new(o, "code_objects", json_integer(trec_reader_max_code_id(in->r)));
  for(i=0; i<in->n_top; i++){
    const struct trec_code *co = trec_reader_code(in->r, in->top[i].code);
    const struct trec_file *f = co ? trec_reader_file(in->r, co->file) : NULL;
    json_array_append_new(top, json_pack("{s:s, s:s, s:s, s:i, s:I}",
      "function", co && co->name ? co->name : "", "qualname", co && co->qualname ? co->qualname : "",
      "file", f ? f->path : "", "line", co ? co->firstlineno : 0,
      "calls", (json_int_t)in->top[i].calls));
  }
  json_object_set_new(o, "most_called", top);
  json_object_set_new(o, "size_bytes", json_integer(in->disk));
  json_object_set_new(o, "chunks", json_integer((json_int_t)trec_reader_n_chunks(in->r)));
  json_object_set_new(o, "bytes_per_event", n ? json_real((double)in->disk/(double)n) : json_null());
  json_object_set_new(o, "compression_ratio", in->stored>0
                      ? json_real((double)in->raw/(double)in->stored) : json_null());
  json_object_set_new(o, "meta", json_meta(in));
  rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', stdout);
  json_decref(o);
  return rc;
}

int trec_cmd_info(int argc, char **argv){
  struct info in;
  struct stat sb;
  int i, json = 0, rc, status = 0;
  size_t c;
  memset(&in, 0, sizeof(in));
  for(i=1; i<argc; i++){
    if( !strcmp(argv[i], "--json") ) json = 1;
    else if( !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ){
      puts("usage: tracerec info [--json] TRACE\n\n"
           "Summarize a recording: what was run, whether it is complete, events by\n"
           "kind, threads, files, the most called functions, and its size.");
      return 0;
    }else if( argv[i][0]=='-' && argv[i][1] ){
      trec_cli_error("info", "unknown option '%s'; see 'tracerec info --help'", argv[i]);
      return TREC_EXIT_USAGE;
    }else if( in.path ){
      trec_cli_error("info", "usage: tracerec info [--json] TRACE");
      return TREC_EXIT_USAGE;
    }else in.path = argv[i];
  }
  if( !in.path ){
    trec_cli_error("info", "usage: tracerec info [--json] TRACE");
    return TREC_EXIT_USAGE;
  }
  if( stat(in.path, &sb)!=0 ){
    trec_cli_error("info", "cannot open '%s': %s", in.path, strerror(errno));
    return TREC_EXIT_NOINPUT;
  }
  rc = trec_reader_open(in.path, 0, &in.r);
  if( rc==TREC_OK ){
    for(c=0; c<trec_reader_n_chunks(in.r); c++){
      const struct trec_chunk_info *ci = trec_reader_chunk(in.r, c);
      int k;
      for(k=0; k<TREC_N_KINDS; k++) in.n_kind[k] += ci->n_kind[k];
    }
    rc = info_count_calls(&in);
  }
  if( rc!=TREC_OK ){
    trec_cli_trace_error("info", in.path, in.r && *trec_reader_errmsg(in.r)
                         ? trec_reader_errmsg(in.r) : trec_strerror(rc));
    trec_reader_close(in.r);
    return trec_cli_exit_for(rc);
  }
  info_sizes(&in);
  if( json ){
    if( info_json(&in)!=0 ) status = TREC_EXIT_CANTCREAT;
  }else info_text(&in);
  trec_reader_close(in.r);
  if( fflush(stdout)!=0 && !status ){
    trec_cli_error("info", "cannot write output: %s", strerror(errno));
    status = TREC_EXIT_CANTCREAT;
  }
  return status;
}
