/*
** view_int.h: what the files of viewer/ share and nobody else sees: the
** seq-ordered event stream over all threads, and the JSON text helpers the
** exporters stream with (the exports are written by hand, not through a JSON
** DOM, so that memory stays independent of the trace's size).
*/
#ifndef TREC_VIEW_INT_H
#define TREC_VIEW_INT_H

#include <stdio.h>
#include "schema/trace.h"

/* Events of every thread in increasing seq, from a k-way merge that holds at
** most one decoded chunk per thread: memory grows with threads, not events. */
struct view_evslot {
  uint32_t thread;
  int active;               /* c holds events not yet returned */
  size_t pos;               /* next event of c */
  struct trec_chunk c;      /* Owned */
  struct trec_buf kind;     /* Owned: per depth, the kind of the latest
                               event of the frame there (0xff: none) */
};
struct view_evstream {
  trec_reader *r;           /* Borrowed */
  uint64_t from, to;        /* inclusive seq range */
  size_t next;              /* next chunk of the index to load */
  size_t n_slots;
  struct view_evslot *slots;  /* Owned, one per thread */
  int raised;               /* the event view_evstream_next() gave last is
                               a return by which an exception escaped: its
                               frame's latest event was an exception event
                               (the calls table's `raised`) */
};

/*! view_evstream_open() : position on the first event with seq >= from;
 *  to = 0 means "to the end". Always view_evstream_close() afterwards. */
int view_evstream_open(struct view_evstream *s, trec_reader *r,
                       uint64_t from, uint64_t to);
/*! view_evstream_next() : the next event (payload Borrowed until the next
 *  call). @return TREC_OK, TREC_ERR_NOTFOUND at the end, or a reader error
 *  (the reader's errmsg says more). */
int view_evstream_next(struct view_evstream *s, struct trec_event *ev);
void view_evstream_close(struct view_evstream *s);

/* JSON text. Strings are escaped per RFC 8259; bytes that are not valid
** UTF-8 become U+FFFD so the output always parses. */
void view_json_str(struct trec_buf *b, const char *s, size_t n);
void view_json_cstr(struct trec_buf *b, const char *s);
/* ts in ns -> a JSON number of microseconds with three decimals */
void view_json_us(struct trec_buf *b, int64_t ns);

/* jansson strings from trace text: invalid UTF-8 becomes U+FFFD and NUL a
** space, because jansson refuses both (NULL only when out of memory). */
typedef struct json_t json_t;
json_t *view_json_string(const char *s, size_t n);
/* The repr of an encoded value as a jansson string. */
json_t *view_json_render(const unsigned char *p, const unsigned char *end,
                         size_t max_len);
/* The value as a tree for the page: values.c. */
json_t *view_json_value(const unsigned char *p, const unsigned char *end);

/*! view_timeline() : the flame chart window [from, to] (0: the end) at px
 *  pixels wide, as described in timeline.c and doc/VIEWER.md; summary
 *  forces the chunk-index answer even for a small window. */
int view_timeline(trec_reader *r, uint64_t from, uint64_t to, unsigned px,
                  int summary, json_t **out, struct trec_buf *msg);

/* The name of a code object's variable slot, or NULL. */
const char *view_slot_name(trec_reader *r, uint32_t code, uint32_t slot);

/* Render one encoded value as JSON string text (repr, cut at max_len). */
int view_json_repr(struct trec_buf *b, const unsigned char *p,
                   const unsigned char *end, size_t max_len);

/* Write b to f and empty it. @return TREC_OK or TREC_ERR_IO. */
int view_flush(struct trec_buf *b, FILE *f);

/* The exporters behind trec_export(); msg receives the reason of a failure. */
int view_export_chrome(trec_reader *r, size_t max_len, FILE *out,
                       struct trec_buf *msg);
int view_export_jsonl(trec_reader *r, size_t max_len, FILE *out,
                      struct trec_buf *msg);

/* The JSON API of the web viewer (api.c), independent of the HTTP library:
** server.c passes the path after /api/ and a way to read query arguments. */
struct view_api;
int view_api_new(trec_reader *r, struct view_api **out, struct trec_buf *msg);
void view_api_free(struct view_api *a);
typedef const char *view_arg_fn(void *ctx, const char *key);
/*! view_api_handle() : answer one request. *body (malloc'd, caller frees)
 *  receives the JSON text, NULL only when out of memory.
 *  @return the HTTP status. */
int view_api_handle(struct view_api *a, const char *name, int post,
                    view_arg_fn *arg, void *ctx, char **body, size_t *len);

#endif
