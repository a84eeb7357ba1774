/*
** t-replay.c: the replay engine against a naive model, on synthetic traces.
**
** A small simulator writes a random two-thread program (calls, lines,
** returns, exceptions, integer variables that change or are re-recorded
** unchanged) through the real writer, with chunks small enough that every
** motion crosses chunk boundaries and keyframes, and large enough that the
** in-chunk snapshots are used. While writing it keeps, per event, the stack
** it expects (frames, lines, values). The tests then ask the engine for the
** state at every event, and for every motion from every position in both
** directions, and compare with a linear scan of that model written from
** replay.h's text: two implementations that must agree.
*/
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "trace.h"
#include "replay/replay.h"
#include "replay/repl.h"

#define MAXD 8
#define NV 3            /* variables of f: a, x, y */
#define NONE INT64_MIN  /* no value */

struct mframe { uint64_t frame; uint32_t code; int32_t line; int64_t v[NV]; };
struct mstate { size_t n; struct mframe f[MAXD]; };
struct mev {
  uint64_t seq, frame;
  uint32_t thread, code, depth;
  int32_t line;
  uint8_t kind;
};

struct model {
  size_t n;
  struct mev ev[20000];
  struct mstate st[20000];   /* the thread's stack at each event */
};

static struct model M;
static char path[256];

/* code 1: <module> (names: g), code 2: f(a) with x, y; file 1 has 40 lines */
static const char *const mod_names[] = { "g", "h", "q" };
static const char *const f_names[] = { "a", "x", "y" };

struct sim {
  uint64_t r;
  struct mstate st;
  int64_t retval;
};

static uint64_t rnd(uint64_t *s){
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t next_frame = 1;

static void emit(trec_writer *w, struct sim *s, uint32_t thread, uint8_t kind,
                 uint32_t code, int32_t line, struct trec_buf *pl){
  struct trec_event ev;
  trec_stream *st;
  struct mframe *top = &s->st.f[s->st.n-1];
  memset(&ev, 0, sizeof(ev));
  ev.seq = M.n + 1;
  ev.frame = top->frame;
  ev.ts = TREC_NO_TS;
  ev.thread = thread;
  ev.code = code;
  ev.line = line;
  ev.offset = TREC_NO_OFFSET;
  ev.kind = kind;
  ev.payload = pl->data;
  ev.payload_len = (uint32_t)pl->len;
  assert_int_equal(trec_writer_stream(w, thread, &st), TREC_OK);
  assert_int_equal(trec_stream_append(st, &ev), TREC_OK);
  M.ev[M.n].seq = ev.seq;
  M.ev[M.n].frame = ev.frame;
  M.ev[M.n].thread = thread;
  M.ev[M.n].code = code;
  M.ev[M.n].depth = (uint32_t)s->st.n;
  M.ev[M.n].line = line;
  M.ev[M.n].kind = kind;
  top->line = line;
  M.st[M.n] = s->st;
  M.n++;
}

/* One step of thread sim s. */
static void sim_step(trec_writer *w, struct sim *s, uint32_t thread, int last){
  struct trec_buf pl = TREC_BUF_INIT;
  struct mframe *top = &s->st.f[s->st.n-1];
  uint64_t pick = rnd(&s->r) % 100;
  int32_t line = 2 + (int32_t)(rnd(&s->r) % 30);
  if( last || (s->st.n>1 && pick<12) ){
    /* return (the module frame returns only at the end) */
    int64_t rv = (int64_t)(rnd(&s->r) % 50);
    trec_payload_key(&pl, TREC_PK_RETURN, 0);
    trec_venc_int(&pl, rv);
    emit(w, s, thread, TREC_RETURN, top->code, top->line, &pl);
    s->st.n--;
  }else if( s->st.n<MAXD-1 && pick<30 ){
    struct mframe *f = &s->st.f[s->st.n++];
    int64_t a = (int64_t)(rnd(&s->r) % 10);
    memset(f, 0, sizeof(*f));
    f->frame = next_frame++;
    f->code = 2;
    f->v[0] = a; f->v[1] = NONE; f->v[2] = NONE;
    trec_payload_key(&pl, TREC_PK_VAR, 0);
    trec_venc_int(&pl, a);
    emit(w, s, thread, TREC_CALL, 2, 1, &pl);
  }else if( pick<33 && top->code==2 ){
    trec_payload_key(&pl, TREC_PK_EXCEPTION, 0);
    trec_venc_exc(&pl, 77, "ValueError", 10);
    trec_venc_container(&pl, TREC_V_TUPLE, 0, 1, 1);
    trec_venc_str(&pl, "bad", 3, 3);
    emit(w, s, thread, TREC_EXCEPTION, top->code, top->line, &pl);
  }else{
    /* a line event: maybe a change of one variable, maybe an unchanged
    ** re-recording (the recorder does that for mutable values) */
    uint32_t slot = (uint32_t)(rnd(&s->r) % NV);
    uint64_t what = rnd(&s->r) % 4;
    if( what<2 ){
      int64_t v = (int64_t)(rnd(&s->r) % 6);
      top->v[slot] = v;
      trec_payload_key(&pl, TREC_PK_VAR, slot);
      trec_venc_int(&pl, v);
    }else if( what==2 && top->v[slot]!=NONE ){
      trec_payload_key(&pl, TREC_PK_VAR, slot);
      trec_venc_int(&pl, top->v[slot]);
    }
    emit(w, s, thread, TREC_LINE, top->code, line, &pl);
  }
  trec_buf_release(&pl);
}

static void build(uint32_t chunk_events, size_t n_events, uint64_t seed){
  struct trec_writer_options o = { .path = path, .chunk_events = chunk_events };
  struct trec_code mod = { 1, 1, "<module>", "<module>", 1, 0, 0, 3, mod_names };
  struct trec_code fn = { 2, 1, "f", "f", 1, TREC_CO_OPTIMIZED, 1, 3, f_names };
  struct trec_thread t1 = { 1, 100, 1000, "MainThread", 0, 0, 0 };
  struct trec_thread t2 = { 2, 200, 2000, "Worker", 0, 0, 0 };
  struct trec_close_info ci = { 0, 0, NULL };
  struct sim s[2];
  struct trec_buf src = TREC_BUF_INIT, pl = TREC_BUF_INIT;
  trec_writer *w;
  int started2 = 0;
  uint32_t cur = 0;
  memset(s, 0, sizeof(s));
  M.n = 0;
  next_frame = 1;
  for(int i=1; i<=40; i++){
    if( i%10==0 ) trec_buf_printf(&src, "    # comment %d\n", i);
    else trec_buf_printf(&src, "    x = %d\n", i);
  }
  assert_int_equal(trec_writer_open(&o, &w), TREC_OK);
  assert_int_equal(trec_writer_add_file(w, 1, "/src/prog.py", src.data, (int64_t)src.len), TREC_OK);
  assert_int_equal(trec_writer_add_code(w, &mod), TREC_OK);
  assert_int_equal(trec_writer_add_code(w, &fn), TREC_OK);
  assert_int_equal(trec_writer_add_thread(w, &t1), TREC_OK);
  assert_int_equal(trec_writer_add_thread(w, &t2), TREC_OK);
  for(uint32_t t=0; t<2; t++){
    s[t].r = seed*7 + t;
    s[t].st.n = 1;
    s[t].st.f[0].frame = next_frame++;
    s[t].st.f[0].code = 1;
    for(int k=0; k<NV; k++) s[t].st.f[0].v[k] = NONE;
  }
  /* thread 1 starts, thread 2 joins later, both unwind at the end */
  emit(w, &s[0], 1, TREC_CALL, 1, 0, &pl);
  while( M.n<n_events ){
    if( M.n>n_events/8 && rnd(&s[0].r)%100<8 ){
      cur = 1-cur;
      if( cur==1 && !started2 ){
        started2 = 1;
        emit(w, &s[1], 2, TREC_CALL, 1, 0, &pl);
        continue;
      }
    }
    sim_step(w, &s[cur], cur+1, 0);
  }
  for(uint32_t t=0; t<(started2 ? 2u : 1u); t++){
    while( s[t].st.n>0 ) sim_step(w, &s[t], t+1, 1);
  }
  assert_int_equal(trec_writer_close(w, &ci), TREC_OK);
  trec_buf_release(&src);
  trec_buf_release(&pl);
}

static trec_replay *open_rp(void){
  trec_replay *rp;
  int rc = trec_replay_open(path, &rp);
  if( rc ) fail_msg("replay_open: %s", trec_replay_errmsg(rp));
  return rp;
}

static int64_t val_int(const unsigned char *p, const unsigned char *e){
  struct trec_value v;
  assert_int_equal(trec_value_read(p, e, &v), TREC_OK);
  assert_int_equal(v.tag, TREC_V_INT);
  return v.i;
}

/* The engine's state at the cursor equals the model's at event i. */
static void check_state(trec_replay *rp, size_t i){
  const struct mstate *ms = &M.st[i];
  struct trec_event ev;
  assert_int_equal(trec_replay_seq(rp), M.ev[i].seq);
  assert_int_equal(trec_replay_thread(rp), M.ev[i].thread);
  assert_int_equal(trec_replay_event(rp, &ev), TREC_OK);
  assert_int_equal(ev.kind, M.ev[i].kind);
  assert_int_equal(trec_replay_n_frames(rp), ms->n);
  for(size_t l=0; l<ms->n; l++){
    struct trec_replay_frame f;
    assert_int_equal(trec_replay_frame(rp, l, &f), TREC_OK);
    assert_int_equal(f.frame, ms->f[l].frame);
    assert_int_equal(f.code->id, ms->f[l].code);
    assert_int_equal(f.line, ms->f[l].line);
    for(uint32_t k=0; k<NV; k++){
      struct trec_replay_var v;
      int rc = trec_replay_var(rp, l, k, &v);
      if( ms->f[l].v[k]==NONE ){
        assert_int_equal(rc, TREC_ERR_NOTFOUND);
      }else{
        assert_int_equal(rc, TREC_OK);
        assert_int_equal(val_int(v.value, v.value_end), ms->f[l].v[k]);
      }
    }
  }
}

static void test_seek_every_event(void **state){
  trec_replay *rp;
  (void)state;
  build(7, 1500, 1);
  rp = open_rp();
  for(size_t i=0; i<M.n; i++){
    assert_int_equal(trec_replay_seek(rp, M.ev[i].seq), TREC_OK);
    check_state(rp, i);
  }
  /* random order: the cache evicts and rebuilds */
  {
    uint64_t r = 5;
    for(int k=0; k<3000; k++){
      size_t i = (size_t)(rnd(&r) % M.n);
      assert_int_equal(trec_replay_seek(rp, M.ev[i].seq), TREC_OK);
      check_state(rp, i);
    }
  }
  assert_int_equal(trec_replay_seek(rp, 0), TREC_ERR_RANGE);
  assert_int_equal(trec_replay_seek(rp, M.n+1), TREC_ERR_RANGE);
  trec_replay_close(rp);
}

/* ---- the naive model of motions (replay.h's text, as a linear scan) ---- */

static int step_ok(int kind){ return kind!=TREC_OPCODE; }

static long naive(int gran, int dir, size_t pos, int32_t arg){
  const struct mev *c = &M.ev[pos];
  uint32_t d = c->depth;
  int kind0 = c->kind;
  int32_t target = arg>0 ? arg : c->line + dir;
  int out = 0;
  if( kind0==(dir>0 ? TREC_RETURN : TREC_CALL) ){
    if( gran==TREC_STEP_NEXT || gran==TREC_STEP_UNTIL ) gran = TREC_STEP_STEP;
    else if( gran==TREC_STEP_RETURN ) out = 1;
  }
  for(long i=(long)pos+dir; i>=0 && (size_t)i<M.n; i+=dir){
    const struct mev *e = &M.ev[i];
    int same;
    if( e->thread!=c->thread ) continue;
    same = e->depth==d && e->frame==c->frame;
    if( out ){
      if( step_ok(e->kind) && e->depth<d ) return i;
      continue;
    }
    switch( gran ){
      case TREC_STEP_EVENT: return i;
      case TREC_STEP_STEP: if( step_ok(e->kind) ) return i; break;
      case TREC_STEP_LINE: if( e->kind==TREC_LINE ) return i; break;
      case TREC_STEP_NEXT: if( step_ok(e->kind) && e->depth<=d ) return i; break;
      case TREC_STEP_RETURN:
        if( step_ok(e->kind) && e->depth<d ) return i;
        if( same && e->kind==(dir>0 ? TREC_RETURN : TREC_CALL) ) return i;
        break;
      case TREC_STEP_UNTIL:
        if( step_ok(e->kind) && e->depth<d ) return i;
        if( !same ) break;
        if( dir>0 && e->kind==TREC_RETURN ) return i;
        if( dir<0 && e->kind==TREC_CALL ) return i;
        if( (e->kind==TREC_LINE || e->kind==TREC_EXCEPTION)
            && (dir>0 ? e->line>=target : e->line<=target) ) return i;
        break;
    }
  }
  return -1;
}

static void test_every_motion(void **state){
  static const int grans[] = { TREC_STEP_EVENT, TREC_STEP_STEP, TREC_STEP_LINE,
                               TREC_STEP_NEXT, TREC_STEP_RETURN, TREC_STEP_UNTIL };
  trec_replay *rp;
  (void)state;
  build(300, 2500, 2);
  rp = open_rp();
  for(size_t i=0; i<M.n; i++){
    for(size_t g=0; g<sizeof(grans)/sizeof(grans[0]); g++){
      for(int dir=-1; dir<=1; dir+=2){
        struct trec_replay_stop st;
        long want = naive(grans[g], dir, i, 0);
        assert_int_equal(trec_replay_seek(rp, M.ev[i].seq), TREC_OK);
        assert_int_equal(trec_replay_step(rp, dir, grans[g], 0, &st), TREC_OK);
        if( want<0 ){
          assert_int_equal(st.reason, dir>0 ? TREC_STOP_END : TREC_STOP_START);
          assert_int_equal(st.moved, 0);
          assert_int_equal(trec_replay_seq(rp), M.ev[i].seq);
        }else{
          if( trec_replay_seq(rp)!=M.ev[want].seq ){
            fail_msg("gran %d dir %d from seq %llu: engine %llu, model %llu", grans[g], dir,
                     (unsigned long long)M.ev[i].seq, (unsigned long long)trec_replay_seq(rp),
                     (unsigned long long)M.ev[want].seq);
          }
          assert_int_equal(st.reason, TREC_STOP_STEP);
          check_state(rp, (size_t)want);
        }
      }
    }
  }
  trec_replay_close(rp);
}

/* A backward walk visits exactly the reverse of the forward walk. */
static void test_walk_reverse(void **state){
  trec_replay *rp;
  struct trec_replay_stop st;
  uint64_t *fw = malloc(20000*sizeof(*fw));
  size_t n = 0;
  (void)state;
  build(5, 800, 3);
  rp = open_rp();
  for(;;){
    fw[n++] = trec_replay_seq(rp);
    assert_int_equal(trec_replay_step(rp, TREC_FORWARD, TREC_STEP_STEP, 0, &st), TREC_OK);
    if( st.reason==TREC_STOP_END ) break;
  }
  for(size_t k=n; k>0; k--){
    assert_int_equal(trec_replay_seq(rp), fw[k-1]);
    assert_int_equal(trec_replay_step(rp, TREC_BACKWARD, TREC_STEP_STEP, 0, &st), TREC_OK);
    if( k>1 ) assert_int_equal(st.reason, TREC_STOP_STEP);
  }
  assert_int_equal(st.reason, TREC_STOP_START);
  assert_int_equal(st.moved, 0);
  free(fw);
  trec_replay_close(rp);
}

/* continue / reverse-continue with a conditional breakpoint, any thread */
static long naive_bp(int dir, size_t pos, int32_t line, int64_t gt){
  for(long i=(long)pos+dir; i>=0 && (size_t)i<M.n; i+=dir){
    const struct mframe *top;
    if( M.ev[i].kind!=TREC_LINE || M.ev[i].line!=line ) continue;
    top = &M.st[i].f[M.st[i].n-1];
    if( top->code!=2 ) return i;   /* no x in module frames: an error stops, as in pdb */
    if( top->v[1]==NONE || top->v[1]>gt ) return i;
  }
  return -1;
}

static void test_breakpoints(void **state){
  trec_replay *rp;
  int id, rc;
  (void)state;
  build(9, 2000, 4);
  rp = open_rp();
  assert_int_equal(trec_replay_break_add(rp, "prog.py:10", NULL, 0, &id), TREC_ERR_NOTFOUND);  /* comment */
  assert_int_equal(trec_replay_break_add(rp, "nosuch.py:3", NULL, 0, &id), TREC_ERR_NOTFOUND);
  assert_int_equal(trec_replay_break_add(rp, "prog.py:5", "x >", 0, &id), TREC_ERR_INVALID);
  assert_int_equal(trec_replay_break_add(rp, "f", NULL, 0, &id), TREC_OK);
  assert_int_equal(trec_replay_break_enable(rp, id, 0), TREC_OK);
  rc = trec_replay_break_add(rp, "/src/prog.py:7", "x > 2", 0, &id);
  assert_int_equal(rc, TREC_OK);
  for(size_t i=0; i<M.n; i+=37){
    for(int dir=-1; dir<=1; dir+=2){
      struct trec_replay_stop st;
      long want = naive_bp(dir, i, 7, 2);
      assert_int_equal(trec_replay_seek(rp, M.ev[i].seq), TREC_OK);
      assert_int_equal(trec_replay_continue(rp, dir, &st), TREC_OK);
      if( want<0 ){
        assert_int_equal(st.reason, dir>0 ? TREC_STOP_END : TREC_STOP_START);
        assert_int_equal(trec_replay_seq(rp), dir>0 ? M.n : 1);
      }else{
        assert_int_equal(st.reason, TREC_STOP_BREAK);
        assert_int_equal(st.id, id);
        assert_int_equal(trec_replay_seq(rp), M.ev[want].seq);
      }
    }
  }
  /* ignore: the third hit forward stops */
  {
    struct trec_replay_stop st;
    long a = naive_bp(1, 0, 7, 2), b, c;
    if( a>=0 && (b = naive_bp(1, (size_t)a, 7, 2))>=0 && (c = naive_bp(1, (size_t)b, 7, 2))>=0 ){
      assert_int_equal(trec_replay_seek(rp, 1), TREC_OK);
      assert_int_equal(trec_replay_break_ignore(rp, id, 2), TREC_OK);
      assert_int_equal(trec_replay_continue(rp, TREC_FORWARD, &st), TREC_OK);
      assert_int_equal(trec_replay_seq(rp), M.ev[c].seq);
    }
  }
  trec_replay_close(rp);
}

/* watch x in a frame: the events where x changes, both ways, up to the
** frame's return (forward) or call (backward), where the watch goes
** (*gone); the model's frames are functions' */
static long naive_watch(int dir, size_t pos, uint64_t frame, int *gone,
                        int *changed){
  *gone = *changed = 0;
  for(long i=(long)pos+dir; i>=0 && (size_t)i<M.n; i+=dir){
    const struct mframe *now = NULL, *before = NULL;
    long p;
    if( M.ev[i].frame!=frame ) continue;
    *gone = M.ev[i].kind==(dir>0 ? TREC_RETURN : TREC_CALL);
    if( M.ev[i].kind==TREC_CALL ){
      if( *gone ) return i;
      continue;
    }
    for(size_t l=0; l<M.st[i].n; l++) if( M.st[i].f[l].frame==frame ) now = &M.st[i].f[l];
    for(p=i-1; p>=0 && M.ev[p].thread!=M.ev[i].thread; p--) ;
    if( p>=0 ){
      for(size_t l=0; l<M.st[p].n; l++) if( M.st[p].f[l].frame==frame ) before = &M.st[p].f[l];
    }
    *changed = now && before && now->v[1]!=before->v[1];
    if( *changed || *gone ) return i;
  }
  return -1;
}

static void test_watch(void **state){
  trec_replay *rp;
  int checked = 0, gone_seen = 0;
  (void)state;
  build(11, 2000, 5);
  rp = open_rp();
  for(size_t i=0; i<M.n && checked<60; i+=13){
    const struct mstate *ms = &M.st[i];
    if( ms->f[ms->n-1].code!=2 || M.ev[i].kind==TREC_RETURN ) continue;
    for(int dir=-1; dir<=1; dir+=2){
      struct trec_replay_stop st;
      int id, gone, changed;
      long want = naive_watch(dir, i, ms->f[ms->n-1].frame, &gone, &changed);
      assert_int_equal(trec_replay_seek(rp, M.ev[i].seq), TREC_OK);
      assert_int_equal(trec_replay_watch_add(rp, ms->n-1, "x", &id), TREC_OK);
      assert_int_equal(trec_replay_continue(rp, dir, &st), TREC_OK);
      if( want<0 ){
        assert_int_equal(st.reason, dir>0 ? TREC_STOP_END : TREC_STOP_START);
      }else{
        assert_int_equal(st.reason, TREC_STOP_WATCH);
        assert_int_equal(st.id, id);
        assert_int_equal(trec_replay_seq(rp), M.ev[want].seq);
        assert_int_equal(st.n_gone, (size_t)gone);
        if( gone ){
          assert_int_equal(st.gone[0], id);
          gone_seen++;
        }
        assert_int_equal(st.n_changes, (size_t)changed);
        if( st.n_changes ){
          assert_int_equal(st.changes[0].id, id);
          assert_string_equal(st.changes[0].expr, "x");
          assert_non_null(st.changes[0].new_value);
        }else{
          assert_true(gone);
        }
        checked++;
      }
      assert_int_equal(trec_replay_watch_delete(rp, id), gone ? TREC_ERR_NOTFOUND : TREC_OK);
    }
  }
  assert_true(checked>10);
  assert_true(gone_seen>0);
  trec_replay_close(rp);
}

/* a watch and a breakpoint together: the nearer stops; at one event the
** breakpoint stops and the watch's change comes with it, so that the next
** continue does not pass it over */
static void test_watch_at_breakpoint(void **state){
  trec_replay *rp;
  int both = 0, checked = 0;
  (void)state;
  build(11, 2000, 5);
  rp = open_rp();
  for(size_t i=0; i<M.n && checked<80; i+=7){
    const struct mstate *ms = &M.st[i];
    if( ms->f[ms->n-1].code!=2 || M.ev[i].kind==TREC_RETURN ) continue;
    for(int dir=-1; dir<=1; dir+=2){
      struct trec_replay_stop st;
      int wid, bid, gone, changed;
      long w = naive_watch(dir, i, ms->f[ms->n-1].frame, &gone, &changed);
      long b = naive_bp(dir, i, 7, INT64_MIN);
      long want = w<0 ? b : b<0 ? w : dir>0 ? (w<b ? w : b) : (w>b ? w : b);
      if( want<0 ) continue;
      assert_int_equal(trec_replay_seek(rp, M.ev[i].seq), TREC_OK);
      assert_int_equal(trec_replay_watch_add(rp, ms->n-1, "x", &wid), TREC_OK);
      assert_int_equal(trec_replay_break_add(rp, "prog.py:7", NULL, 0, &bid), TREC_OK);
      assert_int_equal(trec_replay_continue(rp, dir, &st), TREC_OK);
      assert_int_equal(trec_replay_seq(rp), M.ev[want].seq);
      assert_int_equal(st.reason, want==b ? TREC_STOP_BREAK : TREC_STOP_WATCH);
      assert_int_equal(st.id, want==b ? bid : wid);
      assert_int_equal(st.n_changes, (size_t)(want==w && changed));
      assert_int_equal(st.n_gone, (size_t)(want==w && gone));
      if( want==w && want==b ) both++;
      assert_int_equal(trec_replay_break_delete(rp, bid), TREC_OK);
      if( !(want==w && gone) ) assert_int_equal(trec_replay_watch_delete(rp, wid), TREC_OK);
      checked++;
    }
  }
  assert_true(checked>20);
  assert_true(both>0);
  trec_replay_close(rp);
}

/* an interrupt (Ctrl-C's flag) stops a continue and a next with
** TREC_ERR_INTERRUPTED, the cursor where it was; cleared, they run */
static void test_interrupt(void **state){
  trec_replay *rp;
  struct trec_replay_stop st;
  volatile sig_atomic_t flag = 1;
  int id;
  (void)state;
  build(12, 2000, 4);
  rp = open_rp();
  assert_int_equal(trec_replay_break_add(rp, "prog.py:7", "x > 1000000", 0, &id), TREC_OK);
  trec_replay_set_interrupt(rp, &flag);
  assert_int_equal(trec_replay_seek(rp, 5), TREC_OK);
  assert_int_equal(trec_replay_continue(rp, TREC_FORWARD, &st), TREC_ERR_INTERRUPTED);
  assert_int_equal(trec_replay_seq(rp), 5);
  assert_non_null(strstr(trec_replay_errmsg(rp), "Interrupted"));
  assert_int_equal(trec_replay_step(rp, TREC_FORWARD, TREC_STEP_NEXT, 0, &st), TREC_ERR_INTERRUPTED);
  assert_int_equal(trec_replay_seq(rp), 5);
  flag = 0;
  assert_int_equal(trec_replay_continue(rp, TREC_FORWARD, &st), TREC_OK);
  assert_true(st.moved && trec_replay_seq(rp)>5);
  trec_replay_close(rp);
}

static void test_eval_and_repl(void **state){
  trec_replay *rp;
  trec_repl *repl;
  struct trec_buf out = TREC_BUF_INIT;
  size_t i;
  (void)state;
  build(50, 600, 6);
  rp = open_rp();
  /* an f frame where a and x are set */
  for(i=0; i<M.n; i++){
    const struct mframe *t = &M.st[i].f[M.st[i].n-1];
    if( t->code==2 && t->v[1]!=NONE && M.ev[i].kind==TREC_LINE ) break;
  }
  assert_true(i<M.n);
  assert_int_equal(trec_replay_seek(rp, M.ev[i].seq), TREC_OK);
  {
    const struct mframe *t = &M.st[i].f[M.st[i].n-1];
    char expr[64];
    struct trec_value v;
    snprintf(expr, sizeof(expr), "x == %lld and a >= 0", (long long)t->v[1]);
    assert_int_equal(trec_replay_eval(rp, M.st[i].n-1, expr, &out), TREC_OK);
    assert_int_equal(trec_value_read(out.data, out.data+out.len, &v), TREC_OK);
    assert_int_equal(v.tag, TREC_V_TRUE);
    assert_int_equal(trec_replay_eval(rp, M.st[i].n-1, "nosuch", &out), TREC_ERR_NOTFOUND);
    assert_string_equal(trec_replay_errmsg(rp), "NameError: name 'nosuch' is not defined");
    assert_int_equal(trec_replay_eval(rp, M.st[i].n-1, "a(1)", &out), TREC_ERR_INVALID);
    assert_int_equal(trec_replay_eval(rp, M.st[i].n-1, "(1, 2", &out), TREC_ERR_INVALID);
  }
  assert_int_equal(trec_repl_new(rp, &repl), TREC_OK);
  trec_buf_reset(&out);
  trec_repl_command(repl, "p a", &out);
  {
    char want[64];
    snprintf(want, sizeof(want), "%lld\n", (long long)M.st[i].f[M.st[i].n-1].v[0]);
    assert_string_equal(trec_buf_cstr(&out), want);
  }
  trec_buf_reset(&out);
  trec_repl_command(repl, "where", &out);
  assert_non_null(strstr(trec_buf_cstr(&out), "> /src/prog.py("));
  trec_buf_reset(&out);
  trec_repl_command(repl, "nosuchcommand", &out);
  assert_non_null(strstr(trec_buf_cstr(&out), "*** Unknown command"));
  trec_buf_reset(&out);
  assert_int_equal(trec_repl_command(repl, "q", &out), 1);
  trec_repl_free(repl);
  trec_buf_release(&out);
  trec_replay_close(rp);
}

/* Expression value: TREC_OK and 1 when expr evaluates to True. */
static int eval_true(trec_replay *rp, size_t level, const char *expr){
  struct trec_buf out = TREC_BUF_INIT;
  struct trec_value v;
  int rc = trec_replay_eval(rp, level, expr, &out), t = 0;
  if( rc==TREC_OK && trec_value_read(out.data, out.data+out.len, &v)==TREC_OK )
    t = v.tag==TREC_V_TRUE;
  trec_buf_release(&out);
  if( !t ) print_message("not True: %s (rc %d: %s)\n", expr, rc, trec_replay_errmsg(rp));
  return rc==TREC_OK && t;
}

/* Arithmetic at the edges of its 127-bit ints, checked by the identities
** Python's ints keep (floor division and modulo agree with each other,
** the remainder takes the divisor's sign: on operands small enough that
** every intermediate fits), and refused past the edges;
** run under the sanitizers, it also finds undefined shifts and overflows. */
static void test_eval_arith(void **state){
  static const char *const nums[] = {
    "0", "1", "-1", "7", "-7", "9223372036854775807", "-9223372036854775808",
    "2**100", "-(2**100)", "(2**125 + 7)", "-(2**125 + 7)", "True", "(2**64 + 3)"
  };
  static const char *const divisors[] = {
    "1", "-1", "3", "-3", "2**64", "-(2**63)", "(2**125 + 5)", "True"
  };
  static const char *const refused[] = {
    "170141183460469231731687303715884105727 + 1", "2**127",
    "-170141183460469231731687303715884105727 - 2", "1 << 127", "(2**126) * 2", "~170141183460469231731687303715884105727",
    "round(170141183460469231731687303715884105727, -1)", "round(170141183460469231731687303715884105727, -38)", "int(1e40)",
    "3 ** 200", "2 ** 64 * 2 ** 64", "-1 << 127", "'ab' * 100000000",
    "170141183460469231731687303715884105728"
  };
  /* a repeat count past Py_ssize_t, as Python says */
  static const char *const overflow[] = { "'' * 2**100", "'ab' * 2**100", "b'' * -(2**64)" };
  static const char *const by_zero[] = { "1 // 0", "1 % 0", "1 / 0", "1.0 // 0.0", "0 ** -1",
                                         "2**100 % 0", "-1.5 % 0" };
  static const char *const truths[] = {
    "1 << 126 == 2**126", "-1 << 126 == -(2**126)", "-1 >> 200 == -1", "5 >> 200 == 0",
    "(-1) ** (2**100) == 1", "0 ** 0 == 1", "'' * 2**62 == ''",
    "0.0 ** -(1e308 * 10) == 1e308 * 10", "6683116752304179683 / 253452 == 26368372521440.668",
    "170141183460469231731687303715884105727 // -1 == -170141183460469231731687303715884105727", "-9223372036854775808 // -1 == 2**63",
    "~(170141183460469231731687303715884105727 - 1) == -170141183460469231731687303715884105727", "abs(-9223372036854775808) == 2**63",
    "-(-9223372036854775808) == 2**63", "2**126 // 2**63 == 2**63",
    "-(-170141183460469231731687303715884105727) - 170141183460469231731687303715884105727 == 0", "-170141183460469231731687303715884105727 + 1 > -170141183460469231731687303715884105727",
    "'hé€x'.find('x') == len('hé€')", "'hé€x'.count('') == 5", "min(3, 1, 2) == 1",
    "max('b', 'a') == 'b'", "sum((1, 2.5)) == 3.5", "(1, 2).index(2) == 1",
    "7 // 2 == 3 and -7 // 2 == -4 and 7 % -2 == -1", "2 ** -1 == 0.5", "1 / 4 == 0.25",
    "round(123, -39) == 0", "round(-(10**37) * 5, -38) == 0",
    "round(15 * 10**36, -37) == 2 * 10**37", "round(-7.5) == -8 and int(-7.5) == -7"
  };
  trec_replay *rp;
  size_t level;
  char expr[512];
  (void)state;
  build(20, 200, 4);
  rp = open_rp();
  assert_int_equal(trec_replay_seek(rp, M.ev[M.n/2].seq), TREC_OK);
  level = M.st[M.n/2].n - 1;
  for(size_t i=0; i<sizeof(nums)/sizeof(nums[0]); i++){
    for(size_t j=0; j<sizeof(divisors)/sizeof(divisors[0]); j++){
      const char *a = nums[i], *b = divisors[j];
      snprintf(expr, sizeof(expr), "(%s // %s) * %s + %s %% %s == %s", a, b, b, a, b, a);
      assert_true(eval_true(rp, level, expr));
      snprintf(expr, sizeof(expr), "0 <= %s %% %s < %s or %s < %s %% %s <= 0", a, b, b, b, a, b);
      assert_true(eval_true(rp, level, expr));
      snprintf(expr, sizeof(expr), "-(-%s) == %s and %s - %s == 0 and %s + 0 == %s",
               a, a, a, a, a, a);
      assert_true(eval_true(rp, level, expr));
    }
  }
  for(size_t i=0; i<sizeof(truths)/sizeof(truths[0]); i++){
    assert_true(eval_true(rp, level, truths[i]));
  }
  for(size_t i=0; i<sizeof(refused)/sizeof(refused[0]); i++){
    struct trec_buf out = TREC_BUF_INIT;
    assert_int_equal(trec_replay_eval(rp, level, refused[i], &out), TREC_ERR_LIMIT);
    trec_buf_release(&out);
  }
  for(size_t i=0; i<sizeof(overflow)/sizeof(overflow[0]); i++){
    struct trec_buf out = TREC_BUF_INIT;
    assert_int_equal(trec_replay_eval(rp, level, overflow[i], &out), TREC_ERR_RANGE);
    assert_non_null(strstr(trec_replay_errmsg(rp), "OverflowError: cannot fit 'int'"));
    trec_buf_release(&out);
  }
  for(size_t i=0; i<sizeof(by_zero)/sizeof(by_zero[0]); i++){
    struct trec_buf out = TREC_BUF_INIT;
    assert_int_equal(trec_replay_eval(rp, level, by_zero[i], &out), TREC_ERR_RANGE);
    assert_non_null(strstr(trec_replay_errmsg(rp), "ZeroDivisionError"));
    trec_buf_release(&out);
  }
  trec_replay_close(rp);
}

static void test_bad_files(void **state){
  trec_replay *rp = NULL;
  char bad[300];
  FILE *f;
  (void)state;
  snprintf(bad, sizeof(bad), "%s.bad", path);
  f = fopen(bad, "w");
  fputs("this is not a trace\n", f);
  fclose(f);
  assert_int_not_equal(trec_replay_open(bad, &rp), TREC_OK);
  assert_non_null(trec_replay_errmsg(rp));
  trec_replay_close(rp);
  rp = NULL;
  assert_int_equal(trec_replay_open("/nonexistent/x.trace", &rp), TREC_ERR_IO);
  trec_replay_close(rp);
  unlink(bad);
}

static void test_empty_trace(void **state){
  struct trec_writer_options o = { .path = path };
  struct trec_close_info ci = { 0, 0, NULL };
  struct trec_replay_stop st;
  struct trec_buf out = TREC_BUF_INIT;
  struct trec_event ev;
  trec_writer *w;
  trec_replay *rp;
  trec_repl *repl;
  int id;
  (void)state;
  assert_int_equal(trec_writer_open(&o, &w), TREC_OK);
  assert_int_equal(trec_writer_close(w, &ci), TREC_OK);
  rp = open_rp();
  assert_int_equal(trec_replay_seq(rp), 0);
  assert_int_equal(trec_replay_n_frames(rp), 0);
  assert_int_equal(trec_replay_event(rp, &ev), TREC_ERR_STATE);
  assert_int_equal(trec_replay_step(rp, TREC_FORWARD, TREC_STEP_NEXT, 0, &st), TREC_OK);
  assert_int_equal(st.reason, TREC_STOP_END);
  assert_int_equal(trec_replay_continue(rp, TREC_BACKWARD, &st), TREC_OK);
  assert_int_equal(st.reason, TREC_STOP_START);
  assert_int_equal(trec_replay_seek(rp, 1), TREC_ERR_RANGE);
  assert_int_not_equal(trec_replay_break_add(rp, "3", NULL, 0, &id), TREC_OK);
  assert_int_equal(trec_repl_new(rp, &repl), TREC_OK);
  trec_repl_start(repl, &out);
  assert_string_equal(trec_buf_cstr(&out), "*** the recording has no events\n");
  trec_buf_reset(&out);
  trec_repl_command(repl, "n;;rs;;where;;locals;;threads;;info;;list;;ll;;p 1", &out);
  assert_non_null(strstr(trec_buf_cstr(&out), "no later event"));
  trec_repl_free(repl);
  trec_buf_release(&out);
  trec_replay_close(rp);
}

/* One event of a hand-built main thread: frame ids are depths. */
static void put_ev(trec_stream *st, uint64_t seq, uint8_t kind, uint32_t depth,
                   int32_t line, uint64_t exc){
  struct trec_buf pl = TREC_BUF_INIT;
  struct trec_event ev;
  memset(&ev, 0, sizeof(ev));
  if( kind==TREC_EXCEPTION ){
    trec_payload_key(&pl, TREC_PK_EXCEPTION, 0);
    trec_venc_exc(&pl, exc, "ValueError", 10);
    trec_venc_container(&pl, TREC_V_TUPLE, 9, 0, 0);
  }
  ev.seq = seq;
  ev.frame = depth;
  ev.ts = TREC_NO_TS;
  ev.thread = 1;
  ev.code = depth==1 ? 1 : 2;
  ev.line = line;
  ev.offset = TREC_NO_OFFSET;
  ev.kind = kind;
  ev.payload = pl.data;
  ev.payload_len = (uint32_t)pl.len;
  assert_int_equal(trec_stream_append(st, &ev), TREC_OK);
  trec_buf_release(&pl);
}

/* <module> calls f (frame 2), f calls f (frame 3), which raises: exc_mid
** is the id of the exception frame 2 reports, tail the events after the
** outermost exception event (0: its return; 1: a line first, as a
** finally block runs). Exit status as given. */
static void build_uncaught(uint64_t exc_mid, int tail, int64_t status){
  struct trec_writer_options o = { .path = path, .chunk_events = 3 };
  struct trec_code mod = { 1, 1, "<module>", "<module>", 1, 0, 0, 3, mod_names };
  struct trec_code fn = { 2, 1, "f", "f", 1, TREC_CO_OPTIMIZED, 1, 3, f_names };
  struct trec_thread t1 = { 1, 100, 1000, "MainThread", 0, 0, 0 };
  struct trec_close_info ci = { status, 0, NULL };
  trec_writer *w;
  trec_stream *st;
  uint64_t q = 1;
  assert_int_equal(trec_writer_open(&o, &w), TREC_OK);
  assert_int_equal(trec_writer_add_code(w, &mod), TREC_OK);
  assert_int_equal(trec_writer_add_code(w, &fn), TREC_OK);
  assert_int_equal(trec_writer_add_thread(w, &t1), TREC_OK);
  assert_int_equal(trec_writer_stream(w, 1, &st), TREC_OK);
  put_ev(st, q++, TREC_CALL, 1, 0, 0);
  put_ev(st, q++, TREC_LINE, 1, 1, 0);
  put_ev(st, q++, TREC_EXCEPTION, 1, 1, 40);   /* raised and caught: not it */
  put_ev(st, q++, TREC_LINE, 1, 2, 0);
  put_ev(st, q++, TREC_CALL, 2, 3, 0);
  put_ev(st, q++, TREC_LINE, 2, 4, 0);
  put_ev(st, q++, TREC_CALL, 3, 3, 0);
  put_ev(st, q++, TREC_LINE, 3, 4, 0);
  put_ev(st, q++, TREC_EXCEPTION, 3, 4, 50);   /* seq 9: raised here */
  put_ev(st, q++, TREC_RETURN, 3, 4, 0);
  put_ev(st, q++, TREC_EXCEPTION, 2, 4, exc_mid);
  put_ev(st, q++, TREC_RETURN, 2, 4, 0);
  put_ev(st, q++, TREC_EXCEPTION, 1, 2, exc_mid);  /* seq 13 */
  if( tail ) put_ev(st, q++, TREC_LINE, 1, 5, 0);
  put_ev(st, q++, TREC_RETURN, 1, tail ? 5 : 2, 0);
  assert_int_equal(trec_writer_close(w, &ci), TREC_OK);
}

static void test_uncaught(void **state){
  static const struct { uint64_t mid; int tail; int64_t status; uint64_t want; } cases[] = {
    { 50, 0, 1, 9 },     /* left every frame: raised at seq 9 */
    { 60, 0, 1, 11 },    /* frame 2 raised another: there */
    { 50, 1, 1, 0 },     /* code ran after it at the top: caught, or finally */
    { 50, 0, 0, 0 },     /* exit status 0 */
  };
  struct trec_buf out = TREC_BUF_INIT;
  (void)state;
  for(size_t i=0; i<sizeof(cases)/sizeof(cases[0]); i++){
    trec_replay *rp;
    trec_repl *repl;
    uint64_t seq = 99;
    build_uncaught(cases[i].mid, cases[i].tail, cases[i].status);
    rp = open_rp();
    assert_int_equal(trec_replay_seek(rp, 4), TREC_OK);
    assert_int_equal(trec_replay_uncaught(rp, &seq), TREC_OK);
    assert_int_equal(seq, cases[i].want);
    assert_int_equal(trec_replay_seq(rp), 4);    /* the cursor stays */
    assert_int_equal(trec_repl_new(rp, &repl), TREC_OK);
    trec_buf_reset(&out);
    trec_repl_command(repl, "goto exception;;when", &out);
    if( cases[i].want ){
      char want[32];
      snprintf(want, sizeof(want), "\n%llu\n", (unsigned long long)cases[i].want);
      assert_non_null(strstr(trec_buf_cstr(&out), want));
    }else{
      assert_non_null(strstr(trec_buf_cstr(&out), "did not end with an uncaught exception"));
    }
    trec_repl_free(repl);
    trec_replay_close(rp);
    unlink(path);
  }
  trec_buf_release(&out);
}

static int teardown(void **state){
  (void)state;
  unlink(path);
  return 0;
}

int main(void){
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(test_seek_every_event, teardown),
    cmocka_unit_test_teardown(test_every_motion, teardown),
    cmocka_unit_test_teardown(test_walk_reverse, teardown),
    cmocka_unit_test_teardown(test_breakpoints, teardown),
    cmocka_unit_test_teardown(test_watch, teardown),
    cmocka_unit_test_teardown(test_watch_at_breakpoint, teardown),
    cmocka_unit_test_teardown(test_interrupt, teardown),
    cmocka_unit_test_teardown(test_eval_and_repl, teardown),
    cmocka_unit_test_teardown(test_eval_arith, teardown),
    cmocka_unit_test(test_bad_files),
    cmocka_unit_test_teardown(test_empty_trace, teardown),
    cmocka_unit_test_teardown(test_uncaught, teardown),
  };
  const char *tmp = getenv("TMPDIR");
  snprintf(path, sizeof(path), "%s/t-replay-%d.trace", tmp ? tmp : "/tmp", (int)getpid());
  return cmocka_run_group_tests(tests, NULL, NULL);
}
