/*
** replay-stub.c: placeholder so that libtrecreplay links while the engine
** (cursor.c, frame.c, bp.c, watch.c) is being written; replay.h is the API.
*/
#include "config.h"
#include "replay/replay.h"

const char *trec_replay_errmsg(trec_replay *rp){
  (void)rp;
  return "the replay engine is not built yet";
}
