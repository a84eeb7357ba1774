/*
** bp.c: breakpoints and trec_replay_continue().
**
** A breakpoint is a location (file:line, or "the first line event after a
** call of function F", which is where pdb stops for `break F`) plus an
** optional condition over recorded values. Continue scans every thread's
** line events in seq order from the cursor; a per-code-object mask says
** which code objects can hold a breakpoint at all, so the common event costs
** one byte load. The condition is evaluated only at a location match, on the
** state rebuilt at that event (cache.c). Hit and ignore counts follow pdb's
** bdb.effective(): counted at matches whose condition holds, in the order
** the motion meets them.
*/
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "replay/replay_int.h"

void bp_release(trec_replay *rp){
  for(size_t i=0; i<rp->n_bp; i++){
    free(rp->bp[i].function);
    free(rp->bp[i].cond);
  }
  free(rp->bp);
  free(rp->bp_code);
  rp->bp = NULL;
  rp->bp_code = NULL;
  rp->n_bp = rp->bp_cap = rp->bp_code_n = 0;
}

static int func_matches(const struct trec_code *co, const char *fn){
  return !strcmp(co->name, fn) || (co->qualname && !strcmp(co->qualname, fn));
}

static int bp_rebuild_mask(trec_replay *rp){
  uint32_t maxc = trec_reader_max_code_id(rp->r);
  unsigned char *m = calloc((size_t)maxc + 1, 1);
  if( m==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  for(uint32_t c=1; c<=maxc; c++){
    const struct trec_code *co = trec_reader_code(rp->r, c);
    if( co==NULL ) continue;
    for(size_t i=0; i<rp->n_bp && !m[c]; i++){
      const struct rbp *b = &rp->bp[i];
      if( !b->enabled ) continue;
      if( b->function ? func_matches(co, b->function) : co->file==b->file ) m[c] = 1;
    }
  }
  free(rp->bp_code);
  rp->bp_code = m;
  rp->bp_code_n = (size_t)maxc + 1;
  return TREC_OK;
}

static int path_matches(const char *path, const char *want, size_t wlen){
  size_t pl = strlen(path);
  if( pl==wlen && !memcmp(path, want, wlen) ) return 2;
  if( pl>wlen && !memcmp(path + pl - wlen, want, wlen) && path[pl-wlen-1]=='/' ) return 1;
  return 0;
}

/* 1 when path is want under the directory a relative name is looked up
** in first, as sys.path[0] is: the script's (meta target, against meta
** cwd), or the working directory for -m and -c. */
static int under_program_dir(trec_replay *rp, const char *path, size_t plen,
                             size_t wlen){
  const char *cwd = trec_reader_meta(rp->r, "cwd");
  const char *mode = trec_reader_meta(rp->r, "mode");
  const char *target = trec_reader_meta(rp->r, "target");
  size_t dlen = plen - wlen - 1;        /* path[dlen] is the '/' */
  const char *slash;
  if( cwd==NULL ) return 0;
  if( mode==NULL || strcmp(mode, "script") || target==NULL
      || (slash = strrchr(target, '/'))==NULL ){
    return strlen(cwd)==dlen && !memcmp(path, cwd, dlen);
  }
  size_t tlen = (size_t)(slash - target), clen = strlen(cwd);
  if( target[0]=='/' ) return tlen==dlen && !memcmp(path, target, dlen);
  return clen + 1 + tlen==dlen && !memcmp(path, cwd, clen) && path[clen]=='/'
         && !memcmp(path + clen + 1, target, tlen);
}

/* The file a breakpoint names: its whole path, else the one in the
** program's directory that it names, else the one path it ends with
** (after a '/'); when several end with it, the error lists them. */
static int resolve_file(trec_replay *rp, const char *want, size_t wlen, uint32_t *file){
  uint32_t maxf = trec_reader_max_file_id(rp->r), best = 0, other = 0;
  int best_q = 0;
  size_t n_more = 0;
  for(uint32_t f=1; f<=maxf; f++){
    const struct trec_file *fi = trec_reader_file(rp->r, f);
    int q;
    if( fi==NULL || fi->path==NULL ) continue;
    q = path_matches(fi->path, want, wlen);
    if( q==2 ) q = 3;
    else if( q==1 && under_program_dir(rp, fi->path, strlen(fi->path), wlen) ) q = 2;
    if( q==0 || q<best_q ) continue;
    if( q>best_q ){
      best_q = q;
      best = f;
      n_more = 0;
      continue;
    }
    if( n_more++==0 ) other = f;
  }
  if( best==0 ) return replay_err(rp, TREC_ERR_NOTFOUND, "'%.*s' is not a file of the recording",
                                  (int)wlen, want);
  if( best_q==1 && n_more>0 ){
    return replay_err(rp, TREC_ERR_NOTFOUND, "'%.*s' is ambiguous: %s, %s%s; give more of "
                      "its path", (int)wlen, want, trec_reader_file(rp->r, best)->path,
                      trec_reader_file(rp->r, other)->path, n_more>1 ? ", ..." : "");
  }
  *file = best;
  return TREC_OK;
}

/* pdb refuses breakpoints on blank and comment lines; so do we when the
** source is in the trace, and on lines no code object of the file reaches. */
static int check_line(trec_replay *rp, uint32_t file, int32_t line){
  const char *text;
  size_t len, n_lines;
  uint32_t maxc = trec_reader_max_code_id(rp->r);
  int covered = 0;
  const struct trec_file *fi = trec_reader_file(rp->r, file);
  for(uint32_t c=1; c<=maxc && !covered; c++){
    const struct trec_code *co = trec_reader_code(rp->r, c);
    if( co && co->file==file && co->firstlineno<=line ) covered = 1;
  }
  if( !covered || line<1 ){
    return replay_err(rp, TREC_ERR_NOTFOUND, "no code at %s:%d", fi ? fi->path : "?", (int)line);
  }
  if( trec_replay_source_line(rp, file, line, &text, &len, &n_lines)==TREC_OK ){
    size_t i = 0;
    while( i<len && (text[i]==' ' || text[i]=='\t') ) i++;
    if( i==len || text[i]=='#' ){
      return replay_err(rp, TREC_ERR_NOTFOUND, "Blank or comment: %s:%d", fi->path, (int)line);
    }
  }else if( n_lines!=0 && (size_t)line>n_lines ){
    return replay_err(rp, TREC_ERR_NOTFOUND, "End of file: %s has %zu lines", fi->path, n_lines);
  }
  return TREC_OK;
}

int trec_replay_break_add(trec_replay *rp, const char *where, const char *cond,
                          unsigned flags, int *id){
  struct rbp b;
  const char *colon;
  char *end;
  int rc;
  memset(&b, 0, sizeof(b));
  while( *where==' ' ) where++;
  if( *where==0 ) return replay_err(rp, TREC_ERR_INVALID, "a breakpoint needs a location");
  if( cond && *cond ){
    rc = replay_expr_check(rp, cond);
    if( rc ) return rc;
  }
  colon = strrchr(where, ':');
  if( colon && colon[1] && strspn(colon+1, "0123456789")==strlen(colon+1) ){
    long l = strtol(colon+1, &end, 10);
    rc = resolve_file(rp, where, (size_t)(colon - where), &b.file);
    if( rc ) return rc;
    b.line = (int32_t)l;
  }else if( strspn(where, "0123456789")==strlen(where) ){
    struct trec_replay_frame f;
    if( trec_replay_frame(rp, trec_replay_n_frames(rp) ? trec_replay_n_frames(rp)-1 : 0, &f)
        || f.file==NULL ){
      return replay_err(rp, TREC_ERR_NOTFOUND, "no current file for line %s", where);
    }
    b.file = f.file->id;
    b.line = (int32_t)strtol(where, &end, 10);
  }else{
    uint32_t maxc = trec_reader_max_code_id(rp->r);
    int found = 0;
    for(uint32_t c=1; c<=maxc && !found; c++){
      const struct trec_code *co = trec_reader_code(rp->r, c);
      if( co && func_matches(co, where) ) found = 1;
    }
    if( !found ){
      return replay_err(rp, TREC_ERR_NOTFOUND, "function '%s' is not in the recording", where);
    }
    b.function = strdup(where);
    if( b.function==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  }
  if( b.function==NULL ){
    rc = check_line(rp, b.file, b.line);
    if( rc ) return rc;
  }
  if( cond && *cond && (b.cond = strdup(cond))==NULL ){
    free(b.function);
    return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  }
  if( rp->n_bp==rp->bp_cap ){
    size_t cap = rp->bp_cap ? 2*rp->bp_cap : 8;
    struct rbp *nb = realloc(rp->bp, cap*sizeof(*nb));
    if( nb==NULL ){
      free(b.function);
      free(b.cond);
      return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
    }
    rp->bp = nb;
    rp->bp_cap = cap;
  }
  b.id = rp->next_id++;
  b.enabled = 1;
  b.temporary = (flags & TREC_BP_TEMPORARY)!=0;
  rp->bp[rp->n_bp++] = b;
  *id = b.id;
  return bp_rebuild_mask(rp);
}

static struct rbp *bp_find(trec_replay *rp, int id, size_t *index){
  for(size_t i=0; i<rp->n_bp; i++){
    if( rp->bp[i].id==id ){
      if( index ) *index = i;
      return &rp->bp[i];
    }
  }
  replay_err(rp, TREC_ERR_NOTFOUND, "no breakpoint number %d", id);
  return NULL;
}

int trec_replay_break_delete(trec_replay *rp, int id){
  size_t i;
  struct rbp *b = bp_find(rp, id, &i);
  if( b==NULL ) return TREC_ERR_NOTFOUND;
  free(b->function);
  free(b->cond);
  memmove(&rp->bp[i], &rp->bp[i+1], (rp->n_bp - i - 1)*sizeof(*b));
  rp->n_bp--;
  return bp_rebuild_mask(rp);
}

int trec_replay_break_enable(trec_replay *rp, int id, int enabled){
  struct rbp *b = bp_find(rp, id, NULL);
  if( b==NULL ) return TREC_ERR_NOTFOUND;
  b->enabled = enabled!=0;
  return bp_rebuild_mask(rp);
}

int trec_replay_break_condition(trec_replay *rp, int id, const char *cond){
  struct rbp *b = bp_find(rp, id, NULL);
  char *c = NULL;
  if( b==NULL ) return TREC_ERR_NOTFOUND;
  if( cond && *cond ){
    int rc = replay_expr_check(rp, cond);
    if( rc ) return rc;
    if( (c = strdup(cond))==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  }
  free(b->cond);
  b->cond = c;
  return TREC_OK;
}

int trec_replay_break_ignore(trec_replay *rp, int id, uint32_t count){
  struct rbp *b = bp_find(rp, id, NULL);
  if( b==NULL ) return TREC_ERR_NOTFOUND;
  b->ignore = count;
  return TREC_OK;
}

size_t trec_replay_n_breaks(trec_replay *rp){ return rp->n_bp; }

int trec_replay_break_get(trec_replay *rp, size_t i, struct trec_replay_bp *out){
  const struct rbp *b;
  if( i>=rp->n_bp ) return replay_err(rp, TREC_ERR_RANGE, "no breakpoint %zu", i);
  b = &rp->bp[i];
  out->id = b->id;
  out->enabled = b->enabled;
  out->temporary = b->temporary;
  out->file = b->file;
  out->line = b->line;
  out->function = b->function;
  out->cond = b->cond;
  out->ignore = b->ignore;
  out->hits = b->hits;
  return TREC_OK;
}

/*-************************************
*  Continue
**************************************/

struct bpscan {
  struct rstack st;        /* state at a candidate, for conditions */
  size_t *hit;             /* bp indexes matching at the found event */
  size_t n_hit;
};

/* Is event j (a line event) the first one after its frame's call? A
** generator's resumes are calls too, at the line of the yield; pdb stops
** only on the first line of the function, so only a call at the function's
** first line (a fresh activation) counts for generators. */
static int after_call(trec_replay *rp, size_t ti, size_t k, struct centry *e,
                      size_t j, const struct trec_code *co, int *yes){
  const struct trec_chunk *pc = &e->ch;
  size_t pj = j-1;
  int rc;
  *yes = 0;
  if( j==0 ){
    struct centry *pe;
    if( k==0 ) return TREC_OK;
    rc = cache_get(rp, rp->thr[ti].chunks[k-1], &pe);
    if( rc ) return rc;
    if( pe->ch.n==0 ) return TREC_OK;
    pc = &pe->ch;
    pj = pe->ch.n-1;
  }
  if( pc->kind[pj]!=TREC_CALL || pc->frame[pj]!=e->ch.frame[j] ) return TREC_OK;
  if( (co->flags & (TREC_CO_GENERATOR | TREC_CO_COROUTINE | TREC_CO_ASYNC_GEN))
      && pc->line[pj]>co->firstlineno ) return TREC_OK;
  *yes = 1;
  return TREC_OK;
}

static int bp_match(trec_replay *rp, void *ctx, size_t ti, size_t k,
                    struct centry *e, size_t j){
  struct bpscan *bs = ctx;
  const struct trec_chunk *c = &e->ch;
  const struct trec_code *co;
  int have_state = 0, rc;
  uint32_t code = c->code[j];
  if( c->kind[j]!=TREC_LINE || code>=rp->bp_code_n || !rp->bp_code[code] ) return 0;
  co = trec_reader_code(rp->r, code);
  bs->n_hit = 0;
  for(size_t i=0; i<rp->n_bp; i++){
    const struct rbp *b = &rp->bp[i];
    if( !b->enabled ) continue;
    if( b->function ){
      int yes = 0;
      if( !func_matches(co, b->function) ) continue;
      rc = after_call(rp, ti, k, e, j, co, &yes);
      if( rc ) return -rc;
      if( !yes ) continue;
    }else if( co->file!=b->file || c->line[j]!=b->line ){
      continue;
    }
    if( b->cond ){
      int t = 1;
      if( !have_state ){
        rc = cache_state(rp, e, j, &bs->st);
        if( rc ) return -rc;
        have_state = 1;
      }
      rc = replay_eval_in(rp, &bs->st, bs->st.n-1, b->cond, &rp->scratch);
      if( rc==TREC_OK ){
        struct trec_value v;
        /* a truth value the recording cannot tell stops, as an error does */
        if( trec_value_read(rp->scratch.data, rp->scratch.data + rp->scratch.len, &v)==TREC_OK
            && replay_truthy(rp, &v, &t)!=TREC_OK ){
          t = 1;
        }
      }else if( rc==TREC_ERR_NOMEM || rc==TREC_ERR_CORRUPT ){
        return -rc;
      }
      /* an error in a condition stops, as in pdb */
      if( !t ) continue;
    }
    bs->hit[bs->n_hit++] = i;
  }
  return bs->n_hit>0;
}

static int bp_skip(trec_replay *rp, void *ctx, size_t ti, size_t k,
                   const struct trec_chunk_info *ci){
  (void)rp; (void)ctx; (void)ti; (void)k;
  return ci->n_kind[TREC_LINE]==0;
}

static int go_end(trec_replay *rp, int dir, struct trec_replay_stop *stop){
  uint64_t target = dir>0 ? trec_reader_last_seq(rp->r) : trec_reader_first_seq(rp->r);
  uint64_t cur = trec_replay_seq(rp);
  int rc;
  if( target==cur ) return TREC_OK;
  rc = trec_replay_seek(rp, target);
  if( rc ) return rc;
  stop->moved = 1;
  return TREC_OK;
}

int trec_replay_continue(trec_replay *rp, int dir, struct trec_replay_stop *stop){
  int rc;
  memset(stop, 0, sizeof(*stop));
  stop->reason = dir>0 ? TREC_STOP_END : TREC_STOP_START;
  if( dir!=TREC_FORWARD && dir!=TREC_BACKWARD ) return replay_err(rp, TREC_ERR_INVALID, "no such direction");
  if( rp->empty ) return TREC_OK;
  rc = bp_run(rp, dir, dir>0 ? UINT64_MAX : 0, stop);
  if( rc==TREC_ERR_NOTFOUND ) rc = go_end(rp, dir, stop);
  return rc;
}

int bp_run(trec_replay *rp, int dir, uint64_t limit, struct trec_replay_stop *stop){
  struct bpscan bs;
  uint64_t from;
  int rc = TREC_OK;
  memset(&bs, 0, sizeof(bs));
  rstack_init(&bs.st);
  bs.hit = malloc((rp->n_bp ? rp->n_bp : 1)*sizeof(*bs.hit));
  if( bs.hit==NULL ) return replay_err(rp, TREC_ERR_NOMEM, "out of memory");
  from = trec_replay_seq(rp);
  for(;;){
    size_t ti = 0, k = 0, j = 0;
    int have_bp = 0, have_watch = 0, any_bp = 0;
    struct rbp *stopper = NULL;
    struct whit wh;
    uint64_t bound = limit;
    for(size_t i=0; i<rp->n_bp; i++) any_bp |= rp->bp[i].enabled;
    if( any_bp ){
      rc = replay_scan_all(rp, dir, from, limit, bp_match, bp_skip, &bs, &ti, &k, &j);
      if( rc==TREC_OK ){
        struct centry *e;
        have_bp = 1;
        rc = cache_get(rp, rp->thr[ti].chunks[k], &e);
        if( rc ) goto out;
        bound = e->ch.seq[j];
        /* bs.hit was overwritten by later candidates of other threads;
        ** recompute it at the winning event */
        e->pins++;
        rc = bp_match(rp, &bs, ti, k, e, j);
        e->pins--;
        if( rc<0 ){ rc = -rc; goto out; }
        rc = TREC_OK;
      }else if( rc!=TREC_ERR_NOTFOUND ){
        goto out;
      }
    }
    /* the breakpoint's event included: a watch changed there is reported
    ** with it, not passed over by the next continue */
    rc = watch_scan(rp, dir, from, !have_bp ? bound : dir>0 ? bound + 1 : bound - 1, &wh);
    if( rc==TREC_ERR_NOTFOUND ) rc = TREC_OK;
    else if( rc ) goto out;
    else have_watch = 1;
    if( !have_watch && !have_bp ){
      rc = TREC_ERR_NOTFOUND;
      goto out;
    }
    if( have_bp && (!have_watch || wh.seq==bound) ){
      for(size_t h=0; h<bs.n_hit && !stopper; h++){
        struct rbp *b = &rp->bp[bs.hit[h]];
        b->hits++;
        if( b->ignore>0 ) b->ignore--;
        else stopper = b;
      }
      if( stopper==NULL && !have_watch ){
        from = bound;
        continue;
      }
    }
    memset(stop, 0, sizeof(*stop));
    if( stopper ){
      rc = replay_move(rp, ti, k, j);
      if( rc ) goto out;
      stop->reason = TREC_STOP_BREAK;
      stop->id = stopper->id;
      stop->bp_line = stopper->line;
      if( stopper->function ){
        struct trec_replay_frame f;
        if( trec_replay_frame(rp, trec_replay_n_frames(rp)-1, &f)==TREC_OK )
          stop->bp_line = f.code->firstlineno;
      }
      if( stopper->temporary ){
        stop->temporary = 1;
        rc = trec_replay_break_delete(rp, stopper->id);
        if( rc ) goto out;
      }
    }else{
      rc = replay_move(rp, wh.ti, wh.k, wh.j);
      if( rc ) goto out;
      stop->reason = TREC_STOP_WATCH;
      stop->id = wh.id;
    }
    stop->moved = 1;
    if( have_watch ){
      rc = watch_changes(rp, stop);
      if( rc==TREC_OK && wh.gone ) rc = watch_leave(rp, wh.frame, stop);
    }
    goto out;
  }
out:
  rstack_release(&bs.st);
  free(bs.hit);
  return rc;
}
