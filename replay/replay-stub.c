/*
** replay-stub.c: placeholder until the replay engine exists.
*/
#include "replay/replay.h"
int trec_replay_available(void){ return 0; }
