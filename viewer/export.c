/*
** export.c: trec_export(), the entry point of the exporters, which live in
** export-chrome.c and export-jsonl.c.
*/
#include "config.h"
#include <string.h>
#include "viewer/view.h"
#include "viewer/view_int.h"

int trec_export_format_parse(const char *name){
  if( name==NULL ) return -1;
  if( !strcmp(name, "chrome") ) return TREC_EXPORT_CHROME;
  if( !strcmp(name, "jsonl") ) return TREC_EXPORT_JSONL;
  return -1;
}

int trec_export(trec_reader *r, const struct trec_export_options *opt,
                FILE *out, struct trec_buf *msg){
  size_t max_len = opt->max_value_len ? opt->max_value_len : 200;
  trec_buf_reset(msg);
  switch( opt->format ){
    case TREC_EXPORT_CHROME: return view_export_chrome(r, max_len, out, msg);
    case TREC_EXPORT_JSONL:  return view_export_jsonl(r, max_len, out, msg);
    default:
      trec_buf_printf(msg, "unknown export format %d", opt->format);
      return TREC_ERR_INVALID;
  }
}
