/*
** replay.c: the engine handle: opening over a reader, the per-thread chunk
** lists, seeking, and the accessors for the state at the cursor (stack,
** variables, return value, exception, threads, source lines).
*/
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/replay_int.h"

int replay_err(trec_replay *rp, int rc, const char *fmt, ...){
  va_list ap;
  trec_buf_reset(&rp->msg);
  va_start(ap, fmt);
  {
    char tmp[512];
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    trec_buf_puts(&rp->msg, tmp);
  }
  va_end(ap);
  return rc;
}

void trec_replay_set_interrupt(trec_replay *rp, volatile sig_atomic_t *flag){
  rp->interrupt = flag;
}

const char *trec_replay_errmsg(trec_replay *rp){
  if( rp==NULL ) return "out of memory";
  if( rp->msg.len==0 ) return "no error";
  return trec_buf_cstr(&rp->msg);
}

trec_reader *trec_replay_reader(trec_replay *rp){ return rp->r; }

int replay_python_at_least(trec_replay *rp, int major, int minor){
  const char *v = trec_reader_meta(rp->r, "python_version");
  int ma = 0, mi = 0;
  if( v==NULL || sscanf(v, "%d.%d", &ma, &mi)!=2 ) return 0;
  return ma>major || (ma==major && mi>=minor);
}

int trec_replay_truncated(trec_replay *rp){
  return !trec_reader_complete(rp->r);
}

static int build_threads(trec_replay *rp){
  size_t nt = trec_reader_n_threads(rp->r);
  size_t nc = trec_reader_n_chunks(rp->r);
  rp->thr = calloc(nt ? nt : 1, sizeof(*rp->thr));
  if( rp->thr==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  rp->n_thr = nt;
  for(size_t i=0; i<nt; i++) rp->thr[i].id = trec_reader_thread(rp->r, i)->id;
  for(size_t i=0; i<nc; i++){
    const struct trec_chunk_info *ci = trec_reader_chunk(rp->r, i);
    size_t ti = replay_thread_index(rp, ci->thread);
    struct rthread *t;
    if( ti==SIZE_MAX ){
      return replay_err(rp, TREC_ERR_CORRUPT, "chunk %lld names unknown thread %u",
                        (long long)ci->chunk_id, ci->thread);
    }
    t = &rp->thr[ti];
    if( t->n==t->cap ){
      size_t cap = t->cap ? 2*t->cap : 16;
      size_t *n = realloc(t->chunks, cap*sizeof(*n));
      if( n==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
      t->chunks = n;
      t->cap = cap;
    }
    if( t->n && trec_reader_chunk(rp->r, t->chunks[t->n-1])->last_seq>=ci->first_seq ){
      return replay_err(rp, TREC_ERR_CORRUPT, "chunks of thread %u overlap", ci->thread);
    }
    t->chunks[t->n++] = i;
  }
  return TREC_OK;
}

int trec_replay_new(trec_reader *r, trec_replay **out){
  trec_replay *rp;
  int rc;
  *out = NULL;
  rp = calloc(1, sizeof(*rp));
  if( rp==NULL ) return TREC_ERR_NOMEM;
  *out = rp;
  rp->r = r;
  rp->next_id = 1;
  rp->empty = 1;
  for(size_t i=0; i<REPLAY_N_CACHE; i++) rp->cache[i].index = SIZE_MAX;
  rc = build_threads(rp);
  if( rc ) return rc;
  if( trec_reader_n_events(r)>0 && trec_reader_n_chunks(r)>0 ){
    const struct trec_chunk_info *ci = trec_reader_chunk(r, 0);
    size_t ti = replay_thread_index(rp, ci->thread);
    rc = replay_move(rp, ti, 0, 0);
    if( rc ) return rc;
  }
  return TREC_OK;
}

int trec_replay_open(const char *path, trec_replay **out){
  trec_reader *r = NULL;
  int rc = trec_reader_open(path, 0, &r);
  *out = NULL;
  if( rc ){
    trec_replay *rp = calloc(1, sizeof(*rp));
    if( rp ){
      rp->r = r;
      rp->own_reader = 1;
      for(size_t i=0; i<REPLAY_N_CACHE; i++) rp->cache[i].index = SIZE_MAX;
      replay_err(rp, rc, "%s", r ? trec_reader_errmsg(r) : trec_strerror(rc));
    }else{
      trec_reader_close(r);
    }
    *out = rp;
    return rc;
  }
  rc = trec_replay_new(r, out);
  if( *out ) (*out)->own_reader = 1;
  else trec_reader_close(r);
  return rc;
}

void trec_replay_close(trec_replay *rp){
  if( rp==NULL ) return;
  rstack_release(&rp->cur);
  cache_release(rp);
  for(size_t i=0; i<rp->n_thr; i++) free(rp->thr[i].chunks);
  free(rp->thr);
  bp_release(rp);
  watch_release(rp);
  for(size_t i=0; i<rp->n_src; i++){
    trec_buf_release(&rp->src[i]);
    free(rp->src_lines[i]);
  }
  free(rp->src);
  free(rp->src_lines);
  free(rp->src_n);
  trec_buf_release(&rp->wchg);
  trec_buf_release(&rp->wvals);
  trec_buf_release(&rp->changes);
  trec_buf_release(&rp->gone);
  trec_buf_release(&rp->scratch);
  trec_buf_release(&rp->msg);
  if( rp->own_reader ) trec_reader_close(rp->r);
  free(rp);
}

/*-************************************
*  Position
**************************************/

uint64_t trec_replay_seq(trec_replay *rp){
  if( rp->empty ) return 0;
  return rp->cur_e->ch.seq[rp->cur_j];
}

uint32_t trec_replay_thread(trec_replay *rp){
  if( rp->empty ) return 0;
  return rp->thr[rp->cur_t].id;
}

int trec_replay_event(trec_replay *rp, struct trec_event *ev){
  if( rp->empty ) return replay_err(rp, TREC_ERR_STATE, "the trace has no events");
  trec_chunk_event(&rp->cur_e->ch, rp->cur_j, ev);
  return TREC_OK;
}

int trec_replay_seek(trec_replay *rp, uint64_t seq){
  size_t index, ti, k;
  struct centry *e;
  size_t j;
  int rc;
  if( rp->empty || seq<trec_reader_first_seq(rp->r) || seq>trec_reader_last_seq(rp->r) ){
    return replay_err(rp, TREC_ERR_RANGE, "event %llu is outside the recording (%llu..%llu)",
                      (unsigned long long)seq,
                      (unsigned long long)trec_reader_first_seq(rp->r),
                      (unsigned long long)trec_reader_last_seq(rp->r));
  }
  rc = trec_reader_find_chunk(rp->r, seq, &index);
  if( rc==TREC_ERR_NOTFOUND ){
    return replay_err(rp, rc, "event %llu is not in the recording", (unsigned long long)seq);
  }
  if( rc ) return replay_err(rp, rc, "%s", trec_reader_errmsg(rp->r));
  ti = replay_thread_index(rp, trec_reader_chunk(rp->r, index)->thread);
  if( ti==SIZE_MAX ) return replay_err(rp, TREC_ERR_CORRUPT, "chunk of unknown thread");
  rc = replay_thread_at(rp, ti, seq, &k, &e, &j);
  if( rc==TREC_ERR_NOTFOUND || (rc==TREC_OK && e->ch.seq[j]!=seq) ){
    return replay_err(rp, TREC_ERR_NOTFOUND, "event %llu is not in the recording",
                      (unsigned long long)seq);
  }
  if( rc ) return rc;
  return replay_move(rp, ti, k, j);
}

/*-************************************
*  Stack and values
**************************************/

size_t trec_replay_n_frames(trec_replay *rp){
  return rp->empty ? 0 : rp->cur.n;
}

int trec_replay_frame(trec_replay *rp, size_t level, struct trec_replay_frame *f){
  const struct rframe *rf;
  if( rp->empty || level>=rp->cur.n ){
    return replay_err(rp, TREC_ERR_RANGE, "no frame at level %zu", level);
  }
  rf = &rp->cur.f[level];
  f->frame = rf->frame;
  f->depth = (uint32_t)level + 1;
  f->code = trec_reader_code(rp->r, rf->code);
  f->file = f->code ? trec_reader_file(rp->r, f->code->file) : NULL;
  f->line = rf->line;
  f->returning = (level==rp->cur.n-1) && rp->cur_e->ch.kind[rp->cur_j]==TREC_RETURN;
  return TREC_OK;
}

static int var_fill(trec_replay *rp, const struct rframe *rf, uint32_t slot,
                    struct trec_replay_var *v){
  const struct trec_code *co = trec_reader_code(rp->r, rf->code);
  if( slot>=rf->n_slots || co==NULL ) return TREC_ERR_RANGE;
  if( rval_unbound(&rf->val[slot]) ){
    return TREC_ERR_NOTFOUND;
  }
  v->name = co->names[slot];
  v->slot = slot;
  v->is_arg = (co->flags & TREC_CO_OPTIMIZED) && slot<co->n_args;
  v->value = rf->val[slot].p;
  v->value_end = rf->val[slot].e;
  return TREC_OK;
}

int trec_replay_var(trec_replay *rp, size_t level, uint32_t slot,
                    struct trec_replay_var *v){
  int rc;
  if( rp->empty || level>=rp->cur.n ){
    return replay_err(rp, TREC_ERR_RANGE, "no frame at level %zu", level);
  }
  rc = var_fill(rp, &rp->cur.f[level], slot, v);
  if( rc==TREC_ERR_RANGE ) return replay_err(rp, rc, "no variable slot %u", slot);
  if( rc ) return replay_err(rp, rc, "variable slot %u has no value here", slot);
  return TREC_OK;
}

int replay_lookup(trec_replay *rp, const struct rstack *s, size_t level,
                  const char *name, size_t *flevel, uint32_t *slot){
  const struct rframe *rf;
  const struct trec_code *co;
  if( level>=s->n ) return TREC_ERR_RANGE;
  rf = &s->f[level];
  co = trec_reader_code(rp->r, rf->code);
  if( co==NULL ) return TREC_ERR_CORRUPT;
  for(uint32_t i=0; i<co->n_names && i<rf->n_slots; i++){
    if( !strcmp(co->names[i], name) ){ *flevel = level; *slot = i; return TREC_OK; }
  }
  /* globals: the module-level frame of the same file, outermost first */
  for(size_t l=0; l<s->n; l++){
    const struct trec_code *mc = trec_reader_code(rp->r, s->f[l].code);
    if( l==level || mc==NULL || (mc->flags & TREC_CO_OPTIMIZED) || mc->file!=co->file ) continue;
    if( strcmp(mc->name, "<module>") ) continue;
    for(uint32_t i=0; i<mc->n_names && i<s->f[l].n_slots; i++){
      if( !strcmp(mc->names[i], name) ){ *flevel = l; *slot = i; return TREC_OK; }
    }
  }
  return TREC_ERR_NOTFOUND;
}

int trec_replay_var_by_name(trec_replay *rp, size_t level, const char *name,
                            struct trec_replay_var *v){
  size_t fl;
  uint32_t slot;
  int rc;
  if( rp->empty || level>=rp->cur.n ){
    return replay_err(rp, TREC_ERR_RANGE, "no frame at level %zu", level);
  }
  rc = replay_lookup(rp, &rp->cur, level, name, &fl, &slot);
  if( rc==TREC_OK ) rc = var_fill(rp, &rp->cur.f[fl], slot, v);
  if( rc ) return replay_err(rp, TREC_ERR_NOTFOUND, "name '%s' is not defined", name);
  return TREC_OK;
}

static int event_entry(trec_replay *rp, enum trec_pkind kind,
                       const unsigned char **value, const unsigned char **value_end){
  const struct trec_chunk *c;
  const unsigned char *p, *end;
  struct trec_entry en;
  if( rp->empty ) return replay_err(rp, TREC_ERR_NOTFOUND, "the trace has no events");
  c = &rp->cur_e->ch;
  p = c->payload + c->payload_off[rp->cur_j];
  end = p + c->payload_len[rp->cur_j];
  while( trec_payload_next(&p, end, &en)==TREC_OK ){
    if( en.kind==kind ){
      *value = en.value;
      *value_end = en.value_end;
      return TREC_OK;
    }
  }
  return replay_err(rp, TREC_ERR_NOTFOUND, kind==TREC_PK_RETURN
                    ? "not at a return event" : "not at an exception event");
}

int trec_replay_retval(trec_replay *rp, const unsigned char **value,
                       const unsigned char **value_end){
  return event_entry(rp, TREC_PK_RETURN, value, value_end);
}

int trec_replay_exception(trec_replay *rp, const unsigned char **value,
                          const unsigned char **value_end){
  return event_entry(rp, TREC_PK_EXCEPTION, value, value_end);
}

/*-************************************
*  Threads
**************************************/

size_t trec_replay_n_threads(trec_replay *rp){ return rp->n_thr; }

int trec_replay_thread_pos(trec_replay *rp, size_t i,
                           struct trec_replay_thread_pos *out){
  struct centry *e;
  size_t k, j;
  int rc;
  if( i>=rp->n_thr ) return replay_err(rp, TREC_ERR_RANGE, "no thread %zu", i);
  memset(out, 0, sizeof(*out));
  out->thread = trec_reader_thread(rp->r, i);
  out->current = !rp->empty && i==rp->cur_t;
  if( rp->empty || rp->thr[i].n==0 ) return TREC_OK;
  rc = replay_thread_at(rp, i, trec_replay_seq(rp), &k, &e, &j);
  if( rc==TREC_ERR_NOTFOUND ) return TREC_OK;
  if( rc ) return rc;
  out->seq = e->ch.seq[j];
  out->kind = e->ch.kind[j];
  out->depth = e->ch.depth[j];
  out->code = trec_reader_code(rp->r, e->ch.code[j]);
  out->line = e->ch.line[j];
  out->state = (k==rp->thr[i].n-1 && j==e->ch.n-1) ? TREC_THREAD_FINISHED : TREC_THREAD_LIVE;
  return TREC_OK;
}

int trec_replay_select_thread(trec_replay *rp, uint32_t thread_id,
                              struct trec_replay_stop *stop){
  size_t ti = replay_thread_index(rp, thread_id);
  struct centry *e;
  size_t k, j;
  int rc;
  memset(stop, 0, sizeof(*stop));
  stop->reason = TREC_STOP_SEEK;
  if( ti==SIZE_MAX || rp->thr[ti].n==0 || rp->empty ){
    return replay_err(rp, TREC_ERR_NOTFOUND, "no thread %u", thread_id);
  }
  rc = replay_thread_at(rp, ti, trec_replay_seq(rp), &k, &e, &j);
  if( rc==TREC_ERR_NOTFOUND ){ k = 0; j = 0; rc = TREC_OK; }
  if( rc ) return rc;
  stop->moved = !(ti==rp->cur_t && k==rp->cur_k && j==rp->cur_j);
  return replay_move(rp, ti, k, j);
}

/*-************************************
*  Source
**************************************/

static int source_load(trec_replay *rp, uint32_t file_id){
  size_t need = (size_t)file_id + 1;
  struct trec_buf *b;
  size_t n = 0, cap = 64, *lines;
  int rc;
  if( need>rp->n_src ){
    struct trec_buf *ns = realloc(rp->src, need*sizeof(*ns));
    size_t **nl;
    size_t *nn;
    if( ns==NULL ) return TREC_ERR_NOMEM;
    rp->src = ns;
    nl = realloc(rp->src_lines, need*sizeof(*nl));
    if( nl==NULL ) return TREC_ERR_NOMEM;
    rp->src_lines = nl;
    nn = realloc(rp->src_n, need*sizeof(*nn));
    if( nn==NULL ) return TREC_ERR_NOMEM;
    rp->src_n = nn;
    for(size_t i=rp->n_src; i<need; i++){
      trec_buf_init(&rp->src[i]);
      rp->src_lines[i] = NULL;
      rp->src_n[i] = 0;
    }
    rp->n_src = need;
  }
  if( rp->src_lines[file_id] || rp->src_n[file_id]==SIZE_MAX ) return TREC_OK;
  b = &rp->src[file_id];
  rc = trec_reader_file_source(rp->r, file_id, b);
  if( rc ){
    rp->src_n[file_id] = SIZE_MAX;
    return TREC_OK;
  }
  lines = malloc(cap*sizeof(*lines));
  if( lines==NULL ) return TREC_ERR_NOMEM;
  for(size_t off=0; off<b->len; ){
    const unsigned char *nl = memchr(b->data + off, '\n', b->len - off);
    if( n==cap ){
      size_t *nw = realloc(lines, 2*cap*sizeof(*nw));
      if( nw==NULL ){ free(lines); return TREC_ERR_NOMEM; }
      lines = nw;
      cap *= 2;
    }
    lines[n++] = off;
    off = nl ? (size_t)(nl - b->data) + 1 : b->len;
  }
  rp->src_lines[file_id] = lines;
  rp->src_n[file_id] = n;
  return TREC_OK;
}

int trec_replay_source_line(trec_replay *rp, uint32_t file_id, int32_t line,
                            const char **text, size_t *len, size_t *n_lines){
  const struct trec_buf *b;
  size_t start, end;
  int rc = source_load(rp, file_id);
  if( rc ) return replay_err(rp, rc, "out of memory");
  if( rp->src_n[file_id]==SIZE_MAX ){
    return replay_err(rp, TREC_ERR_NOTFOUND, "the source of file %u was not recorded", file_id);
  }
  if( n_lines ) *n_lines = rp->src_n[file_id];
  if( line<1 || (size_t)line>rp->src_n[file_id] ){
    return replay_err(rp, TREC_ERR_RANGE, "line %d is outside the file", (int)line);
  }
  b = &rp->src[file_id];
  start = rp->src_lines[file_id][line-1];
  end = (size_t)line<rp->src_n[file_id] ? rp->src_lines[file_id][line] : b->len;
  while( end>start && (b->data[end-1]=='\n' || b->data[end-1]=='\r') ) end--;
  *text = (const char *)b->data + start;
  *len = end - start;
  return TREC_OK;
}
