/*
** t4-export-mktrace.c: writes a small synthetic trace with the writer API,
** as sys.settrace would have reported this program (PROG below) run with a
** second thread calling add(10, 20) in the middle, and prints what the
** trace must contain so that the export and viewer tests can check their
** output against it without a recorder:
**   E seq thread kind code line depth frame [name=repr ...]   every event
**   C call_seq return_seq thread qualname                     every call
** Chunks are tiny (5 events) so that threads' chunks interleave and every
** export crosses chunk boundaries and keyframes.
** Usage: t4-export-mktrace OUT.trace > EXPECT
*/
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "schema/trace.h"

static const char PROG[] =
  "def add(a, b):\n"                      /* 1 */
  "    c = a + b\n"                       /* 2 */
  "    return c\n"                        /* 3 */
  "\n"                                    /* 4 */
  "def work(n):\n"                        /* 5 */
  "    total = 0\n"                       /* 6 */
  "    for i in range(n):\n"              /* 7 */
  "        total = add(total, i)\n"       /* 8 */
  "    try:\n"                            /* 9 */
  "        raise ValueError('boom')\n"    /* 10 */
  "    except ValueError:\n"              /* 11 */
  "        pass\n"                        /* 12 */
  "    return total\n"                    /* 13 */
  "\n"                                    /* 14 */
  "items = [1, 2]\n"                      /* 15 */
  "result = work(3)\n";                   /* 16 */

#define PATH "/synthetic/prog.py"
enum { C_MODULE = 1, C_ADD = 2, C_WORK = 3 };
static const char *mod_names[] = { "add", "work", "items", "result" };
static const char *add_names[] = { "a", "b", "c" };
static const char *work_names[] = { "n", "total", "i" };

struct frame { uint64_t id; uint32_t code; uint64_t call_seq; };
struct thread { uint32_t id; trec_stream *s; struct frame stack[16]; int depth; };

static trec_writer *w;
static uint64_t seq;
static uint64_t next_frame = 1;
static struct trec_buf pay;
static char names_text[512];   /* "name=repr ..." of the current payload */

static void fail(const char *what, int rc){
  fprintf(stderr, "mktrace: %s: %s (%s)\n", what, trec_strerror(rc),
          w ? trec_writer_errmsg(w) : "");
  exit(1);
}

static const char *slot_name(uint32_t code, uint32_t slot){
  switch( code ){
    case C_MODULE: return mod_names[slot];
    case C_ADD: return add_names[slot];
    default: return work_names[slot];
  }
}

static void var_int(uint32_t code, uint32_t slot, int64_t v){
  size_t n = strlen(names_text);
  trec_payload_key(&pay, TREC_PK_VAR, slot);
  trec_venc_int(&pay, v);
  snprintf(names_text+n, sizeof(names_text)-n, " %s=%lld", slot_name(code, slot), (long long)v);
}

static void emit(struct thread *t, int kind, int32_t line){
  struct frame *f = &t->stack[t->depth-1];
  struct trec_event ev;
  int rc;
  memset(&ev, 0, sizeof(ev));
  ev.seq = ++seq;
  ev.frame = f->id;
  ev.ts = (int64_t)seq * 1500;
  ev.thread = t->id;
  ev.code = f->code;
  ev.line = line;
  ev.offset = TREC_NO_OFFSET;
  ev.kind = (uint8_t)kind;
  ev.payload = pay.data;
  ev.payload_len = (uint32_t)pay.len;
  if( pay.oom ) fail("payload", TREC_ERR_NOMEM);
  if( (rc = trec_stream_append(t->s, &ev))!=TREC_OK ) fail("append", rc);
  printf("E %llu %u %s %u %d %d %llu%s\n", (unsigned long long)ev.seq, t->id,
         trec_kind_name(kind), f->code, line, t->depth, (unsigned long long)f->id, names_text);
  if( kind==TREC_CALL ) f->call_seq = ev.seq;
  if( kind==TREC_RETURN ){
    printf("C %llu %llu %u %s\n", (unsigned long long)f->call_seq,
           (unsigned long long)ev.seq, t->id,
           f->code==C_ADD ? "add" : f->code==C_WORK ? "work" : "<module>");
  }
  trec_buf_reset(&pay);
  names_text[0] = 0;
}

static void push(struct thread *t, uint32_t code){
  t->stack[t->depth].id = next_frame++;
  t->stack[t->depth].code = code;
  t->depth++;
}

static struct thread main_t = { 1, NULL, {{0,0,0}}, 0 };
static struct thread worker = { 2, NULL, {{0,0,0}}, 0 };

/* add(a, b) on thread t, as settrace reports it */
static void call_add(struct thread *t, int64_t a, int64_t b){
  push(t, C_ADD);
  var_int(C_ADD, 0, a); var_int(C_ADD, 1, b);
  emit(t, TREC_CALL, 1);
  emit(t, TREC_LINE, 2);
  var_int(C_ADD, 2, a+b);
  emit(t, TREC_LINE, 3);
  trec_payload_key(&pay, TREC_PK_RETURN, 0);
  trec_venc_int(&pay, a+b);
  emit(t, TREC_RETURN, 3);
  t->depth--;
}

int main(int argc, char **argv){
  struct trec_writer_options opt;
  struct trec_close_info ci = { 0, 0, NULL };
  struct trec_code co;
  struct trec_thread th;
  int64_t total = 0;
  int rc;
  if( argc!=2 ){ fprintf(stderr, "usage: t4-export-mktrace OUT.trace\n"); return 2; }
  memset(&opt, 0, sizeof(opt));
  opt.path = argv[1];
  opt.chunk_events = 5;
  trec_buf_init(&pay);
  if( (rc = trec_writer_open(&opt, &w))!=TREC_OK ) fail("open", rc);
  trec_writer_set_meta(w, "argv", "[\"prog.py\", \"-v\"]");  /* JSON, as the recorder */
  trec_writer_add_file(w, 1, PATH, PROG, (int64_t)strlen(PROG));
  memset(&co, 0, sizeof(co));
  co.file = 1;
  co.id = C_MODULE; co.name = co.qualname = "<module>"; co.firstlineno = 1;
  co.n_names = 4; co.names = mod_names;
  trec_writer_add_code(w, &co);
  co.id = C_ADD; co.name = co.qualname = "add"; co.firstlineno = 1;
  co.flags = TREC_CO_OPTIMIZED; co.n_args = 2; co.n_names = 3; co.names = add_names;
  trec_writer_add_code(w, &co);
  co.id = C_WORK; co.name = co.qualname = "work"; co.firstlineno = 5;
  co.n_args = 1; co.n_names = 3; co.names = work_names;
  trec_writer_add_code(w, &co);
  memset(&th, 0, sizeof(th));
  th.id = 1; th.ident = 1001; th.native_id = 501; th.name = "MainThread";
  trec_writer_add_thread(w, &th);
  th.id = 2; th.ident = 1002; th.native_id = 502; th.name = "worker";
  trec_writer_add_thread(w, &th);
  if( (rc = trec_writer_stream(w, 1, &main_t.s))!=TREC_OK ) fail("stream", rc);
  if( (rc = trec_writer_stream(w, 2, &worker.s))!=TREC_OK ) fail("stream", rc);

  push(&main_t, C_MODULE);
  emit(&main_t, TREC_CALL, 0);
  emit(&main_t, TREC_LINE, 1);
  emit(&main_t, TREC_LINE, 5);
  emit(&main_t, TREC_LINE, 15);
  {
    trec_payload_key(&pay, TREC_PK_VAR, 2);
    trec_venc_container(&pay, TREC_V_LIST, 0x7f0001, 2, 2);
    trec_venc_int(&pay, 1);
    trec_venc_int(&pay, 2);
    strcat(names_text, " items=[1, 2]");
  }
  emit(&main_t, TREC_LINE, 16);
  push(&main_t, C_WORK);
  var_int(C_WORK, 0, 3);
  emit(&main_t, TREC_CALL, 5);
  emit(&main_t, TREC_LINE, 6);
  var_int(C_WORK, 1, 0);
  emit(&main_t, TREC_LINE, 7);
  for(int i=0; i<3; i++){
    var_int(C_WORK, 2, i);
    emit(&main_t, TREC_LINE, 8);
    call_add(&main_t, total, i);
    if( i==1 ){
      /* the worker thread runs while main is between two calls */
      call_add(&worker, 10, 20);
    }
    /* the recorder stores a value only when it changed */
    if( i!=0 ) var_int(C_WORK, 1, total + i);
    total += i;
    emit(&main_t, TREC_LINE, 7);
  }
  emit(&main_t, TREC_LINE, 9);
  emit(&main_t, TREC_LINE, 10);
  trec_payload_key(&pay, TREC_PK_EXCEPTION, 0);
  trec_venc_exc(&pay, 0x7f0002, "ValueError", 10);
  trec_venc_container(&pay, TREC_V_TUPLE, 0x7f0003, 1, 1);
  trec_venc_str(&pay, "boom", 4, 4);
  strcat(names_text, " exception=ValueError('boom')");
  emit(&main_t, TREC_EXCEPTION, 10);
  emit(&main_t, TREC_LINE, 11);
  emit(&main_t, TREC_LINE, 12);
  emit(&main_t, TREC_LINE, 13);
  trec_payload_key(&pay, TREC_PK_RETURN, 0);
  trec_venc_int(&pay, total);
  emit(&main_t, TREC_RETURN, 13);
  main_t.depth--;
  trec_payload_key(&pay, TREC_PK_VAR, 3);
  trec_venc_int(&pay, total);
  strcat(names_text, " result=3");
  emit(&main_t, TREC_LINE, 16);
  trec_payload_key(&pay, TREC_PK_RETURN, 0);
  trec_venc_none(&pay);
  emit(&main_t, TREC_RETURN, 16);
  main_t.depth--;
  rc = trec_writer_close(w, &ci);
  w = NULL;
  if( rc!=TREC_OK ) fail("close", rc);
  trec_buf_release(&pay);
  return 0;
}
