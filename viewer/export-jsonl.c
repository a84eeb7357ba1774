/*
** export-jsonl.c: `tracerec export --format jsonl`: one JSON object per
** event in global seq order, with its variables' changed values, the return
** value or the exception rendered as Python's repr() would show them. Meant
** for jq, pandas and other tools; doc/VIEWER.md lists the fields.
*/
#include "config.h"
#include <stdlib.h>
#include "viewer/view_int.h"

/* Append the payload's entries as "values":{...},"return":..,"exception":.. */
static int jsonl_payload(trec_reader *r, const struct trec_event *ev,
                         size_t max_len, struct trec_buf *b){
  const unsigned char *p = ev->payload, *end = ev->payload + ev->payload_len;
  struct trec_entry e;
  int n_vars = 0, rc;
  if( ev->payload==NULL ) return TREC_OK;
  while( (rc = trec_payload_next(&p, end, &e))==TREC_OK ){
    if( e.kind==TREC_PK_VAR ){
      const char *name = view_slot_name(r, ev->code, e.slot);
      trec_buf_puts(b, n_vars++ ? "," : ",\"values\":{");
      if( name ) view_json_cstr(b, name);
      else trec_buf_printf(b, "\"#%u\"", e.slot);
      trec_buf_put_u8(b, ':');
    }else{
      if( n_vars ){ trec_buf_put_u8(b, '}'); n_vars = 0; }
      trec_buf_puts(b, e.kind==TREC_PK_RETURN ? ",\"return\":" : ",\"exception\":");
    }
    rc = view_json_repr(b, e.value, e.value_end, max_len);
    if( rc!=TREC_OK ) return rc;
  }
  if( n_vars ) trec_buf_put_u8(b, '}');
  return rc==TREC_ERR_NOTFOUND ? TREC_OK : rc;
}

/* Per thread, the kind of the latest event of the frame at each depth. */
struct thread_kinds { uint32_t thread; struct trec_buf kind; };
struct kinds { struct thread_kinds *t; size_t n, last; };

/* The kind of the latest event of the frame at ev's depth on ev's thread,
** which then becomes ev's. A return whose frame's latest event was an
** exception is that exception escaping, as the calls table's `raised`
** says. Threads are looked up from the last one used: events come in runs
** of one thread. @return that kind, -1 if none, or -2 when out of memory. */
static int last_kind(struct kinds *ks, const struct trec_event *ev){
  struct trec_buf *b;
  size_t i = ks->last;
  int was = -1;
  if( i>=ks->n || ks->t[i].thread!=ev->thread ){
    for(i=0; i<ks->n && ks->t[i].thread!=ev->thread; i++){}
    if( i==ks->n ){
      struct thread_kinds *t = realloc(ks->t, (ks->n + 1) * sizeof *t);
      if( t==NULL ) return -2;
      ks->t = t;
      t[i].thread = ev->thread;
      trec_buf_init(&t[i].kind);
      ks->n++;
    }
    ks->last = i;
  }
  b = &ks->t[i].kind;
  while( b->len<=ev->depth && !b->oom ) trec_buf_put_u8(b, 0xff);
  if( b->oom ) return -2;
  if( b->data[ev->depth]!=0xff && ev->kind!=TREC_CALL ) was = b->data[ev->depth];
  b->data[ev->depth] = ev->kind;
  return was;
}

int view_export_jsonl(trec_reader *r, size_t max_len, FILE *out,
                      struct trec_buf *msg){
  struct view_evstream s;
  struct trec_buf b = TREC_BUF_INIT;
  struct kinds ks = { NULL, 0, 0 };
  struct trec_event ev;
  int rc = view_evstream_open(&s, r, 0, 0);
  if( rc!=TREC_OK ) goto out;
  while( (rc = view_evstream_next(&s, &ev))==TREC_OK ){
    const struct trec_code *co = trec_reader_code(r, ev.code);
    const struct trec_file *fi = co ? trec_reader_file(r, co->file) : NULL;
    trec_buf_printf(&b, "{\"seq\":%llu,\"kind\":\"%s\",\"thread\":%u,"
                    "\"frame\":%llu,\"depth\":%u,\"ts\":",
                    (unsigned long long)ev.seq,
                    trec_kind_name(ev.kind) ? trec_kind_name(ev.kind) : "?",
                    ev.thread, (unsigned long long)ev.frame, ev.depth);
    if( ev.ts==TREC_NO_TS ) trec_buf_puts(&b, "null");
    else trec_buf_printf(&b, "%lld", (long long)ev.ts);
    trec_buf_puts(&b, ",\"file\":");
    view_json_cstr(&b, fi ? fi->path : NULL);
    trec_buf_puts(&b, ",\"function\":");
    view_json_cstr(&b, co ? co->qualname : NULL);
    trec_buf_printf(&b, ",\"code\":%u,\"line\":%d", ev.code, ev.line);
    if( ev.offset!=TREC_NO_OFFSET ) trec_buf_printf(&b, ",\"offset\":%d", ev.offset);
    if( ev.caller_line ) trec_buf_printf(&b, ",\"caller_line\":%d", ev.caller_line);
    int was = last_kind(&ks, &ev);
    if( was==-2 ){
      rc = TREC_ERR_NOMEM;
      trec_buf_printf(msg, "out of memory");
      goto out;
    }
    if( ev.kind==TREC_RETURN && was==TREC_EXCEPTION ) trec_buf_puts(&b, ",\"raised\":true");
    rc = jsonl_payload(r, &ev, max_len, &b);
    if( rc!=TREC_OK ){
      trec_buf_printf(msg, "event %llu: bad payload: %s",
                      (unsigned long long)ev.seq, trec_strerror(rc));
      goto out;
    }
    trec_buf_puts(&b, "}\n");
    if( b.len>=65536 && (rc = view_flush(&b, out))!=TREC_OK ) goto write_failed;
  }
  if( rc!=TREC_ERR_NOTFOUND ){
    trec_buf_printf(msg, "%s", trec_reader_errmsg(r));
    goto out;
  }
  if( (rc = view_flush(&b, out))!=TREC_OK ) goto write_failed;
  if( fflush(out)!=0 ){ rc = TREC_ERR_IO; goto write_failed; }
  goto out;
write_failed:
  trec_buf_printf(msg, "cannot write the export: %s", trec_strerror(rc));
out:
  view_evstream_close(&s);
  trec_buf_release(&b);
  for(size_t i=0; i<ks.n; i++) trec_buf_release(&ks.t[i].kind);
  free(ks.t);
  return rc;
}
