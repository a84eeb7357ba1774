/*
** recorder.h: the Recorder object of _tracerec and what its trace function
** keeps per code object, per thread and per frame. module.c holds the
** type's Python methods and the module; recorder.c the event path shared
** by both backends; backend-settrace.c installs the C trace function in
** every thread (PyEval_SetTrace, 3.9+, the default); backend-monitoring.c
** registers sys.monitoring callbacks instead (3.12+, backend="monitoring").
*/
#ifndef TREC_RECORDER_H
#define TREC_RECORDER_H

#include "recorder/compat.h"
#include <stdint.h>
#include "schema/trace.h"
#include "recorder/snapshot.h"
#include "recorder/framestack.h"
#include "recorder/lineflow.h"

/* What is recorded of a code object's frames. */
enum trec_decision {
  TREC_DECIDE_FULL = 0,   /* every event, values */
  TREC_DECIDE_CALLS = 1,  /* library code: call (arguments) and return (value) */
  TREC_DECIDE_SKIP = 2    /* tracerec's own or excluded: nothing */
};

#define TREC_CI_SPARE 8
#define TREC_CI_CALL_SETS 3    /* log2 of the sets of two of call_at */

/* The coarsest time resolution `--time-resolution` accepts, in ns. */
#define TREC_TIME_RESOLUTION_MAX (1u << 20)

/* Per code object facts, in the code's extra slot. Owned by the code object
** (freed by the slot's free function); valid for the recorder whose
** generation it carries and recomputed when another recorder sees it. */
struct trec_codeinfo {
  uint64_t gen;           /* recorder generation these facts belong to */
  uint32_t id;            /* code.code_id in that recorder's trace */
  uint8_t decision;       /* enum trec_decision */
  uint8_t is_gen;         /* generator, coroutine or async generator code */
  uint8_t is_ns;          /* module or class code: variables in a dict */
  int first_resume;       /* compat.h trec_compat_gen_fresh() */
  trec_layout *layout;    /* Owned; NULL when SKIP */
  trec_lineflow *flow;    /* Owned; NULL when not FULL or not analysable */
  /* shadows of returned activations, reset, for the next calls: a call
  ** then costs no calloc and its return no free (recursion keeps a few) */
  uint32_t n_spare;
  trec_shadow *spare[TREC_CI_SPARE];   /* Owned, n_spare */
  /* library code: the lines it calls from, by offset + 1 (0: empty), and
  ** where its line table was last read (recorder.c rec_caller_line) */
  struct { int at, line; } call_at[2 << TREC_CI_CALL_SETS];
  trec_compat_lines lines;
  int lines_ready;
  /* where the table was last read for the code's own return, exception
  ** and other non-line events (they repeat at few places) */
  trec_compat_lines exit_lines;
  int exit_lines_ready;
};

/* One recorded thread. */
struct trec_rthread {
  PyThreadState *tstate;  /* Borrowed: identity (with uid) */
  uint64_t uid;           /* trec_compat_tstate_uid(): never reused */
  unsigned long ident;
  uint32_t id;            /* threads.thread_id */
  trec_stream *stream;    /* Borrowed from the writer */
  uint64_t n_events;
  int armed;              /* recorded; else id 0, stream NULL (see
                             trec_recorder_thread_started) */
  int resync;             /* its trace function was off for a while: check
                             the stack at the next event (recorder.c
                             rec_resync) */
  struct trec_fstack stack;
};

/* A thread that existed when recording started. */
struct trec_prethread { PyThreadState *tstate; uint64_t uid; };

enum trec_backend { TREC_BACKEND_SETTRACE, TREC_BACKEND_MONITORING };

enum trec_rec_state { TREC_REC_NEW, TREC_REC_RUNNING, TREC_REC_STOPPED,
                      TREC_REC_CLOSED };

typedef struct {
  PyObject_HEAD
  trec_writer *w;                 /* Owned; NULL after close or fork */
  trec_snap *snap;                /* Owned */
  int state;                      /* enum trec_rec_state */
  uint64_t gen;                   /* generation of codeinfo it owns */
  unsigned fork_gen;              /* trec_fork_gen when the writer opened */
  int rc;                         /* sticky recording error */
  char errmsg[512];
  /* options */
  int opcodes, trace_all;
  char **include, **exclude, **library, **skip;  /* Owned NULL-ended */
  PyObject *sources;              /* Owned dict: filename -> bytes */
  struct trec_writer_options wopt;
  char *path;                     /* Owned */
  /* trace-wide counters */
  PyObject *files;                /* Owned dict: filename -> file id */
  uint32_t n_files, n_codes, n_threads_seen;
  uint64_t seq, next_frame, n_events;
  uint64_t n_chunks_gone;         /* trec_recorder_chunks() of the threads
                                     no longer in the table */
  uint64_t activity;              /* trace function calls, on any thread:
                                     unchanged but for one between two events
                                     of a frame, nothing else ran (lineflow.h) */
  int quick;                      /* quick snapshots allowed (module.c) */
  const volatile unsigned long *gil_count;   /* trec_lineflow_gil_count(),
                                     NULL when quick is 0 */
  int pausing;                    /* a thread is paused (trec_thread_pause) */
  uint32_t n_off;                 /* times the program took the trace
                                     function from a thread (settrace
                                     backend): given back later, or gone
                                     when the thread paused or recording
                                     stopped; meta tracing_off */
  int unpark;                     /* start the writer thread again at the
                                     next event recorded (module.c
                                     unpark_writer) */
  int64_t t0_ns;                  /* CLOCK_MONOTONIC at open */
  int64_t ts_mask;                /* ~(time resolution - 1): timestamps are
                                     rounded down to the resolution */
  struct trec_snap_options so;    /* the value bounds, for the meta table
                                     of this trace and a forked child's */
  /* threads */
  struct trec_rthread **threads;  /* Owned array of Owned */
  size_t n_threads, cap_threads;
  struct trec_rthread *cur;       /* Borrowed: cache of the last lookup */
  struct trec_prethread *pre;     /* Owned: threads running at start */
  size_t n_pre;
  PyObject *boot[2];              /* Owned: the code of threading's
                                     Thread._bootstrap and _bootstrap_inner
                                     (recorder.c rec_thread), or NULL */
  struct trec_fpark park;
  struct trec_buf payload;        /* scratch for one event's payload */
  struct trec_buf ends;           /* its entries' ends (uint32_t each) */
  int backend;                    /* enum trec_backend */
  /* settrace backend */
  PyObject *hook;                 /* Owned: threading.settrace hook */
  PyObject *prev_hook;            /* Owned: threading's hook before start */
  int hook_set;
  uint64_t ts_seen;               /* greatest thread-state uid given the
                                     trace function (settrace_adopt) */
  PyInterpreterState *interp;     /* Borrowed: the interpreter whose threads
                                     trec_thread_note_running() noted */
  /* monitoring backend */
  int mon_tool;                   /* sys.monitoring tool id, -1 if none */
  uint64_t paused_uid;            /* tstate uid of the thread whose events
                                     the callbacks pass over, 0 for none
                                     (backend-settrace.c thread_pause) */
  PyObject *mon_disable;          /* Owned: sys.monitoring.DISABLE */
  unsigned long mon_events[16];   /* event bit of each registered callback */
} trec_recorder;

extern PyTypeObject trec_recorder_type;

/* Fork generation: bumped in the child by a pthread_atfork handler, so a
** recorder can tell on its next event that it runs in a forked child. */
extern volatile unsigned trec_fork_gen;

/* module.c: the code extra slot index (-1 until module init). */
extern Py_ssize_t trec_code_extra_index;
void trec_codeinfo_free(void *p);

/* recorder.c */
/* One event, what being a PyTrace_* kind, arg as a C trace function gets
** it, line the event's line if the caller knows it, else
** TREC_LINE_UNKNOWN. @return 1 when events of this kind are never
** recorded for f's code (a monitoring backend may disable the location),
** else 0. */
#define TREC_LINE_UNKNOWN INT32_MIN
int trec_recorder_event(trec_recorder *r, PyFrameObject *f, int what,
                        PyObject *arg, int line);
/* Latch a recording error: keep the first message, stop every thread. */
void trec_recorder_fail(trec_recorder *r, int rc, const char *what,
                        const char *detail);

/* Recorder.stats' estimate of the chunks written: each thread's events in
** chunks of chunk_events, for the threads recorded so far. */
uint64_t trec_recorder_chunks(const trec_recorder *r);

/* Frame entries of every thread and the parked generators are freed
** (stop). release_threads also frees the thread table (fork, close). */
void trec_recorder_release_frames(trec_recorder *r);
void trec_recorder_release_threads(trec_recorder *r);
/* First event after fork() in the child: abandon the parent's writer. */
void trec_recorder_forked(trec_recorder *r);
/* threading's start hook in a new thread: end the entries of its ident
** (dead threads whose ident it reuses; they can no longer match, being
** keyed by the thread state's unique id, but hold frames and a stream) and
** register it under name (may be NULL). A thread threading starts after
** start() is recorded only from here on (Thread.run), as
** threading.settrace() makes sys.settrace do, on both backends; one that
** _thread or C code starts, from its first frame (recorder.c rec_thread). */
void trec_recorder_thread_started(trec_recorder *r, const char *name);

/* Start the writer thread again after a fork (trec_writer_unpark); a
** failure stops recording. */
void trec_recorder_unpark(trec_recorder *r);

/* End the entries of threads that are gone (their streams closed, their
** memory freed); one that ended with frames it never saw return counts in
** n_off. @return 0, or -1 when out of memory (nothing ended). */
int trec_recorder_reap(trec_recorder *r);

/* The calling thread's trace function was off for a while and is on
** again: its frame stack is checked against the frames running at its next
** event. */
void trec_recorder_thread_resync(trec_recorder *r);

/* backend-settrace.c: install/remove in every thread and in future
** threads (threading.settrace). @return 0 or -1 with a Python exception. */
int trec_settrace_start(trec_recorder *r);
int trec_settrace_stop(trec_recorder *r);
/* threading.settrace(hook) / restore threading's previous hook; both
** backends use it to see threads start. */
int trec_thread_hook_install(trec_recorder *r);
/* Note the threads running now (r->pre), recorded from their next event
** whatever code it is in. @return 0 or -1 with a Python exception. */
int trec_thread_note_running(trec_recorder *r);
int trec_thread_hook_remove(trec_recorder *r);
/* After an event: when it made the recorder see a new thread (n_threads_seen
** went past seen), write the name threading gave that thread, so that a
** trace cut short by kill -9 still names its threads. */
void trec_thread_name_new(trec_recorder *r, uint32_t seen);
/* Stop (pause = 1) or go on (0) recording the calling thread only, other
** threads going on: the runner pauses the main thread when the program's own
** code is over (threading._shutdown is not the program's). */
void trec_thread_pause(trec_recorder *r, int pause);
/* The settrace backend with no Python exception possible (error paths). */
void trec_settrace_stop_quiet(trec_recorder *r);
/* Recorder.__call__(frame, event, arg): the recorder as a Python-level
** trace function, which sys.settrace(sys.gettrace()) makes it; returns a
** new reference to self (the frame's local trace function), None when not
** recording, or NULL with a Python exception for bad arguments. */
PyObject *trec_settrace_call(PyObject *self, PyObject *args, PyObject *kw);

/* A function that calls fn, _thread's function `name` (start_new_thread,
** start_new or start_joinable_thread), and gives the thread it started the
** trace function before returning; fn itself under sys.monitoring, which
** sees every thread. @return a new reference, or NULL with an exception. */
PyObject *trec_settrace_wrap_start(trec_recorder *r, const char *name,
                                   PyObject *fn);

/* backend-monitoring.c (3.12+; elsewhere start fails with ValueError):
** register C callbacks for every thread under a free sys.monitoring tool
** id; stop unregisters them and frees the id. @return 0 or -1 with a
** Python exception. */
int trec_monitoring_start(trec_recorder *r);
int trec_monitoring_stop(trec_recorder *r);
void trec_monitoring_stop_quiet(trec_recorder *r);

#endif /* TREC_RECORDER_H */
