/*
** cmd-export.c: `tracerec export` (not built yet; see the open issue for it).
*/
#include "config.h"
#include "cli/cmd.h"

int trec_cmd_export(int argc, char **argv){
  (void)argc; (void)argv;
  trec_cli_error("export", "not available in this build yet");
  return TREC_EXIT_UNAVAILABLE;
}
