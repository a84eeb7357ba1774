# t3002-view-browser.sh: the viewer page in headless Chromium (Debian's
# chromium + playwright-core from tests/browser/node_modules, installed with
# `npm ci --prefix tests/browser`). Skipped, with the reason, when either is
# missing: the test never downloads a browser.
. "${TREC_SRCDIR:-.}/tests/lib.sh"
chromium=${TREC_CHROMIUM:-/usr/bin/chromium}
mods="$TREC_SRCDIR/tests/browser/node_modules/playwright-core"
if ! command -v node >/dev/null 2>&1; then
  skip "node is not installed"; done_testing; exit 0
elif [ ! -x "$chromium" ]; then
  skip "no Chromium at $chromium (apt-get install chromium)"; done_testing; exit 0
elif [ ! -d "$mods" ]; then
  skip "playwright-core missing (npm ci --prefix tests/browser)"; done_testing; exit 0
fi
TREC_CHROMIUM=$chromium exec node "$TREC_SRCDIR/tests/browser/view.test.mjs"
