/*
** sql-plan.c: constraint pushdown shared by the three tables. xBestIndex
** takes the constraints the chunk index or the decoded columns can answer
** (seq and depth ranges, thread=, frame=, kind=, function=, file=, code=,
** line=, name=) and passes them to
** xFilter as a string with one letter per argument; xFilter turns the
** values into a struct sql_filter that the scans test on decoded columns.
**
** Every constraint taken is answered exactly, SQLite's comparison rules
** included (an INTEGER column against text, a TEXT column against a number,
** NULL), so SQLite does not test it again (omit): rows that fail never
** reach the VM. Text equality is taken only under the BINARY collation.
*/
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#define TREC_SQL_INTERNAL
#include "schema/sql.h"

#define MAX_ARGS 24

/* Letters of the idxStr: seq =, >, >=, <, <= (a to e); depth the same
** (A to E); thread, frame, kind, function, name, file (path), code
** (object), line equality. */
static char plan_letter(enum sql_role role, unsigned char op){
  if( role==SQL_R_SEQ || role==SQL_R_DEPTH ){
    char base = role==SQL_R_SEQ ? 'a' : 'A';
    switch( op ){
      case SQLITE_INDEX_CONSTRAINT_EQ: return base;
      case SQLITE_INDEX_CONSTRAINT_GT: return base+1;
      case SQLITE_INDEX_CONSTRAINT_GE: return base+2;
      case SQLITE_INDEX_CONSTRAINT_LT: return base+3;
      case SQLITE_INDEX_CONSTRAINT_LE: return base+4;
      default: return 0;
    }
  }
  if( op!=SQLITE_INDEX_CONSTRAINT_EQ ) return 0;
  switch( role ){
    case SQL_R_THREAD:   return 't';
    case SQL_R_FRAME:    return 'f';
    case SQL_R_KIND:     return 'k';
    case SQL_R_FUNCTION: return 'n';
    case SQL_R_NAME:     return 'v';
    case SQL_R_FILE:     return 'p';
    case SQL_R_CODE:     return 'o';
    case SQL_R_LINE:     return 'l';
    default:             return 0;
  }
}

static int plan_is_text_role(enum sql_role role){
  return role==SQL_R_KIND || role==SQL_R_FUNCTION || role==SQL_R_NAME
      || role==SQL_R_FILE;
}

int sql_plan(const struct sql_conn *c, sqlite3_index_info *info,
             const enum sql_role *roles, int n_cols, double n_rows,
             int order_col, double decode_cost, int seq_unique){
  char idx[MAX_ARGS+1];
  int n = 0, i, seen = 0;
  double scanned = n_rows, rows;
  sqlite3_int64 lo = 1, hi = -1;
  int have_lo = 0, have_hi = 0, seq_eq = 0;
  double kind_frac = 0.2, depth_frac = 1;
  for(i=0; i<info->nConstraint && n<MAX_ARGS; i++){
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    enum sql_role role;
    sqlite3_value *rhs = NULL;
    char l;
    if( !k->usable || k->iColumn<0 || k->iColumn>=n_cols ) continue;
    role = roles[k->iColumn];
    l = plan_letter(role, k->op);
    if( !l ) continue;
    if( plan_is_text_role(role)
        && sqlite3_stricmp(sqlite3_vtab_collation(info, i), "BINARY")!=0 ) continue;
    if( role!=SQL_R_SEQ && role!=SQL_R_DEPTH ){
      if( seen & (1<<role) ) continue;
    }
    seen |= 1<<role;
    if( role==SQL_R_DEPTH ) depth_frac *= l=='A' ? 0.1 : 0.5;
    if( role==SQL_R_KIND && c->r && trec_reader_n_events(c->r)
        && sqlite3_vtab_rhs_value(info, i, &rhs)==SQLITE_OK
        && sqlite3_value_type(rhs)==SQLITE_TEXT ){
      /* the chunk index counts every kind: the estimate is exact */
      int kd = trec_kind_parse((const char *)sqlite3_value_text(rhs));
      kind_frac = kd<0 ? 0 : (double)c->n_kind[kd]/(double)trec_reader_n_events(c->r);
      rhs = NULL;
    }
    idx[n++] = l;
    info->aConstraintUsage[i].argvIndex = n;
    info->aConstraintUsage[i].omit = 1;
    if( role==SQL_R_SEQ ){
      if( sqlite3_vtab_rhs_value(info, i, &rhs)!=SQLITE_OK ) rhs = NULL;
      if( rhs && sqlite3_value_type(rhs)!=SQLITE_INTEGER ) rhs = NULL;
      if( l=='a' ) seq_eq = 1;
      if( (l=='b' || l=='c') && rhs ){ have_lo = 1; lo = sqlite3_value_int64(rhs); }
      else if( l=='b' || l=='c' ) have_lo = 2;
      if( (l=='d' || l=='e') && rhs ){ have_hi = 1; hi = sqlite3_value_int64(rhs); }
      else if( l=='d' || l=='e' ) have_hi = 2;
    }
  }
  idx[n] = 0;
  if( seq_eq ) scanned = 16384 < n_rows ? 16384 : n_rows;
  else if( have_lo==1 && have_hi==1 ) scanned = hi>=lo ? (double)hi - (double)lo + 1 : 1;
  else if( have_lo && have_hi ) scanned = n_rows/100;
  else if( have_lo || have_hi ) scanned = n_rows/3;
  seen &= ~(1<<SQL_R_SEQ);
  if( (seen & (1<<SQL_R_THREAD)) && c->n_threads>1 ) scanned /= (double)c->n_threads;
  if( seen & (1<<SQL_R_FRAME) ) scanned /= 1000;
  rows = scanned;
  if( seen & (1<<SQL_R_KIND) ){
    rows *= kind_frac;
    if( kind_frac<0.05 ) scanned *= kind_frac*4;   /* chunks without it are skipped */
  }
  if( seen & (1<<SQL_R_FUNCTION) ) rows /= 20;
  if( seen & (1<<SQL_R_FILE) ) rows /= 5;
  if( seen & (1<<SQL_R_CODE) ) rows /= 20;
  if( seen & (1<<SQL_R_LINE) ) rows /= 20;
  if( seen & (1<<SQL_R_NAME) ) rows /= 10;
  rows *= depth_frac;
  if( rows<1 ) rows = 1;
  if( scanned<1 ) scanned = 1;
  if( seq_eq && !seen && seq_unique ){
    rows = 1;
    info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
  }
  info->estimatedRows = (sqlite3_int64)rows;
  info->estimatedCost = scanned*decode_cost + rows;
  info->idxNum = info->colUsed==0 ? SQL_PLAN_NOCOLS : 0;
  if( info->nOrderBy==1 && info->aOrderBy[0].iColumn==order_col ){
    info->orderByConsumed = 1;
    if( info->aOrderBy[0].desc ) info->idxNum |= SQL_PLAN_DESC;
  }
  if( n ){
    info->idxStr = sqlite3_mprintf("%s", idx);
    if( !info->idxStr ) return SQLITE_NOMEM;
    info->needToFreeIdxStr = 1;
  }
  return SQLITE_OK;
}

/* Narrow the inclusive range [*lo, *hi] of an INTEGER column by `col OP v`
** (op 'a' to 'e': =, >, >=, <, <=) the way SQLite compares an INTEGER
** column with v. Returns 0 when no integer is left. */
static int filter_range(char op, sqlite3_value *v, int64_t *lo, int64_t *hi){
  int t = sqlite3_value_numeric_type(v);
  int64_t x, a = INT64_MIN, z = INT64_MAX;
  if( t==SQLITE_NULL ) return 0;
  if( t==SQLITE_TEXT || t==SQLITE_BLOB ){
    /* every integer sorts before every text and blob */
    return !(op=='a' || op=='b' || op=='c') && *lo<=*hi;
  }
  if( t==SQLITE_FLOAT ){
    double d = sqlite3_value_double(v);
    if( isnan(d) ) return 0;
    if( op=='a' && d!=floor(d) ) return 0;
    if( op=='b' ){ d = floor(d)+1; op = 'c'; }
    else if( op=='c' ) d = ceil(d);
    else if( op=='d' ){ d = ceil(d)-1; op = 'e'; }
    else if( op=='e' ) d = floor(d);
    if( d<-9.2e18 ) d = -9.2e18;
    if( d>9.2e18 ) d = 9.2e18;
    x = (int64_t)d;
  }else{
    x = sqlite3_value_int64(v);
  }
  switch( op ){
    case 'a': a = z = x; break;
    case 'b':
      if( x==INT64_MAX ) return 0;
      a = x+1;
      break;
    case 'c': a = x; break;
    case 'd':
      if( x==INT64_MIN ) return 0;
      z = x-1;
      break;
    case 'e': z = x; break;
  }
  if( a>*lo ) *lo = a;
  if( z<*hi ) *hi = z;
  return *lo<=*hi;
}

/* seq OP v: seqs are from 1, and hi UINT64_MAX means no upper bound. */
static void filter_seq(struct sql_filter *f, char op, sqlite3_value *v){
  int64_t lo = f->lo>INT64_MAX ? INT64_MAX : (int64_t)f->lo;
  int64_t hi = f->hi>INT64_MAX ? INT64_MAX : (int64_t)f->hi;
  f->seq_set = 1;
  if( !filter_range(op, v, &lo, &hi) ){
    f->empty = 1;
    return;
  }
  f->lo = (uint64_t)lo;
  if( hi<INT64_MAX ) f->hi = (uint64_t)hi;
}

/* depth OP v: a depth is a 32-bit unsigned count of frames. */
static void filter_depth(struct sql_filter *f, char op, sqlite3_value *v){
  int64_t lo = f->depth_set ? f->depth_lo : 0;
  int64_t hi = f->depth_set ? f->depth_hi : UINT32_MAX;
  f->depth_set = 1;
  if( !filter_range(op, v, &lo, &hi) ){
    f->empty = 1;
    return;
  }
  f->depth_lo = (uint32_t)lo;
  f->depth_hi = (uint32_t)hi;
}

/* An id column (thread, frame): equality with an exact positive integer. */
static uint64_t filter_id(struct sql_filter *f, sqlite3_value *v){
  int t = sqlite3_value_numeric_type(v);
  sqlite3_int64 x;
  if( t==SQLITE_FLOAT ){
    double d = sqlite3_value_double(v);
    if( d!=floor(d) || d<1 || d>9.2e18 ){ f->empty = 1; return 0; }
    x = (sqlite3_int64)d;
  }else if( t==SQLITE_INTEGER ){
    x = sqlite3_value_int64(v);
  }else{
    f->empty = 1;
    return 0;
  }
  if( x<1 ){ f->empty = 1; return 0; }
  return (uint64_t)x;
}

/* line= : an INTEGER column equal to an exact integer; a line number is a
** 32-bit int, so anything else matches no event. */
static void filter_line(struct sql_filter *f, sqlite3_value *v){
  int t = sqlite3_value_numeric_type(v);
  double d;
  f->line_set = 1;
  if( t==SQLITE_INTEGER ){
    sqlite3_int64 x = sqlite3_value_int64(v);
    if( x<INT32_MIN || x>INT32_MAX ){ f->empty = 1; return; }
    f->line = (int32_t)x;
  }else if( t==SQLITE_FLOAT ){
    d = sqlite3_value_double(v);
    if( d!=floor(d) || d<INT32_MIN || d>INT32_MAX ){ f->empty = 1; return; }
    f->line = (int32_t)d;
  }else{
    f->empty = 1;
  }
}

/* A TEXT column against a number compares the number's text. */
static const char *filter_text(struct sql_filter *f, sqlite3_value *v){
  const char *s = NULL;
  /* a BLOB never equals a TEXT column, and no kind, name or path holds a
  ** NUL: text with one would otherwise match on its part before it */
  if( sqlite3_value_type(v)!=SQLITE_NULL && sqlite3_value_type(v)!=SQLITE_BLOB ){
    s = (const char *)sqlite3_value_text(v);
    if( s && strlen(s)!=(size_t)sqlite3_value_bytes(v) ) s = NULL;
  }
  if( !s ) f->empty = 1;
  return s;
}

/* function=, file=, code= : the code objects that may match; several of
** them in one WHERE intersect. */
static int filter_codes(struct sql_filter *f, struct sql_conn *c, char letter,
                        sqlite3_value *v){
  const char *name = NULL;
  uint64_t want = 0;
  uint32_t id, max = trec_reader_max_code_id(c->r);
  if( letter=='o' ){
    want = filter_id(f, v);
    if( !want ) return SQLITE_OK;
  }else{
    name = filter_text(f, v);
    if( !name ) return SQLITE_OK;
  }
  if( !f->codes ){
    f->codes = malloc((size_t)max+1);
    if( !f->codes ) return SQLITE_NOMEM;
    memset(f->codes, 1, (size_t)max+1);
    f->codes[0] = 0;
    f->n_codes = max+1;
  }
  for(id=1; id<=max; id++){
    const struct trec_code *co = trec_reader_code(c->r, id);
    const char *path;
    int ok;
    if( !f->codes[id] ) continue;
    if( letter=='o' ) ok = id==want;
    else if( letter=='n' ) ok = co && co->name && !strcmp(co->name, name);
    else ok = (path = sql_code_file(c->r, co))!=NULL && !strcmp(path, name);
    f->codes[id] = (unsigned char)ok;
  }
  return SQLITE_OK;
}

int sql_filter_init(struct sql_filter *f, struct sql_conn *c, const char *idx,
                    int argc, sqlite3_value **argv){
  int i, rc;
  memset(f, 0, sizeof(*f));
  f->lo = 1;
  f->hi = UINT64_MAX;
  f->kind = -1;
  for(i=0; i<argc && idx && idx[i]; i++){
    sqlite3_value *v = argv[i];
    switch( idx[i] ){
      case 'a': case 'b': case 'c': case 'd': case 'e':
        filter_seq(f, idx[i], v);
        break;
      case 'A': case 'B': case 'C': case 'D': case 'E':
        filter_depth(f, (char)(idx[i]-'A'+'a'), v);
        break;
      case 't': {
        uint64_t t = filter_id(f, v);
        if( t>UINT32_MAX ) f->empty = 1;
        f->thread = (uint32_t)t;
        break;
      }
      case 'f':
        f->frame = filter_id(f, v);
        break;
      case 'k': {
        const char *s = filter_text(f, v);
        f->kind = s ? trec_kind_parse(s) : -1;
        if( f->kind<0 ) f->empty = 1;
        break;
      }
      case 'l':
        filter_line(f, v);
        break;
      case 'n': case 'p': case 'o':
        rc = filter_codes(f, c, idx[i], v);
        if( rc!=SQLITE_OK ) return rc;
        break;
      case 'v': {
        const char *s = filter_text(f, v);
        if( !s ) break;
        free(f->name);
        f->name = strdup(s);
        if( !f->name ) return SQLITE_NOMEM;
        break;
      }
    }
  }
  if( f->lo>f->hi ) f->empty = 1;
  return SQLITE_OK;
}

void sql_filter_release(struct sql_filter *f){
  free(f->codes);
  free(f->name);
  f->codes = NULL;
  f->name = NULL;
}

