/*
** uncaught.c: where the exception that ended a recorded program was raised,
** which the REPL offers as pdb's post-mortem does. A trace keeps no
** traceback, but it keeps the exception's way out: as an exception leaves
** a frame, sys.settrace reports an exception event there, then the frame's
** return, then an exception event in the caller, each holding the same
** exception object (the same id). Followed backward from the main
** thread's end, that way leads to the frame that raised it.
*/
#include "config.h"
#include "replay/replay_int.h"

/* Frames an exception can leave on its way out: the deepest stack a
** Python can have is smaller. */
#define UNCAUGHT_MAX_FRAMES 100000

struct upred {
  uint32_t thread;
  uint64_t frame;
};

/* the thread's nearest event */
static int in_thread(void *ctx, const struct trec_event *ev){
  const struct upred *u = ctx;
  return ev->thread==u->thread;
}

/* the frame's nearest exception event, or its call: no further */
static int in_frame(void *ctx, const struct trec_event *ev){
  const struct upred *u = ctx;
  return ev->thread==u->thread && ev->frame==u->frame
         && (ev->kind==TREC_EXCEPTION || ev->kind==TREC_CALL);
}

/* an exception event: the chunk index says which chunks have none */
static int is_exc(trec_replay *rp, void *ctx, size_t ti, size_t k,
                  struct centry *e, size_t j){
  struct trec_event ev;
  (void)rp; (void)ctx; (void)ti; (void)k;
  trec_chunk_event(&e->ch, j, &ev);
  return ev.kind==TREC_EXCEPTION;
}
static int no_exc(trec_replay *rp, void *ctx, size_t ti, size_t k,
                  const struct trec_chunk_info *ci){
  (void)rp; (void)ctx; (void)ti; (void)k;
  return ci->n_kind[TREC_EXCEPTION]==0;
}

/* the id of the exception at the cursor's exception event, 0 if none */
static uint64_t exc_id(trec_replay *rp){
  const unsigned char *p, *e;
  struct trec_value v;
  if( trec_replay_exception(rp, &p, &e) || trec_value_read(p, e, &v)
      || v.tag!=TREC_V_EXC ) return 0;
  return v.id;
}

/* Move to the nearest event matching pred in direction dir: *found. */
static int go(trec_replay *rp, int dir, trec_replay_pred pred, struct upred *u,
              struct trec_event *ev, int *found){
  struct trec_replay_stop st;
  int rc = trec_replay_run_to(rp, dir, pred, u, &st);
  *found = 0;
  if( rc ) return rc;
  if( st.reason!=TREC_STOP_STEP ) return TREC_OK;
  rc = trec_replay_event(rp, ev);
  *found = rc==TREC_OK;
  return rc;
}

/* From the thread's last exception event: is all that follows the
** exception leaving frame after frame (their returns, the callers'
** exception events of the same exception)? */
static int leaves_thread(trec_replay *rp, struct upred *u, uint64_t id,
                         uint64_t last_seq, int *yes){
  struct trec_event ev;
  int found, rc;
  *yes = 0;
  for(int i=0; i<UNCAUGHT_MAX_FRAMES; i++){
    if( trec_replay_seq(rp)==last_seq ){ *yes = 1; return TREC_OK; }
    if( (rc = go(rp, TREC_FORWARD, in_thread, u, &ev, &found)) || !found ) return rc;
    if( ev.kind==TREC_RETURN ) continue;
    if( ev.kind!=TREC_EXCEPTION || exc_id(rp)!=id ) return TREC_OK;
  }
  return TREC_OK;
}

static int find_raise(trec_replay *rp, const struct trec_thread *t, uint64_t *seq){
  struct trec_event ev;
  struct upred u = { 0, 0 };
  uint64_t id, at;
  int found, yes, rc;
  size_t k, j;
  if( (rc = trec_replay_seek(rp, t->last_seq)) ) return rc;
  if( (rc = trec_replay_event(rp, &ev)) ) return rc;
  u.thread = ev.thread;
  if( ev.kind!=TREC_EXCEPTION ){
    /* the thread's last exception: chunks without one are not decoded */
    rc = replay_scan(rp, 0, TREC_BACKWARD, ev.seq, 0, is_exc, no_exc, NULL, &k, &j);
    if( rc==TREC_ERR_NOTFOUND ) return TREC_OK;
    if( rc || (rc = replay_move(rp, 0, k, j)) || (rc = trec_replay_event(rp, &ev)) )
      return rc;
  }
  at = ev.seq;
  if( (id = exc_id(rp))==0 ) return TREC_OK;
  if( (rc = leaves_thread(rp, &u, id, t->last_seq, &yes)) || !yes ) return rc;
  if( (rc = trec_replay_seek(rp, at)) ) return rc;
  *seq = at;
  /* back through the frames it left: each callee returned just before the
  ** caller's exception event, its own exception event shortly before that */
  for(int i=0; i<UNCAUGHT_MAX_FRAMES; i++){
    uint32_t depth = ev.depth;
    if( (rc = go(rp, TREC_BACKWARD, in_thread, &u, &ev, &found)) || !found ) return rc;
    if( ev.kind!=TREC_RETURN || ev.depth!=depth+1 ) return TREC_OK;
    u.frame = ev.frame;
    if( (rc = go(rp, TREC_BACKWARD, in_frame, &u, &ev, &found)) || !found ) return rc;
    if( ev.kind!=TREC_EXCEPTION || exc_id(rp)!=id ) return TREC_OK;
    *seq = ev.seq;
  }
  return TREC_OK;
}

int trec_replay_uncaught(trec_replay *rp, uint64_t *seq){
  trec_reader *r = rp->r;
  const char *status = trec_reader_meta(r, "exit_status");
  const struct trec_thread *t;
  uint64_t here = trec_replay_seq(rp);
  int rc, rc2;
  *seq = 0;
  /* a program that exited 0 raised nothing it did not catch */
  if( rp->empty || status==NULL || !strcmp(status, "0")
      || trec_reader_n_threads(r)==0 ) return TREC_OK;
  t = trec_reader_thread(r, 0);
  if( t==NULL || t->last_seq==0 ) return TREC_OK;
  rc = find_raise(rp, t, seq);
  rc2 = trec_replay_seek(rp, here);
  if( rc ){
    *seq = 0;
    return rc;
  }
  return rc2;
}
