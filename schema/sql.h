/*
** sql.h: the SQL face of a trace: the eponymous virtual tables `events`,
** `calls` and `vars` registered on a SQLite connection whose main database
** is a trace (doc/SQL.md lists their columns). The same code is built twice:
** into libtrecsql for `tracerec sql`, and with TREC_SQL_EXTENSION into the
** loadable extension tracerec.so (schema/ext.c), where every SQLite call
** must go through the host's sqlite3_api table.
**
** The second half of this header is private to schema/sql-*.c.
*/
#ifndef TREC_SQL_H
#define TREC_SQL_H
struct sqlite3;

/*! trec_sql_register() : add tracerec's virtual tables to db. The tables
 *  open the trace named by sqlite3_db_filename(db, "main") (read-only, once
 *  per connection, on first use); registering on a connection whose main
 *  database is not a trace succeeds, and using a table then fails with a
 *  message. @return an SQLite result code. */
int trec_sql_register(struct sqlite3 *db);

/*! trec_sql_corrupt() : 1 when rc (an SQLite result code from a statement
 *  that used the tables) means the trace itself is bad (not a trace, damaged
 *  chunk, newer format) rather than the SQL. */
int trec_sql_corrupt(int rc);

#ifdef TREC_SQL_INTERNAL
/*-************************************
*  Private to schema/sql-*.c
**************************************/
#ifdef TREC_SQL_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif
#include "schema/trace.h"

/* One finished or open frame activation (a row of `calls`). Values (the
** return value or the escaping exception) are encoded bytes in the index's
** arena, so rows stay small and rendering happens only for rows asked for. */
struct sql_call {
  uint64_t frame, parent;      /* parent 0: none recorded */
  uint64_t call_seq;           /* 0: the call was not recorded */
  uint64_t return_seq;         /* 0: still open when the trace ends */
  int64_t call_ts, return_ts;  /* TREC_NO_TS if unknown */
  uint64_t val_off;            /* into the arena */
  uint32_t val_len;            /* 0: no value */
  uint32_t thread, code, depth;
  int32_t line;
  int32_t call_line;           /* the parent's line at the call; 0: unknown */
  uint8_t raised;              /* the value is the exception that escaped */
};

/* Everything one connection knows about its trace, shared by the three
** tables and all their cursors. Built lazily: the reader on first use of
** any table, the calls index on first query that needs it. */
struct sql_conn {
  int n_ref;                   /* modules still registered */
  sqlite3 *db;                 /* Borrowed */
  trec_reader *r;              /* Owned, NULL until opened */
  uint32_t *threads;           /* Owned: distinct chunk thread ids */
  size_t **thread_chunks;      /* Owned: per thread, its chunk indexes */
  size_t *n_thread_chunks;
  size_t n_threads;
  uint64_t n_kind[TREC_N_KINDS]; /* events of each kind in the trace */
  uint64_t n_calls_est;        /* call events in the trace */
  struct sql_call *calls;      /* Owned: index, ordered by call_seq */
  size_t n_calls;
  uint32_t *calls_by_frame;    /* Owned: call indexes ordered by frame */
  struct trec_buf arena;       /* Owned: values of calls[] */
  int calls_built;
};

/* idxNum bits set by sql_plan(). */
#define SQL_PLAN_DESC 1          /* rows wanted in descending order */
#define SQL_PLAN_NOCOLS 2        /* no column is read (count(*)) */
#define SQL_PLAN_NOTS 4          /* no ts or offset column is read */
#define SQL_PLAN_NOPAYLOAD 8     /* no column made from payloads is read */

/* What xBestIndex chose and xFilter was given, decoded. */
struct sql_filter {
  uint64_t lo, hi;             /* seq range, inclusive */
  int empty;                   /* constraints contradict: no rows */
  int seq_set;                 /* some seq constraint was given */
  uint32_t thread;             /* 0: any */
  uint64_t frame;              /* 0: any */
  int kind;                    /* -1: any */
  int line_set;                /* only events on line `line` */
  int32_t line;
  int depth_set;               /* only events of depth_lo <= depth <= depth_hi */
  uint32_t depth_lo, depth_hi;
  unsigned char *codes;        /* Owned: code id -> allowed, NULL: any;
                                  function=, file= and code= intersect */
  uint32_t n_codes;
  char *name;                  /* Owned: vars.name filter, NULL: any */
};

/* Column roles the planner understands; each table maps its columns. */
enum sql_role { SQL_R_NONE, SQL_R_SEQ, SQL_R_THREAD, SQL_R_FRAME, SQL_R_KIND,
                SQL_R_FUNCTION, SQL_R_NAME, SQL_R_FILE, SQL_R_CODE, SQL_R_LINE,
                SQL_R_DEPTH };

/* A table of the module: every vtab is this, its client data the connection. */
struct sql_vtab {
  sqlite3_vtab base;
  struct sql_conn *conn;       /* Borrowed: the module's client data */
};

/* sql-conn.c */
int sql_conn_open(struct sql_conn *c, char **errmsg);
/* xConnect of every table: open the trace (once per connection), declare
** `schema`, and return a struct sql_vtab over the connection in aux. */
int sql_vtab_connect(sqlite3 *db, void *aux, const char *schema,
                     sqlite3_vtab **out, char **err);
int sql_vtab_disconnect(sqlite3_vtab *vt);
int sql_conn_calls(struct sql_conn *c, char **errmsg);
/* frame= : narrow f to the seq span and thread of that frame's activations
** (builds the calls index on first use). */
int sql_conn_narrow_frame(struct sql_conn *c, struct sql_filter *f, char **errmsg);
int sql_rc_for(int trec_rc);
char *sql_errmsg(trec_reader *r, int rc, const char *what);

/* sql-plan.c: xBestIndex for a table whose columns have roles. seq_unique:
** one row at most per value of the SQL_R_SEQ column (events, calls; not
** vars, which has a row per variable of an event), so seq= scans one. */
int sql_plan(const struct sql_conn *c, sqlite3_index_info *info,
             const enum sql_role *roles, int n_cols, double n_rows,
             int order_col, double decode_cost, int seq_unique);
int sql_filter_init(struct sql_filter *f, struct sql_conn *c, const char *idx,
                    int argc, sqlite3_value **argv);
void sql_filter_release(struct sql_filter *f);
/* Whether events of code object `code` may match f (tested per event). */
static inline int sql_filter_code(const struct sql_filter *f, uint32_t code){
  return !f->codes || (code<f->n_codes && f->codes[code]);
}

/* sql-scan.c: events in seq order across threads, filtered on the decoded
** columns so non-matching events never reach SQLite. */
struct sql_lane {
  const size_t *list;          /* Borrowed: this thread's chunk indexes */
  size_t n_list, li;
  struct trec_chunk c;
  size_t cached;               /* chunk index decoded in c, SIZE_MAX: none */
  unsigned cached_skipped;     /* the columns that decode left out */
  uint64_t phantom;            /* rows of the current chunk still to give
                                  without decoding it (count(*)) */
  uint64_t phantom_total;
  uint32_t *sel;               /* Owned: the decoded chunk's matching events,
                                  in scan order */
  size_t sel_cap, n_sel, si;   /* the current row is sel[si] */
  size_t pos;                  /* = sel[si]: the current event of c */
  int last;                    /* c reaches past the seq range: the lane ends
                                  with its selection */
  int done;
};
struct sql_scan {
  struct sql_conn *conn;       /* Borrowed */
  const struct sql_filter *f;  /* Borrowed */
  int need_payload;            /* only events with a payload match */
  int desc;                    /* walk backwards (ORDER BY seq DESC) */
  int counting;                /* rows may be phantom: no column is read */
  unsigned decode_flags;       /* enum trec_decode_flags: columns not needed */
  struct sql_lane *lanes;      /* Owned: one per thread of the trace; kept
                                  across xFilter calls, so that a join
                                  probing the same chunk decodes it once */
  size_t n_lanes;
  struct sql_lane *cur;        /* the lane holding the current event */
  size_t n_live;               /* lanes not done */
  uint32_t *chunk_n;           /* Owned: per chunk index, its events of the
                                  filter's codes (from the postings), NULL
                                  when no code filter or no postings */
  unsigned char *chunk_n_codes; /* Owned: the codes mask chunk_n was summed
                                  for (a join's xFilters reuse it) */
  uint32_t chunk_n_n_codes;
  int eof;
};
int sql_scan_start(struct sql_scan *s, struct sql_conn *conn, const struct sql_filter *f,
                   int need_payload, int flags, char **errmsg);
int sql_scan_materialize(struct sql_scan *s, char **errmsg);
int sql_scan_next(struct sql_scan *s, char **errmsg);
/* The common case of sql_scan_next(), inline for the tables' xNext: the
** next row is in the current chunk (or phantom run) of the only live lane.
** Returns 0 when the full sql_scan_next() is needed. */
static inline int sql_scan_next_fast(struct sql_scan *s){
  struct sql_lane *l = s->cur;
  if( l->phantom>1 ){
    l->phantom--;
    return 1;
  }
  if( l->phantom || s->n_live!=1 || l->si+1>=l->n_sel ) return 0;
  l->pos = l->sel[++l->si];
  return 1;
}
void sql_scan_release(struct sql_scan *s);

/* sql-events.c, sql-calls.c, sql-vars.c */
extern sqlite3_module sql_events_module;
extern sqlite3_module sql_calls_module;
extern sqlite3_module sql_vars_module;

/* Helpers shared by the tables. */
const char *sql_code_file(trec_reader *r, const struct trec_code *co);
int sql_result_value(sqlite3_context *ctx, const unsigned char *p,
                     const unsigned char *end, struct trec_buf *tmp, int type);
int sql_payload_find(const unsigned char *p, const unsigned char *end,
                     enum trec_pkind kind, const unsigned char **v,
                     const unsigned char **v_end);
#endif /* TREC_SQL_INTERNAL */
#endif /* TREC_SQL_H */
