/*
** snapshot.h: how the recorder turns Python values and frames into the value
** encoding of schema/value.h, without running any of the traced program's
** code (no __repr__, __eq__, __hash__, properties or __getattr__ of user
** types; exact-type checks and direct struct/dict access only).
**
** Three levels of state, each kept where it lives longest:
**   trec_snap    one per recorder: options, redaction patterns, scratch
**   trec_layout  one per code object (recorder-core keeps it in the code's
**                extra slot): the variable names a frame's slots stand for
**   trec_shadow  one per frame activation (a generator keeps one across
**                resumes): what was last recorded for each slot, so that an
**                unchanged immutable value costs one pointer compare
**
** Every function: allocates no Python objects on the common path, never
** leaves a Python exception set (the caller's pending exception, if any, is
** preserved), returns TREC_OK or a code from trace.h; the message of the last
** failure is trec_snap_errmsg(). All must be called with the GIL held.
*/
#ifndef TREC_SNAPSHOT_H
#define TREC_SNAPSHOT_H

#include <Python.h>
#include <frameobject.h>
#include <stdint.h>
#include "schema/trace.h"

struct trec_snap_options {
  Py_ssize_t max_str;          /* code points kept of a str (bytes of bytes) */
  Py_ssize_t max_items;        /* items kept of a container / fields of an object */
  int max_depth;               /* nesting kept; deeper containers become TRUNC */
  Py_ssize_t max_value_bytes;  /* encoded bytes per value; further items dropped */
  int capture_repr;            /* 1: PyObject_Repr() for unknown objects (runs
                                  the program's code: only on explicit request) */
};

typedef struct trec_snap trec_snap;     /* per recorder: options, redaction, scratch */

/*! trec_snap_new() : a snapshotter. redact: a sequence of str patterns
 *  (fnmatch-style, case-insensitive), or NULL for the defaults (*password*,
 *  *passwd*, *secret*, *token*, *api_key*, *apikey*, *authorization*,
 *  *cookie*); an empty sequence disables redaction. Copied: redact is not
 *  kept. @return TREC_OK, TREC_ERR_NOMEM, TREC_ERR_INVALID (redact is a str
 *  or not a sequence, or a pattern is not a str; *out is then NULL). trec_snap_free() accepts NULL and, like
 *  every function here, needs the GIL. */
int  trec_snap_new(const struct trec_snap_options *o, PyObject *redact,
                   trec_snap **out);
void trec_snap_free(trec_snap *s);

/* Per code object, computed once. Owned by the caller (recorder-core). */
typedef struct trec_layout trec_layout;

/*! trec_layout_new() : the slots of co: for functions (CO_OPTIMIZED) the
 *  localsplus names (co_varnames + co_cellvars + co_freevars), for module and
 *  class code co_names; with args_only, the parameters alone (none for
 *  module and class code), for code recorded as calls and returns only.
 *  Redaction is decided here, once per slot. L borrows co's name strings:
 *  co must outlive L (true when L lives in co's extra slot).
 *  @return TREC_OK, TREC_ERR_NOMEM. trec_layout_free() accepts NULL. */
int  trec_layout_new(trec_snap *s, PyCodeObject *co, int args_only,
                     trec_layout **out);
void trec_layout_free(trec_layout *L);
uint32_t trec_layout_n_names(const trec_layout *L);
/*! trec_layout_name() : slot's name, UTF-8, NUL-ended (Borrowed from L), for
 *  the code table (struct trec_code.names). NULL if slot >= n_names. */
const char *trec_layout_name(const trec_layout *L, uint32_t slot);
/*! trec_layout_n_args() : argcount + kwonly + (*args) + (**kwargs). */
uint32_t trec_layout_n_args(const trec_layout *L);

/* Per frame activation. Holds strong references only to values of exact
** immutable builtin types (None, bool, int, float, str, bytes, tuples of
** those), whose lifetime nobody can observe (no __del__, no weakrefs), and
** compares them by pointer; never to mutable or user objects, which it
** compares by a fingerprint of their structure and leaf values (encoding
** them only when that differs) and a hash of their bounded encoding. */
typedef struct trec_shadow trec_shadow;

/*! trec_shadow_new() : an empty shadow for frames of L (L must outlive it).
 *  trec_shadow_free() releases its references; accepts NULL. */
int  trec_shadow_new(const trec_layout *L, trec_shadow **out);
void trec_shadow_free(trec_shadow *sh);
/*! trec_shadow_reset() : release sh's references and make it as
 *  trec_shadow_new() made it, for another activation of L's frames. */
void trec_shadow_reset(trec_shadow *sh);
/*! trec_shadow_layout() : the layout sh was made for (Borrowed). */
const trec_layout *trec_shadow_layout(const trec_shadow *sh);

/*! trec_snap_frame() : append payload VAR entries (trace.h "Payloads") to out:
 *  every bound variable when full (call events, generator resumes; resets the
 *  shadow), else only those changed since this shadow's previous snapshot
 *  (including in-place changes of lists/dicts/sets/objects within the
 *  bounds; a variable unbound again as TREC_V_UNBOUND). Function frames are
 *  read through their fast locals, never through the f_locals dict; module
 *  and class frames through their namespace dict, names = co_names.
 *  f must be a frame of the code L was made for. ts is the calling
 *  thread's state (trec_compat_tstate()), here and in the other entries:
 *  the exception it may have pending is put aside meanwhile. */
int  trec_snap_frame(trec_snap *s, PyThreadState *ts, const trec_layout *L,
                     trec_shadow *sh, PyFrameObject *f, int full,
                     struct trec_buf *out);

/*! trec_snap_frame_quick() : trec_snap_frame(full = 0) after a line that
 *  recorder/lineflow.h says cannot have changed any value in place (and
 *  with no other event since this shadow's previous snapshot): a variable
 *  outside `store` still holds the object it held then, so it is not read
 *  (TRACEREC_FPCHECK reads it and fails the snapshot if it does not). store, inplace: lineflow's slot masks; when
 *  a slot of `inplace` holds anything but an immutable scalar, every value
 *  is compared as trec_snap_frame() does. */
int trec_snap_frame_quick(trec_snap *s, PyThreadState *ts,
                          const trec_layout *L, trec_shadow *sh,
                          PyFrameObject *f, uint64_t store, uint64_t inplace,
                          struct trec_buf *out);

/*! trec_snap_slot_value() : the value slot i of f holds now (Borrowed), or
 *  NULL when it is unbound, i is out of range, or f is not a frame of L's
 *  code. Reads only; no Python exception is left set. */
PyObject *trec_snap_slot_value(const trec_layout *L, PyFrameObject *f,
                               uint32_t i);

/*! trec_snap_track() : from now on, while ends is not NULL, each payload
 *  entry trec_snap_frame*() appends is followed by its end offset in the
 *  output buffer, a uint32_t appended to *ends (Borrowed), for the
 *  writer's trec_event.entry_end. The caller resets both buffers together
 *  and records the ends of the entries it appends itself. */
void trec_snap_track(trec_snap *s, struct trec_buf *ends);

/*! trec_snap_value() : append one value (value.h) to out, bounded. An
 *  object or container is fingerprinted first and may come from the caches
 *  of earlier encodings; same_event: no program code has run since the
 *  last trec_snap_frame*() (a return value after its frame's snapshot), so
 *  what that snapshot walked is reused. */
int  trec_snap_value(trec_snap *s, PyThreadState *ts, PyObject *v,
                     int same_event, struct trec_buf *out);

/*! trec_snap_exception() : append exc as a TREC_V_EXC value (type name, id,
 *  then its args tuple). A non-exception is encoded as trec_snap_value(). */
int  trec_snap_exception(trec_snap *s, PyThreadState *ts, PyObject *exc,
                         struct trec_buf *out);

/*! trec_snap_checking() : 1 when TRACEREC_FPCHECK=1 asked this snapshotter
 *  to check its shortcuts (the caller then checks its own too), else 0. */
int trec_snap_checking(const trec_snap *s);

/*! trec_snap_errmsg() : the message of the last failure ("" if none). */
const char *trec_snap_errmsg(trec_snap *s);

/*! trec_snap_debug_methods : test-only module functions for the extension's
 *  method table (recorder-core adds them to _tracerec; tests/t024*):
 *    _snapshot_value(obj, **opts) -> bytes          one encoded value
 *    _snapshot_exception(exc, **opts) -> bytes      a TREC_V_EXC value
 *    _snapshot_session(code, **opts) -> capsule     snap + layout + shadow
 *    _snapshot_frame(session, frame, full=False) -> bytes   VAR entries
 *    _snapshot_names(session) -> (slot names tuple, n_args)
 *  opts: max_str, max_items, max_depth, max_value_bytes, capture_repr, redact.
 *  Terminated by a {NULL} entry. */
extern PyMethodDef trec_snap_debug_methods[];

#endif /* TREC_SNAPSHOT_H */
