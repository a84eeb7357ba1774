/*
** cmd-view.c: `tracerec view` (not built yet; see the open issue for it).
*/
#include "config.h"
#include "cli/cmd.h"

int trec_cmd_view(int argc, char **argv){
  (void)argc; (void)argv;
  trec_cli_error("view", "not available in this build yet");
  return TREC_EXIT_UNAVAILABLE;
}
