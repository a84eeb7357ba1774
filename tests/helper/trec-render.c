/*
** trec-render: render encoded values with trec_value_render(), for tests
** that compare the result with what Python itself prints.
**
**   trec-render HEX [FLAGS [MAX_LEN]]   one value given in hex; prints the text
**   trec-render                          batch mode on stdin/stdout:
**     in:  per value, u32le flags, u32le max_len, u32le nbytes, the bytes
**     out: per value, u32le status, u32le nbytes, the text
** The batch form lets one process render thousands of values; the framing
** keeps any byte of the text (newlines in REPR texts) unambiguous.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace.h"

static int read_u32(FILE *f, uint32_t *v){
  unsigned char b[4];
  if( fread(b, 1, 4, f)!=4 ) return -1;
  *v = (uint32_t)b[0] | (uint32_t)b[1]<<8 | (uint32_t)b[2]<<16 | (uint32_t)b[3]<<24;
  return 0;
}

static void write_u32(FILE *f, uint32_t v){
  unsigned char b[4] = { (unsigned char)v, (unsigned char)(v>>8),
                         (unsigned char)(v>>16), (unsigned char)(v>>24) };
  fwrite(b, 1, 4, f);
}

static int one(const char *hex, unsigned flags, size_t max_len){
  size_t n = strlen(hex)/2;
  unsigned char *p = malloc(n ? n : 1);
  struct trec_buf out = TREC_BUF_INIT;
  unsigned x;
  int rc;
  if( !p ) return 1;
  for(size_t i=0; i<n; i++){
    if( sscanf(hex + 2*i, "%2x", &x)!=1 ){ free(p); return 2; }
    p[i] = (unsigned char)x;
  }
  rc = trec_value_render(p, p+n, flags, max_len, &out);
  if( rc==TREC_OK ) printf("%s\n", trec_buf_cstr(&out));
  else fprintf(stderr, "trec-render: %s\n", trec_strerror(rc));
  trec_buf_release(&out);
  free(p);
  return rc==TREC_OK ? 0 : 1;
}

int main(int argc, char **argv){
  uint32_t flags, max_len, n;
  unsigned char *p;
  struct trec_buf out = TREC_BUF_INIT;
  int rc;
  if( argc>1 )
    return one(argv[1], argc>2 ? (unsigned)atoi(argv[2]) : 0,
               argc>3 ? (size_t)atol(argv[3]) : 0);
  while( read_u32(stdin, &flags)==0 ){
    if( read_u32(stdin, &max_len) || read_u32(stdin, &n) ) return 2;
    p = malloc(n ? n : 1);
    if( !p || fread(p, 1, n, stdin)!=n ){ free(p); return 2; }
    trec_buf_reset(&out);
    rc = trec_value_render(p, p+n, flags, max_len, &out);
    write_u32(stdout, (uint32_t)rc);
    write_u32(stdout, (uint32_t)out.len);
    fwrite(out.data, 1, out.len, stdout);
    free(p);
  }
  fflush(stdout);
  trec_buf_release(&out);
  return 0;
}
