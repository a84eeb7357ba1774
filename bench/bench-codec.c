/*
** bench-codec.c: speed and size of the trace format on a synthetic
** loop-heavy stream, the shape that dominates real traces (a function
** looping over a few lines, a local changing at most events, a helper call
** now and then). Prints, per codec: encode+compress and
** decompress+decode rates in events per second on one core, and stored
** bytes per event; then the whole writer (append on this thread, encode +
** SQLite on the writer thread) and the file size per event.
**
** Issue 2's targets: encode+compress >= 20 M events/s, decode >= 100 M
** events/s, about 2 bytes/event or less. This program reports; it asserts
** nothing (timings do not belong in tests).
**
** usage: bench-codec [n_events]     (default 4 M)
*/
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "trace_int.h"

#define CHUNK 16384

/* CPU time of this thread: the machine may be shared, and the targets
** are per core. */
static double cpu_s(void){
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double proc_cpu_s(void){
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* def f(n):                # code 1, frame per call, slots: n total i
**     total = 0
**     for i in range(n):   # line 3: i changes
**         total += g(i)    # line 4: calls g, total changes
**     return total
** def g(x): return x * 2   # code 2, slot: x */
static struct trec_event *make_stream(size_t n, struct trec_buf *pay){
  struct trec_event *ev = malloc(n * sizeof *ev);
  size_t *off = malloc(n * sizeof *off);
  uint64_t frame = 0, f_frame = 0, seq = 0;
  int64_t total = 0, i = 0, ts = 0;
  int state = 0;
  if( !ev || !off ) abort();
  for(size_t k=0; k<n; k++){
    struct trec_event *e = &ev[k];
    size_t start = pay->len;
    *e = (struct trec_event){ .seq = ++seq, .thread = 1, .ts = TREC_NO_TS,
                              .offset = TREC_NO_OFFSET };
    if( k%64==0 ) e->ts = (ts += 640);      /* a timestamp now and then */
    switch( state ){
      case 0:                                /* call f(1000) */
        f_frame = ++frame;
        *e = (struct trec_event){ .seq = e->seq, .thread = 1, .ts = e->ts,
          .offset = TREC_NO_OFFSET, .kind = TREC_CALL, .frame = f_frame,
          .code = 1, .line = 1 };
        trec_payload_key(pay, TREC_PK_VAR, 0);
        trec_venc_int(pay, 1000);
        total = i = 0;
        state = 1;
        break;
      case 1:                                /* line 3: i = next */
        e->kind = TREC_LINE; e->frame = f_frame; e->code = 1; e->line = 3;
        trec_payload_key(pay, TREC_PK_VAR, 2);
        trec_venc_int(pay, i);
        state = 2;
        break;
      case 2:                                /* line 4 */
        e->kind = TREC_LINE; e->frame = f_frame; e->code = 1; e->line = 4;
        state = i%4==0 ? 3 : 6;
        break;
      case 3:                                /* call g(i) */
        e->kind = TREC_CALL; e->frame = ++frame; e->code = 2; e->line = 10;
        trec_payload_key(pay, TREC_PK_VAR, 0);
        trec_venc_int(pay, i);
        state = 4;
        break;
      case 4:
        e->kind = TREC_LINE; e->frame = frame; e->code = 2; e->line = 10;
        state = 5;
        break;
      case 5:                                /* return 2*i */
        e->kind = TREC_RETURN; e->frame = frame; e->code = 2; e->line = 10;
        trec_payload_key(pay, TREC_PK_RETURN, 0);
        trec_venc_int(pay, 2*i);
        state = 6;
        break;
      case 6:                                /* back in f: total changed */
        e->kind = TREC_LINE; e->frame = f_frame; e->code = 1; e->line = 3;
        total += 2*i;
        trec_payload_key(pay, TREC_PK_VAR, 1);
        trec_venc_int(pay, total);
        i++;
        state = i<1000 ? 1 : 7;
        break;
      default:                               /* return total */
        e->kind = TREC_RETURN; e->frame = f_frame; e->code = 1; e->line = 5;
        trec_payload_key(pay, TREC_PK_RETURN, 0);
        trec_venc_int(pay, total);
        state = 0;
        break;
    }
    off[k] = start;
    e->payload_len = (uint32_t)(pay->len - start);
  }
  for(size_t k=0; k<n; k++) ev[k].payload = ev[k].payload_len ? pay->data + off[k] : NULL;
  free(off);
  return ev;
}

/* The decoder's stack after chunk c, which started from st[0..n): each
** event leaves its frame on top at its depth (a return pops it). */
static size_t next_start(const struct trec_chunk *c, struct trec_stack_entry *st, size_t n){
  for(size_t j=0; j<c->n; j++){
    size_t d = c->depth[j];
    if( d>64 ) abort();
    st[d-1].frame = c->frame[j];
    st[d-1].code = c->code[j];
    st[d-1].line = c->line[j];
    n = c->kind[j]==TREC_RETURN ? d-1 : d;
  }
  return n;
}

static void bench_codec(const struct trec_event *ev, size_t n, int codec){
  struct trec_chunk_enc enc;
  struct trec_buf raw = TREC_BUF_INIT;
  struct trec_chunk c;
  struct trec_stack_entry start[64];
  size_t n_chunks = (n + CHUNK - 1)/CHUNK, stored = 0, raw_total = 0, n_start = 0;
  size_t *starts = calloc(n_chunks, sizeof *starts);
  size_t *raw_len = calloc(n_chunks, sizeof *raw_len);
  struct trec_stack_entry (*stacks)[64] = calloc(n_chunks, sizeof *stacks);
  struct trec_buf *comp = calloc(n_chunks, sizeof *comp);
  double t, enc_best = 1e9, dec_best = 1e9, scan_best = 1e9;
  if( !starts || !raw_len || !stacks || !comp ) abort();
  trec_chunk_enc_init(&enc);
  trec_chunk_init(&c);
  for(size_t k=0; k<n_chunks; k++){        /* each chunk's start stack */
    size_t len = k+1<n_chunks ? CHUNK : n - k*CHUNK;
    starts[k] = n_start;
    memcpy(stacks[k], start, sizeof start);
    trec_buf_reset(&raw);
    if( trec_chunk_encode_ex(&enc, ev + k*CHUNK, len, start, n_start, &raw, NULL)
     || trec_chunk_decode(raw.data, raw.len, &c) ) abort();
    n_start = next_start(&c, start, n_start);
  }
  for(int pass=0; pass<3; pass++){
    stored = raw_total = 0;
    t = cpu_s();
    for(size_t k=0; k<n_chunks; k++){
      size_t len = k+1<n_chunks ? CHUNK : n - k*CHUNK;
      trec_buf_reset(&raw);
      if( trec_chunk_encode_ex(&enc, ev + k*CHUNK, len, stacks[k], starts[k], &raw, NULL)
       || trec_block_compress(codec, 9, raw.data, raw.len, &comp[k]) ) abort();
      raw_len[k] = raw.len;
      stored += comp[k].len;
      raw_total += raw.len;
    }
    t = cpu_s() - t;
    if( t<enc_best ) enc_best = t;
  }
  /* pass 0-4: every column; 5-9: what a scan on kind/code/line needs */
  for(int pass=0; pass<10; pass++){
    size_t events = 0;
    unsigned flags = pass<5 ? 0 : TREC_DECODE_NO_TS | TREC_DECODE_NO_PAYLOAD;
    t = cpu_s();
    for(size_t k=0; k<n_chunks; k++){
      int rc = flags ? trec_chunk_decompress_scan(codec, comp[k].data, comp[k].len,
                                                  raw_len[k], 64 + 3*CHUNK, 0, &c.raw)
                     : trec_block_decompress(codec, comp[k].data, comp[k].len,
                                             raw_len[k], &c.raw);
      if( rc || trec_chunk_decode_ex(c.raw.data, c.raw.len, flags, &c) ) abort();
      events += c.n;
    }
    t = cpu_s() - t;
    if( events!=n ) abort();
    if( pass<5 && t<dec_best ) dec_best = t;
    if( pass>=5 && t<scan_best ) scan_best = t;
  }
  printf("%-6s encode+compress %6.1f M events/s   decompress+decode %6.1f M events/s"
         " (scan columns only %6.1f)   %.3f B/event stored (%.2f raw)\n",
         trec_codec_name(codec), (double)n/enc_best/1e6, (double)n/dec_best/1e6,
         (double)n/scan_best/1e6,
         (double)stored/(double)n, (double)raw_total/(double)n);
  for(size_t k=0; k<n_chunks; k++) trec_buf_release(&comp[k]);
  free(comp);
  free(starts);
  free(raw_len);
  free(stacks);
  trec_buf_release(&raw);
  trec_chunk_release(&c);
  trec_chunk_enc_release(&enc);
}

/* The whole writer: appends here, the writer thread encodes, compresses,
** keeps keyframes and inserts. Time is until close returns. */
static void bench_writer(const struct trec_event *ev, size_t n, const char *path){
  struct trec_writer_options o = { .path = path, .codec = TREC_CODEC_LZ4,
                                   .flush_ms = 250 };
  struct trec_close_info ci = { 0, 0, NULL };
  trec_writer *w;
  trec_stream *s;
  struct stat st;
  double t = now_s(), c = cpu_s(), p = proc_cpu_s(), t_append, c_append;
  if( trec_writer_open(&o, &w) || trec_writer_stream(w, 1, &s) ){
    fprintf(stderr, "bench-codec: %s\n", trec_writer_errmsg(w));
    exit(1);
  }
  for(size_t k=0; k<n; k++)
    if( trec_stream_append(s, &ev[k]) ){
      fprintf(stderr, "bench-codec: %s\n", trec_writer_errmsg(w));
      exit(1);
    }
  t_append = now_s() - t;
  c_append = cpu_s() - c;
  if( trec_writer_close(w, &ci) ) exit(1);
  t = now_s() - t;
  p = proc_cpu_s() - p;
  if( stat(path, &st) ) exit(1);
  printf("writer append %6.1f M events/s of the recording thread's CPU (%.1f wall)\n"
         "writer total  %6.1f M events/s of CPU, both threads, to a closed file"
         " (%.1f wall); file %.3f B/event\n",
         (double)n/c_append/1e6, (double)n/t_append/1e6, (double)n/p/1e6,
         (double)n/t/1e6, (double)st.st_size/(double)n);
  if( !getenv("BENCH_KEEP") ) unlink(path);
}

static int cmp_double(const void *a, const void *b){
  double x = *(const double*)a, y = *(const double*)b;
  return x<y ? -1 : x>y;
}

/* Opening a trace of many small chunks, and seeking in it: find the chunk
** of a random seq, read its keyframe, decode it. */
static void bench_reader(const struct trec_event *ev, size_t n, const char *path){
  struct trec_writer_options o = { .path = path, .codec = TREC_CODEC_LZ4,
                                   .chunk_events = 64, .flush_ms = 1000 };
  trec_writer *w;
  trec_stream *s;
  trec_reader *r;
  struct trec_chunk c;
  struct trec_keyframe k;
  double t, c0, lat[2000];
  uint64_t x = 88172645463325252ULL;
  if( trec_writer_open(&o, &w) || trec_writer_stream(w, 1, &s) ) exit(1);
  for(size_t i=0; i<n; i++) if( trec_stream_append(s, &ev[i]) ) exit(1);
  if( trec_writer_close(w, NULL) ) exit(1);
  t = now_s();
  c0 = cpu_s();
  if( trec_reader_open(path, 0, &r) ){
    fprintf(stderr, "bench-codec: %s\n", trec_reader_errmsg(r));
    exit(1);
  }
  c0 = cpu_s() - c0;
  t = now_s() - t;
  printf("reader open  %6.1f ms of CPU (%.1f wall) with %zu chunks\n", c0*1e3, t*1e3,
         trec_reader_n_chunks(r));
  trec_chunk_init(&c);
  trec_keyframe_init(&k);
  for(int i=0; i<2000; i++){
    size_t at;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    t = now_s();
    if( trec_reader_find_chunk(r, 1 + x % n, &at) || trec_reader_read_keyframe(r, at, &k)
     || trec_reader_read_chunk(r, at, &c) || trec_chunk_find_seq(&c, 1 + x % n)<0 ) exit(1);
    lat[i] = now_s() - t;
  }
  qsort(lat, 2000, sizeof *lat, cmp_double);
  printf("reader seek  p50 %.1f us, p99 %.1f us (find chunk, keyframe, decode; 64-event chunks)\n",
         lat[1000]*1e6, lat[1980]*1e6);
  trec_keyframe_release(&k);
  trec_chunk_release(&c);
  trec_reader_close(r);
  if( !getenv("BENCH_KEEP") ) unlink(path);
}

int main(int argc, char **argv){
  size_t n = argc>1 ? (size_t)strtoull(argv[1], NULL, 10) : (size_t)4 << 20;
  struct trec_buf pay = TREC_BUF_INIT;
  struct trec_event *ev;
  char path[64];
  if( n==0 ) n = 1;
  ev = make_stream(n, &pay);
  printf("bench-codec: %zu events, loop-heavy stream with locals changes,"
         " %d-event chunks, payload %.2f B/event\n", n, CHUNK, (double)pay.len/(double)n);
  bench_codec(ev, n, TREC_CODEC_LZ4);
  bench_codec(ev, n, TREC_CODEC_LZ4HC);
  snprintf(path, sizeof path, "/tmp/bench-codec.%d.trace", getenv("BENCH_KEEP") ? 0 : (int)getpid());
  bench_writer(ev, n, path);
  bench_reader(ev, n, path);
  free(ev);
  trec_buf_release(&pay);
  return 0;
}
