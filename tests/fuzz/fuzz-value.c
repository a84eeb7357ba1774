/*
** fuzz-value.c: libFuzzer target for the value decoder and renderer. Any
** bytes must give TREC_OK or TREC_ERR_CORRUPT, never a crash or a read past
** the input; a value that decodes must also render, navigate and compare
** (abort() otherwise, which the fuzzer reports). Built with the standalone
** driver fuzz-value-driver.c for make check, or with -fsanitize=fuzzer.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok){
  if( !ok ) abort();
}

static void navigate(const struct trec_value *v){
  struct trec_value c, k;
  const char *name;
  size_t len;
  int cmp;
  trec_value_typename(v, &len);
  trec_value_truthy(v);
  trec_value_compare(v, v, &cmp);
  for(uint64_t i=0; i<v->n && i<8; i++){
    int rc = trec_value_item(v, i, &c);
    check(rc==TREC_OK || rc==TREC_ERR_TYPE);
    if( rc!=TREC_OK ) break;
    trec_value_compare(v, &c, &cmp);
    if( v->tag==TREC_V_DICT ){
      check(trec_value_key(v, i, &k)==TREC_OK);
      trec_value_getitem(v, &k, &c);
    }
    if( v->tag==TREC_V_OBJECT ){
      check(trec_value_field_name(v, i, &name, &len)==TREC_OK);
      trec_value_getattr(v, "x", &c);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size){
  /* an exact-size copy, so that a sanitizer sees any read past the end */
  unsigned char *p = malloc(size ? size : 1);
  struct trec_buf out = TREC_BUF_INIT;
  struct trec_value v;
  static const unsigned flags[] = {
    0, TREC_RENDER_FIELDS | TREC_RENDER_SORT_DICTS, TREC_RENDER_PRETTY,
    TREC_RENDER_FIELDS | TREC_RENDER_PRETTY | TREC_RENDER_SORT_DICTS
  };
  int rc;
  if( !p ) return 0;
  if( size ) memcpy(p, data, size);
  rc = trec_value_read(p, p+size, &v);
  check(rc==TREC_OK || rc==TREC_ERR_CORRUPT);
  for(size_t i=0; i<sizeof flags/sizeof flags[0]; i++){
    trec_buf_reset(&out);
    int r2 = trec_value_render(p, p+size, flags[i], i==3 ? 24 : 0, &out);
    check(rc==TREC_OK ? r2==TREC_OK : r2==TREC_ERR_CORRUPT);
    check(i!=3 || rc!=TREC_OK || out.len<=24);
  }
  if( rc==TREC_OK ){
    check(v.end>p && v.end<=p+size);
    navigate(&v);
  }
  trec_buf_release(&out);
  free(p);
  return 0;
}
