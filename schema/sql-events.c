/*
** sql-events.c: the `events` virtual table, one row per recorded event,
** decoded from the chunks on the fly (sql-scan.c) in seq order. Names
** (kind, file, function) come from the reader's in-memory code and file
** tables; `value` is rendered only when asked for.
*/
#include "config.h"
#include <stdlib.h>
#include <string.h>
#define TREC_SQL_INTERNAL
#include "schema/sql.h"

enum { EV_SEQ, EV_THREAD, EV_KIND, EV_FILE, EV_FUNCTION, EV_LINE, EV_DEPTH,
       EV_FRAME, EV_VALUE, EV_TS, EV_CODE, EV_OFFSET, EV_N };

static const enum sql_role ev_roles[EV_N] = {
  [EV_SEQ] = SQL_R_SEQ, [EV_THREAD] = SQL_R_THREAD, [EV_KIND] = SQL_R_KIND,
  [EV_FUNCTION] = SQL_R_FUNCTION, [EV_FRAME] = SQL_R_FRAME,
  [EV_FILE] = SQL_R_FILE, [EV_CODE] = SQL_R_CODE, [EV_LINE] = SQL_R_LINE,
  [EV_DEPTH] = SQL_R_DEPTH,
};

struct ev_cursor {
  sqlite3_vtab_cursor base;
  struct sql_filter f;
  struct sql_scan scan;
  struct trec_buf tmp;
  /* the names of the code object of the last row asked for: a loop's
  ** rows share one, and text results then need no strlen() each */
  uint32_t name_code;
  const char *function, *file;
  int function_len, file_len;
};

/* Point the name cache at code object `code`. */
static void ev_names(struct ev_cursor *c, uint32_t code){
  trec_reader *r = c->scan.conn->r;
  const struct trec_code *co = trec_reader_code(r, code);
  c->function = co ? co->name : NULL;
  c->file = sql_code_file(r, co);
  c->function_len = c->function ? (int)strlen(c->function) : 0;
  c->file_len = c->file ? (int)strlen(c->file) : 0;
  c->name_code = code;
}

static int ev_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err){
  (void)argc; (void)argv;
  return sql_vtab_connect(db, aux,
    "CREATE TABLE x(seq INTEGER, thread INTEGER, kind TEXT, file TEXT,"
    " function TEXT, line INTEGER, depth INTEGER, frame INTEGER, value TEXT,"
    " ts INTEGER, code INTEGER HIDDEN, offset INTEGER HIDDEN)", out, err);
}

static int ev_best_index(sqlite3_vtab *vt, sqlite3_index_info *info){
  struct sql_vtab *v = (struct sql_vtab *)vt;
  double n = (double)trec_reader_n_events(v->conn->r);
  int rc = sql_plan(v->conn, info, ev_roles, EV_N, n > 1 ? n : 1, EV_SEQ, 0.05, 1);
  /* a scan reading none of these columns decodes only kind, seq, code,
  ** line, depth and frame */
  if( !(info->colUsed & ((sqlite3_uint64)1<<EV_TS | (sqlite3_uint64)1<<EV_OFFSET)) )
    info->idxNum |= SQL_PLAN_NOTS;
  if( !(info->colUsed & ((sqlite3_uint64)1<<EV_VALUE)) )
    info->idxNum |= SQL_PLAN_NOPAYLOAD;
  return rc;
}

static int ev_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out){
  struct ev_cursor *c = calloc(1, sizeof(*c));
  (void)vt;
  if( !c ) return SQLITE_NOMEM;
  trec_buf_init(&c->tmp);
  c->scan.eof = 1;
  *out = &c->base;
  return SQLITE_OK;
}

static int ev_close(sqlite3_vtab_cursor *cur){
  struct ev_cursor *c = (struct ev_cursor *)cur;
  sql_scan_release(&c->scan);
  sql_filter_release(&c->f);
  trec_buf_release(&c->tmp);
  free(c);
  return SQLITE_OK;
}

static int ev_fail(sqlite3_vtab_cursor *cur, int rc, char *msg){
  if( msg ){
    sqlite3_free(cur->pVtab->zErrMsg);
    cur->pVtab->zErrMsg = msg;
  }
  return rc;
}

static int ev_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx,
                     int argc, sqlite3_value **argv){
  struct ev_cursor *c = (struct ev_cursor *)cur;
  struct sql_conn *conn = ((struct sql_vtab *)cur->pVtab)->conn;
  char *err = NULL;
  int rc;
  sql_filter_release(&c->f);
  rc = sql_filter_init(&c->f, conn, idx, argc, argv);
  if( rc==SQLITE_OK ) rc = sql_conn_narrow_frame(conn, &c->f, &err);
  if( rc==SQLITE_OK ) rc = sql_scan_start(&c->scan, conn, &c->f, 0, idx_num, &err);
  return ev_fail(cur, rc, err);
}

static int ev_next(sqlite3_vtab_cursor *cur){
  struct ev_cursor *c = (struct ev_cursor *)cur;
  char *err = NULL;
  int rc;
  /* most rows cost only this */
  if( !c->scan.eof && sql_scan_next_fast(&c->scan) ) return SQLITE_OK;
  rc = sql_scan_next(&c->scan, &err);
  return ev_fail(cur, rc, err);
}

static int ev_eof(sqlite3_vtab_cursor *cur){
  return ((struct ev_cursor *)cur)->scan.eof;
}

static int ev_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col){
  struct ev_cursor *c = (struct ev_cursor *)cur;
  const struct trec_chunk *ch;
  size_t j;
  if( c->scan.cur->phantom ){
    char *err = NULL;
    int rc = sql_scan_materialize(&c->scan, &err);
    if( rc!=SQLITE_OK ) return ev_fail(cur, rc, err);
  }
  ch = &c->scan.cur->c;
  j = c->scan.cur->pos;
  switch( col ){
    case EV_SEQ:    sqlite3_result_int64(ctx, (sqlite3_int64)ch->seq[j]); break;
    case EV_THREAD: sqlite3_result_int64(ctx, ch->thread); break;
    case EV_KIND:   sqlite3_result_text(ctx, trec_kind_name(ch->kind[j]), -1, SQLITE_STATIC); break;
    case EV_FILE:
      if( ch->code[j]!=c->name_code ) ev_names(c, ch->code[j]);
      if( c->file ) sqlite3_result_text(ctx, c->file, c->file_len, SQLITE_STATIC);
      break;
    case EV_FUNCTION:
      if( ch->code[j]!=c->name_code ) ev_names(c, ch->code[j]);
      if( c->function ) sqlite3_result_text(ctx, c->function, c->function_len, SQLITE_STATIC);
      break;
    case EV_LINE:   sqlite3_result_int(ctx, ch->line[j]); break;
    case EV_DEPTH:  sqlite3_result_int64(ctx, ch->depth[j]); break;
    case EV_FRAME:  sqlite3_result_int64(ctx, (sqlite3_int64)ch->frame[j]); break;
    case EV_VALUE: {
      const unsigned char *p = ch->payload+ch->payload_off[j], *v, *ve;
      int k = ch->kind[j];
      if( (k!=TREC_RETURN && k!=TREC_EXCEPTION) || !ch->payload_len[j] ) break;
      if( sql_payload_find(p, p+ch->payload_len[j],
                           k==TREC_RETURN ? TREC_PK_RETURN : TREC_PK_EXCEPTION,
                           &v, &ve)!=TREC_OK ) break;
      return sql_result_value(ctx, v, ve, &c->tmp, 0);
    }
    case EV_TS:
      if( ch->ts[j]!=TREC_NO_TS ) sqlite3_result_int64(ctx, ch->ts[j]);
      break;
    case EV_CODE:   sqlite3_result_int64(ctx, ch->code[j]); break;
    case EV_OFFSET:
      if( ch->offset[j]!=TREC_NO_OFFSET ) sqlite3_result_int(ctx, ch->offset[j]);
      break;
  }
  return SQLITE_OK;
}

static int ev_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid){
  struct ev_cursor *c = (struct ev_cursor *)cur;
  char *err = NULL;
  int rc = sql_scan_materialize(&c->scan, &err);
  if( rc!=SQLITE_OK ) return ev_fail(cur, rc, err);
  *rowid = (sqlite3_int64)c->scan.cur->c.seq[c->scan.cur->pos];
  return SQLITE_OK;
}

sqlite3_module sql_events_module = {
  .iVersion = 0,
  .xCreate = NULL,             /* eponymous only: no CREATE VIRTUAL TABLE */
  .xConnect = ev_connect,
  .xBestIndex = ev_best_index,
  .xDisconnect = sql_vtab_disconnect,
  .xDestroy = sql_vtab_disconnect,
  .xOpen = ev_open,
  .xClose = ev_close,
  .xFilter = ev_filter,
  .xNext = ev_next,
  .xEof = ev_eof,
  .xColumn = ev_column,
  .xRowid = ev_rowid,
};
