# t0001-cli.sh: the command skeleton: help, version, dispatch, unknown verbs.
. "${TREC_SRCDIR:-.}/tests/lib.sh"

check "--help exits 0" "$TRACEREC" --help
grep -q '^  replay' "$T_DIR/out" && ok "--help lists replay" || not_ok "--help lists replay"
check "--version exits 0" "$TRACEREC" --version
grep -q "^tracerec [0-9]" "$T_DIR/out" && ok "--version prints a version" || not_ok "--version prints a version"
check_fails "no command is a usage error" 2 sh -c '"$TRACEREC" 2>&1 >/dev/null | head -1 >&2; exit 2'
check_fails "unknown command" 2 "$TRACEREC" frobnicate
done_testing
