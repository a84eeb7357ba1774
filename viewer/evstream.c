/*
** evstream.c: every event of a trace in global seq order. Chunks hold one
** thread's run of events and are indexed by first_seq, so runs of different
** threads overlap; this merges them keeping at most one decoded chunk per
** thread. A chunk is loaded only once no active thread has an event before
** its first_seq, which keeps the output sorted (a thread's chunks never
** overlap each other, so its next chunk cannot be due while its current one
** still has events).
*/
#include "config.h"
#include <stdlib.h>
#include "viewer/view_int.h"

static struct view_evslot *evstream_slot(struct view_evstream *s, uint32_t thread){
  for(size_t i=0; i<s->n_slots; i++){
    if( s->slots[i].thread==thread ) return &s->slots[i];
  }
  return NULL;
}

int view_evstream_open(struct view_evstream *s, trec_reader *r,
                       uint64_t from, uint64_t to){
  size_t n = trec_reader_n_threads(r);
  memset(s, 0, sizeof(*s));
  s->r = r;
  s->from = from;
  s->to = to ? to : UINT64_MAX;
  s->slots = calloc(n ? n : 1, sizeof(*s->slots));
  if( s->slots==NULL ) return TREC_ERR_NOMEM;
  s->n_slots = n;
  for(size_t i=0; i<n; i++){
    s->slots[i].thread = trec_reader_thread(r, i)->id;
    trec_chunk_init(&s->slots[i].c);
    trec_buf_init(&s->slots[i].kind);
  }
  /* Skip chunks wholly before `from`: they cannot hold a wanted event. */
  while( s->next<trec_reader_n_chunks(r)
      && trec_reader_chunk(r, s->next)->last_seq<from ) s->next++;
  return TREC_OK;
}

/* The active slot whose next event has the lowest seq, or NULL. */
static struct view_evslot *evstream_min(struct view_evstream *s){
  struct view_evslot *best = NULL;
  for(size_t i=0; i<s->n_slots; i++){
    struct view_evslot *sl = &s->slots[i];
    if( !sl->active ) continue;
    if( best==NULL || sl->c.seq[sl->pos]<best->c.seq[best->pos] ) best = sl;
  }
  return best;
}

int view_evstream_next(struct view_evstream *s, struct trec_event *ev){
  struct view_evslot *sl;
  size_t n_chunks = trec_reader_n_chunks(s->r);
  for(;;){
    sl = evstream_min(s);
    if( s->next<n_chunks ){
      const struct trec_chunk_info *ci = trec_reader_chunk(s->r, s->next);
      if( ci->first_seq>s->to && sl==NULL ) return TREC_ERR_NOTFOUND;
      if( sl==NULL || ci->first_seq<sl->c.seq[sl->pos] ){
        struct view_evslot *load = evstream_slot(s, ci->thread);
        int rc;
        if( load==NULL || load->active ) return TREC_ERR_CORRUPT;
        rc = trec_reader_read_chunk(s->r, s->next, &load->c);
        if( rc!=TREC_OK ) return rc;
        s->next++;
        load->pos = 0;
        while( load->pos<load->c.n && load->c.seq[load->pos]<s->from ) load->pos++;
        load->active = load->pos<load->c.n;
        continue;
      }
    }
    if( sl==NULL || sl->c.seq[sl->pos]>s->to ) return TREC_ERR_NOTFOUND;
    trec_chunk_event(&sl->c, sl->pos, ev);
    if( ++sl->pos>=sl->c.n ) sl->active = 0;
    while( sl->kind.len<=ev->depth && !sl->kind.oom ) trec_buf_put_u8(&sl->kind, 0xff);
    if( sl->kind.oom ) return TREC_ERR_NOMEM;
    s->raised = ev->kind==TREC_RETURN && sl->kind.data[ev->depth]==TREC_EXCEPTION;
    sl->kind.data[ev->depth] = ev->kind;
    return TREC_OK;
  }
}

void view_evstream_close(struct view_evstream *s){
  if( s==NULL || s->slots==NULL ) return;
  for(size_t i=0; i<s->n_slots; i++){
    trec_chunk_release(&s->slots[i].c);
    trec_buf_release(&s->slots[i].kind);
  }
  free(s->slots);
  s->slots = NULL;
}
