/*
** repl.h: the `tracerec replay` command language over the engine: pdb's
** words and output, gdb/rr's reverse words, RevDB's aliases.
**
** It is a library, not a program: a command line goes in, the text pdb
** would print comes out in a buffer. The terminal loop (libedit, reading
** stdin, -x commands) lives in cli/cmd-replay.c; the same interpreter can
** serve a console in the web viewer or tests that compare output.
*/
#ifndef TREC_REPL_H
#define TREC_REPL_H

#include "replay/replay.h"

typedef struct trec_repl trec_repl;

/*! trec_repl_new() : an interpreter over rp (Borrowed: it must outlive the
 *  interpreter). @return TREC_OK or TREC_ERR_NOMEM. */
int trec_repl_new(trec_replay *rp, trec_repl **out);
void trec_repl_free(trec_repl *repl);   /* accepts NULL */

/*! trec_repl_start() : go to the first line event (where pdb starts) and
 *  append the opening text: a warning for a truncated recording, then the
 *  location. */
void trec_repl_start(trec_repl *repl, struct trec_buf *out);

/*! trec_repl_command() : run one input line (commands may be joined with
 *  ";;"; an empty line repeats the last motion or list). Output, including
 *  "*** error" lines as pdb prints them, is appended to out.
 *  @return 1 when the session should end (quit), else 0. */
int trec_repl_command(trec_repl *repl, const char *line, struct trec_buf *out);

#endif /* TREC_REPL_H */
