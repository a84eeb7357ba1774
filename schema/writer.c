/*
** writer.c: the trace writer. The recorder's threads append events to
** per-thread streams; one writer thread encodes, compresses and commits
** them, so the traced program never waits for LZ4 or SQLite.
**
** Shape, and why:
** - trec_stream_append() copies the event into the stream's current buffer
**   (an event array plus a payload area) and publishes the new count with a
**   release store: no lock, no syscall, no allocation unless a payload is
**   bigger than the whole area. A full buffer goes to the writer thread
**   through the queue (the only place appenders take the mutex) and a fresh
**   one comes from the free list; appenders block while more than
**   max_buffered bytes wait (bounded memory under a slow disk).
** - Metadata (code, files, threads, meta keys) goes through the same queue,
**   so a code row is committed no later than the first chunk using it.
** - A thread that ends closes its stream: the last buffer goes through the
**   queue, and once it is written the writer thread frees the stream and
**   its shadow stack. The free list keeps a spare buffer per stream at
**   most. Memory follows the threads alive, not every thread that ran.
** - Every flush_ms the writer thread also takes the published but unwritten
**   prefix of each stream's current buffer as a chunk, so the events of a
**   thread that is idle or blocked (time.sleep) reach the file: a buffer is
**   only recycled after it came back through the queue, and only the writer
**   thread recycles, so it can read that prefix without a lock.
** - The writer thread keeps a shadow of each thread's stack with every
**   variable's current value (applying payloads: call = new frame, other
**   events replace the given slots, return pops) and stores it as the
**   keyframe of each chunk it writes.
** - Chunks are committed in WAL mode whenever the queue runs empty, after
**   16 chunks, or after flush_ms: a killed process leaves every committed
**   chunk readable. Errors are sticky: every later call reports them.
*/
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "trace_int.h"

static const char schema_sql[] =
#include "schema/schema.inc"
;

#define TXN_MAX_CHUNKS 16
#define MAX_SLOT (1u << 20)

enum item_kind { IT_CHUNK, IT_META, IT_FILE, IT_CODE, IT_THREAD, IT_THREAD_NAME };

/* One queued unit of work. Metadata items are allocated; a chunk item is
** embedded in its stream buffer. Strings and blob are Owned. */
struct item {
  struct item *next;
  enum item_kind kind;
  int has_int, null_value;
  int64_t a, b, c, d, e;
  char *s1, *s2, *s3;
  void *blob;
};

/* A stream buffer. ev[i].payload points into pay. The appender owns n and
** the contents past `published`; the writer thread owns `taken`. */
struct sbuf {
  struct item it;            /* IT_CHUNK, queue link */
  struct trec_stream *s;
  struct trec_event *ev;     /* Owned, cap events */
  size_t cap, n, taken;
  _Atomic size_t published;
  size_t keep;               /* the stack before its first event is cut to
                                this many frames (trec_stream_resync), or
                                SIZE_MAX */
  int last;                  /* the stream's last (trec_stream_close): the
                                writer thread frees the stream after it */
  unsigned char *pay;        /* Owned */
  size_t pay_len, pay_cap;
  struct sbuf *next_free;
};

/* An event of a chunk stored with PATCH entries: its payload as stored
** is at offset `at` of the writer's pbuf. */
struct patched { size_t i, at; };

/* A value of the chunk being written, found by object: a back PATCH
** (FORMAT.md 6) starts from the latest value of the same container or
** object anywhere in the chunk, as the `at`-th value (keyframe first).
** Keyed by the value's first 8 bytes, which hold its tag and id; the
** table is direct-mapped, so a collision only loses a base, and a key
** shared by two objects only makes a longer patch. */
#define CVAL_BITS 12
#define CVAL_SIZE (1u << CVAL_BITS)
struct cval {
  uint64_t key;
  const unsigned char *v;    /* Borrowed: a payload of the chunk, or kraw */
  uint32_t len, at, gen;
};

/* One frame of a shadow stack: slot -> value bytes in arena. A whole INT
** value is also kept decoded (is_int), so that the next int of the slot
** is patched as a difference without decoding this one again. */
struct slotval { uint32_t off, len; int64_t ival; int is_int; };
struct sframe {
  uint64_t frame;
  uint32_t code;
  int32_t line;
  struct slotval *slots;     /* Owned, n_slots entries; len 0 = no value */
  uint32_t n_slots;
  struct trec_buf arena;     /* Owned */
  size_t live;
};

struct trec_stream {
  trec_writer *w;
  uint32_t thread;
  struct sbuf *cur;          /* appender's; replaced under the mutex */
  uint64_t last_seq;         /* appender's */
  size_t want;               /* events of the next buffer (under the mutex) */
  size_t pay_extra;          /* its payload bytes beyond SBUF_PAY_MIN per
                                event (under the mutex) */
  /* writer thread only */
  struct sframe *frames;     /* Owned, shadow stack */
  size_t depth, frames_cap;
  uint64_t first_seq, w_last_seq, n_events;
};

struct trec_writer {
  struct trec_writer_options opt;
  char *path;                /* Owned */
  sqlite3 *db;
  _Atomic int rc;            /* sticky */
  struct trec_buf msg;
  pthread_t thread;
  int thread_started;
  long tid;                  /* the writer thread's system id, or 0 */
  int sync_init;
  pthread_mutex_t mu;
  pthread_cond_t work, space;
  struct item *head, *tail;
  struct sbuf *free_list;
  size_t n_free;             /* buffers on it */
  uint64_t queued;           /* bytes of queued buffers */
  size_t pay_grown;          /* the sum of the streams' pay_extra */
  int stop;
  int park;                  /* the writer thread is to end (or has ended)
                                with work left queued (trec_writer_park) */
  struct trec_stream **streams;
  size_t n_streams, streams_cap;
  /* writer thread only (and close, after the join) */
  sqlite3_stmt *st_chunk, *st_key, *st_meta, *st_file, *st_code, *st_thread,
               *st_thread_name, *st_thread_stats, *st_chunk_code;
  struct trec_chunk_enc enc;
  struct trec_buf raw, comp, kraw, kcomp, vals;
  struct patched *patched;   /* Owned: a chunk's events with a PATCH */
  size_t patched_cap;
  struct trec_buf pbuf;      /* patched payloads */
  struct trec_buf pscratch;  /* trec_patch_entry's */
  struct cval *cvals;        /* Owned: CVAL_SIZE entries, made at first use */
  uint32_t cval_gen;         /* the chunk being written; older entries are stale */
  uint32_t n_cvals;          /* values of that chunk so far, keyframe first */
  struct trec_stack_entry *start;
  size_t start_cap;
  int in_txn;
  unsigned txn_chunks;
  uint64_t txn_start_ms;
  uint64_t n_events;
  struct sbuf **snap_b;       /* Owned: streams' buffers at a flush */
  size_t *snap_n, snap_cap;
};

static uint64_t now_ms(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec*1000 + (uint64_t)ts.tv_nsec/1000000;
}

static int64_t now_realtime_ns(void){
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec*1000000000 + ts.tv_nsec;
}

/* Record the first error (sticky) with its message. Callable from any
** thread; takes the mutex once the writer thread exists. */
static int writer_fail(trec_writer *w, int rc, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static int writer_fail(trec_writer *w, int rc, const char *fmt, ...){
  va_list ap;
  char text[512];
  if( w->sync_init ) pthread_mutex_lock(&w->mu);
  if( atomic_load(&w->rc)==TREC_OK ){
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    trec_buf_reset(&w->msg);
    trec_buf_puts(&w->msg, text);
    atomic_store(&w->rc, rc);
  }
  if( w->sync_init ){
    pthread_cond_broadcast(&w->space);
    pthread_mutex_unlock(&w->mu);
  }
  return atomic_load(&w->rc);
}

static int sql_fail(trec_writer *w, const char *what){
  int e = sqlite3_extended_errcode(w->db);
  int rc = (e & 0xff)==SQLITE_IOERR || (e & 0xff)==SQLITE_FULL
        || (e & 0xff)==SQLITE_CANTOPEN ? TREC_ERR_IO : TREC_ERR_SQLITE;
  return writer_fail(w, rc, "%s: %s: %s", w->path, what, sqlite3_errmsg(w->db));
}

const char *trec_writer_errmsg(trec_writer *w){
  if( !w ) return trec_strerror(TREC_ERR_NOMEM);
  if( atomic_load(&w->rc)==TREC_OK ) return "ok";
  return trec_buf_cstr(&w->msg);
}

/* ---- Items ---- */

static void item_free(struct item *it){
  if( !it ) return;
  free(it->s1); free(it->s2); free(it->s3); free(it->blob);
  free(it);
}

static char *dup_str(const char *s){
  size_t n = strlen(s ? s : "");
  char *p = malloc(n+1);
  if( p ) memcpy(p, s ? s : "", n+1);
  return p;
}

static void enqueue_locked(trec_writer *w, struct item *it){
  it->next = NULL;
  if( w->tail ) w->tail->next = it; else w->head = it;
  w->tail = it;
  pthread_cond_signal(&w->work);
}

/* Queue a metadata item, or free it and report the sticky error. */
static int enqueue_item(trec_writer *w, struct item *it){
  int rc;
  pthread_mutex_lock(&w->mu);
  rc = atomic_load(&w->rc);
  if( rc==TREC_OK && w->stop ) rc = TREC_ERR_STATE;
  if( rc==TREC_OK ) enqueue_locked(w, it);
  pthread_mutex_unlock(&w->mu);
  if( rc!=TREC_OK ) item_free(it);
  return rc;
}

static struct item *item_new(trec_writer *w, enum item_kind kind){
  struct item *it = calloc(1, sizeof *it);
  if( !it ){
    writer_fail(w, TREC_ERR_NOMEM, "out of memory queuing metadata");
    return NULL;
  }
  it->kind = kind;
  return it;
}

int trec_writer_set_meta(trec_writer *w, const char *key, const char *value){
  struct item *it;
  int rc = atomic_load(&w->rc);
  if( rc ) return rc;
  if( !key ) return TREC_ERR_INVALID;
  if( !(it = item_new(w, IT_META)) ) return TREC_ERR_NOMEM;
  it->s1 = dup_str(key);
  it->s2 = dup_str(value);
  it->null_value = value==NULL;
  if( !it->s1 || !it->s2 ){
    item_free(it);
    return writer_fail(w, TREC_ERR_NOMEM, "out of memory queuing metadata");
  }
  return enqueue_item(w, it);
}

int trec_writer_set_meta_int(trec_writer *w, const char *key, int64_t value){
  struct item *it;
  int rc = atomic_load(&w->rc);
  if( rc ) return rc;
  if( !key ) return TREC_ERR_INVALID;
  if( !(it = item_new(w, IT_META)) ) return TREC_ERR_NOMEM;
  it->s1 = dup_str(key);
  it->has_int = 1;
  it->a = value;
  if( !it->s1 ){
    item_free(it);
    return writer_fail(w, TREC_ERR_NOMEM, "out of memory queuing metadata");
  }
  return enqueue_item(w, it);
}

int trec_writer_add_file(trec_writer *w, uint32_t file_id, const char *path,
                         const void *source, int64_t source_len){
  struct item *it;
  int rc = atomic_load(&w->rc);
  if( rc ) return rc;
  if( file_id==0 || !path || (source_len>0 && !source) ) return TREC_ERR_INVALID;
  if( source_len > (int64_t)TREC_MAX_RAW_LEN ) source_len = -1;
  if( !(it = item_new(w, IT_FILE)) ) return TREC_ERR_NOMEM;
  it->a = file_id;
  it->b = source_len<0 ? -1 : source_len;
  it->s1 = dup_str(path);
  if( source_len>=0 ){
    it->blob = malloc((size_t)source_len + 1);
    if( it->blob && source_len>0 ) memcpy(it->blob, source, (size_t)source_len);
  }
  if( !it->s1 || (source_len>=0 && !it->blob) ){
    item_free(it);
    return writer_fail(w, TREC_ERR_NOMEM, "out of memory queuing a file");
  }
  return enqueue_item(w, it);
}

int trec_writer_add_code(trec_writer *w, const struct trec_code *code){
  struct item *it;
  struct trec_buf names = TREC_BUF_INIT;
  int rc = atomic_load(&w->rc);
  if( rc ) return rc;
  if( !code || code->id==0 || (code->n_names && !code->names) ) return TREC_ERR_INVALID;
  for(uint32_t i=0; i<code->n_names; i++){
    const char *s = code->names[i];
    if( !s || !*s || strpbrk(s, " \t\n\r\f\v") ){
      trec_buf_release(&names);
      return TREC_ERR_INVALID;
    }
    if( i ) trec_buf_put_u8(&names, ' ');
    trec_buf_puts(&names, s);
  }
  if( !(it = item_new(w, IT_CODE)) ){
    trec_buf_release(&names);
    return TREC_ERR_NOMEM;
  }
  it->a = code->id;
  it->b = code->file;
  it->c = code->firstlineno;
  it->d = code->flags;
  it->e = code->n_args;
  it->s1 = dup_str(code->name);
  it->s2 = dup_str(code->qualname ? code->qualname : code->name);
  it->s3 = dup_str(trec_buf_cstr(&names));
  rc = names.oom;
  trec_buf_release(&names);
  if( rc || !it->s1 || !it->s2 || !it->s3 ){
    item_free(it);
    return writer_fail(w, TREC_ERR_NOMEM, "out of memory queuing code");
  }
  return enqueue_item(w, it);
}

int trec_writer_add_thread(trec_writer *w, const struct trec_thread *t){
  struct item *it;
  int rc = atomic_load(&w->rc);
  if( rc ) return rc;
  if( !t || t->id==0 ) return TREC_ERR_INVALID;
  if( !(it = item_new(w, IT_THREAD)) ) return TREC_ERR_NOMEM;
  it->a = t->id;
  it->b = (int64_t)t->ident;
  it->c = (int64_t)t->native_id;
  it->s1 = dup_str(t->name);
  if( !it->s1 ){
    item_free(it);
    return writer_fail(w, TREC_ERR_NOMEM, "out of memory queuing a thread");
  }
  return enqueue_item(w, it);
}

int trec_writer_set_thread_name(trec_writer *w, uint32_t thread_id,
                                const char *name){
  struct item *it;
  int rc = atomic_load(&w->rc);
  if( rc ) return rc;
  if( thread_id==0 ) return TREC_ERR_INVALID;
  if( !(it = item_new(w, IT_THREAD_NAME)) ) return TREC_ERR_NOMEM;
  it->a = thread_id;
  it->s1 = dup_str(name);
  if( !it->s1 ){
    item_free(it);
    return writer_fail(w, TREC_ERR_NOMEM, "out of memory queuing a thread");
  }
  return enqueue_item(w, it);
}

/* ---- Stream buffers ---- */

static void sbuf_free(struct sbuf *b){
  if( !b ) return;
  free(b->ev);
  free(b->pay);
  free(b);
}

/* Buffers start small and double per rotation up to chunk_events, so a
** program with a hundred mostly idle threads holds 128 KiB per thread, not
** 2 MiB, while a busy thread reaches full chunks after a few. The payload
** area starts at 64 bytes per event and doubles whenever it fills before
** the events do, up to 512 per event: the recorder hands over whole values
** (the writer turns them into patches), and an object-heavy program
** appends 500 bytes per event or more. With 64 bytes per event its chunks
** held 1,500 events instead of 16,384, so it stored ten times as many
** keyframes (7% of richards' trace, 13% of async_tasks') and found fewer
** patch bases per chunk.
** What the streams grow beyond 64 bytes per event is bounded for the whole
** writer (SBUF_PAY_GROWN), so a hundred busy threads do not hold 8 MiB
** each. */
#define SBUF_FIRST_CAP 1024
#define SBUF_PAY_MIN 64
#define SBUF_PAY_MAX 512
#define SBUF_PAY_GROWN ((size_t)32 << 20)

static struct sbuf *sbuf_new(void){
  struct sbuf *b = calloc(1, sizeof *b);
  if( b ) b->it.kind = IT_CHUNK;
  return b;
}

/* Give a buffer nobody else sees (new or from the free list) room for at
** least cap events and pay_cap payload bytes. */
static int sbuf_fit(struct sbuf *b, size_t cap, size_t pay_cap){
  void *p;
  if( b->cap<cap ){
    p = realloc(b->ev, cap * sizeof *b->ev);
    if( !p ) return -1;
    b->ev = p;
    b->cap = cap;
  }
  if( b->pay_cap<pay_cap ){
    p = realloc(b->pay, pay_cap);
    if( !p ) return -1;
    b->pay = p;
    b->pay_cap = pay_cap;
  }
  return 0;
}

static uint64_t sbuf_bytes(const struct sbuf *b){
  return (uint64_t)b->n * sizeof(struct trec_event) + b->pay_len;
}

/* Under the mutex: keep a written buffer for the streams' next
** rotations, one spare per stream at most. Buffers only grow, and a
** program that starts threads all along would otherwise keep as many as
** the writer ever lagged behind, each the size of the busiest stream that
** used it. */
static void sbuf_put_locked(trec_writer *w, struct sbuf *b){
  if( w->n_free>=w->n_streams ){
    sbuf_free(b);
    return;
  }
  b->next_free = w->free_list;
  w->free_list = b;
  w->n_free++;
}

/* Under the mutex: a buffer for a stream, from the free list or new. */
static struct sbuf *sbuf_get_locked(trec_writer *w, trec_stream *s){
  struct sbuf *b = w->free_list;
  if( b ){
    w->free_list = b->next_free;
    w->n_free--;
  }else{
    b = sbuf_new();
  }
  if( !b ) return NULL;
  if( sbuf_fit(b, s->want, s->want*SBUF_PAY_MIN + s->pay_extra) ){
    sbuf_free(b);
    return NULL;
  }
  if( s->want < w->opt.chunk_events )
    s->want = s->want*2 < w->opt.chunk_events ? s->want*2 : w->opt.chunk_events;
  b->s = s;
  b->n = b->taken = b->pay_len = 0;
  b->keep = SIZE_MAX;
  b->last = 0;
  atomic_store_explicit(&b->published, 0, memory_order_relaxed);
  return b;
}

/* Under the mutex: double the payload area of s's next buffer, within
** SBUF_PAY_MAX per event and the writer's SBUF_PAY_GROWN. */
static void pay_grow(trec_writer *w, trec_stream *s){
  size_t now = s->want*SBUF_PAY_MIN + s->pay_extra;
  size_t max = (size_t)w->opt.chunk_events*SBUF_PAY_MAX;
  size_t add = now < max ? (now < max - now ? now : max - now) : 0;
  if( add > SBUF_PAY_GROWN - w->pay_grown ) add = SBUF_PAY_GROWN - w->pay_grown;
  s->pay_extra += add;
  w->pay_grown += add;
}

/* Hand the current buffer (if it holds events) to the writer thread and
** take a fresh one, first waiting while too much is queued; grow_pay when
** the payload area filled first. The wait comes
** before the handoff: while we wait (mutex released) the writer thread may
** snapshot s->cur, which must then still be ours, not a buffer it has
** already written and put on the free list for another thread. */
/* Under the mutex: back-pressure, while more than max_buffered bytes are
** queued. Never with the writer stopping, failed or parked: nothing would
** make room (trec_writer_park). */
static void room_wait_locked(trec_writer *w){
  while( w->queued > w->opt.max_buffered && atomic_load(&w->rc)==TREC_OK
         && !w->stop && !w->park )
    pthread_cond_wait(&w->space, &w->mu);
}

static int stream_rotate(trec_stream *s, int grow_pay){
  trec_writer *w = s->w;
  struct sbuf *b = s->cur, *fresh;
  int rc;
  if( b->n==0 ) return atomic_load(&w->rc);
  if( w->park && (rc = trec_writer_unpark(w)) ) return rc;
  pthread_mutex_lock(&w->mu);
  room_wait_locked(w);
  rc = atomic_load(&w->rc);
  if( rc==TREC_OK && w->stop ) rc = TREC_ERR_STATE;
  if( rc==TREC_OK ){
    if( grow_pay ) pay_grow(w, s);
    fresh = sbuf_get_locked(w, s);
    if( fresh ){
      w->queued += sbuf_bytes(b);
      enqueue_locked(w, &b->it);
      s->cur = fresh;
    }else{
      rc = TREC_ERR_NOMEM;
    }
  }
  pthread_mutex_unlock(&w->mu);
  if( rc==TREC_ERR_NOMEM )
    return writer_fail(w, rc, "out of memory for an event buffer");
  return rc ? rc : atomic_load(&w->rc);
}

int trec_writer_stream(trec_writer *w, uint32_t thread_id, trec_stream **out){
  trec_stream *s = NULL;
  int rc = atomic_load(&w->rc);
  *out = NULL;
  if( rc ) return rc;
  if( thread_id==0 ) return TREC_ERR_INVALID;
  pthread_mutex_lock(&w->mu);
  for(size_t i=0; i<w->n_streams; i++)
    if( w->streams[i]->thread==thread_id ) s = w->streams[i];
  if( !s ){
    rc = TREC_ERR_NOMEM;
    if( w->n_streams==w->streams_cap ){
      size_t cap = w->streams_cap ? w->streams_cap*2 : 8;
      void *p = realloc(w->streams, cap*sizeof(*w->streams));
      if( !p ) goto unlock;
      w->streams = p;
      w->streams_cap = cap;
    }
    s = calloc(1, sizeof *s);
    if( !s ) goto unlock;
    s->w = w;
    s->thread = thread_id;
    s->want = w->opt.chunk_events < SBUF_FIRST_CAP ? w->opt.chunk_events : SBUF_FIRST_CAP;
    s->cur = sbuf_get_locked(w, s);
    if( !s->cur ){
      free(s);
      s = NULL;
      goto unlock;
    }
    w->streams[w->n_streams++] = s;
  }
  rc = TREC_OK;
unlock:
  pthread_mutex_unlock(&w->mu);
  if( rc ) return writer_fail(w, rc, "out of memory for a stream");
  *out = s;
  return TREC_OK;
}

int trec_stream_append(trec_stream *s, const struct trec_event *ev){
  if( ev->kind>=TREC_N_KINDS || ev->frame==0 || ev->code==0
   || ev->seq<=s->last_seq || (ev->offset<0 && ev->offset!=TREC_NO_OFFSET)
   || (ev->payload_len && !ev->payload) ) return TREC_ERR_INVALID;
  if( ev->entry_end && ev->payload_len && ev->n_entries
      && ev->entry_end[ev->n_entries-1]!=ev->payload_len ) return TREC_ERR_INVALID;
  return trec_stream_put(s, ev);
}

/* memcpy() of at most 16 bytes, as an event's payload and entry ends
** mostly are, without a call into libc per event: overlapping loads and
** stores */
static inline void copy_small(unsigned char *dst, const unsigned char *src,
                              size_t n){
  if( n>=8 ){
    uint64_t a, z;
    memcpy(&a, src, 8);
    memcpy(&z, src + n - 8, 8);
    memcpy(dst, &a, 8);
    memcpy(dst + n - 8, &z, 8);
  }else if( n>=4 ){
    uint32_t a, z;
    memcpy(&a, src, 4);
    memcpy(&z, src + n - 4, 4);
    memcpy(dst, &a, 4);
    memcpy(dst + n - 4, &z, 4);
  }else if( n ){
    dst[0] = src[0];
    dst[n/2] = src[n/2];
    dst[n-1] = src[n-1];
  }
}

/* Copy ev into b, which has room for it (n_ends entry ends, and
** trec_stream_put's `need` bytes), and publish it to the writer thread.
** small: its payload and its entry ends are at most 16 bytes each. */
static inline int stream_write(trec_stream *s, struct sbuf *b,
                               const struct trec_event *ev, size_t n_ends,
                               int small){
  struct trec_event *d = &b->ev[b->n];
  uint32_t len = ev->payload_len;
  *d = *ev;
  d->thread = s->thread;
  d->depth = 0;
  if( len ){
    size_t at = b->pay_len;
    d->payload = b->pay + at;
    if( small ) copy_small(b->pay + at, ev->payload, len);
    else memcpy(b->pay + at, ev->payload, len);
    at += len;
    if( n_ends ){
      at = (at + 3) & ~(size_t)3;
      d->entry_end = (const uint32_t *)(void *)(b->pay + at);
      if( small ){
        copy_small(b->pay + at, (const unsigned char *)ev->entry_end,
                   n_ends*sizeof(uint32_t));
      }else{
        memcpy(b->pay + at, ev->entry_end, n_ends*sizeof(uint32_t));
      }
      at += n_ends*sizeof(uint32_t);
    }else{
      d->entry_end = NULL;
      d->n_entries = 0;
    }
    b->pay_len = at;
  }else{
    d->payload = NULL;
    d->entry_end = NULL;
    d->n_entries = 0;
  }
  s->last_seq = ev->seq;
  b->n++;
  atomic_store_explicit(&b->published, b->n, memory_order_release);
  return TREC_OK;
}

/* trec_stream_put() of an event that needs a fresh buffer, or copies too
** long for copy_small(): out of line, so that the common event calls
** nothing and saves no registers. */
static __attribute__((noinline)) int
stream_put_slow(trec_stream *s, const struct trec_event *ev, size_t n_ends,
                size_t need){
  struct sbuf *b = s->cur;
  if( b->n==b->cap || b->pay_cap - b->pay_len < need ){
    int rc = stream_rotate(s, b->n < b->cap);
    if( rc ) return rc;
    b = s->cur;
    if( b->pay_cap < need ){
      /* an empty buffer: the writer thread reads nothing of it yet */
      unsigned char *p = realloc(b->pay, need);
      if( !p ) return writer_fail(s->w, TREC_ERR_NOMEM, "out of memory for a payload");
      b->pay = p;
      b->pay_cap = need;
    }
  }
  return stream_write(s, b, ev, n_ends, 0);
}

int trec_stream_put(trec_stream *s, const struct trec_event *ev){
  struct sbuf *b = s->cur;
  uint32_t len = ev->payload_len;
  int rc = atomic_load_explicit(&s->w->rc, memory_order_relaxed);
  if( rc ) return rc;
  /* a chunk must stay readable: raw blocks are at most TREC_MAX_RAW_LEN */
  if( len > TREC_MAX_RAW_LEN/2 ) return TREC_ERR_LIMIT;
  /* the entry ends go into the payload area too, aligned, after the bytes */
  size_t n_ends = ev->entry_end && len ? ev->n_entries : 0;
  size_t need = len + (n_ends ? 3 + n_ends*sizeof(uint32_t) : 0);
  if( len>16 || n_ends>16/sizeof(uint32_t) || b->n==b->cap
      || b->pay_cap - b->pay_len < need )
    return stream_put_slow(s, ev, n_ends, need);
  return stream_write(s, b, ev, n_ends, 1);
}

int trec_stream_flush(trec_stream *s){
  return stream_rotate(s, 0);
}

/* The writer thread reads keep only once the buffer has published an
** event, which the release store in trec_stream_put orders after this. */
int trec_stream_resync(trec_stream *s, size_t keep){
  int rc = stream_rotate(s, 0);
  if( rc ) return rc;
  if( keep < s->cur->keep ) s->cur->keep = keep;
  return TREC_OK;
}

/* The last buffer goes through the queue like any other: its events are
** written after the stream's earlier ones, and after any flush of its
** prefix the writer thread is doing now (write_partials), which also reads
** the stream. The writer thread frees the stream once it has written that
** buffer (stream_retire). The stream leaves the table at once, so no later
** flush sees it. */
int trec_stream_close(trec_stream *s){
  trec_writer *w;
  struct sbuf *b;
  size_t i = 0;
  int rc;
  if( !s ) return TREC_OK;
  w = s->w;
  b = s->cur;
  pthread_mutex_lock(&w->mu);
  if( b->n ) room_wait_locked(w);
  while( w->streams[i]!=s ) i++;
  memmove(w->streams + i, w->streams + i + 1,
          (w->n_streams - i - 1)*sizeof(*w->streams));
  w->n_streams--;
  /* what it grew its payload areas by is free for the streams to come */
  w->pay_grown -= s->pay_extra;
  s->cur = NULL;
  b->last = 1;
  w->queued += sbuf_bytes(b);
  enqueue_locked(w, &b->it);
  rc = atomic_load(&w->rc);
  pthread_mutex_unlock(&w->mu);
  return rc;
}

/* ---- Writer thread: shadow stacks and keyframes ---- */

static void sframe_reset(struct sframe *f, uint64_t frame, uint32_t code,
                         int32_t line){
  f->frame = frame;
  f->code = code;
  f->line = line;
  if( f->n_slots ) memset(f->slots, 0, f->n_slots*sizeof(*f->slots));
  trec_buf_reset(&f->arena);
  f->live = 0;
}

/* Drop replaced values once they are most of the arena. */
static int sframe_compact(struct sframe *f){
  struct trec_buf nb = TREC_BUF_INIT;
  if( trec_buf_room(&nb, f->live ? f->live : 1) ) return -1;
  for(uint32_t i=0; i<f->n_slots; i++){
    if( !f->slots[i].len ) continue;
    uint32_t off = (uint32_t)nb.len;
    trec_buf_put(&nb, f->arena.data + f->slots[i].off, f->slots[i].len);
    f->slots[i].off = off;
  }
  trec_buf_release(&f->arena);
  f->arena = nb;
  return 0;
}

/* sframe_set() for a value of another length than the slot's: appended. */
static int sframe_append(struct sframe *f, uint32_t slot, const unsigned char *v,
                         size_t len, int is_int, int64_t ival){
  if( slot>=MAX_SLOT ) return TREC_ERR_LIMIT;
  if( len > UINT32_MAX - f->arena.len ) return TREC_ERR_LIMIT;
  if( slot>=f->n_slots ){
    uint32_t n = f->n_slots ? f->n_slots : 8;
    struct slotval *p;
    while( n<=slot ) n *= 2;
    p = realloc(f->slots, n*sizeof(*p));
    if( !p ) return TREC_ERR_NOMEM;
    memset(p + f->n_slots, 0, (n - f->n_slots)*sizeof(*p));
    f->slots = p;
    f->n_slots = n;
  }
  f->live -= f->slots[slot].len;
  f->slots[slot].off = (uint32_t)f->arena.len;
  f->slots[slot].len = (uint32_t)len;
  f->slots[slot].ival = ival;
  f->slots[slot].is_int = is_int;
  f->live += len;
  trec_buf_put(&f->arena, v, len);
  if( f->arena.oom ) return TREC_ERR_NOMEM;
  if( f->arena.len > 4096 && f->arena.len > 2*f->live && sframe_compact(f) )
    return TREC_ERR_NOMEM;
  return TREC_OK;
}

static inline int sframe_set(struct sframe *f, uint32_t slot, const unsigned char *v,
                             size_t len, int is_int, int64_t ival){
  /* a value as long as the one it replaces (a loop counter's, mostly)
  ** takes its place: the arena grows and compacts only for the others */
  if( slot<f->n_slots && len && f->slots[slot].len==len ){
    memcpy(f->arena.data + f->slots[slot].off, v, len);
    f->slots[slot].ival = ival;
    f->slots[slot].is_int = is_int;
    return TREC_OK;
  }
  return sframe_append(f, slot, v, len, is_int, ival);
}

static int shadow_push(trec_stream *s, uint64_t frame, uint32_t code,
                       int32_t line){
  if( s->depth==s->frames_cap ){
    size_t cap = s->frames_cap ? s->frames_cap*2 : 16;
    struct sframe *p = realloc(s->frames, cap*sizeof(*p));
    if( !p ) return TREC_ERR_NOMEM;
    memset(p + s->frames_cap, 0, (cap - s->frames_cap)*sizeof(*p));
    s->frames = p;
    s->frames_cap = cap;
  }
  sframe_reset(&s->frames[s->depth++], frame, code, line);
  return TREC_OK;
}

/* The payload entries of an event, one by one: by the appender's entry
** ends when it gave them (only the keys are read), else parsed. */
struct entries { const struct trec_event *ev; const unsigned char *p; uint32_t i; };

static inline int entry_next(struct entries *it, struct trec_entry *e){
  const struct trec_event *ev = it->ev;
  if( ev->payload==NULL ) return TREC_ERR_NOTFOUND;
  const unsigned char *end = ev->payload + ev->payload_len;
  if( !ev->entry_end ) return trec_payload_next(&it->p, end, e);
  if( it->i>=ev->n_entries ) return TREC_ERR_NOTFOUND;
  const unsigned char *q = it->p, *stop = ev->payload + ev->entry_end[it->i];
  uint64_t key;
  if( stop<=q || stop>end || trec_get_varint(&q, stop, &key) || key>>2 > UINT32_MAX )
    return TREC_ERR_CORRUPT;
  e->kind = (enum trec_pkind)(key & 3);
  e->slot = (uint32_t)(key >> 2);
  e->value = q;
  e->value_end = stop;
  it->p = stop;
  it->i++;
  return e->kind==TREC_PK_PATCH ? TREC_ERR_CORRUPT : TREC_OK;
}

/* A value a PATCH can start from, and how readers find it (FORMAT.md 6). */
struct base { const unsigned char *v; size_t len; uint64_t from; unsigned back; };

/* The key of a value a back PATCH may start from: its tag and id (the
** first 8 bytes) for a container, object or exception long enough to be
** worth it; 0 for the others. */
static uint64_t cval_key(const unsigned char *v, size_t len){
  uint64_t k;
  if( len<TREC_PATCH_MIN ) return 0;
  if( (v[0]<TREC_V_TUPLE || v[0]>TREC_V_OBJECT) && v[0]!=TREC_V_EXC ) return 0;
  memcpy(&k, v, 8);
  return k;
}

static struct cval *cval_at(trec_writer *w, uint64_t k){
  return &w->cvals[(k * 0x9E3779B97F4A7C15ull) >> (64 - CVAL_BITS)];
}

/* Count the chunk's next value, v, and remember it by its object. */
static void cval_note(trec_writer *w, const unsigned char *v, size_t len){
  uint64_t k = cval_key(v, len);
  if( k ){
    struct cval *x = cval_at(w, k);
    x->key = k;
    x->v = v;
    x->len = (uint32_t)len;
    x->at = w->n_cvals;
    x->gen = w->cval_gen;
  }
  w->n_cvals++;
}

/* The chunk's latest value of the object v is a value of, as a back base. */
static int cval_find(trec_writer *w, const unsigned char *v, size_t len,
                     struct base *o){
  uint64_t k = cval_key(v, len);
  const struct cval *x;
  if( !k ) return 0;
  x = cval_at(w, k);
  if( x->gen!=w->cval_gen || x->key!=k ) return 0;
  o->v = x->v;
  o->len = x->len;
  o->from = w->n_cvals - x->at;
  o->back = TREC_PATCH_BACK;
  return 1;
}

/* Start a chunk's list of values with its keyframe's (w->kraw). */
static int cval_start(trec_writer *w){
  const unsigned char *p = w->kraw.data, *end = p + w->kraw.len;
  uint64_t n, x;
  int64_t line;
  if( w->cvals==NULL && (w->cvals = calloc(CVAL_SIZE, sizeof *w->cvals))==NULL )
    return TREC_ERR_NOMEM;
  /* a new generation makes every entry stale; at wrap-around, clear them */
  if( ++w->cval_gen==0 ){
    memset(w->cvals, 0, CVAL_SIZE * sizeof *w->cvals);
    w->cval_gen = 1;
  }
  w->n_cvals = 0;
  if( trec_get_varint(&p, end, &n) ) return TREC_ERR_CORRUPT;
  for(uint64_t i=0; i<n; i++){
    struct trec_entry e;
    const unsigned char *q;
    if( trec_get_varint(&p, end, &x) || trec_get_varint(&p, end, &x)
     || trec_get_svarint(&p, end, &line) || trec_get_varint(&p, end, &x)
     || x > (uint64_t)(end - p) ) return TREC_ERR_CORRUPT;
    for(q = p, p += x; trec_payload_next(&q, p, &e)==TREC_OK; )
      cval_note(w, e.value, (size_t)(e.value_end - e.value));
  }
  return TREC_OK;
}

/* The first variable of frame f, other than those in skip, whose value
** starts like v (the same tag and object id: the same container or object
** as recorded elsewhere); from = `side` + 2 * its slot. */
static void base_like(const struct sframe *f, const unsigned char *v,
                      size_t len, const uint32_t *skip, size_t n_skip,
                      int side, struct base *o){
  if( len<8 ) return;
  for(uint32_t j=0; j<f->n_slots; j++){
    size_t k = 0;
    if( f->slots[j].len<8 || memcmp(f->arena.data + f->slots[j].off, v, 8) ) continue;
    while( k<n_skip && skip[k]!=j ) k++;
    if( k<n_skip ) continue;
    o->v = f->arena.data + f->slots[j].off;
    o->len = f->slots[j].len;
    o->from = (uint64_t)side + 2*(uint64_t)j;
    return;
  }
}

/* The shadow frame of event ev, with the codec's stack rule (chunk.c):
** a call pushes one, giving the frame below its caller_line if it has
** one; another event goes to the innermost frame of its id, dropping
** those above it, or pushes one when there is none. */
static int shadow_frame(trec_stream *s, const struct trec_event *ev,
                        struct sframe **out){
  size_t i = s->depth;
  int rc;
  if( ev->kind==TREC_CALL && ev->caller_line!=0 && i>0 )
    s->frames[i-1].line = ev->caller_line;
  if( ev->kind!=TREC_CALL ){
    while( i>0 && s->frames[i-1].frame!=ev->frame ) i--;
    if( i>0 ){
      s->depth = i;
      *out = &s->frames[i-1];
      (*out)->code = ev->code;
      return TREC_OK;
    }
  }
  if( (rc = shadow_push(s, ev->frame, ev->code, ev->line)) ) return rc;
  *out = &s->frames[s->depth-1];
  return TREC_OK;
}

/* What shadow_event does for the commonest payload of a loop, a line
** event's one VAR entry (key of one byte) giving an int to a variable
** that held an int, both whole, stored as their difference. Returns 0
** having changed nothing for any other payload, which the general path
** then takes. */
static int shadow_int_step(trec_writer *w, struct sframe *f,
                           const struct trec_event *ev, size_t *at){
  const unsigned char *q = ev->payload, *stop = q + ev->entry_end[0];
  struct trec_buf *b = &w->pbuf;
  size_t start = b->len;
  int64_t ival;
  int rc;
  if( stop<=q || stop > q + ev->payload_len || *q>=0x80 || (*q & 3)!=TREC_PK_VAR )
    return 0;
  uint32_t slot = *q++ >> 2;
  size_t len = (size_t)(stop - q);
  if( slot>=f->n_slots || !f->slots[slot].len || !f->slots[slot].is_int
   || !trec_whole_int(q, len, &ival)
   || !trec_patch_int(b, slot, f->slots[slot].ival, ival) ) return 0;
  cval_note(w, q, len);
  if( (rc = sframe_set(f, slot, q, len, 1, ival)) ) return -rc;
  trec_buf_put(b, stop, ev->payload_len - ev->entry_end[0]);
  if( b->oom ) return -TREC_ERR_NOMEM;
  *at = start;
  return 1;
}

/* Apply event ev to the shadow stack, and write its payload as stored:
** values that are mostly a value readers already hold become PATCH
** entries (patch.c), into w->pbuf, with *at set to their offset; *at =
** SIZE_MAX when nothing was patched. Each entry is patched against the
** state before it and then applied. The base is the same object's latest
** value in the chunk (a method's `self` at its call, a returned object, a
** variable now holding another object), else the variable's previous
** value, else for a call's arguments a caller's variable and for a return
** value one of the frame's. An int that was an int becomes the difference
** (a loop counter's entries are then the same bytes at every iteration,
** which LZ4 stores for almost nothing).
** @return the number of PATCH entries, or a negative TREC_ERR_*. */
static int shadow_event(trec_writer *w, trec_stream *s,
                        const struct trec_event *ev, size_t *at){
  struct sframe *f;
  int n = 0, rc, overflow = 0;
  *at = SIZE_MAX;
  if( (rc = shadow_frame(s, ev, &f)) ) return -rc;
  f->line = ev->line;
  if( ev->payload_len==0 ){
    if( ev->kind==TREC_RETURN ) s->depth--;
    return 0;
  }
  /* a line event's: a call's frame is new, a return gives a value too */
  if( ev->kind==TREC_LINE && ev->entry_end && ev->n_entries==1
   && (n = shadow_int_step(w, f, ev, at)) )
    return n;
  /* a call's arguments may start from a value of the caller */
  const struct sframe *below = ev->kind==TREC_CALL && s->depth>1
                               ? &s->frames[s->depth-2] : NULL;
  struct entries it = { ev, ev->payload, 0 };
  struct trec_buf *b = &w->pbuf;
  size_t start = b->len, entry = 0, done = 0, n_seen = 0;
  uint32_t seen[64];            /* slots given so far in this payload */
  struct trec_entry e;
  while( (rc = entry_next(&it, &e))==TREC_OK ){
    size_t len = (size_t)(e.value_end - e.value);
    struct base o = { NULL, 0, 0, 0 };
    int is_int = 0, new_int = 0;
    int64_t ival = 0, old_int = 0;
    if( e.kind==TREC_PK_VAR ){
      /* only a slot's first entry is patched (the recorder gives each slot
      ** once): readers resolve a PATCH against the latest value */
      size_t k = 0;
      while( k<n_seen && seen[k]!=e.slot ) k++;
      int first = k==n_seen;
      if( first && n_seen<64 ) seen[n_seen++] = e.slot;
      else if( first ) overflow = 1;
      const struct slotval *own = first && e.slot<f->n_slots && f->slots[e.slot].len
                                ? &f->slots[e.slot] : NULL;
      new_int = trec_whole_int(e.value, len, &ival);
      if( own && len && e.value[0]==TREC_V_INT && f->arena.data[own->off]==TREC_V_INT ){
        /* patched only when both ints are whole (then the difference) */
        is_int = own->is_int && new_int;
        old_int = own->ival;
      /* the object's latest value in the chunk, which another frame may
      ** have set since: nearer than the variable's own previous value */
      }else if( first && len>=TREC_PATCH_MIN && !cval_find(w, e.value, len, &o) ){
        if( own ){
          o.v = f->arena.data + own->off;
          o.len = own->len;
        }else if( below ){
          base_like(below, e.value, len, NULL, 0, 2, &o);
        }
      }
    }else if( e.kind==TREC_PK_RETURN && len>=TREC_PATCH_MIN
              && !cval_find(w, e.value, len, &o) && !overflow ){
      /* often the frame's own variable (return self): one this payload did
      ** not change, so that writer and readers see the same value */
      base_like(f, e.value, len, seen, n_seen, 1, &o);
    }
    if( is_int || o.v ){
      /* the payload's bytes before this entry go first, once there is a
      ** patch at all: most payloads are stored as they came */
      size_t here = b->len;
      unsigned what = e.kind==TREC_PK_RETURN ? TREC_PATCH_RETURN : 0;
      trec_buf_put(b, ev->payload + done, entry - done);
      if( is_int ? trec_patch_int(b, e.slot, old_int, ival)
                 : trec_patch_entry(b, &w->pscratch, what | o.back, e.slot, o.from,
                                    o.v, o.len, e.value, len) ){
        n++;
        done = (size_t)(it.p - ev->payload);
      }else{
        b->len = here;
      }
    }
    entry = (size_t)(it.p - ev->payload);
    cval_note(w, e.value, len);
    if( e.kind==TREC_PK_VAR && (rc = sframe_set(f, e.slot, e.value, len, new_int, ival)) )
      return -rc;
  }
  if( rc!=TREC_ERR_NOTFOUND ) return -rc;
  if( ev->kind==TREC_RETURN ) s->depth--;
  if( n==0 ){
    b->len = start;
    return 0;
  }
  trec_buf_put(b, ev->payload + done, ev->payload_len - done);
  if( b->oom ) return -TREC_ERR_NOMEM;
  *at = start;
  return n;
}

/* The keyframe and start skeleton of stream s as it is now. */
static int shadow_keyframe(trec_writer *w, trec_stream *s){
  struct trec_buf *k = &w->kraw, *v = &w->vals;
  if( w->start_cap < s->depth ){
    void *p = realloc(w->start, s->depth*sizeof(*w->start));
    if( !p ) return TREC_ERR_NOMEM;
    w->start = p;
    w->start_cap = s->depth;
  }
  trec_buf_reset(k);
  trec_buf_put_varint(k, s->depth);
  for(size_t i=0; i<s->depth; i++){
    const struct sframe *f = &s->frames[i];
    w->start[i].frame = f->frame;
    w->start[i].code = f->code;
    w->start[i].line = f->line;
    trec_buf_reset(v);
    for(uint32_t j=0; j<f->n_slots; j++){
      if( !f->slots[j].len ) continue;
      trec_payload_key(v, TREC_PK_VAR, j);
      trec_buf_put(v, f->arena.data + f->slots[j].off, f->slots[j].len);
    }
    trec_buf_put_varint(k, f->frame);
    trec_buf_put_varint(k, f->code);
    trec_buf_put_svarint(k, f->line);
    trec_buf_put_varint(k, v->len);
    trec_buf_put(k, v->data, v->len);
  }
  return k->oom || v->oom ? TREC_ERR_NOMEM : TREC_OK;
}

/* ---- Writer thread: SQL ---- */

static int txn_begin(trec_writer *w){
  if( w->in_txn ) return TREC_OK;
  if( sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL)!=SQLITE_OK )
    return sql_fail(w, "BEGIN");
  w->in_txn = 1;
  w->txn_chunks = 0;
  w->txn_start_ms = now_ms();
  return TREC_OK;
}

static int txn_commit(trec_writer *w){
  if( !w->in_txn ) return TREC_OK;
  w->in_txn = 0;
  if( sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL)!=SQLITE_OK ){
    int rc = sql_fail(w, "COMMIT");
    sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
  }
  return TREC_OK;
}

static int step_reset(trec_writer *w, sqlite3_stmt *st, const char *what){
  int e = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return e==SQLITE_DONE ? TREC_OK : sql_fail(w, what);
}

/* Compress src with codec at level into out; fall back to raw when
** compression does not shrink it. Returns the codec used, or -1. */
static int compress_with(trec_writer *w, int codec, int level,
                         const struct trec_buf *src, struct trec_buf *out){
  int rc = trec_block_compress(codec, level, src->data, src->len, out);
  if( rc==TREC_OK && codec!=TREC_CODEC_RAW && out->len >= src->len ){
    codec = TREC_CODEC_RAW;
    rc = trec_block_compress(codec, 0, src->data, src->len, out);
  }
  if( rc ){
    writer_fail(w, rc, "%s: compressing: %s", w->path, trec_strerror(rc));
    return -1;
  }
  return codec;
}

/* The same with the writer's codec (chunks and keyframes). */
static int compress_best(trec_writer *w, const struct trec_buf *src,
                         struct trec_buf *out){
  return compress_with(w, w->opt.codec, w->opt.level, src, out);
}

/* Sources are written once per file and read rarely, so they take LZ4HC
** even when chunks take fast LZ4: it is the same block format for the
** reader, and a trace of a short run is mostly its sources. A raw trace
** stays raw, and a higher level asked for the chunks serves sources too. */
#define TREC_SOURCE_HC_LEVEL 9
static int source_codec(const trec_writer *w){
  return w->opt.codec==TREC_CODEC_RAW ? TREC_CODEC_RAW : TREC_CODEC_LZ4HC;
}
static int source_level(const trec_writer *w){
  return w->opt.codec==TREC_CODEC_LZ4HC && w->opt.level>TREC_SOURCE_HC_LEVEL
         ? w->opt.level : TREC_SOURCE_HC_LEVEL;
}

static void bind_ts(sqlite3_stmt *st, int i, int64_t ts){
  if( ts==TREC_NO_TS ) sqlite3_bind_null(st, i);
  else sqlite3_bind_int64(st, i, ts);
}

/* Encode, compress and insert n events of stream s as one chunk. The
** events of a patched payload are changed in place to point to it in
** w->pbuf: nothing reads a buffer's events once they are written. */
static int write_chunk(trec_writer *w, trec_stream *s,
                       struct trec_event *ev, size_t n, size_t keep){
  struct trec_chunk_stats cs;
  sqlite3_stmt *st = w->st_chunk;
  int rc, codec, kcodec;
  int64_t id;
  if( n==0 ) return TREC_OK;
  int64_t n_patch = 0;
  if( keep < s->depth ) s->depth = keep;
  if( (rc = shadow_keyframe(w, s)) )
    return writer_fail(w, rc, "%s: building a keyframe: %s", w->path, trec_strerror(rc));
  size_t n_start = s->depth;
  if( (rc = cval_start(w)) )
    return writer_fail(w, rc, "%s: reading a keyframe back: %s", w->path, trec_strerror(rc));
  if( w->patched_cap<n ){
    void *p = realloc(w->patched, n * sizeof *w->patched);
    if( !p ) return writer_fail(w, TREC_ERR_NOMEM, "%s: out of memory", w->path);
    w->patched = p;
    w->patched_cap = n;
  }
  /* each event's payload against the state before it, then applied */
  trec_buf_reset(&w->pbuf);
  for(size_t i=0; i<n; i++){
    size_t at;
    if( (rc = shadow_event(w, s, &ev[i], &at))<0 )
      return writer_fail(w, -rc, "%s: event %llu: %s%s", w->path,
                         (unsigned long long)ev[i].seq,
                         -rc==TREC_ERR_NOMEM ? "" : "bad payload: ",
                         trec_strerror(-rc));
    if( at!=SIZE_MAX ){
      w->patched[n_patch].i = i;
      w->patched[n_patch++].at = at;
    }
  }
  /* patched payloads lie in pbuf in event order, each up to the next */
  for(size_t k=(size_t)n_patch, next = w->pbuf.len; k>0; k--){
    struct trec_event *x = &ev[w->patched[k-1].i];
    x->payload = w->pbuf.data + w->patched[k-1].at;
    x->payload_len = (uint32_t)(next - w->patched[k-1].at);
    next = w->patched[k-1].at;
  }
  trec_buf_reset(&w->raw);
  rc = trec_chunk_encode_ex(&w->enc, ev, n, w->start, n_start, &w->raw, &cs);
  if( rc )
    return writer_fail(w, rc, "%s: encoding events %llu..: %s", w->path,
                       (unsigned long long)ev[0].seq, trec_strerror(rc));
  if( (codec = compress_best(w, &w->raw, &w->comp))<0 ) return atomic_load(&w->rc);
  if( (kcodec = compress_best(w, &w->kraw, &w->kcomp))<0 ) return atomic_load(&w->rc);
  if( (rc = txn_begin(w)) ) return rc;
  sqlite3_bind_int64(st, 1, s->thread);
  sqlite3_bind_int64(st, 2, (int64_t)cs.first_seq);
  sqlite3_bind_int64(st, 3, (int64_t)cs.last_seq);
  sqlite3_bind_int64(st, 4, (int64_t)n);
  bind_ts(st, 5, cs.first_ts);
  bind_ts(st, 6, cs.last_ts);
  sqlite3_bind_int64(st, 7, cs.min_depth);
  sqlite3_bind_int64(st, 8, cs.max_depth);
  sqlite3_bind_int64(st, 9, cs.start_depth);
  for(int k=0; k<TREC_N_KINDS; k++) sqlite3_bind_int64(st, 10+k, cs.n_kind[k]);
  sqlite3_bind_int(st, 15, codec);
  sqlite3_bind_int64(st, 16, (int64_t)w->raw.len);
  sqlite3_bind_int64(st, 17, trec_xxh32(w->comp.data, w->comp.len, 0));
  sqlite3_bind_blob(st, 18, w->comp.data, (int)w->comp.len, SQLITE_STATIC);
  sqlite3_bind_int64(st, 19, n_patch);
  if( (rc = step_reset(w, st, "inserting a chunk")) ) return rc;
  id = sqlite3_last_insert_rowid(w->db);
  st = w->st_key;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int(st, 2, kcodec);
  sqlite3_bind_int64(st, 3, (int64_t)w->kraw.len);
  sqlite3_bind_int64(st, 4, trec_xxh32(w->kcomp.data, w->kcomp.len, 0));
  sqlite3_bind_blob(st, 5, w->kcomp.data, (int)w->kcomp.len, SQLITE_STATIC);
  if( (rc = step_reset(w, st, "inserting a keyframe")) ) return rc;
  st = w->st_chunk_code;
  for(size_t i=0; i<w->enc.n_codes; i++){
    sqlite3_bind_int64(st, 1, w->enc.codes[i].code);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, w->enc.codes[i].n);
    if( (rc = step_reset(w, st, "inserting postings")) ) return rc;
  }
  if( s->n_events==0 ) s->first_seq = cs.first_seq;
  s->w_last_seq = cs.last_seq;
  s->n_events += n;
  w->n_events += n;
  w->txn_chunks++;
  if( w->txn_chunks>=TXN_MAX_CHUNKS
   || now_ms() - w->txn_start_ms >= w->opt.flush_ms ) return txn_commit(w);
  return TREC_OK;
}

/* The events of b not written yet, up to upto, as a chunk. Only the
** buffer's first chunk cuts the stack (trec_stream_resync). */
static int write_taken(trec_writer *w, struct sbuf *b, size_t upto){
  int rc = write_chunk(w, b->s, b->ev + b->taken, upto - b->taken,
                       b->taken ? SIZE_MAX : b->keep);
  b->taken = upto;
  return rc;
}

static int write_item(trec_writer *w, struct item *it){
  sqlite3_stmt *st;
  int rc;
  if( it->kind==IT_CHUNK ){
    struct sbuf *b = (struct sbuf*)it;
    return write_taken(w, b, b->n);
  }
  if( (rc = txn_begin(w)) ) return rc;
  switch( it->kind ){
    case IT_META:
      st = w->st_meta;
      sqlite3_bind_text(st, 1, it->s1, -1, SQLITE_STATIC);
      if( it->has_int ) sqlite3_bind_int64(st, 2, it->a);
      else if( !it->null_value ) sqlite3_bind_text(st, 2, it->s2, -1, SQLITE_STATIC);
      return step_reset(w, st, "writing meta");
    case IT_FILE: {
      char hash[32] = "";
      int codec = -1;
      st = w->st_file;
      if( it->b>=0 ){
        struct trec_buf src = { it->blob, (size_t)it->b, (size_t)it->b + 1, 0 };
        snprintf(hash, sizeof hash, "xxh32:%08x", trec_xxh32(it->blob, (size_t)it->b, 0));
        if( (codec = compress_with(w, source_codec(w), source_level(w), &src,
                                   &w->comp))<0 ) return atomic_load(&w->rc);
      }
      sqlite3_bind_int64(st, 1, it->a);
      sqlite3_bind_text(st, 2, it->s1, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(st, 4, it->b);
      if( codec>=0 ){
        sqlite3_bind_int(st, 5, codec);
        sqlite3_bind_int64(st, 6, it->b);
        sqlite3_bind_blob(st, 7, w->comp.data ? (void*)w->comp.data : (void*)"",
                          (int)w->comp.len, SQLITE_STATIC);
      }
      return step_reset(w, st, "writing a file");
    }
    case IT_CODE:
      st = w->st_code;
      sqlite3_bind_int64(st, 1, it->a);
      sqlite3_bind_int64(st, 2, it->b);
      sqlite3_bind_text(st, 3, it->s1, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 4, it->s2, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 5, it->c);
      sqlite3_bind_int64(st, 6, it->d);
      sqlite3_bind_int64(st, 7, it->e);
      sqlite3_bind_text(st, 8, it->s3, -1, SQLITE_STATIC);
      return step_reset(w, st, "writing code");
    case IT_THREAD:
      st = w->st_thread;
      sqlite3_bind_int64(st, 1, it->a);
      sqlite3_bind_int64(st, 2, it->b);
      sqlite3_bind_int64(st, 3, it->c);
      sqlite3_bind_text(st, 4, it->s1, -1, SQLITE_STATIC);
      return step_reset(w, st, "writing a thread");
    case IT_THREAD_NAME:
      st = w->st_thread_name;
      sqlite3_bind_int64(st, 1, it->a);
      sqlite3_bind_text(st, 2, it->s1, -1, SQLITE_STATIC);
      return step_reset(w, st, "naming a thread");
    case IT_CHUNK:
      break;
  }
  return TREC_OK;
}

static void stream_free(trec_stream *s){
  sbuf_free(s->cur);
  for(size_t j=0; j<s->frames_cap; j++){
    free(s->frames[j].slots);
    trec_buf_release(&s->frames[j].arena);
  }
  free(s->frames);
  free(s);
}

/* The thread's counts, in the writer's transaction: they are final once
** its last chunk is written. */
static int stream_counts(trec_writer *w, const trec_stream *s){
  sqlite3_stmt *st = w->st_thread_stats;
  int rc;
  if( !s->n_events ) return TREC_OK;
  if( (rc = txn_begin(w)) ) return rc;
  sqlite3_bind_int64(st, 1, s->thread);
  sqlite3_bind_int64(st, 2, (int64_t)s->first_seq);
  sqlite3_bind_int64(st, 3, (int64_t)s->w_last_seq);
  sqlite3_bind_int64(st, 4, (int64_t)s->n_events);
  return step_reset(w, st, "writing thread counts");
}

/* Writer thread: the last buffer of a closed stream is written (or an
** error made it skip it); the stream and its shadow stack go now, so that
** threads that ended hold no memory. */
static void stream_retire(trec_writer *w, trec_stream *s){
  if( atomic_load(&w->rc)==TREC_OK ) stream_counts(w, s);
  stream_free(s);
}

/* Under the mutex, with the queue empty: note what each stream has
** published. Anything queued before those events was drained already. */
static size_t snapshot_locked(trec_writer *w){
  if( w->snap_cap < w->n_streams ){
    size_t cap = w->n_streams;
    void *p = realloc(w->snap_b, cap*sizeof(*w->snap_b));
    if( p ) w->snap_b = p;
    p = p ? realloc(w->snap_n, cap*sizeof(*w->snap_n)) : NULL;
    if( !p ){
      pthread_mutex_unlock(&w->mu);
      writer_fail(w, TREC_ERR_NOMEM, "out of memory flushing streams");
      pthread_mutex_lock(&w->mu);
      return 0;
    }
    w->snap_n = p;
    w->snap_cap = cap;
  }
  for(size_t i=0; i<w->n_streams; i++){
    struct sbuf *b = w->streams[i]->cur;
    w->snap_b[i] = b;
    w->snap_n[i] = atomic_load_explicit(&b->published, memory_order_acquire);
  }
  return w->n_streams;
}

static void write_partials(trec_writer *w, size_t n){
  for(size_t i=0; i<n && atomic_load(&w->rc)==TREC_OK; i++){
    struct sbuf *b = w->snap_b[i];
    size_t pub = w->snap_n[i];
    if( pub<=b->taken ) continue;
    write_taken(w, b, pub);
  }
}

static void *writer_main(void *arg){
  trec_writer *w = arg;
  uint64_t next_flush = now_ms() + w->opt.flush_ms;
#ifdef __linux__
  w->tid = syscall(SYS_gettid);
#endif
  pthread_mutex_lock(&w->mu);
  for(;;){
    struct item *it = w->head;
    if( w->park ) break;
    if( it ){
      w->head = it->next;
      if( !w->head ) w->tail = NULL;
      pthread_mutex_unlock(&w->mu);
      if( atomic_load(&w->rc)==TREC_OK ) write_item(w, it);
      if( it->kind==IT_CHUNK && ((struct sbuf*)it)->last )
        stream_retire(w, ((struct sbuf*)it)->s);
      pthread_mutex_lock(&w->mu);
      if( it->kind==IT_CHUNK ){
        struct sbuf *b = (struct sbuf*)it;
        w->queued -= sbuf_bytes(b);
        sbuf_put_locked(w, b);
        pthread_cond_broadcast(&w->space);
      }else{
        item_free(it);
      }
      continue;
    }
    if( now_ms()>=next_flush || w->stop ){
      size_t n = snapshot_locked(w);
      pthread_mutex_unlock(&w->mu);
      if( atomic_load(&w->rc)==TREC_OK ){
        write_partials(w, n);
        txn_commit(w);
      }
      pthread_mutex_lock(&w->mu);
      next_flush = now_ms() + w->opt.flush_ms;
      if( w->stop && !w->head ) break;
      continue;
    }
    if( w->in_txn ){
      pthread_mutex_unlock(&w->mu);
      txn_commit(w);
      pthread_mutex_lock(&w->mu);
      continue;
    }
    {
      struct timespec ts;
      uint64_t wait_ms = next_flush - now_ms();
      if( (int64_t)wait_ms < 0 ) wait_ms = 0;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      ts.tv_sec += (time_t)(wait_ms/1000);
      ts.tv_nsec += (long)(wait_ms%1000)*1000000;
      if( ts.tv_nsec>=1000000000 ){ ts.tv_sec++; ts.tv_nsec -= 1000000000; }
      pthread_cond_timedwait(&w->work, &w->mu, &ts);
    }
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* ---- Open and close ---- */

/* Only a trace (or an empty file) is replaced: -o naming the script, notes
** or a device node by mistake must not destroy it. A trace is known by its
** SQLite header and application_id (FORMAT.md), read without SQLite. */
static int replaceable(trec_writer *w, const char *path){
  unsigned char h[72];
  struct stat sb;
  ssize_t n;
  int fd;
  if( lstat(path, &sb) ){
    if( errno==ENOENT ) return TREC_OK;
    return writer_fail(w, TREC_ERR_IO, "cannot replace %s: %s", path, strerror(errno));
  }
  if( !S_ISREG(sb.st_mode) )
    return writer_fail(w, TREC_ERR_INVALID, "%s exists and is not a regular file; "
                       "a trace will not replace it", path);
  if( sb.st_size==0 ) return TREC_OK;
  if( (fd = open(path, O_RDONLY | O_CLOEXEC))<0 )
    return writer_fail(w, TREC_ERR_IO, "cannot replace %s: %s", path, strerror(errno));
  n = read(fd, h, sizeof h);
  close(fd);
  if( n!=(ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16)
      || ((uint32_t)h[68]<<24 | (uint32_t)h[69]<<16 | (uint32_t)h[70]<<8 | h[71])
         !=TREC_APPLICATION_ID )
    return writer_fail(w, TREC_ERR_INVALID, "%s exists and is not a trace; remove it "
                       "or choose another name", path);
  return TREC_OK;
}

static int unlink_db(trec_writer *w, const char *path){
  static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
  struct trec_buf name = TREC_BUF_INIT;
  int rc = replaceable(w, path);
  for(size_t i=0; i<sizeof suffix/sizeof *suffix && rc==TREC_OK; i++){
    struct stat sb;
    trec_buf_reset(&name);
    trec_buf_printf(&name, "%s%s", path, suffix[i]);
    if( name.oom ) rc = TREC_ERR_NOMEM;
    else if( i>0 && lstat(trec_buf_cstr(&name), &sb)==0 && !S_ISREG(sb.st_mode) )
      rc = writer_fail(w, TREC_ERR_INVALID, "%s is not a regular file; a trace will "
                       "not replace it", trec_buf_cstr(&name));
    else if( unlink(trec_buf_cstr(&name)) && errno!=ENOENT )
      rc = writer_fail(w, TREC_ERR_IO, "cannot replace %s: %s",
                       trec_buf_cstr(&name), strerror(errno));
  }
  trec_buf_release(&name);
  return rc;
}

static int prepare(trec_writer *w, sqlite3_stmt **st, const char *sql){
  if( sqlite3_prepare_v3(w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL)!=SQLITE_OK )
    return sql_fail(w, "preparing statements");
  return TREC_OK;
}

/* The trace's own files must not take the lowest free descriptors: the
** program would then see other fd numbers than under plain python (what
** os.open() returns, an asyncio selector's repr). SQLite's unix VFS lets
** its open() be replaced (xSetSystemCall); the replacement moves the
** trace's files, and only them (matched by full path, so -wal and -shm
** too), near the top of the descriptor table. It is installed once per
** process and never removed; with no room up there the fd stays put. */
static sqlite3_syscall_ptr sys_open;
static char high_path[4096];
static size_t high_len;

static int high_fd_open(const char *path, int flags, int mode){
  int fd = ((int (*)(const char*, int, int))sys_open)(path, flags, mode);
  struct rlimit rl;
  rlim_t floor;
  int hi;
  if( fd<0 || high_len==0 || strncmp(path, high_path, high_len) ) return fd;
  if( getrlimit(RLIMIT_NOFILE, &rl) ) return fd;
  /* not past 1000: a huge limit would make the kernel grow the fd table */
  floor = rl.rlim_cur==RLIM_INFINITY || rl.rlim_cur>1032 ? 1000 : rl.rlim_cur - 32;
  if( rl.rlim_cur<128 || (rlim_t)fd>=floor ) return fd;
  hi = fcntl(fd, F_DUPFD_CLOEXEC, (int)floor);
  if( hi<0 ) return fd;
  close(fd);
  return hi;
}

static void writer_high_fds(const char *path){
  sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
  if( !vfs || vfs->iVersion<3 || !vfs->xSetSystemCall || !vfs->xGetSystemCall
      || !vfs->xFullPathname ) return;
  if( vfs->xFullPathname(vfs, path, (int)sizeof(high_path), high_path)!=SQLITE_OK ){
    high_len = 0;
    return;
  }
  high_len = strlen(high_path);
  if( sys_open==NULL ){
    sqlite3_syscall_ptr cur = vfs->xGetSystemCall(vfs, "open");
    if( cur && vfs->xSetSystemCall(vfs, "open", (sqlite3_syscall_ptr)high_fd_open)==SQLITE_OK )
      sys_open = cur;
    else
      high_len = 0;
  }
}

static int writer_setup_db(trec_writer *w){
  char *sql;
  int rc;
  writer_high_fds(w->path);
  if( sqlite3_open_v2(w->path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                      | SQLITE_OPEN_NOMUTEX, NULL)!=SQLITE_OK ){
    if( !w->db ) return writer_fail(w, TREC_ERR_NOMEM, "out of memory opening SQLite");
    /* SQLite's own words ("unable to open database file") hide why */
    int e = sqlite3_system_errno(w->db);
    return writer_fail(w, TREC_ERR_IO, "cannot create %s: %s", w->path,
                       e ? strerror(e) : sqlite3_errmsg(w->db));
  }
  sql = sqlite3_mprintf(
    "PRAGMA application_id=%d;"
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "BEGIN;"
    "%s"
    "INSERT INTO meta VALUES('format_major',%d),('format_minor',%d),"
    "('tracerec_version','%q'),('status','recording'),('start_ns',%lld),"
    "('chunk_events',%u),('codec','%q');"
    "COMMIT;",
    TREC_APPLICATION_ID, schema_sql, TREC_FORMAT_MAJOR, TREC_FORMAT_MINOR,
    PACKAGE_VERSION, (long long)now_realtime_ns(), w->opt.chunk_events,
    trec_codec_name(w->opt.codec));
  if( !sql ) return writer_fail(w, TREC_ERR_NOMEM, "out of memory");
  rc = sqlite3_exec(w->db, sql, NULL, NULL, NULL);
  sqlite3_free(sql);
  if( rc!=SQLITE_OK ) return sql_fail(w, "creating the schema");
  if( (rc = prepare(w, &w->st_chunk,
         "INSERT INTO chunks(thread_id,first_seq,last_seq,n_events,first_ts,"
         "last_ts,min_depth,max_depth,start_depth,n_call,n_line,n_return,"
         "n_exception,n_opcode,codec,raw_len,checksum,data,n_patch)"
         " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"))
   || (rc = prepare(w, &w->st_key,
         "INSERT INTO keyframes(chunk_id,codec,raw_len,checksum,data)"
         " VALUES(?,?,?,?,?)"))
   || (rc = prepare(w, &w->st_meta, "INSERT OR REPLACE INTO meta VALUES(?,?)"))
   || (rc = prepare(w, &w->st_file,
         "INSERT OR REPLACE INTO files VALUES(?,?,?,?,?,?,?)"))
   || (rc = prepare(w, &w->st_code,
         "INSERT OR REPLACE INTO code VALUES(?,?,?,?,?,?,?,?)"))
   || (rc = prepare(w, &w->st_thread,
         "INSERT INTO threads VALUES(?1,?2,?3,?4,0,0,0) ON CONFLICT(thread_id)"
         " DO UPDATE SET ident=?2, native_id=?3, name=?4"))
   || (rc = prepare(w, &w->st_thread_name,
         "INSERT INTO threads VALUES(?1,0,0,?2,0,0,0) ON CONFLICT(thread_id)"
         " DO UPDATE SET name=?2"))
   || (rc = prepare(w, &w->st_thread_stats,
         "INSERT INTO threads VALUES(?1,0,0,'',?2,?3,?4) ON CONFLICT(thread_id)"
         " DO UPDATE SET first_seq=?2, last_seq=?3, n_events=?4"))
   || (rc = prepare(w, &w->st_chunk_code,
         "INSERT INTO chunk_code(code_id,chunk_id,n_events) VALUES(?,?,?)")) )
    return rc;
  return TREC_OK;
}

static int writer_thread_start(trec_writer *w){
  sigset_t all, old;
  int rc;
  /* the traced program's signals belong to its own threads */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&w->thread, NULL, writer_main, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if( rc ) return writer_fail(w, TREC_ERR_NOMEM, "cannot start the writer thread: %s",
                              strerror(rc));
  w->thread_started = 1;
  return TREC_OK;
}

int trec_writer_open(const struct trec_writer_options *opt, trec_writer **out){
  trec_writer *w = calloc(1, sizeof *w);
  pthread_condattr_t ca;
  int rc;
  *out = w;
  if( !w ) return TREC_ERR_NOMEM;
  trec_buf_init(&w->msg);
  trec_chunk_enc_init(&w->enc);
  w->opt = *opt;
  if( !w->opt.chunk_events ) w->opt.chunk_events = 16384;
  if( !w->opt.flush_ms ) w->opt.flush_ms = 250;
  if( !w->opt.max_buffered ) w->opt.max_buffered = 64u << 20;
  if( !w->opt.level ) w->opt.level = 9;
  if( !opt->path || !*opt->path )
    return writer_fail(w, TREC_ERR_INVALID, "no trace path given");
  if( !trec_codec_name(w->opt.codec) )
    return writer_fail(w, TREC_ERR_INVALID, "unknown codec %d", w->opt.codec);
  if( w->opt.chunk_events > (1u << 20) )
    return writer_fail(w, TREC_ERR_INVALID, "chunk_events %u is too large",
                       w->opt.chunk_events);
  w->path = dup_str(opt->path);
  if( !w->path ) return writer_fail(w, TREC_ERR_NOMEM, "out of memory");
  w->opt.path = w->path;
  if( (rc = unlink_db(w, w->path)) ) return rc;
  if( (rc = writer_setup_db(w)) ) return rc;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->work, &ca);
  pthread_cond_init(&w->space, NULL);
  pthread_condattr_destroy(&ca);
  w->sync_init = 1;
  return writer_thread_start(w);
}

/* The join returns once the thread's futex is cleared, a little before the
** kernel stops counting it in /proc/self/stat, which is what Python reads
** at a fork: wait for that too (a few µs; at most 20 ms). */
static void thread_gone(const trec_writer *w){
#ifdef __linux__
  char task[64];
  struct timespec pause = { 0, 20000 };
  if( w->tid<=0 ) return;
  snprintf(task, sizeof task, "/proc/self/task/%ld", w->tid);
  for(int i=0; i<1000 && access(task, F_OK)==0; i++) nanosleep(&pause, NULL);
#else
  (void)w;
#endif
}

/* Set *flag (w->stop or w->park) and wait for the writer thread to end. */
static void thread_end(trec_writer *w, int *flag){
  pthread_mutex_lock(&w->mu);
  *flag = 1;
  pthread_cond_signal(&w->work);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  w->thread_started = 0;
}

int trec_writer_park(trec_writer *w){
  if( !w || !w->thread_started ) return TREC_OK;
  thread_end(w, &w->park);
  thread_gone(w);
  return atomic_load(&w->rc);
}

int trec_writer_unpark(trec_writer *w){
  if( !w || !w->park ) return TREC_OK;
  w->park = 0;
  return writer_thread_start(w);
}

static void writer_free(trec_writer *w){
  struct sbuf *b, *nb;
  struct item *it, *next;
  for(size_t i=0; i<w->n_streams; i++) stream_free(w->streams[i]);
  for(it = w->head; it; it = next){
    next = it->next;
    if( it->kind!=IT_CHUNK ){
      item_free(it);
      continue;
    }
    b = (struct sbuf*)it;
    if( b->last ) stream_free(b->s);
    sbuf_free(b);
  }
  for(b = w->free_list; b; b = nb){
    nb = b->next_free;
    sbuf_free(b);
  }
  free(w->streams);
  free(w->snap_b);
  free(w->snap_n);
  free(w->start);
  free(w->path);
  trec_chunk_enc_release(&w->enc);
  trec_buf_release(&w->raw);
  trec_buf_release(&w->pbuf);
  trec_buf_release(&w->pscratch);
  free(w->patched);
  free(w->cvals);
  trec_buf_release(&w->comp);
  trec_buf_release(&w->kraw);
  trec_buf_release(&w->kcomp);
  trec_buf_release(&w->vals);
  trec_buf_release(&w->msg);
  free(w);
}

/* After the writer thread ended (the streams' counts are written, each
** by its stream_retire): closing meta, one file. */
static int writer_finish(trec_writer *w, const struct trec_close_info *ci){
  char *sql;
  int rc;
  sql = sqlite3_mprintf(
    "INSERT OR REPLACE INTO meta VALUES('status','complete'),('end_ns',%lld),"
    "('n_events',%lld),('exit_status',%lld),('signal',%d),('error',%Q);"
    "COMMIT;",
    (long long)now_realtime_ns(), (long long)w->n_events,
    (long long)(ci ? ci->exit_status : 0), ci ? ci->signal : 0,
    ci ? ci->error : NULL);
  if( !sql ) return writer_fail(w, TREC_ERR_NOMEM, "out of memory");
  rc = sqlite3_exec(w->db, sql, NULL, NULL, NULL);
  sqlite3_free(sql);
  if( rc!=SQLITE_OK ) return sql_fail(w, "marking the trace complete");
  /* A reader still open keeps the WAL; the trace is complete either way. */
  sqlite3_exec(w->db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;",
               NULL, NULL, NULL);
  return TREC_OK;
}

int trec_writer_close(trec_writer *w, const struct trec_close_info *ci){
  int rc;
  if( !w ) return TREC_OK;
  trec_writer_unpark(w);
  if( w->thread_started ){
    /* closed rather than flushed: a flush would take each a fresh buffer */
    while( w->n_streams>0 ) trec_stream_close(w->streams[w->n_streams-1]);
    thread_end(w, &w->stop);
    if( atomic_load(&w->rc)==TREC_OK && txn_commit(w)==TREC_OK
     && sqlite3_exec(w->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL)==SQLITE_OK
     && sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL)==SQLITE_OK ){
      writer_finish(w, ci);
      if( sqlite3_get_autocommit(w->db)==0 )
        sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    }
  }
  sqlite3_finalize(w->st_chunk);
  sqlite3_finalize(w->st_key);
  sqlite3_finalize(w->st_meta);
  sqlite3_finalize(w->st_file);
  sqlite3_finalize(w->st_code);
  sqlite3_finalize(w->st_thread);
  sqlite3_finalize(w->st_thread_name);
  sqlite3_finalize(w->st_thread_stats);
  sqlite3_finalize(w->st_chunk_code);
  if( w->db && sqlite3_close(w->db)!=SQLITE_OK )
    writer_fail(w, TREC_ERR_SQLITE, "%s: closing: %s", w->path, sqlite3_errmsg(w->db));
  rc = atomic_load(&w->rc);
  if( w->sync_init ){
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->space);
  }
  writer_free(w);
  return rc;
}

void trec_writer_abandon(trec_writer *w){
  if( !w ) return;
  /* The SQLite handle, its file locks, the mutex and the thread belong to
  ** the parent: free only our memory. */
  writer_free(w);
}
