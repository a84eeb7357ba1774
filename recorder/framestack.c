/*
** framestack.c: the per-thread stack of frame activations and the table of
** parked generator frames (see framestack.h). Tuned for the common case of
** a trace callback whose frame is the top of its thread's stack; the park
** table is touched only at generator yields and resumes.
*/
#include "recorder/framestack.h"
#include <stdlib.h>

#define FPARK_TOMB ((PyFrameObject *)1)

static void fentry_free(struct trec_fentry *e){
  trec_shadow_free(e->shadow);
  e->shadow = NULL;
  Py_CLEAR(e->held);
  e->frame = NULL;
}

void trec_fstack_init(struct trec_fstack *s){
  s->e = NULL;
  s->len = s->cap = 0;
}

void trec_fstack_release(struct trec_fstack *s){
  trec_fstack_cut(s, 0);
  free(s->e);
  trec_fstack_init(s);
}

int trec_fstack_push(struct trec_fstack *s, const struct trec_fentry *e){
  if( s->len==s->cap ){
    size_t cap = s->cap ? s->cap*2 : 64;
    struct trec_fentry *ne = realloc(s->e, cap * sizeof *ne);
    if( ne==NULL ) return TREC_ERR_NOMEM;
    s->e = ne;
    s->cap = cap;
  }
  s->e[s->len++] = *e;
  return TREC_OK;
}

ptrdiff_t trec_fstack_find(const struct trec_fstack *s, PyFrameObject *f){
  for(size_t i=s->len; i>0; i--){
    if( s->e[i-1].frame==f ) return (ptrdiff_t)(i-1);
  }
  return -1;
}

void trec_fstack_cut(struct trec_fstack *s, size_t i){
  while( s->len>i ) fentry_free(&s->e[--s->len]);
}

/* ---- park table ---- */

static size_t fpark_hash(PyFrameObject *f, size_t cap){
  uintptr_t h = (uintptr_t)f >> 4;
  h ^= h >> 17;
  h *= (uintptr_t)0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 7) & (cap - 1);
}

void trec_fpark_init(struct trec_fpark *p){
  p->slot = NULL;
  p->cap = p->n_used = p->n_live = 0;
}

void trec_fpark_release(struct trec_fpark *p){
  for(size_t i=0; i<p->cap; i++){
    if( p->slot[i].frame!=NULL && p->slot[i].frame!=FPARK_TOMB ){
      fentry_free(&p->slot[i]);
    }
  }
  free(p->slot);
  trec_fpark_init(p);
}

static struct trec_fentry *fpark_lookup(struct trec_fpark *p, PyFrameObject *f){
  if( p->cap==0 ) return NULL;
  for(size_t i=fpark_hash(f, p->cap), k=0; k<p->cap; i=(i+1)&(p->cap-1), k++){
    if( p->slot[i].frame==f ) return &p->slot[i];
    if( p->slot[i].frame==NULL ) return NULL;
  }
  return NULL;
}

/* Rebuild with room for twice the live entries, dropping tombstones and
** the entries of frames nobody but the table references any more. */
static int fpark_grow(struct trec_fpark *p){
  for(size_t i=0; i<p->cap; i++){
    struct trec_fentry *e = &p->slot[i];
    if( e->frame==NULL || e->frame==FPARK_TOMB ) continue;
    if( TREC_COMPAT_PARK_SWEEP && Py_REFCNT(e->held)==1 ){
      fentry_free(e);
      e->frame = FPARK_TOMB;
      p->n_live--;
    }
  }
  size_t cap = 64;
  while( cap < (p->n_live+1)*4 ) cap *= 2;
  struct trec_fentry *ns = calloc(cap, sizeof *ns);
  if( ns==NULL ) return TREC_ERR_NOMEM;
  for(size_t i=0; i<p->cap; i++){
    struct trec_fentry *e = &p->slot[i];
    if( e->frame==NULL || e->frame==FPARK_TOMB ) continue;
    size_t j = fpark_hash(e->frame, cap);
    while( ns[j].frame!=NULL ) j = (j+1)&(cap-1);
    ns[j] = *e;
  }
  free(p->slot);
  p->slot = ns;
  p->cap = cap;
  p->n_used = p->n_live;
  return TREC_OK;
}

int trec_fpark_put(struct trec_fpark *p, const struct trec_fentry *e){
  trec_fpark_drop(p, e->frame);
  if( (p->n_used+1)*2 > p->cap ){
    int rc = fpark_grow(p);
    if( rc!=TREC_OK ) return rc;
  }
  size_t i = fpark_hash(e->frame, p->cap);
  while( p->slot[i].frame!=NULL && p->slot[i].frame!=FPARK_TOMB ){
    i = (i+1)&(p->cap-1);
  }
  if( p->slot[i].frame==NULL ) p->n_used++;
  p->slot[i] = *e;
  p->slot[i].held = trec_compat_park_ref(e->frame);
  Py_INCREF(p->slot[i].held);
  p->n_live++;
  return TREC_OK;
}

int trec_fpark_take(struct trec_fpark *p, PyFrameObject *f,
                    struct trec_fentry *out){
  struct trec_fentry *e = fpark_lookup(p, f);
  if( e==NULL ) return 0;
  *out = *e;
  Py_CLEAR(out->held);
  e->frame = FPARK_TOMB;
  e->shadow = NULL;
  p->n_live--;
  return 1;
}

void trec_fpark_drop(struct trec_fpark *p, PyFrameObject *f){
  struct trec_fentry *e = fpark_lookup(p, f);
  if( e==NULL ) return;
  fentry_free(e);
  e->frame = FPARK_TOMB;
  p->n_live--;
}
