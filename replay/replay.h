/*
** replay.h: the replay engine, libtrecreplay. A cursor over a recorded
** trace that seeks to any event, steps forward and backward by event, line,
** over calls and out of frames, and runs in either direction until a
** breakpoint or a watched value stops it. At the cursor it gives the current
** thread's stack (code, file, line, frame identity per frame), every frame's
** recorded values, the return value or exception of the event, and the
** stacks' tops of the other threads. Every way of travelling (the REPL in
** repl.h, the web viewer, a DAP server later) is built on this header only.
**
** How it is fast (research/storage.md 2.3): the state at any event is the
** chunk's keyframe plus that chunk's events up to the event, so a seek
** decodes one chunk. Decoded chunks are kept in a small LRU together with
** intermediate stack states every few hundred events, so stepping backward
** costs what stepping forward costs. Motions that cross many chunks use the
** chunk index (thread, seq range, min/max depth, counts per kind) to skip
** chunks they cannot stop in.
**
** Conventions (as in trace.h): functions return TREC_OK or an error code
** from trace.h and keep a message for trec_replay_errmsg(); nothing prints.
** Pointers returned as Borrowed stay valid until the next call that moves
** the cursor (seek, step, continue, run_to, select_thread) or changes
** breakpoints/watches, unless said otherwise.
**
** Positions. The cursor is always on one event (seq), never between events;
** that event's thread is the current thread. The state "at" an event includes
** that event's payload: at a line event the frame's values are those Python's
** sys.settrace saw at that line event (before the line runs); at a return
** event the frame is still on the stack (pdb's --Return--) and leaves it at
** the thread's next event.
*/
#ifndef TREC_REPLAY_H
#define TREC_REPLAY_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include "schema/trace.h"

typedef struct trec_replay trec_replay;

/*-************************************
*  Lifecycle
**************************************/

/*! trec_replay_open() : open the trace at path (trec_reader_open) and put
 *  the cursor on its first event. A truncated trace opens (see
 *  trec_replay_truncated()); an empty one opens with trec_replay_seq() == 0
 *  and every motion answering TREC_STOP_END/START.
 *  @return TREC_OK, or the reader's TREC_ERR_IO / NOTTRACE / VERSION /
 *  CORRUPT. On failure *out is still set (NULL only on OOM) so that
 *  trec_replay_errmsg() can be read; close it. */
int trec_replay_open(const char *path, trec_replay **out);

/*! trec_replay_new() : the same over an open reader, which stays Borrowed
 *  (the caller closes it after trec_replay_close()). */
int trec_replay_new(trec_reader *r, trec_replay **out);

/*! trec_replay_close() : free the engine (and the reader if it opened it).
 *  Accepts NULL. */
void trec_replay_close(trec_replay *rp);

/*! trec_replay_set_interrupt() : motions and searches poll *flag (set by
 *  a signal handler, say) between chunks; once it is nonzero they give up
 *  with TREC_ERR_INTERRUPTED, the cursor where it was. The flag stays the
 *  caller's, who clears it; NULL stops the polling. */
void trec_replay_set_interrupt(trec_replay *rp, volatile sig_atomic_t *flag);

/*! trec_replay_errmsg() : message of the last failure. Never NULL. */
const char *trec_replay_errmsg(trec_replay *rp);

/*! trec_replay_reader() : the underlying reader (Borrowed), for metadata,
 *  code/file rows and SQL. */
trec_reader *trec_replay_reader(trec_replay *rp);

/*! trec_replay_truncated() : 1 when the recording did not finish (crash,
 *  SIGKILL, still recording): replay stops at its last committed event. */
int trec_replay_truncated(trec_replay *rp);

/*-************************************
*  Position
**************************************/

/*! trec_replay_seq() : the seq of the event under the cursor, 0 if the trace
 *  is empty. trec_replay_thread() : its thread id (threads.thread_id). */
uint64_t trec_replay_seq(trec_replay *rp);
uint32_t trec_replay_thread(trec_replay *rp);

/*! trec_replay_event() : the event under the cursor (payload Borrowed).
 *  @return TREC_OK or TREC_ERR_STATE when the trace is empty. */
int trec_replay_event(trec_replay *rp, struct trec_event *ev);

/*! trec_replay_seek() : put the cursor on event seq (any thread).
 *  @return TREC_OK, TREC_ERR_RANGE (outside first..last seq; the cursor
 *  does not move), TREC_ERR_NOTFOUND (no such event, e.g. a gap in a
 *  truncated trace), or a decoding error. */
int trec_replay_seek(trec_replay *rp, uint64_t seq);

/*-************************************
*  Motion
**************************************/

enum trec_replay_dir { TREC_FORWARD = 1, TREC_BACKWARD = -1 };

/* What a motion stops at, forward (backward is the mirror image). All of
** them follow the current thread and skip other threads' events.
**   EVENT   the thread's next event of any kind (opcode events included).
**   STEP    pdb `step`: the next call, line, return or exception event.
**           Backward (`reverse-step`): the previous such event, so a
**           backward walk visits exactly the reverse of a forward walk.
**   LINE    the next line event, in any frame.
**   NEXT    pdb `next`: the next step event at depth <= the current depth
**           (calls made from this line are stepped over; the frame's
**           return stops). At a return event NEXT is STEP. Backward: the
**           previous step event at depth <= current; at a call event STEP.
**   RETURN  pdb `return`: the current frame's return event; at a return
**           event, the caller's next event. Backward (`reverse-finish`):
**           the current frame's call event (for a generator, the latest
**           resume); at a call event, the caller's previous event.
**   UNTIL   pdb `until [line]`: the next event of this frame at a line
**           >= arg (default: current line + 1), or the frame's return.
**           Backward: the previous event of this frame at a line <= arg
**           (default: current line - 1), or the frame's call event.
** NEXT and UNTIL in a generator's, coroutine's or async generator's frame
** (not at its boundary event) follow bdb instead: the frame's own next line
** (at a line >= arg for UNTIL) or exception event other than StopIteration,
** by frame identity across its yields, awaits and resumes, or, forward, a
** StopIteration or GeneratorExit exception event right after its return;
** when it runs no further line, the step event after its last return
** (before its first call). RETURN there, forward, follows bdb too: none of
** the frame's own events, only the StopIteration or GeneratorExit right
** after its return (its end, where it was consumed), else the step event
** after its last return. */
enum trec_replay_gran {
  TREC_STEP_EVENT  = 0,
  TREC_STEP_STEP   = 1,
  TREC_STEP_LINE   = 2,
  TREC_STEP_NEXT   = 3,
  TREC_STEP_RETURN = 4,
  TREC_STEP_UNTIL  = 5
};

enum trec_replay_reason {
  TREC_STOP_STEP  = 0,  /* the motion reached its target */
  TREC_STOP_BREAK = 1,  /* breakpoint `id` */
  TREC_STOP_WATCH = 2,  /* watch `id`: its value changed at this event, or
                           its frame is left here (gone) */
  TREC_STOP_END   = 3,  /* forward: nothing further; see the motion */
  TREC_STOP_START = 4,  /* backward: nothing earlier */
  TREC_STOP_SEEK  = 5   /* seek / select_thread */
};

/* One watch's change at the stop: its expression and its values before and
** after as encoded values (value.h), NULL when the expression had no value
** (the name unbound, the attribute or key absent). */
struct trec_replay_change {
  int id;
  const char *expr;
  const unsigned char *old_value, *old_end;
  const unsigned char *new_value, *new_end;
};

/* Why the cursor stopped where it is. Filled by every motion. */
struct trec_replay_stop {
  int reason;                 /* enum trec_replay_reason */
  int moved;                  /* 0 when the cursor kept its position */
  int id;                     /* BREAK/WATCH: the breakpoint's number, or the
                                 first changed (else deleted) watch's */
  int temporary;              /* BREAK: it was a tbreak and is now deleted */
  int32_t bp_line;            /* BREAK: the breakpoint's line, in the file of
                                 the event's frame (a function breakpoint:
                                 the function's first line), as pdb names it */
  /* The watches whose value changed at this event, in the order they were
  ** set (gdb reports each): with a WATCH stop, and with a BREAK stop at an
  ** event where watched values change too. Borrowed until the next motion. */
  const struct trec_replay_change *changes;
  size_t n_changes;
  /* WATCH or BREAK: a watched frame returns here (forward) or is called
  ** here (backward), so its values go out of reach: its watches are now
  ** deleted, as gdb deletes a watchpoint whose frame is left;
  ** gone[0..n_gone) are their numbers, Borrowed until the next motion.
  ** Never for a generator's or coroutine's frame, which each resume enters
  ** again. */
  const int *gone;
  size_t n_gone;
};

/*! trec_replay_step() : move one motion of granularity gran in direction
 *  dir. arg is the line for TREC_STEP_UNTIL (0: default), else ignored.
 *  NEXT, RETURN and UNTIL stop short at an event where a breakpoint or
 *  watch stops trec_replay_continue() (stop->reason BREAK or WATCH, any
 *  thread), as pdb's next stops at a breakpoint in the call it steps over;
 *  the other granularities go to their next event anyway.
 *  When no event qualifies, the cursor keeps its position and stop->reason
 *  is TREC_STOP_END (forward) or TREC_STOP_START (backward).
 *  @return TREC_OK (also at either end), TREC_ERR_INVALID, or a decoding
 *  error (cursor unchanged). */
int trec_replay_step(trec_replay *rp, int dir, int gran, int32_t arg,
                     struct trec_replay_stop *stop);

/*! trec_replay_step_frame() : trec_replay_step() measured from the frame
 *  at `level` (0 = outermost) instead of the innermost one: NEXT, RETURN and
 *  UNTIL then concern that frame, as pdb's next/return/until do after `up`.
 *  @return as trec_replay_step(), TREC_ERR_RANGE for a bad level. */
int trec_replay_step_frame(trec_replay *rp, size_t level, int dir, int gran,
                           int32_t arg, struct trec_replay_stop *stop);

/*! trec_replay_continue() : run in direction dir to the nearest event
 *  strictly after (before) the cursor where an enabled breakpoint's
 *  location matches and its condition holds (any thread), or a watched
 *  value changes, or a watched frame is left (stop->gone). Every watch
 *  changed at that event is reported (stop->changes), a breakpoint's stop
 *  included, so that no change is passed over unseen. With no hit the
 *  cursor goes to the last (first) event of the recording, as rr does, and
 *  stop->reason is END (START); if it is already there it stays
 *  (stop->moved = 0).
 *  Breakpoint hit counts and ignore counts follow pdb; a temporary
 *  breakpoint is deleted when it stops. */
int trec_replay_continue(trec_replay *rp, int dir, struct trec_replay_stop *stop);

/*! trec_replay_uncaught() : where the exception that ended the recorded
 *  program was raised: *seq is that exception event, in the frame that
 *  raised it, followed back from the main thread's last exception through
 *  the frames it left; 0 when the program exited with status 0, or its
 *  main thread's end is not an exception leaving every frame (caught, a
 *  `finally` that ran code, a region recorded with tracerec.record()).
 *  The cursor does not move. @return TREC_OK or a decoding error. */
int trec_replay_uncaught(trec_replay *rp, uint64_t *seq);

/*! trec_replay_run_to() : run in direction dir to the nearest event
 *  strictly after (before) the cursor, in any thread, for which pred
 *  returns nonzero (it sees the event as trec_chunk_event() fills it, with
 *  depth). Breakpoints and watches are not consulted. No hit: END/START and
 *  the cursor keeps its position. */
typedef int (*trec_replay_pred)(void *ctx, const struct trec_event *ev);
int trec_replay_run_to(trec_replay *rp, int dir, trec_replay_pred pred,
                       void *ctx, struct trec_replay_stop *stop);

/*-************************************
*  The stack and values at the cursor
**************************************/

/* One frame of the current thread's stack. */
struct trec_replay_frame {
  uint64_t frame;                 /* frame activation identity */
  uint32_t depth;                 /* 1 = outermost */
  const struct trec_code *code;   /* Borrowed from the reader; never NULL */
  const struct trec_file *file;   /* Borrowed; NULL if the trace lacks it */
  int32_t line;                   /* current line of this frame */
  int returning;                  /* innermost frame at its return event */
};

/*! trec_replay_n_frames() : frames on the current thread's stack at the
 *  cursor (0 only for an empty trace). Frames are numbered by level:
 *  0 is the outermost, n_frames-1 the innermost (the event's frame). */
size_t trec_replay_n_frames(trec_replay *rp);

/*! trec_replay_frame() : frame `level`. @return TREC_OK or TREC_ERR_RANGE. */
int trec_replay_frame(trec_replay *rp, size_t level, struct trec_replay_frame *f);

/* One recorded variable of a frame. */
struct trec_replay_var {
  const char *name;               /* Borrowed: code->names[slot] */
  uint32_t slot;
  int is_arg;                     /* slot < code->n_args (function frames) */
  const unsigned char *value;     /* Borrowed: encoded value (value.h); */
  const unsigned char *value_end; /*   render with trec_value_render() */
};

/*! trec_replay_var() : variable `slot` (0 .. code->n_names-1) of the frame
 *  at `level`. @return TREC_OK, TREC_ERR_NOTFOUND when the slot has no
 *  recorded value at the cursor or is unbound (TREC_V_UNBOUND), or
 *  TREC_ERR_RANGE. Iterate slots 0..code->n_names-1 to list locals. */
int trec_replay_var(trec_replay *rp, size_t level, uint32_t slot,
                    struct trec_replay_var *v);

/*! trec_replay_var_by_name() : the same by name; if the frame has no such
 *  variable, the module-level frame of the same file on this thread's stack
 *  is searched (globals). @return TREC_OK or TREC_ERR_NOTFOUND. */
int trec_replay_var_by_name(trec_replay *rp, size_t level, const char *name,
                            struct trec_replay_var *v);

/*! trec_replay_retval() / trec_replay_exception() : the return value at a
 *  return event, the exception (a TREC_V_EXC value) at an exception event,
 *  as encoded values (Borrowed). @return TREC_OK or TREC_ERR_NOTFOUND. */
int trec_replay_retval(trec_replay *rp, const unsigned char **value,
                       const unsigned char **value_end);
int trec_replay_exception(trec_replay *rp, const unsigned char **value,
                          const unsigned char **value_end);

/*! trec_replay_eval() : evaluate expr in the frame at `level` over the
 *  recorded values, never running Python: names, literals (int, float,
 *  str, bytes, None, True, False), attribute access (a.b), item access
 *  (a[0], d['k'], d[name]), comparisons (== != < <= > >= in, not in, is,
 *  is not against None/True/False), and/or/not, parentheses. The result
 *  is an encoded value written to out (replacing its contents).
 *  @return TREC_OK; TREC_ERR_INVALID (syntax or unsupported construct),
 *  TREC_ERR_NOTFOUND (unknown name, attribute or key; the message says
 *  which, in Python's words: "name 'x' is not defined"), TREC_ERR_TYPE. */
int trec_replay_eval(trec_replay *rp, size_t level, const char *expr,
                     struct trec_buf *out);

/*! trec_replay_history() : every value the variable `name` took in the
 *  frame at `level` over that frame's whole life (from its call to its
 *  return; for generators, across resumes), in seq order, by calling fn
 *  for each change. h->line is the line that was running when the change
 *  was seen (the call's line for arguments). Values are Borrowed for the
 *  duration of the callback; a nonzero return from fn stops the walk.
 *  Does not move the cursor. @return TREC_OK, TREC_ERR_NOTFOUND (no such
 *  variable in the frame), or a decoding error. */
struct trec_replay_hist {
  uint64_t seq;                   /* event at which the new value was seen */
  int32_t line;
  const unsigned char *value, *value_end;   /* NULL when it became unbound */
};
typedef int (*trec_replay_hist_fn)(void *ctx, const struct trec_replay_hist *h);
int trec_replay_history(trec_replay *rp, size_t level, const char *name,
                        trec_replay_hist_fn fn, void *ctx);

/*-************************************
*  Threads
**************************************/

enum trec_replay_tstate {
  TREC_THREAD_NOT_STARTED = 0,    /* its first event is after the cursor */
  TREC_THREAD_LIVE        = 1,
  TREC_THREAD_FINISHED    = 2     /* its last event is at or before the cursor */
};

/* Where one thread is at the cursor's time: its latest event at or before
** the cursor's seq. */
struct trec_replay_thread_pos {
  const struct trec_thread *thread;   /* Borrowed from the reader */
  int state;                          /* enum trec_replay_tstate */
  int current;                        /* the cursor's thread */
  uint64_t seq;                       /* 0 when NOT_STARTED */
  uint8_t kind;
  uint32_t depth;
  const struct trec_code *code;       /* Borrowed; NULL when NOT_STARTED */
  int32_t line;
};

/*! trec_replay_n_threads() / trec_replay_thread_pos() : threads in the
 *  reader's order (index i, not thread id). */
size_t trec_replay_n_threads(trec_replay *rp);
int trec_replay_thread_pos(trec_replay *rp, size_t i,
                           struct trec_replay_thread_pos *out);

/*! trec_replay_select_thread() : make thread_id current: the cursor goes to
 *  that thread's latest event at or before the cursor's seq, or to its
 *  first event if it had not started. @return TREC_OK, TREC_ERR_NOTFOUND. */
int trec_replay_select_thread(trec_replay *rp, uint32_t thread_id,
                              struct trec_replay_stop *stop);

/*-************************************
*  Breakpoints and watches
**************************************/
/* Breakpoints and watches share one numbering from 1, as in gdb. */

enum trec_replay_bp_flags {
  TREC_BP_TEMPORARY = 1 << 0      /* tbreak: deleted when it stops */
};

struct trec_replay_bp {
  int id;
  int enabled;
  int temporary;
  uint32_t file;                  /* file_id; 0 for a function breakpoint */
  int32_t line;                   /* file:line breakpoints */
  const char *function;           /* function breakpoints: the name or
                                     qualname given; else NULL (Borrowed) */
  const char *cond;               /* NULL if none (Borrowed) */
  uint32_t ignore;                /* stops still to ignore */
  uint32_t hits;                  /* times it stopped or was ignored */
};

/*! trec_replay_break_add() : a breakpoint at `where`, parsed as pdb parses
 *  it: "FILE:LINE" (FILE matched against recorded paths: whole path or a
 *  path suffix at a '/' boundary), "LINE" (the current frame's file), or
 *  "FUNCTION" (a function name or qualname, e.g. f or C.method; stops at
 *  the first line event after each call). cond may be NULL or an
 *  expression as trec_replay_eval() takes (checked for syntax now;
 *  an evaluation error at a hit stops there, as pdb does).
 *  A file:line that no code object of the trace covers is an error
 *  (TREC_ERR_NOTFOUND, "no code at FILE:LINE"), as is an unknown function.
 *  @return TREC_OK with *id set, TREC_ERR_INVALID, TREC_ERR_NOTFOUND. */
int trec_replay_break_add(trec_replay *rp, const char *where, const char *cond,
                          unsigned flags, int *id);

/*! Breakpoint edits by number. trec_replay_break_condition() with NULL
 *  removes the condition. All return TREC_ERR_NOTFOUND for an unknown id. */
int trec_replay_break_delete(trec_replay *rp, int id);
int trec_replay_break_enable(trec_replay *rp, int id, int enabled);
int trec_replay_break_condition(trec_replay *rp, int id, const char *cond);
int trec_replay_break_ignore(trec_replay *rp, int id, uint32_t count);

/*! trec_replay_n_breaks() / trec_replay_break_get() : breakpoints in order
 *  of creation (index i, not id). */
size_t trec_replay_n_breaks(trec_replay *rp);
int trec_replay_break_get(trec_replay *rp, size_t i, struct trec_replay_bp *out);

/*! trec_replay_watch_add() : watch expr, "NAME", "NAME.attr", "NAME[key]"
 *  (chains allowed), resolved in the frame at `level` now: NAME is that
 *  frame's variable (that frame activation, not later calls of the same
 *  function), or a global of its module frame. trec_replay_continue() in
 *  either direction stops at the event where the expression's value is
 *  different from its value at the thread's previous event.
 *  @return TREC_OK with *id set, TREC_ERR_INVALID, TREC_ERR_NOTFOUND. */
int trec_replay_watch_add(trec_replay *rp, size_t level, const char *expr,
                          int *id);
int trec_replay_watch_delete(trec_replay *rp, int id);

struct trec_replay_watch {
  int id;
  int enabled;
  const char *expr;               /* Borrowed */
  uint64_t frame;                 /* the frame activation it watches */
};
size_t trec_replay_n_watches(trec_replay *rp);
int trec_replay_watch_get(trec_replay *rp, size_t i, struct trec_replay_watch *out);

/*-************************************
*  Source
**************************************/

/*! trec_replay_source_line() : line `line` (1-based) of file_id's source
 *  as recorded, without its newline (Borrowed until close). n_lines, if
 *  not NULL, receives the file's line count.
 *  @return TREC_OK, TREC_ERR_NOTFOUND (source not stored), TREC_ERR_RANGE. */
int trec_replay_source_line(trec_replay *rp, uint32_t file_id, int32_t line,
                            const char **text, size_t *len, size_t *n_lines);

#endif /* TREC_REPLAY_H */
