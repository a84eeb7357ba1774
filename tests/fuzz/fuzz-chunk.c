/*
** fuzz-chunk.c: the fuzz target of the chunk decoders. The first input byte
** picks a decoder (chunk, read both as format 4 and as format 3 and older;
** keyframe; payload; LZ4 block), the rest is its input. Besides "never
** crash, never read out of bounds" it checks two properties: a chunk that
** decodes obeys the reader's invariants, and re-encoding its events gives
** a chunk that decodes to the same events.
**
** Build with clang -fsanitize=fuzzer,address for libFuzzer, or with
** fuzz-driver.c, which replays a corpus directory (make check does).
*/
#include <stdlib.h>
#include "trace_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do{ if( !(x) ) abort(); }while(0)

/* flags: 0, or TREC_DECODE_PRE4 to read the input as a chunk of format 3.x
** or older; either way re-encoding gives the current format. */
static void fuzz_chunk(const uint8_t *data, size_t size, unsigned flags){
  struct trec_chunk c, c2;
  struct trec_buf raw = TREC_BUF_INIT;
  struct trec_event *ev;
  trec_chunk_init(&c);
  trec_chunk_init(&c2);
  if( trec_chunk_decode_ex(data, size, flags, &c)!=TREC_OK ) goto out;
  CHECK(c.n>0 && c.thread>0);
  ev = malloc(c.n * sizeof *ev);
  CHECK(ev!=NULL);
  for(size_t j=0; j<c.n; j++){
    trec_chunk_event(&c, j, &ev[j]);
    CHECK(ev[j].depth>=1 && ev[j].frame>0 && ev[j].code>0 && ev[j].kind<TREC_N_KINDS);
    CHECK(j==0 || ev[j].seq>ev[j-1].seq);
    CHECK((size_t)c.payload_off[j] + c.payload_len[j] <= size);
  }
  CHECK(trec_chunk_encode(ev, c.n, NULL, 0, &raw)==TREC_OK);
  CHECK(trec_chunk_decode(raw.data, raw.len, &c2)==TREC_OK);
  CHECK(c2.n==c.n);
  for(size_t j=0; j<c.n; j++){
    struct trec_event e;
    trec_chunk_event(&c2, j, &e);
    CHECK(e.seq==ev[j].seq && e.frame==ev[j].frame && e.code==ev[j].code);
    CHECK(e.line==ev[j].line && e.ts==ev[j].ts && e.offset==ev[j].offset);
    CHECK(e.kind==ev[j].kind && e.payload_len==ev[j].payload_len);
    CHECK(e.payload_len==0 || !memcmp(e.payload, ev[j].payload, e.payload_len));
  }
  free(ev);
out:
  trec_buf_release(&raw);
  trec_chunk_release(&c);
  trec_chunk_release(&c2);
}

static void fuzz_keyframe(const uint8_t *data, size_t size){
  struct trec_keyframe k;
  trec_keyframe_init(&k);
  if( trec_keyframe_decode(data, size, &k)==TREC_OK ){
    for(size_t i=0; i<k.n; i++){
      CHECK(k.frames[i].frame>0 && k.frames[i].code>0);
      CHECK(k.frames[i].values >= data
            && k.frames[i].values + k.frames[i].values_len <= data + size);
    }
  }
  trec_keyframe_release(&k);
}

static void fuzz_payload(const uint8_t *data, size_t size){
  const unsigned char *p = data, *end = data + size;
  struct trec_entry e;
  int rc;
  while( (rc = trec_payload_next(&p, end, &e))==TREC_OK )
    CHECK(e.value>=data && e.value_end<=end && p==e.value_end
          && (e.value<e.value_end || e.kind==TREC_PK_PATCH));
  CHECK(rc==TREC_ERR_NOTFOUND || rc==TREC_ERR_CORRUPT);
}

static void fuzz_block(const uint8_t *data, size_t size){
  struct trec_buf out = TREC_BUF_INIT;
  size_t raw_len;
  if( size<2 ) return;
  raw_len = (size_t)data[0] | (size_t)data[1] << 8;
  if( trec_block_decompress(TREC_CODEC_LZ4, data + 2, size - 2, raw_len, &out)==TREC_OK )
    CHECK(out.len==raw_len);
  trec_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size){
  if( size==0 ) return 0;
  switch( data[0] % 4 ){
    case 0:
      fuzz_chunk(data + 1, size - 1, 0);
      fuzz_chunk(data + 1, size - 1, TREC_DECODE_PRE4);
      break;
    case 1: fuzz_keyframe(data + 1, size - 1); break;
    case 2: fuzz_payload(data + 1, size - 1); break;
    default: fuzz_block(data + 1, size - 1); break;
  }
  return 0;
}
