/*
** replay.h: the replay engine (placeholder).
*/
#ifndef TREC_REPLAY_H
#define TREC_REPLAY_H
int trec_replay_available(void);
#endif
