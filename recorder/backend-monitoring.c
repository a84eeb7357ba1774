/*
** backend-monitoring.c: the sys.monitoring backend (PEP 669, 3.12+). It
** registers C callbacks for the events that CPython's own legacy tracing
** layer (Python/legacy_tracing.c) turns into sys.settrace events, and maps
** them the same way, so that both backends record the same events:
**   PY_START, PY_RESUME, PY_THROW   -> call
**   PY_RETURN, PY_YIELD             -> return (the value)
**   PY_UNWIND                       -> return (None)
**   RAISE, STOP_ITERATION           -> exception
**   LINE; JUMP backwards to the same line -> line
**   INSTRUCTION (opcodes=True)      -> opcode
** What it saves over PyEval_SetTrace: the legacy layer's dispatch, and
** every event of code that is not recorded, because a callback returns
** sys.monitoring.DISABLE for that code location (library lines, tracerec's
** own code) and CPython stops calling it there. Monitoring reaches every
** thread by itself; threads started after start() are recorded from
** Thread.run on, as threading.settrace() gives them to sys.settrace.
**
** One known difference: with opcodes=True, 3.13's legacy layer turns opcode
** events on for a code object only at a traced frame's first non-line
** event, so sys.settrace (and the settrace backend) miss the first
** activation's early opcodes; this backend reports them all.
*/
#include "recorder/recorder.h"
#include <stdlib.h>

#if PY_VERSION_HEX >= 0x030C0000

enum { M_PY_START, M_PY_RESUME, M_PY_THROW, M_PY_RETURN, M_PY_YIELD,
       M_PY_UNWIND, M_RAISE, M_STOP_ITERATION, M_LINE, M_JUMP, M_INSTRUCTION,
       M_N };

static const char *const mon_event_names[M_N] = {
  "PY_START", "PY_RESUME", "PY_THROW", "PY_RETURN", "PY_YIELD", "PY_UNWIND",
  "RAISE", "STOP_ITERATION", "LINE", "JUMP", "INSTRUCTION"
};

/* The tool ids tried, least likely to be taken by a debugger (0), coverage
** (1) or a profiler (2) first. */
static const int mon_tool_ids[] = { 4, 3, 2, 1, 0 };

static PyObject *mon_result(trec_recorder *r, int ignored, int disablable){
  if( ignored && disablable && r->mon_disable!=NULL ){
    return Py_NewRef(r->mon_disable);
  }
  Py_RETURN_NONE;
}

/* Common body: the current frame is the one the event belongs to. */
static PyObject *mon_event(PyObject *self, int what, PyObject *arg, int line,
                           int disablable){
  trec_recorder *r = (trec_recorder *)self;
  PyFrameObject *f = PyEval_GetFrame();
  if( f==NULL || r->state!=TREC_REC_RUNNING ) Py_RETURN_NONE;
  /* not DISABLE: that would silence the location in every thread */
  if( r->paused_uid!=0
      && trec_compat_tstate_uid(trec_compat_tstate())==r->paused_uid ){
    Py_RETURN_NONE;
  }
  uint32_t seen = r->n_threads_seen;
  int ignored = trec_recorder_event(r, f, what, arg, line);
  trec_thread_name_new(r, seen);
  return mon_result(r, ignored, disablable);
}

static PyObject *mon_start(PyObject *self, PyObject *const *a, Py_ssize_t n){
  return mon_event(self, PyTrace_CALL, Py_None, TREC_LINE_UNKNOWN, 1);
}
static PyObject *mon_throw(PyObject *self, PyObject *const *a, Py_ssize_t n){
  return mon_event(self, PyTrace_CALL, Py_None, TREC_LINE_UNKNOWN, 0);
}
static PyObject *mon_return(PyObject *self, PyObject *const *a, Py_ssize_t n){
  return mon_event(self, PyTrace_RETURN, n>=3 ? a[2] : Py_None,
                   TREC_LINE_UNKNOWN, 1);
}
static PyObject *mon_unwind(PyObject *self, PyObject *const *a, Py_ssize_t n){
  return mon_event(self, PyTrace_RETURN, NULL, TREC_LINE_UNKNOWN, 0);
}
static PyObject *mon_raise(PyObject *self, PyObject *const *a, Py_ssize_t n){
  return mon_event(self, PyTrace_EXCEPTION, n>=3 ? a[2] : Py_None,
                   TREC_LINE_UNKNOWN, 0);
}
static PyObject *mon_line(PyObject *self, PyObject *const *a, Py_ssize_t n){
  long line = n>=2 ? PyLong_AsLong(a[1]) : -1;
  if( line<0 || line>INT32_MAX ){
    PyErr_Clear();
    Py_RETURN_NONE;
  }
  return mon_event(self, PyTrace_LINE, Py_None, (int)line, 1);
}
/* sys.settrace reports a backward jump to the same line as a line event;
** every other jump never is one, so its location is disabled at once
** (legacy_tracing.c sys_trace_jump_func). */
static PyObject *mon_jump(PyObject *self, PyObject *const *a, Py_ssize_t n){
  trec_recorder *r = (trec_recorder *)self;
  if( n<3 || !PyCode_Check(a[0]) ) Py_RETURN_NONE;
  long from = PyLong_AsLong(a[1]), to = PyLong_AsLong(a[2]);
  if( PyErr_Occurred() ){
    PyErr_Clear();
    Py_RETURN_NONE;
  }
  if( to > from ) return mon_result(r, 1, 1);
  PyCodeObject *co = (PyCodeObject *)a[0];
  int to_line = PyCode_Addr2Line(co, (int)to);
  if( to_line!=PyCode_Addr2Line(co, (int)from) ) return mon_result(r, 1, 1);
  if( to_line<0 ) Py_RETURN_NONE;
  return mon_event(self, PyTrace_LINE, Py_None, to_line, 1);
}
static PyObject *mon_instruction(PyObject *self, PyObject *const *a,
                                 Py_ssize_t n){
  return mon_event(self, PyTrace_OPCODE, Py_None, TREC_LINE_UNKNOWN, 1);
}

#define MON_DEF(name, fn) \
  { name, (PyCFunction)(void (*)(void))fn, METH_FASTCALL, NULL }
static PyMethodDef mon_defs[M_N] = {
  MON_DEF("PY_START", mon_start), MON_DEF("PY_RESUME", mon_start),
  MON_DEF("PY_THROW", mon_throw), MON_DEF("PY_RETURN", mon_return),
  MON_DEF("PY_YIELD", mon_return), MON_DEF("PY_UNWIND", mon_unwind),
  MON_DEF("RAISE", mon_raise), MON_DEF("STOP_ITERATION", mon_raise),
  MON_DEF("LINE", mon_line), MON_DEF("JUMP", mon_jump),
  MON_DEF("INSTRUCTION", mon_instruction)
};

static PyObject *mon_module(void){
  PyObject *sys = PyImport_ImportModule("sys");
  PyObject *mon = sys ? PyObject_GetAttrString(sys, "monitoring") : NULL;
  Py_XDECREF(sys);
  return mon;
}

int trec_monitoring_start(trec_recorder *r){
  PyObject *mon = mon_module(), *events = NULL, *res = NULL;
  int rc = -1;
  unsigned long mask = 0;
  if( mon==NULL ) return -1;
  r->mon_tool = -1;
  r->paused_uid = 0;
  /* threads running now are recorded at once; later ones from their
  ** first frame, or threading's from Thread.run */
  if( trec_thread_note_running(r)<0 ) goto out;
  if( trec_thread_hook_install(r)<0 ) goto out;
  for(size_t i=0; i<sizeof mon_tool_ids/sizeof mon_tool_ids[0]; i++){
    res = PyObject_CallMethod(mon, "get_tool", "i", mon_tool_ids[i]);
    if( res==NULL ) goto out;
    int free_id = res==Py_None;
    Py_CLEAR(res);
    if( free_id ){
      r->mon_tool = mon_tool_ids[i];
      break;
    }
  }
  if( r->mon_tool<0 ){
    PyErr_SetString(PyExc_RuntimeError,
                    "sys.monitoring: no free tool id for tracerec");
    goto out;
  }
  res = PyObject_CallMethod(mon, "use_tool_id", "is", r->mon_tool, "tracerec");
  if( res==NULL ){
    r->mon_tool = -1;
    goto out;
  }
  Py_CLEAR(res);
  Py_XSETREF(r->mon_disable, PyObject_GetAttrString(mon, "DISABLE"));
  events = PyObject_GetAttrString(mon, "events");
  if( r->mon_disable==NULL || events==NULL ) goto out;
  /* locations another recording disabled must report again */
  res = PyObject_CallMethod(mon, "restart_events", NULL);
  if( res==NULL ) goto out;
  Py_CLEAR(res);
  for(int i=0; i<M_N; i++){
    if( i==M_INSTRUCTION && !r->opcodes ) continue;
    PyObject *ev = PyObject_GetAttrString(events, mon_event_names[i]);
    if( ev==NULL ) goto out;
    unsigned long bit = PyLong_AsUnsignedLong(ev);
    Py_DECREF(ev);
    if( PyErr_Occurred() ) goto out;
    PyObject *fn = PyCFunction_New(&mon_defs[i], (PyObject *)r);
    if( fn==NULL ) goto out;
    res = PyObject_CallMethod(mon, "register_callback", "ikO", r->mon_tool,
                              bit, fn);
    Py_DECREF(fn);
    if( res==NULL ) goto out;
    Py_CLEAR(res);
    r->mon_events[i] = bit;
    mask |= bit;
  }
  res = PyObject_CallMethod(mon, "set_events", "ik", r->mon_tool, mask);
  if( res==NULL ) goto out;
  rc = 0;
out:
  Py_XDECREF(res);
  Py_XDECREF(events);
  Py_DECREF(mon);
  if( rc<0 ){
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    if( r->mon_tool>=0 ) trec_monitoring_stop(r);
    else trec_thread_hook_remove(r);
    PyErr_Clear();
    PyErr_Restore(et, ev, etb);
  }
  return rc;
}

int trec_monitoring_stop(trec_recorder *r){
  PyObject *mon, *res;
  int rc = 0;
  if( r->mon_tool<0 ) return 0;
  mon = mon_module();
  if( mon==NULL ) return -1;
  res = PyObject_CallMethod(mon, "set_events", "ii", r->mon_tool, 0);
  if( res==NULL ) rc = -1;
  Py_XDECREF(res);
  for(int i=0; i<M_N; i++){
    if( r->mon_events[i]==0 ) continue;
    /* the callbacks reference the recorder: unregister them */
    res = PyObject_CallMethod(mon, "register_callback", "ikO", r->mon_tool,
                              r->mon_events[i], Py_None);
    if( res==NULL ) rc = -1;
    Py_XDECREF(res);
    r->mon_events[i] = 0;
  }
  res = PyObject_CallMethod(mon, "free_tool_id", "i", r->mon_tool);
  if( res==NULL ) rc = -1;
  Py_XDECREF(res);
  Py_DECREF(mon);
  r->mon_tool = -1;
  if( trec_thread_hook_remove(r)<0 ) rc = -1;
  return rc;
}

#else  /* before 3.12 there is no sys.monitoring */

int trec_monitoring_start(trec_recorder *r){
  (void)r;
  PyErr_SetString(PyExc_ValueError, "sys.monitoring needs Python 3.12+");
  return -1;
}
int trec_monitoring_stop(trec_recorder *r){
  (void)r;
  return 0;
}

#endif

void trec_monitoring_stop_quiet(trec_recorder *r){
  PyObject *et, *ev, *etb;
  PyErr_Fetch(&et, &ev, &etb);
  if( trec_monitoring_stop(r)<0 ) PyErr_Clear();
  PyErr_Restore(et, ev, etb);
}
