/*
** trec-dump: print a trace as JSON lines, through the reader library only,
** so that the recorder's end-to-end tests (tests/t02*) can compare what was
** recorded with what a sys.settrace reference observed.
**
**   trec-dump [--no-values | --raw] TRACE
**
** Lines, each one JSON object with a "type":
**   header  complete (0/1), n_events, n_chunks, meta {key: value}
**   thread  id, ident, name
**   code    id, file (path), name, qualname, firstlineno, flags, n_args, names
**   event   seq, thread, frame, kind, code, line, depth, ts (null if none),
**           offset (opcode events), caller_line (calls that have one),
**           vars: [{kind, slot, name, tag, value}]
**           with value = trec_value_render() text (TREC_RENDER_FIELDS),
**           and with --raw, raw = the value's encoding in hex
** Events come chunk by chunk (per thread, in seq order within a thread);
** sort by seq for the global order. Exit 0, or 1 with one line on stderr
** when the trace cannot be opened or a chunk cannot be decoded.
*/
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <jansson.h>
#include "trace.h"

static const char *tag_name(int tag){
  static const char *const names[] = {
    "none", "false", "true", "int", "bigint", "float", "str", "bytes",
    "tuple", "list", "set", "frozenset", "dict", "object", "ref", "trunc",
    "repr", "unbound", "redacted", "exc"
  };
  return tag>=0 && tag<=TREC_V_MAXTAG ? names[tag] : "?";
}

static void emit(json_t *obj){
  char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
  if( s ){
    puts(s);
    free(s);
  }
  json_decref(obj);
}

static json_t *meta_object(trec_reader *r){
  json_t *m = json_object();
  sqlite3_stmt *st = NULL;
  if( sqlite3_prepare_v2(trec_reader_db(r), "SELECT key, value FROM meta",
                         -1, &st, NULL)!=SQLITE_OK ) return m;
  while( sqlite3_step(st)==SQLITE_ROW ){
    const char *k = (const char *)sqlite3_column_text(st, 0);
    if( !k ) continue;
    switch( sqlite3_column_type(st, 1) ){
      case SQLITE_INTEGER:
        json_object_set_new(m, k, json_integer(sqlite3_column_int64(st, 1)));
        break;
      case SQLITE_NULL:
        json_object_set_new(m, k, json_null());
        break;
      default:{
        const char *v = (const char *)sqlite3_column_text(st, 1);
        json_object_set_new(m, k, json_string(v ? v : ""));
      }
    }
  }
  sqlite3_finalize(st);
  return m;
}

static void dump_tables(trec_reader *r){
  json_t *h = json_object();
  json_object_set_new(h, "type", json_string("header"));
  json_object_set_new(h, "complete", json_integer(trec_reader_complete(r)));
  json_object_set_new(h, "n_events", json_integer((json_int_t)trec_reader_n_events(r)));
  json_object_set_new(h, "n_chunks", json_integer((json_int_t)trec_reader_n_chunks(r)));
  json_object_set_new(h, "meta", meta_object(r));
  emit(h);
  for(size_t i=0; i<trec_reader_n_threads(r); i++){
    const struct trec_thread *t = trec_reader_thread(r, i);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("thread"));
    json_object_set_new(o, "id", json_integer(t->id));
    json_object_set_new(o, "ident", json_integer((json_int_t)t->ident));
    json_object_set_new(o, "name", json_string(t->name ? t->name : ""));
    emit(o);
  }
  for(uint32_t id=1; id<=trec_reader_max_code_id(r); id++){
    const struct trec_code *c = trec_reader_code(r, id);
    const struct trec_file *f;
    json_t *o, *names;
    if( !c ) continue;
    f = trec_reader_file(r, c->file);
    o = json_object();
    names = json_array();
    for(uint32_t k=0; k<c->n_names; k++)
      json_array_append_new(names, json_string(c->names[k] ? c->names[k] : ""));
    json_object_set_new(o, "type", json_string("code"));
    json_object_set_new(o, "id", json_integer(c->id));
    json_object_set_new(o, "file", json_string(f && f->path ? f->path : ""));
    json_object_set_new(o, "name", json_string(c->name ? c->name : ""));
    json_object_set_new(o, "qualname", json_string(c->qualname ? c->qualname : ""));
    json_object_set_new(o, "firstlineno", json_integer(c->firstlineno));
    json_object_set_new(o, "flags", json_integer(c->flags));
    json_object_set_new(o, "n_args", json_integer(c->n_args));
    json_object_set_new(o, "names", names);
    emit(o);
  }
}

/* The payload's entries as [{kind, slot, name, tag, value[, raw]}]. */
static int payload_array(trec_reader *r, const struct trec_event *ev, int raw,
                         struct trec_buf *text, json_t **out){
  static const char *const pkinds[] = { "var", "return", "exception" };
  const unsigned char *p = ev->payload, *end = ev->payload + ev->payload_len;
  const struct trec_code *c = trec_reader_code(r, ev->code);
  json_t *arr = json_array();
  struct trec_entry e;
  int rc;
  while( ev->payload_len>0 && (rc = trec_payload_next(&p, end, &e))==TREC_OK ){
    json_t *o = json_object();
    struct trec_value v;
    const char *name = NULL;
    if( e.kind==TREC_PK_VAR && c && e.slot<c->n_names ) name = c->names[e.slot];
    trec_buf_reset(text);
    if( trec_value_read(e.value, e.value_end, &v)!=TREC_OK
     || trec_value_render(e.value, e.value_end, TREC_RENDER_FIELDS, 0, text)!=TREC_OK ){
      json_decref(o);
      json_decref(arr);
      return TREC_ERR_CORRUPT;
    }
    json_object_set_new(o, "kind", json_string(pkinds[e.kind]));
    json_object_set_new(o, "slot", json_integer(e.slot));
    json_object_set_new(o, "name", name ? json_string(name) : json_null());
    json_object_set_new(o, "tag", json_string(tag_name((int)v.tag)));
    json_object_set_new(o, "value", json_stringn((const char *)text->data, text->len));
    if( raw ){
      trec_buf_reset(text);
      for(const unsigned char *b=e.value; b<e.value_end; b++)
        trec_buf_printf(text, "%02x", *b);
      json_object_set_new(o, "raw", json_stringn((const char *)text->data, text->len));
    }
    json_array_append_new(arr, o);
  }
  if( ev->payload_len>0 && rc!=TREC_ERR_NOTFOUND ){
    json_decref(arr);
    return TREC_ERR_CORRUPT;
  }
  *out = arr;
  return TREC_OK;
}

static int dump_events(trec_reader *r, int values){
  struct trec_chunk c;
  struct trec_buf text;
  int rc = TREC_OK;
  trec_chunk_init(&c);
  trec_buf_init(&text);
  for(size_t i=0; i<trec_reader_n_chunks(r); i++){
    rc = trec_reader_read_chunk(r, i, &c);
    if( rc!=TREC_OK ){
      fprintf(stderr, "trec-dump: chunk %zu: %s\n", i, trec_reader_errmsg(r));
      goto out;
    }
    for(size_t j=0; j<c.n; j++){
      struct trec_event ev;
      json_t *o = json_object(), *vars = NULL;
      const char *kind;
      trec_chunk_event(&c, j, &ev);
      kind = trec_kind_name(ev.kind);
      json_object_set_new(o, "type", json_string("event"));
      json_object_set_new(o, "seq", json_integer((json_int_t)ev.seq));
      json_object_set_new(o, "thread", json_integer(ev.thread));
      json_object_set_new(o, "frame", json_integer((json_int_t)ev.frame));
      json_object_set_new(o, "kind", json_string(kind ? kind : "?"));
      json_object_set_new(o, "code", json_integer(ev.code));
      json_object_set_new(o, "line", json_integer(ev.line));
      json_object_set_new(o, "depth", json_integer(ev.depth));
      json_object_set_new(o, "ts", ev.ts==TREC_NO_TS ? json_null() : json_integer(ev.ts));
      if( ev.offset!=TREC_NO_OFFSET )
        json_object_set_new(o, "offset", json_integer(ev.offset));
      if( ev.caller_line )
        json_object_set_new(o, "caller_line", json_integer(ev.caller_line));
      if( values ){
        rc = payload_array(r, &ev, values==2, &text, &vars);
        if( rc!=TREC_OK ){
          fprintf(stderr, "trec-dump: event %llu: bad payload\n",
                  (unsigned long long)ev.seq);
          json_decref(o);
          goto out;
        }
        json_object_set_new(o, "vars", vars);
      }
      emit(o);
    }
  }
out:
  trec_chunk_release(&c);
  trec_buf_release(&text);
  return rc;
}

int main(int argc, char **argv){
  trec_reader *r = NULL;
  int values = 1, rc;
  const char *path = NULL;
  for(int i=1; i<argc; i++){
    if( !strcmp(argv[i], "--no-values") ) values = 0;
    else if( !strcmp(argv[i], "--raw") ) values = 2;
    else if( !path ) path = argv[i];
    else path = NULL, i = argc;
  }
  if( !path ){
    fputs("usage: trec-dump [--no-values | --raw] TRACE\n", stderr);
    return 2;
  }
  rc = trec_reader_open(path, 0, &r);
  if( rc!=TREC_OK ){
    fprintf(stderr, "trec-dump: %s: %s\n", path,
            r ? trec_reader_errmsg(r) : trec_strerror(rc));
    trec_reader_close(r);
    return 1;
  }
  dump_tables(r);
  rc = dump_events(r, values);
  trec_reader_close(r);
  return rc==TREC_OK ? 0 : 1;
}
