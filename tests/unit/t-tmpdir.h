/*
** t-tmpdir.h: the fixture of the unit tests that write traces to disk: a
** fresh temporary directory per run, `path` a trace name inside it, both
** removed at the end. cmocka group setup/teardown functions.
*/
#ifndef T_TMPDIR_H
#define T_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char tmpdir[] = "/tmp/t-trec.XXXXXX";
static char path[256];

static int setup_dir(void **state){
  (void)state;
  if( !mkdtemp(tmpdir) ) return -1;
  snprintf(path, sizeof path, "%s/t.trace", tmpdir);
  return 0;
}

static int remove_dir(void **state){
  char cmd[300];
  (void)state;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd);
}

#endif
