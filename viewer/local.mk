# viewer/: `tracerec view` (HTTP server + page) and the exporters.
noinst_LTLIBRARIES += viewer/libtrecview.la
viewer_libtrecview_la_SOURCES = viewer/view.h viewer/view_int.h \
	viewer/evstream.c viewer/json.c viewer/values.c \
	viewer/export.c viewer/export-chrome.c viewer/export-jsonl.c \
	viewer/timeline.c viewer/api.c viewer/server.c
viewer_libtrecview_la_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS) $(JANSSON_CFLAGS) $(MHD_CFLAGS)
viewer_libtrecview_la_LIBADD = $(JANSSON_LIBS) $(MHD_LIBS)

# The page is built into the binary (`tracerec view` needs no other file).
VIEW_PAGE = $(top_srcdir)/viewer/page/index.html $(top_srcdir)/viewer/page/app.js \
	$(top_srcdir)/viewer/page/style.css
EXTRA_DIST += viewer/gen-assets.sh viewer/page/index.html viewer/page/app.js \
	viewer/page/style.css doc/VIEWER.md
BUILT_SOURCES += viewer/assets.inc
CLEANFILES += viewer/assets.inc
viewer/assets.inc: $(VIEW_PAGE) $(top_srcdir)/viewer/gen-assets.sh
	$(AM_V_GEN)mkdir -p viewer && \
	$(SHELL) $(top_srcdir)/viewer/gen-assets.sh $(VIEW_PAGE) > $@.tmp && mv $@.tmp $@
# Also when a target is made directly (BUILT_SOURCES only covers all/check).
$(viewer_libtrecview_la_OBJECTS): viewer/assets.inc
