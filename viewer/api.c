/*
** api.c: the web viewer's JSON API (doc/VIEWER.md), a thin layer over the
** replay engine (replay/replay.h): every motion the page offers is one
** engine call, and every answer that moves the cursor returns the whole new
** state so the page redraws from one response. Only the page's session uses
** the engine, one request at a time (server.c), so there is no locking.
*/
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <sqlite3.h>
#include "replay/replay.h"
#include "viewer/view_int.h"

#define API_REPR_LEN 200
#define API_HISTORY_MAX 5000
#define API_SEARCH_MAX 200

struct view_api {
  trec_replay *rp;                /* Owned */
  trec_reader *r;                 /* Borrowed from the caller */
  struct trec_replay_stop stop;   /* why the cursor is where it is */
  struct trec_buf msg;            /* Owned: text of the last error */
};

struct api_req {
  struct view_api *a;
  view_arg_fn *arg;
  void *ctx;
  int status;                     /* HTTP status of the answer */
};

static const char *api_reason_name(int reason){
  static const char *names[] = { "step", "break", "watch", "end", "start", "seek" };
  return reason>=0 && reason<6 ? names[reason] : "?";
}

static json_t *api_error(struct api_req *q, int status, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static json_t *api_error(struct api_req *q, int status, const char *fmt, ...){
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  q->status = status;
  return json_pack("{s:o}", "error", view_json_string(text, strlen(text)));
}

/* An engine failure: bad input is the client's fault (400), the rest ours. */
static json_t *api_replay_error(struct api_req *q, int rc){
  int status = (rc==TREC_ERR_INVALID || rc==TREC_ERR_NOTFOUND || rc==TREC_ERR_RANGE
                || rc==TREC_ERR_TYPE) ? 400 : 500;
  return api_error(q, status, "%s", trec_replay_errmsg(q->a->rp));
}

/* Unsigned query argument; missing -> dflt. 0 on success, -1 if malformed. */
static int api_u64(struct api_req *q, const char *key, uint64_t dflt, uint64_t *out){
  const char *s = q->arg(q->ctx, key);
  char *end;
  unsigned long long v;
  if( s==NULL || *s==0 ){ *out = dflt; return 0; }
  errno = 0;
  v = strtoull(s, &end, 10);
  if( errno || *end || s[0]=='-' ) return -1;
  *out = v;
  return 0;
}

static json_t *api_frame_json(trec_replay *rp, size_t level){
  struct trec_replay_frame f;
  if( trec_replay_frame(rp, level, &f)!=TREC_OK ) return json_null();
  return json_pack("{s:I,s:I,s:I,s:o,s:o,s:I,s:o,s:i,s:i,s:b}",
    "level", (json_int_t)level, "depth", (json_int_t)f.depth,
    "frame", (json_int_t)f.frame,
    "function", view_json_string(f.code->qualname, strlen(f.code->qualname)),
    "name", view_json_string(f.code->name, strlen(f.code->name)),
    "file", (json_int_t)f.code->file,
    "path", f.file ? view_json_string(f.file->path, strlen(f.file->path)) : json_null(),
    "line", (int)f.line, "firstlineno", (int)f.code->firstlineno,
    "returning", f.returning);
}

/* Slots whose value arrived with the current event (the frame's "just
** changed" values), as a bitmap over the code's names. */
static unsigned char *api_changed_slots(trec_replay *rp, const struct trec_code *co){
  struct trec_event ev;
  struct trec_entry e;
  const unsigned char *p, *end;
  unsigned char *set = calloc(co->n_names + 1, 1);
  if( set==NULL || trec_replay_event(rp, &ev)!=TREC_OK || ev.payload==NULL ) return set;
  p = ev.payload;
  end = ev.payload + ev.payload_len;
  while( trec_payload_next(&p, end, &e)==TREC_OK ){
    if( e.kind==TREC_PK_VAR && e.slot<co->n_names ) set[e.slot] = 1;
  }
  return set;
}

/* Previous values of the changed variables of the innermost frame: read at
** the thread's previous event, then the cursor goes back. */
static void api_previous_values(struct view_api *a, size_t level, uint64_t frame,
                                json_t *vars){
  struct trec_replay_stop st;
  struct trec_replay_frame f;
  uint64_t seq = trec_replay_seq(a->rp);
  size_t i;
  json_t *v;
  if( trec_replay_step(a->rp, TREC_BACKWARD, TREC_STEP_EVENT, 0, &st)!=TREC_OK || !st.moved )
    return;
  if( trec_replay_frame(a->rp, level, &f)==TREC_OK && f.frame==frame ){
    json_array_foreach(vars, i, v){
      struct trec_replay_var pv;
      json_int_t slot = json_integer_value(json_object_get(v, "slot"));
      if( !json_is_true(json_object_get(v, "changed")) ) continue;
      if( trec_replay_var(a->rp, level, (uint32_t)slot, &pv)==TREC_OK )
        json_object_set_new(v, "prev", view_json_render(pv.value, pv.value_end, API_REPR_LEN));
      else
        json_object_set_new(v, "prev", json_string("<unbound>"));
    }
  }
  trec_replay_seek(a->rp, seq);
}

static json_t *api_vars(struct view_api *a, size_t level){
  struct trec_replay_frame f;
  json_t *vars = json_array();
  unsigned char *changed = NULL;
  size_t n_frames = trec_replay_n_frames(a->rp);
  int innermost = level+1==n_frames, any = 0;
  struct trec_event ev;
  if( trec_replay_frame(a->rp, level, &f)!=TREC_OK ) return vars;
  if( innermost ) changed = api_changed_slots(a->rp, f.code);
  for(uint32_t s=0; s<f.code->n_names; s++){
    struct trec_replay_var v;
    int ch = changed && changed[s];
    if( trec_replay_var(a->rp, level, s, &v)!=TREC_OK ) continue;
    json_array_append_new(vars, json_pack("{s:o,s:i,s:b,s:o,s:b}",
      "name", view_json_string(v.name, strlen(v.name)), "slot", (int)s,
      "arg", v.is_arg, "v", view_json_value(v.value, v.value_end), "changed", ch));
    any |= ch;
  }
  free(changed);
  if( any && trec_replay_event(a->rp, &ev)==TREC_OK && ev.kind!=TREC_CALL )
    api_previous_values(a, level, f.frame, vars);
  return vars;
}

static json_t *api_threads(struct view_api *a){
  static const char *states[] = { "not started", "live", "finished" };
  json_t *out = json_array();
  for(size_t i=0; i<trec_replay_n_threads(a->rp); i++){
    struct trec_replay_thread_pos t;
    if( trec_replay_thread_pos(a->rp, i, &t)!=TREC_OK ) continue;
    json_array_append_new(out, json_pack("{s:i,s:o,s:s,s:b,s:I,s:i,s:o}",
      "id", (int)t.thread->id,
      "name", view_json_string(t.thread->name ? t.thread->name : "", t.thread->name ? strlen(t.thread->name) : 0),
      "state", t.state>=0 && t.state<3 ? states[t.state] : "?",
      "current", t.current, "seq", (json_int_t)t.seq, "line", (int)t.line,
      "function", t.code ? view_json_string(t.code->qualname, strlen(t.code->qualname)) : json_null()));
  }
  return out;
}

static json_t *api_breakpoints(struct view_api *a){
  json_t *bps = json_array(), *ws = json_array();
  for(size_t i=0; i<trec_replay_n_breaks(a->rp); i++){
    struct trec_replay_bp b;
    const struct trec_file *fi;
    if( trec_replay_break_get(a->rp, i, &b)!=TREC_OK ) continue;
    fi = b.file ? trec_reader_file(a->r, b.file) : NULL;
    json_array_append_new(bps, json_pack("{s:i,s:b,s:b,s:i,s:o,s:i,s:o,s:o,s:i}",
      "id", b.id, "enabled", b.enabled, "temporary", b.temporary,
      "file", (int)b.file, "path", fi ? view_json_string(fi->path, strlen(fi->path)) : json_null(),
      "line", (int)b.line,
      "function", b.function ? view_json_string(b.function, strlen(b.function)) : json_null(),
      "cond", b.cond ? view_json_string(b.cond, strlen(b.cond)) : json_null(),
      "hits", (int)b.hits));
  }
  for(size_t i=0; i<trec_replay_n_watches(a->rp); i++){
    struct trec_replay_watch w;
    if( trec_replay_watch_get(a->rp, i, &w)!=TREC_OK ) continue;
    json_array_append_new(ws, json_pack("{s:i,s:b,s:o,s:I}", "id", w.id, "enabled", w.enabled,
      "expr", view_json_string(w.expr, strlen(w.expr)), "frame", (json_int_t)w.frame));
  }
  return json_pack("{s:o,s:o}", "breakpoints", bps, "watches", ws);
}

static json_t *api_state(struct api_req *q){
  struct view_api *a = q->a;
  struct trec_event ev;
  json_t *o, *frames = json_array(), *bw;
  const unsigned char *v, *ve;
  size_t n = trec_replay_n_frames(a->rp);
  uint64_t level;
  if( api_u64(q, "level", n ? n-1 : 0, &level) ) return api_error(q, 400, "bad level");
  if( n && level>=n ) level = n-1;
  o = json_pack("{s:I,s:I,s:I,s:b,s:i}",
    "seq", (json_int_t)trec_replay_seq(a->rp),
    "first_seq", (json_int_t)trec_reader_first_seq(a->r),
    "last_seq", (json_int_t)trec_reader_last_seq(a->r),
    "truncated", trec_replay_truncated(a->rp),
    "thread", (int)trec_replay_thread(a->rp));
  if( trec_replay_event(a->rp, &ev)==TREC_OK ){
    json_object_set_new(o, "kind", json_string(trec_kind_name(ev.kind) ? trec_kind_name(ev.kind) : "?"));
    json_object_set_new(o, "line", json_integer(ev.line));
  }
  json_object_set_new(o, "stop", json_pack("{s:s,s:b,s:i}", "reason",
    api_reason_name(a->stop.reason), "moved", a->stop.moved, "id", a->stop.id));
  if( a->stop.reason==TREC_STOP_WATCH || a->stop.reason==TREC_STOP_BREAK ){
    json_t *st = json_object_get(o, "stop");
    json_t *changes = json_array(), *gone = json_array();
    for(size_t i=0; i<a->stop.n_changes; i++){
      const struct trec_replay_change *c = &a->stop.changes[i];
      json_array_append_new(changes, json_pack("{s:i,s:s,s:o,s:o}", "id", c->id,
        "expr", c->expr,
        "old", c->old_value ? view_json_render(c->old_value, c->old_end, API_REPR_LEN) : json_null(),
        "new", c->new_value ? view_json_render(c->new_value, c->new_end, API_REPR_LEN) : json_null()));
    }
    json_object_set_new(st, "changes", changes);
    for(size_t i=0; i<a->stop.n_gone; i++)
      json_array_append_new(gone, json_integer(a->stop.gone[i]));
    json_object_set_new(st, "gone", gone);
  }
  for(size_t i=0; i<n; i++) json_array_append_new(frames, api_frame_json(a->rp, i));
  json_object_set_new(o, "frames", frames);
  json_object_set_new(o, "level", json_integer((json_int_t)level));
  json_object_set_new(o, "retval", trec_replay_retval(a->rp, &v, &ve)==TREC_OK
                                   ? view_json_value(v, ve) : json_null());
  json_object_set_new(o, "exception", trec_replay_exception(a->rp, &v, &ve)==TREC_OK
                                      ? view_json_value(v, ve) : json_null());
  json_object_set_new(o, "threads", api_threads(a));
  bw = api_breakpoints(a);
  json_object_update(o, bw);
  json_decref(bw);
  /* Last: reading previous values moves the cursor and back. */
  json_object_set_new(o, "vars", n ? api_vars(a, (size_t)level) : json_array());
  return o;
}

/* Every meta row, as text: the page shows what the recorder chose to keep. */
static void api_meta(trec_reader *r, json_t *meta){
  sqlite3_stmt *st = NULL;
  if( sqlite3_prepare_v2(trec_reader_db(r), "SELECT key, CAST(value AS TEXT) FROM meta",
                         -1, &st, NULL)!=SQLITE_OK ) return;
  while( sqlite3_step(st)==SQLITE_ROW ){
    const char *k = (const char *)sqlite3_column_text(st, 0);
    const char *v = (const char *)sqlite3_column_text(st, 1);
    if( k && v ) json_object_set_new(meta, k, view_json_string(v, strlen(v)));
  }
  sqlite3_finalize(st);
}

static json_t *api_info(struct api_req *q){
  trec_reader *r = q->a->r;
  json_t *files = json_array(), *codes = json_array(), *meta = json_object();
  for(uint32_t i=1; i<=trec_reader_max_file_id(r); i++){
    const struct trec_file *f = trec_reader_file(r, i);
    if( f ) json_array_append_new(files, json_pack("{s:i,s:o,s:b}", "id", (int)f->id,
      "path", view_json_string(f->path, strlen(f->path)), "source", f->size>=0));
  }
  for(uint32_t i=1; i<=trec_reader_max_code_id(r); i++){
    const struct trec_code *c = trec_reader_code(r, i);
    if( c ) json_array_append_new(codes, json_pack("{s:i,s:i,s:o,s:o,s:i}", "id", (int)c->id,
      "file", (int)c->file, "name", view_json_string(c->name, strlen(c->name)),
      "qualname", view_json_string(c->qualname, strlen(c->qualname)),
      "firstlineno", (int)c->firstlineno));
  }
  api_meta(r, meta);
  return json_pack("{s:o,s:b,s:I,s:I,s:I,s:I,s:o,s:o,s:o}",
    "meta", meta, "complete", trec_reader_complete(r),
    "n_events", (json_int_t)trec_reader_n_events(r),
    "first_seq", (json_int_t)trec_reader_first_seq(r),
    "last_seq", (json_int_t)trec_reader_last_seq(r),
    "n_chunks", (json_int_t)trec_reader_n_chunks(r),
    "threads", json_null(), "files", files, "codes", codes);
}

static json_t *api_info_threads(struct api_req *q){
  json_t *o = api_info(q), *th = json_array();
  for(size_t i=0; i<trec_reader_n_threads(q->a->r); i++){
    const struct trec_thread *t = trec_reader_thread(q->a->r, i);
    json_array_append_new(th, json_pack("{s:i,s:o,s:I,s:I,s:I}", "id", (int)t->id,
      "name", view_json_string(t->name ? t->name : "", t->name ? strlen(t->name) : 0),
      "first_seq", (json_int_t)t->first_seq, "last_seq", (json_int_t)t->last_seq,
      "n_events", (json_int_t)t->n_events));
  }
  json_object_set_new(o, "threads", th);
  return o;
}

static json_t *api_source(struct api_req *q){
  struct trec_buf b = TREC_BUF_INIT;
  const struct trec_file *f;
  uint64_t id;
  json_t *o;
  int rc;
  if( api_u64(q, "file", 0, &id) || id==0 || id>UINT32_MAX ) return api_error(q, 400, "bad file id");
  if( (f = trec_reader_file(q->a->r, (uint32_t)id))==NULL ) return api_error(q, 404, "no file %llu", (unsigned long long)id);
  rc = trec_reader_file_source(q->a->r, (uint32_t)id, &b);
  o = json_pack("{s:i,s:o}", "file", (int)id, "path", view_json_string(f->path, strlen(f->path)));
  json_object_set_new(o, "text", rc==TREC_OK ? view_json_string(b.data ? (const char *)b.data : "", b.len)
                                             : json_null());
  trec_buf_release(&b);
  return o;
}

static int api_dir(struct api_req *q){
  const char *d = q->arg(q->ctx, "dir");
  if( d==NULL || !strcmp(d, "forward") || !strcmp(d, "fwd") ) return TREC_FORWARD;
  if( !strcmp(d, "backward") || !strcmp(d, "back") || !strcmp(d, "reverse") ) return TREC_BACKWARD;
  return 0;
}

static json_t *api_step(struct api_req *q){
  static const struct { const char *name; int gran; } hows[] = {
    { "step", TREC_STEP_STEP }, { "next", TREC_STEP_NEXT }, { "out", TREC_STEP_RETURN },
    { "return", TREC_STEP_RETURN }, { "event", TREC_STEP_EVENT }, { "line", TREC_STEP_LINE },
    { "until", TREC_STEP_UNTIL }, { "continue", -1 } };
  const char *how = q->arg(q->ctx, "how");
  int dir = api_dir(q), rc = TREC_ERR_INVALID;
  if( how==NULL ) how = "step";
  if( dir==0 ) return api_error(q, 400, "dir must be forward or backward");
  for(size_t i=0; i<sizeof(hows)/sizeof(hows[0]); i++){
    if( strcmp(how, hows[i].name) ) continue;
    if( hows[i].gran<0 ) rc = trec_replay_continue(q->a->rp, dir, &q->a->stop);
    else rc = trec_replay_step(q->a->rp, dir, hows[i].gran, 0, &q->a->stop);
    if( rc!=TREC_OK ) return api_replay_error(q, rc);
    return api_state(q);
  }
  return api_error(q, 400, "unknown motion '%s'", how);
}

static json_t *api_goto(struct api_req *q){
  uint64_t seq;
  int rc;
  if( api_u64(q, "seq", 0, &seq) ) return api_error(q, 400, "bad seq");
  /* A seq between events (another thread's, or a gap): the nearest event. */
  if( seq<trec_reader_first_seq(q->a->r) ) seq = trec_reader_first_seq(q->a->r);
  if( seq>trec_reader_last_seq(q->a->r) ) seq = trec_reader_last_seq(q->a->r);
  rc = trec_replay_seek(q->a->rp, seq);
  if( rc!=TREC_OK ) return api_replay_error(q, rc);
  memset(&q->a->stop, 0, sizeof(q->a->stop));
  q->a->stop.reason = TREC_STOP_SEEK;
  q->a->stop.moved = 1;
  return api_state(q);
}

static json_t *api_thread(struct api_req *q){
  uint64_t id;
  int rc;
  if( api_u64(q, "id", 0, &id) || id==0 || id>UINT32_MAX ) return api_error(q, 400, "bad thread id");
  rc = trec_replay_select_thread(q->a->rp, (uint32_t)id, &q->a->stop);
  if( rc!=TREC_OK ) return api_replay_error(q, rc);
  return api_state(q);
}

struct api_runto { uint32_t code; };
static int api_runto_pred(void *ctx, const struct trec_event *ev){
  const struct api_runto *w = ctx;
  return ev->kind==TREC_CALL && ev->code==w->code;
}

static json_t *api_runto(struct api_req *q){
  struct api_runto w;
  uint64_t code;
  int dir = api_dir(q), rc;
  if( dir==0 ) return api_error(q, 400, "dir must be forward or backward");
  if( api_u64(q, "code", 0, &code) || code==0 || code>UINT32_MAX
      || trec_reader_code(q->a->r, (uint32_t)code)==NULL )
    return api_error(q, 400, "bad code id");
  w.code = (uint32_t)code;
  rc = trec_replay_run_to(q->a->rp, dir, api_runto_pred, &w, &q->a->stop);
  if( rc!=TREC_OK ) return api_replay_error(q, rc);
  return api_state(q);
}

static json_t *api_break(struct api_req *q){
  const char *where = q->arg(q->ctx, "where"), *cond = q->arg(q->ctx, "cond");
  const char *tmp = q->arg(q->ctx, "temporary");
  int id, rc;
  json_t *o;
  if( where==NULL || !*where ) return api_error(q, 400, "where= is required (FILE:LINE or FUNCTION)");
  if( cond && !*cond ) cond = NULL;
  rc = trec_replay_break_add(q->a->rp, where, cond,
                             tmp && !strcmp(tmp, "1") ? TREC_BP_TEMPORARY : 0, &id);
  if( rc!=TREC_OK ) return api_replay_error(q, rc);
  o = api_breakpoints(q->a);
  json_object_set_new(o, "id", json_integer(id));
  return o;
}

static json_t *api_clear(struct api_req *q){
  uint64_t id;
  const char *what = q->arg(q->ctx, "watch");
  int rc;
  if( api_u64(q, "id", 0, &id) || id==0 || id>INT32_MAX ) return api_error(q, 400, "bad id");
  rc = what && !strcmp(what, "1") ? trec_replay_watch_delete(q->a->rp, (int)id)
                                  : trec_replay_break_delete(q->a->rp, (int)id);
  if( rc!=TREC_OK ) return api_replay_error(q, rc);
  return api_breakpoints(q->a);
}

static json_t *api_watch(struct api_req *q){
  const char *expr = q->arg(q->ctx, "expr");
  size_t n = trec_replay_n_frames(q->a->rp);
  uint64_t level;
  int id, rc;
  json_t *o;
  if( expr==NULL || !*expr ) return api_error(q, 400, "expr= is required");
  if( api_u64(q, "level", n ? n-1 : 0, &level) || (n && level>=n) ) return api_error(q, 400, "bad level");
  rc = trec_replay_watch_add(q->a->rp, (size_t)level, expr, &id);
  if( rc!=TREC_OK ) return api_replay_error(q, rc);
  o = api_breakpoints(q->a);
  json_object_set_new(o, "id", json_integer(id));
  return o;
}

struct api_hist { json_t *list; size_t n; };
static int api_hist_fn(void *ctx, const struct trec_replay_hist *h){
  struct api_hist *w = ctx;
  if( w->n++>=API_HISTORY_MAX ) return 1;
  json_array_append_new(w->list, json_pack("{s:I,s:i,s:o}", "seq", (json_int_t)h->seq,
    "line", (int)h->line, "r", h->value ? view_json_render(h->value, h->value_end, API_REPR_LEN)
                                        : json_string("<unbound>")));
  return 0;
}

static json_t *api_history(struct api_req *q){
  const char *name = q->arg(q->ctx, "name");
  size_t n = trec_replay_n_frames(q->a->rp);
  struct api_hist w;
  uint64_t level;
  int rc;
  if( name==NULL || !*name ) return api_error(q, 400, "name= is required");
  if( api_u64(q, "level", n ? n-1 : 0, &level) || (n && level>=n) ) return api_error(q, 400, "bad level");
  w.list = json_array();
  w.n = 0;
  rc = trec_replay_history(q->a->rp, (size_t)level, name, api_hist_fn, &w);
  if( rc!=TREC_OK ){ json_decref(w.list); return api_replay_error(q, rc); }
  return json_pack("{s:o,s:o,s:b}", "name", view_json_string(name, strlen(name)),
                   "values", w.list, "cut", w.n>API_HISTORY_MAX);
}

static json_t *api_eval(struct api_req *q){
  const char *expr = q->arg(q->ctx, "expr");
  struct trec_buf out = TREC_BUF_INIT;
  size_t n = trec_replay_n_frames(q->a->rp);
  uint64_t level;
  json_t *o;
  int rc;
  if( expr==NULL || !*expr ) return api_error(q, 400, "expr= is required");
  if( api_u64(q, "level", n ? n-1 : 0, &level) || (n && level>=n) ) return api_error(q, 400, "bad level");
  rc = trec_replay_eval(q->a->rp, (size_t)level, expr, &out);
  if( rc!=TREC_OK ){ trec_buf_release(&out); return api_replay_error(q, rc); }
  o = json_pack("{s:o}", "v", view_json_value(out.data, out.data + out.len));
  trec_buf_release(&out);
  return o;
}

/* Case-insensitive substring. */
static int api_match(const char *hay, const char *needle){
  size_t n = strlen(needle);
  for(; *hay; hay++){
    if( !strncasecmp(hay, needle, n) ) return 1;
  }
  return n==0;
}

static json_t *api_search(struct api_req *q){
  const char *needle = q->arg(q->ctx, "q");
  trec_reader *r = q->a->r;
  json_t *fns = json_array(), *files = json_array();
  if( needle==NULL ) needle = "";
  for(uint32_t i=1; i<=trec_reader_max_code_id(r) && json_array_size(fns)<API_SEARCH_MAX; i++){
    const struct trec_code *c = trec_reader_code(r, i);
    const struct trec_file *f;
    if( c==NULL || !api_match(c->qualname, needle) ) continue;
    f = trec_reader_file(r, c->file);
    json_array_append_new(fns, json_pack("{s:i,s:o,s:i,s:o,s:i}", "code", (int)c->id,
      "function", view_json_string(c->qualname, strlen(c->qualname)), "file", (int)c->file,
      "path", f ? view_json_string(f->path, strlen(f->path)) : json_null(),
      "line", (int)c->firstlineno));
  }
  for(uint32_t i=1; i<=trec_reader_max_file_id(r) && json_array_size(files)<API_SEARCH_MAX; i++){
    const struct trec_file *f = trec_reader_file(r, i);
    if( f && api_match(f->path, needle) )
      json_array_append_new(files, json_pack("{s:i,s:o}", "file", (int)f->id,
        "path", view_json_string(f->path, strlen(f->path))));
  }
  return json_pack("{s:o,s:o}", "functions", fns, "files", files);
}

static json_t *api_timeline(struct api_req *q){
  uint64_t from, to, px, summary;
  json_t *o = NULL;
  int rc;
  if( api_u64(q, "from", 0, &from) || api_u64(q, "to", 0, &to) || api_u64(q, "px", 1000, &px)
      || api_u64(q, "summary", 0, &summary) || px==0 || px>100000 )
    return api_error(q, 400, "bad from/to/px");
  trec_buf_reset(&q->a->msg);
  rc = view_timeline(q->a->r, from, to, (unsigned)px, summary!=0, &o, &q->a->msg);
  if( rc!=TREC_OK ) return api_error(q, 500, "%s", trec_buf_cstr(&q->a->msg));
  return o;
}

static json_t *api_breaks_get(struct api_req *q){ return api_breakpoints(q->a); }

static const struct api_route {
  const char *name;
  int post;                       /* changes the session: POST only */
  json_t *(*fn)(struct api_req *q);
} api_routes[] = {
  { "info",        0, api_info_threads },
  { "state",       0, api_state },
  { "source",      0, api_source },
  { "timeline",    0, api_timeline },
  { "search",      0, api_search },
  { "history",     0, api_history },
  { "eval",        0, api_eval },
  { "breakpoints", 0, api_breaks_get },
  { "step",        1, api_step },
  { "goto",        1, api_goto },
  { "thread",      1, api_thread },
  { "runto",       1, api_runto },
  { "break",       1, api_break },
  { "clear",       1, api_clear },
  { "watch",       1, api_watch },
};

int view_api_handle(struct view_api *a, const char *name, int post,
                    view_arg_fn *arg, void *ctx, char **body, size_t *len){
  struct api_req q = { a, arg, ctx, 200 };
  json_t *res = NULL;
  size_t i;
  for(i=0; i<sizeof(api_routes)/sizeof(api_routes[0]); i++){
    if( strcmp(name, api_routes[i].name) ) continue;
    if( api_routes[i].post && !post ) res = api_error(&q, 405, "use POST for /api/%s", name);
    else res = api_routes[i].fn(&q);
    break;
  }
  if( i==sizeof(api_routes)/sizeof(api_routes[0]) ) res = api_error(&q, 404, "no API /api/%s", name);
  *body = res ? json_dumps(res, JSON_COMPACT) : NULL;
  if( *body==NULL ) q.status = 500;
  *len = *body ? strlen(*body) : 0;
  json_decref(res);
  return q.status;
}

int view_api_new(trec_reader *r, struct view_api **out, struct trec_buf *msg){
  struct view_api *a = calloc(1, sizeof(*a));
  int rc;
  *out = a;
  if( a==NULL ) return TREC_ERR_NOMEM;
  a->r = r;
  trec_buf_init(&a->msg);
  rc = trec_replay_new(r, &a->rp);
  if( rc!=TREC_OK ){
    trec_buf_printf(msg, "%s", a->rp ? trec_replay_errmsg(a->rp) : trec_strerror(rc));
    return rc;
  }
  a->stop.reason = TREC_STOP_SEEK;
  return TREC_OK;
}

void view_api_free(struct view_api *a){
  if( a==NULL ) return;
  trec_replay_close(a->rp);
  trec_buf_release(&a->msg);
  free(a);
}
