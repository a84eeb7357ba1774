# t0802-cli-bad-trace.sh: every verb that opens a trace says, for a file
# that is not one, one line that names the file once; without a trace, or
# with an unknown option, one line of usage.
. "${TREC_SRCDIR:-.}/tests/lib.sh"

bad="$T_DIR/notes.txt"
echo "not a trace" >"$bad"
for verb in info sql replay view export; do
  set -- "$TRACEREC" "$verb" "$bad"
  [ "$verb" = sql ] && set -- "$@" "SELECT 1"
  check_fails "$verb: a non-trace is a data error" 65 "$@" </dev/null
  n=$(grep -o "$bad" "$T_DIR/err" | wc -l)
  if [ "$n" -eq 1 ] && grep -q "^tracerec $verb: .*not a tracerec trace" "$T_DIR/err"
  then ok "$verb: the path is said once"
  else not_ok "$verb: the path is said once"; sed 's/^/# /' "$T_DIR/err"; fi
  check_fails "$verb: no trace is a usage error" 2 "$TRACEREC" "$verb" </dev/null
  grep -q "^tracerec $verb: usage: tracerec $verb " "$T_DIR/err" && ok "$verb: says its usage" \
    || { not_ok "$verb: says its usage"; sed 's/^/# /' "$T_DIR/err"; }
  check_fails "$verb: an unknown option is a usage error" 2 "$TRACEREC" "$verb" --frobnicate "$bad" </dev/null
done
done_testing
