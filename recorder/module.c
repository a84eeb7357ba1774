/*
** module.c: the _tracerec extension module: the Recorder type's Python
** methods (the contract in the recorder's design notes: open, set_meta,
** add_source, start, stop, set_thread_names, close, after_fork_child,
** stats), backends(), and module initialisation (the code extra slot and
** the fork handler, both process-wide).
**
** Only one Recorder records at a time: the C trace function of a thread is
** one slot, and the code extra slot carries one recorder generation.
*/
#include "recorder/recorder.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

Py_ssize_t trec_code_extra_index = -1;
volatile unsigned trec_fork_gen;
static uint64_t rec_generation;
static trec_recorder *rec_active;       /* Borrowed: the running recorder */

/* fork() while the writer thread is inside SQLite would leave the child
** with SQLite's global mutexes locked by a thread that does not exist
** there, and after_fork_child() would deadlock opening its new trace (the
** allocator mutex, seen in practice). So the forking thread takes SQLite's
** static mutexes in SQLite's own nesting order before fork() and releases
** them after, in the parent and in the child; the parent's connection
** itself is never used by the child (trec_writer_abandon). */
static const int fork_mutex_ids[] = {
  SQLITE_MUTEX_STATIC_MAIN, SQLITE_MUTEX_STATIC_OPEN,
  SQLITE_MUTEX_STATIC_VFS1, SQLITE_MUTEX_STATIC_VFS2,
  SQLITE_MUTEX_STATIC_VFS3, SQLITE_MUTEX_STATIC_PRNG,
  SQLITE_MUTEX_STATIC_LRU, SQLITE_MUTEX_STATIC_PMEM, SQLITE_MUTEX_STATIC_MEM
};
#define N_FORK_MUTEX (sizeof fork_mutex_ids / sizeof fork_mutex_ids[0])

static void fork_prepare(void){
  for(size_t i=0; i<N_FORK_MUTEX; i++){
    sqlite3_mutex_enter(sqlite3_mutex_alloc(fork_mutex_ids[i]));
  }
}
static void fork_parent(void){
  for(size_t i=N_FORK_MUTEX; i>0; i--){
    sqlite3_mutex_leave(sqlite3_mutex_alloc(fork_mutex_ids[i-1]));
  }
}
static void fork_child(void){
  fork_parent();
  trec_fork_gen++;
}

#if PY_VERSION_HEX >= 0x030C0000
#  define TREC_BACKENDS_TEXT "settrace, monitoring"
#else
#  define TREC_BACKENDS_TEXT "settrace"
#endif

static const char *backend_name(trec_recorder *r){
  return r->backend==TREC_BACKEND_MONITORING ? "monitoring" : "settrace";
}

static int backend_start(trec_recorder *r){
  return r->backend==TREC_BACKEND_MONITORING ? trec_monitoring_start(r)
                                             : trec_settrace_start(r);
}

static void backend_stop_quiet(trec_recorder *r){
  if( r->backend==TREC_BACKEND_MONITORING ) trec_monitoring_stop_quiet(r);
  else trec_settrace_stop_quiet(r);
}

/* ---- option helpers ---- */

static void free_list(char **l){
  for(char **p = l; p && *p; p++) free(*p);
  free(l);
}

/* A sequence of str or os.PathLike as a NULL-ended array of UTF-8 copies. */
static int list_arg(PyObject *seq, const char *what, char ***out){
  PyObject *fast = NULL;
  char **l = NULL;
  *out = NULL;
  if( seq==NULL || seq==Py_None ) return 0;
  fast = PySequence_Fast(seq, what);
  if( fast==NULL ) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
  l = calloc((size_t)n + 1, sizeof *l);
  if( l==NULL ){ PyErr_NoMemory(); goto fail; }
  for(Py_ssize_t i=0; i<n; i++){
    PyObject *p = PyOS_FSPath(PySequence_Fast_GET_ITEM(fast, i));
    if( p==NULL ) goto fail;
    const char *s = PyUnicode_Check(p) ? PyUnicode_AsUTF8(p) : NULL;
    if( s==NULL ){
      if( !PyErr_Occurred() ){
        PyErr_Format(PyExc_TypeError, "%s: expected str items", what);
      }
      Py_DECREF(p);
      goto fail;
    }
    l[i] = strdup(s);
    Py_DECREF(p);
    if( l[i]==NULL ){ PyErr_NoMemory(); goto fail; }
  }
  Py_DECREF(fast);
  *out = l;
  return 0;
fail:
  free_list(l);
  Py_XDECREF(fast);
  return -1;
}

/* ---- Recorder ---- */

/* OSError for a trace the writer could not open, naming path once (most
** of the writer's messages name it already). */
static void writer_open_error(const char *path, trec_writer *w, int rc){
  const char *why = w ? trec_writer_errmsg(w) : trec_strerror(rc);
  if( strstr(why, path) ) PyErr_SetString(PyExc_OSError, why);
  else PyErr_Format(PyExc_OSError, "%s: %s", path, why);
}

/* What the C side knows of how the trace was recorded, in its meta table:
** at open, and again in a forked child's new trace. */
static void rec_meta(trec_recorder *r){
  trec_writer_set_meta(r->w, "python_version", Py_GetVersion());
  trec_writer_set_meta(r->w, "backend", backend_name(r));
  trec_writer_set_meta_int(r->w, "opt_opcodes", r->opcodes);
  trec_writer_set_meta_int(r->w, "opt_trace_all", r->trace_all);
  trec_writer_set_meta_int(r->w, "opt_max_str", r->so.max_str);
  trec_writer_set_meta_int(r->w, "opt_max_items", r->so.max_items);
  trec_writer_set_meta_int(r->w, "opt_max_depth", r->so.max_depth);
  trec_writer_set_meta_int(r->w, "opt_time_resolution_ns", (int64_t)~r->ts_mask + 1);
}

static int Recorder_init(trec_recorder *r, PyObject *args, PyObject *kw){
  static char *kwlist[] = {
    "path", "opcodes", "trace_all", "include", "exclude", "library_paths",
    "skip_paths", "redact", "max_str", "max_items", "max_depth",
    "max_value_bytes", "capture_repr", "backend", "codec", "chunk_events",
    "flush_ms", "quick", "time_resolution", NULL
  };
  PyObject *path = NULL, *include = NULL, *exclude = NULL, *library = NULL;
  PyObject *skip = NULL, *redact = Py_None;
  struct trec_snap_options so = { 256, 32, 3, 65536, 0 };
  const char *backend = "auto", *codec = "lz4";
  unsigned int chunk_events = 16384, flush_ms = 250, time_resolution = 64;
  int rc, quick = 1;
  if( r->state!=TREC_REC_NEW || r->w!=NULL || r->path!=NULL ){
    PyErr_SetString(PyExc_RuntimeError, "Recorder already initialised");
    return -1;
  }
  if( !PyArg_ParseTupleAndKeywords(args, kw, "O&|$ppOOOOOnninpssIIpI", kwlist,
        PyUnicode_FSConverter, &path, &r->opcodes, &r->trace_all, &include,
        &exclude, &library, &skip, &redact, &so.max_str, &so.max_items,
        &so.max_depth, &so.max_value_bytes, &so.capture_repr, &backend,
        &codec, &chunk_events, &flush_ms, &quick, &time_resolution) ){
    return -1;
  }
  r->mon_tool = -1;
  if( strcmp(backend, "auto")==0 || strcmp(backend, "settrace")==0 ){
    r->backend = TREC_BACKEND_SETTRACE;
#if PY_VERSION_HEX >= 0x030C0000
  }else if( strcmp(backend, "monitoring")==0 ){
    r->backend = TREC_BACKEND_MONITORING;
#endif
  }else{
    PyErr_Format(PyExc_ValueError, "backend '%s' is not available (have: %s)",
                 backend, TREC_BACKENDS_TEXT);
    goto fail;
  }
  if( strcmp(codec, "lz4")==0 ) r->wopt.codec = TREC_CODEC_LZ4;
  else if( strcmp(codec, "lz4hc")==0 ) r->wopt.codec = TREC_CODEC_LZ4HC;
  else if( strcmp(codec, "raw")==0 || strcmp(codec, "none")==0 ){
    r->wopt.codec = TREC_CODEC_RAW;
  }else{
    PyErr_Format(PyExc_ValueError, "unknown codec '%s' (lz4, lz4hc, raw)", codec);
    goto fail;
  }
  if( time_resolution==0 || time_resolution>TREC_TIME_RESOLUTION_MAX
   || (time_resolution & (time_resolution-1))!=0 ){
    PyErr_Format(PyExc_ValueError, "time_resolution must be a power of two"
                 " from 1 to %u (ns), not %u", TREC_TIME_RESOLUTION_MAX, time_resolution);
    goto fail;
  }
  r->ts_mask = ~(int64_t)(time_resolution - 1);
  if( so.max_str<0 || so.max_items<0 || so.max_depth<0 || so.max_value_bytes<0 ){
    PyErr_SetString(PyExc_ValueError, "limits must be >= 0");
    goto fail;
  }
  if( list_arg(include, "include", &r->include)<0
   || list_arg(exclude, "exclude", &r->exclude)<0
   || list_arg(library, "library_paths", &r->library)<0
   || list_arg(skip, "skip_paths", &r->skip)<0 ){
    goto fail;
  }
  /* Quick snapshots need every Python function start to reach the trace
  ** function (lineflow.h). sys.monitoring stops calling it for code it
  ** disables, which is excluded code; tracerec's own code runs only when
  ** the program calls it. */
  r->quick = quick && !(r->backend==TREC_BACKEND_MONITORING
                        && r->exclude!=NULL && r->exclude[0]!=NULL);
  /* the escape hatch README documents: same trace, slower */
  const char *env = getenv("TRACEREC_QUICK");
  if( env!=NULL && strcmp(env, "0")==0 ) r->quick = 0;
  /* ...and to know that no other thread ran in between */
  r->gil_count = r->quick ? trec_lineflow_gil_count() : NULL;
  if( r->gil_count==NULL ) r->quick = 0;
  rc = trec_snap_new(&so, redact==Py_None ? NULL : redact, &r->snap);
  if( rc!=TREC_OK ){
    if( !PyErr_Occurred() ){
      PyErr_Format(rc==TREC_ERR_NOMEM ? PyExc_MemoryError : PyExc_ValueError,
                   "redact: %s", trec_strerror(rc));
    }
    goto fail;
  }
  trec_snap_track(r->snap, &r->ends);
  r->sources = PyDict_New();
  r->files = PyDict_New();
  r->path = strdup(PyBytes_AS_STRING(path));
  if( r->sources==NULL || r->files==NULL ) goto fail;
  if( r->path==NULL ){ PyErr_NoMemory(); goto fail; }
  r->wopt.path = r->path;
  r->wopt.level = 9;
  r->wopt.chunk_events = chunk_events;
  r->wopt.flush_ms = flush_ms;
  r->wopt.max_buffered = 64u << 20;
  rc = trec_writer_open(&r->wopt, &r->w);
  if( rc!=TREC_OK ){
    writer_open_error(r->path, r->w, rc);
    trec_writer_close(r->w, NULL);
    r->w = NULL;
    goto fail;
  }
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  r->t0_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  r->gen = ++rec_generation;
  r->fork_gen = trec_fork_gen;
  r->so = so;
  rec_meta(r);
  Py_DECREF(path);
  return 0;
fail:
  Py_XDECREF(path);
  return -1;
}

static void rec_stop(trec_recorder *r){
  if( r->state==TREC_REC_RUNNING ){
    r->state = TREC_REC_STOPPED;
    backend_stop_quiet(r);
  }else if( r->backend==TREC_BACKEND_MONITORING && r->mon_tool>=0 ){
    backend_stop_quiet(r);   /* stopped by a recording error */
  }
  trec_recorder_release_frames(r);
  if( rec_active==r ) rec_active = NULL;
}

static int rec_check_fork(trec_recorder *r){
  if( r->fork_gen!=trec_fork_gen ) trec_recorder_forked(r);
  return r->w!=NULL;
}

static PyObject *Recorder_start(trec_recorder *r, PyObject *Py_UNUSED(a)){
  if( !rec_check_fork(r) || r->state==TREC_REC_CLOSED ){
    PyErr_SetString(PyExc_RuntimeError, "recorder is closed");
    return NULL;
  }
  if( r->state==TREC_REC_RUNNING ) Py_RETURN_NONE;
  if( r->rc!=TREC_OK ){
    PyErr_Format(PyExc_RuntimeError, "recording stopped: %s", r->errmsg);
    return NULL;
  }
  if( rec_active!=NULL && rec_active!=r ){
    PyErr_SetString(PyExc_RuntimeError, "another Recorder is recording");
    return NULL;
  }
  r->state = TREC_REC_RUNNING;
  rec_active = r;
  if( backend_start(r)<0 ){
    r->state = TREC_REC_STOPPED;
    rec_active = NULL;
    return NULL;
  }
  Py_RETURN_NONE;
}

static PyObject *Recorder_stop(trec_recorder *r, PyObject *Py_UNUSED(a)){
  rec_stop(r);
  Py_RETURN_NONE;
}

static PyObject *Recorder_set_meta(trec_recorder *r, PyObject *args){
  const char *key;
  PyObject *value;
  int rc;
  if( !PyArg_ParseTuple(args, "sO", &key, &value) ) return NULL;
  if( !rec_check_fork(r) || r->state==TREC_REC_CLOSED ){
    PyErr_SetString(PyExc_RuntimeError, "recorder is closed");
    return NULL;
  }
  if( PyLong_Check(value) ){
    long long v = PyLong_AsLongLong(value);
    if( v==-1 && PyErr_Occurred() ) return NULL;
    rc = trec_writer_set_meta_int(r->w, key, v);
  }else if( PyUnicode_Check(value) ){
    const char *s = PyUnicode_AsUTF8(value);
    if( s==NULL ) return NULL;
    rc = trec_writer_set_meta(r->w, key, s);
  }else{
    PyErr_SetString(PyExc_TypeError, "set_meta: value must be str or int");
    return NULL;
  }
  if( rc!=TREC_OK ){
    PyErr_Format(PyExc_OSError, "set_meta: %s", trec_writer_errmsg(r->w));
    return NULL;
  }
  Py_RETURN_NONE;
}

static PyObject *Recorder_add_source(trec_recorder *r, PyObject *args){
  PyObject *filename, *text;
  if( !PyArg_ParseTuple(args, "UU", &filename, &text) ) return NULL;
  PyObject *b = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
  if( b==NULL ) return NULL;
  int rc = PyDict_SetItem(r->sources, filename, b);
  Py_DECREF(b);
  if( rc<0 ) return NULL;
  Py_RETURN_NONE;
}

static PyObject *Recorder_pause_thread(trec_recorder *r, PyObject *unused){
  (void)unused;
  trec_thread_pause(r, 1);
  Py_RETURN_NONE;
}

static PyObject *Recorder_resume_thread(trec_recorder *r, PyObject *unused){
  (void)unused;
  trec_thread_pause(r, 0);
  Py_RETURN_NONE;
}

static PyObject *Recorder_set_thread_names(trec_recorder *r, PyObject *names){
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  if( !PyDict_Check(names) ){
    PyErr_SetString(PyExc_TypeError, "set_thread_names: expected a dict");
    return NULL;
  }
  if( !rec_check_fork(r) || r->state==TREC_REC_CLOSED ) Py_RETURN_NONE;
  while( PyDict_Next(names, &pos, &key, &value) ){
    unsigned long ident = PyLong_AsUnsignedLong(key);
    if( ident==(unsigned long)-1 && PyErr_Occurred() ) return NULL;
    const char *name = PyUnicode_AsUTF8(value);
    if( name==NULL ) return NULL;
    /* the latest thread of that ident: earlier ones are dead threads
    ** whose ident was reused, named when they started */
    for(size_t i=r->n_threads; i>0; i--){
      if( r->threads[i-1]->ident!=ident || !r->threads[i-1]->armed ) continue;
      if( trec_writer_set_thread_name(r->w, r->threads[i-1]->id, name)!=TREC_OK ){
        PyErr_Format(PyExc_OSError, "set_thread_names: %s",
                     trec_writer_errmsg(r->w));
        return NULL;
      }
      break;
    }
  }
  Py_RETURN_NONE;
}

/* Stop, close the writer; the message of a recording error (or NULL). */
static int rec_close(trec_recorder *r, int64_t status, int sig,
                     const char *error){
  int rc = TREC_OK;
  rec_stop(r);
  rec_check_fork(r);
  if( r->w!=NULL ){
    struct trec_close_info ci = { status, sig, r->rc!=TREC_OK ? r->errmsg : error };
    if( r->n_off ) trec_writer_set_meta_int(r->w, "tracing_off", r->n_off);
    rc = trec_writer_close(r->w, &ci);
    if( rc!=TREC_OK && r->rc==TREC_OK ){
      r->rc = rc;
      snprintf(r->errmsg, sizeof r->errmsg, "closing the trace: %s",
               trec_strerror(rc));
    }
    r->w = NULL;
  }
  trec_recorder_release_threads(r);
  r->state = TREC_REC_CLOSED;
  return rc;
}

static PyObject *Recorder_close(trec_recorder *r, PyObject *args, PyObject *kw){
  static char *kwlist[] = { "exit_status", "signal", "error", NULL };
  long long status = 0;
  int sig = 0;
  const char *error = NULL;
  if( !PyArg_ParseTupleAndKeywords(args, kw, "|Liz", kwlist, &status, &sig,
                                   &error) ){
    return NULL;
  }
  if( r->state!=TREC_REC_CLOSED ) rec_close(r, status, sig, error);
  if( r->rc!=TREC_OK ) return PyUnicode_FromString(r->errmsg);
  Py_RETURN_NONE;
}

/* Around os.fork() in the parent: the writer thread ends before and starts
** again after, so that the fork sees no thread of tracerec's (see
** trec_writer_park). */
static PyObject *Recorder_park_writer(trec_recorder *r, PyObject *unused){
  (void)unused;
  if( r->w!=NULL && r->fork_gen==trec_fork_gen ) trec_writer_park(r->w);
  Py_RETURN_NONE;
}

/* Where 3.13 counts the threads for its warning (compat.h
** TREC_COMPAT_FORK_WARNS_LATE), the writer starts again at the next event
** recorded (recorder.c), which is after os.fork() has returned. A full
** buffer or close starts it sooner (trec_writer_unpark). */
static PyObject *Recorder_unpark_writer(trec_recorder *r, PyObject *unused){
  (void)unused;
  if( TREC_COMPAT_FORK_WARNS_LATE && r->state==TREC_REC_RUNNING ) r->unpark = 1;
  else trec_recorder_unpark(r);
  Py_RETURN_NONE;
}

static PyObject *Recorder_after_fork_child(trec_recorder *r, PyObject *arg){
  PyObject *path = NULL;
  int rc;
  if( arg!=Py_None && !PyUnicode_FSConverter(arg, &path) ) return NULL;
  int was_running = r->state==TREC_REC_RUNNING;
  if( r->fork_gen!=trec_fork_gen ) trec_recorder_forked(r);
  if( path==NULL || r->state==TREC_REC_CLOSED ){
    /* stop recording cleanly in this process */
    r->state = TREC_REC_STOPPED;
    rec_stop(r);
    trec_recorder_release_threads(r);
    r->state = TREC_REC_CLOSED;
    Py_XDECREF(path);
    Py_RETURN_NONE;
  }
  free(r->path);
  r->path = strdup(PyBytes_AS_STRING(path));
  Py_DECREF(path);
  if( r->path==NULL ) return PyErr_NoMemory();
  r->wopt.path = r->path;
  rc = trec_writer_open(&r->wopt, &r->w);
  if( rc!=TREC_OK ){
    writer_open_error(r->path, r->w, rc);
    trec_writer_close(r->w, NULL);
    r->w = NULL;
    r->state = TREC_REC_CLOSED;
    rec_stop(r);
    return NULL;
  }
  PyDict_Clear(r->files);
  r->n_files = r->n_codes = 0;
  r->rc = TREC_OK;
  r->errmsg[0] = 0;
  r->gen = ++rec_generation;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  r->t0_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  rec_meta(r);
  trec_writer_set_meta_int(r->w, "fork_child", 1);
  /* the trace function is still installed in this (the only) thread */
  if( was_running || rec_active==r ){
    r->state = TREC_REC_RUNNING;
    rec_active = r;
  }else{
    r->state = TREC_REC_STOPPED;
  }
  Py_RETURN_NONE;
}

static PyObject *Recorder_stats(trec_recorder *r, PyObject *Py_UNUSED(a)){
  uint64_t chunks = trec_recorder_chunks(r);
  return Py_BuildValue("{s:K,s:I,s:K,s:s}", "events",
                       (unsigned long long)r->n_events, "threads",
                       (unsigned)r->n_threads_seen, "chunks",
                       (unsigned long long)chunks, "error",
                       r->rc!=TREC_OK ? r->errmsg : NULL);
}

static void Recorder_dealloc(trec_recorder *r){
  if( r->state!=TREC_REC_CLOSED && r->state!=TREC_REC_NEW ){
    rec_close(r, 0, 0, "the recorder was freed without close()");
  }else if( r->w!=NULL ){
    rec_close(r, 0, 0, "the recorder was freed without close()");
  }
  if( rec_active==r ) rec_active = NULL;
  trec_recorder_release_threads(r);
  trec_snap_free(r->snap);
  trec_buf_release(&r->payload);
  trec_buf_release(&r->ends);
  free_list(r->include);
  free_list(r->exclude);
  free_list(r->library);
  free_list(r->skip);
  free(r->path);
  Py_CLEAR(r->sources);
  Py_CLEAR(r->files);
  Py_CLEAR(r->hook);
  Py_CLEAR(r->prev_hook);
  Py_CLEAR(r->boot[0]);
  Py_CLEAR(r->boot[1]);
  Py_CLEAR(r->mon_disable);
  Py_TYPE(r)->tp_free((PyObject *)r);
}

static PyObject *Recorder_wrap_thread_start(trec_recorder *r, PyObject *args){
  const char *name;
  PyObject *fn;
  if( !PyArg_ParseTuple(args, "sO", &name, &fn) ) return NULL;
  return trec_settrace_wrap_start(r, name, fn);
}

static PyMethodDef Recorder_methods[] = {
  { "start", (PyCFunction)Recorder_start, METH_NOARGS,
    "start(): record every thread from now on." },
  { "stop", (PyCFunction)Recorder_stop, METH_NOARGS,
    "stop(): stop recording in every thread (idempotent)." },
  { "set_meta", (PyCFunction)Recorder_set_meta, METH_VARARGS,
    "set_meta(key, value): a str or int in the trace's meta table." },
  { "add_source", (PyCFunction)Recorder_add_source, METH_VARARGS,
    "add_source(filename, text): source of a file not on disk." },
  { "pause_thread", (PyCFunction)Recorder_pause_thread, METH_NOARGS,
    "pause_thread(): stop recording the calling thread; others go on." },
  { "resume_thread", (PyCFunction)Recorder_resume_thread, METH_NOARGS,
    "resume_thread(): record the calling thread again." },
  { "set_thread_names", (PyCFunction)Recorder_set_thread_names, METH_O,
    "set_thread_names({ident: name}): thread names as known at the end." },
  { "close", (PyCFunction)(void (*)(void))Recorder_close,
    METH_VARARGS | METH_KEYWORDS,
    "close(exit_status=0, signal=0, error=None): stop and finalize the "
    "trace; returns the recording error message or None." },
  { "park_writer", (PyCFunction)Recorder_park_writer, METH_NOARGS,
    "park_writer(): end the writer thread for a fork, its work kept queued." },
  { "unpark_writer", (PyCFunction)Recorder_unpark_writer, METH_NOARGS,
    "unpark_writer(): start the writer thread again after park_writer()." },
  { "after_fork_child", (PyCFunction)Recorder_after_fork_child, METH_O,
    "after_fork_child(path_or_None): in a forked child, leave the parent's "
    "trace alone and record into a new trace at path (or stop)." },
  { "wrap_thread_start", (PyCFunction)Recorder_wrap_thread_start, METH_VARARGS,
    "wrap_thread_start(name, fn): _thread's fn, giving the thread it starts "
    "the trace function at once." },
  { "stats", (PyCFunction)Recorder_stats, METH_NOARGS,
    "stats() -> {'events', 'threads', 'chunks', 'error'}" },
  { NULL, NULL, 0, NULL }
};

PyTypeObject trec_recorder_type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "_tracerec.Recorder",
  .tp_basicsize = sizeof(trec_recorder),
  .tp_dealloc = (destructor)Recorder_dealloc,
  .tp_call = trec_settrace_call,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "Recorder(path, **options): records this process into a trace.",
  .tp_methods = Recorder_methods,
  .tp_init = (initproc)Recorder_init,
  .tp_new = PyType_GenericNew,
};

/* ---- module ---- */

static PyObject *mod_backends(PyObject *Py_UNUSED(m), PyObject *Py_UNUSED(a)){
#if PY_VERSION_HEX >= 0x030C0000
  return Py_BuildValue("(ss)", "settrace", "monitoring");
#else
  return Py_BuildValue("(s)", "settrace");
#endif
}

/* The runner's frames stay alive and running under the call, only out of
** the program's sight: tracebacks, inspect.stack(), sys._getframe(n),
** warnings' stacklevel and a thread's frame in sys._current_frames() see
** what they see under python. The chain is joined again however the call
** ends, before any of the caller's code runs. */
static PyObject *mod_call_as_main(PyObject *Py_UNUSED(m), PyObject *args){
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  if( n<1 ){
    PyErr_SetString(PyExc_TypeError, "call_as_main() needs a callable");
    return NULL;
  }
  PyObject *rest = PyTuple_GetSlice(args, 1, n);
  if( rest==NULL ) return NULL;
  PyThreadState *ts = PyThreadState_Get();
  void *under = trec_compat_frames_cut(ts);
  PyObject *res = PyObject_Call(PyTuple_GET_ITEM(args, 0), rest, NULL);
  trec_compat_frames_join(ts, under);
  Py_DECREF(rest);
  return res;
}

static PyMethodDef module_methods[] = {
  { "backends", mod_backends, METH_NOARGS,
    "backends() -> the recording backends this build offers." },
  { "call_as_main", mod_call_as_main, METH_VARARGS,
    "call_as_main(fn, *args): fn(*args) with no frame under the frames it "
    "runs, as python's main runs a program." },
  { NULL, NULL, 0, NULL }
};

static struct PyModuleDef tracerec_module = {
  PyModuleDef_HEAD_INIT, "_tracerec", "tracerec's recorder", -1,
  module_methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__tracerec(void);
PyMODINIT_FUNC PyInit__tracerec(void){
  static int fork_handler;
  PyObject *m = NULL;
  if( trec_code_extra_index<0 ){
    trec_code_extra_index = trec_compat_request_code_extra(trec_codeinfo_free);
    if( trec_code_extra_index<0 ){
      PyErr_SetString(PyExc_RuntimeError, "no code extra slot left");
      return NULL;
    }
  }
  if( !fork_handler ){
    if( sqlite3_initialize()!=SQLITE_OK
     || pthread_atfork(fork_prepare, fork_parent, fork_child)!=0 ){
      PyErr_SetString(PyExc_RuntimeError, "pthread_atfork failed");
      return NULL;
    }
    fork_handler = 1;
  }
  if( trec_lineflow_init()<0 ) return NULL;
  if( PyType_Ready(&trec_recorder_type)<0 ) return NULL;
  m = PyModule_Create(&tracerec_module);
  if( m==NULL ) return NULL;
  if( PyModule_AddFunctions(m, trec_snap_debug_methods)<0 ) goto fail;
  Py_INCREF(&trec_recorder_type);
  if( PyModule_AddObject(m, "Recorder", (PyObject *)&trec_recorder_type)<0 ){
    Py_DECREF(&trec_recorder_type);
    goto fail;
  }
  return m;
fail:
  Py_DECREF(m);
  return NULL;
}
