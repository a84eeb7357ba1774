/*
** cursor.c: motions. Every motion is a scan of one thread's events, forward
** or backward from the cursor, for the first event a predicate accepts;
** whole chunks the predicate cannot accept are skipped from the chunk index
** alone (no decoding), which is what keeps `next` over a call of a million
** events, or `return` out of it, at a few chunk decodes.
**
** The stepping rules are pdb's (Lib/bdb.py: stop_here, dispatch_*), stated
** on depth and frame identity so that they mirror exactly backward; see
** enum trec_replay_gran in replay.h.
*/
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "replay/replay_int.h"

/* Ctrl-C during a long motion: the message is set here, once, for every
** caller that passes the status up. */
static int interrupted(trec_replay *rp){
  if( rp->interrupt==NULL || !*rp->interrupt ) return 0;
  replay_err(rp, TREC_ERR_INTERRUPTED, "Interrupted: the cursor stays where it was");
  return 1;
}

int replay_scan(trec_replay *rp, size_t ti, int dir, uint64_t from,
                uint64_t bound, replay_scan_fn fn, replay_skip_fn skip,
                void *ctx, size_t *ok, size_t *oj){
  const struct rthread *t = &rp->thr[ti];
  struct centry *e;
  size_t k, j;
  int rc;
  if( t->n==0 ) return TREC_ERR_NOTFOUND;
  if( dir>0 ){
    rc = replay_thread_at(rp, ti, from, &k, &e, &j);
    if( rc==TREC_ERR_NOTFOUND ){ k = 0; j = 0; }
    else if( rc ) return rc;
    else if( ++j>=e->ch.n ){ k++; j = 0; }
    for(; k<t->n; k++, j=0){
      const struct trec_chunk_info *ci = trec_reader_chunk(rp->r, t->chunks[k]);
      if( ci->first_seq>=bound ) break;
      if( interrupted(rp) ) return TREC_ERR_INTERRUPTED;
      if( skip && skip(rp, ctx, ti, k, ci) ) continue;
      rc = cache_get(rp, t->chunks[k], &e);
      if( rc ) return rc;
      e->pins++;
      for(; j<e->ch.n && e->ch.seq[j]<bound; j++){
        int m = fn(rp, ctx, ti, k, e, j);
        if( m ){
          e->pins--;
          if( m<0 ) return -m;
          *ok = k; *oj = j;
          return TREC_OK;
        }
      }
      e->pins--;
    }
    return TREC_ERR_NOTFOUND;
  }
  if( from<=1 ) return TREC_ERR_NOTFOUND;
  rc = replay_thread_at(rp, ti, from-1, &k, &e, &j);
  if( rc ) return rc;
  for(;;){
    const struct trec_chunk_info *ci = trec_reader_chunk(rp->r, t->chunks[k]);
    if( ci->last_seq<=bound ) break;
    if( interrupted(rp) ) return TREC_ERR_INTERRUPTED;
    if( !(skip && skip(rp, ctx, ti, k, ci)) ){
      rc = cache_get(rp, t->chunks[k], &e);
      if( rc ) return rc;
      e->pins++;
      if( j==SIZE_MAX ) j = e->ch.n-1;
      for(;;){
        int m;
        if( e->ch.seq[j]<=bound ) break;
        m = fn(rp, ctx, ti, k, e, j);
        if( m ){
          e->pins--;
          if( m<0 ) return -m;
          *ok = k; *oj = j;
          return TREC_OK;
        }
        if( j==0 ) break;
        j--;
      }
      e->pins--;
    }
    if( k==0 ) break;
    k--;
    j = SIZE_MAX;
  }
  return TREC_ERR_NOTFOUND;
}

enum { GRAN_OUT = 100 };   /* internal: the caller's next (previous) event */

struct motion {
  int gran, dir;
  uint32_t d;
  uint64_t frame;
  int32_t target;
  /* next or until from a generator's or coroutine's frame: its own events
  ** are found by identity, at whatever depth a resume puts them; chunks
  ** where neither it nor an exception ran are skipped by `runs`, the
  ** events of its code per chunk (NULL: the trace has no postings) */
  int gen;
  uint32_t *runs;           /* Owned */
  uint64_t edge;            /* seq of its latest return (forward) or
                               earliest call (backward) met, 0 if none */
  int just_left;            /* the event before was its return */
};

static int type_is(const char *t, size_t n, const char *name){
  if( n>9 && memcmp(t, "builtins.", 9)==0 ){ t += 9; n -= 9; }
  return n==strlen(name) && memcmp(t, name, n)==0;
}

/* The exception of an exception event, if it is how a generator's end
** shows: 1 StopIteration, 2 GeneratorExit, else 0. */
static int generator_exc(const struct trec_chunk *c, size_t j){
  const unsigned char *p = c->payload + c->payload_off[j];
  const unsigned char *end = p + c->payload_len[j];
  struct trec_entry en;
  while( trec_payload_next(&p, end, &en)==TREC_OK ){
    struct trec_value v;
    if( en.kind!=TREC_PK_EXCEPTION ) continue;
    if( trec_value_read(en.value, en.value_end, &v) || v.tag!=TREC_V_EXC ) return 0;
    if( type_is(v.type, v.type_len, "StopIteration") ) return 1;
    return type_is(v.type, v.type_len, "GeneratorExit") ? 2 : 0;
  }
  return 0;
}

/* bdb's next, until and return over a generator or coroutine (stopframe
** set in one): its call and return events (resumes, yields, awaits) are
** passed over, so next and until stop at its own next line or exception
** event (return at none of them),
** wherever it is resumed from, or where its end shows in the frame that
** ran it: an exception event of StopIteration or GeneratorExit right after
** its return (bdb's dispatch_exception stops at any such event while the
** generator is suspended, also another generator's end). A StopIteration
** in its own frame is the end of what it awaited or delegated to with
** `yield from`, which bdb passes over too (it tells it by its missing
** traceback, which a trace does not keep; a StopIteration the generator
** raises itself is a RuntimeError next, PEP 479). */
static int gen_match(struct motion *m, const struct trec_chunk *c, size_t j){
  int kind = c->kind[j];
  int just_left = m->just_left;
  m->just_left = 0;
  if( c->frame[j]!=m->frame ){
    return just_left && kind==TREC_EXCEPTION && generator_exc(c, j);
  }
  if( kind==(m->dir>0 ? TREC_RETURN : TREC_CALL) ){
    m->edge = c->seq[j];
    m->just_left = m->dir>0;
  }
  /* bdb's return (stoplineno -1) stops at none of the frame's own events */
  if( m->gran==TREC_STEP_RETURN ) return 0;
  if( kind==TREC_EXCEPTION ) return generator_exc(c, j)!=1;
  if( kind!=TREC_LINE ) return 0;
  if( m->gran==TREC_STEP_NEXT ) return 1;
  return m->dir>0 ? c->line[j]>=m->target : c->line[j]<=m->target;
}

static int motion_match(trec_replay *rp, void *ctx, size_t ti, size_t k,
                        struct centry *e, size_t j){
  const struct motion *m = ctx;
  const struct trec_chunk *c = &e->ch;
  int kind = c->kind[j];
  uint32_t depth = c->depth[j];
  int same = depth==m->d && c->frame[j]==m->frame;
  (void)rp; (void)ti; (void)k;
  if( m->gen ) return gen_match(ctx, c, j);
  switch( m->gran ){
    case TREC_STEP_EVENT: return 1;
    case TREC_STEP_STEP:  return kind!=TREC_OPCODE;
    case TREC_STEP_LINE:  return kind==TREC_LINE;
    case TREC_STEP_NEXT:  return kind!=TREC_OPCODE && depth<=m->d;
    case GRAN_OUT:        return kind!=TREC_OPCODE && depth<m->d;
    case TREC_STEP_RETURN:
      if( kind!=TREC_OPCODE && depth<m->d ) return 1;
      return same && kind==(m->dir>0 ? TREC_RETURN : TREC_CALL);
    case TREC_STEP_UNTIL:
      if( kind!=TREC_OPCODE && depth<m->d ) return 1;
      if( !same ) return 0;
      if( m->dir>0 ){
        if( kind==TREC_RETURN ) return 1;
        return (kind==TREC_LINE || kind==TREC_EXCEPTION) && c->line[j]>=m->target;
      }
      if( kind==TREC_CALL ) return 1;
      return (kind==TREC_LINE || kind==TREC_EXCEPTION) && c->line[j]<=m->target;
    default: return 0;
  }
}

/* The frame at depth d holds that depth from its call to its return, so
** its return (call) is in the first (last) chunk where the depth goes below
** d: some event shallower than d, or the next chunk starting shallower
** (this chunk starting shallower). Other chunks are skipped unread. */
static int return_skip(trec_replay *rp, const struct motion *m, size_t ti,
                       size_t k, const struct trec_chunk_info *ci){
  const struct rthread *t = &rp->thr[ti];
  if( ci->min_depth<m->d ) return 0;
  if( m->dir<0 ) return ci->start_depth>=m->d;
  if( k+1>=t->n ) return 0;
  return trec_reader_chunk(rp->r, t->chunks[k+1])->start_depth>=m->d;
}

static int motion_skip(trec_replay *rp, void *ctx, size_t ti, size_t k,
                       const struct trec_chunk_info *ci){
  const struct motion *m = ctx;
  if( m->gen ){
    if( m->runs==NULL || m->runs[rp->thr[ti].chunks[k]]!=0
        || ci->n_kind[TREC_EXCEPTION]!=0 ) return 0;
    /* what follows a skipped chunk does not follow its return */
    ((struct motion *)ctx)->just_left = 0;
    return 1;
  }
  switch( m->gran ){
    case TREC_STEP_EVENT: return ci->n_events==0;
    case TREC_STEP_STEP:  return ci->n_kind[TREC_OPCODE]==ci->n_events;
    case TREC_STEP_LINE:  return ci->n_kind[TREC_LINE]==0;
    case TREC_STEP_NEXT:
    case TREC_STEP_UNTIL: return ci->min_depth>m->d;
    case TREC_STEP_RETURN: return return_skip(rp, m, ti, k, ci);
    case GRAN_OUT:        return ci->min_depth>=m->d;
    default: return 0;
  }
}

static void stop_init(struct trec_replay_stop *stop, int reason){
  memset(stop, 0, sizeof(*stop));
  stop->reason = reason;
}

/* Whether the frame's code is a generator's, a coroutine's or an async
** generator's, and then where it ran. */
static int gen_motion(trec_replay *rp, uint32_t code, struct motion *m){
  const struct trec_code *co = trec_reader_code(rp->r, code);
  int rc;
  if( co==NULL
      || !(co->flags & (TREC_CO_GENERATOR | TREC_CO_COROUTINE | TREC_CO_ASYNC_GEN)) ){
    return TREC_OK;
  }
  m->gen = 1;
  if( !trec_reader_has_postings(rp->r) ) return TREC_OK;
  m->runs = calloc(trec_reader_n_chunks(rp->r) + 1, sizeof(*m->runs));
  if( m->runs==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  rc = trec_reader_code_chunks(rp->r, code, m->runs);
  if( rc ){
    free(m->runs);
    m->runs = NULL;
    if( rc!=TREC_ERR_NOTFOUND ) return replay_err(rp, rc, "reading the trace's postings");
  }
  return TREC_OK;
}

int trec_replay_step(trec_replay *rp, int dir, int gran, int32_t arg,
                     struct trec_replay_stop *stop){
  size_t n = rp->empty ? 0 : rp->cur.n;
  return trec_replay_step_frame(rp, n ? n-1 : 0, dir, gran, arg, stop);
}

int trec_replay_step_frame(trec_replay *rp, size_t level, int dir, int gran,
                           int32_t arg, struct trec_replay_stop *stop){
  struct motion m;
  const struct trec_chunk *c;
  size_t k, j;
  int kind0, rc, check_bp;
  stop_init(stop, dir>0 ? TREC_STOP_END : TREC_STOP_START);
  if( (dir!=TREC_FORWARD && dir!=TREC_BACKWARD) || gran<TREC_STEP_EVENT || gran>TREC_STEP_UNTIL ){
    return replay_err(rp, TREC_ERR_INVALID, "no such motion");
  }
  if( rp->empty ) return TREC_OK;
  if( level>=rp->cur.n ) return replay_err(rp, TREC_ERR_RANGE, "no frame at level %zu", level);
  c = &rp->cur_e->ch;
  kind0 = level+1==rp->cur.n ? c->kind[rp->cur_j] : TREC_LINE;
  m.gran = gran;
  m.dir = dir;
  m.d = (uint32_t)level + 1;
  m.frame = rp->cur.f[level].frame;
  m.target = arg>0 ? arg : rp->cur.f[level].line + (dir>0 ? 1 : -1);
  m.gen = 0;
  m.runs = NULL;
  m.edge = 0;
  m.just_left = 0;
  /* At the frame's boundary event in the direction of travel, pdb's next
  ** and until behave as step, and return leaves for the caller. */
  if( kind0==(dir>0 ? TREC_RETURN : TREC_CALL) ){
    if( gran==TREC_STEP_NEXT || gran==TREC_STEP_UNTIL ) m.gran = TREC_STEP_STEP;
    else if( gran==TREC_STEP_RETURN ) m.gran = GRAN_OUT;
  }else if( gran==TREC_STEP_NEXT || gran==TREC_STEP_UNTIL
             || (gran==TREC_STEP_RETURN && dir>0) ){
    rc = gen_motion(rp, rp->cur.f[level].code, &m);
    if( rc ) return rc;
  }
  rc = replay_scan(rp, rp->cur_t, dir, trec_replay_seq(rp),
                   dir>0 ? UINT64_MAX : 0, motion_match, motion_skip, &m, &k, &j);
  free(m.runs);
  if( rc && rc!=TREC_ERR_NOTFOUND ) return rc;
  check_bp = m.gran==TREC_STEP_NEXT || m.gran==TREC_STEP_RETURN
             || m.gran==TREC_STEP_UNTIL || m.gran==GRAN_OUT;
  if( rc==TREC_ERR_NOTFOUND && m.gen && m.edge ){
    /* The generator never runs another line (forward: it ended, or was
    ** left suspended, where no StopIteration showed, as in sum(gen());
    ** backward: its first call): go on as from that return (call) event,
    ** where bdb would run away to the end of the program. */
    m.gen = 0;
    m.gran = TREC_STEP_STEP;
    rc = replay_scan(rp, rp->cur_t, dir, m.edge, dir>0 ? UINT64_MAX : 0,
                     motion_match, motion_skip, &m, &k, &j);
    if( rc && rc!=TREC_ERR_NOTFOUND ) return rc;
  }
  if( check_bp ){
    /* pdb's next, return and until stop at a breakpoint in the code they
    ** run through (bdb's break_here is asked at every line); watches too,
    ** as gdb's next does */
    uint64_t limit = dir>0 ? UINT64_MAX : 0;
    int brc;
    if( rc==TREC_OK ){
      struct centry *e;
      brc = cache_get(rp, rp->thr[rp->cur_t].chunks[k], &e);
      if( brc ) return brc;
      limit = e->ch.seq[j];
    }
    brc = bp_run(rp, dir, limit, stop);
    if( brc!=TREC_ERR_NOTFOUND ) return brc;
  }
  if( rc==TREC_ERR_NOTFOUND ) return TREC_OK;
  rc = replay_move(rp, rp->cur_t, k, j);
  if( rc ) return rc;
  stop->reason = TREC_STOP_STEP;
  stop->moved = 1;
  return TREC_OK;
}

struct runto {
  trec_replay_pred pred;
  void *ctx;
};

static int runto_match(trec_replay *rp, void *ctx, size_t ti, size_t k,
                       struct centry *e, size_t j){
  const struct runto *rt = ctx;
  struct trec_event ev;
  (void)rp; (void)ti; (void)k;
  trec_chunk_event(&e->ch, j, &ev);
  return rt->pred(rt->ctx, &ev) ? 1 : 0;
}

int replay_scan_all(trec_replay *rp, int dir, uint64_t from, uint64_t bound,
                    replay_scan_fn fn, replay_skip_fn skip, void *ctx,
                    size_t *oti, size_t *ok, size_t *oj){
  int found = 0;
  for(size_t n=0; n<rp->n_thr; n++){
    /* the current thread first: its hit bounds the others' scans */
    size_t ti = n==0 ? rp->cur_t : (n<=rp->cur_t ? n-1 : n);
    size_t k, j;
    int rc = replay_scan(rp, ti, dir, from, bound, fn, skip, ctx, &k, &j);
    if( rc==TREC_ERR_NOTFOUND ) continue;
    if( rc ) return rc;
    {
      struct centry *e;
      rc = cache_get(rp, rp->thr[ti].chunks[k], &e);
      if( rc ) return rc;
      bound = e->ch.seq[j];
    }
    *oti = ti; *ok = k; *oj = j;
    found = 1;
  }
  return found ? TREC_OK : TREC_ERR_NOTFOUND;
}

int trec_replay_run_to(trec_replay *rp, int dir, trec_replay_pred pred,
                       void *ctx, struct trec_replay_stop *stop){
  struct runto rt;
  size_t ti, k, j;
  int rc;
  stop_init(stop, dir>0 ? TREC_STOP_END : TREC_STOP_START);
  if( dir!=TREC_FORWARD && dir!=TREC_BACKWARD ) return replay_err(rp, TREC_ERR_INVALID, "no such direction");
  if( rp->empty ) return TREC_OK;
  rt.pred = pred;
  rt.ctx = ctx;
  rc = replay_scan_all(rp, dir, trec_replay_seq(rp), dir>0 ? UINT64_MAX : 0,
                       runto_match, NULL, &rt, &ti, &k, &j);
  if( rc==TREC_ERR_NOTFOUND ) return TREC_OK;
  if( rc ) return rc;
  rc = replay_move(rp, ti, k, j);
  if( rc ) return rc;
  stop->reason = TREC_STOP_STEP;
  stop->moved = 1;
  return TREC_OK;
}
