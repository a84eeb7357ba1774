/*
** cmd.h: the subcommands of `tracerec`. Each lives in its own cmd-<verb>.c
** and is listed in the table in main.c.
**
** To add a command: write cli/cmd-<verb>.c defining trec_cmd_<verb>(),
** declare it here, add a row to commands[] in main.c, add the file to
** cli/local.mk, document it in doc/tracerec.1 and README.md.
**
** A command gets argv with argv[0] = its own name and returns the process
** exit status. Only cli/ prints to the terminal or exits.
*/
#ifndef TREC_CMD_H
#define TREC_CMD_H

int trec_cmd_run(int argc, char **argv);
int trec_cmd_replay(int argc, char **argv);
int trec_cmd_sql(int argc, char **argv);
int trec_cmd_info(int argc, char **argv);
int trec_cmd_view(int argc, char **argv);
int trec_cmd_export(int argc, char **argv);

/* sysexits.h codes, as rr and git use them */
#define TREC_EXIT_USAGE   2     /* bad command line (like Python's argparse) */
#define TREC_EXIT_DATAERR 65    /* not a trace, corrupt, newer format */
#define TREC_EXIT_NOINPUT 66    /* file missing or unreadable */
#define TREC_EXIT_UNAVAILABLE 69 /* feature not built */
#define TREC_EXIT_SOFTWARE 70   /* internal error */
#define TREC_EXIT_CANTCREAT 73  /* cannot write the output */

/* Exit status for a library error code from opening or reading a trace. */
int trec_cli_exit_for(int rc);

/* Print "tracerec <cmd>: <message>" on stderr. */
void trec_cli_error(const char *cmd, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/* A trace that cannot be opened or read: "tracerec <cmd>: <path>: <msg>",
** or without "<path>: " when msg already names the trace (the reader's
** messages mostly do), so that the path is said once. */
void trec_cli_trace_error(const char *cmd, const char *path, const char *msg);

/* paths.c: where the recorder, its Python package and the SQLite extension
** are, for this binary (build tree or installed). Static storage. */
int trec_cli_in_build_tree(void);
const char *trec_cli_python(void);       /* $TRACEREC_PYTHON or the configured one */
const char *trec_cli_pythonpath(void);   /* for PYTHONPATH */
const char *trec_cli_extension_path(void);

#endif
