# t3003-view-firefox.sh: the viewer page in headless Firefox (Debian's
# firefox-esr + puppeteer-core from tests/browser/node_modules, over WebDriver
# BiDi). Skipped, with the reason, when either is missing.
. "${TREC_SRCDIR:-.}/tests/lib.sh"
firefox=${TREC_FIREFOX:-/usr/bin/firefox-esr}
need_browser Firefox "$firefox" firefox-esr puppeteer-core
mkdir -p tests/artifacts
TREC_FIREFOX=$firefox exec node "$TREC_SRCDIR/tests/browser/firefox.test.mjs"
