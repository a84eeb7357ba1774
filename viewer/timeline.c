/*
** timeline.c: the windows the page's flame chart asks for. The x axis is
** seq (event order), which every trace has. A window [from, to] seen at a
** width of px pixels is answered in one of two ways, so that a huge trace
** opens at once and the page never holds the whole run:
**   - "summary": from the chunk index alone (no decoding), per thread,
**     buckets of about a pixel with min/max call depth and exceptions;
**   - "slices": when few enough events fall in the window, the chunks are
**     decoded and every call wider than about a pixel becomes a slice
**     [start, end, depth, code]; the stack at the first chunk comes from
**     its keyframe, so calls begun before the window are drawn too.
*/
#include "config.h"
#include <stdlib.h>
#include <jansson.h>
#include "viewer/view_int.h"

#define TIMELINE_DETAIL_EVENTS 400000   /* decode at most this many */
#define TIMELINE_MAX_SLICES    40000

struct tl_open { uint64_t start; uint32_t code; };

static json_t *tl_thread_obj(json_t *threads, uint32_t id){
  size_t i;
  json_t *t;
  json_array_foreach(threads, i, t){
    if( json_integer_value(json_object_get(t, "id"))==(json_int_t)id ) return t;
  }
  return NULL;
}

static json_t *timeline_summary(trec_reader *r, uint64_t from, uint64_t to,
                                unsigned px){
  json_t *out = json_object(), *threads = json_array();
  double per_px = (double)(to - from + 1) / px;
  json_object_set_new(out, "mode", json_string("summary"));
  for(size_t i=0; i<trec_reader_n_threads(r); i++){
    json_t *t = json_object();
    json_object_set_new(t, "id", json_integer(trec_reader_thread(r, i)->id));
    json_object_set_new(t, "buckets", json_array());
    json_array_append_new(threads, t);
  }
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    const struct trec_chunk_info *ci = trec_reader_chunk(r, i);
    json_t *t, *b, *last;
    uint64_t a, z;
    if( ci->last_seq<from || ci->first_seq>to ) continue;
    t = tl_thread_obj(threads, ci->thread);
    if( t==NULL ) continue;
    b = json_object_get(t, "buckets");
    a = ci->first_seq<from ? from : ci->first_seq;
    z = ci->last_seq>to ? to : ci->last_seq;
    last = json_array_size(b) ? json_array_get(b, json_array_size(b)-1) : NULL;
    /* Merge into the previous bucket while both fit in about one pixel. */
    if( last && (double)(z - json_integer_value(json_array_get(last, 0))) < per_px ){
      json_int_t mn = json_integer_value(json_array_get(last, 2));
      json_int_t mx = json_integer_value(json_array_get(last, 3));
      json_array_set_new(last, 1, json_integer((json_int_t)z));
      if( ci->min_depth<mn ) json_array_set_new(last, 2, json_integer(ci->min_depth));
      if( ci->max_depth>mx ) json_array_set_new(last, 3, json_integer(ci->max_depth));
      json_array_set_new(last, 4, json_integer(json_integer_value(json_array_get(last, 4))
                                               + ci->n_kind[TREC_EXCEPTION]));
      continue;
    }
    json_array_append_new(b, json_pack("[I,I,i,i,i]", (json_int_t)a, (json_int_t)z,
                                       (int)ci->min_depth, (int)ci->max_depth,
                                       (int)ci->n_kind[TREC_EXCEPTION]));
  }
  json_object_set_new(out, "threads", threads);
  return out;
}

/* Decode one thread's chunks over the window and append its slices. */
static int timeline_thread_slices(trec_reader *r, uint32_t thread,
                                  uint64_t from, uint64_t to, double min_len,
                                  json_t *slices, json_t *exc,
                                  size_t *n_slices){
  struct trec_chunk c;
  struct trec_keyframe k;
  struct tl_open *stack = NULL;
  size_t n = 0, cap = 0;
  int rc = TREC_OK, started = 0;
  uint64_t last = from;
  trec_chunk_init(&c);
  trec_keyframe_init(&k);
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    const struct trec_chunk_info *ci = trec_reader_chunk(r, i);
    if( ci->thread!=thread || ci->last_seq<from ) continue;
    if( ci->first_seq>to ) break;
    if( !started ){
      started = 1;
      if( (rc = trec_reader_read_keyframe(r, i, &k))!=TREC_OK ) goto out;
      for(size_t j=0; j<k.n; j++){
        if( n==cap ){
          struct tl_open *s = realloc(stack, (cap = cap ? 2*cap : 64)*sizeof(*s));
          if( s==NULL ){ rc = TREC_ERR_NOMEM; goto out; }
          stack = s;
        }
        stack[n].start = from;
        stack[n++].code = k.frames[j].code;
      }
    }
    if( (rc = trec_reader_read_chunk(r, i, &c))!=TREC_OK ) goto out;
    for(size_t j=0; j<c.n; j++){
      uint64_t seq = c.seq[j];
      if( seq>to ) break;
      last = seq;
      if( c.kind[j]==TREC_CALL ){
        if( n==cap ){
          struct tl_open *s = realloc(stack, (cap = cap ? 2*cap : 64)*sizeof(*s));
          if( s==NULL ){ rc = TREC_ERR_NOMEM; goto out; }
          stack = s;
        }
        stack[n].start = seq<from ? from : seq;
        stack[n++].code = c.code[j];
      }else if( c.kind[j]==TREC_RETURN && n>0 ){
        struct tl_open *o = &stack[--n];
        if( seq>=from && (double)(seq - o->start + 1)>=min_len
            && *n_slices<TIMELINE_MAX_SLICES ){
          json_array_append_new(slices, json_pack("[I,I,i,i]", (json_int_t)o->start,
                                (json_int_t)seq, (int)n + 1, (int)o->code));
          (*n_slices)++;
        }
      }else if( c.kind[j]==TREC_EXCEPTION && seq>=from ){
        json_array_append_new(exc, json_integer((json_int_t)seq));
      }
    }
  }
  /* Calls still open at the window's end reach to its end. */
  while( n>0 ){
    struct tl_open *o = &stack[--n];
    if( *n_slices<TIMELINE_MAX_SLICES && o->start<=last ){
      json_array_append_new(slices, json_pack("[I,I,i,i,b]", (json_int_t)o->start,
                            (json_int_t)last, (int)n + 1, (int)o->code, 1));
      (*n_slices)++;
    }
  }
out:
  free(stack);
  trec_chunk_release(&c);
  trec_keyframe_release(&k);
  return rc;
}

int view_timeline(trec_reader *r, uint64_t from, uint64_t to, unsigned px,
                  int summary, json_t **out, struct trec_buf *msg){
  uint64_t n_events = 0;
  json_t *res, *threads;
  size_t n_slices = 0;
  double min_len;
  int rc = TREC_OK;
  if( px==0 ) px = 1000;
  if( from<trec_reader_first_seq(r) ) from = trec_reader_first_seq(r);
  if( to==0 || to>trec_reader_last_seq(r) ) to = trec_reader_last_seq(r);
  *out = NULL;
  if( to<from ){
    *out = json_pack("{s:s,s:[]}", "mode", "summary", "threads");
    return TREC_OK;
  }
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    const struct trec_chunk_info *ci = trec_reader_chunk(r, i);
    if( ci->last_seq>=from && ci->first_seq<=to ) n_events += ci->n_events;
  }
  if( summary || n_events>TIMELINE_DETAIL_EVENTS ){
    res = timeline_summary(r, from, to, px);
    goto done;
  }
  min_len = (double)(to - from + 1) / px;
  res = json_object();
  threads = json_array();
  json_object_set_new(res, "mode", json_string("slices"));
  for(size_t i=0; i<trec_reader_n_threads(r) && rc==TREC_OK; i++){
    uint32_t id = trec_reader_thread(r, i)->id;
    json_t *t = json_object(), *slices = json_array(), *exc = json_array();
    rc = timeline_thread_slices(r, id, from, to, min_len, slices, exc, &n_slices);
    json_object_set_new(t, "id", json_integer(id));
    json_object_set_new(t, "slices", slices);
    json_object_set_new(t, "exceptions", exc);
    json_array_append_new(threads, t);
  }
  json_object_set_new(res, "threads", threads);
  if( rc!=TREC_OK ){
    trec_buf_printf(msg, "timeline: %s", trec_reader_errmsg(r));
    json_decref(res);
    return rc;
  }
done:
  json_object_set_new(res, "from", json_integer((json_int_t)from));
  json_object_set_new(res, "to", json_integer((json_int_t)to));
  *out = res;
  return rc;
}
