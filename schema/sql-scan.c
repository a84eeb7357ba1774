/*
** sql-scan.c: walk a trace's events in seq order, filtered. Chunks hold one
** thread's events each and the threads' seq ranges interleave, so the scan
** keeps one "lane" per thread (its current decoded chunk and position) and
** always yields the lane with the smallest next seq: rows come out in seq
** order, which lets `ORDER BY seq` cost nothing.
**
** Filters are tested on the decoded columns, before SQLite sees a row. The
** chunk index skips whole chunks: outside the seq range, of another thread,
** or (for kind=) holding no event of that kind. This loop is what makes
** `count(*) ... WHERE kind='call'` fast, so it touches only the arrays.
*/
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define TREC_SQL_INTERNAL
#include "schema/sql.h"

/* First position in the lane's list whose chunk may hold seq >= lo. */
static size_t lane_seek(struct sql_conn *c, const struct sql_lane *l, uint64_t lo){
  size_t a = 0, z = l->n_list;
  while( a<z ){
    size_t m = a+(z-a)/2;
    if( trec_reader_chunk(c->r, l->list[m])->last_seq<lo ) a = m+1; else z = m;
  }
  return a;
}

static int event_matches(const struct sql_scan *s, const struct trec_chunk *c,
                         size_t j){
  const struct sql_filter *f = s->f;
  if( f->kind>=0 && c->kind[j]!=f->kind ) return 0;
  if( f->frame && c->frame[j]!=f->frame ) return 0;
  if( f->codes && !sql_filter_code(f, c->code[j]) ) return 0;
  if( s->need_payload && c->payload_len[j]==0 ) return 0;
  return 1;
}

/* Bring lane l to its next matching event at or after its position. */
static int lane_advance(struct sql_scan *s, struct sql_lane *l, char **errmsg){
  const struct sql_filter *f = s->f;
  struct sql_conn *conn = s->conn;
  int rc;
  while( !l->done ){
    if( !l->loaded ){
      const struct trec_chunk_info *ci;
      if( l->li>=l->n_list ){ l->done = 1; break; }
      ci = trec_reader_chunk(conn->r, l->list[l->li]);
      if( ci->first_seq>f->hi ){ l->done = 1; break; }
      if( ci->last_seq<f->lo || (f->kind>=0 && ci->n_kind[f->kind]==0) ){
        l->li++;
        continue;
      }
      if( l->cached!=l->list[l->li] ){
        l->cached = SIZE_MAX;
        rc = trec_reader_read_chunk(conn->r, l->list[l->li], &l->c);
        if( rc!=TREC_OK ){
          char what[64];
          snprintf(what, sizeof(what), "chunk %zu", l->list[l->li]);
          *errmsg = sql_errmsg(conn->r, rc, what);
          return sql_rc_for(rc);
        }
        l->cached = l->list[l->li];
      }
      l->loaded = 1;
      l->pos = 0;
      if( l->c.n && l->c.seq[0]<f->lo ){
        size_t a = 0, z = l->c.n;
        while( a<z ){
          size_t m = a+(z-a)/2;
          if( l->c.seq[m]<f->lo ) a = m+1; else z = m;
        }
        l->pos = a;
      }
    }
    for(; l->pos<l->c.n; l->pos++){
      if( l->c.seq[l->pos]>f->hi ){ l->done = 1; return SQLITE_OK; }
      if( event_matches(s, &l->c, l->pos) ) return SQLITE_OK;
    }
    l->loaded = 0;
    l->li++;
  }
  return SQLITE_OK;
}

static void scan_pick(struct sql_scan *s){
  size_t k;
  s->cur = NULL;
  for(k=0; k<s->n_lanes; k++){
    struct sql_lane *l = &s->lanes[k];
    if( l->done ) continue;
    if( !s->cur || l->c.seq[l->pos]<s->cur->c.seq[s->cur->pos] ) s->cur = l;
  }
  s->eof = s->cur==NULL;
}

void sql_scan_release(struct sql_scan *s){
  size_t k;
  for(k=0; k<s->n_lanes; k++) trec_chunk_release(&s->lanes[k].c);
  free(s->lanes);
  s->lanes = NULL;
  s->n_lanes = 0;
  s->cur = NULL;
  s->eof = 1;
}

int sql_scan_start(struct sql_scan *s, struct sql_conn *conn,
                   const struct sql_filter *f, int need_payload, char **errmsg){
  size_t t;
  int rc;
  s->conn = conn;
  s->f = f;
  s->need_payload = need_payload;
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
    l->loaded = 0;
    l->done = f->empty || (f->thread && conn->threads[t]!=f->thread);
    if( l->done ) continue;
    l->li = lane_seek(conn, l, f->lo);
    rc = lane_advance(s, l, errmsg);
    if( rc!=SQLITE_OK ) return rc;
  }
  scan_pick(s);
  return SQLITE_OK;
}

int sql_scan_next(struct sql_scan *s, char **errmsg){
  int rc;
  if( s->eof ) return SQLITE_OK;
  s->cur->pos++;
  rc = lane_advance(s, s->cur, errmsg);
  if( rc!=SQLITE_OK ) return rc;
  scan_pick(s);
  return SQLITE_OK;
}
