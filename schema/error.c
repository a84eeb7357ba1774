/*
** error.c: error descriptions and event kind names, generated from the
** lists in trace.h so that code and text cannot drift apart (lz4frame's
** LZ4F_LIST_ERRORS).
*/
#include <string.h>
#include "trace.h"

#define TREC_ERROR_TEXT(name, msg) msg,
static const char *const error_text[] = { TREC_LIST_ERRORS(TREC_ERROR_TEXT) };
#undef TREC_ERROR_TEXT

const char *trec_strerror(int rc){
  if( rc<0 || rc>=TREC_ERR_MAX ) return "unknown error";
  return error_text[rc];
}

static const char *const kind_names[TREC_N_KINDS] = {
  "call", "line", "return", "exception", "opcode"
};

const char *trec_kind_name(int kind){
  if( kind<0 || kind>=TREC_N_KINDS ) return NULL;
  return kind_names[kind];
}

int trec_kind_parse(const char *name){
  for(int i=0; i<TREC_N_KINDS; i++)
    if( !strcmp(name, kind_names[i]) ) return i;
  return -1;
}
