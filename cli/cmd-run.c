/*
** cmd-run.c: `tracerec run [options] (SCRIPT | -m MODULE | -c CODE | -) [ARGS...]`.
**
** The recorder runs inside the traced Python process, so this verb only
** replaces itself (execv) with the configured Python running the tracerec
** package's runner: the process, its pid, its standard streams and its exit
** status (signals included) are then the program's own, with no parent
** process in between to forward signals or translate statuses.
**
** The runner is started as a script path (<package dir>/tracerec/__main__.py)
** rather than with `-m tracerec` or `-c`, because those put the current
** directory first on sys.path, where a tracerec.py of the user's would
** shadow ours. The package directory goes first on PYTHONPATH; the runner
** restores PYTHONPATH (told by _TRACEREC_ADDED_PATH and
** _TRACEREC_OLD_PYTHONPATH) and sys.path before the program starts.
*/
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cmd.h"

/* The runner script: the first PYTHONPATH entry holds the package. */
static int run_script_path(const char *pythonpath, char *out, size_t cap){
  size_t k = strcspn(pythonpath, ":");
  int n = snprintf(out, cap, "%.*s/tracerec/__main__.py", (int)k, pythonpath);
  return n>0 && (size_t)n<cap ? 0 : -1;
}

static int set_environment(const char *ours){
  const char *old = getenv("PYTHONPATH");
  char *joined = NULL;
  int rc = -1;
  if( old && *old ){
    size_t n = strlen(ours) + strlen(old) + 2;
    joined = malloc(n);
    if( !joined ) goto out;
    snprintf(joined, n, "%s:%s", ours, old);
    if( setenv("_TRACEREC_OLD_PYTHONPATH", old, 1) ) goto out;
  }else if( unsetenv("_TRACEREC_OLD_PYTHONPATH") ){
    goto out;
  }
  if( setenv("PYTHONPATH", joined ? joined : ours, 1) ) goto out;
  if( setenv("_TRACEREC_ADDED_PATH", ours, 1) ) goto out;
  rc = 0;
out:
  free(joined);
  return rc;
}

int trec_cmd_run(int argc, char **argv){
  const char *python = trec_cli_python();
  const char *pythonpath = trec_cli_pythonpath();
  char script[PATH_MAX];
  char **args;

  if( run_script_path(pythonpath, script, sizeof(script)) ){
    trec_cli_error("run", "the tracerec package path is too long");
    return TREC_EXIT_SOFTWARE;
  }
  if( access(script, R_OK) ){
    trec_cli_error("run", "cannot find the tracerec package (%s): %s",
                   script, strerror(errno));
    return TREC_EXIT_UNAVAILABLE;
  }
  if( set_environment(pythonpath) ){
    trec_cli_error("run", "cannot set PYTHONPATH: %s", strerror(errno));
    return TREC_EXIT_SOFTWARE;
  }
  /* python SCRIPT run ARGS... NULL; argv[0] is "run", reused as such. */
  args = calloc((size_t)argc + 3, sizeof(*args));
  if( !args ){
    trec_cli_error("run", "out of memory");
    return TREC_EXIT_SOFTWARE;
  }
  args[0] = (char *)python;
  args[1] = script;
  args[2] = (char *)"run";
  for(int i=1; i<argc; i++) args[i+2] = argv[i];
  args[argc+2] = NULL;
  fflush(NULL);
  execv(python, args);
  if( errno==ENOENT && !strchr(python, '/') ) execvp(python, args);
  trec_cli_error("run", "cannot run %s: %s", python, strerror(errno));
  free(args);
  return TREC_EXIT_UNAVAILABLE;
}
