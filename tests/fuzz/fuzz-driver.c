/*
** fuzz-driver.c: runs a libFuzzer target without libFuzzer. Replays every
** file of the corpus directories given (default: the chunk corpus under
** $TREC_SRCDIR) and, for each, every truncation and a fixed set of bit
** flips, printing one TAP line per directory (a failing input aborts).
** The corpus holds the generated seeds and what libFuzzer found from them
** (merged with -merge=1). `--generate DIR` writes the seed
** corpus from the encoder, so seeds follow the format when it changes.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* dir/name in a fresh allocation (the caller frees it) */
static char *join(const char *dir, const char *name){
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if( !p ) abort();
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static int cmp_str(const void *a, const void *b){
  return strcmp(*(char *const*)a, *(char *const*)b);
}

/* The input itself, each prefix, and 64 single-bit flips, each in a heap
** copy of exactly its size so that ASan catches any overread. */
static void replay(const unsigned char *data, size_t size){
  uint64_t x = 0x9e3779b97f4a7c15ULL ^ size;
  for(size_t cut=0; cut<=size; cut++){
    unsigned char *p = malloc(cut ? cut : 1);
    memcpy(p, data, cut);
    LLVMFuzzerTestOneInput(p, cut);
    free(p);
  }
  for(int k=0; k<64 && size>1; k++){
    unsigned char *p = malloc(size);
    size_t at;
    memcpy(p, data, size);
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    at = 1 + (size_t)(x % (size - 1));
    p[at] ^= (unsigned char)(1u << (x >> 40) % 8);
    LLVMFuzzerTestOneInput(p, size);
    free(p);
  }
}

static int write_seed(const char *dir, const char *name, int target,
                      const struct trec_buf *b){
  char *path = join(dir, name);
  FILE *f = fopen(path, "wb");
  free(path);
  if( !f ) return -1;
  fputc(target, f);
  fwrite(b->data, 1, b->len, f);
  return fclose(f);
}

static int generate(const char *dir){
  struct trec_buf raw = TREC_BUF_INIT, pay = TREC_BUF_INIT, blk = TREC_BUF_INIT;
  struct trec_event ev[40];
  struct trec_stack_entry start[2] = { { 3, 1, 5 }, { 4, 2, 9 } };
  int rc = 0;
  trec_payload_key(&pay, TREC_PK_VAR, 0);
  trec_venc_int(&pay, 7);
  trec_payload_key(&pay, TREC_PK_VAR, 1);
  trec_venc_container(&pay, TREC_V_LIST, 99, 2, 2);
  trec_venc_str(&pay, "ab", 2, 2);
  trec_venc_float(&pay, 1.5);
  trec_payload_key(&pay, TREC_PK_RETURN, 0);
  trec_venc_object(&pay, 5, "m.C", 3, 1, 1);
  trec_venc_name(&pay, "x", 1);
  trec_venc_none(&pay);
  for(int i=0; i<40; i++){
    ev[i] = (struct trec_event){ .seq = 10 + (uint64_t)i*(i%5 ? 1 : 3), .frame = 4,
      .ts = i%4 ? TREC_NO_TS : 1000 + i, .thread = 2, .code = 2, .line = 9 + i%4,
      .offset = TREC_NO_OFFSET, .kind = TREC_LINE };
    if( i==0 || i==20 ){ ev[i].kind = TREC_CALL; ev[i].frame = 5 + (uint64_t)i; ev[i].code = 3; }
    if( i>0 && i<20 ){ ev[i].frame = 5; ev[i].code = 3; }
    if( i>20 && i<30 ){ ev[i].frame = 25; ev[i].code = 3; }
    if( i==19 || i==29 ) ev[i].kind = TREC_RETURN;
    if( i==33 ) ev[i].kind = TREC_EXCEPTION;
    if( i==35 ){ ev[i].kind = TREC_OPCODE; ev[i].offset = 42; }
    if( i==37 ){ ev[i].frame = 3; ev[i].code = 1; }
    if( i%3==0 ){ ev[i].payload = pay.data; ev[i].payload_len = (uint32_t)pay.len; }
  }
  for(int i=1; i<40; i++) if( ev[i].seq<=ev[i-1].seq ) ev[i].seq = ev[i-1].seq + 1;
  rc |= trec_chunk_encode(ev, 40, start, 2, &raw);
  rc |= write_seed(dir, "chunk-mixed", 0, &raw);
  trec_buf_reset(&raw);
  rc |= trec_chunk_encode(ev, 1, NULL, 0, &raw);
  rc |= write_seed(dir, "chunk-one", 0, &raw);
  trec_buf_reset(&raw);
  trec_buf_put_varint(&raw, 2);
  for(int i=0; i<2; i++){
    trec_buf_put_varint(&raw, start[i].frame);
    trec_buf_put_varint(&raw, start[i].code);
    trec_buf_put_svarint(&raw, start[i].line);
    trec_buf_put_varint(&raw, pay.len);
    trec_buf_put(&raw, pay.data, pay.len);
  }
  rc |= write_seed(dir, "keyframe", 1, &raw);
  rc |= write_seed(dir, "payload", 2, &pay);
  trec_buf_reset(&raw);
  rc |= trec_chunk_encode(ev, 40, start, 2, &raw);
  trec_buf_reset(&blk);
  trec_buf_put_u8(&blk, (unsigned)(raw.len & 0xff));
  trec_buf_put_u8(&blk, (unsigned)(raw.len >> 8));
  {
    struct trec_buf comp = TREC_BUF_INIT;
    rc |= trec_block_compress(TREC_CODEC_LZ4, 0, raw.data, raw.len, &comp);
    trec_buf_put(&blk, comp.data, comp.len);
    trec_buf_release(&comp);
  }
  rc |= write_seed(dir, "block-lz4", 3, &blk);
  trec_buf_release(&raw);
  trec_buf_release(&pay);
  trec_buf_release(&blk);
  return rc ? 1 : 0;
}

static int run_dir(const char *dir, int *test_no){
  DIR *d = opendir(dir);
  struct dirent *de;
  char **names = NULL;
  size_t n = 0, cap = 0, total = 0;
  int bad = 0;
  if( !d ){
    printf("not ok %d - cannot open corpus %s\n", ++*test_no, dir);
    return 1;
  }
  while( (de = readdir(d)) ){
    if( de->d_name[0]=='.' ) continue;
    if( n==cap ){
      cap = cap ? cap*2 : 64;
      names = realloc(names, cap*sizeof *names);
      if( !names ) abort();
    }
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  for(size_t i=0; i<n; i++){
    char *path = join(dir, names[i]);
    unsigned char *data = NULL;
    long len = -1;
    FILE *f = fopen(path, "rb");
    if( f && !fseek(f, 0, SEEK_END) && (len = ftell(f))>=0 && !fseek(f, 0, SEEK_SET)
     && (data = malloc((size_t)len + 1)) && fread(data, 1, (size_t)len, f)==(size_t)len ){
      replay(data, (size_t)len);
      total += (size_t)len;
    }else{
      printf("# cannot read %s\n", path);
      bad++;
    }
    if( f ) fclose(f);
    free(path);
    free(data);
    free(names[i]);
  }
  printf("%s %d - %s: %zu inputs (%zu bytes), each with every prefix and 64 bit flips\n",
         bad || n==0 ? "not ok" : "ok", ++*test_no, dir, n, total);
  free(names);
  return bad;
}

int main(int argc, char **argv){
  int test_no = 0, bad = 0;
  if( argc==3 && !strcmp(argv[1], "--generate") ) return generate(argv[2]);
  if( argc<2 ){
    const char *src = getenv("TREC_SRCDIR");
    char *def = join(src ? src : ".", "tests/fuzz/corpus-chunk");
    bad |= run_dir(def, &test_no);
    free(def);
  }
  for(int i=1; i<argc; i++) bad |= run_dir(argv[i], &test_no);
  printf("1..%d\n", test_no);
  return bad;
}
