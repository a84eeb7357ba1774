/*
** cmd-export.c: `tracerec export TRACE [--format chrome|jsonl] [-o FILE]`.
** Writes to stdout unless -o; with -o the export goes to FILE.tmp first and
** is renamed into place only when whole, so a failed export never leaves a
** half-written file under the requested name (unless FILE exists and is not
** a regular file, such as /dev/null or a pipe, which is written directly).
** FILE may not be the trace itself, which the export would replace.
*/
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cmd.h"
#include "schema/trace.h"
#include "viewer/view.h"

static void export_usage(void){
  fputs("usage: tracerec export TRACE [--format chrome|jsonl] [-o FILE]\n\n"
        "  --format chrome  Chrome Trace Event JSON for ui.perfetto.dev and\n"
        "                   chrome://tracing: one slice per call (default)\n"
        "  --format jsonl   one JSON object per event, in seq order\n"
        "  -o FILE          write to FILE instead of standard output\n", stdout);
}

int trec_cmd_export(int argc, char **argv){
  const char *trace = NULL, *output = NULL;
  struct trec_export_options opt = { TREC_EXPORT_CHROME, 0 };
  struct trec_buf msg = TREC_BUF_INIT, tmp = TREC_BUF_INIT;
  trec_reader *r = NULL;
  FILE *out = NULL;
  char *resolved = NULL;      /* Owned: output's target when it is a link */
  int status = TREC_EXIT_SOFTWARE, rc, direct = 0;

  for(int i=1; i<argc; i++){
    const char *a = argv[i];
    if( !strcmp(a, "-h") || !strcmp(a, "--help") ){
      export_usage();
      return 0;
    }else if( !strcmp(a, "--format") || !strcmp(a, "-f") || !strncmp(a, "--format=", 9) ){
      const char *v = a[8]=='=' ? a+9 : (i+1<argc ? argv[++i] : NULL);
      if( (opt.format = trec_export_format_parse(v))<0 ){
        trec_cli_error("export", "unknown format '%s' (use chrome or jsonl)", v ? v : "");
        return TREC_EXIT_USAGE;
      }
    }else if( !strcmp(a, "-o") || !strcmp(a, "--output") ){
      if( i+1>=argc ){
        trec_cli_error("export", "%s needs a file name", a);
        return TREC_EXIT_USAGE;
      }
      output = argv[++i];
    }else if( a[0]=='-' && a[1] ){
      trec_cli_error("export", "unknown option '%s'; see 'tracerec export --help'", a);
      return TREC_EXIT_USAGE;
    }else if( trace==NULL ){
      trace = a;
    }else{
      trec_cli_error("export", "one trace at a time; '%s' is extra", a);
      return TREC_EXIT_USAGE;
    }
  }
  if( trace==NULL ){
    trec_cli_error("export", "usage: tracerec export TRACE [--format chrome|jsonl] [-o FILE]");
    return TREC_EXIT_USAGE;
  }

  rc = trec_reader_open(trace, 0, &r);
  if( rc!=TREC_OK ){
    trec_cli_trace_error("export", trace, r ? trec_reader_errmsg(r) : trec_strerror(rc));
    status = trec_cli_exit_for(rc);
    goto out;
  }
  if( output && strcmp(output, "-") ){
    struct stat sb, tb;
    if( stat(output, &sb)==0 && stat(trace, &tb)==0
        && sb.st_dev==tb.st_dev && sb.st_ino==tb.st_ino ){
      trec_cli_error("export", "-o %s is the trace being exported; "
                     "give another file name", output);
      status = TREC_EXIT_USAGE;
      goto out;
    }
    /* A symbolic link is followed: its target gets the export, and the
    ** link stays. */
    if( lstat(output, &sb)==0 && S_ISLNK(sb.st_mode)
        && (resolved = realpath(output, NULL))!=NULL ){
      output = resolved;
    }
    /* Only a regular file is replaced through a temporary name; a device
    ** or pipe (/dev/null, /dev/stdout, a FIFO) is written in place. */
    if( stat(output, &sb)==0 && !S_ISREG(sb.st_mode) ){
      if( (out = fopen(output, "w"))==NULL ){
        trec_cli_error("export", "cannot open %s: %s", output, strerror(errno));
        status = TREC_EXIT_CANTCREAT;
        goto out;
      }
      direct = 1;
    }else{
      trec_buf_printf(&tmp, "%s.tmp", output);
      if( tmp.oom || (out = fopen(trec_buf_cstr(&tmp), "w"))==NULL ){
        trec_cli_error("export", "cannot create %s: %s", trec_buf_cstr(&tmp), strerror(errno));
        status = TREC_EXIT_CANTCREAT;
        goto out;
      }
    }
  }
  rc = trec_export(r, &opt, out ? out : stdout, &msg);
  if( out ){
    if( fclose(out)!=0 && rc==TREC_OK ){
      rc = TREC_ERR_IO;
      trec_buf_printf(&msg, "cannot write %s: %s", output, strerror(errno));
    }
    out = NULL;
    if( !direct && rc==TREC_OK && rename(trec_buf_cstr(&tmp), output)!=0 ){
      rc = TREC_ERR_IO;
      trec_buf_printf(&msg, "cannot rename to %s: %s", output, strerror(errno));
    }
    if( !direct && rc!=TREC_OK ) unlink(trec_buf_cstr(&tmp));
  }
  if( rc!=TREC_OK ){
    trec_cli_error("export", "%s: %s", trace, trec_buf_cstr(&msg));
    status = rc==TREC_ERR_IO ? TREC_EXIT_CANTCREAT : trec_cli_exit_for(rc);
    goto out;
  }
  status = 0;
out:
  if( out ) fclose(out);
  trec_reader_close(r);
  trec_buf_release(&msg);
  trec_buf_release(&tmp);
  free(resolved);
  return status;
}
