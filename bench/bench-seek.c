/*
** bench-seek.c: the replay engine's latency on a large trace (issue 5's
** "Performance"): time to open, then random seeks and single motions in
** both directions from random positions, each timed alone so the report
** can give the median and the worst case. Positions come from a fixed
** generator, so two runs on one trace do the same work.
**
** Prints one "name value" line per figure (milliseconds), for bench/run.py.
** Times are wall (CLOCK_MONOTONIC): a user waits for the wall clock.
**
** usage: bench-seek TRACE [n]      (n seeks and n motions of each kind;
**                                   default 200)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "replay/replay.h"

static double now_ms(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static uint64_t next_rand(uint64_t *s){
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 11;
}

static int cmp_double(const void *a, const void *b){
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void report(const char *name, double *t, size_t n){
  if( n==0 ) return;
  qsort(t, n, sizeof *t, cmp_double);
  printf("%s_median_ms %.4f\n%s_worst_ms %.4f\n", name, t[n/2], name, t[n-1]);
}

struct motion { const char *name; int dir, gran; };

int main(int argc, char **argv){
  static const struct motion motions[] = {
    { "step",         TREC_FORWARD,  TREC_STEP_STEP },
    { "reverse_step", TREC_BACKWARD, TREC_STEP_STEP },
    { "next",         TREC_FORWARD,  TREC_STEP_NEXT },
    { "reverse_next", TREC_BACKWARD, TREC_STEP_NEXT },
    { "return",       TREC_FORWARD,  TREC_STEP_RETURN },
    { "reverse_finish", TREC_BACKWARD, TREC_STEP_RETURN },
  };
  trec_replay *rp = NULL;
  double *t = NULL;
  size_t n = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 200;
  uint64_t first, last, span, rnd = 42;
  int rc = 1;
  if( argc < 2 || n==0 ){
    fprintf(stderr, "usage: bench-seek TRACE [n]\n");
    return 2;
  }
  double t0 = now_ms();
  if( trec_replay_open(argv[1], &rp)!=TREC_OK ){
    fprintf(stderr, "bench-seek: %s\n", rp ? trec_replay_errmsg(rp) : "out of memory");
    goto out;
  }
  printf("open_ms %.4f\n", now_ms() - t0);
  first = trec_reader_first_seq(trec_replay_reader(rp));
  last = trec_reader_last_seq(trec_replay_reader(rp));
  printf("events %llu\n", (unsigned long long)trec_reader_n_events(trec_replay_reader(rp)));
  span = last - first + 1;
  t = malloc(n * sizeof *t);
  if( !t || span==0 ) goto out;

  for(size_t i=0; i<n; i++){
    uint64_t seq = first + next_rand(&rnd) % span;
    double s = now_ms();
    if( trec_replay_seek(rp, seq)!=TREC_OK ){
      fprintf(stderr, "bench-seek: seek %llu: %s\n", (unsigned long long)seq,
              trec_replay_errmsg(rp));
      goto out;
    }
    t[i] = now_ms() - s;
  }
  report("seek", t, n);

  for(size_t m=0; m<sizeof motions / sizeof motions[0]; m++){
    size_t k = 0;
    for(size_t i=0; i<n; i++){
      struct trec_replay_stop stop;
      if( trec_replay_seek(rp, first + next_rand(&rnd) % span)!=TREC_OK ) goto out;
      double s = now_ms();
      if( trec_replay_step(rp, motions[m].dir, motions[m].gran, 0, &stop)!=TREC_OK ){
        fprintf(stderr, "bench-seek: %s: %s\n", motions[m].name, trec_replay_errmsg(rp));
        goto out;
      }
      t[k++] = now_ms() - s;
    }
    report(motions[m].name, t, k);
  }
  rc = 0;
out:
  free(t);
  trec_replay_close(rp);
  return rc;
}
