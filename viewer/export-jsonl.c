/*
** export-jsonl.c: `tracerec export --format jsonl`: one JSON object per
** event in global seq order, with its variables' changed values, the return
** value or the exception rendered as Python's repr() would show them. Meant
** for jq, pandas and other tools; doc/VIEWER.md lists the fields.
*/
#include "config.h"
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

int view_export_jsonl(trec_reader *r, size_t max_len, FILE *out,
                      struct trec_buf *msg){
  struct view_evstream s;
  struct trec_buf b = TREC_BUF_INIT;
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
    if( s.raised ) trec_buf_puts(&b, ",\"raised\":true");
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
    trec_buf_printf(msg, "%s", rc==TREC_ERR_NOMEM ? trec_strerror(rc)
                                                : trec_reader_errmsg(r));
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
  return rc;
}
