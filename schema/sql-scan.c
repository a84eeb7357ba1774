/*
** sql-scan.c: walk a trace's events in seq order, filtered. Chunks hold one
** thread's events each and the threads' seq ranges interleave, so the scan
** keeps one "lane" per thread (its current decoded chunk and position) and
** always yields the lane with the smallest next seq (the largest, walking
** backwards): rows come out in seq order, which lets `ORDER BY seq` and
** `ORDER BY seq DESC` (the last events, the usual question) cost nothing.
**
** Filters are tested on the decoded columns, before SQLite sees a row: when
** a chunk is decoded, one branch-free pass per filter in use selects its
** matching events, and each next row is then an index step (inline in the
** tables' xNext). Tuned on a 60 M-event loop, where SQLite's own cost per
** row is most of what is left. The chunk index skips whole chunks: outside
** the seq range, of another thread, outside the depth range (its min and
** max depth), holding no event of that kind (kind=) or of those code
** objects (postings). When SQLite reads no column (count(*)), a chunk
** wholly inside the ranges is not even decoded: its per-kind event counts
** or the postings say how many rows it gives ("phantom" rows, decoded after
** all if a column is asked for). This loop is what makes
** `count(*) ... WHERE kind='call'` fast, so it touches only the arrays.
*/
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define TREC_SQL_INTERNAL
#include "schema/sql.h"

/* Forget the summed postings: no code filter now, or another one. */
static void scan_postings_clear(struct sql_scan *s){
  free(s->chunk_n);
  free(s->chunk_n_codes);
  s->chunk_n = NULL;
  s->chunk_n_codes = NULL;
  s->chunk_n_n_codes = 0;
}

/* Decode chunk list[k] into the lane (unless it is there already). */
static int lane_load(struct sql_scan *s, struct sql_lane *l, size_t k, char **errmsg){
  int rc;
  if( l->cached==l->list[k] && (l->cached_skipped & ~s->decode_flags)==0 )
    return SQLITE_OK;
  l->cached = SIZE_MAX;
  rc = trec_reader_read_chunk_ex(s->conn->r, l->list[k], s->decode_flags, &l->c);
  if( rc!=TREC_OK ){
    char what[64];
    snprintf(what, sizeof(what), "chunk %zu", l->list[k]);
    *errmsg = sql_errmsg(s->conn->r, rc, what);
    return sql_rc_for(rc);
  }
  l->cached = l->list[k];
  l->cached_skipped = l->c.skipped;
  return SQLITE_OK;
}

/* First index of the decoded chunk with seq >= v (n if none). */
static size_t chunk_lower(const struct trec_chunk *c, uint64_t v){
  size_t a = 0, z = c->n;
  while( a<z ){
    size_t m = a+(z-a)/2;
    if( c->seq[m]<v ) a = m+1; else z = m;
  }
  return a;
}

static int chunk_skippable(const struct sql_scan *s, size_t index,
                           const struct trec_chunk_info *ci){
  const struct sql_filter *f = s->f;
  return ci->last_seq<f->lo || ci->first_seq>f->hi
      || (f->kind>=0 && ci->n_kind[f->kind]==0)
      || (f->depth_set && (ci->max_depth<f->depth_lo || ci->min_depth>f->depth_hi))
      || (s->chunk_n && s->chunk_n[index]==0);
}

/* Whether the chunk index alone says which of a chunk's events match:
** wholly inside the seq range and the depth range (sql_scan_start allows
** counting only when the other filters are of this form). */
static int chunk_whole(const struct sql_scan *s, const struct trec_chunk_info *ci){
  const struct sql_filter *f = s->f;
  return ci->first_seq>=f->lo && ci->last_seq<=f->hi
      && (!f->depth_set || (ci->min_depth>=f->depth_lo && ci->max_depth<=f->depth_hi));
}

/* Rows such a chunk gives, from the chunk index and the postings. */
static uint64_t chunk_rows(const struct sql_scan *s, size_t index,
                           const struct trec_chunk_info *ci){
  if( s->chunk_n ) return s->chunk_n[index];
  return s->f->kind>=0 ? ci->n_kind[s->f->kind] : ci->n_events;
}

/* Keep the entries of sel[0..n) whose event passes TEST (an expression of
** j), in order; n becomes their count. No branch per event: a filter that
** half the events pass (line=, kind=) would mispredict every other one. */
#define SELECT_KEEP(TEST) do{ \
    size_t i_, m_ = 0; \
    for(i_=0; i_<n; i_++){ \
      uint32_t j = sel[i_]; \
      sel[m_] = j; \
      m_ += (size_t)((TEST)!=0); \
    } \
    n = m_; \
  }while(0)

/* Events a..z-1 of c that match f, in scan order, into sel: one small
** pass per filter in use; returns how many. */
static size_t select_range(const struct sql_scan *s, const struct trec_chunk *c,
                           size_t a, size_t z, uint32_t *sel){
  const struct sql_filter *f = s->f;
  size_t k, n = z-a;
  for(k=0; k<n; k++) sel[k] = (uint32_t)(s->desc ? z-1-k : a+k);
  if( f->kind>=0 ){
    const uint8_t *col = c->kind, want = (uint8_t)f->kind;
    SELECT_KEEP(col[j]==want);
  }
  if( f->line_set ){
    const int32_t *col = c->line, want = f->line;
    SELECT_KEEP(col[j]==want);
  }
  if( f->depth_set ){
    const uint32_t *col = c->depth, lo = f->depth_lo, span = f->depth_hi-f->depth_lo;
    SELECT_KEEP(col[j]-lo<=span);
  }
  if( f->frame ){
    const uint64_t *col = c->frame, want = f->frame;
    SELECT_KEEP(col[j]==want);
  }
  if( f->codes ){
    /* codes[0] is 0: no code object has id 0 */
    const uint32_t *col = c->code, n_codes = f->n_codes;
    const unsigned char *codes = f->codes;
    SELECT_KEEP(codes[col[j]<n_codes ? col[j] : 0]);
  }
  if( s->need_payload ){
    const uint32_t *col = c->payload_len;
    SELECT_KEEP(col[j]);
  }
  return n;
}
#undef SELECT_KEEP

/* The matching events of the lane's decoded chunk, in scan order, into
** l->sel: one tight pass per chunk, so that moving to the next row is an
** index increment (sql_scan_next_fast). */
static int lane_select(struct sql_scan *s, struct sql_lane *l){
  const struct trec_chunk *c = &l->c;
  const struct sql_filter *f = s->f;
  size_t a = chunk_lower(c, f->lo), z = f->hi==UINT64_MAX ? c->n : chunk_lower(c, f->hi+1);
  if( c->n>l->sel_cap ){
    uint32_t *p = realloc(l->sel, c->n*sizeof(*p));
    if( !p ) return SQLITE_NOMEM;
    l->sel = p;
    l->sel_cap = c->n;
  }
  l->n_sel = select_range(s, c, a, z, l->sel);
  l->last = s->desc ? a>0 : z<c->n;
  l->si = 0;
  if( l->n_sel ) l->pos = l->sel[0];
  return SQLITE_OK;
}

/* From list position li (forwards; li-1 backwards) on, bring lane l to
** the first chunk that gives rows: a run of phantom rows or a non-empty
** selection. Sets l->done when there is none. */
static int lane_enter(struct sql_scan *s, struct sql_lane *l, char **errmsg){
  const struct sql_filter *f = s->f;
  int rc;
  l->phantom = 0;
  l->n_sel = l->si = 0;
  while( !l->done ){
    const struct trec_chunk_info *ci;
    size_t k;
    if( s->desc ? l->li==0 : l->li>=l->n_list ){ l->done = 1; break; }
    k = s->desc ? l->li-1 : l->li;
    ci = trec_reader_chunk(s->conn->r, l->list[k]);
    if( s->desc ? ci->last_seq<f->lo : ci->first_seq>f->hi ){ l->done = 1; break; }
    if( chunk_skippable(s, l->list[k], ci) ){
      /* nothing here */
    }else if( s->counting && chunk_whole(s, ci) ){
      /* the chunk index knows how many rows this chunk gives */
      l->phantom = l->phantom_total = chunk_rows(s, l->list[k], ci);
      if( l->phantom ) return SQLITE_OK;
    }else{
      rc = lane_load(s, l, k, errmsg);
      if( rc==SQLITE_OK ) rc = lane_select(s, l);
      if( rc!=SQLITE_OK ) return rc;
      if( l->n_sel ) return SQLITE_OK;
      if( l->last ){ l->done = 1; break; }
    }
    if( s->desc ) l->li--; else l->li++;
  }
  return SQLITE_OK;
}

/* The list position to start from: forwards the first chunk that may hold
** seq >= lo; backwards one past the last chunk that may hold seq <= hi. */
static size_t lane_seek(struct sql_scan *s, const struct sql_lane *l){
  size_t a = 0, z = l->n_list;
  while( a<z ){
    size_t m = a+(z-a)/2;
    const struct trec_chunk_info *ci = trec_reader_chunk(s->conn->r, l->list[m]);
    int before = s->desc ? ci->first_seq<=s->f->hi : ci->last_seq<s->f->lo;
    if( before ) a = m+1; else z = m;
  }
  return a;
}

/* A row counted from the chunk index is wanted after all (a column or the
** rowid asked for): decode its chunk and find it. */
int sql_scan_materialize(struct sql_scan *s, char **errmsg){
  struct sql_lane *l = s->cur;
  size_t want;
  int rc;
  if( s->eof || !l->phantom ) return SQLITE_OK;
  want = (size_t)(l->phantom_total-l->phantom);
  rc = lane_load(s, l, l->li, errmsg);
  if( rc==SQLITE_OK ) rc = lane_select(s, l);
  if( rc!=SQLITE_OK ) return rc;
  if( l->n_sel!=l->phantom_total ){
    *errmsg = sqlite3_mprintf("tracerec: chunk %zu: its event counts do not match its events",
                              l->list[l->li]);
    return SQLITE_CORRUPT_VTAB;
  }
  l->phantom = 0;
  l->si = want;
  l->pos = l->sel[want];
  return SQLITE_OK;
}

static void scan_pick(struct sql_scan *s){
  size_t k;
  s->cur = NULL;
  s->n_live = 0;
  for(k=0; k<s->n_lanes; k++){
    struct sql_lane *l = &s->lanes[k];
    uint64_t q;
    if( l->done ) continue;
    s->n_live++;
    if( !s->cur ){
      s->cur = l;
      continue;
    }
    /* counting: no column is read, so the order of rows cannot be seen */
    if( s->counting ) continue;
    q = l->c.seq[l->pos];
    if( s->desc ? q>s->cur->c.seq[s->cur->pos] : q<s->cur->c.seq[s->cur->pos] ) s->cur = l;
  }
  s->eof = s->cur==NULL;
}

void sql_scan_release(struct sql_scan *s){
  size_t k;
  for(k=0; k<s->n_lanes; k++){
    trec_chunk_release(&s->lanes[k].c);
    free(s->lanes[k].sel);
  }
  free(s->lanes);
  scan_postings_clear(s);
  s->lanes = NULL;
  s->n_lanes = 0;
  s->cur = NULL;
  s->eof = 1;
}

/* A code filter (function=, file=, code=, vars' name=): sum the postings
** of its codes per chunk, so that chunks where none of them ran are
** skipped undecoded. A trace without postings (format 1.0) is scanned. */
static int scan_postings(struct sql_scan *s, char **errmsg){
  trec_reader *r = s->conn->r;
  size_t n = trec_reader_n_chunks(r);
  const struct sql_filter *f = s->f;
  uint32_t id;
  if( !f->codes || f->empty || !trec_reader_has_postings(r) ){
    scan_postings_clear(s);
    return SQLITE_OK;
  }
  if( s->chunk_n && s->chunk_n_n_codes==f->n_codes
   && !memcmp(s->chunk_n_codes, f->codes, f->n_codes) ) return SQLITE_OK;
  scan_postings_clear(s);
  s->chunk_n = calloc(n ? n : 1, sizeof(*s->chunk_n));
  s->chunk_n_codes = malloc(f->n_codes ? f->n_codes : 1);
  if( !s->chunk_n || !s->chunk_n_codes ){
    scan_postings_clear(s);
    return SQLITE_NOMEM;
  }
  for(id=1; id<f->n_codes; id++){
    int rc;
    if( !f->codes[id] ) continue;
    rc = trec_reader_code_chunks(r, id, s->chunk_n);
    if( rc!=TREC_OK ){
      scan_postings_clear(s);
      *errmsg = sql_errmsg(r, rc, "postings");
      return sql_rc_for(rc);
    }
  }
  memcpy(s->chunk_n_codes, f->codes, f->n_codes);
  s->chunk_n_n_codes = f->n_codes;
  return SQLITE_OK;
}

int sql_scan_start(struct sql_scan *s, struct sql_conn *conn, const struct sql_filter *f,
                   int need_payload, int flags, char **errmsg){
  size_t t, n_active = 0;
  int rc;
  s->conn = conn;
  s->f = f;
  s->need_payload = need_payload;
  s->desc = (flags & SQL_PLAN_DESC)!=0;
  s->decode_flags = 0;
  if( (flags & SQL_PLAN_NOTS) ) s->decode_flags |= TREC_DECODE_NO_TS;
  if( (flags & SQL_PLAN_NOPAYLOAD) && !need_payload )
    s->decode_flags |= TREC_DECODE_NO_PAYLOAD;
  s->cur = NULL;
  s->eof = 1;
  if( !s->lanes ){
    s->lanes = calloc(conn->n_threads ? conn->n_threads : 1, sizeof(*s->lanes));
    if( !s->lanes ) return SQLITE_NOMEM;
    s->n_lanes = conn->n_threads;
    for(t=0; t<s->n_lanes; t++){
      trec_chunk_init(&s->lanes[t].c);
      s->lanes[t].cached = SIZE_MAX;
      s->lanes[t].list = conn->thread_chunks[t];
      s->lanes[t].n_list = conn->n_thread_chunks[t];
    }
  }
  for(t=0; t<s->n_lanes; t++){
    struct sql_lane *l = &s->lanes[t];
    l->phantom = 0;
    l->n_sel = l->si = 0;
    l->done = f->empty || (f->thread && conn->threads[t]!=f->thread);
    if( !l->done ) n_active++;
  }
  /* Rows may be counted from the chunk index when the order of rows
  ** across threads cannot matter: one thread, or no column read at all
  ** (a column asked for anyway decodes the chunk, sql_scan_materialize). */
  rc = scan_postings(s, errmsg);
  if( rc!=SQLITE_OK ) return rc;
  s->counting = !s->desc && !need_payload && !f->frame && !f->line_set
                && (!f->codes || (s->chunk_n && f->kind<0))
                && (n_active==1 || (flags & SQL_PLAN_NOCOLS));
  for(t=0; t<s->n_lanes; t++){
    struct sql_lane *l = &s->lanes[t];
    if( l->done ) continue;
    l->li = lane_seek(s, l);
    rc = lane_enter(s, l, errmsg);
    if( rc!=SQLITE_OK ) return rc;
  }
  scan_pick(s);
  return SQLITE_OK;
}

int sql_scan_next(struct sql_scan *s, char **errmsg){
  struct sql_lane *l = s->cur;
  int rc;
  if( s->eof || sql_scan_next_fast(s) ) return SQLITE_OK;
  if( l->phantom ){
    if( --l->phantom ) return SQLITE_OK;
  }else if( ++l->si<l->n_sel ){
    l->pos = l->sel[l->si];
    scan_pick(s);
    return SQLITE_OK;
  }else if( l->last ){
    l->done = 1;
  }
  if( !l->done ){
    if( s->desc ) l->li--; else l->li++;
    rc = lane_enter(s, l, errmsg);
    if( rc!=SQLITE_OK ) return rc;
  }
  scan_pick(s);
  return SQLITE_OK;
}
