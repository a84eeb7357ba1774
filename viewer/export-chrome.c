/*
** export-chrome.c: `tracerec export --format chrome`: Chrome Trace Event
** JSON, which ui.perfetto.dev and chrome://tracing open. Each call
** activation becomes one complete ("X") event, written when the call
** returns, so its args can hold both the arguments and the return value;
** the viewers sort by ts themselves. Only the open calls of each thread are
** kept (a stack per thread), so memory follows call depth, not trace size.
** Without timestamps in the trace, seq stands in for time (1 event = 1 us).
*/
#include "config.h"
#include <stdlib.h>
#include <jansson.h>
#include "viewer/view_int.h"

struct chrome_call {
  uint64_t seq;
  int64_t ts;
  uint32_t code;
  struct trec_buf args;     /* Owned: JSON members for "args":{...} */
  struct trec_buf exc;      /* Owned: last exception seen here, JSON, or empty */
};

struct chrome_thread {
  uint32_t id;
  uint64_t tid;
  int64_t first_ts, last_ts;
  int64_t clock;            /* latest timestamp seen on this thread */
  uint64_t last_seq;
  size_t n, cap;
  struct chrome_call *calls;  /* Owned: the open calls, outermost first */
};

struct chrome {
  trec_reader *r;
  int use_seq;              /* the trace has no timestamps */
  int64_t clock;            /* latest timestamp seen on any thread */
  size_t max_len;
  uint64_t pid;
  int n_out;                /* trace events written so far */
  struct trec_buf b;
  size_t n_threads;
  struct chrome_thread *threads;
};

/* The recorder stamps only some events (calls, returns, exceptions); an
** unstamped event happened at its thread's last stamp, as far as we know. */
static int64_t chrome_ts(struct chrome *x, struct chrome_thread *t,
                         const struct trec_event *ev){
  if( x->use_seq ) return (int64_t)ev->seq * 1000;
  if( t->clock==INT64_MIN ) t->clock = x->clock;
  if( ev->ts!=TREC_NO_TS && ev->ts>t->clock ) t->clock = ev->ts;
  if( t->clock>x->clock ) x->clock = t->clock;
  return t->clock;
}

static void chrome_begin_event(struct chrome *x){
  trec_buf_puts(&x->b, x->n_out++ ? ",\n" : "\n");
}

static int chrome_push(struct chrome_thread *t, struct chrome_call **out){
  if( t->n==t->cap ){
    size_t cap = t->cap ? 2*t->cap : 16;
    struct chrome_call *c = realloc(t->calls, cap*sizeof(*c));
    if( c==NULL ) return TREC_ERR_NOMEM;
    t->calls = c;
    t->cap = cap;
  }
  *out = &t->calls[t->n++];
  memset(*out, 0, sizeof(**out));
  trec_buf_init(&(*out)->args);
  trec_buf_init(&(*out)->exc);
  return TREC_OK;
}

/* Write the X event of call c ending at (end_ts, end_seq); ret is the JSON
** of the return value or NULL; raised: the return is the exception's
** escape (view_evstream.raised). */
static void chrome_emit_call(struct chrome *x, struct chrome_thread *t,
                             struct chrome_call *c, int64_t end_ts,
                             uint64_t end_seq, const struct trec_buf *ret,
                             int raised, int unfinished){
  const struct trec_code *co = trec_reader_code(x->r, c->code);
  const struct trec_file *fi = co ? trec_reader_file(x->r, co->file) : NULL;
  chrome_begin_event(x);
  trec_buf_printf(&x->b, "{\"ph\":\"X\",\"cat\":\"python\",\"pid\":%llu,\"tid\":%llu,\"name\":",
                  (unsigned long long)x->pid, (unsigned long long)t->tid);
  view_json_cstr(&x->b, co ? co->qualname : "?");
  trec_buf_puts(&x->b, ",\"ts\":");
  view_json_us(&x->b, c->ts);
  trec_buf_puts(&x->b, ",\"dur\":");
  view_json_us(&x->b, end_ts>c->ts ? end_ts - c->ts : 0);
  trec_buf_puts(&x->b, ",\"args\":{\"file\":");
  view_json_cstr(&x->b, fi ? fi->path : NULL);
  trec_buf_printf(&x->b, ",\"line\":%d,\"seq\":%llu,\"end_seq\":%llu,\"args\":{",
                  co ? co->firstlineno : 0, (unsigned long long)c->seq,
                  (unsigned long long)end_seq);
  trec_buf_put(&x->b, c->args.data, c->args.len);
  trec_buf_put_u8(&x->b, '}');
  if( raised && c->exc.len ){
    trec_buf_puts(&x->b, ",\"raised\":");
    trec_buf_put(&x->b, c->exc.data, c->exc.len);
  }else if( ret && ret->len ){
    trec_buf_puts(&x->b, ",\"return\":");
    trec_buf_put(&x->b, ret->data, ret->len);
  }
  if( c->exc.len ){
    trec_buf_puts(&x->b, ",\"exception\":");
    trec_buf_put(&x->b, c->exc.data, c->exc.len);
  }
  if( unfinished ) trec_buf_puts(&x->b, ",\"unfinished\":true");
  trec_buf_puts(&x->b, "}}");
}

static void chrome_pop(struct chrome_thread *t){
  struct chrome_call *c = &t->calls[--t->n];
  trec_buf_release(&c->args);
  trec_buf_release(&c->exc);
}

static struct chrome_thread *chrome_thread(struct chrome *x, uint32_t id){
  for(size_t i=0; i<x->n_threads; i++){
    if( x->threads[i].id==id ) return &x->threads[i];
  }
  return NULL;
}

static int chrome_call_event(struct chrome *x, struct chrome_thread *t,
                             const struct trec_event *ev, int64_t ts){
  const struct trec_code *co = trec_reader_code(x->r, ev->code);
  const unsigned char *p = ev->payload, *end = ev->payload + ev->payload_len;
  struct chrome_call *c;
  struct trec_entry e;
  int n = 0, rc = chrome_push(t, &c);
  if( rc!=TREC_OK ) return rc;
  c->seq = ev->seq;
  c->ts = ts;
  c->code = ev->code;
  if( ev->payload==NULL ) return TREC_OK;
  while( (rc = trec_payload_next(&p, end, &e))==TREC_OK ){
    const char *name;
    if( e.kind!=TREC_PK_VAR || co==NULL || e.slot>=co->n_args ) continue;
    name = view_slot_name(x->r, ev->code, e.slot);
    if( n++ ) trec_buf_put_u8(&c->args, ',');
    view_json_cstr(&c->args, name ? name : "?");
    trec_buf_put_u8(&c->args, ':');
    rc = view_json_repr(&c->args, e.value, e.value_end, x->max_len);
    if( rc!=TREC_OK ) return rc;
  }
  return rc==TREC_ERR_NOTFOUND ? TREC_OK : rc;
}

/* The JSON repr of the payload's first entry of kind k, into out. */
static int chrome_entry(struct chrome *x, const struct trec_event *ev,
                        enum trec_pkind k, struct trec_buf *out){
  const unsigned char *p = ev->payload, *end = ev->payload + ev->payload_len;
  struct trec_entry e;
  int rc;
  if( ev->payload==NULL ) return TREC_OK;
  while( (rc = trec_payload_next(&p, end, &e))==TREC_OK ){
    if( e.kind==k ) return view_json_repr(out, e.value, e.value_end, x->max_len);
  }
  return rc==TREC_ERR_NOTFOUND ? TREC_OK : rc;
}

static int chrome_return_event(struct chrome *x, struct chrome_thread *t,
                               const struct trec_event *ev, int64_t ts, int raised){
  struct trec_buf ret = TREC_BUF_INIT;
  int rc = chrome_entry(x, ev, TREC_PK_RETURN, &ret);
  if( rc!=TREC_OK ) goto out;
  if( t->n==0 ){
    /* The call happened before recording began (record() inside a
    ** function): the slice starts where the thread's recording does. */
    struct chrome_call *c;
    if( (rc = chrome_push(t, &c))!=TREC_OK ) goto out;
    c->seq = 0;
    c->ts = t->first_ts;
    c->code = ev->code;
  }
  chrome_emit_call(x, t, &t->calls[t->n-1], ts, ev->seq, &ret, raised, 0);
  chrome_pop(t);
out:
  trec_buf_release(&ret);
  return rc;
}

static int chrome_exception_event(struct chrome *x, struct chrome_thread *t,
                                  const struct trec_event *ev, int64_t ts){
  const unsigned char *p = ev->payload, *end = ev->payload + ev->payload_len;
  const struct trec_code *co = trec_reader_code(x->r, ev->code);
  struct trec_buf repr = TREC_BUF_INIT;
  struct trec_entry e;
  struct trec_value v;
  const char *type = "exception";
  size_t type_len = 9;
  int rc = TREC_OK;
  while( ev->payload && (rc = trec_payload_next(&p, end, &e))==TREC_OK ){
    if( e.kind!=TREC_PK_EXCEPTION ) continue;
    if( (rc = trec_value_read(e.value, e.value_end, &v))!=TREC_OK ) goto out;
    if( v.type ){ type = v.type; type_len = v.type_len; }
    rc = view_json_repr(&repr, e.value, e.value_end, x->max_len);
    break;
  }
  if( rc!=TREC_OK && rc!=TREC_ERR_NOTFOUND ) goto out;
  rc = TREC_OK;
  chrome_begin_event(x);
  trec_buf_printf(&x->b, "{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"exception\",\"pid\":%llu,\"tid\":%llu,\"name\":",
                  (unsigned long long)x->pid, (unsigned long long)t->tid);
  view_json_str(&x->b, type, type_len);
  trec_buf_puts(&x->b, ",\"ts\":");
  view_json_us(&x->b, ts);
  trec_buf_printf(&x->b, ",\"args\":{\"seq\":%llu,\"line\":%d,\"function\":",
                  (unsigned long long)ev->seq, ev->line);
  view_json_cstr(&x->b, co ? co->qualname : NULL);
  if( repr.len ){
    trec_buf_puts(&x->b, ",\"exception\":");
    trec_buf_put(&x->b, repr.data, repr.len);
  }
  trec_buf_puts(&x->b, "}}");
  if( t->n && repr.len ){
    struct trec_buf *exc = &t->calls[t->n-1].exc;
    trec_buf_reset(exc);
    trec_buf_put(exc, repr.data, repr.len);
  }
out:
  trec_buf_release(&repr);
  return rc;
}

static void chrome_metadata(struct chrome *x){
  const char *argv = trec_reader_meta(x->r, "argv");
  chrome_begin_event(x);
  trec_buf_printf(&x->b, "{\"ph\":\"M\",\"pid\":%llu,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":",
                  (unsigned long long)x->pid);
  if( argv ){
    /* The recorder stores argv as a JSON array; show it as a command line. */
    struct trec_buf t = TREC_BUF_INIT;
    json_t *a = json_loads(argv, JSON_DECODE_ANY, NULL), *item;
    size_t i;
    trec_buf_puts(&t, "python");
    if( json_is_array(a) ){
      json_array_foreach(a, i, item){
        if( json_is_string(item) ) trec_buf_printf(&t, " %s", json_string_value(item));
      }
    }else{
      trec_buf_printf(&t, " %s", argv);
    }
    json_decref(a);
    view_json_str(&x->b, (const char *)t.data, t.len);
    trec_buf_release(&t);
  }else{
    view_json_cstr(&x->b, "python");
  }
  trec_buf_puts(&x->b, "}}");
  for(size_t i=0; i<x->n_threads; i++){
    const struct trec_thread *th = trec_reader_thread(x->r, i);
    chrome_begin_event(x);
    trec_buf_printf(&x->b, "{\"ph\":\"M\",\"pid\":%llu,\"tid\":%llu,\"name\":\"thread_name\",\"args\":{\"name\":",
                    (unsigned long long)x->pid, (unsigned long long)x->threads[i].tid);
    view_json_cstr(&x->b, th->name && th->name[0] ? th->name : "thread");
    trec_buf_puts(&x->b, "}}");
    chrome_begin_event(x);
    trec_buf_printf(&x->b, "{\"ph\":\"M\",\"pid\":%llu,\"tid\":%llu,\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}",
                    (unsigned long long)x->pid, (unsigned long long)x->threads[i].tid,
                    th->id);
  }
}

int view_export_chrome(trec_reader *r, size_t max_len, FILE *out,
                       struct trec_buf *msg){
  struct chrome x;
  struct view_evstream s;
  struct trec_event ev;
  const char *pid = trec_reader_meta(r, "pid");
  int64_t ts;
  int rc = TREC_ERR_NOMEM;
  memset(&x, 0, sizeof(x));
  memset(&s, 0, sizeof(s));
  x.r = r;
  x.max_len = max_len;
  x.pid = pid ? strtoull(pid, NULL, 10) : 1;
  x.use_seq = trec_reader_n_chunks(r)==0
           || trec_reader_chunk(r, 0)->first_ts==TREC_NO_TS;
  x.n_threads = trec_reader_n_threads(r);
  x.threads = calloc(x.n_threads ? x.n_threads : 1, sizeof(*x.threads));
  if( x.threads==NULL ) goto fail;
  for(size_t i=0; i<x.n_threads; i++){
    const struct trec_thread *th = trec_reader_thread(r, i);
    x.threads[i].id = th->id;
    x.threads[i].tid = th->native_id ? th->native_id : th->id;
    x.threads[i].first_ts = INT64_MIN;
    x.threads[i].clock = INT64_MIN;
  }
  trec_buf_puts(&x.b, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
  chrome_metadata(&x);
  if( (rc = view_evstream_open(&s, r, 0, 0))!=TREC_OK ) goto fail;
  while( (rc = view_evstream_next(&s, &ev))==TREC_OK ){
    struct chrome_thread *t = chrome_thread(&x, ev.thread);
    if( t==NULL ){
      rc = TREC_ERR_CORRUPT;
      trec_buf_printf(msg, "event %llu names thread %u, which the trace does not list",
                      (unsigned long long)ev.seq, ev.thread);
      goto out;
    }
    ts = chrome_ts(&x, t, &ev);
    if( t->first_ts==INT64_MIN ) t->first_ts = ts;
    t->last_ts = ts;
    t->last_seq = ev.seq;
    switch( ev.kind ){
      case TREC_CALL:      rc = chrome_call_event(&x, t, &ev, ts); break;
      case TREC_RETURN:    rc = chrome_return_event(&x, t, &ev, ts, s.raised); break;
      case TREC_EXCEPTION: rc = chrome_exception_event(&x, t, &ev, ts); break;
      default:
        rc = TREC_OK;
        break;
    }
    if( rc!=TREC_OK ){
      trec_buf_printf(msg, "event %llu: %s", (unsigned long long)ev.seq,
                      trec_strerror(rc));
      goto out;
    }
    if( x.b.len>=65536 && (rc = view_flush(&x.b, out))!=TREC_OK ) goto write_failed;
  }
  if( rc!=TREC_ERR_NOTFOUND ) goto fail;
  for(size_t i=0; i<x.n_threads; i++){
    struct chrome_thread *t = &x.threads[i];
    while( t->n ){
      chrome_emit_call(&x, t, &t->calls[t->n-1], t->last_ts, t->last_seq, NULL, 0, 1);
      chrome_pop(t);
    }
  }
  trec_buf_puts(&x.b, "\n]}\n");
  if( (rc = view_flush(&x.b, out))!=TREC_OK ) goto write_failed;
  if( fflush(out)!=0 ){ rc = TREC_ERR_IO; goto write_failed; }
  goto out;
write_failed:
  trec_buf_printf(msg, "cannot write the export: %s", trec_strerror(rc));
  goto out;
fail:
  trec_buf_printf(msg, "%s", rc==TREC_ERR_NOMEM ? trec_strerror(rc)
                                                : trec_reader_errmsg(r));
out:
  view_evstream_close(&s);
  for(size_t i=0; i<x.n_threads && x.threads; i++){
    while( x.threads[i].n ) chrome_pop(&x.threads[i]);
    free(x.threads[i].calls);
  }
  free(x.threads);
  trec_buf_release(&x.b);
  return rc;
}
