# t3002-view-browser.sh: the viewer page in headless Chromium (Debian's
# chromium + playwright-core from tests/browser/node_modules, installed with
# `npm ci --prefix tests/browser`). Skipped, with the reason, when either is
# missing: the test never downloads a browser.
. "${TREC_SRCDIR:-.}/tests/lib.sh"
chromium=${TREC_CHROMIUM:-/usr/bin/chromium}
need_browser Chromium "$chromium" chromium playwright-core
TREC_CHROMIUM=$chromium exec node "$TREC_SRCDIR/tests/browser/view.test.mjs"
