/*
** sql-gen.c: write a synthetic trace, event by event, from a text
** description on stdin, through the real writer API. The SQL tests
** (tests/sqlgen.py builds the description) know every event they asked
** for, so they can compute the exact rows any query must return, before the
** recorder exists and for shapes a real program rarely produces (many
** threads interleaved, chunks of 3 events, calls open at the end).
**
** Usage: sql-gen TRACE < description
** Lines (fields separated by single spaces; text fields %-escaped):
**   opt chunk_events N
**   meta KEY VALUE
**   file ID PATH
**   code ID FILE NAME QUALNAME FIRSTLINE NARGS NAME1,NAME2,...  ("-": none)
**   thread ID IDENT NAME
**   ev SEQ THREAD KIND CODE LINE FRAME TS ENTRY...   (TS "-": none)
**   close EXIT_STATUS            (at end of input: close 0)
** ENTRY: vSLOT=VALUE (variable), r=VALUE (return), x=VALUE (exception)
** VALUE: n (None) | t | f | iINT | dFLOAT | sTEXT | bTEXT (bytes)
**        | eTYPE:TEXT (exception TYPE(TEXT)) | lV;V;... (list of ints)
*/
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "schema/trace.h"

static void unescape(char *s){
  char *o = s;
  for(; *s; s++){
    if( s[0]=='%' && s[1] && s[2] ){
      char hex[3] = { s[1], s[2], 0 };
      *o++ = (char)strtol(hex, NULL, 16);
      s += 2;
    }else *o++ = *s;
  }
  *o = 0;
}

static size_t utf8_len(const char *s){
  size_t n = 0;
  for(; *s; s++) if( ((unsigned char)*s & 0xc0)!=0x80 ) n++;
  return n;
}

static int put_value(struct trec_buf *b, char *v){
  switch( v[0] ){
    case 'n': trec_venc_none(b); return 0;
    case 't': trec_venc_bool(b, 1); return 0;
    case 'f': trec_venc_bool(b, 0); return 0;
    case 'i': trec_venc_int(b, strtoll(v+1, NULL, 10)); return 0;
    case 'd': trec_venc_float(b, strtod(v+1, NULL)); return 0;
    case 's': unescape(v+1); trec_venc_str(b, v+1, strlen(v+1), utf8_len(v+1)); return 0;
    case 'b': unescape(v+1); trec_venc_bytes(b, v+1, strlen(v+1), strlen(v+1)); return 0;
    case 'e': {
      char *colon = strchr(v+1, ':');
      if( !colon ) return -1;
      *colon = 0;
      unescape(colon+1);
      trec_venc_exc(b, 1000, v+1, strlen(v+1));
      trec_venc_container(b, TREC_V_TUPLE, 1001, 1, 1);
      trec_venc_str(b, colon+1, strlen(colon+1), utf8_len(colon+1));
      return 0;
    }
    case 'l': {
      char *p = v+1, *tok;
      uint64_t n = *p ? 1 : 0;
      for(tok=p; *tok; tok++) if( *tok==';' ) n++;
      trec_venc_container(b, TREC_V_LIST, 2000, n, n);
      for(tok=strtok(p, ";"); tok; tok=strtok(NULL, ";")) trec_venc_int(b, strtoll(tok, NULL, 10));
      return 0;
    }
  }
  return -1;
}

static int fail(trec_writer *w, const char *what, int rc){
  fprintf(stderr, "sql-gen: %s: %s (%s)\n", what, trec_strerror(rc),
          w ? trec_writer_errmsg(w) : "");
  trec_writer_close(w, NULL);
  return 1;
}

int main(int argc, char **argv){
  struct trec_writer_options opt;
  trec_writer *w = NULL;
  char line[65536];
  struct trec_buf pay = TREC_BUF_INIT;
  int rc, opened = 0;
  if( argc!=2 ){
    fputs("usage: sql-gen TRACE < description\n", stderr);
    return 2;
  }
  memset(&opt, 0, sizeof(opt));
  opt.path = argv[1];
  opt.codec = TREC_CODEC_LZ4;
  while( fgets(line, sizeof(line), stdin) ){
    char *f[64], *save = NULL, *tok;
    int n = 0;
    line[strcspn(line, "\n")] = 0;
    for(tok=strtok_r(line, " ", &save); tok && n<64; tok=strtok_r(NULL, " ", &save)) f[n++] = tok;
    if( n==0 ) continue;
    if( !strcmp(f[0], "opt") && n==3 ){
      if( !strcmp(f[1], "chunk_events") ) opt.chunk_events = (uint32_t)atoi(f[2]);
      continue;
    }
    if( !opened ){
      rc = trec_writer_open(&opt, &w);
      if( rc!=TREC_OK ) return fail(w, "open", rc);
      opened = 1;
    }
    if( !strcmp(f[0], "meta") && n==3 ){
      unescape(f[2]);
      rc = trec_writer_set_meta(w, f[1], f[2]);
    }else if( !strcmp(f[0], "file") && n==3 ){
      unescape(f[2]);
      rc = trec_writer_add_file(w, (uint32_t)atoi(f[1]), f[2], "", -1);
    }else if( !strcmp(f[0], "code") && n==8 ){
      struct trec_code co;
      const char *names[256];
      uint32_t k = 0;
      char *nsave = NULL;
      memset(&co, 0, sizeof(co));
      co.id = (uint32_t)atoi(f[1]);
      co.file = (uint32_t)atoi(f[2]);
      unescape(f[3]);
      unescape(f[4]);
      co.name = f[3];
      co.qualname = f[4];
      co.firstlineno = atoi(f[5]);
      co.flags = TREC_CO_OPTIMIZED;
      co.n_args = (uint32_t)atoi(f[6]);
      if( strcmp(f[7], "-") )
        for(tok=strtok_r(f[7], ",", &nsave); tok && k<256; tok=strtok_r(NULL, ",", &nsave))
          names[k++] = tok;
      co.n_names = k;
      co.names = names;
      rc = trec_writer_add_code(w, &co);
    }else if( !strcmp(f[0], "thread") && n==4 ){
      struct trec_thread t;
      memset(&t, 0, sizeof(t));
      t.id = (uint32_t)atoi(f[1]);
      t.ident = strtoull(f[2], NULL, 10);
      t.native_id = t.ident;
      unescape(f[3]);
      t.name = f[3];
      rc = trec_writer_add_thread(w, &t);
    }else if( !strcmp(f[0], "ev") && n>=8 ){
      struct trec_event ev;
      trec_stream *s;
      int i;
      memset(&ev, 0, sizeof(ev));
      ev.seq = strtoull(f[1], NULL, 10);
      ev.thread = (uint32_t)atoi(f[2]);
      ev.kind = (uint8_t)trec_kind_parse(f[3]);
      ev.code = (uint32_t)atoi(f[4]);
      ev.line = atoi(f[5]);
      ev.frame = strtoull(f[6], NULL, 10);
      ev.ts = strcmp(f[7], "-") ? strtoll(f[7], NULL, 10) : TREC_NO_TS;
      ev.offset = TREC_NO_OFFSET;
      trec_buf_reset(&pay);
      for(i=8; i<n; i++){
        char *eq = strchr(f[i], '=');
        if( !eq ){ fprintf(stderr, "sql-gen: bad entry %s\n", f[i]); return 1; }
        *eq = 0;
        if( f[i][0]=='c' ){
          ev.caller_line = atoi(eq+1);
          continue;
        }
        if( f[i][0]=='v' ) trec_payload_key(&pay, TREC_PK_VAR, (uint32_t)atoi(f[i]+1));
        else if( f[i][0]=='r' ) trec_payload_key(&pay, TREC_PK_RETURN, 0);
        else trec_payload_key(&pay, TREC_PK_EXCEPTION, 0);
        if( put_value(&pay, eq+1) ){ fprintf(stderr, "sql-gen: bad value %s\n", eq+1); return 1; }
      }
      ev.payload = pay.data;
      ev.payload_len = (uint32_t)pay.len;
      rc = trec_writer_stream(w, ev.thread, &s);
      if( rc==TREC_OK ) rc = trec_stream_append(s, &ev);
    }else if( !strcmp(f[0], "close") && n==2 ){
      struct trec_close_info ci;
      memset(&ci, 0, sizeof(ci));
      ci.exit_status = atoi(f[1]);
      rc = trec_writer_close(w, &ci);
      w = NULL;
      if( rc!=TREC_OK ) return fail(NULL, "close", rc);
      trec_buf_release(&pay);
      return 0;
    }else{
      fprintf(stderr, "sql-gen: bad line starting with %s\n", f[0]);
      return 1;
    }
    if( rc!=TREC_OK ) return fail(w, f[0], rc);
  }
  trec_buf_release(&pay);
  if( w ){
    rc = trec_writer_close(w, NULL);
    if( rc!=TREC_OK ) return fail(NULL, "close", rc);
  }
  return 0;
}
