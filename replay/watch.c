/*
** watch.c: watches (stop where a value becomes different) and history
** (every value a variable took in one frame).
**
** A watch names one variable slot of one frame activation, plus a path of
** attribute and item accesses into its value. The recorder writes a
** variable into an event's payload only when it changed, so only events of
** that frame whose payload has that slot can change the watch: those are
** the candidates, found from the frame column and the payload alone. At a
** candidate the value before the event comes from the state rebuilt at the
** previous event; the path is applied to both and the encodings compared.
** Forward and backward run the same test on the same candidates.
*/
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "replay/replay_int.h"

void watch_release(trec_replay *rp){
  for(size_t i=0; i<rp->n_watch; i++) free(rp->watch[i].expr);
  free(rp->watch);
  rp->watch = NULL;
  rp->n_watch = rp->watch_cap = 0;
}

int trec_replay_watch_add(trec_replay *rp, size_t level, const char *expr,
                          int *id){
  struct rwatch w;
  size_t n = 0, fl;
  uint32_t slot;
  char name[256];
  int rc;
  memset(&w, 0, sizeof(w));
  while( *expr==' ' ) expr++;
  while( expr[n] && (expr[n]=='_' || (expr[n]>='a' && expr[n]<='z') || (expr[n]>='A' && expr[n]<='Z')
                     || (n && expr[n]>='0' && expr[n]<='9') || (expr[n] & 0x80)) ) n++;
  {
    const char *rest = expr + n;
    while( *rest==' ' ) rest++;
    if( n==0 || n>=sizeof(name) || *rest=='(' )
      return replay_err(rp, TREC_ERR_INVALID, "watch NAME, NAME.attr or NAME[key]");
  }
  if( rp->empty || level>=rp->cur.n ) return replay_err(rp, TREC_ERR_RANGE, "no frame at level %zu", level);
  rc = replay_expr_check(rp, expr);
  if( rc==TREC_OK ) rc = replay_path_check(rp, expr, n);
  if( rc ) return rc;
  memcpy(name, expr, n);
  name[n] = 0;
  if( replay_lookup(rp, &rp->cur, level, name, &fl, &slot) ){
    return replay_err(rp, TREC_ERR_NOTFOUND, "NameError: name '%s' is not defined", name);
  }
  w.expr = strdup(expr);
  if( w.expr==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  w.path = w.expr + n;
  w.frame = rp->cur.f[fl].frame;
  w.thread = rp->thr[rp->cur_t].id;
  w.slot = slot;
  w.enabled = 1;
  {
    const struct trec_code *co = trec_reader_code(rp->r, rp->cur.f[fl].code);
    int moves = co && (co->flags & (TREC_CO_GENERATOR | TREC_CO_COROUTINE | TREC_CO_ASYNC_GEN));
    w.depth = moves ? 0 : (uint32_t)fl + 1;
  }
  if( rp->n_watch==rp->watch_cap ){
    size_t cap = rp->watch_cap ? 2*rp->watch_cap : 4;
    struct rwatch *nw = realloc(rp->watch, cap*sizeof(*nw));
    if( nw==NULL ){ free(w.expr); return replay_err(rp, TREC_ERR_NOMEM, "out of memory"); }
    rp->watch = nw;
    rp->watch_cap = cap;
  }
  w.id = rp->next_id++;
  rp->watch[rp->n_watch++] = w;
  *id = w.id;
  return TREC_OK;
}

int trec_replay_watch_delete(trec_replay *rp, int id){
  for(size_t i=0; i<rp->n_watch; i++){
    if( rp->watch[i].id==id ){
      free(rp->watch[i].expr);
      memmove(&rp->watch[i], &rp->watch[i+1], (rp->n_watch - i - 1)*sizeof(rp->watch[0]));
      rp->n_watch--;
      return TREC_OK;
    }
  }
  return replay_err(rp, TREC_ERR_NOTFOUND, "no watch number %d", id);
}

size_t trec_replay_n_watches(trec_replay *rp){ return rp->n_watch; }

int trec_replay_watch_get(trec_replay *rp, size_t i, struct trec_replay_watch *out){
  if( i>=rp->n_watch ) return replay_err(rp, TREC_ERR_RANGE, "no watch %zu", i);
  out->id = rp->watch[i].id;
  out->enabled = rp->watch[i].enabled;
  out->expr = rp->watch[i].expr;
  out->frame = rp->watch[i].frame;
  return TREC_OK;
}

/* The VAR entry for slot in event j's payload, or 0. */
static int payload_slot(const struct trec_chunk *c, size_t j, uint32_t slot,
                        struct rval *v){
  const unsigned char *p = c->payload + c->payload_off[j];
  const unsigned char *end = p + c->payload_len[j];
  struct trec_entry en;
  int found = 0;
  while( trec_payload_next(&p, end, &en)==TREC_OK ){
    if( en.kind==TREC_PK_VAR && en.slot==slot ){
      v->p = en.value;
      v->e = en.value_end;
      found = 1;
    }
  }
  return found;
}

struct wscan {
  const struct rwatch *w;
  int dir;
  struct rstack st;
  struct trec_buf a, b;
  int a_absent, b_absent;
  int changed, gone;          /* at the last match */
  int left;                   /* going forward from the frame's return */
};

/* Apply w's path to a root value: into out, or *absent. */
static int watch_value(trec_replay *rp, const struct rwatch *w, struct rval root,
                       struct trec_buf *out, int *absent){
  if( rval_unbound(&root) ){
    *absent = 1;
    return TREC_OK;
  }
  return replay_eval_path(rp, root.p, root.e, w->path, out, absent);
}

/* A frame that cannot move (w->depth, not a generator's) is left at its
** return going forward and at its call going backward; a watch stops
** there too, and is deleted (trec_replay_stop.gone). Going forward from
** that return (a watch set there), it is gone at the thread's next
** event. */
static int watch_match(trec_replay *rp, void *ctx, size_t ti, size_t k,
                       struct centry *e, size_t j){
  struct wscan *ws = ctx;
  const struct trec_chunk *c = &e->ch;
  struct rval nv = { NULL, NULL }, ov = { NULL, NULL };
  struct rframe *f;
  int rc;
  (void)ti; (void)k;
  ws->changed = 0;
  if( ws->left ) return ws->gone = 1;
  if( c->frame[j]!=ws->w->frame ) return 0;
  ws->gone = ws->w->depth
             && c->kind[j]==(ws->dir>0 ? TREC_RETURN : TREC_CALL);
  if( c->kind[j]==TREC_CALL ) return ws->gone;
  if( !payload_slot(c, j, ws->w->slot, &nv) ) return ws->gone;
  if( j>0 ){
    rc = cache_state(rp, e, j-1, &ws->st);
    if( rc ) return -rc;
    f = rstack_find(&ws->st, ws->w->frame);
  }else{
    f = rstack_find(&e->snap[0], ws->w->frame);
  }
  if( f==NULL ) return 0;
  if( ws->w->slot<f->n_slots ) ov = f->val[ws->w->slot];
  rc = watch_value(rp, ws->w, ov, &ws->a, &ws->a_absent);
  if( rc==TREC_OK ) rc = watch_value(rp, ws->w, nv, &ws->b, &ws->b_absent);
  if( rc ) return -rc;
  if( ws->a_absent && ws->b_absent ) ws->changed = 0;
  else if( ws->a_absent!=ws->b_absent ) ws->changed = 1;
  else ws->changed = ws->a.len!=ws->b.len
                     || memcmp(ws->a.data, ws->b.data, ws->a.len)!=0;
  return ws->changed || ws->gone;
}

/* A frame that never moves is only in chunks whose depth range holds it. */
static int watch_skip(trec_replay *rp, void *ctx, size_t ti, size_t k,
                      const struct trec_chunk_info *ci){
  const struct wscan *ws = ctx;
  (void)rp; (void)ti; (void)k;
  return ws->w->depth && !ws->left
         && (ci->min_depth>ws->w->depth || ci->max_depth<ws->w->depth);
}

/* Every watch is scanned with the bound narrowed to the nearest hit so
** far, that hit's event included: the watches that change at one event
** are all reported, as gdb reports each. */
int watch_scan(trec_replay *rp, int dir, uint64_t from, uint64_t bound,
               struct whit *hit){
  struct wscan ws;
  int found = 0, rc = TREC_OK;
  memset(&ws, 0, sizeof(ws));
  memset(hit, 0, sizeof(*hit));
  ws.dir = dir;
  rstack_init(&ws.st);
  trec_buf_reset(&rp->wchg);
  trec_buf_reset(&rp->wvals);
  for(size_t i=0; i<rp->n_watch; i++){
    size_t ti = replay_thread_index(rp, rp->watch[i].thread), k, j;
    struct centry *e;
    uint64_t seq;
    if( !rp->watch[i].enabled || ti==SIZE_MAX ) continue;
    ws.w = &rp->watch[i];
    ws.left = 0;
    if( dir>0 && ws.w->depth && replay_thread_at(rp, ti, from, &k, &e, &j)==TREC_OK ){
      ws.left = e->ch.seq[j]==from && e->ch.kind[j]==TREC_RETURN
                && e->ch.frame[j]==ws.w->frame;
    }
    rc = replay_scan(rp, ti, dir, from, bound, watch_match, watch_skip, &ws, &k, &j);
    if( rc==TREC_ERR_NOTFOUND ){ rc = TREC_OK; continue; }
    if( rc ) break;
    rc = cache_get(rp, rp->thr[ti].chunks[k], &e);
    if( rc ) break;
    seq = e->ch.seq[j];
    if( !found || seq!=hit->seq ){
      /* nearer than every hit before it: they are not news yet */
      trec_buf_reset(&rp->wchg);
      trec_buf_reset(&rp->wvals);
      memset(hit, 0, sizeof(*hit));
      hit->ti = ti; hit->k = k; hit->j = j;
      hit->seq = seq;
      hit->id = rp->watch[i].id;
      bound = dir>0 ? seq + 1 : seq - 1;
      found = 1;
    }
    if( ws.gone && !hit->gone ){
      hit->gone = 1;
      hit->frame = rp->watch[i].frame;
    }
    if( ws.changed ){
      struct wchange c;
      if( rp->wchg.len==0 ) hit->id = rp->watch[i].id;
      c.id = rp->watch[i].id;
      c.expr = rp->wvals.len;
      trec_buf_put(&rp->wvals, rp->watch[i].expr, strlen(rp->watch[i].expr) + 1);
      c.old_absent = ws.a_absent;
      c.old_off = rp->wvals.len;
      c.old_len = ws.a.len;
      trec_buf_put(&rp->wvals, ws.a.data, ws.a.len);
      c.new_absent = ws.b_absent;
      c.new_off = rp->wvals.len;
      c.new_len = ws.b.len;
      trec_buf_put(&rp->wvals, ws.b.data, ws.b.len);
      trec_buf_put(&rp->wchg, &c, sizeof(c));
    }
  }
  rstack_release(&ws.st);
  trec_buf_release(&ws.a);
  trec_buf_release(&ws.b);
  if( rc ) return rc;
  if( rp->wchg.oom || rp->wvals.oom ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  return found ? TREC_OK : TREC_ERR_NOTFOUND;
}

int watch_changes(trec_replay *rp, struct trec_replay_stop *stop){
  const struct wchange *c = (const void *)rp->wchg.data;
  size_t n = rp->wchg.len / sizeof(*c);
  const unsigned char *v = rp->wvals.data;
  trec_buf_reset(&rp->changes);
  for(size_t i=0; i<n; i++){
    struct trec_replay_change x;
    memset(&x, 0, sizeof(x));
    x.id = c[i].id;
    x.expr = (const char *)v + c[i].expr;
    if( !c[i].old_absent ){ x.old_value = v + c[i].old_off; x.old_end = x.old_value + c[i].old_len; }
    if( !c[i].new_absent ){ x.new_value = v + c[i].new_off; x.new_end = x.new_value + c[i].new_len; }
    trec_buf_put(&rp->changes, &x, sizeof(x));
  }
  if( rp->changes.oom ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  stop->changes = (const void *)rp->changes.data;
  stop->n_changes = n;
  return TREC_OK;
}

int watch_leave(trec_replay *rp, uint64_t frame, struct trec_replay_stop *stop){
  size_t i = 0;
  trec_buf_reset(&rp->gone);
  while( i<rp->n_watch ){
    if( rp->watch[i].frame!=frame ){
      i++;
      continue;
    }
    trec_buf_put(&rp->gone, &rp->watch[i].id, sizeof(int));
    trec_replay_watch_delete(rp, rp->watch[i].id);
  }
  if( rp->gone.oom ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  stop->gone = (const int *)(void *)rp->gone.data;
  stop->n_gone = rp->gone.len / sizeof(int);
  return TREC_OK;
}

/*-************************************
*  History
**************************************/

struct hist {
  uint64_t frame;
  uint32_t slot, depth;
  int generator;
  int32_t firstline;
  int32_t last_line;
  int started, done;
  struct trec_buf prev;
  int prev_absent;
  trec_replay_hist_fn fn;
  void *ctx;
};

static int hist_find_call(trec_replay *rp, void *ctx, size_t ti, size_t k,
                          struct centry *e, size_t j){
  const struct hist *h = ctx;
  const struct trec_chunk *c = &e->ch;
  (void)rp; (void)ti; (void)k;
  if( c->frame[j]!=h->frame || c->kind[j]!=TREC_CALL ) return 0;
  return !h->generator || c->line[j]<=h->firstline;
}

static int hist_skip(trec_replay *rp, void *ctx, size_t ti, size_t k,
                     const struct trec_chunk_info *ci){
  const struct hist *h = ctx;
  (void)rp; (void)ti; (void)k;
  return !h->generator && ci->min_depth>h->depth;
}

static int hist_walk(trec_replay *rp, void *ctx, size_t ti, size_t k,
                     struct centry *e, size_t j){
  struct hist *h = ctx;
  const struct trec_chunk *c = &e->ch;
  struct rval v = { NULL, NULL };
  (void)rp; (void)ti; (void)k;
  if( c->frame[j]!=h->frame ) return 0;
  if( c->kind[j]==TREC_CALL ){
    if( h->started && h->generator && c->line[j]<=h->firstline ) return 1;   /* a new activation */
    if( !h->started ) h->last_line = c->line[j];
    h->started = 1;
  }
  if( payload_slot(c, j, h->slot, &v) || c->kind[j]==TREC_CALL ){
    int absent = 0;
    if( !payload_slot(c, j, h->slot, &v) || v.p[0]==TREC_V_UNBOUND ) absent = 1;
    if( absent!=h->prev_absent || (!absent && ((size_t)(v.e - v.p)!=h->prev.len
                                   || memcmp(v.p, h->prev.data, h->prev.len))) ){
      struct trec_replay_hist r;
      if( !(absent && h->prev_absent) ){
        r.seq = c->seq[j];
        r.line = c->kind[j]==TREC_CALL ? c->line[j] : h->last_line;
        r.value = absent ? NULL : v.p;
        r.value_end = absent ? NULL : v.e;
        if( h->fn(h->ctx, &r) ){ h->done = 1; return 1; }
      }
      h->prev_absent = absent;
      trec_buf_reset(&h->prev);
      if( !absent ) trec_buf_put(&h->prev, v.p, (size_t)(v.e - v.p));
    }
  }
  h->last_line = c->line[j];
  if( c->kind[j]==TREC_RETURN && !h->generator ){ h->done = 1; return 1; }
  return 0;
}

int trec_replay_history(trec_replay *rp, size_t level, const char *name,
                        trec_replay_hist_fn fn, void *ctx){
  struct hist h;
  const struct trec_code *co;
  size_t fl, k, j;
  uint64_t start;
  int rc;
  if( rp->empty || level>=rp->cur.n ) return replay_err(rp, TREC_ERR_RANGE, "no frame at level %zu", level);
  if( replay_lookup(rp, &rp->cur, level, name, &fl, &h.slot) ){
    return replay_err(rp, TREC_ERR_NOTFOUND, "NameError: name '%s' is not defined", name);
  }
  memset(&h, 0, sizeof(h));
  replay_lookup(rp, &rp->cur, level, name, &fl, &h.slot);
  h.frame = rp->cur.f[fl].frame;
  h.depth = (uint32_t)fl + 1;
  co = trec_reader_code(rp->r, rp->cur.f[fl].code);
  h.generator = (co->flags & (TREC_CO_GENERATOR | TREC_CO_COROUTINE | TREC_CO_ASYNC_GEN))!=0;
  h.firstline = co->firstlineno;
  h.prev_absent = 1;
  h.fn = fn;
  h.ctx = ctx;
  /* from the frame's call (inclusive) to its return */
  rc = replay_scan(rp, rp->cur_t, TREC_BACKWARD, trec_replay_seq(rp) + 1, 0,
                   hist_find_call, hist_skip, &h, &k, &j);
  if( rc==TREC_OK ){
    struct centry *e;
    rc = cache_get(rp, rp->thr[rp->cur_t].chunks[k], &e);
    if( rc ) goto out;
    start = e->ch.seq[j] - 1;
  }else if( rc==TREC_ERR_NOTFOUND ){
    start = 0;
  }else{
    goto out;
  }
  rc = replay_scan(rp, rp->cur_t, TREC_FORWARD, start, UINT64_MAX,
                   hist_walk, hist_skip, &h, &k, &j);
  if( rc==TREC_ERR_NOTFOUND ) rc = TREC_OK;
out:
  trec_buf_release(&h.prev);
  return rc;
}
