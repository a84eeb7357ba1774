/*
** paths.c: where the parts tracerec needs at run time are. `./tracerec` run
** from its build tree uses the build tree's recorder extension, Python
** package and SQLite extension, so that nothing has to be installed to try
** or test it; an installed tracerec uses the installed ones.
*/
#include "config.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cmd.h"

static int in_build_tree = -1;

int trec_cli_in_build_tree(void){
  char exe[PATH_MAX], dir[PATH_MAX];
  ssize_t n;
  char *slash;
  if( in_build_tree>=0 ) return in_build_tree;
  in_build_tree = 0;
  n = readlink("/proc/self/exe", exe, sizeof(exe)-1);
  if( n<=0 ) return 0;
  exe[n] = 0;
  slash = strrchr(exe, '/');
  if( !slash ) return 0;
  *slash = 0;
  if( !realpath(TREC_BUILDDIR, dir) ) return 0;
  /* libtool may have put the real binary in .libs/ */
  if( !strcmp(exe, dir) ) in_build_tree = 1;
  else{
    size_t k = strlen(dir);
    if( !strncmp(exe, dir, k) && !strcmp(exe+k, "/.libs") ) in_build_tree = 1;
  }
  return in_build_tree;
}

const char *trec_cli_python(void){
  const char *p = getenv("TRACEREC_PYTHON");
  return (p && *p) ? p : TREC_PYTHON;
}

const char *trec_cli_pythonpath(void){
  static char buf[2*PATH_MAX+2];
  if( trec_cli_in_build_tree() )
    snprintf(buf, sizeof(buf), "%s/recorder:%s/recorder/.libs", TREC_SRCDIR, TREC_BUILDDIR);
  else
    snprintf(buf, sizeof(buf), "%s", TREC_PYEXECDIR);
  return buf;
}

const char *trec_cli_extension_path(void){
  static char buf[PATH_MAX];
  if( trec_cli_in_build_tree() )
    snprintf(buf, sizeof(buf), "%s/schema/.libs/tracerec.so", TREC_BUILDDIR);
  else
    snprintf(buf, sizeof(buf), "%s/tracerec.so", TREC_PKGLIBDIR);
  return buf;
}
