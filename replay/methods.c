/*
** methods.c: the methods of builtin values that a replay answers from the
** recorded value itself, for `p` and breakpoint conditions
** (`break handle, req.path.startswith('/api')`, `p config.get('debug')`):
** str and bytes startswith, endswith, find and count; dict get; list and
** tuple count and index (a timedelta's total_seconds() and a date's
** weekday() are stdval.c's). They are the lookups a condition asks;
** methods that build new values or depend on Unicode tables are not here.
**
** A value the recorder cut short (--max-items, --max-str) answers when
** the part it kept decides, and says so otherwise: a prefix found, an item
** found before the cut, are answers; "not found" in a cut value is not.
*/
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "replay/replay_int.h"

static int cut(trec_replay *rp, const struct trec_value *v){
  return replay_err_cut(rp, "", v, ", and the answer lies in the rest");
}

/* Code points in the first nbytes of UTF-8 text. */
static uint64_t code_points(const unsigned char *p, size_t nbytes){
  uint64_t n = 0;
  for(size_t i=0; i<nbytes; i++) n += (p[i] & 0xc0)!=0x80;
  return n;
}

static int affix(trec_replay *rp, const struct trec_value *s, const struct trec_value *a,
                 int at_end, int *hit){
  int whole = !replay_value_cut(s);
  *hit = 0;
  if( a->data_len<=s->data_len && (whole || !at_end) ){
    const unsigned char *from = at_end ? s->data + s->data_len - a->data_len : s->data;
    *hit = a->data_len==0 || !memcmp(from, a->data, a->data_len);
    return TREC_OK;
  }
  /* longer than what was kept: too long for the whole, or a mismatch
  ** already in the kept part, decides */
  if( whole || a->total>s->total ) return TREC_OK;
  if( !at_end && memcmp(s->data, a->data, s->data_len) ) return TREC_OK;
  return cut(rp, s);
}

static int seq_method(trec_replay *rp, const struct trec_value *s, const char *name,
                      const struct trec_value *args, size_t nargs, struct trec_buf *out){
  const char *tn = s->tag==TREC_V_STR ? "str" : "bytes";
  int is_affix = !strcmp(name, "startswith") || !strcmp(name, "endswith");
  if( nargs!=1 ){
    return replay_err(rp, TREC_ERR_TYPE, "TypeError: %s.%s() takes one argument here "
                      "(%zu given)", tn, name, nargs);
  }
  if( is_affix ){
    int any = 0;
    const struct trec_value *a = &args[0];
    struct trec_value item;
    const unsigned char *q = NULL;
    uint64_t count = 1;
    if( a->tag==TREC_V_TUPLE ){
      if( replay_value_cut(a) ) return cut(rp, a);
      count = a->n;
      q = a->items;
    }
    for(uint64_t i=0; i<count && !any; i++){
      int hit;
      if( q ){
        if( trec_value_read(q, a->end, &item) ) return replay_err(rp, TREC_ERR_CORRUPT, "corrupt recorded value");
        q = item.end;
        if( trec_value_content(&item, &item) ) return replay_err(rp, TREC_ERR_CORRUPT, "corrupt recorded value");
      }else{
        item = *a;
      }
      if( item.tag!=s->tag ){
        size_t l;
        const char *t = trec_value_typename(&item, &l);
        return replay_err(rp, TREC_ERR_TYPE, "TypeError: %s first arg must be %s or a "
                          "tuple of %s, not %.*s", name, tn, tn, (int)(l>100 ? 100 : l), t);
      }
      if( replay_value_cut(&item) ) return cut(rp, &item);
      if( affix(rp, s, &item, name[0]=='e', &hit) ) return TREC_ERR_LIMIT;
      any = hit;
    }
    trec_venc_bool(out, any);
    return TREC_OK;
  }
  if( args[0].tag!=s->tag ){
    size_t l;
    const char *t = trec_value_typename(&args[0], &l);
    if( s->tag==TREC_V_STR && !replay_python_at_least(rp, 3, 13) ){
      return replay_err(rp, TREC_ERR_TYPE, "TypeError: must be str, not %.*s",
                        (int)(l>100 ? 100 : l), t);
    }
    if( s->tag==TREC_V_STR ){
      return replay_err(rp, TREC_ERR_TYPE, "TypeError: %s() argument 1 must be str, "
                        "not %.*s", name, (int)(l>100 ? 100 : l), t);
    }
    return replay_err(rp, TREC_ERR_TYPE, "TypeError: argument should be integer or "
                      "bytes-like object, not '%.*s'", (int)(l>100 ? 100 : l), t);
  }
  {
    const struct trec_value *sub = &args[0];
    int whole = !replay_value_cut(s);
    int64_t found = -1, n = 0;
    if( replay_value_cut(sub) ) return cut(rp, sub);
    if( !strcmp(name, "count") && !whole ) return cut(rp, s);
    if( sub->data_len==0 ){
      found = 0;
      n = (int64_t)(s->tag==TREC_V_STR ? s->total : s->data_len) + 1;
    }else{
      for(size_t i=0; i+sub->data_len<=s->data_len; ){
        if( !memcmp(s->data+i, sub->data, sub->data_len) ){
          if( found<0 ){
            found = s->tag==TREC_V_STR ? (int64_t)code_points(s->data, i) : (int64_t)i;
          }
          n++;
          i += sub->data_len;
        }else{
          i++;
        }
      }
    }
    if( !strcmp(name, "count") ){
      trec_venc_int(out, n);
    }else{
      if( found<0 && !whole ) return cut(rp, s);
      trec_venc_int(out, found);
    }
    return TREC_OK;
  }
}

static int dict_get(trec_replay *rp, const struct trec_value *d,
                    const struct trec_value *args, size_t nargs, struct trec_buf *out){
  struct replay_why why = { REPLAY_WHY_NONE, { 0 } };
  struct trec_value v;
  int r;
  if( nargs<1 || nargs>2 ){
    return replay_err(rp, TREC_ERR_TYPE, "TypeError: get expected at least 1 argument, "
                      "got %zu", nargs);
  }
  if( (r = replay_check_hashable(rp, &args[0]))!=TREC_OK ) return r;
  r = replay_find(d, &args[0], &v, &why);
  if( r==REPLAY_EQ_YES ){
    trec_buf_put(out, v.start, (size_t)(v.end - v.start));
    return TREC_OK;
  }
  if( r==REPLAY_EQ_UNKNOWN && why.kind!=REPLAY_WHY_CUT ) return replay_err_why(rp, &why);
  if( replay_value_cut(d) ) return cut(rp, d);
  if( nargs==2 ) trec_buf_put(out, args[1].start, (size_t)(args[1].end - args[1].start));
  else trec_venc_none(out);
  return TREC_OK;
}

static int list_method(trec_replay *rp, const struct trec_value *l, const char *name,
                       const struct trec_value *args, size_t nargs, struct trec_buf *out){
  const unsigned char *q = l->items;
  int64_t n = 0;
  int is_index = !strcmp(name, "index");
  const char *tn = l->tag==TREC_V_LIST ? "list" : "tuple";
  if( nargs!=1 ){
    return replay_err(rp, TREC_ERR_TYPE, "TypeError: %s.%s() takes one argument here "
                      "(%zu given)", tn, name, nargs);
  }
  if( !is_index && replay_value_cut(l) ) return cut(rp, l);
  for(uint64_t i=0; i<l->n; i++){
    struct replay_why why = { REPLAY_WHY_NONE, { 0 } };
    struct trec_value it;
    int r;
    if( trec_value_read(q, l->end, &it) )
      return replay_err(rp, TREC_ERR_CORRUPT, "corrupt recorded value");
    q = it.end;
    /* an item that cannot be told decides count(), and index() unless
    ** found before it */
    r = replay_eq3(&it, &args[0], 1, &why);
    if( r==REPLAY_EQ_UNKNOWN ) return replay_err_why(rp, &why);
    if( r==REPLAY_EQ_YES && is_index ){
      trec_venc_int(out, (int64_t)i);
      return TREC_OK;
    }
    n += r==REPLAY_EQ_YES;
  }
  if( !is_index ){
    trec_venc_int(out, n);
    return TREC_OK;
  }
  if( replay_value_cut(l) ) return cut(rp, l);
  if( l->tag==TREC_V_TUPLE ){
    return replay_err(rp, TREC_ERR_NOTFOUND, "ValueError: tuple.index(x): x not in tuple");
  }
  {
    struct trec_buf text = TREC_BUF_INIT;
    int rc;
    trec_value_render(args[0].start, args[0].end, 0, 200, &text);
    rc = replay_err(rp, TREC_ERR_NOTFOUND, "ValueError: %.*s is not in list",
                    (int)text.len, text.data ? (const char *)text.data : "");
    trec_buf_release(&text);
    return rc;
  }
}

int replay_method(trec_replay *rp, const struct trec_value *self, const char *name,
                  size_t name_len, const struct trec_value *args, size_t nargs,
                  struct trec_buf *out){
  char m[16];
  size_t tl;
  const char *tn;
  int rc = -1;
  trec_buf_reset(out);
  if( name_len<sizeof(m) ){
    memcpy(m, name, name_len);
    m[name_len] = 0;
    if( self->tag==TREC_V_STR || self->tag==TREC_V_BYTES ){
      if( !strcmp(m, "startswith") || !strcmp(m, "endswith") || !strcmp(m, "find")
          || !strcmp(m, "count") ) rc = seq_method(rp, self, m, args, nargs, out);
    }else if( self->tag==TREC_V_DICT ){
      if( !strcmp(m, "get") ) rc = dict_get(rp, self, args, nargs, out);
    }else if( self->tag==TREC_V_LIST || self->tag==TREC_V_TUPLE ){
      if( !strcmp(m, "count") || !strcmp(m, "index") ) rc = list_method(rp, self, m, args, nargs, out);
    }else if( replay_std_known(self) ){
      rc = replay_std_method(rp, self, m, nargs, out);
      if( rc==TREC_ERR_NOTFOUND ) rc = -1;
    }
  }
  if( rc>=0 ){
    if( rc==TREC_OK && out->oom ) rc = replay_err(rp, TREC_ERR_NOMEM, "out of memory");
    return rc;
  }
  tn = trec_value_typename(self, &tl);
  return replay_err(rp, TREC_ERR_INVALID, "cannot call %.*s.%.*s() over a recording: "
                    "replay never runs the program's code (methods it answers: str and "
                    "bytes startswith, endswith, find, count; dict get; list and tuple "
                    "count, index; timedelta total_seconds; date weekday, isoweekday)",
                    (int)(tl>100 ? 100 : tl), tn, (int)(name_len>100 ? 100 : name_len), name);
}
