/*
** view.h: the viewer library, libtrecview: the exporters (Chrome Trace
** Event JSON for Perfetto and chrome://tracing, JSON lines) and the local
** web viewer (an HTTP server on 127.0.0.1 serving the built-in page and a
** JSON API, doc/VIEWER.md). Like the other libraries it never prints and
** never exits: functions return a TREC_* status and leave a message.
*/
#ifndef TREC_VIEW_H
#define TREC_VIEW_H

#include <stdint.h>
#include <stdio.h>
#include "schema/trace.h"

/*-************************************
*  Export
**************************************/
enum trec_export_format {
  TREC_EXPORT_CHROME = 0,   /* {"traceEvents":[...]}: one X event per call */
  TREC_EXPORT_JSONL  = 1    /* one JSON object per event, in seq order */
};

/*! trec_export_format_parse() : "chrome" or "jsonl" -> the enum, or -1. */
int trec_export_format_parse(const char *name);

struct trec_export_options {
  int format;               /* enum trec_export_format */
  size_t max_value_len;     /* cut rendered values at about this many bytes;
                               0 means 200 */
};

/*! trec_export() : write the whole trace to out in the given format. The
 *  events are streamed: memory depends on the number of threads and the
 *  call depth, not on the number of events.
 *  Chrome: a complete ("X") event per call activation, emitted when it
 *  returns (ts = call time, dur to the return), named by qualname, with
 *  args {file, line, seq, end_seq, args: {name: repr}, return: repr,
 *  exception: repr if one passed through the frame}; an instant event per
 *  exception; process_name and thread_name metadata. Calls still open at
 *  the end (a truncated trace) end at their thread's last event and carry
 *  args.unfinished = true. Without timestamps, seq stands in for time.
 *  @return TREC_OK, a reader error, or TREC_ERR_IO when writing failed;
 *  *msg (caller's buffer, replaced) then says why. */
int trec_export(trec_reader *r, const struct trec_export_options *opt,
                FILE *out, struct trec_buf *msg);

/*-************************************
*  Web viewer
**************************************/
typedef struct trec_view trec_view;

struct trec_view_options {
  const char *trace;        /* path of the trace to open */
  uint16_t port;            /* 0: a free port chosen by the kernel */
};

/*! trec_view_open() : open the trace and a replay session over it, and start
 *  serving on 127.0.0.1 (only) from a thread of the server's own. Requests
 *  are served one at a time. Every request must carry the per-run token
 *  (query ?token= or header X-Trec-Token), 32 hex digits from /dev/urandom,
 *  or gets 403.
 *  @return TREC_OK; on failure *out is still set (unless NULL on OOM) for
 *  trec_view_errmsg() and must be closed. The rc of opening the trace is
 *  returned as is (TREC_ERR_IO, TREC_ERR_NOTTRACE, ...). */
int trec_view_open(const struct trec_view_options *opt, trec_view **out);
const char *trec_view_errmsg(trec_view *v);

/*! trec_view_url() : http://127.0.0.1:PORT/?token=... (Borrowed). */
const char *trec_view_url(trec_view *v);
uint16_t trec_view_port(trec_view *v);

/*! trec_view_close() : stop serving and free everything. Accepts NULL. */
void trec_view_close(trec_view *v);

#endif
