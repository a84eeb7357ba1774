/*
** cmd-replay.c: `tracerec replay [-x CMD]... TRACE`: the time-travel REPL.
**
** The interpreter is replay/repl.c; this file only feeds it lines: first the
** -x commands, then a libedit prompt "(trec) " on a terminal, or plain lines
** from stdin otherwise (no prompt, so scripted sessions print exactly the
** commands' output). On a terminal Ctrl-C interrupts a long motion, which
** leaves the cursor where it was, or the line being typed, as pdb's
** --KeyboardInterrupt-- does, instead of ending the session.
*/
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <editline/readline.h>
#include "cli/cmd.h"
#include "replay/replay.h"
#include "replay/repl.h"

static void replay_usage(void){
  fputs("usage: tracerec replay [-x COMMAND]... TRACE\n\n"
        "Travel through a recording with pdb's commands, forward and backward\n"
        "(reverse-step rs, reverse-next rn, reverse-finish rf, reverse-continue rc,\n"
        "watch NAME, goto SEQ, history NAME; 'help' lists them all).\n\n"
        "  -x COMMAND   run COMMAND first (repeatable); then read commands from\n"
        "               the terminal, or from stdin when it is not a terminal\n", stdout);
}

static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig){
  (void)sig;
  got_sigint = 1;
}

static void flush_out(struct trec_buf *out){
  if( out->len ) fwrite(out->data, 1, out->len, stdout);
  fflush(stdout);
  trec_buf_reset(out);
}

int trec_cmd_replay(int argc, char **argv){
  const char **xcmds = NULL;
  const char *path = NULL;
  int n_x = 0, status = 0, quit = 0, rc;
  trec_replay *rp = NULL;
  trec_repl *repl = NULL;
  struct trec_buf out = TREC_BUF_INIT;

  xcmds = calloc((size_t)argc + 1, sizeof(*xcmds));
  if( xcmds==NULL ){
    trec_cli_error("replay", "out of memory");
    return TREC_EXIT_SOFTWARE;
  }
  for(int i=1; i<argc; i++){
    if( !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ){
      replay_usage();
      goto out;
    }else if( !strcmp(argv[i], "-x") ){
      if( i+1>=argc ){
        trec_cli_error("replay", "-x needs a command");
        status = TREC_EXIT_USAGE;
        goto out;
      }
      xcmds[n_x++] = argv[++i];
    }else if( !strncmp(argv[i], "-x", 2) ){
      xcmds[n_x++] = argv[i]+2;
    }else if( argv[i][0]=='-' && argv[i][1] ){
      trec_cli_error("replay", "unknown option '%s'; see 'tracerec replay --help'",
                     argv[i]);
      status = TREC_EXIT_USAGE;
      goto out;
    }else if( path==NULL ){
      path = argv[i];
    }else{
      trec_cli_error("replay", "one trace at a time ('%s' is extra)", argv[i]);
      status = TREC_EXIT_USAGE;
      goto out;
    }
  }
  if( path==NULL ){
    trec_cli_error("replay", "usage: tracerec replay [-x COMMAND]... TRACE");
    status = TREC_EXIT_USAGE;
    goto out;
  }
  rc = trec_replay_open(path, &rp);
  if( rc ){
    trec_cli_trace_error("replay", path, trec_replay_errmsg(rp));
    status = trec_cli_exit_for(rc);
    goto out;
  }
  if( trec_repl_new(rp, &repl) ){
    trec_cli_error("replay", "out of memory");
    status = TREC_EXIT_SOFTWARE;
    goto out;
  }
  if( isatty(0) ){
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);   /* no SA_RESTART: the prompt's read returns */
    rl_catch_signals = 0;
    trec_replay_set_interrupt(rp, &got_sigint);
  }
  trec_repl_start(repl, &out);
  flush_out(&out);
  for(int i=0; i<n_x && !quit; i++){
    quit = trec_repl_command(repl, xcmds[i], &out);
    flush_out(&out);
  }
  if( !quit && isatty(0) ){
    char *line;
    while( !quit ){
      got_sigint = 0;
      if( (line = readline("(trec) "))==NULL ){
        if( !got_sigint ) break;
        fputs("\n--KeyboardInterrupt--\n", stdout);
        continue;
      }
      if( *line ) add_history(line);
      got_sigint = 0;
      quit = trec_repl_command(repl, line, &out);
      flush_out(&out);
      free(line);
    }
    if( !quit ) fputc('\n', stdout);
  }else if( !quit ){
    char *line = NULL;
    size_t cap = 0;
    while( !quit && getline(&line, &cap, stdin)>=0 ){
      quit = trec_repl_command(repl, line, &out);
      flush_out(&out);
    }
    free(line);
  }
out:
  trec_repl_free(repl);
  trec_replay_close(rp);
  trec_buf_release(&out);
  free(xcmds);
  return status;
}
