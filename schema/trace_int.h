/*
** trace_int.h: what the writer, the reader and the chunk codec share but
** nobody outside schema/ should use: the bits of the chunk kind byte, the
** encoder's reusable scratch state and the statistics it gathers for the
** chunk index, the keyframe codec, and size limits that keep a corrupt
** length from turning into a huge allocation.
**
** On-disk layout in one paragraph (doc/FORMAT.md sections 4-5 are the
** authority): a raw chunk is a header of varints (n events, first seq,
** thread, base ts, frame counter, start stack) followed by eight columns,
** each prefixed by its byte length: kind bytes, seq gaps, line deltas,
** explicit code+frame pairs, ts deltas, opcode offsets, payload lengths,
** payload bytes. A raw keyframe is n frames, each (frame, code, line,
** values length, values). Both are stored as one block of their row's codec.
*/
#ifndef TREC_TRACE_INT_H
#define TREC_TRACE_INT_H

#include "trace.h"

/* The kind byte of one event: low 3 bits the kind, then which optional
** columns hold an entry for this event. */
#define TREC_KB_KIND    0x07
/* Kind value 5 (7.0): a call whose line column entry is preceded by one for
** its caller_line, a delta from the line of the stack's top entry. */
#define TREC_KB_CALL_AT 5
#define TREC_KB_FRAME   0x08   /* code + frame column entry (explicit frame) */
#define TREC_KB_PAYLOAD 0x10   /* payload length entry (payload_len > 0) */
#define TREC_KB_TS      0x20   /* ts delta entry */
#define TREC_KB_OFFSET  0x40   /* opcode offset entry */
#define TREC_KB_SEQGAP  0x80   /* seq gap entry (seq != previous seq + 1) */

#define TREC_N_COLUMNS 8
enum { TREC_COL_KIND, TREC_COL_SEQ, TREC_COL_LINE, TREC_COL_FRAME, TREC_COL_TS,
       TREC_COL_OFFSET, TREC_COL_PAYLEN, TREC_COL_PAYLOAD };

/* A stored block never inflates beyond this: bigger raw_len is corrupt. */
#define TREC_MAX_RAW_LEN ((size_t)1 << 30)

/* Facts about an encoded chunk that go into its chunks row. */
struct trec_chunk_stats {
  uint64_t first_seq, last_seq;
  int64_t first_ts, last_ts;        /* TREC_NO_TS if no event has one */
  uint32_t min_depth, max_depth, start_depth;
  uint32_t n_kind[TREC_N_KINDS];
};

/* Events of one code object in a chunk: a row of the chunk_code postings. */
struct trec_code_count { uint32_t code, n; };

/* Reusable encoder scratch (columns and the stack); _init zeroes it,
** _release frees it. Lets the writer thread encode without allocating. */
struct trec_chunk_enc {
  struct trec_buf col[TREC_N_COLUMNS];
  struct trec_stack_entry *stack;   /* Owned */
  size_t stack_cap;
  /* After an encode: events per code object of that chunk, in order of
  ** first appearance (the writer's chunk_code rows). */
  struct trec_code_count *codes;    /* Owned */
  size_t n_codes, codes_cap;
  uint32_t *code_slot;              /* Owned: hash of codes, index+1, 0 empty */
  size_t slot_cap;                  /* a power of two, > 2*n_codes */
};
void trec_chunk_enc_init(struct trec_chunk_enc *e);
void trec_chunk_enc_release(struct trec_chunk_enc *e);

/*! trec_chunk_encode_ex() : trec_chunk_encode() with reusable scratch and
 *  the chunk's statistics (st may be NULL). */
int trec_chunk_encode_ex(struct trec_chunk_enc *e, const struct trec_event *ev,
                         size_t n, const struct trec_stack_entry *start,
                         size_t n_start, struct trec_buf *out,
                         struct trec_chunk_stats *st);

/*! trec_keyframe_decode() : parse a raw keyframe (borrowing raw, which must
 *  stay in place while k is used) and check every frame's values.
 *  @return TREC_OK or TREC_ERR_CORRUPT. */
int trec_keyframe_decode(const unsigned char *raw, size_t len,
                         struct trec_keyframe *k);

/*! trec_payload_check() : TREC_OK if [p,end) is a well-formed sequence of
 *  payload entries, else TREC_ERR_CORRUPT. */
int trec_payload_check(const unsigned char *p, const unsigned char *end);

/* Values shorter than this are stored whole: a patch saves too little. */
#define TREC_PATCH_MIN 24

/* patch.c. trec_patch_entry() : append a PATCH entry giving value v (what:
** TREC_PATCH_RETURN or 0 for a VAR, plus TREC_PATCH_BACK) as a change of
** old (old_len bytes; NULL: none; what and from say where readers find
** it, FORMAT.md 6) when that is worth it; scratch is working space.
** @return 1 if it wrote one, 0 if it wrote nothing. */
int trec_patch_entry(struct trec_buf *out, struct trec_buf *scratch,
                     unsigned what, uint32_t slot, uint64_t from,
                     const unsigned char *old, size_t old_len,
                     const unsigned char *v, size_t len);
/* trec_whole_int() : 1 and *out when v (len bytes) is exactly one
** TREC_V_INT value, else 0. */
static inline int trec_whole_int(const unsigned char *v, size_t len,
                                 int64_t *out){
  const unsigned char *q = v + 1, *end = v + len;
  return len>=2 && v[0]==TREC_V_INT && trec_get_svarint(&q, end, out)==0
         && q==end;
}

/* trec_patch_int() : append a PATCH entry giving VAR `slot` the int v as
** its difference to old, the variable's own previous int value (from 0),
** when the difference fits int64.
** @return 1 if it wrote one, 0 if it wrote nothing. */
int trec_patch_int(struct trec_buf *out, uint32_t slot, int64_t old, int64_t v);
/* trec_patch_resolve() : rewrite c's payloads (decoded) with whole values,
** into c->resolved, starting from k, the chunk's keyframe.
** @return TREC_OK, TREC_ERR_CORRUPT, TREC_ERR_NOMEM, TREC_ERR_LIMIT. */
int trec_patch_resolve(struct trec_chunk *c, const struct trec_keyframe *k);

/*! trec_block_decompress_prefix() : like trec_block_decompress() but an
 *  LZ4 block is decompressed only until at least `want` bytes (of raw_len)
 *  are out; out->len says how many. Other codecs and want >= raw_len give
 *  the whole block. */
int trec_block_decompress_prefix(int codec, const void *src, size_t len,
                                 size_t raw_len, size_t want, struct trec_buf *out);

/*! trec_chunk_scan_len() : given the first avail bytes of a raw chunk, the
 *  length of its prefix that holds the header and the kind, seq, line and
 *  frame columns (all a decode with TREC_DECODE_NO_TS|NO_PAYLOAD reads),
 *  possibly more than avail; 0 when avail is too short to tell. flags:
 *  TREC_DECODE_PRE4 for a chunk of a format before 4.0. */
size_t trec_chunk_scan_len(const unsigned char *raw, size_t avail, unsigned flags);

/*! trec_chunk_decompress_scan() : decompress at least the scan prefix
 *  (trec_chunk_scan_len()) of a stored chunk, starting from `guess` bytes
 *  and decompressing more while the prefix turns out longer; out then
 *  holds a prefix of the raw chunk, or all of it. */
int trec_chunk_decompress_scan(int codec, const void *src, size_t len,
                               size_t raw_len, size_t guess, unsigned flags,
                               struct trec_buf *out);

/*! trec_codec_name() : "raw", "lz4", "lz4hc", or NULL. */
const char *trec_codec_name(int codec);

#endif /* TREC_TRACE_INT_H */
