/*
** payload.c: walking an event's payload, the (key, value) entries of
** trace.h "Payloads". The writer thread walks every payload to keep the
** keyframe state, so this only finds where each value ends (a structural
** skip, bounded in depth and by the input's end) instead of decoding it;
** value.c's trec_value_read() is the full decoder for readers.
*/
#include "trace_int.h"

static int skip_name(const unsigned char **p, const unsigned char *end){
  uint64_t n;
  if( trec_get_varint(p, end, &n) || n > (uint64_t)(end - *p) ) return -1;
  *p += n;
  return 0;
}

static int skip_value(const unsigned char **p, const unsigned char *end,
                      int depth);

/* n values (or n pairs when per = 2) */
static int skip_items(const unsigned char **p, const unsigned char *end,
                      uint64_t n, int per, int depth){
  if( n > (uint64_t)(end - *p) ) return -1;   /* every value is >= 1 byte */
  for(uint64_t i=0; i<n; i++)
    for(int j=0; j<per; j++)
      if( skip_value(p, end, depth) ) return -1;
  return 0;
}

static int skip_value(const unsigned char **p, const unsigned char *end,
                      int depth){
  uint64_t a, n;
  unsigned tag;
  if( depth>TREC_VALUE_MAX_DEPTH || *p>=end ) return -1;
  tag = *(*p)++;
  switch( tag ){
    case TREC_V_NONE: case TREC_V_FALSE: case TREC_V_TRUE: case TREC_V_UNBOUND:
      return 0;
    case TREC_V_INT:
      return trec_get_varint(p, end, &a);
    case TREC_V_BIGINT:
      if( *p>=end || *(*p)++ > 1 ) return -1;
      return skip_name(p, end);
    case TREC_V_FLOAT:
      if( end - *p < 8 ) return -1;
      *p += 8;
      return 0;
    case TREC_V_STR: case TREC_V_BYTES:
      if( trec_get_varint(p, end, &a) ) return -1;
      return skip_name(p, end);
    case TREC_V_TUPLE: case TREC_V_LIST: case TREC_V_SET: case TREC_V_FROZENSET:
    case TREC_V_DICT:
      if( trec_get_varint(p, end, &a) || trec_get_varint(p, end, &a)
       || trec_get_varint(p, end, &n) ) return -1;
      return skip_items(p, end, n, tag==TREC_V_DICT ? 2 : 1, depth+1);
    case TREC_V_OBJECT:
      if( trec_get_varint(p, end, &a) || skip_name(p, end)
       || trec_get_varint(p, end, &a) || trec_get_varint(p, end, &n) ) return -1;
      if( n > (uint64_t)(end - *p) ) return -1;
      for(uint64_t i=0; i<n; i++)
        if( skip_name(p, end) || skip_value(p, end, depth+1) ) return -1;
      return 0;
    case TREC_V_REF:
      if( trec_get_varint(p, end, &a) || *p>=end || **p > TREC_V_MAXTAG ) return -1;
      (*p)++;
      return 0;
    case TREC_V_TRUNC:
      if( *p>=end || **p > TREC_V_MAXTAG ) return -1;
      (*p)++;
      if( trec_get_varint(p, end, &a) || skip_name(p, end) ) return -1;
      return trec_get_varint(p, end, &a);
    case TREC_V_REPR:
      if( skip_name(p, end) ) return -1;
      return skip_name(p, end);
    case TREC_V_REDACTED:
      return skip_name(p, end);
    case TREC_V_TYPED:
      if( skip_name(p, end) || *p>=end ) return -1;
      (*p)++;
      if( skip_value(p, end, depth+1) || trec_get_varint(p, end, &a)
       || trec_get_varint(p, end, &n) ) return -1;
      if( n > (uint64_t)(end - *p) ) return -1;
      for(uint64_t i=0; i<n; i++)
        if( skip_name(p, end) || skip_value(p, end, depth+1) ) return -1;
      return 0;
    case TREC_V_EXC:
      if( trec_get_varint(p, end, &a) || skip_name(p, end) ) return -1;
      if( *p>=end || **p!=TREC_V_TUPLE ) return -1;
      return skip_value(p, end, depth+1);
  }
  return -1;
}

int trec_payload_next(const unsigned char **p, const unsigned char *end,
                      struct trec_entry *e){
  const unsigned char *q = *p;
  uint64_t key;
  if( q>=end ) return TREC_ERR_NOTFOUND;
  if( trec_get_varint(&q, end, &key) || (key >> 2) > UINT32_MAX )
    return TREC_ERR_CORRUPT;
  e->kind = (enum trec_pkind)(key & 3);
  e->slot = (uint32_t)(key >> 2);
  if( e->kind==TREC_PK_PATCH ){
    /* u8 what (TREC_PATCH_*), varint from, then an svarint (INT) or
    ** varint n_ops and per op varint keep, skip, n and n bytes */
    int64_t d;
    if( q>=end || (*q & ~(TREC_PATCH_RETURN|TREC_PATCH_BACK|TREC_PATCH_INT)) )
      return TREC_ERR_CORRUPT;
    e->what = (*q & TREC_PATCH_RETURN) ? TREC_PK_RETURN : TREC_PK_VAR;
    e->is_int = (*q & TREC_PATCH_INT)!=0;
    e->back = (*q++ & TREC_PATCH_BACK)!=0;
    e->n_ops = 0;
    /* a value never starts from itself: a back distance or a RETURN's
    ** slot base is at least 1 */
    if( trec_get_varint(&q, end, &e->from)
     || (e->what==TREC_PK_RETURN && e->slot!=0)
     || ((e->what==TREC_PK_RETURN || e->back) && e->from==0) )
      return TREC_ERR_CORRUPT;
    if( e->is_int ){
      e->value = q;
      if( trec_get_svarint(&q, end, &d) ) return TREC_ERR_CORRUPT;
      e->value_end = q;
      *p = q;
      return TREC_OK;
    }
    if( trec_get_varint(&q, end, &e->n_ops) || e->n_ops > (uint64_t)(end - q) )
      return TREC_ERR_CORRUPT;
    e->value = q;
    for(uint64_t i=0; i<e->n_ops; i++){
      uint64_t keep, skip, n;
      if( trec_get_varint(&q, end, &keep) || trec_get_varint(&q, end, &skip)
       || trec_get_varint(&q, end, &n) || n > (uint64_t)(end - q) )
        return TREC_ERR_CORRUPT;
      q += n;
    }
    e->value_end = q;
    *p = q;
    return TREC_OK;
  }
  e->n_ops = 0;
  e->back = e->is_int = 0;
  e->value = q;
  if( skip_value(&q, end, 0) ) return TREC_ERR_CORRUPT;
  e->value_end = q;
  *p = q;
  return TREC_OK;
}

int trec_payload_check(const unsigned char *p, const unsigned char *end){
  struct trec_entry e;
  int rc;
  while( (rc = trec_payload_next(&p, end, &e))==TREC_OK ){}
  return rc==TREC_ERR_NOTFOUND ? TREC_OK : rc;
}
