# t3003-view-firefox.sh: the viewer page in headless Firefox (Debian's
# firefox-esr + puppeteer-core from tests/browser/node_modules, over WebDriver
# BiDi). Skipped, with the reason, when either is missing.
. "${TREC_SRCDIR:-.}/tests/lib.sh"
firefox=${TREC_FIREFOX:-/usr/bin/firefox-esr}
mods="$TREC_SRCDIR/tests/browser/node_modules/puppeteer-core"
if ! command -v node >/dev/null 2>&1; then
  skip "node is not installed"; done_testing; exit 0
elif [ ! -x "$firefox" ]; then
  skip "no Firefox at $firefox (apt-get install firefox-esr)"; done_testing; exit 0
elif [ ! -d "$mods" ]; then
  skip "puppeteer-core missing (npm ci --prefix tests/browser)"; done_testing; exit 0
fi
mkdir -p tests/artifacts
TREC_FIREFOX=$firefox exec node "$TREC_SRCDIR/tests/browser/firefox.test.mjs"
