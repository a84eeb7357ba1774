/*
** sql-calls.c: the `calls` virtual table, one row per frame activation
** (a generator resumed three times is three rows with one `frame`), read
** from the connection's calls index (sql-conn.c), which is built by one
** pass over the trace the first time any query needs it. Rows come in
** call_seq order; frame= is a binary search in the index's frame order.
*/
#include "config.h"
#include <stdlib.h>
#include <string.h>
#define TREC_SQL_INTERNAL
#include "schema/sql.h"

enum { CA_FRAME, CA_THREAD, CA_PARENT, CA_FUNCTION, CA_QUALNAME, CA_FILE,
       CA_LINE, CA_DEPTH, CA_CALL_SEQ, CA_RETURN_SEQ, CA_DURATION, CA_RETURNED,
       CA_RAISED, CA_CALL_LINE, CA_CODE, CA_N };

static const enum sql_role ca_roles[CA_N] = {
  [CA_FRAME] = SQL_R_FRAME, [CA_THREAD] = SQL_R_THREAD,
  [CA_FUNCTION] = SQL_R_FUNCTION, [CA_CALL_SEQ] = SQL_R_SEQ, [CA_DEPTH] = SQL_R_DEPTH,
};

struct ca_cursor {
  sqlite3_vtab_cursor base;
  struct sql_filter f;
  struct sql_conn *conn;       /* Borrowed */
  size_t i;                    /* position in calls[] or calls_by_frame[] */
  size_t a, z;                 /* the positions that may match: [a, z) */
  int by_frame, desc, eof;
  struct trec_buf tmp;
};

static int ca_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err){
  (void)argc; (void)argv;
  return sql_vtab_connect(db, aux,
    "CREATE TABLE x(frame INTEGER, thread INTEGER, parent INTEGER,"
    " function TEXT, qualname TEXT, file TEXT, line INTEGER, depth INTEGER,"
    " call_seq INTEGER, return_seq INTEGER, duration_ns INTEGER,"
    " returned TEXT, raised TEXT, call_line INTEGER, code INTEGER HIDDEN)",
    out, err);
}

static int ca_best_index(sqlite3_vtab *vt, sqlite3_index_info *info){
  struct sql_vtab *v = (struct sql_vtab *)vt;
  double n = v->conn->calls_built ? (double)v->conn->n_calls
                                  : (double)v->conn->n_calls_est;
  return sql_plan(v->conn, info, ca_roles, CA_N, n > 1 ? n : 1, CA_CALL_SEQ, 0.01, 1);
}

static int ca_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out){
  struct ca_cursor *c = calloc(1, sizeof(*c));
  if( !c ) return SQLITE_NOMEM;
  c->conn = ((struct sql_vtab *)vt)->conn;
  trec_buf_init(&c->tmp);
  *out = &c->base;
  return SQLITE_OK;
}

static int ca_close(sqlite3_vtab_cursor *cur){
  struct ca_cursor *c = (struct ca_cursor *)cur;
  sql_filter_release(&c->f);
  trec_buf_release(&c->tmp);
  free(c);
  return SQLITE_OK;
}

static const struct sql_call *ca_row(const struct ca_cursor *c){
  const struct sql_conn *conn = c->conn;
  return &conn->calls[c->by_frame ? conn->calls_by_frame[c->i] : c->i];
}

static int ca_matches(const struct ca_cursor *c, const struct sql_call *k){
  const struct sql_filter *f = &c->f;
  if( f->seq_set && (k->call_seq<f->lo || k->call_seq>f->hi) ) return 0;
  if( f->thread && k->thread!=f->thread ) return 0;
  if( f->frame && k->frame!=f->frame ) return 0;
  if( f->depth_set && (k->depth<f->depth_lo || k->depth>f->depth_hi) ) return 0;
  if( f->codes && !sql_filter_code(f, k->code) ) return 0;
  return 1;
}

/* From position i on (in the cursor's direction), the first row that
** matches, or eof. */
static void ca_settle(struct ca_cursor *c){
  for(;;){
    if( c->i<c->a || c->i>=c->z ){ c->eof = 1; return; }
    if( ca_matches(c, ca_row(c)) ) return;
    if( c->desc ){
      if( c->i==c->a ){ c->eof = 1; return; }
      c->i--;
    }else c->i++;
  }
}

/* First position whose key is >= v: frame order or call_seq order. */
static size_t ca_lower(const struct sql_conn *conn, int by_frame, uint64_t v){
  size_t a = 0, z = conn->n_calls;
  while( a<z ){
    size_t m = a+(z-a)/2;
    uint64_t key = by_frame ? conn->calls[conn->calls_by_frame[m]].frame : conn->calls[m].call_seq;
    if( key<v ) a = m+1; else z = m;
  }
  return a;
}

static int ca_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx,
                     int argc, sqlite3_value **argv){
  struct ca_cursor *c = (struct ca_cursor *)cur;
  struct sql_conn *conn = c->conn;
  char *err = NULL;
  int rc;
  c->eof = 1;
  sql_filter_release(&c->f);
  rc = sql_filter_init(&c->f, conn, idx, argc, argv);
  if( rc==SQLITE_OK ) rc = sql_conn_calls(conn, &err);
  if( rc!=SQLITE_OK ){
    if( err ){
      sqlite3_free(cur->pVtab->zErrMsg);
      cur->pVtab->zErrMsg = err;
    }
    return rc;
  }
  if( c->f.empty ) return SQLITE_OK;
  c->eof = 0;
  c->desc = (idx_num & SQL_PLAN_DESC)!=0;
  c->by_frame = c->f.frame!=0;
  c->a = 0;
  c->z = conn->n_calls;
  if( c->by_frame ){
    c->a = ca_lower(conn, 1, c->f.frame);
    c->z = ca_lower(conn, 1, c->f.frame+1);
  }else if( c->f.seq_set ){
    c->a = ca_lower(conn, 0, c->f.lo);
    if( c->f.hi!=UINT64_MAX ) c->z = ca_lower(conn, 0, c->f.hi+1);
  }
  if( c->a>=c->z ){ c->eof = 1; return SQLITE_OK; }
  c->i = c->desc ? c->z-1 : c->a;
  ca_settle(c);
  return SQLITE_OK;
}

static int ca_next(sqlite3_vtab_cursor *cur){
  struct ca_cursor *c = (struct ca_cursor *)cur;
  if( c->eof ) return SQLITE_OK;
  if( c->desc ){
    if( c->i==c->a ){ c->eof = 1; return SQLITE_OK; }
    c->i--;
  }else c->i++;
  ca_settle(c);
  return SQLITE_OK;
}

static int ca_eof(sqlite3_vtab_cursor *cur){
  return ((struct ca_cursor *)cur)->eof;
}

static int ca_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col){
  struct ca_cursor *c = (struct ca_cursor *)cur;
  const struct sql_call *k = ca_row(c);
  trec_reader *r = c->conn->r;
  const struct trec_code *co = trec_reader_code(r, k->code);
  const unsigned char *v = c->conn->arena.data+k->val_off;
  switch( col ){
    case CA_FRAME:    sqlite3_result_int64(ctx, (sqlite3_int64)k->frame); break;
    case CA_THREAD:   sqlite3_result_int64(ctx, k->thread); break;
    case CA_PARENT:
      if( k->parent ) sqlite3_result_int64(ctx, (sqlite3_int64)k->parent);
      break;
    case CA_FUNCTION: if( co ) sqlite3_result_text(ctx, co->name, -1, SQLITE_STATIC); break;
    case CA_QUALNAME: if( co ) sqlite3_result_text(ctx, co->qualname, -1, SQLITE_STATIC); break;
    case CA_FILE:     sqlite3_result_text(ctx, sql_code_file(r, co), -1, SQLITE_STATIC); break;
    case CA_LINE:     sqlite3_result_int(ctx, k->line); break;
    case CA_CALL_LINE:
      if( k->call_line ) sqlite3_result_int(ctx, k->call_line);
      break;
    case CA_DEPTH:    sqlite3_result_int64(ctx, k->depth); break;
    case CA_CALL_SEQ:
      if( k->call_seq ) sqlite3_result_int64(ctx, (sqlite3_int64)k->call_seq);
      break;
    case CA_RETURN_SEQ:
      if( k->return_seq ) sqlite3_result_int64(ctx, (sqlite3_int64)k->return_seq);
      break;
    case CA_DURATION:
      if( k->call_seq && k->return_seq && k->call_ts!=TREC_NO_TS
          && k->return_ts!=TREC_NO_TS )
        sqlite3_result_int64(ctx, k->return_ts-k->call_ts);
      break;
    case CA_RETURNED:
      if( k->val_len && !k->raised )
        return sql_result_value(ctx, v, v+k->val_len, &c->tmp, 0);
      break;
    case CA_RAISED:
      if( k->val_len && k->raised )
        return sql_result_value(ctx, v, v+k->val_len, &c->tmp, 0);
      break;
    case CA_CODE:     sqlite3_result_int64(ctx, k->code); break;
  }
  return SQLITE_OK;
}

static int ca_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid){
  struct ca_cursor *c = (struct ca_cursor *)cur;
  *rowid = (sqlite3_int64)(c->by_frame ? c->conn->calls_by_frame[c->i] : c->i) + 1;
  return SQLITE_OK;
}

sqlite3_module sql_calls_module = {
  .iVersion = 0,
  .xCreate = NULL,             /* eponymous only */
  .xConnect = ca_connect,
  .xBestIndex = ca_best_index,
  .xDisconnect = sql_vtab_disconnect,
  .xDestroy = sql_vtab_disconnect,
  .xOpen = ca_open,
  .xClose = ca_close,
  .xFilter = ca_filter,
  .xNext = ca_next,
  .xEof = ca_eof,
  .xColumn = ca_column,
  .xRowid = ca_rowid,
};
