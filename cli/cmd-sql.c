/*
** cmd-sql.c: `tracerec sql TRACE [QUERY]`: SQL over a trace's plain tables
** and its virtual tables (events, calls, vars; doc/SQL.md).
**
** Traces may come from elsewhere, so the file is opened the way one opens an
** untrusted database: read-only URI, query_only, defensive mode, no trusted
** schema, no extension loading, no ATTACH. Rows print as an aligned table,
** CSV with a header line (the sqlite3 shell's quoting) or JSON. With no
** QUERY the SQL comes from an interactive prompt (libedit, history in
** ~/.tracerec_history) or, when stdin is not a terminal, from stdin.
*/
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include <editline/readline.h>
#include "cli/cmd.h"
#include "schema/trace.h"
#include "schema/sql.h"

enum sql_mode { MODE_TABLE, MODE_CSV, MODE_JSON };

struct sql_out {
  enum sql_mode mode;
  FILE *f;
  int n_json;                  /* JSON: statements printed so far */
};

static void sql_usage(void){
  fputs("usage: tracerec sql [--table | --csv | --json] TRACE [QUERY]\n"
        "       tracerec sql --extension-path\n\n"
        "Run SQL over a recording: plain tables (meta, files, code, threads,\n"
        "chunks) and the virtual tables events, calls and vars (doc/SQL.md).\n"
        "QUERY may hold several statements. Without QUERY, statements are read\n"
        "from a prompt, or from stdin when it is not a terminal; both take the\n"
        "dot commands .mode table|csv|json, .help and .quit.\n\n"
        "  --table           aligned columns (default)\n"
        "  --csv             comma-separated values with a header line\n"
        "  --json            one JSON array of row objects per statement\n"
        "  --extension-path  print the path of the SQLite loadable extension:\n"
        "                    sqlite3 TRACE -cmd '.load PATH' 'SELECT ...'\n", stdout);
}

/* Display width of UTF-8 text: code points, which is right for the
** names and numbers traces mostly hold. */
static size_t utf8_width(const char *s){
  size_t w = 0;
  for(; *s; s++) if( ((unsigned char)*s & 0xc0)!=0x80 ) w++;
  return w;
}

/* Column i's value as text of *len bytes (NUL-terminated after them; a
** TEXT value may hold NULs of its own), sqlite3_malloc'd. */
static char *cell_text(sqlite3_stmt *st, int i, size_t *len){
  char *s;
  *len = 0;
  switch( sqlite3_column_type(st, i) ){
    case SQLITE_NULL:  s = sqlite3_mprintf(""); break;
    case SQLITE_FLOAT: s = sqlite3_mprintf("%!.15g", sqlite3_column_double(st, i)); break;
    case SQLITE_BLOB: {
      const unsigned char *b = sqlite3_column_blob(st, i);
      int n = sqlite3_column_bytes(st, i), k;
      s = sqlite3_malloc(2*n+4);
      if( !s ) return NULL;
      strcpy(s, "X'");
      for(k=0; k<n; k++) sprintf(s+2+2*k, "%02x", b[k]);
      strcpy(s+2+2*n, "'");
      break;
    }
    default: {
      const unsigned char *t = sqlite3_column_text(st, i);
      int n = sqlite3_column_bytes(st, i);
      s = sqlite3_malloc(n+1);
      if( !s ) return NULL;
      if( t ) memcpy(s, t, (size_t)n);
      s[n] = 0;
      *len = (size_t)n;
      return s;
    }
  }
  if( s ) *len = strlen(s);
  return s;
}

/* s (len bytes) with control characters escaped as Python writes them
** (\n, \t, \r, \x00...), for a table's cell: a raw newline or carriage
** return would break its rows. sqlite3_malloc'd. */
static char *cell_escaped(const char *s, size_t len){
  char *e = sqlite3_malloc64(4*(sqlite3_uint64)len+1), *p = e;
  size_t k;
  if( !e ) return NULL;
  for(k=0; k<len; k++){
    unsigned char ch = (unsigned char)s[k];
    if( ch=='\n' ){ *p++ = '\\'; *p++ = 'n'; }
    else if( ch=='\t' ){ *p++ = '\\'; *p++ = 't'; }
    else if( ch=='\r' ){ *p++ = '\\'; *p++ = 'r'; }
    else if( ch<0x20 || ch==0x7f ) p += sprintf(p, "\\x%02x", ch);
    else *p++ = (char)ch;
  }
  *p = 0;
  return e;
}

static void csv_field(FILE *f, const char *s, size_t len){
  size_t k;
  int quote = len==0;
  for(k=0; k<len && !quote; k++)
    quote = s[k]=='"' || s[k]==',' || (unsigned char)s[k]<0x20 || s[k]==0x7f;
  if( !quote ){
    fwrite(s, 1, len, f);
    return;
  }
  fputc('"', f);
  for(k=0; k<len; k++){
    if( s[k]=='"' ) fputc('"', f);
    fputc(s[k], f);
  }
  fputc('"', f);
}

static void json_string(FILE *f, const char *s, size_t len){
  size_t k;
  fputc('"', f);
  for(k=0; k<len; k++){
    unsigned char ch = (unsigned char)s[k];
    if( ch=='"' || ch=='\\' ) fprintf(f, "\\%c", ch);
    else if( ch=='\n' ) fputs("\\n", f);
    else if( ch=='\t' ) fputs("\\t", f);
    else if( ch=='\r' ) fputs("\\r", f);
    else if( ch<0x20 ) fprintf(f, "\\u%04x", ch);
    else fputc(ch, f);
  }
  fputc('"', f);
}

static void json_value(FILE *f, sqlite3_stmt *st, int i){
  char *s;
  size_t len;
  switch( sqlite3_column_type(st, i) ){
    case SQLITE_NULL:    fputs("null", f); return;
    case SQLITE_INTEGER: fprintf(f, "%lld", (long long)sqlite3_column_int64(st, i)); return;
    case SQLITE_FLOAT:
      s = sqlite3_mprintf("%!.17g", sqlite3_column_double(st, i));
      /* JSON has no inf or nan */
      if( s && (strchr(s, 'I') || strchr(s, 'N') || strchr(s, 'n')) ) fputs("null", f);
      else if( s ) fputs(s, f);
      sqlite3_free(s);
      return;
    default:
      s = cell_text(st, i, &len);
      json_string(f, s ? s : "", s ? len : 0);
      sqlite3_free(s);
  }
}

/* Rows of one statement, kept to compute the table's column widths. */
struct sql_table {
  int n_cols;
  char **cells;                /* n_rows+1 rows (header first) of n_cols */
  int *right;                  /* per column: 1 numbers only, 2 text seen */
  size_t n_rows, cap;
};

static int table_add(struct sql_table *t, sqlite3_stmt *st, int header){
  int i;
  if( t->n_rows+1>=t->cap ){
    size_t cap = t->cap ? 2*t->cap : 64;
    char **c = realloc(t->cells, cap*(size_t)t->n_cols*sizeof(*c));
    if( !c ) return -1;
    t->cells = c;
    t->cap = cap;
  }
  for(i=0; i<t->n_cols; i++){
    const char *name = header ? sqlite3_column_name(st, i) : NULL;
    size_t len = name ? strlen(name) : 0;
    char *v = name ? NULL : cell_text(st, i, &len);
    char *s = name || v ? cell_escaped(name ? name : v, len) : NULL;
    sqlite3_free(v);
    if( !s ) return -1;
    if( !header ){
      int ty = sqlite3_column_type(st, i);
      if( ty==SQLITE_INTEGER || ty==SQLITE_FLOAT ){
        if( !t->right[i] ) t->right[i] = 1;
      }else if( ty!=SQLITE_NULL ) t->right[i] = 2;
    }
    t->cells[t->n_rows*(size_t)t->n_cols+(size_t)i] = s;
  }
  t->n_rows++;
  return 0;
}

static void table_print(FILE *f, struct sql_table *t){
  size_t *w = calloc((size_t)t->n_cols, sizeof(*w)), r;
  int i;
  if( !w ) return;
  for(r=0; r<t->n_rows; r++)
    for(i=0; i<t->n_cols; i++){
      size_t k = utf8_width(t->cells[r*(size_t)t->n_cols+(size_t)i]);
      if( k>w[i] ) w[i] = k;
    }
  for(r=0; r<t->n_rows; r++){
    for(i=0; i<t->n_cols; i++){
      const char *s = t->cells[r*(size_t)t->n_cols+(size_t)i];
      size_t pad = w[i]-utf8_width(s);
      int last = i==t->n_cols-1;
      if( t->right[i]==1 && r>0 ) fprintf(f, "%*s%s", (int)pad, "", s);
      else fprintf(f, "%s%*s", s, last ? 0 : (int)pad, "");
      fputs(last ? "\n" : "  ", f);
    }
    if( r==0 ){
      for(i=0; i<t->n_cols; i++){
        size_t k;
        for(k=0; k<w[i]; k++) fputc('-', f);
        fputs(i==t->n_cols-1 ? "\n" : "  ", f);
      }
    }
  }
  free(w);
}

static void table_free(struct sql_table *t){
  size_t k;
  for(k=0; k<t->n_rows*(size_t)t->n_cols; k++) sqlite3_free(t->cells[k]);
  free(t->cells);
  free(t->right);
}

/* Run one prepared statement, printing its rows. @return an SQLite code. */
static int sql_run_stmt(struct sql_out *o, sqlite3_stmt *st){
  struct sql_table t;
  int n = sqlite3_column_count(st), i, rc, n_rows = 0;
  memset(&t, 0, sizeof(t));
  t.n_cols = n;
  if( n>0 && o->mode==MODE_TABLE ){
    t.right = calloc((size_t)n, sizeof(int));
    if( !t.right || table_add(&t, st, 1) ){ rc = SQLITE_NOMEM; goto out; }
  }
  if( n>0 && o->mode==MODE_CSV ){
    for(i=0; i<n; i++){
      if( i ) fputc(',', o->f);
      csv_field(o->f, sqlite3_column_name(st, i), strlen(sqlite3_column_name(st, i)));
    }
    fputc('\n', o->f);
  }
  if( n>0 && o->mode==MODE_JSON ) fputs(o->n_json++ ? "\n[" : "[", o->f);
  while( (rc = sqlite3_step(st))==SQLITE_ROW ){
    if( o->mode==MODE_TABLE ){
      if( table_add(&t, st, 0) ){ rc = SQLITE_NOMEM; goto out; }
    }else if( o->mode==MODE_CSV ){
      for(i=0; i<n; i++){
        char *s;
        size_t len;
        if( i ) fputc(',', o->f);
        /* NULL is an empty field, the empty string "", as sqlite3 -csv */
        if( sqlite3_column_type(st, i)==SQLITE_NULL ) continue;
        s = cell_text(st, i, &len);
        csv_field(o->f, s ? s : "", s ? len : 0);
        sqlite3_free(s);
      }
      fputc('\n', o->f);
    }else{
      fputs(n_rows ? ",\n{" : "\n{", o->f);
      for(i=0; i<n; i++){
        if( i ) fputc(',', o->f);
        json_string(o->f, sqlite3_column_name(st, i), strlen(sqlite3_column_name(st, i)));
        fputc(':', o->f);
        json_value(o->f, st, i);
      }
      fputc('}', o->f);
    }
    n_rows++;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
out:
  if( n>0 && o->mode==MODE_JSON ) fputs(n_rows ? "\n]\n" : "]\n", o->f);
  if( n>0 && o->mode==MODE_TABLE && rc==SQLITE_OK ) table_print(o->f, &t);
  table_free(&t);
  return rc;
}

/* One line for stderr: SQLite's message with newlines folded. */
static void sql_report(sqlite3 *db, int rc){
  const char *e = rc==SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db);
  char *m, *p;
  /* the virtual tables name themselves for the sqlite3 shell; here the
  ** command's own prefix says it */
  if( !strncmp(e, "tracerec: ", 10) ) e += 10;
  m = sqlite3_mprintf("%s", e);
  for(p=m; p && *p; p++) if( *p=='\n' || *p=='\r' ) *p = ' ';
  trec_cli_error("sql", "%s", m ? m : "out of memory");
  sqlite3_free(m);
}

static int sql_exit_for(int rc){
  if( trec_sql_corrupt(rc) ) return TREC_EXIT_DATAERR;
  if( (rc & 0xff)==SQLITE_CANTOPEN ) return TREC_EXIT_NOINPUT;
  return 1;
}

/* Run every statement of sql. @return 0 or an exit status. */
static int sql_run(sqlite3 *db, struct sql_out *o, const char *sql){
  const char *tail = sql;
  while( tail && *tail ){
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
    if( rc!=SQLITE_OK ){
      sql_report(db, rc);
      return sql_exit_for(sqlite3_extended_errcode(db));
    }
    if( !st ) continue;        /* a comment or whitespace */
    rc = sql_run_stmt(o, st);
    if( rc!=SQLITE_OK ){
      rc = sqlite3_extended_errcode(db);
      sql_report(db, rc);
      sqlite3_finalize(st);
      return sql_exit_for(rc);
    }
    sqlite3_finalize(st);
  }
  fflush(o->f);
  return 0;
}

/* "file:" URI for path, escaping what URIs give meaning to. */
static char *sql_uri(const char *path){
  size_t n = strlen(path), i, k = 0;
  char *u = malloc(3*n+32);
  if( !u ) return NULL;
  /* an absolute path after an empty authority: "file:" + "//host/..."
  ** would read the path's first name as a host */
  k += (size_t)sprintf(u, path[0]=='/' ? "file://" : "file:");
  for(i=0; i<n; i++){
    unsigned char ch = (unsigned char)path[i];
    if( ch=='%' || ch=='?' || ch=='#' ) k += (size_t)sprintf(u+k, "%%%02X", ch);
    else u[k++] = (char)ch;
  }
  strcpy(u+k, "?mode=ro");
  return u;
}

static int sql_open(const char *path, sqlite3 **out){
  struct stat sb;
  trec_reader *r = NULL;
  sqlite3 *db = NULL;
  char *uri = NULL;
  int rc, status = 0;
  *out = NULL;
  if( stat(path, &sb)!=0 ){
    trec_cli_error("sql", "cannot open '%s': %s", path, strerror(errno));
    return TREC_EXIT_NOINPUT;
  }
  /* the reader checks that this is a trace of a version we read */
  rc = trec_reader_open(path, 0, &r);
  if( rc!=TREC_OK ){
    trec_cli_trace_error("sql", path, r ? trec_reader_errmsg(r) : trec_strerror(rc));
    trec_reader_close(r);
    return trec_cli_exit_for(rc);
  }
  trec_reader_close(r);
  uri = sql_uri(path);
  if( !uri ){
    trec_cli_error("sql", "out of memory");
    return TREC_EXIT_SOFTWARE;
  }
  rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
  if( rc==SQLITE_OK ) rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  if( rc==SQLITE_OK ) rc = sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  if( rc==SQLITE_OK ) rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
  if( rc==SQLITE_OK ) rc = sqlite3_exec(db, "PRAGMA query_only=1", NULL, NULL, NULL);
  if( rc==SQLITE_OK ) rc = trec_sql_register(db);
  if( rc!=SQLITE_OK ){
    trec_cli_error("sql", "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    status = trec_sql_corrupt(rc) ? TREC_EXIT_DATAERR : TREC_EXIT_NOINPUT;
    sqlite3_close(db);
    db = NULL;
  }else{
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  }
  free(uri);
  *out = db;
  return status;
}

static const char *history_path(void){
  static char buf[4096];
  const char *home = getenv("HOME");
  if( !home || !*home ) return NULL;
  snprintf(buf, sizeof(buf), "%s/.tracerec_history", home);
  return buf;
}

/* Statements being read line by line: one runs once sqlite3_complete()
** says it is whole. */
struct sql_lines {
  char *acc;                   /* the lines so far, NUL-terminated */
  size_t len;
};

/* Adds line (without its newline). @return 1 when acc holds a whole
** statement, 0 when more is needed, -1 out of memory. */
static int lines_add(struct sql_lines *l, const char *line){
  size_t n = strlen(line);
  char *t = realloc(l->acc, l->len+n+2);
  if( !t ) return -1;
  l->acc = t;
  memcpy(t+l->len, line, n);
  l->len += n;
  t[l->len++] = '\n';
  t[l->len] = 0;
  return sqlite3_complete(t)!=0;
}

static void lines_reset(struct sql_lines *l){
  l->len = 0;
  if( l->acc ) l->acc[0] = 0;
}

/* Whether line is a dot command: it starts with '.' where no statement
** is pending (blank lines do not start one). */
static int lines_dot(const struct sql_lines *l, const char *line){
  size_t k;
  for(k=0; k<l->len; k++) if( !strchr(" \t\r\n", l->acc[k]) ) return 0;
  return line[0]=='.';
}

static const char sql_dot_help[] =
  ".mode table|csv|json   output format\n"
  ".quit                  leave\n"
  "SQL statements end with ';'. Tables: see doc/SQL.md.\n";

/* Runs a dot command. @return 1 to leave, 0 to go on, -1 when unknown. */
static int sql_dot(struct sql_out *o, const char *line){
  size_t n = strcspn(line, " \t\r");
  const char *arg = line+n+strspn(line+n, " \t");
  if( (n==5 && !strncmp(line, ".quit", 5)) || (n==5 && !strncmp(line, ".exit", 5)) )
    return 1;
  if( n==5 && !strncmp(line, ".help", 5) ){
    fputs(sql_dot_help, o->f);
    return 0;
  }
  if( n==5 && !strncmp(line, ".mode", 5) ){
    if( !strcmp(arg, "csv") ) o->mode = MODE_CSV;
    else if( !strcmp(arg, "json") ) o->mode = MODE_JSON;
    else if( !strcmp(arg, "table") ) o->mode = MODE_TABLE;
    else return -1;
    return 0;
  }
  return -1;
}

/* The prompt. Errors are reported and the prompt goes on. */
static int sql_interactive(sqlite3 *db, struct sql_out *o){
  const char *hist = history_path();
  struct sql_lines l = { NULL, 0 };
  char *line;
  printf("tracerec sql, SQLite %s: tables events, calls, vars, meta, code, files,"
         " threads. .quit to leave, .help for help.\n", sqlite3_libversion());
  using_history();
  if( hist ) read_history(hist);
  while( (line = readline(l.len ? "     ...> " : "tracerec> "))!=NULL ){
    int whole;
    if( lines_dot(&l, line) ){
      int rc = sql_dot(o, line);
      add_history(line);
      free(line);
      if( rc>0 ) break;
      if( rc<0 ) fputs(sql_dot_help, stdout);
      lines_reset(&l);
      continue;
    }
    whole = lines_add(&l, line);
    free(line);
    if( whole<0 ) break;
    if( whole ){
      l.acc[l.len-1] = 0;
      add_history(l.acc);
      sql_run(db, o, l.acc);
      lines_reset(&l);
    }
  }
  free(l.acc);
  if( hist ) write_history(hist);
  putchar('\n');
  return 0;
}

/* SQL and dot commands from a file (stdin), as the prompt takes them;
** the first error ends the run with its status. */
static int sql_script(sqlite3 *db, struct sql_out *o, FILE *in){
  struct sql_lines l = { NULL, 0 };
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int status = 0;
  while( !status && (n = getline(&line, &cap, in))>=0 ){
    int whole;
    if( n>0 && line[n-1]=='\n' ) line[--n] = 0;
    if( lines_dot(&l, line) ){
      int rc = sql_dot(o, line);
      if( rc>0 ) break;
      if( rc<0 ){
        trec_cli_error("sql", "unknown command '%s'; .help lists them", line);
        status = 1;
      }
      lines_reset(&l);
      continue;
    }
    whole = lines_add(&l, line);
    if( whole<0 ){
      trec_cli_error("sql", "out of memory");
      status = TREC_EXIT_SOFTWARE;
    }else if( whole ){
      status = sql_run(db, o, l.acc);
      lines_reset(&l);
    }
  }
  if( !status && ferror(in) ){
    trec_cli_error("sql", "cannot read stdin: %s", strerror(errno));
    status = TREC_EXIT_NOINPUT;
  }
  /* a last statement may lack its ';' */
  if( !status && l.len ) status = sql_run(db, o, l.acc);
  free(line);
  free(l.acc);
  return status;
}

int trec_cmd_sql(int argc, char **argv){
  struct sql_out o = { MODE_TABLE, stdout, 0 };
  const char *path = NULL, *query = NULL;
  sqlite3 *db = NULL;
  int i, status, n_pos = 0, opts = 1;
  const char *pos[3] = { NULL, NULL, NULL };
  /* options may come anywhere before "--". An argument with a space in it
  ** is no option: a query that starts with an SQL comment needs no "--". */
  for(i=1; i<argc; i++){
    const char *a = argv[i];
    if( !opts || a[0]!='-' || !a[1] || a[strcspn(a, " \t\r\n")] ){
      if( n_pos<3 ) pos[n_pos] = a;
      n_pos++;
    }else if( !strcmp(a, "--") ) opts = 0;
    else if( !strcmp(a, "--csv") ) o.mode = MODE_CSV;
    else if( !strcmp(a, "--json") ) o.mode = MODE_JSON;
    else if( !strcmp(a, "--table") ) o.mode = MODE_TABLE;
    else if( !strcmp(a, "--extension-path") ){
      puts(trec_cli_extension_path());
      return 0;
    }else if( !strcmp(a, "--help") || !strcmp(a, "-h") ){
      sql_usage();
      return 0;
    }else{
      trec_cli_error("sql", "unknown option '%s'; see 'tracerec sql --help'", a);
      return TREC_EXIT_USAGE;
    }
  }
  path = pos[0];
  query = pos[1];
  if( !path || n_pos>2 ){
    trec_cli_error("sql", "usage: tracerec sql [--table | --csv | --json] TRACE [QUERY]");
    return TREC_EXIT_USAGE;
  }
  status = sql_open(path, &db);
  if( status ) return status;
  if( query ) status = sql_run(db, &o, query);
  else if( isatty(0) ) status = sql_interactive(db, &o);
  else status = sql_script(db, &o, stdin);
  sqlite3_close(db);
  if( fflush(stdout)!=0 && !status ){
    trec_cli_error("sql", "cannot write output: %s", strerror(errno));
    status = TREC_EXIT_CANTCREAT;
  }
  return status;
}
