/*
** cache.c: decoded chunks, the states inside them, and moving the cursor.
**
** A small LRU (REPLAY_N_CACHE entries) of decoded chunks with their
** keyframes. Stepping touches one or two chunks, a thread switch one more;
** eight covers a REPL session and the viewer's requests without decoding a
** chunk twice in a row. Inside an entry, snapshots every REPLAY_SNAP_EVERY
** events bound the work for the state at any event to that many event
** applications, the same forward and backward.
*/
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "replay/replay_int.h"

static void entry_clear(struct centry *e){
  e->index = SIZE_MAX;
  e->n_snap = 0;
}

void cache_release(trec_replay *rp){
  for(size_t i=0; i<REPLAY_N_CACHE; i++){
    struct centry *e = &rp->cache[i];
    trec_chunk_release(&e->ch);
    trec_keyframe_release(&e->kf);
    for(size_t k=0; k<e->snap_cap; k++) rstack_release(&e->snap[k]);
    free(e->snap);
    memset(e, 0, sizeof(*e));
    e->index = SIZE_MAX;
  }
}

static int entry_add_snap(trec_replay *rp, struct centry *e){
  if( e->n_snap==e->snap_cap ){
    size_t cap = e->snap_cap ? 2*e->snap_cap : 8;
    struct rstack *ns = realloc(e->snap, cap*sizeof(*ns));
    if( ns==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
    for(size_t k=e->snap_cap; k<cap; k++) rstack_init(&ns[k]);
    e->snap = ns;
    e->snap_cap = cap;
  }
  e->n_snap++;
  return TREC_OK;
}

int cache_get(trec_replay *rp, size_t index, struct centry **out){
  struct centry *victim = NULL;
  int rc;
  for(size_t i=0; i<REPLAY_N_CACHE; i++){
    struct centry *e = &rp->cache[i];
    if( e->index==index ){
      e->used = ++rp->clock;
      *out = e;
      return TREC_OK;
    }
    if( e->pins ) continue;
    if( victim==NULL || e->used<victim->used ) victim = e;
  }
  if( victim==NULL ){
    return replay_err(rp, TREC_ERR_STATE, "replay cache exhausted");
  }
  entry_clear(victim);
  rc = trec_reader_read_chunk(rp->r, index, &victim->ch);
  if( rc==TREC_OK ) rc = trec_reader_read_keyframe(rp->r, index, &victim->kf);
  if( rc ){
    entry_clear(victim);
    return replay_err(rp, rc, "%s", trec_reader_errmsg(rp->r));
  }
  rc = entry_add_snap(rp, victim);
  if( rc==TREC_OK ) rc = rstack_from_keyframe(rp, &victim->snap[0], &victim->kf);
  if( rc ){
    entry_clear(victim);
    return rc;
  }
  victim->index = index;
  victim->used = ++rp->clock;
  *out = victim;
  return TREC_OK;
}

int cache_state(trec_replay *rp, struct centry *e, size_t j, struct rstack *out){
  size_t k = j / REPLAY_SNAP_EVERY;
  int rc;
  while( e->n_snap<=k ){
    size_t from = (e->n_snap-1)*REPLAY_SNAP_EVERY;
    rc = entry_add_snap(rp, e);
    if( rc ) return rc;
    rc = rstack_copy(rp, &e->snap[e->n_snap-1], &e->snap[e->n_snap-2]);
    for(size_t i=from; rc==TREC_OK && i<from+REPLAY_SNAP_EVERY; i++){
      rc = rstack_apply(rp, &e->snap[e->n_snap-1], &e->ch, i);
    }
    if( rc ){
      e->n_snap--;
      return rc;
    }
  }
  rc = rstack_copy(rp, out, &e->snap[k]);
  for(size_t i=k*REPLAY_SNAP_EVERY; rc==TREC_OK && i<=j; i++){
    rc = rstack_apply(rp, out, &e->ch, i);
  }
  return rc;
}

size_t replay_thread_index(trec_replay *rp, uint32_t thread_id){
  for(size_t i=0; i<rp->n_thr; i++){
    if( rp->thr[i].id==thread_id ) return i;
  }
  return SIZE_MAX;
}

/* Last index in c->seq[0..n) with seq <= target, or -1. */
static ptrdiff_t chunk_last_le(const struct trec_chunk *c, uint64_t target){
  size_t lo = 0, hi = c->n;
  while( lo<hi ){
    size_t mid = lo + (hi-lo)/2;
    if( c->seq[mid]<=target ) lo = mid+1; else hi = mid;
  }
  return (ptrdiff_t)lo - 1;
}

int replay_thread_at(trec_replay *rp, size_t ti, uint64_t seq,
                     size_t *k, struct centry **e, size_t *j){
  const struct rthread *t = &rp->thr[ti];
  size_t lo = 0, hi = t->n;
  ptrdiff_t jj;
  int rc;
  while( lo<hi ){
    size_t mid = lo + (hi-lo)/2;
    if( trec_reader_chunk(rp->r, t->chunks[mid])->first_seq<=seq ) lo = mid+1;
    else hi = mid;
  }
  if( lo==0 ) return TREC_ERR_NOTFOUND;
  rc = cache_get(rp, t->chunks[lo-1], e);
  if( rc ) return rc;
  jj = chunk_last_le(&(*e)->ch, seq);
  if( jj<0 ){
    return replay_err(rp, TREC_ERR_CORRUPT, "chunk index disagrees with chunk %zu",
                      t->chunks[lo-1]);
  }
  *k = lo-1;
  *j = (size_t)jj;
  return TREC_OK;
}

int replay_move(trec_replay *rp, size_t ti, size_t k, size_t j){
  struct centry *e;
  struct rstack tmp;
  int rc;
  rc = cache_get(rp, rp->thr[ti].chunks[k], &e);
  if( rc ) return rc;
  e->pins++;
  rstack_init(&tmp);
  rc = cache_state(rp, e, j, &tmp);
  if( rc ){
    e->pins--;
    rstack_release(&tmp);
    return rc;
  }
  if( rp->cur_e ) rp->cur_e->pins--;
  rstack_release(&rp->cur);
  rp->cur = tmp;
  rp->cur_e = e;
  rp->cur_t = ti;
  rp->cur_k = k;
  rp->cur_j = j;
  rp->empty = 0;
  return TREC_OK;
}
