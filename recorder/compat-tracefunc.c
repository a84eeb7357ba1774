/*
** compat-tracefunc.c: installing the C trace function in other threads
** without running any of the program's code.
**
** CPython's setters (_PyEval_SetTrace, PyEval_SetTraceAllThreads) run the
** program's audit hooks first. A hook written in Python may give up the GIL,
** and meanwhile the thread being set can end and free its thread state,
** which the setter then writes to (a SIGSEGV one run in three on 3.12 with a
** hook, threads and a short switch interval); PyEval_SetTraceAllThreads
** (3.12+, the only setter 3.13 exports) also holds on to the next thread
** state across the hook, and gives every thread the trace function, also
** threads where the program had taken it away or set its own.
**
** So the calling thread goes through PyEval_SetTrace(), which is safe for
** its own thread state and sets up what is per interpreter (3.12+'s
** instrumentation for sys.settrace), and every other thread's fields are
** set here as the setter sets them, with the interpreter's count of traced
** threads kept right: 3.9 counts in interp->ceval.tracing_possible, 3.12+
** in interp->sys_tracing_threads, which PyThreadState_Clear() lowers again
** for a thread that ends traced. Both are internal, included as
** lineflow-gil.c includes them. No reference is dropped until every thread
** state has been written, since dropping one can run a finalizer.
*/
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE 1
#include <Python.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <internal/pycore_interp.h>
#pragma GCC diagnostic pop
#include "recorder/compat.h"

#if defined(Py_GIL_DISABLED)
#  error "the recorder relies on the GIL: free-threaded Python is not supported"
#endif

/* Set ts's trace function and object; the caller holds the GIL, and a
** thread other than ts stays traced or the caller's own thread is set
** through PyEval_SetTrace() after (3.12+ turns its instrumentation on and
** off there only). Returns the old trace object, a reference for the
** caller to drop once no thread state is written any more. */
static PyObject *set_direct(PyThreadState *ts, Py_tracefunc func,
                            PyObject *obj){
  int delta = (func!=NULL) - (ts->c_tracefunc!=NULL);
  PyObject *old = ts->c_traceobj;
  Py_XINCREF(obj);
  ts->c_traceobj = obj;
  ts->c_tracefunc = func;
#if PY_VERSION_HEX >= 0x030C0000
  ts->interp->sys_tracing_threads += delta;
#elif PY_VERSION_HEX >= 0x030A0000
  (void)delta;
  /* or'ed into opcodes in 3.11, a flag in 3.10 */
  ts->cframe->use_tracing = ts->tracing==0 && (func!=NULL || ts->c_profilefunc!=NULL)
                            ? (PY_VERSION_HEX >= 0x030B0000 ? 255 : 1) : 0;
#else
  ts->interp->ceval.tracing_possible += delta;
  ts->use_tracing = func!=NULL || ts->c_profilefunc!=NULL;
#endif
  return old;
}

static size_t count_threads(PyInterpreterState *interp){
  size_t n = 0;
  for(PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts!=NULL;
      ts = PyThreadState_Next(ts)){
    n++;
  }
  return n;
}

/* PyEval_SetTrace() reports an audit hook's refusal as unraisable */
static int refused(void){
  PyErr_SetString(PyExc_RuntimeError,
                  "an audit hook refused sys.settrace: nothing can be recorded");
  return -1;
}

int trec_compat_settrace_all(Py_tracefunc func, PyObject *obj){
  PyThreadState *me = PyThreadState_Get();
  PyEval_SetTrace(func, obj);
  if( PyErr_Occurred() ) return -1;
  if( me->c_tracefunc!=func ) return refused();
  size_t n = count_threads(me->interp), n_olds = 0;
  PyObject **olds = PyMem_Malloc((n ? n : 1) * sizeof *olds);
  if( olds==NULL ){
    PyErr_NoMemory();
    return -1;
  }
  for(PyThreadState *ts = PyInterpreterState_ThreadHead(me->interp); ts!=NULL;
      ts = PyThreadState_Next(ts)){
    PyObject *old = ts!=me ? set_direct(ts, func, obj) : NULL;
    if( old!=NULL ) olds[n_olds++] = old;
  }
  for(size_t i=0; i<n_olds; i++) Py_DECREF(olds[i]);
  PyMem_Free(olds);
  return 0;
}

void trec_compat_settrace_newer(PyThreadState *head, uint64_t after,
                                Py_tracefunc func, PyObject *obj){
  for(PyThreadState *ts = head; ts!=NULL && trec_compat_tstate_uid(ts)>after;
      ts = PyThreadState_Next(ts)){
    /* a thread with a trace function has it from threading's hook or
    ** from the program; and so there is no old object to drop */
    if( ts->c_tracefunc==NULL && ts->c_traceobj==NULL ){
      (void)set_direct(ts, func, obj);
    }
  }
}

/* The old objects are obj, which the caller holds: dropping them frees
** nothing and runs no code. */
int trec_compat_settrace_clear(Py_tracefunc func, PyObject *obj){
  PyThreadState *me = PyThreadState_Get();
  for(PyThreadState *ts = PyInterpreterState_ThreadHead(me->interp); ts!=NULL;
      ts = PyThreadState_Next(ts)){
    if( ts!=me && (ts->c_tracefunc==func || ts->c_traceobj==obj) ){
      Py_XDECREF(set_direct(ts, NULL, NULL));
    }
  }
  int mine = me->c_tracefunc==func || me->c_traceobj==obj;
  if( mine || me->c_tracefunc==NULL ) PyEval_SetTrace(NULL, NULL);
  /* refused: take it all the same; 3.12+ then keeps reporting events to
  ** sys's callbacks, which find no trace function */
  if( mine && me->c_tracefunc!=NULL ) Py_XDECREF(set_direct(me, NULL, NULL));
  return PyErr_Occurred() ? -1 : 0;
}
