/*
** recorder.c: the C trace function and everything it does per event: find
** the code's facts in its extra slot, the thread's state, the frame's
** activation entry, snapshot what changed and append the event to the
** thread's stream.
**
** The hot path is a `line` event of the program's own code whose frame is
** the top of its thread's stack: one extra-slot read, one thread-state
** compare, one frame compare, a shadow diff that is a pointer compare per
** unchanged immutable local, and a memcpy into the stream. No Python object
** is allocated, no Python code runs, no lock but the GIL is taken, the
** clock is read only on call/return/exception events. Everything that is
** done once (a code object's registration, a new thread, reading a source
** file) is on the slow paths at the bottom, which save and restore any
** pending exception. A failure anywhere stops recording in every thread and
** keeps the message; the program itself never sees it.
*/
#include "recorder/recorder.h"
#include "recorder/locals.h"
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CO_FLAGS_KEPT (TREC_CO_OPTIMIZED | TREC_CO_VARARGS | TREC_CO_VARKEYWORDS \
                       | TREC_CO_GENERATOR | TREC_CO_COROUTINE | TREC_CO_ASYNC_GEN)
#define CO_ANY_GEN (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)

/* Timestamps are kept to the time resolution (a power of two, 64 ns by
** default): recording an event costs the program a few hundred ns, so the
** low bits measure the recorder, and dropping them makes the chunk's
** timestamp deltas one byte instead of two (doc/FORMAT.md, ts_shift). */
static int64_t rec_now(trec_recorder *r){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - r->t0_ns) & r->ts_mask;
}

void trec_recorder_fail(trec_recorder *r, int rc, const char *what,
                        const char *detail){
  if( r->rc==TREC_OK ){
    r->rc = rc==TREC_OK ? TREC_ERR_STATE : rc;
    snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", what,
             detail && *detail ? detail : trec_strerror(rc));
  }
  if( r->state==TREC_REC_RUNNING ){
    r->state = TREC_REC_STOPPED;
    /* monitoring callbacks, being called now, stay registered (and return
    ** at once) until stop() or close() unregisters them */
    if( r->backend==TREC_BACKEND_SETTRACE ) trec_settrace_stop_quiet(r);
  }
}

/* ---------------------------------------------------------------------
** Slow path: code objects, files, threads
*/

static void codeinfo_spares_free(struct trec_codeinfo *ci){
  while( ci->n_spare>0 ) trec_shadow_free(ci->spare[--ci->n_spare]);
}

void trec_codeinfo_free(void *p){
  struct trec_codeinfo *ci = p;
  if( ci==NULL ) return;
  codeinfo_spares_free(ci);
  trec_layout_free(ci->layout);
  trec_lineflow_free(ci->flow);
  free(ci);
}

static int match_prefix(char **list, const char *s){
  for(char **p = list; p && *p; p++){
    if( strncmp(s, *p, strlen(*p))==0 ) return 1;
  }
  return 0;
}

static int match_glob(char **list, const char *s){
  for(char **p = list; p && *p; p++){
    if( fnmatch(*p, s, 0)==0 ) return 1;
  }
  return 0;
}

/* skip_paths first (tracerec's own frames never appear, whatever the
** globs say), then the user's exclude and include globs, then the library
** prefixes. Frozen modules (<frozen importlib._bootstrap>...) are the
** standard library. */
static int rec_decide(trec_recorder *r, const char *fn){
  if( match_prefix(r->skip, fn) ) return TREC_DECIDE_SKIP;
  if( match_glob(r->exclude, fn) ) return TREC_DECIDE_SKIP;
  if( match_glob(r->include, fn) ) return TREC_DECIDE_FULL;
  if( r->trace_all ) return TREC_DECIDE_FULL;
  if( match_prefix(r->library, fn) || strncmp(fn, "<frozen ", 8)==0 ){
    return TREC_DECIDE_CALLS;
  }
  return TREC_DECIDE_FULL;
}

/* The whole file with plain stdio, or NULL (size -1 in the trace). */
static char *read_file(const char *path, long *len){
  FILE *fp = fopen(path, "rb");
  char *buf = NULL;
  size_t cap = 0, n = 0;
  if( fp==NULL ) return NULL;
  for(;;){
    if( cap-n < 65536 ){
      char *nb = realloc(buf, cap ? cap*2 : 65536);
      if( nb==NULL ){ free(buf); buf = NULL; break; }
      buf = nb;
      cap = cap ? cap*2 : 65536;
    }
    size_t got = fread(buf+n, 1, cap-n, fp);
    n += got;
    if( got==0 ){
      if( ferror(fp) ){ free(buf); buf = NULL; }
      break;
    }
  }
  fclose(fp);
  *len = (long)n;
  return buf;
}

/* The file id of co_filename, registering the file on first sight. 0 on
** failure (recording stopped). */
static uint32_t rec_file_id(trec_recorder *r, PyObject *filename,
                            const char *path){
  PyObject *idobj = PyDict_GetItemWithError(r->files, filename);
  if( idobj!=NULL ) return (uint32_t)PyLong_AsUnsignedLong(idobj);
  if( PyErr_Occurred() ) return 0;
  uint32_t id = r->n_files + 1;
  PyObject *v = PyLong_FromUnsignedLong(id);
  if( v==NULL || PyDict_SetItem(r->files, filename, v)<0 ){
    Py_XDECREF(v);
    return 0;
  }
  Py_DECREF(v);
  r->n_files = id;
  int rc;
  PyObject *src = PyDict_GetItemWithError(r->sources, filename);
  if( src!=NULL ){
    rc = trec_writer_add_file(r->w, id, path, PyBytes_AS_STRING(src),
                              PyBytes_GET_SIZE(src));
  }else{
    long len = 0;
    char *text = path[0]=='<' ? NULL : read_file(path, &len);
    rc = trec_writer_add_file(r->w, id, path, text, text ? len : -1);
    free(text);
  }
  if( rc!=TREC_OK ){
    trec_recorder_fail(r, rc, "adding a file to the trace",
                       trec_writer_errmsg(r->w));
    return 0;
  }
  return id;
}

/* The code table keeps names space-separated, so a name must be non-empty
** and without whitespace. co_names of module code can hold "" (`from .
** import x`); such a slot never holds a variable, so a placeholder that is
** no identifier does. */
static const char *code_slot_name(const trec_layout *L, uint32_t i){
  const char *s = trec_layout_name(L, i);
  if( s==NULL || *s==0 ) return "<empty>";
  for(const char *p = s; *p; p++){
    if( *p==' ' || (*p>='\t' && *p<='\r') ) return "<invalid>";
  }
  return s;
}

/* Give co the facts of this recorder (ci: its old facts or NULL). */
static struct trec_codeinfo *rec_code_register(trec_recorder *r,
                                               PyCodeObject *co,
                                               struct trec_codeinfo *ci){
  PyObject *et, *ev, *etb;
  const char **names = NULL;
  int ok = 0;
  PyErr_Fetch(&et, &ev, &etb);
  if( ci==NULL ){
    ci = calloc(1, sizeof *ci);
    if( ci==NULL ){
      trec_recorder_fail(r, TREC_ERR_NOMEM, "code object", NULL);
      goto out;
    }
    if( trec_compat_code_set_extra(co, trec_code_extra_index, ci)<0 ){
      free(ci);
      ci = NULL;
      trec_recorder_fail(r, TREC_ERR_STATE, "code object extra slot", NULL);
      goto out;
    }
  }
  codeinfo_spares_free(ci);
  trec_layout_free(ci->layout);
  ci->layout = NULL;
  trec_lineflow_free(ci->flow);
  ci->flow = NULL;
  ci->gen = 0;
  ci->id = 0;
  ci->is_gen = (co->co_flags & CO_ANY_GEN)!=0;
  ci->is_ns = (co->co_flags & CO_OPTIMIZED)==0;
  ci->first_resume = ci->is_gen ? trec_compat_first_resume(co) : -1;
  const char *path = PyUnicode_AsUTF8(co->co_filename);
  if( path==NULL ){
    PyErr_Clear();
    path = "<unknown>";
  }
  ci->decision = (uint8_t)rec_decide(r, path);
  if( ci->decision!=TREC_DECIDE_SKIP ){
    /* library code is recorded as calls and returns: its parameters, not
    ** its closure's cells nor, at a generator's resume, its locals (each
    ** resume of json's encoder walked its whole closure again) */
    int rc = trec_layout_new(r->snap, co, ci->decision!=TREC_DECIDE_FULL,
                             &ci->layout);
    if( rc!=TREC_OK ){
      trec_recorder_fail(r, rc, "code layout", trec_snap_errmsg(r->snap));
      goto out;
    }
    if( ci->decision==TREC_DECIDE_FULL && r->quick ){
      rc = trec_lineflow_new(co, (co->co_flags & CO_OPTIMIZED)!=0, &ci->flow);
      if( rc!=TREC_OK ){
        trec_recorder_fail(r, rc, "code analysis", NULL);
        goto out;
      }
    }
    uint32_t file = rec_file_id(r, co->co_filename, path);
    if( file==0 ){
      if( r->rc==TREC_OK ) trec_recorder_fail(r, TREC_ERR_NOMEM, "file", NULL);
      goto out;
    }
    uint32_t n = trec_layout_n_names(ci->layout);
    names = malloc((n ? n : 1) * sizeof *names);
    if( names==NULL ){
      trec_recorder_fail(r, TREC_ERR_NOMEM, "code object", NULL);
      goto out;
    }
    for(uint32_t i=0; i<n; i++) names[i] = code_slot_name(ci->layout, i);
    const char *name = PyUnicode_AsUTF8(co->co_name);
#if PY_VERSION_HEX >= 0x030B0000
    const char *qualname = PyUnicode_AsUTF8(co->co_qualname);
#else
    const char *qualname = name;
#endif
    if( name==NULL || qualname==NULL ){
      PyErr_Clear();
      name = qualname = "?";
    }
    struct trec_code c = {
      .id = r->n_codes + 1, .file = file, .name = name, .qualname = qualname,
      .firstlineno = co->co_firstlineno,
      .flags = (uint32_t)co->co_flags & CO_FLAGS_KEPT,
      .n_args = trec_layout_n_args(ci->layout), .n_names = n, .names = names
    };
    rc = trec_writer_add_code(r->w, &c);
    if( rc!=TREC_OK ){
      char what[256];
      snprintf(what, sizeof what, "adding code %s (%s:%d) to the trace",
               qualname, path, co->co_firstlineno);
      trec_recorder_fail(r, rc, what, rc==TREC_ERR_INVALID ? NULL
                                      : trec_writer_errmsg(r->w));
      goto out;
    }
    r->n_codes = c.id;
    ci->id = c.id;
  }
  ci->gen = r->gen;
  ok = 1;
out:
  free(names);
  PyErr_Restore(et, ev, etb);
  return ok ? ci : NULL;
}

/* The state of the thread running tstate, created at its first event.
** A new thread can get both the PyThreadState address and the ident of a
** dead one, and under sys.monitoring its first events (Thread._bootstrap)
** come before threading's start hook, so entries are keyed by the thread
** state's unique id, which is never reused, not by address or ident. */
static int rec_same(PyThreadState *a, uint64_t a_uid, PyThreadState *b){
  return a==b && a_uid==trec_compat_tstate_uid(b);
}

static int rec_preexisting(trec_recorder *r, PyThreadState *ts){
  for(size_t i=0; i<r->n_pre; i++){
    if( rec_same(r->pre[i].tstate, r->pre[i].uid, ts) ) return 1;
  }
  return 0;
}

/* A thread is recorded from its first event, except a thread that
** threading starts: its first events are in Thread._bootstrap, before
** threading's hook (trec_recorder_thread_started) arms it at Thread.run,
** which is where sys.settrace with threading.settrace starts too. A thread
** started by _thread or by C code has no hook to wait for. Threads running
** when recording started are recorded wherever they are. */
static int rec_booting(const trec_recorder *r, PyCodeObject *co){
  return (PyObject *)co==r->boot[0] || (PyObject *)co==r->boot[1];
}

/* Recorder.stats' estimate of a thread's chunks. */
static uint64_t rec_thread_chunks(const trec_recorder *r,
                                  const struct trec_rthread *t){
  uint32_t per = r->wopt.chunk_events ? r->wopt.chunk_events : 16384;
  return (t->n_events + per - 1) / per;
}

uint64_t trec_recorder_chunks(const trec_recorder *r){
  uint64_t n = r->n_chunks_gone;
  for(size_t i=0; i<r->n_threads; i++) n += rec_thread_chunks(r, r->threads[i]);
  return n;
}

/* Free t, no longer in the table. Its stream, if it still has one, belongs
** to a writer that is gone or closes it. */
static void rec_thread_forget(trec_recorder *r, struct trec_rthread *t){
  r->n_chunks_gone += rec_thread_chunks(r, t);
  trec_fstack_release(&t->stack);
  if( r->cur==t ) r->cur = NULL;
  free(t);
}

/* The thread of t has ended: its stream is closed, which hands its last
** events to the writer and gives its memory back (trec_stream_close), and t
** is freed. No Python code runs (a shadow holds immutable builtins only),
** so the table cannot change under the caller. Frames still on its stack
** returned unseen: the thread ended with the trace function taken away
** (every return is reported otherwise, an exception's too): tracing off,
** for meta tracing_off. */
static void rec_thread_end(trec_recorder *r, struct trec_rthread *t){
  if( t->armed && t->stack.len>0 && r->backend==TREC_BACKEND_SETTRACE ) r->n_off++;
  int rc = trec_stream_close(t->stream);
  if( rc!=TREC_OK ){
    trec_recorder_fail(r, rc, "writing the trace", trec_writer_errmsg(r->w));
  }
  rec_thread_forget(r, t);
}

static int rec_ptr_cmp(const void *a, const void *b){
  uintptr_t x = (uintptr_t)*(PyThreadState *const *)a;
  uintptr_t y = (uintptr_t)*(PyThreadState *const *)b;
  return x<y ? -1 : x>y;
}

/* End the entries of threads that are gone: whose thread state (address
** and uid, as a new one can take a dead one's address) is no longer on the
** interpreter's list. A thread state leaves the list when its thread is
** done with Python code, so such a thread has no event to come. Called when
** a thread appears, so that entries and streams stay as many as the
** threads alive at once, and at stop. Without memory for the list nothing
** ends now, and the next new thread tries again: -1. */
static int rec_reap(trec_recorder *r, PyThreadState *me){
  PyThreadState **live = NULL;
  size_t n = 0, cap = 0, keep = 0;
  for(PyThreadState *ts = PyInterpreterState_ThreadHead(me->interp);
      ts!=NULL; ts = PyThreadState_Next(ts)){
    if( n==cap ){
      size_t nc = cap ? cap*2 : 64;
      PyThreadState **p = realloc(live, nc * sizeof *p);
      if( p==NULL ){
        free(live);
        return -1;
      }
      live = p;
      cap = nc;
    }
    live[n++] = ts;
  }
  qsort(live, n, sizeof *live, rec_ptr_cmp);
  for(size_t i=0; i<r->n_threads; i++){
    struct trec_rthread *t = r->threads[i];
    PyThreadState **hit = bsearch(&t->tstate, live, n, sizeof *live,
                                  rec_ptr_cmp);
    /* kept in order: set_thread_names takes an ident's latest entry */
    if( hit!=NULL && rec_same(t->tstate, t->uid, *hit) ){
      r->threads[keep++] = t;
    }else{
      rec_thread_end(r, t);
    }
  }
  r->n_threads = keep;
  free(live);
  return 0;
}

static struct trec_rthread *rec_thread(trec_recorder *r, PyThreadState *ts,
                                       int arm){
  unsigned long ident = PyThread_get_thread_ident();
  struct trec_rthread *t = NULL;
  for(size_t i=0; i<r->n_threads; i++){
    if( rec_same(r->threads[i]->tstate, r->threads[i]->uid, ts) ){
      t = r->threads[i];
      goto found;
    }
  }
  rec_reap(r, ts);
  if( r->n_threads==r->cap_threads ){
    size_t cap = r->cap_threads ? r->cap_threads*2 : 8;
    struct trec_rthread **nt = realloc(r->threads, cap * sizeof *nt);
    if( nt==NULL ) goto nomem;
    r->threads = nt;
    r->cap_threads = cap;
  }
  t = calloc(1, sizeof *t);
  if( t==NULL ) goto nomem;
  t->tstate = ts;
  t->uid = trec_compat_tstate_uid(ts);
  t->ident = ident;
  trec_fstack_init(&t->stack);
  r->threads[r->n_threads++] = t;
  t->armed = arm || rec_preexisting(r, ts);
  if( !t->armed ) goto found;
  t->id = ++r->n_threads_seen;
  struct trec_thread info = {
    .id = t->id, .ident = ident,
#ifdef PY_HAVE_THREAD_NATIVE_ID
    .native_id = PyThread_get_thread_native_id(),
#endif
    .name = NULL
  };
  int rc = trec_writer_add_thread(r->w, &info);
  if( rc==TREC_OK ) rc = trec_writer_stream(r->w, t->id, &t->stream);
  if( rc!=TREC_OK ){
    trec_recorder_fail(r, rc, "adding a thread to the trace",
                       trec_writer_errmsg(r->w));
    return NULL;
  }
found:
  r->cur = t;
  return t;
nomem:
  trec_recorder_fail(r, TREC_ERR_NOMEM, "thread", NULL);
  return NULL;
}

/* threading's start hook, in the new thread: end the entries of dead
** threads whose ident this one reuses (set_thread_names finds the live
** one), and this thread's own unrecorded entry made by monitoring events
** before the hook; then register the thread now, under the name threading
** gave it (set_thread_names() at the end can only name the latest thread of
** an ident). name may be NULL. */
void trec_recorder_thread_started(trec_recorder *r, const char *name){
  unsigned long ident = PyThread_get_thread_ident();
  size_t keep = 0;
  /* a thread a forked child starts must not end the parent's streams */
  if( r->fork_gen!=trec_fork_gen ){
    trec_recorder_forked(r);
    return;
  }
  for(size_t i=0; i<r->n_threads; i++){
    struct trec_rthread *t = r->threads[i];
    if( t->ident==ident ) rec_thread_end(r, t);
    else r->threads[keep++] = t;
  }
  r->n_threads = keep;
  r->cur = NULL;
  struct trec_rthread *t = rec_thread(r, trec_compat_tstate(), 1);
  if( t!=NULL && name!=NULL ){
    int rc = trec_writer_set_thread_name(r->w, t->id, name);
    if( rc!=TREC_OK ){
      trec_recorder_fail(r, rc, "naming a thread", trec_writer_errmsg(r->w));
    }
  }
}

int trec_recorder_reap(trec_recorder *r){
  return rec_reap(r, PyThreadState_Get());
}

void trec_recorder_thread_resync(trec_recorder *r){
  PyThreadState *ts = trec_compat_tstate();
  for(size_t i=0; i<r->n_threads; i++){
    struct trec_rthread *t = r->threads[i];
    if( rec_same(t->tstate, t->uid, ts) ) t->resync = 1;
  }
}

void trec_recorder_unpark(trec_recorder *r){
  r->unpark = 0;
  if( r->w!=NULL && r->fork_gen==trec_fork_gen ){
    int rc = trec_writer_unpark(r->w);
    if( rc!=TREC_OK && r->state==TREC_REC_RUNNING ){
      trec_recorder_fail(r, rc, "writing the trace", trec_writer_errmsg(r->w));
    }
  }
}

/* ---------------------------------------------------------------------
** Event path
*/

/* trec_buf_reset() of both, without two calls per event */
static void rec_payload_reset(trec_recorder *r){
  r->payload.len = r->ends.len = 0;
  r->payload.oom = r->ends.oom = 0;
}

/* The end of an entry the recorder appended itself (see trec_snap_track). */
static void rec_entry_done(trec_recorder *r){
  uint32_t end = (uint32_t)r->payload.len;
  trec_buf_put(&r->ends, &end, sizeof end);
}

/* Inlined into each caller: as a call of its own, its prologue, epilogue
** and arguments were a third of its cost, at every event. */
static inline __attribute__((always_inline)) void
rec_emit(trec_recorder *r, struct trec_rthread *t,
         const struct trec_fentry *e, int kind, int line, int offset,
         int64_t ts, int caller_line){
  if( r->payload.oom ){
    trec_recorder_fail(r, TREC_ERR_NOMEM, "event payload", NULL);
    return;
  }
  if( r->payload.len > UINT32_MAX ){
    trec_recorder_fail(r, TREC_ERR_LIMIT, "event payload", NULL);
    return;
  }
  struct trec_event ev = {
    .seq = r->seq + 1, .frame = e->id, .ts = ts, .thread = t->id,
    .code = e->ci->id, .line = line<0 ? 0 : line, .offset = offset, .depth = 0,
    .kind = (uint8_t)kind, .payload = r->payload.data,
    .payload_len = (uint32_t)r->payload.len, .caller_line = caller_line,
    .entry_end = r->ends.oom ? NULL : (const uint32_t *)(void *)r->ends.data,
    .n_entries = (uint32_t)(r->ends.len / sizeof(uint32_t))
  };
  int rc = trec_stream_put(t->stream, &ev);
  if( rc!=TREC_OK ){
    trec_recorder_fail(r, rc, "writing the trace", trec_writer_errmsg(r->w));
    return;
  }
  r->seq++;
  r->n_events++;
  t->n_events++;
}

/* The snapshot of f for an event (kind) at line. A frame's event after a
** line that cannot have changed anything in place, with no event anywhere
** in between and no other thread run, compares variables by identity
** (lineflow.h, lineflow-gil.c); the facts that
** decide it for a line's item reads and FOR_ITER are taken as the line
** starts, here, for the frame's next event. */
static inline __attribute__((always_inline)) int
rec_snap_frame(trec_recorder *r, PyThreadState *ts, struct trec_fentry *e,
               PyFrameObject *f, int full, int line, int kind, int *walked){
  const trec_lineflow *lf = e->ci->flow;
  uint64_t store = 0, inplace = 0, check = 0, cur_check, tail_check, unused;
  uint64_t clock = 0;
  int iter_at = -1, rc;
  /* read before the snapshot: a writer that makes this thread wait lets
  ** others run before the event is over */
  unsigned long gil = r->gil_count!=NULL ? *r->gil_count : 0;
  int prev = full || e->act + 1!=r->activity || r->pausing || e->gil!=gil
           ? TREC_LF_IMPURE
           : trec_lineflow_line(lf, e->line, e->iter_ok, &store, &inplace,
                                &check, &iter_at);
  /* this line as the frame's next event will see it; a return has none
  ** but a generator's resume, which is a full snapshot */
  int cur = TREC_LF_IMPURE;
  cur_check = 0;
  if( kind!=TREC_RETURN )
    cur = trec_lineflow_line(lf, line, 0, &unused, &unused, &cur_check,
                             &iter_at);
  PyObject *it = iter_at>=0 && kind==TREC_LINE
                 && trec_compat_frame_lasti(f)==iter_at
                 ? trec_locals_stack_top(f) : NULL;
  int iter_ok = it!=NULL && trec_lineflow_iter_safe(it);
  if( iter_ok ){
    int tail = trec_lineflow_line(lf, line, 1, &unused, &unused, &tail_check,
                                  &iter_at);
    iter_ok = !(tail & TREC_LF_ITEM)
              || trec_lineflow_item_safe(it, trec_lineflow_item_depth(lf, line));
    if( iter_ok ){
      cur = tail;
      cur_check = tail_check;
    }
  }
  int check_ok = 1;
  if( cur & TREC_LF_IMPURE ) cur_check = 0;   /* nothing to decide */
  for(uint32_t i=0; i<64 && cur_check>>i; i++){
    if( (cur_check>>i & 1)
        && !trec_lineflow_iterable(trec_snap_slot_value(e->ci->layout, f, i)) ){
      check_ok = 0;
      break;
    }
  }
  if( (prev & (TREC_LF_SUBSCR | TREC_LF_IMPURE))==TREC_LF_SUBSCR
      || (cur & (TREC_LF_SUBSCR | TREC_LF_IMPURE))==TREC_LF_SUBSCR )
    clock = trec_lineflow_dict_clock();
  int quick = !(prev & TREC_LF_IMPURE)
    && (!(prev & TREC_LF_SUBSCR) || trec_lineflow_dict_quiet(e->clock, clock))
    && (!(prev & TREC_LF_ITER) || e->iter_ok)
    && (!check || e->check_ok);
  /* a namespace dict whose version did not move holds the objects it held
  ** at the last snapshot, which a quick one would find unchanged: looking
  ** each name up again was most of a module-level loop's cost */
  PyObject *ns = e->ci->is_ns ? trec_locals_namespace(f) : NULL;
  uint64_t ns_version = ns!=NULL && PyDict_CheckExact(ns)
                        ? trec_locals_dict_version(ns) : 0;
  int ns_same = quick && inplace==0 && ns_version!=0 && ns_version==e->ns_version;
  int skip = ns_same && !trec_snap_checking(r->snap);
  if( walked ) *walked = !skip;
  if( skip ){
    rc = TREC_OK;
  }else if( quick ){
    size_t before = r->payload.len;
    rc = trec_snap_frame_quick(r->snap, ts, e->ci->layout, e->shadow, f,
                               store, inplace, &r->payload);
    if( rc==TREC_OK && ns_same && r->payload.len!=before ){
      const char *fn = PyUnicode_AsUTF8(trec_locals_code(f)->co_name);
      char why[160];
      if( fn==NULL ) PyErr_Clear();
      snprintf(why, sizeof why, "snapshot: TRACEREC_FPCHECK: a variable of "
               "%s changed while its namespace's version did not move",
               fn ? fn : "?");
      trec_recorder_fail(r, TREC_ERR_INVALID, "snapshot of a frame", why);
      rc = TREC_ERR_INVALID;
    }
  }else{
    rc = trec_snap_frame(r->snap, ts, e->ci->layout, e->shadow, f, full,
                         &r->payload);
  }
  e->act = r->activity;
  e->gil = gil;
  e->line = line;
  e->clock = (cur & (TREC_LF_SUBSCR | TREC_LF_IMPURE))==TREC_LF_SUBSCR ? clock : 0;
  e->iter_ok = iter_ok;
  e->check_ok = check_ok;
  e->ns_version = ns_version;
  if( rc!=TREC_OK ){
    trec_recorder_fail(r, rc, "snapshot of a frame", trec_snap_errmsg(r->snap));
  }
  return rc;
}

/* rec_snap_frame() for rec_line(), a call: inlined into the line path too,
** it cost line events more than the call saved. The call, return and
** exception paths inline it. */
static int rec_snap_line(trec_recorder *r, PyThreadState *ts,
                         struct trec_fentry *e, PyFrameObject *f, int full,
                         int line, int kind){
  return rec_snap_frame(r, ts, e, f, full, line, kind, NULL);
}

static int rec_new_entry(trec_recorder *r, struct trec_fentry *e,
                         PyFrameObject *f, struct trec_codeinfo *ci){
  e->frame = f;
  e->id = ++r->next_frame;
  e->ci = ci;
  e->code_id = ci->id;
  e->held = NULL;
  e->shadow = NULL;
  e->act = e->clock = 0;
  e->gil = 0;
  e->line = e->iter_ok = e->check_ok = 0;
  e->ns_version = 0;
  if( ci->n_spare>0 ){
    e->shadow = ci->spare[--ci->n_spare];
    return TREC_OK;
  }
  int rc = trec_shadow_new(ci->layout, &e->shadow);
  if( rc!=TREC_OK ){
    trec_recorder_fail(r, rc, "frame shadow", trec_snap_errmsg(r->snap));
  }
  return rc;
}

/* The shadow of an activation that is over, kept for the code's next
** unless it was made for a layout the code no longer has. */
static void rec_shadow_done(struct trec_codeinfo *ci, trec_shadow *sh){
  if( ci->n_spare<TREC_CI_SPARE && trec_shadow_layout(sh)==ci->layout ){
    trec_shadow_reset(sh);
    ci->spare[ci->n_spare++] = sh;
  }else{
    trec_shadow_free(sh);
  }
}

static int rec_push(trec_recorder *r, struct trec_rthread *t,
                    struct trec_fentry *e){
  int rc = trec_fstack_push(&t->stack, e);
  if( rc!=TREC_OK ){
    trec_shadow_free(e->shadow);
    trec_recorder_fail(r, rc, "frame stack", NULL);
  }
  return rc;
}

/* The line library frame e (no line events) is calling f from, so that
** `where` shows it as a traceback would; 0 when not known. */
static int rec_caller_line(struct trec_fentry *e, PyFrameObject *f){
  int lasti = trec_compat_caller_lasti(f, e->frame);
  if( lasti<0 ) return 0;
  struct trec_codeinfo *ci = e->ci;
  /* sets of two, the latest first: a loop calling from two places of one
  ** set keeps both */
  unsigned k = ((unsigned)lasti >> 1) * 0x9e3779b1u >> (32 - TREC_CI_CALL_SETS) << 1;
  if( ci->call_at[k].at==lasti + 1 ) return ci->call_at[k].line;
  if( ci->call_at[k+1].at!=lasti + 1 ){
    ci->call_at[k+1].at = lasti + 1;
    int l = trec_compat_code_line(trec_compat_frame_code(e->frame), &ci->lines,
                                  &ci->lines_ready, lasti);
    ci->call_at[k+1].line = l>0 ? l : 0;
  }
  int line = ci->call_at[k+1].line;
  ci->call_at[k+1] = ci->call_at[k];
  ci->call_at[k].at = lasti + 1;
  ci->call_at[k].line = line;
  return line;
}

static void rec_call(trec_recorder *r, struct trec_rthread *t,
                     PyFrameObject *f, struct trec_codeinfo *ci){
  struct trec_fentry e = { NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0 };
  struct trec_fentry *cur = trec_fstack_top(&t->stack);
  /* a running frame cannot be called again: this is the same call seen
  ** twice (a new thread's Thread.run, by threading's hook and then by a
  ** sys.monitoring callback) */
  if( cur!=NULL && cur->frame==f ) return;
  /* read before the push, which may move cur */
  int caller_line = cur!=NULL && cur->ci->decision!=TREC_DECIDE_FULL
                    ? rec_caller_line(cur, f) : 0;
  if( ci->is_gen ){
    if( trec_compat_gen_fresh(f, ci->first_resume) ){
      trec_fpark_drop(&r->park, f);
    }else{
      trec_fpark_take(&r->park, f, &e);
    }
  }
  if( e.frame==NULL && rec_new_entry(r, &e, f, ci)!=TREC_OK ) return;
  if( rec_push(r, t, &e)!=TREC_OK ) return;
  if( ci->decision==TREC_DECIDE_FULL ){
    trec_compat_frame_set_trace_lines(f, 1);
    if( r->opcodes ) trec_compat_frame_set_trace_opcodes(f, 1);
  }else{
    trec_compat_frame_set_trace_lines(f, 0);
  }
  rec_payload_reset(r);
  struct trec_fentry *top = trec_fstack_top(&t->stack);
  int line = trec_compat_frame_line(f, NULL, NULL);
  if( rec_snap_frame(r, t->tstate, top, f, 1, line, TREC_CALL, NULL)!=TREC_OK )
    return;
  rec_emit(r, t, top, TREC_CALL, line, TREC_NO_OFFSET, rec_now(r), caller_line);
}

/* The entry of f for a non-call event; *full is set when the frame is new
** to the recorder (running since before start()), so its first snapshot is
** complete. NULL on failure or when the frame is not to be recorded. */
static struct trec_fentry *rec_find_below(trec_recorder *r,
                                          struct trec_rthread *t,
                                          PyFrameObject *f,
                                          struct trec_codeinfo *ci, int *full);

static inline struct trec_fentry *rec_find(trec_recorder *r,
                                           struct trec_rthread *t,
                                           PyFrameObject *f,
                                           struct trec_codeinfo *ci, int *full){
  struct trec_fentry *e = trec_fstack_top(&t->stack);
  *full = 0;
  if( e!=NULL && e->frame==f ) return e;
  return rec_find_below(r, t, f, ci, full);
}

/* rec_find() when f is not the top entry: below it, or new. */
static struct trec_fentry *rec_find_below(trec_recorder *r,
                                          struct trec_rthread *t,
                                          PyFrameObject *f,
                                          struct trec_codeinfo *ci, int *full){
  ptrdiff_t i = trec_fstack_find(&t->stack, f);
  if( i>=0 ){
    /* frames above it ended without a return event */
    trec_fstack_cut(&t->stack, (size_t)i + 1);
    return trec_fstack_top(&t->stack);
  }
  if( ci->decision!=TREC_DECIDE_FULL ) return NULL;
  struct trec_fentry ne = { NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0 };
  if( !(ci->is_gen && trec_fpark_take(&r->park, f, &ne)) ){
    if( rec_new_entry(r, &ne, f, ci)!=TREC_OK ) return NULL;
  }
  if( rec_push(r, t, &ne)!=TREC_OK ) return NULL;
  *full = 1;
  return trec_fstack_top(&t->stack);
}

/* Inlined: most events are line events, and as a call of its own its
** prologue, epilogue and arguments were over a third of its cost. */
static inline __attribute__((always_inline)) void
rec_line(trec_recorder *r, struct trec_rthread *t, PyFrameObject *f,
         struct trec_codeinfo *ci, int kind, int line){
  int full;
  struct trec_fentry *e = rec_find(r, t, f, ci, &full);
  if( e==NULL ) return;
  rec_payload_reset(r);
  if( line==TREC_LINE_UNKNOWN )
    line = trec_compat_frame_line(f, &ci->exit_lines, &ci->exit_lines_ready);
  if( rec_snap_line(r, t->tstate, e, f, full, line, kind)!=TREC_OK )
    return;
  rec_emit(r, t, e, kind, line,
           kind==TREC_OPCODE ? trec_compat_frame_lasti(f) : TREC_NO_OFFSET,
           TREC_NO_TS, 0);
}

static void rec_exception(trec_recorder *r, struct trec_rthread *t,
                          PyFrameObject *f, struct trec_codeinfo *ci,
                          PyObject *arg){
  int full;
  struct trec_fentry *e = rec_find(r, t, f, ci, &full);
  if( e==NULL ) return;
  rec_payload_reset(r);
  int line = trec_compat_frame_line(f, &ci->exit_lines, &ci->exit_lines_ready);
  if( rec_snap_frame(r, t->tstate, e, f, full, line, TREC_EXCEPTION, NULL)
      !=TREC_OK ) return;
  /* (type, value, traceback) on every version for a C trace function */
  PyObject *exc = arg;
  if( arg!=NULL && PyTuple_CheckExact(arg) && PyTuple_GET_SIZE(arg)==3 ){
    exc = PyTuple_GET_ITEM(arg, 1);
  }
  trec_payload_key(&r->payload, TREC_PK_EXCEPTION, 0);
  int rc = trec_snap_exception(r->snap, t->tstate, exc ? exc : Py_None,
                              &r->payload);
  rec_entry_done(r);
  if( rc!=TREC_OK ){
    trec_recorder_fail(r, rc, "snapshot of an exception",
                       trec_snap_errmsg(r->snap));
    return;
  }
  rec_emit(r, t, e, TREC_EXCEPTION, line, TREC_NO_OFFSET, rec_now(r), 0);
}

static void rec_return(trec_recorder *r, struct trec_rthread *t,
                       PyFrameObject *f, struct trec_codeinfo *ci,
                       PyObject *arg){
  int full;
  struct trec_fentry *e = rec_find(r, t, f, ci, &full);
  if( e==NULL ) return;
  rec_payload_reset(r);
  int line = trec_compat_frame_line(f, &ci->exit_lines, &ci->exit_lines_ready);
  int walked = 0;
  if( ci->decision==TREC_DECIDE_FULL
      && rec_snap_frame(r, t->tstate, e, f, full, line, TREC_RETURN, &walked)
         !=TREC_OK ) return;
  /* NULL when the frame exits by an exception; sys.settrace shows None.
  ** The value's walk reuses the frame snapshot's when there was one. */
  trec_payload_key(&r->payload, TREC_PK_RETURN, 0);
  int rc = trec_snap_value(r->snap, t->tstate, arg ? arg : Py_None, walked,
                           &r->payload);
  rec_entry_done(r);
  if( rc!=TREC_OK ){
    trec_recorder_fail(r, rc, "snapshot of a return value",
                       trec_snap_errmsg(r->snap));
    return;
  }
  rec_emit(r, t, e, TREC_RETURN, line, TREC_NO_OFFSET, rec_now(r), 0);
  if( r->state!=TREC_REC_RUNNING ) return;
  /* e is the top entry */
  struct trec_fentry done = *e;
  t->stack.len--;
  if( ci->is_gen && trec_compat_gen_suspending(f) ){
    rc = trec_fpark_put(&r->park, &done);
    if( rc!=TREC_OK ){
      trec_shadow_free(done.shadow);
      trec_recorder_fail(r, rc, "parking a generator frame", NULL);
    }
  }else{
    rec_shadow_done(done.ci, done.shadow);
  }
}

/* While a thread's trace function was off (the program's sys.settrace(None)
** or a tracer of its own, a pause) frames on its stack may have ended with
** no return event, and a frame running now may have the address of one of
** them, its code the address of their freed code. Keep, from the
** outermost, the entries whose frame is still on the thread's frame chain,
** in order, running code whose extra slot holds the entry's codeinfo (so
** the codeinfo is alive) under the entry's code id (so it is not a new one
** at the address of the entry's freed one); drop the rest, and tell the
** writer so that the next chunk starts from the stack as it is. A frame
** whose call this is was not running before. Same frame, same code and still running can
** still be a new activation at the old one's address: that costs frame
** identity, never memory. */
static void rec_resync(trec_recorder *r, struct trec_rthread *t,
                       PyFrameObject *f, int what){
  PyFrameObject **chain = NULL;
  size_t n = 0, cap = 0, keep = 0;
  t->resync = 0;
  if( t->stack.len==0 ) return;
  PyFrameObject *x = what==PyTrace_CALL ? PyFrame_GetBack(f) : (Py_INCREF(f), f);
  while( x!=NULL ){
    if( n==cap ){
      size_t nc = cap ? cap*2 : 64;
      PyFrameObject **p = realloc(chain, nc * sizeof *p);
      if( p==NULL ){
        Py_DECREF(x);
        trec_recorder_fail(r, TREC_ERR_NOMEM, "frame stack", NULL);
        goto out;
      }
      chain = p;
      cap = nc;
    }
    chain[n++] = x;
    x = PyFrame_GetBack(x);
  }
  /* chain[n-1] is the outermost frame */
  for(size_t j = n; keep<t->stack.len; keep++, j--){
    const struct trec_fentry *e = &t->stack.e[keep];
    while( j>0 && chain[j-1]!=e->frame ) j--;
    if( j==0 ) break;
    PyCodeObject *co = trec_compat_frame_code(chain[j-1]);
    if( trec_compat_code_extra(co, trec_code_extra_index)!=e->ci
        || e->ci->gen!=r->gen || e->ci->id!=e->code_id ) break;
  }
  if( keep<t->stack.len ){
    trec_fstack_cut(&t->stack, keep);
    int rc = trec_stream_resync(t->stream, keep);
    if( rc!=TREC_OK ){
      trec_recorder_fail(r, rc, "writing the trace", trec_writer_errmsg(r->w));
    }
  }
out:
  for(size_t i=0; i<n; i++) Py_DECREF(chain[i]);
  free(chain);
}

int trec_recorder_event(trec_recorder *r, PyFrameObject *f, int what,
                        PyObject *arg, int line){
  r->activity++;
  if( r->state!=TREC_REC_RUNNING ) return 0;
  if( r->fork_gen!=trec_fork_gen ){
    trec_recorder_forked(r);
    return 0;
  }
  PyCodeObject *co = trec_compat_frame_code(f);
  struct trec_codeinfo *ci = trec_compat_code_extra(co, trec_code_extra_index);
  if( ci==NULL || ci->gen!=r->gen ){
    ci = rec_code_register(r, co, ci);
    if( ci==NULL ) return 0;
  }
  switch( ci->decision ){
  case TREC_DECIDE_FULL:
    break;
  case TREC_DECIDE_CALLS:
    if( what==PyTrace_CALL || what==PyTrace_RETURN ) break;
    if( what==PyTrace_LINE ) trec_compat_frame_set_trace_lines(f, 0);
    return 1;
  default:
    if( what==PyTrace_CALL || what==PyTrace_LINE ){
      trec_compat_frame_set_trace_lines(f, 0);
    }
    return 1;
  }
  if( TREC_COMPAT_FORK_WARNS_LATE && r->unpark ){
    trec_recorder_unpark(r);
    if( r->state!=TREC_REC_RUNNING ) return 0;
  }
  PyThreadState *ts = trec_compat_tstate();
  struct trec_rthread *t = r->cur!=NULL && rec_same(r->cur->tstate,
                                                    r->cur->uid, ts)
                           ? r->cur : rec_thread(r, ts, !rec_booting(r, co));
  if( t==NULL || !t->armed ) return 0;
  if( t->resync ){
    rec_resync(r, t, f, what);
    if( r->state!=TREC_REC_RUNNING ) return 0;
  }
  /* most events are line events: tested before the jump table */
  if( what==PyTrace_LINE ){
    rec_line(r, t, f, ci, TREC_LINE, line);
    return 0;
  }
  switch( what ){
  case PyTrace_CALL:      rec_call(r, t, f, ci); break;
  case PyTrace_RETURN:    rec_return(r, t, f, ci, arg); break;
  case PyTrace_EXCEPTION: rec_exception(r, t, f, ci, arg); break;
  case PyTrace_OPCODE:    rec_line(r, t, f, ci, TREC_OPCODE, line); break;
  default: break;
  }
  return 0;
}

/* ---------------------------------------------------------------------
** Life cycle helpers used by module.c
*/

/* Free every frame entry and forget the threads' stacks (stop, fork). */
void trec_recorder_release_frames(trec_recorder *r){
  for(size_t i=0; i<r->n_threads; i++){
    trec_fstack_release(&r->threads[i]->stack);
  }
  trec_fpark_release(&r->park);
  r->cur = NULL;
}

/* Free the thread table (its streams belong to a writer now gone). */
void trec_recorder_release_threads(trec_recorder *r){
  trec_recorder_release_frames(r);
  for(size_t i=0; i<r->n_threads; i++) rec_thread_forget(r, r->threads[i]);
  free(r->threads);
  r->threads = NULL;
  r->n_threads = r->cap_threads = 0;
  free(r->pre);
  r->pre = NULL;
  r->n_pre = 0;
}

/* First event in a forked child: the parent's writer is not ours to use.
** Recording pauses until after_fork_child() gives a new trace, if ever. */
void trec_recorder_forked(trec_recorder *r){
  trec_writer_abandon(r->w);
  r->w = NULL;
  trec_recorder_release_threads(r);
  r->seq = r->next_frame = r->n_events = r->n_chunks_gone = 0;
  r->n_threads_seen = 0;
  /* the forking thread, the child's only one, is running already */
  r->pre = malloc(sizeof *r->pre);
  if( r->pre!=NULL ){
    r->pre[0].tstate = trec_compat_tstate();
    r->pre[0].uid = trec_compat_tstate_uid(r->pre[0].tstate);
    r->n_pre = 1;
  }
  r->fork_gen = trec_fork_gen;
  r->state = TREC_REC_STOPPED;
}
