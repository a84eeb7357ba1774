/*
** cmd-view.c: `tracerec view TRACE [--port N] [--no-browser]`. Starts the
** viewer's server (viewer/view.h), prints its URL with the access token,
** opens the default browser (xdg-open, or $BROWSER) unless told not to, and
** serves until SIGINT or SIGTERM. Those signals are blocked before the
** server's thread starts (so it inherits the mask) and taken with
** sigwait(), which makes Ctrl-C an ordinary, clean return from main.
*/
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cmd.h"
#include "viewer/view.h"

static void view_usage(void){
  fputs("usage: tracerec view TRACE [--port N] [--no-browser]\n\n"
        "Serve the recording at http://127.0.0.1:PORT/ (this machine only) and\n"
        "open it in the browser. The printed URL carries an access token.\n"
        "  --port N       listen on port N (default: a free port)\n"
        "  --no-browser   do not open a browser; just print the URL\n", stdout);
}

/* Is prog an executable on $PATH? */
static int view_on_path(const char *prog){
  const char *path = getenv("PATH");
  char buf[4096];
  while( path && *path ){
    const char *colon = strchr(path, ':');
    size_t n = colon ? (size_t)(colon - path) : strlen(path);
    if( n>0 && n+strlen(prog)+2<sizeof(buf) ){
      memcpy(buf, path, n);
      buf[n] = '/';
      strcpy(buf+n+1, prog);
      if( access(buf, X_OK)==0 ) return 1;
    }
    path = colon ? colon+1 : NULL;
  }
  return 0;
}

/* Start the browser detached, its output silenced; failure is not fatal. */
static void view_open_browser(const char *url){
  const char *browser = getenv("BROWSER");
  pid_t pid;
  if( browser==NULL || !*browser ){
    if( !view_on_path("xdg-open") ) return;
    browser = "xdg-open";
  }
  pid = fork();
  if( pid==0 ){
    int null = open("/dev/null", O_RDWR);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if( null>=0 ){ dup2(null, 0); dup2(null, 1); dup2(null, 2); }
    if( fork()==0 ){
      execlp(browser, browser, url, (char *)NULL);
      _exit(127);
    }
    _exit(0);
  }
  if( pid>0 ) waitpid(pid, NULL, 0);
}

int trec_cmd_view(int argc, char **argv){
  struct trec_view_options opt = { NULL, 0 };
  int browser = 1, rc, sig = 0;
  trec_view *v = NULL;
  sigset_t set;

  for(int i=1; i<argc; i++){
    const char *a = argv[i];
    if( !strcmp(a, "-h") || !strcmp(a, "--help") ){
      view_usage();
      return 0;
    }else if( !strcmp(a, "--no-browser") ){
      browser = 0;
    }else if( !strcmp(a, "--port") || !strncmp(a, "--port=", 7) || !strcmp(a, "-p") ){
      const char *s = a[6]=='=' ? a+7 : (i+1<argc ? argv[++i] : NULL);
      char *end;
      long port;
      errno = 0;
      port = s ? strtol(s, &end, 10) : -1;
      if( s==NULL || *s==0 || errno || *end || port<0 || port>65535 ){
        trec_cli_error("view", "--port needs a number from 0 to 65535");
        return TREC_EXIT_USAGE;
      }
      opt.port = (uint16_t)port;
    }else if( a[0]=='-' && a[1] ){
      trec_cli_error("view", "unknown option '%s'; see 'tracerec view --help'", a);
      return TREC_EXIT_USAGE;
    }else if( opt.trace==NULL ){
      opt.trace = a;
    }else{
      trec_cli_error("view", "one trace at a time; '%s' is extra", a);
      return TREC_EXIT_USAGE;
    }
  }
  if( opt.trace==NULL ){
    trec_cli_error("view", "usage: tracerec view TRACE [--port N] [--no-browser]");
    return TREC_EXIT_USAGE;
  }

  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);

  rc = trec_view_open(&opt, &v);
  if( rc!=TREC_OK ){
    trec_cli_trace_error("view", opt.trace, trec_view_errmsg(v));
    trec_view_close(v);
    return rc==TREC_ERR_IO && opt.port ? TREC_EXIT_UNAVAILABLE : trec_cli_exit_for(rc);
  }
  printf("tracerec view: serving %s at\n%s\n(Ctrl-C to stop)\n", opt.trace, trec_view_url(v));
  fflush(stdout);
  if( browser ) view_open_browser(trec_view_url(v));
  sigwait(&set, &sig);
  trec_view_close(v);
  return 0;
}
