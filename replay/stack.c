/*
** stack.c: a thread's frame stack and how one event changes it.
**
** This is the heart of reconstruction: a keyframe gives the stack before a
** chunk's first event, and rstack_apply() replays one event on it (call:
** push a fresh frame with the payload's values, and set the caller's line
** when the call gives it; other kinds: update the frame's line and changed
** values; return: the frame leaves at the thread's next event; an event in
** a frame below the top unwinds to it). Values are pointers into the chunk
** and keyframe bytes, never copies, so applying an event costs a few
** pointer writes per changed variable. Frames popped keep their slot
** arrays for reuse, so a deep recursion replayed again does not allocate.
*/
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "replay/replay_int.h"

void rstack_init(struct rstack *s){
  memset(s, 0, sizeof(*s));
}

void rstack_release(struct rstack *s){
  for(size_t i=0; i<s->cap; i++) free(s->f[i].val);
  free(s->f);
  memset(s, 0, sizeof(*s));
}

/* Make frame n of s exist with room for n_slots values, all empty. */
static int stack_push(trec_replay *rp, struct rstack *s, uint64_t frame,
                      uint32_t code, int32_t line){
  const struct trec_code *co = trec_reader_code(rp->r, code);
  struct rframe *f;
  uint32_t n_slots;
  if( co==NULL ){
    return replay_err(rp, TREC_ERR_CORRUPT, "event names unknown code id %u", code);
  }
  n_slots = co->n_names;
  if( s->n==s->cap ){
    size_t cap = s->cap ? 2*s->cap : 16;
    struct rframe *nf = realloc(s->f, cap*sizeof(*nf));
    if( nf==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
    memset(nf + s->cap, 0, (cap - s->cap)*sizeof(*nf));
    s->f = nf;
    s->cap = cap;
  }
  f = &s->f[s->n];
  if( f->cap<n_slots ){
    struct rval *nv = realloc(f->val, n_slots*sizeof(*nv));
    if( nv==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
    f->val = nv;
    f->cap = n_slots;
  }
  if( n_slots ) memset(f->val, 0, n_slots*sizeof(*f->val));
  f->frame = frame;
  f->code = code;
  f->line = line;
  f->n_slots = n_slots;
  s->n++;
  return TREC_OK;
}

/* Apply payload-format entries (VAR only; RETURN and EXCEPTION belong to the
** event, not to the frame) to frame f. */
static int stack_apply_entries(trec_replay *rp, struct rframe *f,
                               const unsigned char *p, const unsigned char *end){
  struct trec_entry en;
  int rc;
  while( (rc = trec_payload_next(&p, end, &en))==TREC_OK ){
    if( en.kind!=TREC_PK_VAR ) continue;
    if( en.slot>=f->n_slots ){
      return replay_err(rp, TREC_ERR_CORRUPT,
                        "variable slot %u out of range for code %u", en.slot, f->code);
    }
    f->val[en.slot].p = en.value;
    f->val[en.slot].e = en.value_end;
  }
  if( rc!=TREC_ERR_NOTFOUND ){
    return replay_err(rp, TREC_ERR_CORRUPT, "corrupt event payload");
  }
  return TREC_OK;
}

int rstack_copy(trec_replay *rp, struct rstack *dst, const struct rstack *src){
  int rc;
  dst->n = 0;
  for(size_t i=0; i<src->n; i++){
    const struct rframe *sf = &src->f[i];
    rc = stack_push(rp, dst, sf->frame, sf->code, sf->line);
    if( rc ) return rc;
    if( sf->n_slots ) memcpy(dst->f[i].val, sf->val, sf->n_slots*sizeof(*sf->val));
  }
  dst->pending_pop = src->pending_pop;
  return TREC_OK;
}

int rstack_from_keyframe(trec_replay *rp, struct rstack *s,
                         const struct trec_keyframe *kf){
  int rc;
  s->n = 0;
  s->pending_pop = 0;
  for(size_t i=0; i<kf->n; i++){
    const struct trec_kframe *k = &kf->frames[i];
    rc = stack_push(rp, s, k->frame, k->code, k->line);
    if( rc ) return rc;
    rc = stack_apply_entries(rp, &s->f[s->n-1], k->values, k->values + k->values_len);
    if( rc ) return rc;
  }
  return TREC_OK;
}

int rstack_apply(trec_replay *rp, struct rstack *s, const struct trec_chunk *c,
                 size_t j){
  struct rframe *f;
  const unsigned char *p = c->payload + c->payload_off[j];
  const unsigned char *end = p + c->payload_len[j];
  size_t d;
  int rc;
  if( s->pending_pop ){
    if( s->n ) s->n--;
    s->pending_pop = 0;
  }
  /* The event's depth is the truth (doc/FORMAT.md, chunk.c): a call pushes
  ** at that depth; another event is in the frame at that depth, popping
  ** frames above it (unwinding), or is a frame first seen there (a
  ** recording that started inside it), which is pushed. */
  d = c->depth[j];
  if( d==0 || d>s->n+1 ) goto corrupt;
  if( c->kind[j]==TREC_CALL || d==s->n+1 || s->f[d-1].frame!=c->frame[j] ){
    if( c->kind[j]!=TREC_CALL && d<=s->n ) goto corrupt;
    s->n = d-1;
    /* a library frame has no line events: its call into this one says
    ** where it is */
    if( c->kind[j]==TREC_CALL && c->caller_line[j]!=0 && d>1 )
      s->f[d-2].line = c->caller_line[j];
    rc = stack_push(rp, s, c->frame[j], c->code[j], c->line[j]);
    if( rc ) return rc;
  }else{
    s->n = d;
  }
  f = &s->f[s->n-1];
  f->line = c->line[j];
  rc = stack_apply_entries(rp, f, p, end);
  if( rc ) return rc;
  if( c->kind[j]==TREC_RETURN ) s->pending_pop = 1;
  return TREC_OK;
corrupt:
  return replay_err(rp, TREC_ERR_CORRUPT,
                    "event %llu at depth %u does not fit its thread's stack of %zu frames",
                    (unsigned long long)c->seq[j], c->depth[j], s->n);
}

struct rframe *rstack_find(struct rstack *s, uint64_t frame){
  for(size_t i=s->n; i>0; i--){
    if( s->f[i-1].frame==frame ) return &s->f[i-1];
  }
  return NULL;
}
