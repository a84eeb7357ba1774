/*
** framestack.h: frame activations as the recorder sees them. Each thread
** keeps a stack of the frames it has events for (pushed at `call`, popped
** at `return`), so that the entry of the frame of a `line` event is almost
** always the top: one pointer compare per event, no hashing. Generators and
** coroutines leave the stack at every yield; their entry waits in a small
** hash table keyed by the frame object, so the next resume (in any thread)
** finds the same frame identity and value shadow again.
**
** Entries hold a Borrowed frame pointer while on a stack (the frame is
** alive while it runs). A parked entry holds a strong reference chosen by
** compat.h trec_compat_park_ref(): at least the code object, whose layout
** its shadow borrows; from 3.11 the frame object, so that a generator that
** died without a final event is found (only the table references its
** frame) and freed when the table grows.
*/
#ifndef TREC_FRAMESTACK_H
#define TREC_FRAMESTACK_H

#include "recorder/compat.h"
#include <stdint.h>
#include "recorder/snapshot.h"

struct trec_codeinfo;

struct trec_fentry {
  PyFrameObject *frame;         /* Borrowed: identity only */
  uint64_t id;                  /* the trace's frame id, > 0 */
  struct trec_codeinfo *ci;     /* Borrowed from the code's extra slot */
  trec_shadow *shadow;          /* Owned */
  PyObject *held;               /* Owned while parked, else NULL */
  /* for quick snapshots (recorder.c rec_snap_frame, lineflow.h) */
  uint64_t act;                 /* recorder activity at its last event */
  unsigned long gil;            /* GIL hand-overs then (lineflow-gil.c) */
  uint64_t clock;               /* dict version clock then, or 0 */
  int line;                     /* line of its last event */
  int iter_ok;                  /* its line's FOR_ITER iterator is safe */
  int check_ok;                 /* the variables its line iterates are */
  uint64_t ns_version;          /* module and class frames: the version of
                                   their namespace dict as its last snapshot
                                   read it, or 0 */
  uint32_t code_id;             /* ci->id when made: tells a live ci from a
                                   new one at a freed one's address
                                   (recorder.c rec_resync) */
};

struct trec_fstack {
  struct trec_fentry *e;        /* Owned array */
  size_t len, cap;
};

void trec_fstack_init(struct trec_fstack *s);
/* Frees every entry's shadow and the array. */
void trec_fstack_release(struct trec_fstack *s);
/* Push a copy of *e; @return TREC_OK or TREC_ERR_NOMEM. */
int trec_fstack_push(struct trec_fstack *s, const struct trec_fentry *e);
static inline struct trec_fentry *trec_fstack_top(struct trec_fstack *s){
  return s->len ? &s->e[s->len-1] : NULL;
}
/* Index of f's entry counting from the top, or -1. */
ptrdiff_t trec_fstack_find(const struct trec_fstack *s, PyFrameObject *f);
/* Free the shadows of the entries above index i and drop them. */
void trec_fstack_cut(struct trec_fstack *s, size_t i);

/* Parked generator frames: frame pointer -> entry, open addressing. */
struct trec_fpark {
  struct trec_fentry *slot;     /* Owned; frame==NULL: empty, TOMB: deleted */
  size_t cap, n_used, n_live;
};

void trec_fpark_init(struct trec_fpark *p);
/* Frees every parked entry (shadow, code reference) and the table. */
void trec_fpark_release(struct trec_fpark *p);
/* Move *e in (taking the reference trec_compat_park_ref() names). */
int trec_fpark_put(struct trec_fpark *p, const struct trec_fentry *e);
/* Move f's entry out into *out (dropping that reference); 1 if found. */
int trec_fpark_take(struct trec_fpark *p, PyFrameObject *f,
                    struct trec_fentry *out);
/* Free f's entry if one is parked (a new activation reuses the address). */
void trec_fpark_drop(struct trec_fpark *p, PyFrameObject *f);

#endif /* TREC_FRAMESTACK_H */
