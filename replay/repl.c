/*
** repl.c: the command interpreter of `tracerec replay`. Each command is a
** row of the table at the bottom (name, aliases, handler, help); handlers
** call the engine (replay.h) and print what pdb prints, in pdb's format
** (Lib/pdb.py: format_stack_entry, _print_lines, do_break, ...), so that
** people and editors that know pdb read it without learning anything.
*/
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/repl.h"

struct display {
  char *expr;
  struct trec_buf last;
  int have;
};

struct trec_repl {
  trec_replay *rp;
  size_t sel;                 /* selected frame level (up/down) */
  uint64_t sel_seq;           /* the cursor's seq when sel was chosen */
  uint32_t thread;            /* the thread of the last stop shown */
  char *last;                 /* the command an empty line repeats */
  int32_t list_next;          /* where a bare `list` continues, 0: around */
  uint32_t list_file;
  struct display *disp;
  size_t n_disp;
  int quit;
};

typedef void (*cmd_fn)(trec_repl *, const char *arg, struct trec_buf *out);

/*-************************************
*  Printing
**************************************/

static void errline(struct trec_buf *out, const char *msg){
  trec_buf_printf(out, "*** %s\n", msg);
}

/* A thread started with _thread (or by C code) has no threading name. */
static const char *thread_label(const struct trec_thread *t){
  return t && t->name && t->name[0] ? t->name : "no threading name";
}

static void engine_err(trec_repl *repl, struct trec_buf *out){
  errline(out, trec_replay_errmsg(repl->rp));
}

/* Objects show their recorded fields: replay cannot call a __repr__, and
** the bare <C object at 0x...> that repr() falls back to tells a debugging
** user nothing about the object's state. */
static void render(struct trec_buf *out, const unsigned char *p,
                   const unsigned char *e, unsigned flags){
  if( p==NULL ){
    trec_buf_puts(out, "<no value>");
    return;
  }
  if( trec_value_render(p, e, flags | TREC_RENDER_FIELDS, 0, out) )
    trec_buf_puts(out, "<corrupt value>");
}

static int src_line(trec_repl *repl, uint32_t file, int32_t line,
                    const char **text, size_t *len){
  return trec_replay_source_line(repl->rp, file, line, text, len, NULL);
}

/* pdb's format_stack_entry: "path(line)func()[->retval]\n-> source" */
static void stack_entry(trec_repl *repl, size_t level, const char *prefix,
                        struct trec_buf *out){
  struct trec_replay_frame f;
  const char *text;
  size_t len;
  if( trec_replay_frame(repl->rp, level, &f) ) return;
  trec_buf_printf(out, "%s%s(%d)%s()", prefix, f.file ? f.file->path : "<unknown>",
                  (int)f.line, f.code->name);
  if( f.returning ){
    const unsigned char *p, *e;
    if( trec_replay_retval(repl->rp, &p, &e)==TREC_OK ){
      trec_buf_puts(out, "->");
      render(out, p, e, 0);
    }
  }
  trec_buf_puts(out, "\n");
  if( f.file && src_line(repl, f.file->id, f.line, &text, &len)==TREC_OK ){
    while( len && isspace((unsigned char)*text) ){ text++; len--; }
    while( len && isspace((unsigned char)text[len-1]) ) len--;
    trec_buf_printf(out, "-> %.*s\n", (int)len, text);
  }
}

/* OSError and its builtin subclasses, whose str() of (errno, strerror)
** args is "[Errno N] strerror" (Objects/exceptions.c OSError_str; the
** filename, which is not among the args, is not recorded). */
static int is_oserror(const char *t, size_t n){
  static const char *const names[] = {
    "OSError", "BlockingIOError", "ChildProcessError", "ConnectionError",
    "BrokenPipeError", "ConnectionAbortedError", "ConnectionRefusedError",
    "ConnectionResetError", "FileExistsError", "FileNotFoundError",
    "InterruptedError", "IsADirectoryError", "NotADirectoryError",
    "PermissionError", "ProcessLookupError", "TimeoutError" };
  for(size_t i=0; i<sizeof(names)/sizeof(names[0]); i++)
    if( strlen(names[i])==n && !memcmp(names[i], t, n) ) return 1;
  return 0;
}

/* str(exc) as traceback.format_exception_only prints it. */
static void exc_line(struct trec_buf *out, const unsigned char *p,
                     const unsigned char *e){
  struct trec_value v, a, b;
  const char *tn;
  size_t tl;
  if( trec_value_read(p, e, &v) || v.tag!=TREC_V_EXC ){
    render(out, p, e, 0);
    trec_buf_puts(out, "\n");
    return;
  }
  tn = v.type;
  tl = v.type_len;
  if( tl>9 && !memcmp(tn, "__main__.", 9) ){ tn += 9; tl -= 9; }
  if( tl>9 && !memcmp(tn, "builtins.", 9) ){ tn += 9; tl -= 9; }
  trec_buf_printf(out, "%.*s", (int)tl, tn);
  if( v.n==1 && trec_value_item(&v, 0, &a)==TREC_OK ){
    /* str() of a KeyError is its key's repr, as a traceback shows it */
    int key = tl==8 && !memcmp(tn, "KeyError", 8);
    if( a.tag==TREC_V_STR && !key ){
      if( a.data_len ) trec_buf_printf(out, ": %.*s", (int)a.data_len, (const char *)a.data);
    }else{
      struct trec_value tup;
      trec_buf_puts(out, ": ");
      if( trec_value_read(v.items, v.end, &tup)==TREC_OK ) render(out, tup.items, a.end, 0);
    }
  }else if( v.n==2 && is_oserror(tn, tl) && trec_value_item(&v, 0, &a)==TREC_OK
             && a.tag==TREC_V_INT && trec_value_item(&v, 1, &b)==TREC_OK
             && b.tag==TREC_V_STR ){
    trec_buf_printf(out, ": [Errno %lld] %.*s", (long long)a.i,
                    (int)b.data_len, (const char *)b.data);
  }else if( v.n>1 ){
    trec_buf_puts(out, ": ");
    render(out, v.items, v.end, 0);
  }
  trec_buf_puts(out, "\n");
}

static void show_displays(trec_repl *repl, struct trec_buf *out){
  struct trec_buf val = TREC_BUF_INIT;
  for(size_t i=0; i<repl->n_disp; i++){
    struct display *d = &repl->disp[i];
    if( trec_replay_eval(repl->rp, repl->sel, d->expr, &val) ) continue;
    if( d->have && d->last.len==val.len && !memcmp(d->last.data, val.data, val.len) ) continue;
    trec_buf_printf(out, "display %s: ", d->expr);
    render(out, val.data, val.data + val.len, 0);
    if( d->have ){
      trec_buf_puts(out, "  [old: ");
      render(out, d->last.data, d->last.data + d->last.len, 0);
      trec_buf_puts(out, "]");
    }
    trec_buf_puts(out, "\n");
    trec_buf_reset(&d->last);
    trec_buf_put(&d->last, val.data, val.len);
    d->have = 1;
  }
  trec_buf_release(&val);
}

/* What pdb prints when it stops: the event's banner, then the location. */
static void show_stop(trec_repl *repl, struct trec_buf *out){
  struct trec_event ev;
  size_t n = trec_replay_n_frames(repl->rp);
  repl->sel = n ? n-1 : 0;
  repl->sel_seq = trec_replay_seq(repl->rp);
  repl->list_next = 0;
  if( trec_replay_event(repl->rp, &ev) ){
    errline(out, "the recording has no events");
    return;
  }
  if( repl->thread && ev.thread!=repl->thread ){
    const struct trec_thread *t = trec_reader_thread_by_id(trec_replay_reader(repl->rp), ev.thread);
    trec_buf_printf(out, "[Switching to thread %u (%s)]\n", ev.thread, thread_label(t));
  }
  repl->thread = ev.thread;
  if( ev.kind==TREC_CALL ) trec_buf_puts(out, "--Call--\n");
  else if( ev.kind==TREC_RETURN ) trec_buf_puts(out, "--Return--\n");
  else if( ev.kind==TREC_EXCEPTION ){
    const unsigned char *p, *e;
    if( trec_replay_exception(repl->rp, &p, &e)==TREC_OK ) exc_line(out, p, e);
    else trec_buf_puts(out, "--Exception--\n");
  }
  stack_entry(repl, repl->sel, "> ", out);
  show_displays(repl, out);
}

static void show_motion(trec_repl *repl, const struct trec_replay_stop *st,
                        struct trec_buf *out){
  if( st->reason==TREC_STOP_BREAK && st->temporary ){
    /* the engine deleted it; pdb says so */
    struct trec_replay_frame f;
    if( trec_replay_frame(repl->rp, trec_replay_n_frames(repl->rp)-1, &f)==TREC_OK ){
      trec_buf_printf(out, "Deleted breakpoint %d at %s:%d\n", st->id,
                      f.file ? f.file->path : "?", (int)st->bp_line);
    }
  }
  for(size_t i=0; i<st->n_changes; i++){
    const struct trec_replay_change *c = &st->changes[i];
    trec_buf_printf(out, "%sWatchpoint %d: %s\n", i ? "\n" : "", c->id, c->expr);
    trec_buf_puts(out, "Old value = ");
    render(out, c->old_value, c->old_end, 0);
    trec_buf_puts(out, "\nNew value = ");
    render(out, c->new_value, c->new_end, 0);
    trec_buf_puts(out, "\n");
  }
  /* gdb's words, which its and rr's users know */
  for(size_t i=0; i<st->n_gone; i++)
    trec_buf_printf(out, "\nWatchpoint %d deleted because the program has left "
                    "the block in\nwhich its expression is valid.\n", st->gone[i]);
  if( st->reason==TREC_STOP_END || st->reason==TREC_STOP_START ){
    const char *which = st->reason==TREC_STOP_END ? "End" : "Start";
    const char *cut = st->reason==TREC_STOP_END && trec_replay_truncated(repl->rp)
                      ? " (the recording is truncated: the program went on)" : "";
    if( !st->moved ){
      trec_buf_printf(out, "--%s of recording--: %s%s\n", which,
                      st->reason==TREC_STOP_END ? "no later event to go to"
                                                : "no earlier event to go to", cut);
      return;
    }
    trec_buf_printf(out, "--%s of recording--%s\n", which, cut);
  }
  show_stop(repl, out);
}

/*-************************************
*  Motions
**************************************/

static void set_last(trec_repl *repl, const char *cmd){
  char *s = strdup(cmd);
  if( s==NULL ) return;
  free(repl->last);
  repl->last = s;
}

static int count_arg(const char *arg, int *n){
  char *end;
  long v;
  while( *arg==' ' ) arg++;
  if( *arg==0 ){ *n = 1; return 0; }
  v = strtol(arg, &end, 10);
  while( *end==' ' ) end++;
  if( *end || v<1 || v>1000000000 ) return -1;
  *n = (int)v;
  return 0;
}

static void do_motion(trec_repl *repl, int dir, int gran, const char *arg,
                      struct trec_buf *out){
  struct trec_replay_stop st;
  int n, rc = TREC_OK;
  if( count_arg(arg, &n) ){
    errline(out, "the argument must be a positive count");
    return;
  }
  memset(&st, 0, sizeof(st));
  for(int i=0; i<n; i++){
    /* pdb moves relative to the selected frame (after up/down) */
    rc = trec_replay_step_frame(repl->rp, i==0 ? repl->sel : trec_replay_n_frames(repl->rp)-1,
                                dir, gran, 0, &st);
    if( rc || st.reason!=TREC_STOP_STEP ) break;
  }
  if( rc ){ engine_err(repl, out); return; }
  if( n>1 && !st.moved && st.reason!=TREC_STOP_STEP ) st.moved = 1;
  show_motion(repl, &st, out);
}

static void c_step(trec_repl *r, const char *a, struct trec_buf *o){ do_motion(r, TREC_FORWARD, TREC_STEP_STEP, a, o); }
static void c_next(trec_repl *r, const char *a, struct trec_buf *o){ do_motion(r, TREC_FORWARD, TREC_STEP_NEXT, a, o); }
static void c_return(trec_repl *r, const char *a, struct trec_buf *o){ do_motion(r, TREC_FORWARD, TREC_STEP_RETURN, a, o); }
static void c_stepi(trec_repl *r, const char *a, struct trec_buf *o){ do_motion(r, TREC_FORWARD, TREC_STEP_EVENT, a, o); }
static void c_rstep(trec_repl *r, const char *a, struct trec_buf *o){ do_motion(r, TREC_BACKWARD, TREC_STEP_STEP, a, o); }
static void c_rnext(trec_repl *r, const char *a, struct trec_buf *o){ do_motion(r, TREC_BACKWARD, TREC_STEP_NEXT, a, o); }
static void c_rreturn(trec_repl *r, const char *a, struct trec_buf *o){ do_motion(r, TREC_BACKWARD, TREC_STEP_RETURN, a, o); }
static void c_rstepi(trec_repl *r, const char *a, struct trec_buf *o){ do_motion(r, TREC_BACKWARD, TREC_STEP_EVENT, a, o); }

static void do_until(trec_repl *repl, int dir, const char *arg, struct trec_buf *out){
  struct trec_replay_stop st;
  long line = 0;
  char *end;
  while( *arg==' ' ) arg++;
  if( *arg ){
    line = strtol(arg, &end, 10);
    if( *end || line<1 ){ errline(out, "Error in argument: the line number must be a positive integer"); return; }
    if( dir>0 ){
      struct trec_replay_frame f;
      if( trec_replay_frame(repl->rp, repl->sel, &f)==TREC_OK && line<=f.line ){
        errline(out, "\"until\" line number is smaller than current line");
        return;
      }
    }
  }
  if( trec_replay_step_frame(repl->rp, repl->sel, dir, TREC_STEP_UNTIL, (int32_t)line, &st) ){
    engine_err(repl, out);
    return;
  }
  show_motion(repl, &st, out);
}
static void c_until(trec_repl *r, const char *a, struct trec_buf *o){ do_until(r, TREC_FORWARD, a, o); }
static void c_runtil(trec_repl *r, const char *a, struct trec_buf *o){ do_until(r, TREC_BACKWARD, a, o); }

static void do_continue(trec_repl *repl, int dir, struct trec_buf *out){
  struct trec_replay_stop st;
  if( trec_replay_continue(repl->rp, dir, &st) ){
    engine_err(repl, out);
    return;
  }
  show_motion(repl, &st, out);
}
static void c_continue(trec_repl *r, const char *a, struct trec_buf *o){ (void)a; do_continue(r, TREC_FORWARD, o); }
static void c_rcontinue(trec_repl *r, const char *a, struct trec_buf *o){ (void)a; do_continue(r, TREC_BACKWARD, o); }

static void c_goto(trec_repl *repl, const char *arg, struct trec_buf *out){
  char *end;
  unsigned long long seq;
  while( *arg==' ' ) arg++;
  if( !strcmp(arg, "start") ) seq = trec_reader_first_seq(trec_replay_reader(repl->rp));
  else if( !strcmp(arg, "end") ) seq = trec_reader_last_seq(trec_replay_reader(repl->rp));
  else if( !strcmp(arg, "exception") ){
    uint64_t at;
    if( trec_replay_uncaught(repl->rp, &at) ){ engine_err(repl, out); return; }
    if( at==0 ){ errline(out, "The program did not end with an uncaught exception"); return; }
    seq = at;
  }else{
    seq = strtoull(arg, &end, 10);
    if( *arg==0 || *end || !(*arg>='0' && *arg<='9') ){
      errline(out, "usage: goto SEQ (an event number, or start, end, exception)");
      return;
    }
  }
  if( trec_replay_seek(repl->rp, seq) ){ engine_err(repl, out); return; }
  show_stop(repl, out);
}

/*-************************************
*  Stack
**************************************/

static void c_where(trec_repl *repl, const char *arg, struct trec_buf *out){
  size_t n = trec_replay_n_frames(repl->rp);
  (void)arg;
  for(size_t l=0; l<n; l++) stack_entry(repl, l, l==repl->sel ? "> " : "  ", out);
}

static void do_updown(trec_repl *repl, int up, const char *arg, struct trec_buf *out){
  size_t n = trec_replay_n_frames(repl->rp);
  int count;
  if( count_arg(arg, &count) ){ errline(out, "Invalid frame count"); return; }
  if( up ){
    if( repl->sel==0 ){ errline(out, "Oldest frame"); return; }
    repl->sel = (size_t)count>repl->sel ? 0 : repl->sel - (size_t)count;
  }else{
    if( repl->sel+1>=n ){ errline(out, "Newest frame"); return; }
    repl->sel = repl->sel + (size_t)count>=n ? n-1 : repl->sel + (size_t)count;
  }
  repl->list_next = 0;
  stack_entry(repl, repl->sel, "> ", out);
}
static void c_up(trec_repl *r, const char *a, struct trec_buf *o){ do_updown(r, 1, a, o); }
static void c_down(trec_repl *r, const char *a, struct trec_buf *o){ do_updown(r, 0, a, o); }

/*-************************************
*  Source
**************************************/

static int bp_at(trec_repl *repl, uint32_t file, int32_t line){
  size_t n = trec_replay_n_breaks(repl->rp);
  for(size_t i=0; i<n; i++){
    struct trec_replay_bp b;
    if( trec_replay_break_get(repl->rp, i, &b)==TREC_OK && !b.function
        && b.file==file && b.line==line ) return 1;
  }
  return 0;
}

/* pdb's _print_lines */
static void print_lines(trec_repl *repl, uint32_t file, int32_t first, int32_t last,
                        int32_t current, struct trec_buf *out){
  for(int32_t l=first; l<=last; l++){
    const char *text;
    size_t len;
    char num[32];
    if( src_line(repl, file, l, &text, &len) ) break;
    snprintf(num, sizeof(num), "%3d", (int)l);
    trec_buf_puts(out, num);
    if( strlen(num)<4 ) trec_buf_puts(out, " ");
    trec_buf_puts(out, bp_at(repl, file, l) ? "B" : " ");
    if( l==current ) trec_buf_puts(out, "->");
    trec_buf_printf(out, "\t%.*s\n", (int)len, text);
    repl->list_next = l+1;
  }
}

static int sel_frame(trec_repl *repl, struct trec_replay_frame *f, struct trec_buf *out){
  if( trec_replay_frame(repl->rp, repl->sel, f) || f->file==NULL ){
    errline(out, "no current frame");
    return -1;
  }
  return 0;
}

static void c_list(trec_repl *repl, const char *arg, struct trec_buf *out){
  struct trec_replay_frame f;
  const char *text;
  size_t len, n_lines = 0;
  int32_t first, last;
  if( sel_frame(repl, &f, out) ) return;
  if( trec_replay_source_line(repl->rp, f.file->id, 1, &text, &len, &n_lines)==TREC_ERR_NOTFOUND ){
    errline(out, "the source of this file is not in the recording");
    return;
  }
  while( *arg==' ' ) arg++;
  if( *arg==0 ){
    if( repl->list_next>0 && repl->list_file==f.file->id ) first = repl->list_next;
    else first = f.line - 5 < 1 ? 1 : f.line - 5;
    last = first + 10;
  }else if( !strcmp(arg, ".") ){
    first = f.line - 5 < 1 ? 1 : f.line - 5;
    last = first + 10;
  }else{
    char *end;
    long a = strtol(arg, &end, 10), b;
    while( *end==' ' ) end++;
    if( end==arg ){ errline(out, "Error in argument: list [first[, last]]"); return; }
    if( *end==',' ){
      b = strtol(end+1, &end, 10);
      if( *end ){ errline(out, "Error in argument: list [first[, last]]"); return; }
      if( b<a ) b = a + b;   /* pdb: "list 10, 3" lists 3 lines from 10 */
      first = (int32_t)a;
      last = (int32_t)b;
    }else if( *end==0 ){
      first = a - 5 < 1 ? 1 : (int32_t)a - 5;
      last = first + 10;
    }else{
      errline(out, "Error in argument: list [first[, last]]");
      return;
    }
  }
  if( (size_t)first>n_lines ){
    errline(out, "[EOF]");
    return;
  }
  repl->list_file = f.file->id;
  print_lines(repl, f.file->id, first, last, f.line, out);
}

static size_t indent_of(const char *t, size_t len, int *blank){
  size_t i = 0;
  while( i<len && (t[i]==' ' || t[i]=='\t') ) i++;
  *blank = i==len || t[i]=='#';
  return i;
}

static void c_longlist(trec_repl *repl, const char *arg, struct trec_buf *out){
  struct trec_replay_frame f;
  const char *text;
  size_t len, n_lines = 0, ind;
  int32_t first, last;
  int blank, decorated;
  (void)arg;
  if( sel_frame(repl, &f, out) ) return;
  if( trec_replay_source_line(repl->rp, f.file->id, 1, &text, &len, &n_lines)==TREC_ERR_NOTFOUND ){
    errline(out, "the source of this file is not in the recording");
    return;
  }
  if( !(f.code->flags & TREC_CO_OPTIMIZED) && !strcmp(f.code->name, "<module>") ){
    print_lines(repl, f.file->id, 1, (int32_t)n_lines, f.line, out);
    return;
  }
  /* the function's block: from its first line (decorators included) to the
  ** last line indented deeper than its def */
  first = f.code->firstlineno < 1 ? 1 : f.code->firstlineno;
  last = first;
  if( src_line(repl, f.file->id, first, &text, &len) ) return;
  ind = indent_of(text, len, &blank);
  decorated = ind<len && text[ind]=='@';
  for(int32_t l=first+1; (size_t)l<=n_lines; l++){
    size_t li;
    if( src_line(repl, f.file->id, l, &text, &len) ) break;
    li = indent_of(text, len, &blank);
    if( blank ) continue;
    if( li<=ind && text[li]!='@' && text[li]!=')' ){
      /* decorated: firstlineno is the first decorator, the def follows */
      if( decorated && li==ind && (!strncmp(text+li, "def", 3) || !strncmp(text+li, "async", 5)) ){
        decorated = 0;
        last = l;
        continue;
      }
      break;
    }
    last = l;
  }
  print_lines(repl, f.file->id, first, last, f.line, out);
}

/*-************************************
*  Values
**************************************/

static void do_print(trec_repl *repl, const char *arg, unsigned flags, struct trec_buf *out){
  struct trec_buf val = TREC_BUF_INIT;
  int rc;
  while( *arg==' ' ) arg++;
  if( *arg==0 ){ errline(out, "SyntaxError: p needs an expression"); return; }
  /* the expression parser takes pdb's `p a, b` as the tuple (a, b) */
  rc = trec_replay_eval(repl->rp, repl->sel, arg, &val);
  if( rc ){
    engine_err(repl, out);
  }else{
    render(out, val.data, val.data + val.len, flags);
    trec_buf_puts(out, "\n");
  }
  trec_buf_release(&val);
}
static void c_p(trec_repl *r, const char *a, struct trec_buf *o){ do_print(r, a, 0, o); }
static void c_pp(trec_repl *r, const char *a, struct trec_buf *o){ do_print(r, a, TREC_RENDER_PRETTY | TREC_RENDER_SORT_DICTS, o); }

static void do_vars(trec_repl *repl, int args_only, struct trec_buf *out){
  struct trec_replay_frame f;
  if( trec_replay_frame(repl->rp, repl->sel, &f) ){ errline(out, "no current frame"); return; }
  for(uint32_t s=0; s<f.code->n_names; s++){
    struct trec_replay_var v;
    if( args_only && !((f.code->flags & TREC_CO_OPTIMIZED) && s<f.code->n_args) ) continue;
    if( trec_replay_var(repl->rp, repl->sel, s, &v) ){
      if( args_only ) trec_buf_printf(out, "%s = *** undefined ***\n", f.code->names[s]);
      continue;
    }
    trec_buf_printf(out, "%s = ", v.name);
    render(out, v.value, v.value_end, 0);
    trec_buf_puts(out, "\n");
  }
}
static void c_args(trec_repl *r, const char *a, struct trec_buf *o){ (void)a; do_vars(r, 1, o); }
static void c_locals(trec_repl *r, const char *a, struct trec_buf *o){ (void)a; do_vars(r, 0, o); }

static void c_retval(trec_repl *repl, const char *arg, struct trec_buf *out){
  const unsigned char *p, *e;
  (void)arg;
  if( repl->sel+1!=trec_replay_n_frames(repl->rp)
      || trec_replay_retval(repl->rp, &p, &e) ){
    errline(out, "Not yet returned!");
    return;
  }
  render(out, p, e, 0);
  trec_buf_puts(out, "\n");
}

static void c_display(trec_repl *repl, const char *arg, struct trec_buf *out){
  struct trec_buf val = TREC_BUF_INIT;
  struct display *nd;
  while( *arg==' ' ) arg++;
  if( *arg==0 ){
    trec_buf_puts(out, "Currently displaying:\n");
    for(size_t i=0; i<repl->n_disp; i++){
      trec_buf_printf(out, "%s: ", repl->disp[i].expr);
      if( trec_replay_eval(repl->rp, repl->sel, repl->disp[i].expr, &val) ){
        trec_buf_printf(out, "** raised %s **", trec_replay_errmsg(repl->rp));
      }else{
        render(out, val.data, val.data + val.len, 0);
      }
      trec_buf_puts(out, "\n");
    }
    trec_buf_release(&val);
    return;
  }
  /* an expression is displayed once, however often it is given (pdb) */
  for(nd=repl->disp; nd<repl->disp+repl->n_disp && strcmp(nd->expr, arg); nd++){}
  if( nd==repl->disp+repl->n_disp ){
    nd = realloc(repl->disp, (repl->n_disp+1)*sizeof(*nd));
    if( nd==NULL ){ errline(out, "out of memory"); return; }
    repl->disp = nd;
    nd = &repl->disp[repl->n_disp];
    memset(nd, 0, sizeof(*nd));
    nd->expr = strdup(arg);
    if( nd->expr==NULL ){ errline(out, "out of memory"); return; }
    repl->n_disp++;
  }
  trec_buf_reset(&nd->last);
  nd->have = 0;
  trec_buf_printf(out, "display %s: ", arg);
  if( trec_replay_eval(repl->rp, repl->sel, arg, &val) ){
    trec_buf_printf(out, "** raised %s **", trec_replay_errmsg(repl->rp));
  }else{
    render(out, val.data, val.data + val.len, 0);
    trec_buf_put(&nd->last, val.data, val.len);
    nd->have = 1;
  }
  trec_buf_puts(out, "\n");
  trec_buf_release(&val);
}

static void c_undisplay(trec_repl *repl, const char *arg, struct trec_buf *out){
  while( *arg==' ' ) arg++;
  for(size_t i=0; i<repl->n_disp; ){
    if( *arg==0 || !strcmp(repl->disp[i].expr, arg) ){
      free(repl->disp[i].expr);
      trec_buf_release(&repl->disp[i].last);
      memmove(&repl->disp[i], &repl->disp[i+1], (repl->n_disp-i-1)*sizeof(*repl->disp));
      repl->n_disp--;
      if( *arg ) return;
    }else{
      i++;
    }
  }
  if( *arg ) errline(out, "not displaying that expression");
}

struct hctx { struct trec_buf *out; const char *name; };

static int hist_cb(void *ctx, const struct trec_replay_hist *h){
  struct hctx *hc = ctx;
  trec_buf_printf(hc->out, "seq %llu line %d: %s = ", (unsigned long long)h->seq,
                  (int)h->line, hc->name);
  if( h->value ) render(hc->out, h->value, h->value_end, 0);
  else trec_buf_puts(hc->out, "<unbound>");
  trec_buf_puts(hc->out, "\n");
  return 0;
}

static void c_history(trec_repl *repl, const char *arg, struct trec_buf *out){
  struct hctx hc;
  while( *arg==' ' ) arg++;
  if( *arg==0 ){ errline(out, "usage: history NAME"); return; }
  hc.out = out;
  hc.name = arg;
  if( trec_replay_history(repl->rp, repl->sel, arg, hist_cb, &hc) ) engine_err(repl, out);
}

/*-************************************
*  Breakpoints and watches
**************************************/

/* pdb names a function breakpoint by the function's file and first line */
static void bp_where(trec_repl *repl, const struct trec_replay_bp *b, struct trec_buf *out){
  trec_reader *r = trec_replay_reader(repl->rp);
  if( b->function ){
    uint32_t maxc = trec_reader_max_code_id(r);
    for(uint32_t c=1; c<=maxc; c++){
      const struct trec_code *co = trec_reader_code(r, c);
      const struct trec_file *f;
      if( co==NULL || (strcmp(co->name, b->function)
                       && (co->qualname==NULL || strcmp(co->qualname, b->function))) ) continue;
      f = trec_reader_file(r, co->file);
      trec_buf_printf(out, "%s:%d", f ? f->path : "?", (int)co->firstlineno);
      return;
    }
    trec_buf_printf(out, "%s", b->function);
  }else{
    const struct trec_file *f = trec_reader_file(trec_replay_reader(repl->rp), b->file);
    trec_buf_printf(out, "%s:%d", f ? f->path : "?", (int)b->line);
  }
}

static int bp_by_id(trec_repl *repl, int id, struct trec_replay_bp *b){
  size_t n = trec_replay_n_breaks(repl->rp);
  for(size_t i=0; i<n; i++){
    if( trec_replay_break_get(repl->rp, i, b)==TREC_OK && b->id==id ) return 0;
  }
  return -1;
}

static void list_breaks(trec_repl *repl, struct trec_buf *out){
  size_t n = trec_replay_n_breaks(repl->rp), nw = trec_replay_n_watches(repl->rp);
  if( n==0 && nw==0 ){
    trec_buf_puts(out, "No breakpoints or watches.\n");
    return;
  }
  trec_buf_puts(out, "Num Type         Disp Enb   Where\n");
  for(size_t i=0; i<n; i++){
    struct trec_replay_bp b;
    if( trec_replay_break_get(repl->rp, i, &b) ) continue;
    trec_buf_printf(out, "%-3d breakpoint   %-4s %-5s at ", b.id, b.temporary ? "del" : "keep",
                    b.enabled ? "yes" : "no");
    bp_where(repl, &b, out);
    trec_buf_puts(out, "\n");
    if( b.cond ) trec_buf_printf(out, "\tstop only if %s\n", b.cond);
    if( b.ignore ) trec_buf_printf(out, "\tignore next %u hits\n", b.ignore);
    if( b.hits ) trec_buf_printf(out, "\tbreakpoint already hit %u time%s\n", b.hits, b.hits==1 ? "" : "s");
  }
  for(size_t i=0; i<nw; i++){
    struct trec_replay_watch w;
    if( trec_replay_watch_get(repl->rp, i, &w) ) continue;
    trec_buf_printf(out, "%-3d watchpoint   keep %-5s %s\n", w.id, w.enabled ? "yes" : "no", w.expr);
  }
}

static void do_break(trec_repl *repl, const char *arg, unsigned flags, struct trec_buf *out){
  char *where, *cond = NULL, *comma;
  struct trec_replay_bp b;
  int id;
  while( *arg==' ' ) arg++;
  if( *arg==0 ){ list_breaks(repl, out); return; }
  where = strdup(arg);
  if( where==NULL ){ errline(out, "out of memory"); return; }
  comma = strchr(where, ',');
  if( comma ){
    *comma = 0;
    cond = comma+1;
    while( *cond==' ' ) cond++;
  }
  for(size_t l=strlen(where); l>0 && where[l-1]==' '; l--) where[l-1] = 0;
  if( trec_replay_break_add(repl->rp, where, cond, flags, &id) ){
    engine_err(repl, out);
  }else if( bp_by_id(repl, id, &b)==0 ){
    trec_buf_printf(out, "Breakpoint %d at ", id);
    bp_where(repl, &b, out);
    trec_buf_puts(out, "\n");
  }
  free(where);
}
static void c_break(trec_repl *r, const char *a, struct trec_buf *o){ do_break(r, a, 0, o); }
static void c_tbreak(trec_repl *r, const char *a, struct trec_buf *o){ do_break(r, a, TREC_BP_TEMPORARY, o); }

/* Apply fn to each breakpoint number in arg ("1 2 3"). */
static void each_id(trec_repl *repl, const char *arg, struct trec_buf *out,
                    void (*fn)(trec_repl *, int, struct trec_buf *)){
  while( *arg ){
    char *end;
    long id;
    while( *arg==' ' ) arg++;
    if( *arg==0 ) break;
    id = strtol(arg, &end, 10);
    if( end==arg || (*end && *end!=' ') ){
      trec_buf_printf(out, "*** Non-numeric breakpoint number %.*s\n",
                      (int)strcspn(arg, " "), arg);
      arg += strcspn(arg, " ");
      continue;
    }
    fn(repl, (int)id, out);
    arg = end;
  }
}

static void clear_one(trec_repl *repl, int id, struct trec_buf *out){
  struct trec_replay_bp b;
  if( bp_by_id(repl, id, &b)==0 ){
    trec_buf_printf(out, "Deleted breakpoint %d at ", id);
    bp_where(repl, &b, out);
    trec_buf_puts(out, "\n");
    trec_replay_break_delete(repl->rp, id);
  }else if( trec_replay_watch_delete(repl->rp, id)==TREC_OK ){
    trec_buf_printf(out, "Deleted watchpoint %d\n", id);
  }else{
    trec_buf_printf(out, "*** Breakpoint %d does not exist\n", id);
  }
}

static void c_clear(trec_repl *repl, const char *arg, struct trec_buf *out){
  const char *colon;
  while( *arg==' ' ) arg++;
  if( *arg==0 ){
    while( trec_replay_n_breaks(repl->rp) ){
      struct trec_replay_bp b;
      if( trec_replay_break_get(repl->rp, 0, &b) ) break;
      clear_one(repl, b.id, out);
    }
    while( trec_replay_n_watches(repl->rp) ){
      struct trec_replay_watch w;
      if( trec_replay_watch_get(repl->rp, 0, &w) ) break;
      clear_one(repl, w.id, out);
    }
    return;
  }
  colon = strrchr(arg, ':');
  if( colon && strspn(arg, "0123456789 ")!=strlen(arg) ){
    /* clear FILE:LINE */
    size_t n = trec_replay_n_breaks(repl->rp);
    long line = strtol(colon+1, NULL, 10);
    int any = 0;
    for(size_t i=n; i>0; i--){
      struct trec_replay_bp b;
      const struct trec_file *f;
      size_t fl = (size_t)(colon - arg), pl;
      if( trec_replay_break_get(repl->rp, i-1, &b) || b.function || b.line!=line ) continue;
      f = trec_reader_file(trec_replay_reader(repl->rp), b.file);
      if( f==NULL ) continue;
      pl = strlen(f->path);
      if( !(pl==fl && !memcmp(f->path, arg, fl))
          && !(pl>fl && f->path[pl-fl-1]=='/' && !memcmp(f->path+pl-fl, arg, fl)) ) continue;
      clear_one(repl, b.id, out);
      any = 1;
    }
    if( !any ) trec_buf_printf(out, "*** There is no breakpoint at %s\n", arg);
    return;
  }
  each_id(repl, arg, out, clear_one);
}

static void enable_one(trec_repl *repl, int id, struct trec_buf *out){
  struct trec_replay_bp b;
  if( trec_replay_break_enable(repl->rp, id, 1) ){ engine_err(repl, out); return; }
  bp_by_id(repl, id, &b);
  trec_buf_printf(out, "Enabled breakpoint %d at ", id);
  bp_where(repl, &b, out);
  trec_buf_puts(out, "\n");
}
static void disable_one(trec_repl *repl, int id, struct trec_buf *out){
  struct trec_replay_bp b;
  if( trec_replay_break_enable(repl->rp, id, 0) ){ engine_err(repl, out); return; }
  bp_by_id(repl, id, &b);
  trec_buf_printf(out, "Disabled breakpoint %d at ", id);
  bp_where(repl, &b, out);
  trec_buf_puts(out, "\n");
}
static void c_enable(trec_repl *r, const char *a, struct trec_buf *o){ each_id(r, a, o, enable_one); }
static void c_disable(trec_repl *r, const char *a, struct trec_buf *o){ each_id(r, a, o, disable_one); }

static void c_condition(trec_repl *repl, const char *arg, struct trec_buf *out){
  char *end;
  long id = strtol(arg, &end, 10);
  if( end==arg ){ errline(out, "usage: condition NUMBER [EXPRESSION]"); return; }
  while( *end==' ' ) end++;
  if( trec_replay_break_condition(repl->rp, (int)id, *end ? end : NULL) ){
    engine_err(repl, out);
  }else if( *end ){
    trec_buf_printf(out, "New condition set for breakpoint %ld.\n", id);
  }else{
    trec_buf_printf(out, "Breakpoint %ld is now unconditional.\n", id);
  }
}

static void c_ignore(trec_repl *repl, const char *arg, struct trec_buf *out){
  char *end;
  long id = strtol(arg, &end, 10), count = 0;
  if( end==arg ){ errline(out, "usage: ignore NUMBER [COUNT]"); return; }
  while( *end==' ' ) end++;
  if( *end ) count = strtol(end, NULL, 10);
  if( count<0 ) count = 0;
  if( trec_replay_break_ignore(repl->rp, (int)id, (uint32_t)count) ){
    engine_err(repl, out);
  }else if( count>0 ){
    trec_buf_printf(out, "Will ignore next %ld crossing%s of breakpoint %ld.\n",
                    count, count==1 ? "" : "s", id);
  }else{
    trec_buf_printf(out, "Will stop next time breakpoint %ld is reached.\n", id);
  }
}

static void c_watch(trec_repl *repl, const char *arg, struct trec_buf *out){
  int id;
  struct trec_buf val = TREC_BUF_INIT;
  while( *arg==' ' ) arg++;
  if( *arg==0 ){ list_breaks(repl, out); return; }
  if( trec_replay_watch_add(repl->rp, repl->sel, arg, &id) ){
    engine_err(repl, out);
    return;
  }
  trec_buf_printf(out, "Watchpoint %d: %s", id, arg);
  if( trec_replay_eval(repl->rp, repl->sel, arg, &val)==TREC_OK ){
    trec_buf_puts(out, " = ");
    render(out, val.data, val.data + val.len, 0);
  }
  trec_buf_puts(out, "\n");
  trec_buf_release(&val);
}

static void unwatch_one(trec_repl *repl, int id, struct trec_buf *out){
  if( trec_replay_watch_delete(repl->rp, id) ) engine_err(repl, out);
  else trec_buf_printf(out, "Deleted watchpoint %d\n", id);
}

static void c_unwatch(trec_repl *repl, const char *arg, struct trec_buf *out){
  while( *arg==' ' ) arg++;
  if( *arg && isdigit((unsigned char)*arg) ){ each_id(repl, arg, out, unwatch_one); return; }
  for(size_t i=trec_replay_n_watches(repl->rp); i>0; i--){
    struct trec_replay_watch w;
    if( trec_replay_watch_get(repl->rp, i-1, &w) ) continue;
    if( *arg==0 || !strcmp(w.expr, arg) ) unwatch_one(repl, w.id, out);
  }
}

/*-************************************
*  Threads and information
**************************************/

static void c_threads(trec_repl *repl, const char *arg, struct trec_buf *out){
  size_t n = trec_replay_n_threads(repl->rp);
  (void)arg;
  for(size_t i=0; i<n; i++){
    struct trec_replay_thread_pos tp;
    if( trec_replay_thread_pos(repl->rp, i, &tp) ) continue;
    trec_buf_printf(out, "%s %u %s", tp.current ? "*" : " ", tp.thread->id,
                    thread_label(tp.thread));
    if( tp.state==TREC_THREAD_NOT_STARTED ){
      trec_buf_puts(out, "  (not started yet)\n");
      continue;
    }
    {
      const struct trec_file *f = tp.code ? trec_reader_file(trec_replay_reader(repl->rp), tp.code->file) : NULL;
      trec_buf_printf(out, "  seq %llu  %s(%d)%s()%s\n", (unsigned long long)tp.seq,
                      f ? f->path : "?", (int)tp.line, tp.code ? tp.code->name : "?",
                      tp.state==TREC_THREAD_FINISHED ? "  (finished)" : "");
    }
  }
}

static void c_thread(trec_repl *repl, const char *arg, struct trec_buf *out){
  struct trec_replay_stop st;
  char *end;
  long id;
  while( *arg==' ' ) arg++;
  if( *arg==0 ){
    trec_buf_printf(out, "Current thread is %u\n", trec_replay_thread(repl->rp));
    return;
  }
  id = strtol(arg, &end, 10);
  if( *end || id<=0 ){ errline(out, "usage: thread N (see threads)"); return; }
  if( trec_replay_select_thread(repl->rp, (uint32_t)id, &st) ){ engine_err(repl, out); return; }
  show_stop(repl, out);
}

static void c_info(trec_repl *repl, const char *arg, struct trec_buf *out){
  trec_reader *r = trec_replay_reader(repl->rp);
  struct trec_event ev;
  const char *s;
  uint64_t first = trec_reader_first_seq(r), last = trec_reader_last_seq(r);
  uint64_t seq = trec_replay_seq(repl->rp);
  while( *arg==' ' ) arg++;
  if( !strncmp(arg, "break", 5) || !strncmp(arg, "watch", 5) ){
    list_breaks(repl, out);
    return;
  }
  if( !strncmp(arg, "display", 7) ){
    c_display(repl, "", out);
    return;
  }
  trec_buf_printf(out, "Event %llu of %llu..%llu (%.1f%% through the recording), thread %u",
                  (unsigned long long)seq, (unsigned long long)first, (unsigned long long)last,
                  last>first ? 100.0*(double)(seq-first)/(double)(last-first) : 100.0,
                  trec_replay_thread(repl->rp));
  if( trec_replay_event(repl->rp, &ev)==TREC_OK ){
    trec_buf_printf(out, ", %s event at depth %u", trec_kind_name(ev.kind), ev.depth);
  }
  trec_buf_puts(out, "\n");
  trec_buf_printf(out, "Recording: %llu events, %zu threads, %zu chunks, %s\n",
                  (unsigned long long)trec_reader_n_events(r), trec_reader_n_threads(r),
                  trec_reader_n_chunks(r), trec_reader_complete(r) ? "complete" : "TRUNCATED");
  if( (s = trec_reader_meta(r, "argv"))!=NULL ) trec_buf_printf(out, "Program: %s\n", s);
  if( (s = trec_reader_meta(r, "python_version"))!=NULL ) trec_buf_printf(out, "Python: %s\n", s);
  if( (s = trec_reader_meta(r, "exit_status"))!=NULL ) trec_buf_printf(out, "Exit status: %s\n", s);
}

static void c_when(trec_repl *repl, const char *arg, struct trec_buf *out){
  (void)arg;
  trec_buf_printf(out, "%llu\n", (unsigned long long)trec_replay_seq(repl->rp));
}

static void c_quit(trec_repl *repl, const char *arg, struct trec_buf *out){
  (void)arg; (void)out;
  repl->quit = 1;
}

static void c_help(trec_repl *repl, const char *arg, struct trec_buf *out);

/*-************************************
*  The command table
**************************************/

struct command {
  const char *name;
  const char *aliases;     /* space-separated */
  cmd_fn fn;
  int repeat;              /* an empty line repeats it */
  const char *help;
};

static const struct command commands[] = {
  { "step", "s", c_step, 1, "step [N]: to the next event: a line, a call (--Call--), a return (--Return--) or an exception" },
  { "next", "n", c_next, 1, "next [N]: to the next line in this frame, stepping over calls; stops at the frame's return" },
  { "return", "r finish", c_return, 1, "return: to the current frame's return event" },
  { "continue", "c cont", c_continue, 1, "continue: forward to the next breakpoint or watch change (or the end)" },
  { "until", "unt", c_until, 1, "until [LINE]: forward to a line greater than the current (or >= LINE) in this frame, or its return" },
  { "stepi", "si", c_stepi, 1, "stepi [N]: to the next event of any kind, opcode events included" },
  { "reverse-step", "rs bstep bs", c_rstep, 1, "reverse-step [N]: to the previous line, call, return or exception event" },
  { "reverse-next", "rn bnext bn", c_rnext, 1, "reverse-next [N]: to the previous line in this frame, stepping over calls" },
  { "reverse-return", "reverse-finish rr rf bfinish", c_rreturn, 1, "reverse-finish: back to the call of the current frame" },
  { "reverse-continue", "rc bcontinue bc", c_rcontinue, 1, "reverse-continue: backward to the previous breakpoint or watch change (or the start)" },
  { "reverse-until", "runt", c_runtil, 1, "reverse-until [LINE]: backward to a line smaller than the current (or <= LINE) in this frame, or its call" },
  { "reverse-stepi", "rsi", c_rstepi, 1, "reverse-stepi [N]: to the previous event of any kind" },
  { "goto", "go jump j", c_goto, 0, "goto SEQ|start|end|exception: to event number SEQ (exception: where the uncaught exception that ended the program was raised)" },
  { "break", "b", c_break, 0, "break [FILE:LINE | LINE | FUNCTION] [, CONDITION]: set a breakpoint (no argument: list them)" },
  { "tbreak", "", c_tbreak, 0, "tbreak LOCATION [, CONDITION]: a breakpoint deleted when it first stops" },
  { "clear", "cl delete", c_clear, 0, "clear [NUMBER... | FILE:LINE]: delete breakpoints or watches (all without argument)" },
  { "disable", "", c_disable, 0, "disable NUMBER...: disable breakpoints" },
  { "enable", "", c_enable, 0, "enable NUMBER...: enable breakpoints" },
  { "condition", "", c_condition, 0, "condition NUMBER [EXPRESSION]: set or remove a breakpoint's condition" },
  { "ignore", "", c_ignore, 0, "ignore NUMBER [COUNT]: pass a breakpoint COUNT times without stopping" },
  { "watch", "", c_watch, 0, "watch NAME | NAME.attr | NAME[key]: continue/reverse-continue stop where it changes, and where its frame is left (the watch then goes)" },
  { "unwatch", "", c_unwatch, 0, "unwatch [NUMBER | EXPRESSION]: delete watches (all without argument)" },
  { "where", "w bt backtrace", c_where, 0, "where: the stack, outermost first; > marks the selected frame" },
  { "up", "u", c_up, 0, "up [N]: select an older frame" },
  { "down", "d", c_down, 0, "down [N]: select a newer frame" },
  { "list", "l", c_list, 1, "list [FIRST[, LAST] | .]: source around the current line (continues when repeated)" },
  { "longlist", "ll", c_longlist, 0, "longlist: the whole source of the current function" },
  { "p", "print", c_p, 0, "p EXPRESSION: a recorded value, objects with their fields (names, .attr, [key], [i:j:k], a, b, literals, arithmetic, comparisons, and/or/not, len(), type(), vars(), abs(), min(), max(), sum(), round(), int(), float(), bool(), s.startswith(), d.get() and other lookups, __return__, __exception__)" },
  { "pp", "", c_pp, 0, "pp EXPRESSION: the same, pretty-printed" },
  { "args", "a", c_args, 0, "args: the current function's arguments" },
  { "locals", "", c_locals, 0, "locals: every recorded variable of the selected frame" },
  { "retval", "rv", c_retval, 0, "retval: the return value at a return event" },
  { "display", "", c_display, 0, "display [EXPRESSION]: show EXPRESSION whenever it changes at a stop" },
  { "undisplay", "", c_undisplay, 0, "undisplay [EXPRESSION]: stop displaying (all without argument)" },
  { "history", "hist", c_history, 0, "history NAME: every value NAME took in this frame, with seq and line" },
  { "info", "", c_info, 0, "info [break | display]: position, thread and a summary of the recording" },
  { "when", "", c_when, 0, "when: the current event number" },
  { "threads", "", c_threads, 0, "threads: every thread and where it is at this moment" },
  { "thread", "", c_thread, 0, "thread [N]: switch to thread N at this moment" },
  { "help", "h ?", c_help, 0, "help [COMMAND]: this list, or one command's help" },
  { "quit", "q exit", c_quit, 0, "quit: leave" },
};
#define N_COMMANDS (sizeof(commands)/sizeof(commands[0]))

static int word_in(const char *list, const char *w, size_t wl){
  while( *list ){
    size_t n = strcspn(list, " ");
    if( n==wl && !memcmp(list, w, n) ) return 1;
    list += n;
    while( *list==' ' ) list++;
  }
  return 0;
}

static const struct command *find_command(const char *w, size_t wl){
  for(size_t i=0; i<N_COMMANDS; i++){
    if( (strlen(commands[i].name)==wl && !memcmp(commands[i].name, w, wl))
        || word_in(commands[i].aliases, w, wl) ) return &commands[i];
  }
  return NULL;
}

static void c_help(trec_repl *repl, const char *arg, struct trec_buf *out){
  (void)repl;
  while( *arg==' ' ) arg++;
  if( *arg ){
    const struct command *c = find_command(arg, strlen(arg));
    if( c==NULL ){ trec_buf_printf(out, "*** No help for '%s'\n", arg); return; }
    trec_buf_printf(out, "%s%s%s%s\n  %s\n", c->name, *c->aliases ? " (" : "", c->aliases,
                    *c->aliases ? ")" : "", c->help);
    return;
  }
  trec_buf_puts(out, "Commands (pdb's words; reverse ones from gdb/rr, RevDB aliases):\n");
  for(size_t i=0; i<N_COMMANDS; i++) trec_buf_printf(out, "  %s\n", commands[i].help);
  trec_buf_puts(out, "An empty line repeats the last motion; ';;' separates commands.\n");
}

static void run_one(trec_repl *repl, const char *line, struct trec_buf *out){
  const struct command *c;
  size_t wl;
  while( *line==' ' || *line=='\t' ) line++;
  if( *line==0 ){
    if( repl->last ){
      char *again = strdup(repl->last);   /* run_one replaces repl->last */
      if( again ) run_one(repl, again, out);
      free(again);
    }
    return;
  }
  if( repl->sel_seq!=trec_replay_seq(repl->rp) ){
    /* the cursor moved under us (another user of the engine) */
    size_t n = trec_replay_n_frames(repl->rp);
    repl->sel = n ? n-1 : 0;
    repl->sel_seq = trec_replay_seq(repl->rp);
  }
  wl = strcspn(line, " \t");
  c = find_command(line, wl);
  if( c==NULL ){
    trec_buf_printf(out, "*** Unknown command '%.*s': see 'help' (replay cannot run Python code)\n",
                    (int)wl, line);
    return;
  }
  if( c->repeat ) set_last(repl, line);
  line += wl;
  while( *line==' ' || *line=='\t' ) line++;
  c->fn(repl, line, out);
}

int trec_repl_command(trec_repl *repl, const char *line, struct trec_buf *out){
  char *copy = strdup(line), *p, *sep;
  if( copy==NULL ){
    errline(out, "out of memory");
    return 0;
  }
  for(size_t n=strlen(copy); n>0 && (copy[n-1]=='\n' || copy[n-1]=='\r'); n--) copy[n-1] = 0;
  p = copy;
  do{
    sep = strstr(p, ";;");
    if( sep ) *sep = 0;
    run_one(repl, p, out);
    p = sep ? sep+2 : NULL;
  }while( p && !repl->quit );
  free(copy);
  return repl->quit;
}

int trec_repl_new(trec_replay *rp, trec_repl **out){
  trec_repl *repl = calloc(1, sizeof(*repl));
  *out = repl;
  if( repl==NULL ) return TREC_ERR_NOMEM;
  repl->rp = rp;
  return TREC_OK;
}

void trec_repl_free(trec_repl *repl){
  if( repl==NULL ) return;
  for(size_t i=0; i<repl->n_disp; i++){
    free(repl->disp[i].expr);
    trec_buf_release(&repl->disp[i].last);
  }
  free(repl->disp);
  free(repl->last);
  free(repl);
}

/* pdb's post-mortem starts where the uncaught exception was raised; replay
** starts where the program did, and says where that was. sys.exit()
** raises SystemExit, which is no failure to point at. */
static void uncaught_note(trec_repl *repl, struct trec_buf *out){
  uint64_t here = trec_replay_seq(repl->rp), at;
  struct trec_buf exc = TREC_BUF_INIT;
  struct trec_replay_frame f;
  const unsigned char *p, *e;
  size_t n;
  if( trec_replay_uncaught(repl->rp, &at) || at==0 || trec_replay_seek(repl->rp, at) )
    return;
  n = trec_replay_n_frames(repl->rp);
  if( n && trec_replay_exception(repl->rp, &p, &e)==TREC_OK
      && trec_replay_frame(repl->rp, n-1, &f)==TREC_OK ){
    exc_line(&exc, p, e);
    if( !exc.oom && exc.len && strncmp((const char *)exc.data, "SystemExit", 10) ){
      trec_buf_printf(out, "*** The program ended with an uncaught %.*s", (int)exc.len,
                      (const char *)exc.data);
      trec_buf_printf(out, "*** raised at event %llu, %s(%d)%s(): 'goto exception' goes there\n",
                      (unsigned long long)at, f.file ? f.file->path : "<unknown>",
                      (int)f.line, f.code->name);
    }
  }
  trec_buf_release(&exc);
  trec_replay_seek(repl->rp, here);
}

void trec_repl_start(trec_repl *repl, struct trec_buf *out){
  trec_reader *r = trec_replay_reader(repl->rp);
  struct trec_event ev;
  if( trec_replay_truncated(repl->rp) ){
    const char *why = trec_reader_stop_error(r);
    trec_buf_printf(out, "*** The recording is truncated (%s%s): it ends at event %llu.\n",
                    why ? "recording stopped early: " : "the program did not finish recording",
                    why ? why : "", (unsigned long long)trec_reader_last_seq(r));
  }
  if( trec_replay_event(repl->rp, &ev) ){
    errline(out, "the recording has no events");
    return;
  }
  uncaught_note(repl, out);
  if( ev.kind==TREC_CALL ){
    struct trec_replay_stop st;
    uint64_t seq = ev.seq;
    if( trec_replay_step(repl->rp, TREC_FORWARD, TREC_STEP_LINE, 0, &st)==TREC_OK
        && st.reason==TREC_STOP_STEP && trec_replay_event(repl->rp, &ev)==TREC_OK
        && ev.depth!=1 ){
      trec_replay_seek(repl->rp, seq);
    }
  }
  show_stop(repl, out);
}
