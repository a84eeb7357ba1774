/*
** json.c: JSON text helpers for the streamed exports and the HTTP API.
** Trace strings are UTF-8 as Python's surrogatepass wrote them, so they may
** hold lone surrogates or other bytes JSON cannot carry; those become U+FFFD
** rather than invalid output.
*/
#include "config.h"
#include <stdio.h>
#include <jansson.h>
#include "viewer/view_int.h"

/* Length of the valid UTF-8 sequence at p (excluding surrogates), 0 if none. */
static size_t json_utf8_len(const unsigned char *p, size_t n){
  unsigned c = p[0];
  size_t len;
  uint32_t cp;
  if( c<0x80 ) return 1;
  if( c>=0xc2 && c<=0xdf ){ len = 2; cp = c & 0x1f; }
  else if( c>=0xe0 && c<=0xef ){ len = 3; cp = c & 0x0f; }
  else if( c>=0xf0 && c<=0xf4 ){ len = 4; cp = c & 0x07; }
  else return 0;
  if( n<len ) return 0;
  for(size_t i=1; i<len; i++){
    if( (p[i] & 0xc0)!=0x80 ) return 0;
    cp = (cp<<6) | (p[i] & 0x3f);
  }
  if( (len==3 && cp<0x800) || (len==4 && (cp<0x10000 || cp>0x10ffff)) ) return 0;
  if( cp>=0xd800 && cp<=0xdfff ) return 0;
  return len;
}

void view_json_str(struct trec_buf *b, const char *s, size_t n){
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  trec_buf_put_u8(b, '"');
  while( i<n ){
    unsigned c = p[i];
    size_t len;
    if( c=='"' || c=='\\' ){
      trec_buf_put_u8(b, '\\');
      trec_buf_put_u8(b, c);
      i++;
    }else if( c<0x20 || c==0x7f ){
      switch( c ){
        case '\n': trec_buf_puts(b, "\\n"); break;
        case '\t': trec_buf_puts(b, "\\t"); break;
        case '\r': trec_buf_puts(b, "\\r"); break;
        default: trec_buf_printf(b, "\\u%04x", c); break;
      }
      i++;
    }else if( (len = json_utf8_len(p+i, n-i))==0 ){
      trec_buf_puts(b, "\\ufffd");
      i++;
    }else{
      trec_buf_put(b, p+i, len);
      i += len;
    }
  }
  trec_buf_put_u8(b, '"');
}

void view_json_cstr(struct trec_buf *b, const char *s){
  if( s==NULL ){ trec_buf_puts(b, "null"); return; }
  view_json_str(b, s, strlen(s));
}

void view_json_us(struct trec_buf *b, int64_t ns){
  uint64_t a = ns<0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
  trec_buf_printf(b, "%s%llu.%03u", ns<0 ? "-" : "",
                  (unsigned long long)(a/1000), (unsigned)(a%1000));
}

const char *view_slot_name(trec_reader *r, uint32_t code, uint32_t slot){
  const struct trec_code *co = trec_reader_code(r, code);
  if( co==NULL || slot>=co->n_names ) return NULL;
  return co->names[slot];
}

int view_json_repr(struct trec_buf *b, const unsigned char *p,
                   const unsigned char *end, size_t max_len){
  struct trec_buf t = TREC_BUF_INIT;
  int rc = trec_value_render(p, end, 0, max_len, &t);
  if( t.oom ) rc = TREC_ERR_NOMEM;
  if( rc==TREC_OK ) view_json_str(b, (const char *)t.data, t.len);
  trec_buf_release(&t);
  return rc;
}

int view_flush(struct trec_buf *b, FILE *f){
  int rc = TREC_OK;
  if( b->oom ) return TREC_ERR_NOMEM;
  if( b->len && fwrite(b->data, 1, b->len, f)!=b->len ) rc = TREC_ERR_IO;
  trec_buf_reset(b);
  return rc;
}

json_t *view_json_string(const char *s, size_t n){
  const unsigned char *p = (const unsigned char *)s;
  struct trec_buf b = TREC_BUF_INIT;
  json_t *out;
  size_t i = 0, len;
  while( i<n ){
    if( p[i]==0 ){ trec_buf_put_u8(&b, ' '); i++; continue; }
    if( (len = json_utf8_len(p+i, n-i))==0 ){
      trec_buf_puts(&b, "\xef\xbf\xbd");
      i++;
    }else{
      trec_buf_put(&b, p+i, len);
      i += len;
    }
  }
  out = b.oom ? NULL : json_stringn(b.data ? (const char *)b.data : "", b.len);
  trec_buf_release(&b);
  return out;
}

json_t *view_json_render(const unsigned char *p, const unsigned char *end,
                         size_t max_len){
  struct trec_buf b = TREC_BUF_INIT;
  json_t *s;
  if( trec_value_render(p, end, 0, max_len, &b)!=TREC_OK )
    trec_buf_puts(&b, " <corrupt value>");
  s = view_json_string(b.data ? (const char *)b.data : "", b.len);
  trec_buf_release(&b);
  return s;
}
