# lib.sh: shared setup for shell tests. Source it, then use `ok`/`not_ok`,
# `check DESC CMD...`, and finish with `done_testing`. Output is TAP.
set -u
LC_ALL=C.UTF-8
export LC_ALL
: "${TRACEREC:?run this test through make check}"
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/trec-test.XXXXXX")
trap 'rm -rf "$T_DIR"' EXIT
t_n=0
t_failed=0

ok(){ t_n=$((t_n+1)); echo "ok $t_n - $*"; }
not_ok(){ t_n=$((t_n+1)); t_failed=$((t_failed+1)); echo "not ok $t_n - $*"; }
skip(){ t_n=$((t_n+1)); echo "ok $t_n - # SKIP $*"; }

# check DESC CMD... : ok when CMD exits 0
check(){
  local desc=$1; shift
  if "$@" >"$T_DIR/out" 2>"$T_DIR/err"; then ok "$desc"
  else not_ok "$desc"; sed 's/^/# /' "$T_DIR/out" "$T_DIR/err"; fi
}

# check_fails DESC STATUS CMD... : ok when CMD exits with STATUS and says
# exactly one line on stderr
check_fails(){
  local desc=$1 want=$2 got; shift 2
  "$@" >"$T_DIR/out" 2>"$T_DIR/err"; got=$?
  if [ "$got" -eq "$want" ] && [ "$(wc -l <"$T_DIR/err")" -eq 1 ]; then ok "$desc"
  else not_ok "$desc (status $got, want $want)"; sed 's/^/# /' "$T_DIR/err"; fi
}

done_testing(){ echo "1..$t_n"; [ "$t_failed" -eq 0 ]; }

# need_browser NAME BIN PACKAGE MODULE: end the test as skipped, saying
# what is missing, unless node, the browser BIN (Debian package PACKAGE)
# and tests/browser's node module MODULE are all there.
need_browser(){
  why=
  if ! command -v node >/dev/null 2>&1; then why="node is not installed"
  elif [ ! -x "$2" ]; then why="no $1 at $2 (apt-get install $3)"
  elif [ ! -d "$TREC_SRCDIR/tests/browser/node_modules/$4" ]; then
    why="$4 missing (npm ci --prefix tests/browser)"
  fi
  if [ -n "$why" ]; then skip "$why"; done_testing; exit 0; fi
}
