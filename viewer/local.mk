# viewer/: `tracerec view` (HTTP server + page) and the exporters.
noinst_LTLIBRARIES += viewer/libtrecview.la
viewer_libtrecview_la_SOURCES = viewer/view.h viewer/view-stub.c
viewer_libtrecview_la_CPPFLAGS = $(AM_CPPFLAGS)
