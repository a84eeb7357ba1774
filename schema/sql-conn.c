/*
** sql-conn.c: the per-connection state behind tracerec's virtual tables:
** one trec_reader on the connection's main database, each thread's list of
** chunks (so a scan of one thread, or a merge of all of them in seq order,
** never walks the others' chunk index), and the calls index.
**
** The calls index (one entry per frame activation) needs call and return
** matched across chunks, which is one pass over every chunk of every thread.
** It is built on the first query that needs it and kept for the life of the
** connection, so a query that joins `calls` with `vars` or asks `events` for
** one frame decodes the trace once, then only the chunks that frame spans.
*/
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define TREC_SQL_INTERNAL
#include "schema/sql.h"

int sql_rc_for(int trec_rc){
  switch( trec_rc ){
    case TREC_OK:           return SQLITE_OK;
    case TREC_ERR_NOMEM:    return SQLITE_NOMEM;
    case TREC_ERR_NOTTRACE:
    case TREC_ERR_VERSION:
    case TREC_ERR_CORRUPT:
    case TREC_ERR_CODEC:    return SQLITE_CORRUPT_VTAB;
    case TREC_ERR_IO:       return SQLITE_CANTOPEN;
    default:                return SQLITE_ERROR;
  }
}

int trec_sql_corrupt(int rc){
  return (rc & 0xff)==SQLITE_CORRUPT || (rc & 0xff)==SQLITE_NOTADB;
}

char *sql_errmsg(trec_reader *r, int rc, const char *what){
  const char *m = r ? trec_reader_errmsg(r) : NULL;
  if( !m || !*m ) m = trec_strerror(rc);
  /* the reader's messages about a chunk name it already, by its id */
  if( !strncmp(m, "chunk ", 6) || !strncmp(m, "keyframe of chunk ", 18) )
    return sqlite3_mprintf("tracerec: %s", m);
  return sqlite3_mprintf("tracerec: %s: %s", what, m);
}

const char *sql_code_file(trec_reader *r, const struct trec_code *co){
  const struct trec_file *f = co ? trec_reader_file(r, co->file) : NULL;
  return f ? f->path : NULL;
}

int sql_payload_find(const unsigned char *p, const unsigned char *end,
                     enum trec_pkind kind, const unsigned char **v,
                     const unsigned char **v_end){
  struct trec_entry e;
  int rc;
  while( (rc = trec_payload_next(&p, end, &e))==TREC_OK ){
    if( e.kind==kind ){
      *v = e.value;
      *v_end = e.value_end;
      return TREC_OK;
    }
  }
  return rc;
}

/* type 0: the value as text; 1: its Python type name. */
int sql_result_value(sqlite3_context *ctx, const unsigned char *p,
                     const unsigned char *end, struct trec_buf *tmp, int type){
  int rc;
  if( type ){
    struct trec_value v;
    const char *name;
    size_t len;
    rc = trec_value_read(p, end, &v);
    if( rc!=TREC_OK ) goto bad;
    name = trec_value_typename(&v, &len);
    sqlite3_result_text(ctx, name, (int)len, SQLITE_TRANSIENT);
    return SQLITE_OK;
  }
  trec_buf_reset(tmp);
  rc = trec_value_render(p, end, 0, 0, tmp);
  if( tmp->oom ){
    sqlite3_result_error_nomem(ctx);
    return SQLITE_NOMEM;
  }
  if( rc!=TREC_OK ) goto bad;
  sqlite3_result_text(ctx, tmp->len ? (const char *)tmp->data : "", (int)tmp->len,
                      SQLITE_TRANSIENT);
  return SQLITE_OK;
bad:
  sqlite3_result_error(ctx, "tracerec: corrupt value in trace", -1);
  sqlite3_result_error_code(ctx, SQLITE_CORRUPT_VTAB);
  return SQLITE_CORRUPT_VTAB;
}

static int cmp_u32(const void *a, const void *b){
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x<y ? -1 : x>y;
}

/* Group the chunk index by thread, keeping first_seq order in each. */
static int conn_index_threads(struct sql_conn *c){
  size_t n = trec_reader_n_chunks(c->r), i, k, m = 0;
  uint32_t *ids = NULL;
  ids = malloc((n ? n : 1)*sizeof(*ids));
  if( !ids ) return TREC_ERR_NOMEM;
  for(i=0; i<n; i++){
    const struct trec_chunk_info *ci = trec_reader_chunk(c->r, i);
    int kd;
    ids[i] = ci->thread;
    for(kd=0; kd<TREC_N_KINDS; kd++) c->n_kind[kd] += ci->n_kind[kd];
  }
  c->n_calls_est = c->n_kind[TREC_CALL];
  qsort(ids, n, sizeof(*ids), cmp_u32);
  for(i=0; i<n; i++) if( m==0 || ids[m-1]!=ids[i] ) ids[m++] = ids[i];
  c->threads = ids;
  c->n_threads = m;
  c->thread_chunks = calloc(m ? m : 1, sizeof(*c->thread_chunks));
  c->n_thread_chunks = calloc(m ? m : 1, sizeof(*c->n_thread_chunks));
  if( !c->thread_chunks || !c->n_thread_chunks ) return TREC_ERR_NOMEM;
  for(i=0; i<n; i++){
    uint32_t t = trec_reader_chunk(c->r, i)->thread;
    uint32_t *hit = bsearch(&t, ids, m, sizeof(*ids), cmp_u32);
    c->n_thread_chunks[hit-ids]++;
  }
  for(k=0; k<m; k++){
    c->thread_chunks[k] = malloc((c->n_thread_chunks[k] ? c->n_thread_chunks[k] : 1)
                                 *sizeof(size_t));
    if( !c->thread_chunks[k] ) return TREC_ERR_NOMEM;
    c->n_thread_chunks[k] = 0;
  }
  for(i=0; i<n; i++){
    uint32_t t = trec_reader_chunk(c->r, i)->thread;
    k = (size_t)((uint32_t *)bsearch(&t, ids, m, sizeof(*ids), cmp_u32) - ids);
    c->thread_chunks[k][c->n_thread_chunks[k]++] = i;
  }
  return TREC_OK;
}

int sql_conn_open(struct sql_conn *c, char **errmsg){
  const char *path;
  int rc;
  if( c->r ) return SQLITE_OK;
  path = sqlite3_db_filename(c->db, "main");
  if( !path || !*path ){
    *errmsg = sqlite3_mprintf("tracerec: the main database is not a trace file");
    return SQLITE_ERROR;
  }
  rc = trec_reader_open(path, 0, &c->r);
  if( rc==TREC_OK ) rc = conn_index_threads(c);
  if( rc!=TREC_OK ){
    *errmsg = sql_errmsg(c->r, rc, path);
    trec_reader_close(c->r);
    c->r = NULL;
    return sql_rc_for(rc);
  }
  return SQLITE_OK;
}

static void conn_free(struct sql_conn *c){
  size_t k;
  for(k=0; k<c->n_threads && c->thread_chunks; k++) free(c->thread_chunks[k]);
  free(c->thread_chunks);
  free(c->n_thread_chunks);
  free(c->threads);
  free(c->calls);
  free(c->calls_by_frame);
  trec_buf_release(&c->arena);
  trec_reader_close(c->r);
  sqlite3_free(c);
}

static void conn_unref(void *p){
  struct sql_conn *c = p;
  if( --c->n_ref==0 ) conn_free(c);
}

/* ---- The calls index ---- */

struct calls_build {
  struct sql_call *rows;
  size_t n, cap;
  size_t *stack;               /* open activations of the current thread */
  size_t n_stack, stack_cap;
  uint8_t *last_kind;          /* per open activation: its last own event */
  uint64_t *exc_off;           /* per open activation: pending exception */
  uint32_t *exc_len;
  int32_t *line;               /* per open activation: the line it is at */
};

static int build_push(struct calls_build *b, size_t row){
  if( b->n_stack==b->stack_cap ){
    size_t cap = b->stack_cap ? 2*b->stack_cap : 64;
    size_t *s = realloc(b->stack, cap*sizeof(*s));
    uint8_t *k = s ? realloc(b->last_kind, cap) : NULL;
    uint64_t *o = k ? realloc(b->exc_off, cap*sizeof(*o)) : NULL;
    uint32_t *l = o ? realloc(b->exc_len, cap*sizeof(*l)) : NULL;
    int32_t *at = l ? realloc(b->line, cap*sizeof(*at)) : NULL;
    if( s ) b->stack = s;
    if( k ) b->last_kind = k;
    if( o ) b->exc_off = o;
    if( l ) b->exc_len = l;
    if( !at ) return TREC_ERR_NOMEM;
    b->line = at;
    b->stack_cap = cap;
  }
  b->stack[b->n_stack] = row;
  b->line[b->n_stack] = b->rows[row].line;
  b->last_kind[b->n_stack] = TREC_CALL;
  b->exc_len[b->n_stack] = 0;
  b->exc_off[b->n_stack] = 0;
  b->n_stack++;
  return TREC_OK;
}

static struct sql_call *build_row(struct calls_build *b){
  if( b->n==b->cap ){
    size_t cap = b->cap ? 2*b->cap : 1024;
    struct sql_call *r = realloc(b->rows, cap*sizeof(*r));
    if( !r ) return NULL;
    b->rows = r;
    b->cap = cap;
  }
  memset(&b->rows[b->n], 0, sizeof(b->rows[0]));
  b->rows[b->n].call_ts = b->rows[b->n].return_ts = TREC_NO_TS;
  return &b->rows[b->n++];
}

/* Copy one payload entry's value into the arena. */
static int build_keep(struct sql_conn *c, const struct trec_event *ev,
                      enum trec_pkind kind, uint64_t *off, uint32_t *len){
  const unsigned char *v, *ve;
  int rc;
  *len = 0;
  if( !ev->payload_len ) return TREC_OK;
  rc = sql_payload_find(ev->payload, ev->payload+ev->payload_len, kind, &v, &ve);
  if( rc==TREC_ERR_NOTFOUND ) return TREC_OK;
  if( rc!=TREC_OK ) return rc;
  *off = c->arena.len;
  *len = (uint32_t)(ve-v);
  trec_buf_put(&c->arena, v, (size_t)(ve-v));
  return c->arena.oom ? TREC_ERR_NOMEM : TREC_OK;
}

static int build_event(struct sql_conn *c, struct calls_build *b,
                       const struct trec_event *ev){
  struct sql_call *row;
  size_t top, k;
  int rc;
  top = b->n_stack;
  if( ev->kind==TREC_CALL ){
    row = build_row(b);
    if( !row ) return TREC_ERR_NOMEM;
    row->frame = ev->frame;
    row->parent = top ? b->rows[b->stack[top-1]].frame : 0;
    /* a library caller's line comes with the call (it has no line events) */
    if( top && ev->caller_line ) b->line[top-1] = ev->caller_line;
    row->call_line = top ? b->line[top-1] : 0;
    row->call_seq = ev->seq;
    row->call_ts = ev->ts;
    row->thread = ev->thread;
    row->code = ev->code;
    row->depth = ev->depth;
    row->line = ev->line;
    return build_push(b, b->n-1);
  }
  /* the innermost open activation of this frame */
  for(k=top; k>0 && b->rows[b->stack[k-1]].frame!=ev->frame; k--){}
  if( k>0 ) b->line[k-1] = ev->line;
  if( ev->kind!=TREC_RETURN ){
    if( k==0 ) return TREC_OK;
    b->last_kind[k-1] = ev->kind;
    if( ev->kind==TREC_EXCEPTION )
      return build_keep(c, ev, TREC_PK_EXCEPTION, &b->exc_off[k-1], &b->exc_len[k-1]);
    return TREC_OK;
  }
  if( k==0 ){
    /* its call came before recording began */
    row = build_row(b);
    if( !row ) return TREC_ERR_NOMEM;
    row->frame = ev->frame;
    row->parent = top ? b->rows[b->stack[top-1]].frame : 0;
    row->thread = ev->thread;
    row->code = ev->code;
    row->depth = ev->depth;
    row->line = ev->line;
  }else{
    row = &b->rows[b->stack[k-1]];
    if( b->last_kind[k-1]==TREC_EXCEPTION && b->exc_len[k-1] ){
      row->raised = 1;
      row->val_off = b->exc_off[k-1];
      row->val_len = b->exc_len[k-1];
    }
    b->n_stack = k-1;
  }
  row->return_seq = ev->seq;
  row->return_ts = ev->ts;
  if( !row->raised ){
    rc = build_keep(c, ev, TREC_PK_RETURN, &row->val_off, &row->val_len);
    if( rc!=TREC_OK ) return rc;
  }
  return TREC_OK;
}

static int cmp_call(const void *a, const void *b){
  const struct sql_call *x = a, *y = b;
  if( x->call_seq!=y->call_seq ) return x->call_seq<y->call_seq ? -1 : 1;
  return x->return_seq<y->return_seq ? -1 : x->return_seq>y->return_seq;
}

struct frame_key { uint64_t frame; uint32_t i; };
static int cmp_frame_key(const void *a, const void *b){
  const struct frame_key *x = a, *y = b;
  if( x->frame!=y->frame ) return x->frame<y->frame ? -1 : 1;
  return x->i<y->i ? -1 : x->i>y->i;
}

/* calls_by_frame: call indexes ordered by frame, then call order. */
static int conn_index_frames(struct sql_conn *c, const struct sql_call *rows, size_t n){
  struct frame_key *k = malloc((n ? n : 1)*sizeof(*k));
  size_t i;
  if( !k ) return TREC_ERR_NOMEM;
  c->calls_by_frame = malloc((n ? n : 1)*sizeof(uint32_t));
  if( !c->calls_by_frame ){
    free(k);
    return TREC_ERR_NOMEM;
  }
  for(i=0; i<n; i++){
    k[i].frame = rows[i].frame;
    k[i].i = (uint32_t)i;
  }
  qsort(k, n, sizeof(*k), cmp_frame_key);
  for(i=0; i<n; i++) c->calls_by_frame[i] = k[i].i;
  free(k);
  return TREC_OK;
}

int sql_conn_calls(struct sql_conn *c, char **errmsg){
  struct calls_build b;
  struct trec_chunk ch;
  struct trec_event ev;
  size_t t, i, j, ci = 0;
  int rc = TREC_OK;
  if( c->calls_built ) return SQLITE_OK;
  memset(&b, 0, sizeof(b));
  trec_chunk_init(&ch);
  trec_buf_reset(&c->arena);
  for(t=0; t<c->n_threads; t++){
    b.n_stack = 0;
    for(i=0; i<c->n_thread_chunks[t]; i++){
      ci = c->thread_chunks[t][i];
      rc = trec_reader_read_chunk(c->r, ci, &ch);
      if( rc!=TREC_OK ) goto out;
      for(j=0; j<ch.n; j++){
        trec_chunk_event(&ch, j, &ev);
        rc = build_event(c, &b, &ev);
        if( rc!=TREC_OK ) goto out;
      }
    }
  }
  if( b.n>UINT32_MAX ){ rc = TREC_ERR_LIMIT; goto out; }
  if( b.n>1 ) qsort(b.rows, b.n, sizeof(*b.rows), cmp_call);
  rc = conn_index_frames(c, b.rows, b.n);
  if( rc!=TREC_OK ) goto out;
  c->calls = b.rows;
  c->n_calls = b.n;
  b.rows = NULL;
  c->calls_built = 1;
out:
  if( rc!=TREC_OK ){
    char what[64];
    snprintf(what, sizeof(what), "chunk %zu", ci);
    *errmsg = sql_errmsg(c->r, rc, what);
  }
  free(b.rows);
  free(b.stack);
  free(b.last_kind);
  free(b.exc_off);
  free(b.exc_len);
  free(b.line);
  trec_chunk_release(&ch);
  return sql_rc_for(rc);
}

/* The seq span holding every event of frame, from the calls index, and
** the thread all its activations ran in (0 when more than one).
** @return 1 when known, 0 when the frame has no recorded activation. */
static int conn_frame_range(struct sql_conn *c, uint64_t frame, uint32_t *thread,
                            uint64_t *lo, uint64_t *hi){
  size_t a = 0, z = c->n_calls;
  int found = 0;
  *thread = 0;
  while( a<z ){
    size_t m = a+(z-a)/2;
    if( c->calls[c->calls_by_frame[m]].frame<frame ) a = m+1; else z = m;
  }
  *lo = UINT64_MAX;
  *hi = 0;
  for(; a<c->n_calls && c->calls[c->calls_by_frame[a]].frame==frame; a++){
    const struct sql_call *k = &c->calls[c->calls_by_frame[a]];
    uint64_t first = k->call_seq ? k->call_seq : 1;
    uint64_t last = k->return_seq ? k->return_seq : UINT64_MAX;
    /* a generator resumed from several threads has activations in each:
    ** then no one thread holds all its events (0) */
    if( !found ) *thread = k->thread;
    else if( *thread!=k->thread ) *thread = 0;
    if( first<*lo ) *lo = first;
    if( last>*hi ) *hi = last;
    found = 1;
  }
  return found;
}

int sql_conn_narrow_frame(struct sql_conn *c, struct sql_filter *f, char **errmsg){
  uint64_t lo, hi;
  uint32_t thread = 0;
  int rc;
  if( !f->frame || f->empty ) return SQLITE_OK;
  rc = sql_conn_calls(c, errmsg);
  if( rc!=SQLITE_OK ) return rc;
  /* a frame the recording started inside of and never left has no
  ** activation: its events are found by the full scan */
  if( !conn_frame_range(c, f->frame, &thread, &lo, &hi) ) return SQLITE_OK;
  if( thread ){
    if( f->thread && f->thread!=thread ) f->empty = 1;
    f->thread = thread;
  }
  if( lo>f->lo ) f->lo = lo;
  if( hi<f->hi ) f->hi = hi;
  if( f->lo>f->hi ) f->empty = 1;
  return SQLITE_OK;
}

int trec_sql_register(sqlite3 *db){
  static const struct { const char *name; sqlite3_module *m; } mods[] = {
    { "events", &sql_events_module },
    { "calls",  &sql_calls_module },
    { "vars",   &sql_vars_module },
  };
  struct sql_conn *c = sqlite3_malloc(sizeof(*c));
  int rc = SQLITE_OK;
  size_t i, k;
  if( !c ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  trec_buf_init(&c->arena);
  c->db = db;
  c->n_ref = 3;
  for(i=0; i<3; i++){
    /* on failure SQLite has already dropped this module's reference */
    rc = sqlite3_create_module_v2(db, mods[i].name, mods[i].m, c, conn_unref);
    if( rc!=SQLITE_OK ){
      for(k=i+1; k<3; k++) conn_unref(c);
      break;
    }
  }
  return rc;
}

int sql_vtab_connect(sqlite3 *db, void *aux, const char *schema,
                     sqlite3_vtab **out, char **err){
  struct sql_conn *conn = aux;
  struct sql_vtab *vt;
  int rc = sql_conn_open(conn, err);
  if( rc!=SQLITE_OK ) return rc;
  rc = sqlite3_declare_vtab(db, schema);
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  vt = sqlite3_malloc(sizeof(*vt));
  if( !vt ) return SQLITE_NOMEM;
  memset(vt, 0, sizeof(*vt));
  vt->conn = conn;
  *out = &vt->base;
  return SQLITE_OK;
}

int sql_vtab_disconnect(sqlite3_vtab *vt){
  sqlite3_free(vt);
  return SQLITE_OK;
}
