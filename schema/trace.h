/*
** trace.h: the public API of the trace format library, libtrecschema. It is
** the manual: every type and function the recorder, the replay engine, the
** SQL extension and the CLI use to write and read a trace is declared and
** described here. doc/FORMAT.md is the authority on the bytes on disk.
**
** Levels (dependencies point one way):
**   buf.h, value.h      bytes, varints, values          (no SQLite, no LZ4)
**   chunk               event columns <-> bytes, LZ4     (LZ4)
**   writer, reader      the SQLite file                  (SQLite, pthreads)
**
** Conventions. Functions return an int status, TREC_OK (0) on success.
** Long-lived handles (trec_writer, trec_reader) keep the message of their last
** failure, read with _errmsg(); a failed _open still returns a handle (or NULL
** only when out of memory) so that the message can be read, and the caller
** must _close it. _close and _free accept NULL. Pointers marked Borrowed stay
** owned by the handle and remain valid until it is closed unless said
** otherwise.
*/
#ifndef TREC_TRACE_H
#define TREC_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "value.h"

/*-************************************
*  Errors
**************************************/
#define TREC_LIST_ERRORS(ITEM) \
  ITEM(OK,        "ok") \
  ITEM(NOMEM,     "out of memory") \
  ITEM(IO,        "input/output error") \
  ITEM(SQLITE,    "SQLite error") \
  ITEM(NOTTRACE,  "not a tracerec trace") \
  ITEM(VERSION,   "unsupported trace format version") \
  ITEM(CORRUPT,   "trace data is corrupt") \
  ITEM(CODEC,     "compression error") \
  ITEM(RANGE,     "out of range") \
  ITEM(NOTFOUND,  "not found") \
  ITEM(TYPE,      "type mismatch") \
  ITEM(INVALID,   "invalid argument") \
  ITEM(STATE,     "operation not valid in this state") \
  ITEM(LIMIT,     "limit exceeded") \
  ITEM(INTERRUPTED, "interrupted")

#define TREC_ERROR_ENUM(name, msg) TREC_ERR_##name,
enum trec_error { TREC_LIST_ERRORS(TREC_ERROR_ENUM) TREC_ERR_MAX };
#undef TREC_ERROR_ENUM
#define TREC_OK TREC_ERR_OK

/*! trec_strerror() : a static description of an error code. Never NULL. */
const char *trec_strerror(int rc);

/*-************************************
*  Format version
**************************************/
/* A reader accepts any file whose major version it knows (1 to 7: 2.0
** added PATCH payload entries and 3.0 back PATCHes, which older files never
** hold; 4.0 added ts_shift to chunk headers, which the reader skips for
** older files; 5.0 the TYPED value, 6.0 its kin (deques, enum members,
** float and set subclasses) and 7.0 a call's caller line, which older
** files never hold) and any minor version; a newer major is refused with a
** message naming both versions (doc/FORMAT.md, "Versioning"). */
#define TREC_FORMAT_MAJOR 7
#define TREC_FORMAT_MINOR 0
#define TREC_FORMAT_OLDEST_MAJOR 1
#define TREC_APPLICATION_ID 0x54524543   /* "TREC", PRAGMA application_id */

/*-************************************
*  Events
**************************************/
enum trec_kind {
  TREC_CALL      = 0,
  TREC_LINE      = 1,
  TREC_RETURN    = 2,
  TREC_EXCEPTION = 3,
  TREC_OPCODE    = 4
};
#define TREC_N_KINDS 5

/*! trec_kind_name() : "call", "line", "return", "exception", "opcode", or
 *  NULL. trec_kind_parse() : the reverse, -1 if unknown. */
const char *trec_kind_name(int kind);
int trec_kind_parse(const char *name);

#define TREC_NO_TS     INT64_MIN   /* event carries no timestamp */
#define TREC_NO_OFFSET (-1)        /* event is not an opcode event */

/* One event. The recorder fills it and hands it to trec_stream_append();
** the reader fills it from a decoded chunk (trec_chunk_event()). */
struct trec_event {
  uint64_t seq;            /* global order across threads, first is 1 */
  uint64_t frame;          /* frame activation identity, > 0; a generator or
                              coroutine keeps one identity across resumes */
  int64_t ts;              /* ns since meta start_ns, or TREC_NO_TS */
  uint32_t thread;         /* threads.thread_id, > 0 */
  uint32_t code;           /* code.code_id, > 0 */
  int32_t line;            /* line number as sys.settrace reports it; 0 if none */
  int32_t offset;          /* opcode events: bytecode offset; else TREC_NO_OFFSET */
  uint32_t depth;          /* reader only: stack depth of frame, outermost = 1 */
  uint8_t kind;            /* enum trec_kind */
  const unsigned char *payload;  /* Borrowed; may be NULL when payload_len = 0 */
  uint32_t payload_len;
  int32_t caller_line;     /* call events: the line the frame below on the
                              thread's stack is at, when that frame has no
                              line events of its own (a library frame); it
                              becomes that frame's line. 0: none. Kept only
                              when the stack holds a frame below the call */
  /* Writer only, optional: where each payload entry ends (offsets into
  ** payload, increasing, the last = payload_len). The writer thread keeps
  ** every variable's latest value for keyframes; with these it need not
  ** parse values to find where they end. NULL: it parses them. */
  const uint32_t *entry_end;     /* Borrowed */
  uint32_t n_entries;
};

/*-************************************
*  Payloads
**************************************/
/* An event's payload is a sequence of entries, each a varint key followed by
** one value (value.h). key = (slot << 2) | TREC_PK_*. VAR entries carry the
** value of variable `slot` (an index into the code object's names) whenever
** it changed since the frame's previous event; at a call event every bound
** variable is present. RETURN (slot 0) is the return value, EXCEPTION (slot
** 0) the exception (a TREC_V_EXC value) at exception events. */
enum trec_pkind { TREC_PK_VAR = 0, TREC_PK_RETURN = 1, TREC_PK_EXCEPTION = 2,
                  TREC_PK_PATCH = 3 };
/* PATCH (format 2.0) is a VAR or RETURN whose value is given as a change
** of a value readers already hold (doc/FORMAT.md 6): u8 what, varint
** from, varint n_ops, then per op varint keep, skip, n and n bytes. `what`
** is TREC_PATCH_RETURN or 0 (VAR), plus TREC_PATCH_BACK (3.0) when `from`
** counts back through the chunk's values rather than naming a slot, plus
** TREC_PATCH_INT (4.0) when base and value are ints and an svarint, the
** difference, takes the place of n_ops and the ops. Only a chunk as
** stored holds them: trec_reader_read_chunk() gives whole values. */
#define TREC_PATCH_RETURN 0x01
#define TREC_PATCH_BACK   0x02
#define TREC_PATCH_INT    0x04

static inline void trec_payload_key(struct trec_buf *b, enum trec_pkind k,
                                    uint32_t slot){
  trec_buf_put_varint(b, ((uint64_t)slot << 2) | (unsigned)k);
}

struct trec_entry {
  enum trec_pkind kind;
  uint32_t slot;
  const unsigned char *value;   /* Borrowed: the encoded value (PATCH: its
                                   ops) */
  const unsigned char *value_end;
  /* PATCH only: what it gives (VAR of slot, or RETURN), the value it
  ** starts from (back: from counts back through the chunk's values) and
  ** its number of ops, or (is_int) value holds the svarint difference to
  ** the base (doc/FORMAT.md 6) */
  enum trec_pkind what;
  int back, is_int;
  uint64_t from, n_ops;
};

/*! trec_payload_next() : read the entry at *p and advance *p past it.
 *  @return TREC_OK, TREC_ERR_NOTFOUND at the end (*p == end), or
 *  TREC_ERR_CORRUPT. */
int trec_payload_next(const unsigned char **p, const unsigned char *end,
                      struct trec_entry *e);

/*-************************************
*  Metadata rows
**************************************/
/* Code object flags kept from co_flags (the CPython CO_* values). */
#define TREC_CO_OPTIMIZED   0x0001   /* fast locals: a function */
#define TREC_CO_VARARGS     0x0004
#define TREC_CO_VARKEYWORDS 0x0008
#define TREC_CO_GENERATOR   0x0020
#define TREC_CO_COROUTINE   0x0080
#define TREC_CO_ASYNC_GEN   0x0200

struct trec_code {
  uint32_t id;              /* > 0 */
  uint32_t file;            /* files.file_id */
  const char *name;         /* co_name */
  const char *qualname;     /* co_qualname (3.11+) or built by the recorder */
  int32_t firstlineno;
  uint32_t flags;           /* co_flags */
  uint32_t n_args;          /* argcount + kwonly + (*args) + (**kwargs) */
  uint32_t n_names;
  const char *const *names; /* slot -> variable name: localsplus names for
                               functions, co_names for module and class code */
};

struct trec_file {
  uint32_t id;              /* > 0 */
  const char *path;         /* as the code object names it (co_filename) */
  const char *hash;         /* "xxh32:%08x" of the source bytes, or "" */
  int64_t size;             /* source bytes, -1 if the source was unavailable */
};

struct trec_thread {
  uint32_t id;              /* > 0, in order of first event */
  uint64_t ident;           /* threading.get_ident() */
  uint64_t native_id;       /* threading.get_native_id() */
  const char *name;         /* threading name */
  uint64_t first_seq, last_seq, n_events;  /* 0 until known */
};

/*-************************************
*  Writer
**************************************/
typedef struct trec_writer trec_writer;
typedef struct trec_stream trec_stream;

enum trec_codec { TREC_CODEC_RAW = 0, TREC_CODEC_LZ4 = 1, TREC_CODEC_LZ4HC = 2 };

struct trec_writer_options {
  const char *path;         /* the trace to create; an existing file of that
                               name is replaced */
  int codec;                /* enum trec_codec; note 0 is TREC_CODEC_RAW,
                               so set TREC_CODEC_LZ4 for the usual choice */
  int level;                /* LZ4HC level, default 9 */
  uint32_t chunk_events;    /* events per chunk, default 16384, at most
                               2^20 */
  uint32_t flush_ms;        /* commit buffered events at least this often,
                               default 250 */
  uint64_t max_buffered;    /* bytes of events waiting for the writer thread
                               before appenders block (back-pressure),
                               default 64 MiB */
};

/*! trec_writer_open() : create a new trace at opt->path (replacing a file of
 *  that name), write the schema and start the writer thread. The file is
 *  marked status=recording until trec_writer_close() marks it complete.
 *  @return TREC_OK; on failure *out is still set (unless NULL on OOM) for
 *  trec_writer_errmsg(), and must be closed. */
int trec_writer_open(const struct trec_writer_options *opt, trec_writer **out);
const char *trec_writer_errmsg(trec_writer *w);

/*! Metadata. All copy their arguments; they may be called from any thread
 *  that holds no stream lock, at any time before close, and are committed in
 *  order with the events (a code row is committed no later than the first
 *  chunk that uses it). Text values are UTF-8. */
int trec_writer_set_meta(trec_writer *w, const char *key, const char *value);
int trec_writer_set_meta_int(trec_writer *w, const char *key, int64_t value);
int trec_writer_add_file(trec_writer *w, uint32_t file_id, const char *path,
                         const void *source, int64_t source_len);  /* -1: unavailable */
int trec_writer_add_code(trec_writer *w, const struct trec_code *code);
int trec_writer_add_thread(trec_writer *w, const struct trec_thread *t);
int trec_writer_set_thread_name(trec_writer *w, uint32_t thread_id,
                                const char *name);

/*! trec_writer_stream() : the append stream of one thread. A stream is used
 *  by one thread at a time (the recorder holds the GIL). Borrowed: the
 *  writer owns it until trec_stream_close() or trec_writer_close(). */
int trec_writer_stream(trec_writer *w, uint32_t thread_id, trec_stream **out);

/*! trec_stream_append() : hand one event to the writer. Copies the event and its
 *  payload into the stream's buffer; when the buffer is full (chunk_events)
 *  it goes to the writer thread, which encodes, compresses and commits it.
 *  Blocks while more than max_buffered bytes wait (back-pressure). Events of
 *  one stream must come in increasing seq (else TREC_ERR_INVALID, not
 *  sticky), and a payload must not exceed 512 MiB (TREC_ERR_LIMIT).
 *  ev->depth is ignored, and so is ev->thread: the stream's thread is
 *  used.
 *  @return TREC_OK, or a sticky error of the writer (recording must stop). */
int trec_stream_append(trec_stream *s, const struct trec_event *ev);

/*! trec_stream_put() : trec_stream_append() without its checks of the
 *  event, for a caller that builds every event right by construction (the
 *  recorder: kind, frame, code, offset and entry ends are its own, and its
 *  seq only grows): they were a sixth of the append's cost. An event that
 *  would fail them makes a damaged chunk. */
int trec_stream_put(trec_stream *s, const struct trec_event *ev);

/*! trec_stream_flush() : hand the buffered events to the writer thread now. */
int trec_stream_flush(trec_stream *s);

/*! trec_stream_resync() : the recorder's stack of this thread is down to
 *  its `keep` outermost frames without the return events that would say so
 *  (frames that ended while the program had switched tracing off). The
 *  events given so far go to the writer thread, and the chunk of the next
 *  event starts from the stack cut to those frames (doc/FORMAT.md 4.1).
 *  @return TREC_OK, or a sticky error of the writer. */
int trec_stream_resync(trec_stream *s, size_t keep);

/*! trec_stream_close() : the thread of stream s has ended. Its buffered
 *  events go to the writer thread, which writes them, then the thread's
 *  counts (threads table), and frees the stream with its buffer and shadow
 *  stack: a program that starts threads all along holds the memory of
 *  those alive, not of every one it ran. s must not be used again, nor its
 *  thread_id given to trec_writer_stream(). Accepts NULL.
 *  @return TREC_OK, or a sticky error of the writer (s is freed either
 *  way). */
int trec_stream_close(trec_stream *s);

struct trec_close_info {
  int64_t exit_status;      /* the program's exit status */
  int signal;               /* signal that ended it, 0 if none */
  const char *error;        /* why recording stopped early, or NULL */
};

/*! trec_writer_close() : close every stream (no appends may run
 *  concurrently), wait for the writer thread, write the closing metadata
 *  (status=complete, end time, counts) and leave a single-file database (no
 *  -wal beside it). Accepts NULL. @return the first error seen over the
 *  writer's life, or TREC_OK. */
int trec_writer_close(trec_writer *w, const struct trec_close_info *ci);

/*! trec_writer_park() : end the writer thread, leaving its work queued, so
 *  that a fork() finds the process with no thread of tracerec's (Python
 *  3.12+ warns of a fork in a process with threads, counting the system's).
 *  Appends meanwhile are queued and never wait for room.
 *  trec_writer_unpark() starts the thread again (so do the next full
 *  buffer and close). Both
 *  accept NULL. @return TREC_OK, or the writer's sticky error. */
int trec_writer_park(trec_writer *w);
int trec_writer_unpark(trec_writer *w);

/*! trec_writer_abandon() : in a forked child: forget the writer without
 *  touching its SQLite handle or thread (neither belongs to the child).
 *  The parent's trace is left intact. Accepts NULL. */
void trec_writer_abandon(trec_writer *w);

/*-************************************
*  Reader
**************************************/
typedef struct trec_reader trec_reader;

/* One row of the chunk index, loaded into memory at open. */
struct trec_chunk_info {
  int64_t chunk_id;         /* chunks.chunk_id */
  uint32_t thread;
  uint32_t n_events;
  uint64_t first_seq, last_seq;
  int64_t first_ts, last_ts;     /* TREC_NO_TS if none */
  uint32_t min_depth, max_depth; /* over the chunk's events */
  uint32_t start_depth;          /* stack depth at the keyframe */
  uint32_t n_kind[TREC_N_KINDS]; /* events of each kind */
  uint32_t n_patch;              /* PATCH entries in its payloads */
};

enum trec_reader_flags {
  TREC_READER_TRUSTED = 1 << 0  /* skip nothing: reserved */
};

/*! trec_reader_open() : open a trace read-only, check its format version,
 *  and load the chunk index, code, files and threads into memory. A trace
 *  still being recorded (or cut off by a crash) opens; it reports
 *  trec_reader_complete() == 0 and holds every committed chunk; so does a
 *  trace whose recording an error stopped early (meta "error" says why).
 *  @return TREC_OK, TREC_ERR_IO (missing/unreadable), TREC_ERR_NOTTRACE,
 *  TREC_ERR_VERSION (newer major), TREC_ERR_CORRUPT. As with the writer,
 *  *out is set for the error message and must be closed. */
int trec_reader_open(const char *path, unsigned flags, trec_reader **out);
void trec_reader_close(trec_reader *r);
const char *trec_reader_errmsg(trec_reader *r);

/*! trec_reader_db() : the SQLite handle (Borrowed), for plain-table queries. */
struct sqlite3 *trec_reader_db(trec_reader *r);

/*! trec_reader_meta() : a meta value as text, NULL if absent (Borrowed). */
const char *trec_reader_meta(trec_reader *r, const char *key);
int trec_reader_complete(trec_reader *r);        /* 1 complete, 0 truncated */
/*! trec_reader_stop_error() : why an error stopped the recording early
 *  (meta "error", Borrowed), or NULL when none did. */
const char *trec_reader_stop_error(trec_reader *r);
uint64_t trec_reader_n_events(trec_reader *r);
uint64_t trec_reader_first_seq(trec_reader *r);  /* 0 when empty */
uint64_t trec_reader_last_seq(trec_reader *r);

size_t trec_reader_n_chunks(trec_reader *r);
/* Chunks in order of first_seq (Borrowed). */
const struct trec_chunk_info *trec_reader_chunk(trec_reader *r, size_t i);
/*! trec_reader_find_chunk() : index of the chunk holding seq (of any thread).
 *  @return TREC_OK or TREC_ERR_NOTFOUND. Needs to decode at most one chunk
 *  per thread whose range spans seq. */
int trec_reader_find_chunk(trec_reader *r, uint64_t seq, size_t *index);

const struct trec_code *trec_reader_code(trec_reader *r, uint32_t id);  /* NULL if none */
uint32_t trec_reader_max_code_id(trec_reader *r);
const struct trec_file *trec_reader_file(trec_reader *r, uint32_t id);
uint32_t trec_reader_max_file_id(trec_reader *r);
/*! trec_reader_file_source() : the source as it was when recorded, into out
 *  (replacing its contents). TREC_ERR_NOTFOUND if it was not stored. */
int trec_reader_file_source(trec_reader *r, uint32_t id, struct trec_buf *out);
size_t trec_reader_n_threads(trec_reader *r);
const struct trec_thread *trec_reader_thread(trec_reader *r, size_t i);
const struct trec_thread *trec_reader_thread_by_id(trec_reader *r, uint32_t id);

/*! trec_reader_code_chunks() : from the trace's postings (the chunk_code
 *  table, format 1.1), add to counts[i] the number of events of code object
 *  `code` in chunk i (chunk index order), for every chunk. counts must have
 *  trec_reader_n_chunks() entries; chunks where the code did not run are
 *  left alone, so calling it for several codes sums them.
 *  @return TREC_OK; TREC_ERR_NOTFOUND when the trace has no postings (then
 *  the caller must decode the chunks to know); TREC_ERR_CORRUPT when a
 *  count exceeds its chunk's events; TREC_ERR_SQLITE. */
int trec_reader_code_chunks(trec_reader *r, uint32_t code, uint32_t *counts);
/*! trec_reader_has_postings() : 1 if trec_reader_code_chunks() can answer. */
int trec_reader_has_postings(trec_reader *r);

/*-************************************
*  Decoded chunks and keyframes
**************************************/
/* A chunk decoded to columns. Owned by the caller: trec_chunk_init() before
** first use, trec_chunk_release() after the last; one struct can be reused
** for many chunks (its arrays grow). Arrays have n entries. */
struct trec_chunk {
  size_t index;             /* position in the reader's chunk index */
  uint32_t thread;
  size_t n;
  uint64_t *seq;
  uint64_t *frame;
  int64_t *ts;
  uint32_t *code;
  int32_t *line;
  int32_t *offset;
  int32_t *caller_line;     /* valid where kind is TREC_CALL only */
  uint32_t *depth;
  uint8_t *kind;
  uint32_t *payload_off;    /* into payload */
  uint32_t *payload_len;
  const unsigned char *payload;   /* Borrowed from raw, or from resolved */
  struct trec_buf raw;      /* Owned: the decompressed chunk */
  struct trec_buf resolved; /* Owned: payloads with PATCH entries resolved */
  size_t cap;
  unsigned skipped;         /* enum trec_decode_flags of the columns left
                               undecoded (their arrays hold stale data) */
};

/* Columns a scan may leave undecoded (trec_reader_read_chunk_ex()): a
** filter on kind, code, frame, line or depth needs none of them, and
** skipping them halves the decoder's work on a loop-heavy trace. */
enum trec_decode_flags {
  TREC_DECODE_NO_TS      = 1 << 0,  /* ts and offset */
  TREC_DECODE_NO_PAYLOAD = 1 << 1,  /* payload_off, payload_len, payload */
  /* not a column: the chunk is of a format before 4.0, whose header has no
  ** ts_shift (the reader sets it from the file's version) */
  TREC_DECODE_PRE4       = 1 << 2
};

void trec_chunk_init(struct trec_chunk *c);
void trec_chunk_release(struct trec_chunk *c);

/*! trec_reader_read_chunk() : decompress and decode chunk i into c.
 *  @return TREC_OK, TREC_ERR_RANGE, TREC_ERR_CORRUPT, TREC_ERR_CODEC. */
int trec_reader_read_chunk(trec_reader *r, size_t i, struct trec_chunk *c);

/*! trec_reader_read_chunk_ex() : the same, decoding only some columns:
 *  flags are enum trec_decode_flags; c->skipped says which were left out,
 *  and trec_chunk_event() then reports no ts, no offset, no payload. The
 *  skipped columns are not checked either. */
int trec_reader_read_chunk_ex(trec_reader *r, size_t i, unsigned flags,
                              struct trec_chunk *c);

/*! trec_chunk_event() : event j of a decoded chunk (payload Borrowed from c). */
void trec_chunk_event(const struct trec_chunk *c, size_t j,
                      struct trec_event *ev);

/*! trec_chunk_find_seq() : index of the event with this seq, or -1. */
ptrdiff_t trec_chunk_find_seq(const struct trec_chunk *c, uint64_t seq);

/* The state of one thread's stack just before a chunk's first event: every
** frame, outermost first, with every recorded variable's current value. */
struct trec_kframe {
  uint64_t frame;
  uint32_t code;
  int32_t line;
  const unsigned char *values;   /* payload-format entries (Borrowed) */
  uint32_t values_len;
};
struct trec_keyframe {
  size_t n;
  struct trec_kframe *frames;    /* Owned */
  struct trec_buf raw;           /* Owned */
  size_t cap;
};
void trec_keyframe_init(struct trec_keyframe *k);
void trec_keyframe_release(struct trec_keyframe *k);
int trec_reader_read_keyframe(trec_reader *r, size_t i, struct trec_keyframe *k);

/*-************************************
*  Low level: chunk codec (chunk.c), used by writer, reader, tests, fuzzers
**************************************/
/* The stack skeleton a chunk starts from (frame, code, line per frame,
** outermost first) and the frame counter state; see doc/FORMAT.md. */
struct trec_stack_entry { uint64_t frame; uint32_t code; int32_t line; };

/*! trec_chunk_encode() : encode n events of one thread (increasing seq) as a
 *  raw chunk appended to out. start/n_start is the stack before the first
 *  event. @return TREC_OK, TREC_ERR_INVALID, TREC_ERR_NOMEM. */
int trec_chunk_encode(const struct trec_event *ev, size_t n,
                      const struct trec_stack_entry *start, size_t n_start,
                      struct trec_buf *out);

/*! trec_chunk_decode() : decode a raw chunk (borrowing `raw`, which must
 *  outlive c's use) into c. @return TREC_OK or TREC_ERR_CORRUPT. */
int trec_chunk_decode(const unsigned char *raw, size_t len,
                      struct trec_chunk *c);
/*! trec_chunk_decode_ex() : the same, leaving out the columns named by
 *  flags (enum trec_decode_flags). */
int trec_chunk_decode_ex(const unsigned char *raw, size_t len, unsigned flags,
                         struct trec_chunk *c);

/*! trec_block_compress() / trec_block_decompress() : one block with the
 *  given codec. decompress checks that exactly raw_len bytes come out.
 *  Results replace the contents of out. */
int trec_block_compress(int codec, int level, const void *src, size_t len,
                        struct trec_buf *out);
int trec_block_decompress(int codec, const void *src, size_t len,
                          size_t raw_len, struct trec_buf *out);

/*! trec_xxh32() : XXH32 of a byte range (seed 0): the chunk checksum. */
uint32_t trec_xxh32(const void *p, size_t len, uint32_t seed);

#endif /* TREC_TRACE_H */
