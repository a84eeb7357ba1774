/*
** view.h: the viewer and exporters (placeholder).
*/
#ifndef TREC_VIEW_H
#define TREC_VIEW_H
int trec_view_available(void);
#endif
