/*
** view-stub.c: placeholder until the viewer exists.
*/
#include "viewer/view.h"
int trec_view_available(void){ return 0; }
