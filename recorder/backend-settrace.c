/*
** backend-settrace.c: the PyEval_SetTrace backend. Installs the recorder's
** C trace function in every thread that exists at start() and, through
** threading.settrace(), in every thread that threading starts later; stop()
** removes both. The per-thread `obj` is the recorder itself in every thread
** (3.12+ can only set one obj for all threads, compat.h), so recorder.c
** finds per-thread state from the thread state.
**
** threading.settrace(hook) makes each new thread call sys.settrace(hook)
** before run(); sys.settrace then calls hook(frame, "call", None) for the
** first call (Thread.run). The hook is a C function: it replaces sys's
** Python-level trampoline with the C trace function for this thread, hands
** it that first call event, and returns None. Threads that threading does
** not start (_thread.start_new_thread, C code) get the trace function at
** the next event of any thread after their thread state appears
** (settrace_adopt).
**
** Also shared with backend-monitoring.c: the name of a thread, written when
** the recorder first sees the thread (so that a trace cut short names its
** threads), and the pause of one thread (Recorder.pause_thread), which the
** runner asks for when the program's own code is over.
*/
#include "recorder/recorder.h"
#include <stdlib.h>
#include <string.h>

/* The name threading gave the calling thread: Thread._name (the plain
** attribute Thread.__init__ sets; a subclass may override the `name`
** property), found in threading._active. No Python code runs and nothing is
** imported: current_thread() would make a _DummyThread for a thread
** threading does not know, and the program sees those. A malloc'd copy, or
** NULL for a thread threading does not know (yet). */
static char *thread_name(void){
  PyObject *et, *ev, *etb;
  char *s = NULL;
  PyErr_Fetch(&et, &ev, &etb);
  PyObject *modname = PyUnicode_FromString("threading");
  PyObject *threading = modname ? PyImport_GetModule(modname) : NULL;
  PyObject *active = threading ? PyObject_GetAttrString(threading, "_active")
                               : NULL;
  PyObject *ident = PyLong_FromUnsignedLong(PyThread_get_thread_ident());
  PyObject *t = active && ident && PyDict_Check(active)
                ? PyDict_GetItemWithError(active, ident) : NULL;   /* Borrowed */
  PyObject *key = t ? PyUnicode_InternFromString("_name") : NULL;
  PyObject *name = key ? PyObject_GenericGetAttr(t, key) : NULL;
  const char *u = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
  if( u!=NULL ) s = strdup(u);
  Py_XDECREF(name);
  Py_XDECREF(key);
  Py_XDECREF(ident);
  Py_XDECREF(active);
  Py_XDECREF(threading);
  Py_XDECREF(modname);
  PyErr_Clear();
  PyErr_Restore(et, ev, etb);
  return s;
}

void trec_thread_name_new(trec_recorder *r, uint32_t seen){
  if( r->n_threads_seen==seen ) return;
  for(size_t i=r->n_threads; i>0; i--){
    struct trec_rthread *t = r->threads[i-1];
    if( t->id!=r->n_threads_seen ) continue;
    char *name = thread_name();
    if( name!=NULL && r->w!=NULL ){
      int rc = trec_writer_set_thread_name(r->w, t->id, name);
      if( rc!=TREC_OK ){
        trec_recorder_fail(r, rc, "naming a thread", trec_writer_errmsg(r->w));
      }
    }
    free(name);
    return;
  }
}

int trec_thread_note_running(trec_recorder *r){
  PyInterpreterState *interp = PyThreadState_Get()->interp;
  r->interp = interp;
  free(r->pre);
  r->pre = NULL;
  r->n_pre = 0;
  r->ts_seen = 0;
  for(PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts!=NULL;
      ts = PyThreadState_Next(ts)){
    struct trec_prethread *np = realloc(r->pre, (r->n_pre+1) * sizeof *np);
    if( np==NULL ){
      PyErr_NoMemory();
      return -1;
    }
    uint64_t uid = trec_compat_tstate_uid(ts);
    r->pre = np;
    r->pre[r->n_pre].tstate = ts;
    r->pre[r->n_pre++].uid = uid;
    if( uid>r->ts_seen ) r->ts_seen = uid;
  }
  return 0;
}

static int settrace_trace(PyObject *obj, PyFrameObject *f, int what,
                          PyObject *arg);

/* Give the trace function to threads started since the last look. A new
** thread state goes to the head of the interpreter's list, with a larger
** uid than any before, in the thread that starts it, before the new thread
** runs any Python code: so one compare per event finds it, and the thread
** is traced from its first frame. Setting it runs no code of the program
** (compat-tracefunc.c), so no thread can end meanwhile. */
static void settrace_adopt(trec_recorder *r){
  PyThreadState *head = PyInterpreterState_ThreadHead(r->interp);
  if( head==NULL || trec_compat_tstate_uid(head)<=r->ts_seen ) return;
  trec_compat_settrace_newer(head, r->ts_seen, settrace_trace, (PyObject *)r);
  r->ts_seen = trec_compat_tstate_uid(head);
}

/* _thread's functions that start a thread, wrapped while recording
** (tracerec/_session.py). threading's threads are armed by its hook, and
** other threads at the next event of a traced thread; but a thread started
** through _thread directly could run to its end before that event, if
** its starter, say, waits for it in library code, which has no line
** events. The new thread state is made by the thread that starts it, which
** holds the GIL the new thread waits for, so adopting it as the call
** returns gives it the trace function before its first frame. A wrapper's
** self is (recorder, the wrapped function). */
static PyMethodDef thread_start_defs[] = {
  { "start_new_thread", NULL, METH_VARARGS | METH_KEYWORDS, NULL },
  { "start_new", NULL, METH_VARARGS | METH_KEYWORDS, NULL },
  { "start_joinable_thread", NULL, METH_VARARGS | METH_KEYWORDS, NULL },
};

static PyObject *thread_start(PyObject *self, PyObject *args, PyObject *kw){
  trec_recorder *r = (trec_recorder *)PyTuple_GET_ITEM(self, 0);
  PyObject *res = PyObject_Call(PyTuple_GET_ITEM(self, 1), args, kw);
  if( res!=NULL && r->state==TREC_REC_RUNNING ) settrace_adopt(r);
  return res;
}

PyObject *trec_settrace_wrap_start(trec_recorder *r, const char *name,
                                   PyObject *fn){
  PyMethodDef *def = NULL;
  for(size_t i=0; i<sizeof thread_start_defs / sizeof *thread_start_defs; i++){
    if( strcmp(thread_start_defs[i].ml_name, name)==0 ) def = &thread_start_defs[i];
  }
  if( def==NULL ){
    PyErr_Format(PyExc_ValueError, "not a function of _thread that starts a thread: %s",
                 name);
    return NULL;
  }
  if( r->backend!=TREC_BACKEND_SETTRACE ){
    Py_INCREF(fn);
    return fn;
  }
  if( def->ml_meth==NULL ){
    /* the wrapped function's doc, kept for the process's life as a
    ** PyMethodDef's must be */
    PyObject *doc = PyObject_GetAttrString(fn, "__doc__");
    const char *u = doc && PyUnicode_Check(doc) ? PyUnicode_AsUTF8(doc) : NULL;
    def->ml_doc = u ? strdup(u) : NULL;
    Py_XDECREF(doc);
    PyErr_Clear();
    def->ml_meth = (PyCFunction)(void (*)(void))thread_start;
  }
  PyObject *self = PyTuple_Pack(2, (PyObject *)r, fn);
  PyObject *module = self ? PyUnicode_FromString("_thread") : NULL;
  PyObject *w = module ? PyCFunction_NewEx(def, self, module) : NULL;
  Py_XDECREF(module);
  Py_XDECREF(self);
  return w;
}

/* The C trace function: recorder.c's event path, then the name of a
** thread seen for the first time. */
static int settrace_trace(PyObject *obj, PyFrameObject *f, int what,
                          PyObject *arg){
  trec_recorder *r = (trec_recorder *)obj;
  uint32_t seen = r->n_threads_seen;
  trec_recorder_event(r, f, what, arg, TREC_LINE_UNKNOWN);
  trec_thread_name_new(r, seen);
  if( r->state==TREC_REC_RUNNING ) settrace_adopt(r);
  return 0;
}

/* A program (a test framework, a debugger) that sets a trace function of
** its own for a while puts back what sys.gettrace() gave it, the recorder,
** with sys.settrace(): sys then calls the recorder as a Python trace
** function, through its trampoline. The event takes the C function's way,
** and at a call event the C function is installed again: a new trace
** function takes effect at a call (the frame's own later events follow its
** f_trace), so installing it at another event would undo the settrace
** before sys ever used it. Until that call, events of frames that were
** running when it happened are not seen: sys gives them to their f_trace,
** which the C function never set. */
PyObject *trec_settrace_call(PyObject *self, PyObject *args, PyObject *kw){
  static const char *const events[] = {
    "call", "exception", "line", "return", "c_call", "c_exception",
    "c_return", "opcode"   /* PyTrace_CALL (0) .. PyTrace_OPCODE (7) */
  };
  trec_recorder *r = (trec_recorder *)self;
  PyObject *frame, *event, *arg;
  int what = -1;
  if( kw!=NULL && PyDict_GET_SIZE(kw)>0 ){
    PyErr_SetString(PyExc_TypeError, "Recorder() takes no keyword arguments");
    return NULL;
  }
  if( !PyArg_ParseTuple(args, "O!UO", &PyFrame_Type, &frame, &event, &arg) ) return NULL;
  for(int i=0; i<(int)(sizeof events / sizeof events[0]); i++){
    if( PyUnicode_CompareWithASCIIString(event, events[i])==0 ) what = i;
  }
  if( what<0 ){
    PyErr_Format(PyExc_ValueError, "not a trace event: %R", event);
    return NULL;
  }
  if( r->state!=TREC_REC_RUNNING || r->backend!=TREC_BACKEND_SETTRACE ) Py_RETURN_NONE;
  trec_recorder_thread_resync(r);
  settrace_trace(self, (PyFrameObject *)frame, what, arg);
  if( what==PyTrace_CALL && r->state==TREC_REC_RUNNING ){
    PyEval_SetTrace(settrace_trace, self);
    r->n_off++;
  }
  Py_INCREF(self);
  return self;
}

/* Under PyEval_SetTrace the thread's own trace function goes, under
** sys.monitoring (one set of callbacks for every thread) the callbacks pass
** over it. Its thread id and entry stay, so events after a resume belong to
** the same thread. A paused thread runs code no event reports, so quick
** snapshots (lineflow.h) are off while one is. */
void trec_thread_pause(trec_recorder *r, int pause){
  if( r->state!=TREC_REC_RUNNING ) return;
  r->pausing = pause;
  if( r->backend==TREC_BACKEND_SETTRACE ){
    if( pause ){
      if( trec_compat_tstate()->c_tracefunc!=settrace_trace ) r->n_off++;
      PyEval_SetTrace(NULL, NULL);
    }else{
      PyEval_SetTrace(settrace_trace, (PyObject *)r);
    }
  }else{
    r->paused_uid = pause ? trec_compat_tstate_uid(trec_compat_tstate()) : 0;
  }
  if( !pause ) trec_recorder_thread_resync(r);
}

/* The threading hook. */
static PyObject *settrace_hook(PyObject *self, PyObject *args){
  trec_recorder *r = (trec_recorder *)self;
  PyObject *frame, *event, *arg;
  if( !PyArg_ParseTuple(args, "OUO", &frame, &event, &arg) ) return NULL;
  if( r->state!=TREC_REC_RUNNING ){
    PyEval_SetTrace(NULL, NULL);
    Py_RETURN_NONE;
  }
  char *name = thread_name();
  trec_recorder_thread_started(r, name);
  free(name);
  /* sys.monitoring needs no per-thread trace function: drop sys's */
  if( r->backend==TREC_BACKEND_SETTRACE ){
    PyEval_SetTrace(settrace_trace, self);
  }else{
    PyEval_SetTrace(NULL, NULL);
  }
  if( PyFrame_Check(frame) && PyUnicode_CompareWithASCIIString(event, "call")==0 ){
    trec_recorder_event(r, (PyFrameObject *)frame, PyTrace_CALL, Py_None,
                        TREC_LINE_UNKNOWN);
  }
  Py_RETURN_NONE;
}

static PyMethodDef settrace_hook_def = {
  "_tracerec_thread_hook", settrace_hook, METH_VARARGS,
  "threading.settrace hook: record this new thread with the C tracer."
};

/* The code of threading.Thread's method `name`, or NULL (a threading
** without it: its threads are then recorded from their first frame). */
static PyObject *thread_method_code(PyObject *threading, const char *name){
  PyObject *cls = PyObject_GetAttrString(threading, "Thread");
  PyObject *fn = cls ? PyObject_GetAttrString(cls, name) : NULL;
  PyObject *code = fn ? PyObject_GetAttrString(fn, "__code__") : NULL;
  Py_XDECREF(fn);
  Py_XDECREF(cls);
  if( code!=NULL && !PyCode_Check(code) ) Py_CLEAR(code);
  PyErr_Clear();
  return code;
}

/* threading.settrace(hook) and remember threading's previous hook and the
** code its threads run before the hook (recorder.c rec_booting). */
static int set_threading_hook(trec_recorder *r, PyObject *hook, int save){
  PyObject *threading = PyImport_ImportModule("threading");
  PyObject *res = NULL;
  int rc = -1;
  if( threading==NULL ) goto out;
  if( save ){
    Py_CLEAR(r->prev_hook);
    r->prev_hook = PyObject_GetAttrString(threading, "_trace_hook");
    if( r->prev_hook==NULL ) goto out;
    Py_XSETREF(r->boot[0], thread_method_code(threading, "_bootstrap"));
    Py_XSETREF(r->boot[1], thread_method_code(threading, "_bootstrap_inner"));
  }
  res = PyObject_CallMethod(threading, "settrace", "O", hook);
  if( res==NULL ) goto out;
  rc = 0;
out:
  Py_XDECREF(res);
  Py_XDECREF(threading);
  return rc;
}

int trec_thread_hook_install(trec_recorder *r){
  if( r->hook==NULL ){
    r->hook = PyCFunction_New(&settrace_hook_def, (PyObject *)r);
    if( r->hook==NULL ) return -1;
  }
  if( set_threading_hook(r, r->hook, 1)<0 ) return -1;
  r->hook_set = 1;
  return 0;
}

int trec_settrace_start(trec_recorder *r){
  if( trec_thread_note_running(r)<0 ) return -1;
  if( trec_thread_hook_install(r)<0 ) return -1;
  if( r->opcodes ) trec_compat_prepare_opcodes();
  if( trec_compat_settrace_all(settrace_trace, (PyObject *)r)<0 ){
    trec_settrace_stop_quiet(r);
    return -1;
  }
  return 0;
}

/* Recorded threads whose trace function the program took away and never
** gave back (a paused thread's was taken by the recorder): those still
** running, and those that ended so (trec_recorder_reap). Not after a
** recording error, which may come from within a reap. */
static void settrace_count_off(trec_recorder *r){
  PyThreadState *me = trec_compat_tstate();
  /* after the reap every entry's thread state is alive */
  if( r->rc!=TREC_OK || trec_recorder_reap(r)<0 ) return;
  for(size_t i=0; i<r->n_threads; i++){
    const struct trec_rthread *t = r->threads[i];
    if( !t->armed || t->tstate->c_tracefunc==settrace_trace ) continue;
    if( t->tstate==me && r->pausing ) continue;
    r->n_off++;
  }
}

int trec_settrace_stop(trec_recorder *r){
  if( r->interp!=NULL ) settrace_count_off(r);
  int rc = trec_compat_settrace_clear(settrace_trace, (PyObject *)r);
  if( trec_thread_hook_remove(r)<0 ) rc = -1;
  return rc;
}

int trec_thread_hook_remove(trec_recorder *r){
  int rc = 0;
  if( r->hook_set ){
    PyObject *threading = PyImport_ImportModule("threading");
    PyObject *cur = threading ? PyObject_GetAttrString(threading, "_trace_hook")
                              : NULL;
    /* restore threading's hook only if nobody replaced ours meanwhile */
    if( cur==r->hook ){
      if( set_threading_hook(r, r->prev_hook ? r->prev_hook : Py_None, 0)<0 ){
        rc = -1;
      }
    }else if( cur==NULL ){
      rc = -1;
    }
    Py_XDECREF(cur);
    Py_XDECREF(threading);
    r->hook_set = 0;
    Py_CLEAR(r->prev_hook);
  }
  /* the hook references the recorder: drop it so no cycle outlives start */
  Py_CLEAR(r->hook);
  return rc;
}

void trec_settrace_stop_quiet(trec_recorder *r){
  PyObject *et, *ev, *etb;
  PyErr_Fetch(&et, &ev, &etb);
  if( trec_settrace_stop(r)<0 ) PyErr_Clear();
  PyErr_Restore(et, ev, etb);
}
