/*
** reader.c: opening a trace read-only and fetching its chunks and
** keyframes.
**
** Opening checks, in order, that the file is SQLite, that its
** application_id says tracerec, and that its format major version is one
** this code reads; then it loads the small tables (meta, code, files,
** threads) and the chunk index into memory, so that everything a replay
** asks per event (which code, which chunk holds seq N) is an array lookup
** or a binary search. The chunk index of a 10^9-event trace is ~61 K rows:
** loading it is one indexed scan, a few milliseconds.
**
** A trace being recorded or cut off by kill -9 is a WAL database that may
** still have its -wal and -shm beside it; SQLite reads those read-only. Only
** when that fails (read-only directory) do we fall back to immutable=1,
** which sees the checkpointed part. Every blob is checked (XXH32, exact
** decompressed length) before it is decoded.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "trace_int.h"

struct meta_kv { char *key, *value; };
struct chunk_ref { int64_t id; size_t index; };

struct trec_reader {
  sqlite3 *db;
  struct trec_buf msg;
  struct meta_kv *meta;          /* Owned */
  size_t n_meta;
  int complete;
  struct trec_chunk_info *chunks;  /* Owned, by first_seq */
  uint64_t *max_last;            /* Owned: max last_seq over chunks[0..i] */
  size_t n_chunks;
  uint64_t n_events, first_seq, last_seq;
  struct trec_code *codes;       /* Owned, by id; strings in code_text */
  char **code_text;              /* Owned, one block per code */
  size_t n_codes;
  struct trec_file *files;       /* Owned, by id */
  size_t n_files;
  struct trec_thread *threads;   /* Owned, by id */
  size_t n_threads;
  sqlite3_stmt *st_chunk, *st_key, *st_src;
  struct trec_chunk scratch;     /* find_chunk's decode */
  struct trec_keyframe patch_kf; /* a chunk's keyframe, to resolve PATCH */
  int major;                     /* the file's format major version */
  int scratch_ok;
  int postings;                  /* chunk_code table: -1 unknown, 0 no, 1 yes */
  sqlite3_stmt *st_post;
  struct chunk_ref *by_id;       /* Owned: chunk ids -> index, by id */
};

static int reader_fail(trec_reader *r, int rc, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static int reader_fail(trec_reader *r, int rc, const char *fmt, ...){
  va_list ap;
  char text[512];
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  trec_buf_reset(&r->msg);
  trec_buf_puts(&r->msg, text);
  return rc;
}

static int reader_sql_fail(trec_reader *r, const char *what){
  int e = sqlite3_errcode(r->db);
  int rc = e==SQLITE_CORRUPT ? TREC_ERR_CORRUPT
         : e==SQLITE_NOTADB ? TREC_ERR_NOTTRACE
         : e==SQLITE_NOMEM ? TREC_ERR_NOMEM : TREC_ERR_SQLITE;
  return reader_fail(r, rc, "%s: %s", what, sqlite3_errmsg(r->db));
}

const char *trec_reader_errmsg(trec_reader *r){
  if( !r ) return trec_strerror(TREC_ERR_NOMEM);
  if( r->msg.len==0 ) return "ok";
  return trec_buf_cstr(&r->msg);
}

static char *dup_text(const unsigned char *s){
  size_t n = strlen(s ? (const char*)s : "");
  char *p = malloc(n+1);
  if( p ) memcpy(p, s ? (const char*)s : "", n+1);
  return p;
}

/* Room for element n of an array that doubles from `first` elements of
** `elem` bytes: the array to use from now on (arr itself when n < *cap),
** or NULL when out of memory (arr is then untouched and still owned). */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first){
  size_t nc;
  void *p;
  if( n<*cap ) return arr;
  nc = *cap ? *cap*2 : first;
  p = realloc(arr, nc*elem);
  if( p ) *cap = nc;
  return p;
}

/* ---- Opening ---- */

/* "file:" URI for path with immutable=1 (percent-encoding what a URI
** path may not hold). */
static char *immutable_uri(const char *path){
  struct trec_buf u = TREC_BUF_INIT;
  trec_buf_puts(&u, "file:");
  for(const unsigned char *p = (const unsigned char*)path; *p; p++){
    if( (*p>='a' && *p<='z') || (*p>='A' && *p<='Z') || (*p>='0' && *p<='9')
     || strchr("/-._~", *p) ) trec_buf_put_u8(&u, *p);
    else trec_buf_printf(&u, "%%%02X", *p);
  }
  trec_buf_puts(&u, "?immutable=1");
  trec_buf_cstr(&u);
  if( u.oom ){
    trec_buf_release(&u);
    return NULL;
  }
  return (char*)trec_buf_detach(&u, NULL);
}

/* Open and read the application_id. Returns the SQLite code of the first
** read, so the caller can tell "not SQLite" from "cannot open this way". */
static int db_open(trec_reader *r, const char *name, int flags, int *app_id){
  sqlite3_stmt *st = NULL;
  int e;
  if( r->db ){
    sqlite3_close(r->db);
    r->db = NULL;
  }
  e = sqlite3_open_v2(name, &r->db, SQLITE_OPEN_READONLY | flags, NULL);
  if( e!=SQLITE_OK ) return e;
  sqlite3_busy_timeout(r->db, 2000);
  sqlite3_exec(r->db, "PRAGMA trusted_schema=OFF", NULL, NULL, NULL);
  /* chunks are read by mapping the file, not by a read() copy per page
  ** (a scan of a large trace spent a tenth of its time there); a trace
  ** never shrinks, so the mapping stays valid while it is recorded */
  sqlite3_exec(r->db, "PRAGMA mmap_size=2147418112", NULL, NULL, NULL);
  e = sqlite3_prepare_v2(r->db, "PRAGMA application_id", -1, &st, NULL);
  if( e==SQLITE_OK ){
    e = sqlite3_step(st);
    if( e==SQLITE_ROW ){
      *app_id = sqlite3_column_int(st, 0);
      e = SQLITE_OK;
    }
  }
  if( e!=SQLITE_OK ) e = sqlite3_errcode(r->db);
  sqlite3_finalize(st);
  return e;
}

static int check_sqlite_header(trec_reader *r, const char *path){
  static const char magic[16] = "SQLite format 3";
  char head[16];
  size_t n;
  FILE *f = fopen(path, "rb");
  if( !f )
    return reader_fail(r, TREC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
  n = fread(head, 1, sizeof head, f);
  if( ferror(f) ){
    int err = errno;
    fclose(f);
    return reader_fail(r, TREC_ERR_IO, "cannot read %s: %s", path, strerror(err));
  }
  fclose(f);
  if( n<sizeof head || memcmp(head, magic, sizeof magic) )
    return reader_fail(r, TREC_ERR_NOTTRACE,
                       "%s is not a tracerec trace (not an SQLite database)", path);
  return TREC_OK;
}

static int load_meta(trec_reader *r){
  sqlite3_stmt *st = NULL;
  int rc = TREC_ERR_NOMEM, e;
  size_t cap = 0;
  if( sqlite3_prepare_v2(r->db, "SELECT key, value FROM meta", -1, &st, NULL) ){
    /* the application id is ours: the writer sets it before the schema,
    ** which a process killed as it started never wrote */
    rc = reader_fail(r, TREC_ERR_NOTTRACE,
                     "an empty tracerec trace: its recording was killed as it began");
    goto out;
  }
  while( (e = sqlite3_step(st))==SQLITE_ROW ){
    void *p = grow(r->meta, &cap, r->n_meta, sizeof(*r->meta), 32);
    if( !p ) goto out;
    r->meta = p;
    r->meta[r->n_meta].key = dup_text(sqlite3_column_text(st, 0));
    r->meta[r->n_meta].value = sqlite3_column_type(st, 1)==SQLITE_NULL ? NULL
                               : dup_text(sqlite3_column_text(st, 1));
    r->n_meta++;
    if( !r->meta[r->n_meta-1].key ) goto out;
  }
  if( e!=SQLITE_DONE ){
    rc = reader_sql_fail(r, "reading meta");
    goto out;
  }
  rc = TREC_OK;
out:
  sqlite3_finalize(st);
  if( rc==TREC_ERR_NOMEM ) reader_fail(r, rc, "out of memory");
  return rc;
}

static int parse_int(const char *s, long long *v){
  char *end;
  if( !s || !*s ) return -1;
  errno = 0;
  *v = strtoll(s, &end, 10);
  return errno || *end ? -1 : 0;
}

static int check_version(trec_reader *r, const char *path){
  long long major, minor = 0;
  if( parse_int(trec_reader_meta(r, "format_major"), &major) )
    return reader_fail(r, TREC_ERR_NOTTRACE,
                       "%s is not a tracerec trace (no format version)", path);
  parse_int(trec_reader_meta(r, "format_minor"), &minor);
  if( major>TREC_FORMAT_MAJOR )
    return reader_fail(r, TREC_ERR_VERSION,
                       "%s: trace format %lld.%lld is newer than this tracerec reads"
                       " (%d.x); upgrade tracerec", path, major, minor, TREC_FORMAT_MAJOR);
  r->major = (int)major;
  if( major<TREC_FORMAT_OLDEST_MAJOR )
    return reader_fail(r, TREC_ERR_VERSION,
                       "%s: trace format %lld.%lld is older than this tracerec reads"
                       " (%d.x)", path, major, minor, TREC_FORMAT_MAJOR);
  return TREC_OK;
}

/* One allocation per code: the names[] array, then name, qualname and the
** space-separated names with their spaces turned into NULs. */
static int load_code_row(trec_reader *r, sqlite3_stmt *st, struct trec_code *c,
                         char **block){
  const char *name = (const char*)sqlite3_column_text(st, 2);
  const char *qual = (const char*)sqlite3_column_text(st, 3);
  const char *names = (const char*)sqlite3_column_text(st, 7);
  size_t ln, lq, ls, n_names = 0;
  char *p, *q;
  const char **arr;
  name = name ? name : "";
  qual = qual ? qual : name;
  names = names ? names : "";
  ln = strlen(name) + 1;
  lq = strlen(qual) + 1;
  ls = strlen(names) + 1;
  if( *names ){
    n_names = 1;
    for(const char *s = names; *s; s++) n_names += *s==' ';
  }
  p = malloc(n_names*sizeof(char*) + ln + lq + ls);
  if( !p ) return TREC_ERR_NOMEM;
  *block = p;
  arr = (const char**)(void*)p;
  q = p + n_names*sizeof(char*);
  memcpy(q, name, ln); c->name = q; q += ln;
  memcpy(q, qual, lq); c->qualname = q; q += lq;
  memcpy(q, names, ls);
  for(size_t i=0; i<n_names; i++){
    arr[i] = q;
    while( *q && *q!=' ' ) q++;
    *q++ = 0;
  }
  c->id = (uint32_t)sqlite3_column_int64(st, 0);
  c->file = (uint32_t)sqlite3_column_int64(st, 1);
  c->firstlineno = (int32_t)sqlite3_column_int64(st, 4);
  c->flags = (uint32_t)sqlite3_column_int64(st, 5);
  c->n_args = (uint32_t)sqlite3_column_int64(st, 6);
  c->n_names = (uint32_t)n_names;
  c->names = arr;
  return TREC_OK;
}

static int load_code(trec_reader *r){
  sqlite3_stmt *st = NULL;
  int rc = TREC_ERR_NOMEM, e;
  size_t cap = 0, cap_text = 0;   /* codes[] and code_text[] grow alike */
  if( sqlite3_prepare_v2(r->db, "SELECT code_id, file_id, name, qualname, firstlineno,"
                         " flags, n_args, names FROM code"
                         " WHERE code_id BETWEEN 1 AND 4294967295 ORDER BY code_id",
                         -1, &st, NULL) ){
    rc = reader_sql_fail(r, "reading code");
    goto out;
  }
  while( (e = sqlite3_step(st))==SQLITE_ROW ){
    void *p = grow(r->codes, &cap, r->n_codes, sizeof(*r->codes), 256);
    if( !p ) goto out;
    r->codes = p;
    p = grow(r->code_text, &cap_text, r->n_codes, sizeof(*r->code_text), 256);
    if( !p ) goto out;
    r->code_text = p;
    if( load_code_row(r, st, &r->codes[r->n_codes], &r->code_text[r->n_codes]) ) goto out;
    r->n_codes++;
  }
  if( e!=SQLITE_DONE ){
    rc = reader_sql_fail(r, "reading code");
    goto out;
  }
  rc = TREC_OK;
out:
  sqlite3_finalize(st);
  if( rc==TREC_ERR_NOMEM ) reader_fail(r, rc, "out of memory");
  return rc;
}

static int load_files(trec_reader *r){
  sqlite3_stmt *st = NULL;
  int rc = TREC_ERR_NOMEM, e;
  size_t cap = 0;
  if( sqlite3_prepare_v2(r->db, "SELECT file_id, path, hash, size FROM files"
                         " WHERE file_id BETWEEN 1 AND 4294967295 ORDER BY file_id",
                         -1, &st, NULL) ){
    rc = reader_sql_fail(r, "reading files");
    goto out;
  }
  while( (e = sqlite3_step(st))==SQLITE_ROW ){
    struct trec_file *f;
    void *p = grow(r->files, &cap, r->n_files, sizeof(*r->files), 64);
    if( !p ) goto out;
    r->files = p;
    f = &r->files[r->n_files];
    f->id = (uint32_t)sqlite3_column_int64(st, 0);
    f->size = sqlite3_column_int64(st, 3);
    f->path = dup_text(sqlite3_column_text(st, 1));
    f->hash = f->path ? dup_text(sqlite3_column_text(st, 2)) : NULL;
    if( !f->hash ){
      free((char*)f->path);
      goto out;
    }
    r->n_files++;
  }
  if( e!=SQLITE_DONE ){
    rc = reader_sql_fail(r, "reading files");
    goto out;
  }
  rc = TREC_OK;
out:
  sqlite3_finalize(st);
  if( rc==TREC_ERR_NOMEM ) reader_fail(r, rc, "out of memory");
  return rc;
}

static int load_chunks(trec_reader *r){
  sqlite3_stmt *st = NULL;
  int rc = TREC_ERR_NOMEM, e;
  size_t cap = 0, cap_last = 0;   /* chunks[] and max_last[] grow alike */
  uint64_t maxl = 0;
  /* n_patch came with format 2.0; a 1.x trace has no PATCH entries */
  if( sqlite3_prepare_v2(r->db, r->major>=2
        ? "SELECT chunk_id, thread_id, first_seq, last_seq, n_events, first_ts,"
          " last_ts, min_depth, max_depth, start_depth, n_call, n_line, n_return,"
          " n_exception, n_opcode, n_patch FROM chunks ORDER BY first_seq"
        : "SELECT chunk_id, thread_id, first_seq, last_seq, n_events, first_ts,"
          " last_ts, min_depth, max_depth, start_depth, n_call, n_line, n_return,"
          " n_exception, n_opcode, 0 FROM chunks ORDER BY first_seq",
        -1, &st, NULL) ){
    rc = reader_sql_fail(r, "reading the chunk index");
    goto out;
  }
  while( (e = sqlite3_step(st))==SQLITE_ROW ){
    struct trec_chunk_info *c;
    int64_t v[16];
    void *p = grow(r->chunks, &cap, r->n_chunks, sizeof(*r->chunks), 1024);
    if( !p ) goto out;
    r->chunks = p;
    p = grow(r->max_last, &cap_last, r->n_chunks, sizeof(*r->max_last), 1024);
    if( !p ) goto out;
    r->max_last = p;
    for(int i=0; i<16; i++) v[i] = sqlite3_column_int64(st, i);
    if( v[1]<=0 || v[1]>UINT32_MAX || v[2]<=0 || v[3]<v[2] || v[4]<=0
     || v[4]>UINT32_MAX || (uint64_t)(v[3]-v[2]) < (uint64_t)(v[4]-1)
     || v[7]<0 || v[8]<v[7] || v[8]>UINT32_MAX || v[9]<0 || v[9]>UINT32_MAX
     || v[15]<0 || v[15]>UINT32_MAX ){
      rc = reader_fail(r, TREC_ERR_CORRUPT, "chunk %lld: bad index row", (long long)v[0]);
      goto out;
    }
    c = &r->chunks[r->n_chunks];
    c->chunk_id = v[0];
    c->thread = (uint32_t)v[1];
    c->first_seq = (uint64_t)v[2];
    c->last_seq = (uint64_t)v[3];
    c->n_events = (uint32_t)v[4];
    c->first_ts = sqlite3_column_type(st, 5)==SQLITE_NULL ? TREC_NO_TS : v[5];
    c->last_ts = sqlite3_column_type(st, 6)==SQLITE_NULL ? TREC_NO_TS : v[6];
    c->min_depth = (uint32_t)v[7];
    c->max_depth = (uint32_t)v[8];
    c->start_depth = (uint32_t)v[9];
    for(int k=0; k<TREC_N_KINDS; k++)
      c->n_kind[k] = v[10+k]<0 || v[10+k]>UINT32_MAX ? 0 : (uint32_t)v[10+k];
    c->n_patch = (uint32_t)v[15];
    if( c->last_seq>maxl ) maxl = c->last_seq;
    r->max_last[r->n_chunks] = maxl;
    r->n_events += c->n_events;
    if( r->n_chunks==0 ) r->first_seq = c->first_seq;
    if( c->last_seq>r->last_seq ) r->last_seq = c->last_seq;
    r->n_chunks++;
  }
  if( e!=SQLITE_DONE ){
    rc = reader_sql_fail(r, "reading the chunk index");
    goto out;
  }
  rc = TREC_OK;
out:
  sqlite3_finalize(st);
  if( rc==TREC_ERR_NOMEM ) reader_fail(r, rc, "out of memory");
  return rc;
}

static struct trec_thread *thread_slot(trec_reader *r, uint32_t id){
  size_t lo = 0, hi = r->n_threads;
  while( lo<hi ){
    size_t mid = lo + (hi-lo)/2;
    if( r->threads[mid].id<id ) lo = mid+1; else hi = mid;
  }
  return lo<r->n_threads && r->threads[lo].id==id ? &r->threads[lo] : NULL;
}

static int cmp_thread(const void *a, const void *b){
  uint32_t x = ((const struct trec_thread*)a)->id, y = ((const struct trec_thread*)b)->id;
  return x<y ? -1 : x>y;
}

/* Threads as recorded, with their counts taken from the chunk index (a
** truncated trace never wrote them) and a row made up for a thread that
** has chunks but none. */
static int load_threads(trec_reader *r){
  sqlite3_stmt *st = NULL;
  int rc = TREC_ERR_NOMEM, e;
  size_t cap = 0;
  void *p;
  if( sqlite3_prepare_v2(r->db, "SELECT thread_id, ident, native_id, name FROM threads"
                         " WHERE thread_id BETWEEN 1 AND 4294967295 ORDER BY thread_id",
                         -1, &st, NULL) ){
    rc = reader_sql_fail(r, "reading threads");
    goto out;
  }
  while( 1 ){
    struct trec_thread *t;
    e = sqlite3_step(st);
    if( e!=SQLITE_ROW ) break;
    p = grow(r->threads, &cap, r->n_threads, sizeof(*r->threads), 16);
    if( !p ) goto out;
    r->threads = p;
    t = &r->threads[r->n_threads];
    memset(t, 0, sizeof *t);
    t->id = (uint32_t)sqlite3_column_int64(st, 0);
    t->ident = (uint64_t)sqlite3_column_int64(st, 1);
    t->native_id = (uint64_t)sqlite3_column_int64(st, 2);
    t->name = dup_text(sqlite3_column_text(st, 3));
    if( !t->name ) goto out;
    r->n_threads++;
  }
  if( e!=SQLITE_DONE ){
    rc = reader_sql_fail(r, "reading threads");
    goto out;
  }
  for(size_t i=0; i<r->n_chunks; i++){
    const struct trec_chunk_info *c = &r->chunks[i];
    struct trec_thread *t = thread_slot(r, c->thread);
    if( !t ){
      p = grow(r->threads, &cap, r->n_threads, sizeof(*r->threads), 16);
      if( !p ) goto out;
      r->threads = p;
      t = &r->threads[r->n_threads];
      memset(t, 0, sizeof *t);
      t->id = c->thread;
      t->name = dup_text(NULL);
      if( !t->name ) goto out;
      r->n_threads++;
      qsort(r->threads, r->n_threads, sizeof *r->threads, cmp_thread);
      t = thread_slot(r, c->thread);
    }
    if( t->n_events==0 || c->first_seq<t->first_seq ) t->first_seq = c->first_seq;
    if( c->last_seq>t->last_seq ) t->last_seq = c->last_seq;
    t->n_events += c->n_events;
  }
  rc = TREC_OK;
out:
  sqlite3_finalize(st);
  if( rc==TREC_ERR_NOMEM ) reader_fail(r, rc, "out of memory");
  return rc;
}

int trec_reader_open(const char *path, unsigned flags, trec_reader **out){
  trec_reader *r = calloc(1, sizeof *r);
  int rc, e, app_id = 0;
  *out = r;
  if( !r ) return TREC_ERR_NOMEM;
  trec_buf_init(&r->msg);
  trec_chunk_init(&r->scratch);
  trec_keyframe_init(&r->patch_kf);
  r->postings = -1;
  if( !path ) return reader_fail(r, TREC_ERR_INVALID, "no trace path given");
  if( (rc = check_sqlite_header(r, path)) ) return rc;
  e = db_open(r, path, 0, &app_id);
  if( e!=SQLITE_OK && e!=SQLITE_NOTADB && e!=SQLITE_CORRUPT && e!=SQLITE_NOMEM ){
    char *uri = immutable_uri(path);
    if( !uri ) return reader_fail(r, TREC_ERR_NOMEM, "out of memory");
    e = db_open(r, uri, SQLITE_OPEN_URI, &app_id);
    free(uri);
  }
  if( e==SQLITE_NOTADB )
    return reader_fail(r, TREC_ERR_NOTTRACE, "%s is not a tracerec trace"
                       " (not an SQLite database)", path);
  if( e!=SQLITE_OK )
    return reader_fail(r, e==SQLITE_CORRUPT ? TREC_ERR_CORRUPT : TREC_ERR_IO,
                       "cannot open %s: %s", path,
                       r->db ? sqlite3_errmsg(r->db) : sqlite3_errstr(e));
  if( app_id!=(int)TREC_APPLICATION_ID )
    return reader_fail(r, TREC_ERR_NOTTRACE, "%s is not a tracerec trace"
                       " (SQLite application_id %#x)", path, (unsigned)app_id);
  /* one read transaction for all the loads: a trace being recorded commits
  ** meanwhile, and the chunk index must not name code rows we did not load */
  if( sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL)!=SQLITE_OK )
    return reader_sql_fail(r, "reading the trace");
  if( (rc = load_meta(r)) || (rc = check_version(r, path)) ) return rc;
  {
    /* a recording an error stopped early is cut short, as a killed one */
    const char *status = trec_reader_meta(r, "status");
    r->complete = status && !strcmp(status, "complete")
                  && trec_reader_stop_error(r)==NULL;
  }
  if( (rc = load_code(r)) || (rc = load_files(r)) || (rc = load_chunks(r))
   || (rc = load_threads(r)) ) return rc;
  sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
  if( sqlite3_prepare_v3(r->db, "SELECT codec, raw_len, checksum, data FROM chunks"
                         " WHERE chunk_id=?", -1, SQLITE_PREPARE_PERSISTENT,
                         &r->st_chunk, NULL)
   || sqlite3_prepare_v3(r->db, "SELECT codec, raw_len, checksum, data FROM keyframes"
                         " WHERE chunk_id=?", -1, SQLITE_PREPARE_PERSISTENT,
                         &r->st_key, NULL)
   || sqlite3_prepare_v3(r->db, "SELECT codec, raw_len, source, hash FROM files"
                         " WHERE file_id=?", -1, SQLITE_PREPARE_PERSISTENT,
                         &r->st_src, NULL) )
    return reader_sql_fail(r, "preparing statements");
  (void)flags;   /* TREC_READER_TRUSTED is reserved */
  return TREC_OK;
}

void trec_reader_close(trec_reader *r){
  if( !r ) return;
  sqlite3_finalize(r->st_chunk);
  sqlite3_finalize(r->st_key);
  sqlite3_finalize(r->st_src);
  sqlite3_finalize(r->st_post);
  free(r->by_id);
  sqlite3_close(r->db);
  for(size_t i=0; i<r->n_meta; i++){
    free(r->meta[i].key);
    free(r->meta[i].value);
  }
  free(r->meta);
  for(size_t i=0; i<r->n_codes; i++) free(r->code_text[i]);
  free(r->codes);
  free(r->code_text);
  for(size_t i=0; i<r->n_files; i++){
    free((char*)r->files[i].path);
    free((char*)r->files[i].hash);
  }
  free(r->files);
  for(size_t i=0; i<r->n_threads; i++) free((char*)r->threads[i].name);
  free(r->threads);
  free(r->chunks);
  free(r->max_last);
  trec_chunk_release(&r->scratch);
  trec_keyframe_release(&r->patch_kf);
  trec_buf_release(&r->msg);
  free(r);
}

/* ---- Accessors ---- */

struct sqlite3 *trec_reader_db(trec_reader *r){ return r->db; }

const char *trec_reader_meta(trec_reader *r, const char *key){
  for(size_t i=0; i<r->n_meta; i++)
    if( !strcmp(r->meta[i].key, key) ) return r->meta[i].value;
  return NULL;
}

int trec_reader_complete(trec_reader *r){ return r->complete; }

const char *trec_reader_stop_error(trec_reader *r){
  const char *error = trec_reader_meta(r, "error");
  return error && *error ? error : NULL;
}
uint64_t trec_reader_n_events(trec_reader *r){ return r->n_events; }
uint64_t trec_reader_first_seq(trec_reader *r){ return r->first_seq; }
uint64_t trec_reader_last_seq(trec_reader *r){ return r->last_seq; }
size_t trec_reader_n_chunks(trec_reader *r){ return r->n_chunks; }

const struct trec_chunk_info *trec_reader_chunk(trec_reader *r, size_t i){
  return i<r->n_chunks ? &r->chunks[i] : NULL;
}

const struct trec_code *trec_reader_code(trec_reader *r, uint32_t id){
  size_t lo = 0, hi = r->n_codes;
  if( id>0 && id<=r->n_codes && r->codes[id-1].id==id ) return &r->codes[id-1];
  while( lo<hi ){
    size_t mid = lo + (hi-lo)/2;
    if( r->codes[mid].id<id ) lo = mid+1; else hi = mid;
  }
  return lo<r->n_codes && r->codes[lo].id==id ? &r->codes[lo] : NULL;
}

uint32_t trec_reader_max_code_id(trec_reader *r){
  return r->n_codes ? r->codes[r->n_codes-1].id : 0;
}

const struct trec_file *trec_reader_file(trec_reader *r, uint32_t id){
  size_t lo = 0, hi = r->n_files;
  if( id>0 && id<=r->n_files && r->files[id-1].id==id ) return &r->files[id-1];
  while( lo<hi ){
    size_t mid = lo + (hi-lo)/2;
    if( r->files[mid].id<id ) lo = mid+1; else hi = mid;
  }
  return lo<r->n_files && r->files[lo].id==id ? &r->files[lo] : NULL;
}

uint32_t trec_reader_max_file_id(trec_reader *r){
  return r->n_files ? r->files[r->n_files-1].id : 0;
}

size_t trec_reader_n_threads(trec_reader *r){ return r->n_threads; }

const struct trec_thread *trec_reader_thread(trec_reader *r, size_t i){
  return i<r->n_threads ? &r->threads[i] : NULL;
}

const struct trec_thread *trec_reader_thread_by_id(trec_reader *r, uint32_t id){
  return thread_slot(r, id);
}

/* ---- Blobs ---- */

/* Fetch the row id of st, check the blob's checksum, and decompress it
** into out. `what` names the row in messages ("chunk 12"). scan_guess > 0:
** a chunk of which only the scan columns are wanted, about this long. */
static int load_blob(trec_reader *r, sqlite3_stmt *st, int64_t id,
                     const char *what, struct trec_buf *out, size_t scan_guess){
  int rc, e;
  int64_t codec, raw_len, sum;
  const void *data;
  int len;
  sqlite3_bind_int64(st, 1, id);
  e = sqlite3_step(st);
  if( e!=SQLITE_ROW ){
    if( e==SQLITE_DONE )
      rc = reader_fail(r, TREC_ERR_CORRUPT, "%s %lld is missing", what, (long long)id);
    else
      rc = reader_sql_fail(r, what);
    goto out;
  }
  codec = sqlite3_column_int64(st, 0);
  raw_len = sqlite3_column_int64(st, 1);
  sum = sqlite3_column_int64(st, 2);
  data = sqlite3_column_blob(st, 3);
  len = sqlite3_column_bytes(st, 3);
  if( sqlite3_column_type(st, 3)!=SQLITE_BLOB || raw_len<0 || codec<0 || codec>255 ){
    rc = reader_fail(r, TREC_ERR_CORRUPT, "%s %lld: bad row", what, (long long)id);
    goto out;
  }
  if( (uint32_t)sum!=trec_xxh32(data, (size_t)len, 0) || sum<0 || sum>UINT32_MAX ){
    rc = reader_fail(r, TREC_ERR_CORRUPT, "%s %lld: checksum mismatch", what, (long long)id);
    goto out;
  }
  if( scan_guess )
    rc = trec_chunk_decompress_scan((int)codec, data, (size_t)len, (size_t)raw_len, scan_guess,
                                    r->major<4 ? TREC_DECODE_PRE4 : 0, out);
  else
    rc = trec_block_decompress((int)codec, data, (size_t)len, (size_t)raw_len, out);
  if( rc==TREC_ERR_CODEC )
    rc = reader_fail(r, TREC_ERR_CORRUPT, "%s %lld: unknown codec %lld", what,
                     (long long)id, (long long)codec);
  else if( rc )
    rc = reader_fail(r, rc, "%s %lld: does not decompress: %s", what,
                     (long long)id, trec_strerror(rc));
out:
  sqlite3_reset(st);
  return rc;
}

int trec_reader_read_chunk(trec_reader *r, size_t i, struct trec_chunk *c){
  return trec_reader_read_chunk_ex(r, i, 0, c);
}

int trec_reader_read_chunk_ex(trec_reader *r, size_t i, unsigned flags,
                              struct trec_chunk *c){
  const unsigned scan = TREC_DECODE_NO_TS | TREC_DECODE_NO_PAYLOAD;
  const struct trec_chunk_info *ci;
  size_t guess = 0;
  int rc;
  if( i>=r->n_chunks )
    return reader_fail(r, TREC_ERR_RANGE, "no chunk %zu (the trace has %zu)", i, r->n_chunks);
  ci = &r->chunks[i];
  if( c==&r->scratch ) r->scratch_ok = 0;
  c->n = 0;     /* on failure c holds nothing, not a stale chunk */
  if( (flags & scan)==scan )
    guess = 64 + 32*(size_t)ci->start_depth + 3*(size_t)ci->n_events;
  if( (rc = load_blob(r, r->st_chunk, ci->chunk_id, "chunk", &c->raw, guess)) ) return rc;
  rc = trec_chunk_decode_ex(c->raw.data, c->raw.len,
                            flags | (r->major<4 ? TREC_DECODE_PRE4 : 0), c);
  if( rc )
    return reader_fail(r, rc, "chunk %lld: events do not decode: %s",
                       (long long)ci->chunk_id, trec_strerror(rc));
  if( c->n!=ci->n_events || c->thread!=ci->thread || c->seq[0]!=ci->first_seq
   || c->seq[c->n-1]!=ci->last_seq ){
    c->n = 0;
    return reader_fail(r, TREC_ERR_CORRUPT, "chunk %lld does not match its index row",
                       (long long)ci->chunk_id);
  }
  if( ci->n_patch && !(c->skipped & TREC_DECODE_NO_PAYLOAD) ){
    /* PATCH entries become whole values, from the chunk's keyframe */
    if( (rc = trec_reader_read_keyframe(r, i, &r->patch_kf)) ){
      c->n = 0;
      return rc;
    }
    if( (rc = trec_patch_resolve(c, &r->patch_kf)) ){
      c->n = 0;
      return reader_fail(r, rc, "chunk %lld: values do not resolve: %s",
                         (long long)ci->chunk_id, trec_strerror(rc));
    }
  }
  c->index = i;
  return TREC_OK;
}

int trec_reader_read_keyframe(trec_reader *r, size_t i, struct trec_keyframe *k){
  const struct trec_chunk_info *ci;
  int rc;
  if( i>=r->n_chunks )
    return reader_fail(r, TREC_ERR_RANGE, "no chunk %zu (the trace has %zu)", i, r->n_chunks);
  ci = &r->chunks[i];
  k->n = 0;
  if( (rc = load_blob(r, r->st_key, ci->chunk_id, "keyframe of chunk", &k->raw, 0)) )
    return rc;
  rc = trec_keyframe_decode(k->raw.data, k->raw.len, k);
  if( rc==TREC_OK && k->n!=ci->start_depth ) rc = TREC_ERR_CORRUPT;
  if( rc ){
    k->n = 0;
    return reader_fail(r, rc, "keyframe of chunk %lld does not decode: %s",
                       (long long)ci->chunk_id, trec_strerror(rc));
  }
  return TREC_OK;
}

int trec_reader_file_source(trec_reader *r, uint32_t id, struct trec_buf *out){
  sqlite3_stmt *st = r->st_src;
  int rc, e;
  char hash[32];
  const char *want;
  sqlite3_bind_int64(st, 1, id);
  e = sqlite3_step(st);
  if( e!=SQLITE_ROW || sqlite3_column_type(st, 2)==SQLITE_NULL ){
    rc = e==SQLITE_ROW || e==SQLITE_DONE
       ? reader_fail(r, TREC_ERR_NOTFOUND, "no source stored for file %u", id)
       : reader_sql_fail(r, "reading a file");
    goto out;
  }
  rc = trec_block_decompress((int)sqlite3_column_int64(st, 0),
                             sqlite3_column_blob(st, 2),
                             (size_t)sqlite3_column_bytes(st, 2),
                             (size_t)sqlite3_column_int64(st, 1), out);
  if( rc ){
    rc = reader_fail(r, TREC_ERR_CORRUPT, "source of file %u does not decompress", id);
    goto out;
  }
  want = (const char*)sqlite3_column_text(st, 3);
  snprintf(hash, sizeof hash, "xxh32:%08x", trec_xxh32(out->data, out->len, 0));
  if( want && !strncmp(want, "xxh32:", 6) && strcmp(want, hash) )
    rc = reader_fail(r, TREC_ERR_CORRUPT, "source of file %u: hash mismatch", id);
out:
  sqlite3_reset(st);
  return rc;
}

/* ---- Seeking ---- */

int trec_reader_find_chunk(trec_reader *r, uint64_t seq, size_t *index){
  size_t lo = 0, hi = r->n_chunks;
  int rc;
  while( lo<hi ){
    size_t mid = lo + (hi-lo)/2;
    if( r->chunks[mid].first_seq<=seq ) lo = mid+1; else hi = mid;
  }
  /* chunks [0, lo) start at or before seq; walk back while any of them
  ** may still reach it (max_last is their running maximum) */
  for(size_t i=lo; i>0 && r->max_last[i-1]>=seq; i--){
    const struct trec_chunk_info *c = &r->chunks[i-1];
    if( c->last_seq<seq ) continue;
    if( c->last_seq - c->first_seq + 1==c->n_events ){
      *index = i-1;
      return TREC_OK;
    }
    if( !r->scratch_ok || r->scratch.index!=i-1 ){
      if( (rc = trec_reader_read_chunk(r, i-1, &r->scratch)) ) return rc;
      r->scratch_ok = 1;
    }
    if( trec_chunk_find_seq(&r->scratch, seq)>=0 ){
      *index = i-1;
      return TREC_OK;
    }
  }
  return reader_fail(r, TREC_ERR_NOTFOUND, "no event %llu in the trace",
                     (unsigned long long)seq);
}

/* ---- Postings ---- */

static int cmp_chunk_ref(const void *a, const void *b){
  const struct chunk_ref *x = a, *y = b;
  return x->id<y->id ? -1 : x->id>y->id;
}

/* First use: does the trace have postings (format 1.1)? If so, prepare
** their query and map chunk ids to index positions. Done lazily so that
** opening stays independent of the trace's size. */
static int postings_setup(trec_reader *r){
  sqlite3_stmt *st = NULL;
  int e;
  if( r->postings>=0 ) return TREC_OK;
  if( sqlite3_prepare_v2(r->db, "SELECT 1 FROM sqlite_schema WHERE type='table'"
                         " AND name='chunk_code'", -1, &st, NULL) )
    return reader_sql_fail(r, "looking for postings");
  e = sqlite3_step(st);
  sqlite3_finalize(st);
  if( e!=SQLITE_ROW && e!=SQLITE_DONE ) return reader_sql_fail(r, "looking for postings");
  if( e==SQLITE_DONE ){
    r->postings = 0;
    return TREC_OK;
  }
  if( sqlite3_prepare_v3(r->db, "SELECT chunk_id, n_events FROM chunk_code"
                         " WHERE code_id=?", -1, SQLITE_PREPARE_PERSISTENT,
                         &r->st_post, NULL) )
    return reader_sql_fail(r, "preparing the postings query");
  r->by_id = malloc((r->n_chunks ? r->n_chunks : 1)*sizeof(*r->by_id));
  if( !r->by_id ) return reader_fail(r, TREC_ERR_NOMEM, "out of memory");
  for(size_t i=0; i<r->n_chunks; i++){
    r->by_id[i].id = r->chunks[i].chunk_id;
    r->by_id[i].index = i;
  }
  qsort(r->by_id, r->n_chunks, sizeof(*r->by_id), cmp_chunk_ref);
  r->postings = 1;
  return TREC_OK;
}

int trec_reader_has_postings(trec_reader *r){
  return postings_setup(r)==TREC_OK && r->postings==1;
}

int trec_reader_code_chunks(trec_reader *r, uint32_t code, uint32_t *counts){
  sqlite3_stmt *st;
  int rc, e;
  if( (rc = postings_setup(r)) ) return rc;
  if( !r->postings )
    return reader_fail(r, TREC_ERR_NOTFOUND, "the trace has no postings (format 1.0)");
  st = r->st_post;
  sqlite3_bind_int64(st, 1, code);
  while( (e = sqlite3_step(st))==SQLITE_ROW ){
    struct chunk_ref key, *hit;
    int64_t n = sqlite3_column_int64(st, 1);
    key.id = sqlite3_column_int64(st, 0);
    hit = bsearch(&key, r->by_id, r->n_chunks, sizeof(*r->by_id), cmp_chunk_ref);
    /* a chunk committed after the index was loaded (a trace still being
    ** recorded) is not ours to count */
    if( !hit ) continue;
    if( n<=0 || n>r->chunks[hit->index].n_events
     || counts[hit->index] > r->chunks[hit->index].n_events - n ){
      rc = reader_fail(r, TREC_ERR_CORRUPT, "chunk %lld: bad postings row",
                       (long long)key.id);
      goto out;
    }
    counts[hit->index] += (uint32_t)n;
  }
  if( e!=SQLITE_DONE ){
    rc = reader_sql_fail(r, "reading postings");
    goto out;
  }
  rc = TREC_OK;
out:
  sqlite3_reset(st);
  return rc;
}
