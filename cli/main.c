/*
** main.c: the `tracerec` command. Parses the global options and dispatches
** to one subcommand from the table below (git.c's commands[] pattern).
** Everything a subcommand does lives in its own cli/cmd-<verb>.c.
*/
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cli/cmd.h"
#include "schema/trace.h"

struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
};

static const struct command commands[] = {
  { "run",    trec_cmd_run,    "record a Python program: run [-o TRACE] (SCRIPT | -m MODULE | -c CODE | -) [ARGS...]" },
  { "replay", trec_cmd_replay, "travel through a recording with pdb's commands, both ways" },
  { "sql",    trec_cmd_sql,    "query a recording with SQL" },
  { "info",   trec_cmd_info,   "summarize a recording" },
  { "view",   trec_cmd_view,   "open a recording in the browser" },
  { "export", trec_cmd_export, "export a recording (Chrome trace JSON for Perfetto, JSON lines)" },
};
#define N_COMMANDS (sizeof(commands)/sizeof(commands[0]))

void trec_cli_error(const char *cmd, const char *fmt, ...){
  va_list ap;
  fflush(stdout);
  if( cmd ) fprintf(stderr, "tracerec %s: ", cmd);
  else fputs("tracerec: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void trec_cli_trace_error(const char *cmd, const char *path, const char *msg){
  if( strstr(msg, path) ) trec_cli_error(cmd, "%s", msg);
  else trec_cli_error(cmd, "%s: %s", path, msg);
}

int trec_cli_exit_for(int rc){
  switch( rc ){
    case TREC_OK:           return 0;
    case TREC_ERR_IO:       return TREC_EXIT_NOINPUT;
    case TREC_ERR_NOTTRACE:
    case TREC_ERR_VERSION:
    case TREC_ERR_CORRUPT:
    case TREC_ERR_CODEC:    return TREC_EXIT_DATAERR;
    case TREC_ERR_INVALID:  return TREC_EXIT_USAGE;
    default:                return TREC_EXIT_SOFTWARE;
  }
}

static void usage(FILE *f){
  fputs("usage: tracerec [--version] [--help] <command> [<args>]\n\n"
        "Record a Python program's whole execution, then travel through it.\n\n"
        "commands:\n", f);
  for(size_t i=0; i<N_COMMANDS; i++)
    fprintf(f, "  %-7s %s\n", commands[i].name, commands[i].summary);
  fputs("\n'tracerec <command> --help' describes a command; 'man tracerec' all of them.\n", f);
}

int main(int argc, char **argv){
  if( argc<2 ){
    usage(stderr);
    return TREC_EXIT_USAGE;
  }
  if( !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help") ){
    usage(stdout);
    return 0;
  }
  if( !strcmp(argv[1], "--version") || !strcmp(argv[1], "-V") ){
    printf("tracerec %s (trace format %d.%d, built for Python at %s)\n",
           PACKAGE_VERSION, TREC_FORMAT_MAJOR, TREC_FORMAT_MINOR, TREC_PYTHON);
    return 0;
  }
  for(size_t i=0; i<N_COMMANDS; i++){
    if( !strcmp(argv[1], commands[i].name) )
      return commands[i].fn(argc-1, argv+1);
  }
  trec_cli_error(NULL, "'%s' is not a command; see 'tracerec --help'", argv[1]);
  return TREC_EXIT_USAGE;
}
