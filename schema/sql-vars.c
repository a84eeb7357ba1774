/*
** sql-vars.c: the `vars` virtual table, one row per recorded variable value:
** each VAR entry of each event's payload (every bound variable at a call,
** then each change). Names come from the code object's slot table, values
** are rendered by trec_value_render() only when asked for.
**
** name= narrows the scan to events of code objects that have a variable of
** that name, and frame= to the seq span of that frame (calls index), so a
** variable's history does not decode the whole trace.
*/
#include "config.h"
#include <stdlib.h>
#include <string.h>
#define TREC_SQL_INTERNAL
#include "schema/sql.h"

enum { VA_SEQ, VA_FRAME, VA_NAME, VA_VALUE, VA_TYPE, VA_THREAD, VA_CODE, VA_N };

static const enum sql_role va_roles[VA_N] = {
  [VA_SEQ] = SQL_R_SEQ, [VA_FRAME] = SQL_R_FRAME, [VA_NAME] = SQL_R_NAME,
  [VA_THREAD] = SQL_R_THREAD,
};

struct va_cursor {
  sqlite3_vtab_cursor base;
  struct sql_filter f;
  struct sql_scan scan;
  const unsigned char *p, *end; /* rest of the current event's payload */
  struct trec_entry e;          /* the current entry */
  uint32_t n_var;               /* VAR entries of the event read so far */
  uint32_t var_at;              /* the current one's place among them */
  struct trec_buf tmp;
  /* name= : which slots of each code object hold that name, so entries
  ** are matched by slot number, not by comparing names */
  unsigned char *slot_ok;       /* Owned: slot_ok[slot_at[code] + slot] */
  size_t *slot_at;              /* Owned: per code id, and one past the last
                                   (code's slots end at slot_at[code+1]) */
  uint32_t n_slot_codes;        /* code ids covered */
};

static int va_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err){
  (void)argc; (void)argv;
  return sql_vtab_connect(db, aux,
    "CREATE TABLE x(seq INTEGER, frame INTEGER, name TEXT, value TEXT,"
    " type TEXT, thread INTEGER HIDDEN, code INTEGER HIDDEN)", out, err);
}

static int va_best_index(sqlite3_vtab *vt, sqlite3_index_info *info){
  struct sql_vtab *v = (struct sql_vtab *)vt;
  double n = (double)trec_reader_n_events(v->conn->r);
  return sql_plan(v->conn, info, va_roles, VA_N, n > 1 ? n : 1, VA_SEQ, 0.05, 0);
}

static int va_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out){
  struct va_cursor *c = calloc(1, sizeof(*c));
  (void)vt;
  if( !c ) return SQLITE_NOMEM;
  trec_buf_init(&c->tmp);
  c->scan.eof = 1;
  *out = &c->base;
  return SQLITE_OK;
}

static int va_close(sqlite3_vtab_cursor *cur){
  struct va_cursor *c = (struct va_cursor *)cur;
  sql_scan_release(&c->scan);
  sql_filter_release(&c->f);
  trec_buf_release(&c->tmp);
  free(c->slot_ok);
  free(c->slot_at);
  free(c);
  return SQLITE_OK;
}

static int va_fail(sqlite3_vtab_cursor *cur, int rc, char *msg){
  if( msg ){
    sqlite3_free(cur->pVtab->zErrMsg);
    cur->pVtab->zErrMsg = msg;
  }
  return rc;
}

static const char *va_name(trec_reader *r, uint32_t code, uint32_t slot){
  const struct trec_code *co = trec_reader_code(r, code);
  return co && slot<co->n_names ? co->names[slot] : NULL;
}

/* Move to the next VAR entry (matching the name filter), from the current
** event's payload onwards. */
static int va_settle(struct va_cursor *c, int fresh){
  char *err = NULL;
  int rc;
  while( !c->scan.eof ){
    const struct trec_chunk *ch = &c->scan.cur->c;
    size_t j = c->scan.cur->pos;
    if( fresh ){
      c->p = ch->payload+ch->payload_off[j];
      c->end = c->p+ch->payload_len[j];
      c->n_var = 0;
      fresh = 0;
    }
    while( c->p<c->end ){
      rc = trec_payload_next(&c->p, c->end, &c->e);
      if( rc!=TREC_OK ){
        err = sqlite3_mprintf("tracerec: corrupt payload at seq %llu",
                              (unsigned long long)ch->seq[j]);
        return va_fail(&c->base, SQLITE_CORRUPT_VTAB, err);
      }
      if( c->e.kind!=TREC_PK_VAR ) continue;
      c->var_at = c->n_var++;
      if( c->f.name ){
        uint32_t code = ch->code[j];
        size_t at;
        if( code>=c->n_slot_codes ) continue;
        at = c->slot_at[code]+c->e.slot;
        if( at>=c->slot_at[code+1] || !c->slot_ok[at] ) continue;
      }
      return SQLITE_OK;
    }
    rc = sql_scan_next(&c->scan, &err);
    if( rc!=SQLITE_OK ) return va_fail(&c->base, rc, err);
    fresh = 1;
  }
  return SQLITE_OK;
}

/* name= : only code objects with a variable of that name can match, and
** only in the slots of that name (c->slot_ok). */
static int va_codes_for_name(struct va_cursor *c, trec_reader *r){
  struct sql_filter *f = &c->f;
  uint32_t id, k, max = trec_reader_max_code_id(r);
  size_t n_slots = 0;
  free(f->codes);
  free(c->slot_at);
  free(c->slot_ok);
  c->slot_ok = NULL;
  c->n_slot_codes = 0;
  f->codes = calloc((size_t)max+1, 1);
  c->slot_at = calloc((size_t)max+2, sizeof(*c->slot_at));
  if( !f->codes || !c->slot_at ) return SQLITE_NOMEM;
  f->n_codes = max+1;
  for(id=1; id<=max; id++){
    const struct trec_code *co = trec_reader_code(r, id);
    c->slot_at[id] = n_slots;
    if( co ) n_slots += co->n_names;
  }
  c->slot_at[max+1] = n_slots;
  c->slot_ok = calloc(n_slots ? n_slots : 1, 1);
  if( !c->slot_ok ) return SQLITE_NOMEM;
  c->n_slot_codes = max+1;
  for(id=1; id<=max; id++){
    const struct trec_code *co = trec_reader_code(r, id);
    for(k=0; co && k<co->n_names; k++){
      if( co->names[k] && !strcmp(co->names[k], f->name) ){
        f->codes[id] = 1;
        c->slot_ok[c->slot_at[id]+k] = 1;
      }
    }
  }
  return SQLITE_OK;
}

static int va_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx,
                     int argc, sqlite3_value **argv){
  struct va_cursor *c = (struct va_cursor *)cur;
  struct sql_conn *conn = ((struct sql_vtab *)cur->pVtab)->conn;
  char *err = NULL;
  int rc;
  sql_filter_release(&c->f);
  rc = sql_filter_init(&c->f, conn, idx, argc, argv);
  if( rc==SQLITE_OK && c->f.name ) rc = va_codes_for_name(c, conn->r);
  if( rc==SQLITE_OK ) rc = sql_conn_narrow_frame(conn, &c->f, &err);
  /* no column of vars is made from ts or offset: those are never decoded;
  ** values are rendered only by xColumn, for the rows and columns read */
  if( rc==SQLITE_OK )
    rc = sql_scan_start(&c->scan, conn, &c->f, 1, (idx_num & SQL_PLAN_DESC) | SQL_PLAN_NOTS, &err);
  if( rc!=SQLITE_OK ) return va_fail(cur, rc, err);
  return va_settle(c, 1);
}

static int va_next(sqlite3_vtab_cursor *cur){
  return va_settle((struct va_cursor *)cur, 0);
}

static int va_eof(sqlite3_vtab_cursor *cur){
  return ((struct va_cursor *)cur)->scan.eof;
}

static int va_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col){
  struct va_cursor *c = (struct va_cursor *)cur;
  const struct trec_chunk *ch = &c->scan.cur->c;
  size_t j = c->scan.cur->pos;
  switch( col ){
    case VA_SEQ:    sqlite3_result_int64(ctx, (sqlite3_int64)ch->seq[j]); break;
    case VA_FRAME:  sqlite3_result_int64(ctx, (sqlite3_int64)ch->frame[j]); break;
    case VA_NAME:
      sqlite3_result_text(ctx, va_name(c->scan.conn->r, ch->code[j], c->e.slot), -1,
                          SQLITE_STATIC);
      break;
    case VA_VALUE:  return sql_result_value(ctx, c->e.value, c->e.value_end, &c->tmp, 0);
    case VA_TYPE:   return sql_result_value(ctx, c->e.value, c->e.value_end, &c->tmp, 1);
    case VA_THREAD: sqlite3_result_int64(ctx, ch->thread); break;
    case VA_CODE:   sqlite3_result_int64(ctx, ch->code[j]); break;
  }
  return SQLITE_OK;
}

/* The same row has the same rowid in every scan, whatever the filters:
** SQLite's OR plans merge the rows of several scans by rowid. A row is its
** event's seq and its place among the event's variables (fewer than 2^24;
** seqs below 2^39). */
static int va_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid){
  struct va_cursor *c = (struct va_cursor *)cur;
  const struct trec_chunk *ch = &c->scan.cur->c;
  *rowid = (sqlite3_int64)((ch->seq[c->scan.cur->pos] << 24) | c->var_at);
  return SQLITE_OK;
}

sqlite3_module sql_vars_module = {
  .iVersion = 0,
  .xCreate = NULL,             /* eponymous only */
  .xConnect = va_connect,
  .xBestIndex = va_best_index,
  .xDisconnect = sql_vtab_disconnect,
  .xDestroy = sql_vtab_disconnect,
  .xOpen = va_open,
  .xClose = va_close,
  .xFilter = va_filter,
  .xNext = va_next,
  .xEof = va_eof,
  .xColumn = va_column,
  .xRowid = va_rowid,
};
