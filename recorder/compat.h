/*
** compat.h: every place where the recorder core depends on the CPython
** version (3.9 to 3.13) is one inline function here, each with the CPython
** change it follows, or declared here and defined in a compat-*.c file that
** needs CPython's internal headers. The rest of recorder-core never tests
** PY_VERSION_HEX.
**
** It reads a few fields of frame and generator objects directly instead of
** through getattr, because the trace function runs at every event: the
** frame struct is public up to 3.10 (cpython/frameobject.h) and internal
** since 3.11 (python/cpython#90992 moved PyFrameObject to the internal C
** API); the internal header is included the way Cython does, with
** Py_BUILD_CORE set only around it.
*/
#ifndef TREC_COMPAT_H
#define TREC_COMPAT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#if PY_VERSION_HEX >= 0x030B0000
#  include <opcode.h>
#  define Py_BUILD_CORE 1
#  include <internal/pycore_frame.h>
#  undef Py_BUILD_CORE
#endif

/* ---- code object extra slot ----
** 3.12 renamed the API to PyUnstable_* (python/cpython#101101); the old
** underscore names remain only as deprecated inline aliases. */
static inline Py_ssize_t trec_compat_request_code_extra(freefunc f){
#if PY_VERSION_HEX >= 0x030C0000
  return PyUnstable_Eval_RequestCodeExtraIndex(f);
#else
  return _PyEval_RequestCodeExtraIndex(f);
#endif
}
/* Read at every event, so inline: the getter is a call that checks the
** type and index each time. co_extra points to CPython's private
** _PyCodeObjectExtra (Objects/codeobject.c, the same layout 3.6 to 3.13):
** the number of slots, then the slots. NULL when the slot was never set. */
struct trec_compat_code_extra { Py_ssize_t ce_size; void *ce_extras[1]; };
static inline void *trec_compat_code_extra(PyCodeObject *co, Py_ssize_t i){
  const struct trec_compat_code_extra *x = co->co_extra;
  return x!=NULL && i>=0 && i<x->ce_size ? x->ce_extras[i] : NULL;
}
static inline int trec_compat_code_set_extra(PyCodeObject *co, Py_ssize_t i,
                                             void *v){
#if PY_VERSION_HEX >= 0x030C0000
  return PyUnstable_Code_SetExtra((PyObject *)co, i, v);
#else
  return _PyCode_SetExtra((PyObject *)co, i, v);
#endif
}

/* ---- a thread state's unique id ----
** PyThreadState.id (3.7+) counts up per interpreter and is never reused,
** unlike the thread state's address and the thread ident, which a new
** thread can take over from a dead one. */
static inline uint64_t trec_compat_tstate_uid(PyThreadState *ts){
  return (uint64_t)ts->id;
}

/* ---- the current thread state, without the NULL check ----
** Renamed public PyThreadState_GetUnchecked() in 3.13
** (python/cpython#106004). */
static inline PyThreadState *trec_compat_tstate(void){
#if PY_VERSION_HEX >= 0x030D0000
  return PyThreadState_GetUnchecked();
#else
  return _PyThreadState_UncheckedGet();
#endif
}

/* ---- frame fields ---- */

/* Borrowed code object of a frame. 3.11 moved it to the interpreter frame
** (python/cpython#88756, frame objects created lazily); 3.13 renamed the
** field f_executable (python/cpython#100987). */
static inline PyCodeObject *trec_compat_frame_code(PyFrameObject *f){
#if PY_VERSION_HEX >= 0x030D0000
  return (PyCodeObject *)f->f_frame->f_executable;
#elif PY_VERSION_HEX >= 0x030B0000
  return f->f_frame->f_code;
#else
  return f->f_code;
#endif
}

/* f_trace_lines / f_trace_opcodes gate line and opcode events for the C
** trace function too (3.9-3.11 ceval maybe_call_line_trace; 3.12+
** legacy_tracing.c trace_line, which turns f_trace_opcodes into per-code
** INSTRUCTION events at the frame's next event, python/cpython#103082). */
static inline void trec_compat_frame_set_trace_lines(PyFrameObject *f, int on){
  f->f_trace_lines = (char)on;
}
static inline void trec_compat_frame_set_trace_opcodes(PyFrameObject *f,
                                                       int on){
  f->f_trace_opcodes = (char)on;
}

/* Byte offset of the instruction being executed (frame.f_lasti). 3.10
** counts f_lasti in code units (bpo-27129); 3.11 added PyFrame_GetLasti()
** (bpo-40421, frame getters). */
static inline int trec_compat_frame_lasti(PyFrameObject *f){
#if PY_VERSION_HEX >= 0x030B0000
  return PyFrame_GetLasti(f);
#elif PY_VERSION_HEX >= 0x030A0000
  return f->f_lasti < 0 ? -1 : f->f_lasti * 2;
#else
  return f->f_lasti;
#endif
}

/* The offset of the instruction frame `caller` is executing (its call),
** when it is among the first few frames that f's call came from, else -1.
** `caller` is only compared until it is found among the running frames:
** an entry of the recorder's stack that outlived its frame is never read. */
#define TREC_COMPAT_CALLER_STEPS 32
static inline int trec_compat_caller_lasti(PyFrameObject *f,
                                           PyFrameObject *caller){
  int steps = TREC_COMPAT_CALLER_STEPS;
#if PY_VERSION_HEX >= 0x030B0000
  _PyInterpreterFrame *p = f->f_frame->previous;
  while( p!=NULL && p->frame_obj!=caller && --steps>0 ) p = p->previous;
  if( p==NULL || p->frame_obj!=caller ) return -1;
#else
  PyFrameObject *p = f->f_back;
  while( p!=NULL && p!=caller && --steps>0 ) p = p->f_back;
  if( p!=caller ) return -1;
#endif
  return trec_compat_frame_lasti(caller);
}

/* The line of co's instruction at byte offset lasti, as PyCode_Addr2Line
** gives it (co_firstlineno for a negative lasti, -1 for an instruction of
** no line): what frame.f_lineno, and so a traceback or pdb's `where`,
** shows for a frame whose f_lineno is not set (frame_getlineno without
** f_trace, 3.9; PyFrame_GetLineNumber with f_lineno unset, 3.10+, as
** ceval's call_trace leaves it after each event on 3.12+). PyCode_Addr2Line
** walks the line table from its start at every call (from 3.12, and 3.10;
** 3.11 keeps an array once the code is traced), which in a module's body
** made each class and call it makes cost as much as the body's size. From
** 3.10 a trec_compat_lines kept per code object is walked from where it
** was left instead: _PyCode_CheckLineNumber moves a PyCodeAddressRange
** (public, cpython/code.h) both ways, as PyCode_Addr2Line does from a
** fresh one; a fresh one (*ready = 0) is set as codeobject.c's
** _PyLineTable_InitAddressRange sets it (not exported), the way PEP 626
** lets out-of-process debuggers read the table. */
#if PY_VERSION_HEX >= 0x030A0000
typedef PyCodeAddressRange trec_compat_lines;
#else
typedef struct { int unused; } trec_compat_lines;
#endif
static inline int trec_compat_code_line(PyCodeObject *co, trec_compat_lines *at,
                                        int *ready, int lasti){
#if PY_VERSION_HEX >= 0x030A0000
  if( lasti<0 ) return co->co_firstlineno;
  if( !*ready ){
    const char *t = PyBytes_AS_STRING(co->co_linetable);
    at->opaque.lo_next = (const void *)t;
    at->opaque.limit = (const void *)(t + PyBytes_GET_SIZE(co->co_linetable));
    at->opaque.computed_line = co->co_firstlineno;
    at->ar_start = -1;
    at->ar_end = 0;
    at->ar_line = -1;
    *ready = 1;
  }
  return _PyCode_CheckLineNumber(lasti, at);
#else
  (void)at;
  (void)ready;
  return PyCode_Addr2Line(co, lasti);
#endif
}

/* The line sys.settrace's frame.f_lineno reports at this event; `at` and
** `ready` are the line walk of f's code (trec_compat_code_line). 3.9's
** PyFrame_GetLineNumber() recomputes from f_lasti unless f_trace is set (it
** is not for a C tracer), while ceval's maybe_call_line_trace() keeps
** f_lineno current for every traced frame; from 3.10 (PEP 626)
** PyFrame_GetLineNumber() uses f_lineno when set and computes it
** otherwise, exactly as the frame.f_lineno getter that a sys.settrace
** function reads. 3.10 and 3.11 set f_lineno at every traced event, from a
** kept range or array. 3.12+ set it only for a line event and clear it
** after, so a call, return or exception event computes it with
** PyCode_Addr2Line from the table's start: the kept walk gives the same
** line. With at NULL, Python computes it: a call event is at the code's
** start, where a fresh walk is short and a kept one, left at a return,
** would walk back over the table. 3.13's f_lineno of -1, "compute once and
** keep", is left to Python too. */
static inline int trec_compat_frame_line(PyFrameObject *f, trec_compat_lines *at,
                                         int *ready){
#if PY_VERSION_HEX >= 0x030C0000
  if( f->f_lineno > 0 ) return f->f_lineno;
  if( f->f_lineno < 0 || at==NULL ) return PyFrame_GetLineNumber(f);
  return trec_compat_code_line(trec_compat_frame_code(f), at, ready,
                               trec_compat_frame_lasti(f));
#elif PY_VERSION_HEX >= 0x030A0000
  (void)at;
  (void)ready;
  return f->f_lineno != 0 ? f->f_lineno : PyFrame_GetLineNumber(f);
#else
  (void)at;
  (void)ready;
  return f->f_lineno;
#endif
}

/* ---- generators: one frame identity across resumes ----
** A generator, coroutine or async generator delivers a `call` event at
** every resume and a `return` event at every yield (sys.settrace
** semantics). The recorder must tell a first start from a resume, and a
** yield from the final return.
**
** First start: 3.9/3.10 start with f_lasti == -1 (ceval gen_send_ex). 3.11+
** deliver the call event at the code's RESUME 0 instruction (3.11 ceval
** DO_TRACING; 3.12+ INSTRUMENTED_RESUME -> PY_START, python/cpython#103082),
** which follows only RETURN_GENERATOR, MAKE_CELL and COPY_FREE_VARS; every
** resume (RESUME 1-3 after a yield, or generator.throw() which enters at the
** YIELD_VALUE) is at a later offset. first_resume is the byte offset of the
** code's first RESUME, see trec_compat_first_resume(). */
static inline int trec_compat_gen_fresh(PyFrameObject *f, int first_resume){
#if PY_VERSION_HEX >= 0x030B0000
  return PyFrame_GetLasti(f) <= first_resume;
#else
  (void)first_resume;
  return f->f_lasti < 0;
#endif
}

/* Byte offset of the first RESUME of co (3.11+), from the deoptimized
** co_code (PyCode_GetCode, python/cpython#92154), so that specialized or
** instrumented opcodes do not hide it. -1 before 3.11 or on failure (then
** every call is a first start). Allocates: call once per code object. */
static inline int trec_compat_first_resume(PyCodeObject *co){
#if PY_VERSION_HEX >= 0x030B0000
  PyObject *b = PyCode_GetCode(co);
  int off = -1;
  if( b==NULL ){ PyErr_Clear(); return -1; }
  const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(b);
  Py_ssize_t n = PyBytes_GET_SIZE(b);
  for(Py_ssize_t i=0; i+1<n; i+=2){
    if( p[i]==RESUME ){ off = (int)i; break; }
  }
  Py_DECREF(b);
  return off;
#else
  (void)co;
  return -1;
#endif
}

/* At a `return` event of generator code: 1 if the frame is suspending
** (yield or await), 0 at its final return or exception exit.
** 3.9: YIELD_VALUE/YIELD_FROM keep f_stacktop, a return leaves it NULL
** (Python/ceval.c of 3.9). 3.10 records the state in f_state
** (FRAME_SUSPENDED, bpo-40941). 3.11+ keep it in the generator's
** gi_frame_state, set to FRAME_SUSPENDED (3.13 also
** FRAME_SUSPENDED_YIELD_FROM, python/cpython#111354) before the yield event,
** i.e. < FRAME_EXECUTING, while a final return sets FRAME_COMPLETED after
** the event with the state still FRAME_EXECUTING. */
static inline int trec_compat_gen_suspending(PyFrameObject *f){
#if PY_VERSION_HEX >= 0x030B0000
  PyObject *g = PyFrame_GetGenerator(f);
  int r = 0;
  if( g!=NULL ){
    r = ((PyGenObject *)g)->gi_frame_state < FRAME_EXECUTING;
    Py_DECREF(g);
  }
  return r;
#elif PY_VERSION_HEX >= 0x030A0000
  return f->f_state == FRAME_SUSPENDED;
#else
  return f->f_stacktop != NULL;
#endif
}

/* 3.12 turns on INSTRUCTION events for the trace function only if some
** frame's f_trace_opcodes was set through Python before the trace function
** was installed (interp->f_opcode_trace_set, read by _PyEval_SetTrace;
** python/cpython#103082). 3.13 enables them per code when a traced frame has
** f_trace_opcodes (legacy_tracing.c _PyEval_SetOpcodeTrace), as 3.9-3.11 do
** per frame. So on 3.12 only, set and clear it once on the current frame
** before installing. */
static inline void trec_compat_prepare_opcodes(void){
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
  PyFrameObject *f = PyEval_GetFrame();
  if( f==NULL ) return;
  PyObject *et, *ev, *etb;
  PyErr_Fetch(&et, &ev, &etb);
  char old = f->f_trace_opcodes;
  if( PyObject_SetAttrString((PyObject *)f, "f_trace_opcodes", Py_True)<0 ){
    PyErr_Clear();
  }
  f->f_trace_opcodes = old;
  PyErr_Restore(et, ev, etb);
#endif
}

/* What a parked (suspended) generator entry keeps alive. 3.13 closes a
** generator suspended outside any try block without resuming it, so no
** event tells the recorder it is gone (Objects/genobject.c gen_close,
** python/cpython#100762; 3.12 has the shortcut but it never fires,
** python/cpython#111107). From 3.11 the frame object does not own a
** generator's locals (python/cpython#88756), so holding it keeps no program
** value alive, and a refcount of 1 means the generator is gone: the park
** table holds the frame and sweeps such entries. Up to 3.10 the frame owns
** the locals (holding it could keep a reference cycle alive) and closing
** always runs the generator, so the table holds the code object only. */
#define TREC_COMPAT_PARK_SWEEP (PY_VERSION_HEX >= 0x030B0000)
static inline PyObject *trec_compat_park_ref(PyFrameObject *f){
#if PY_VERSION_HEX >= 0x030B0000
  return (PyObject *)f;
#else
  return (PyObject *)f->f_code;
#endif
}

/* os.fork() warns of a fork in a process with threads (3.12+). 3.13 counts
** the threads after the after_in_parent hooks (os_fork_impl calls
** PyOS_AfterFork_Parent first), and a pending call would run within the
** hooks: the writer thread, parked for the fork, can start again only once
** os.fork() has returned (module.c unpark_writer). */
#define TREC_COMPAT_FORK_WARNS_LATE (PY_VERSION_HEX >= 0x030D0000)

/* ---- the thread's chain of running frames ----
** A frame links to the one that was running when it started: tstate->frame
** up to 3.10 (a frame object's f_back), the interpreter frame's `previous`
** from 3.11, through the C frame (3.11, 3.12) or the thread state (3.13,
** python/cpython#108866 removed _PyCFrame). Cutting the chain before a call
** gives the frames the call starts no frame under them, as a program run by
** python's main has none; the caller's own frames stay alive and running,
** and trec_compat_frames_join() puts the chain back once the call is over. */
static inline void *trec_compat_frames_cut(PyThreadState *ts){
  void *cur;
#if PY_VERSION_HEX >= 0x030D0000
  cur = ts->current_frame;
  ts->current_frame = NULL;
#elif PY_VERSION_HEX >= 0x030B0000
  cur = ts->cframe->current_frame;
  ts->cframe->current_frame = NULL;
#else
  cur = ts->frame;
  ts->frame = NULL;
#endif
  return cur;
}
static inline void trec_compat_frames_join(PyThreadState *ts, void *cur){
#if PY_VERSION_HEX >= 0x030D0000
  ts->current_frame = cur;
#elif PY_VERSION_HEX >= 0x030B0000
  ts->cframe->current_frame = cur;
#else
  ts->frame = cur;
#endif
}

/* ---- installing the C trace function ----
** In recorder/compat-tracefunc.c, which says why the calling thread alone
** goes through CPython's setter. Each needs the GIL. */

/* The trace function of every thread of the calling thread's interpreter.
** @return 0, or -1 with an exception (an audit hook refused). */
int trec_compat_settrace_all(Py_tracefunc func, PyObject *obj);

/* The same for the thread states from `head` (the newest, at the head of
** the interpreter's list) down to those of uid `after` or less, threads
** started since, where they have no trace function yet. A thread of this
** interpreter must be traced already. Runs no code of the program. */
void trec_compat_settrace_newer(PyThreadState *head, uint64_t after,
                                Py_tracefunc func, PyObject *obj);

/* Remove func from every thread whose trace function it is, or whose trace
** object is obj (sys.settrace() given the recorder back), the calling
** thread last. A trace function the program set itself stays. The caller
** holds a reference to obj (not NULL). @return 0, or -1 with an exception
** set by an audit hook. */
int trec_compat_settrace_clear(Py_tracefunc func, PyObject *obj);

/* ---- a type's version tag ----
** Whether tp can never be changed from Python (a builtin or a C
** extension's type): Py_TPFLAGS_IMMUTABLETYPE from 3.10, every static type
** before. */
static inline int trec_compat_type_immutable(PyTypeObject *tp){
#ifdef Py_TPFLAGS_IMMUTABLETYPE
  return (tp->tp_flags & Py_TPFLAGS_IMMUTABLETYPE)!=0;
#else
  return !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE);
#endif
}
/* Gives tp a version tag if it has none, as its first attribute lookup
** would: public API from 3.12; before, _PyType_Lookup
** assigns one on the way when name is a short exact str. No user code runs
** (the lookup reads the MRO's dicts by a str key). */
static inline void trec_compat_type_assign_tag(PyTypeObject *tp,
                                               PyObject *name){
#if PY_VERSION_HEX >= 0x030C0000
  (void)name;
  PyUnstable_Type_AssignVersionTag(tp);
#else
  (void)_PyType_Lookup(tp, name);
#endif
}

#endif /* TREC_COMPAT_H */
