# t0200-run-cli.sh: `tracerec run` command-line errors: one line on stderr
# starting with "tracerec run:", and the right status; never a traceback.
. "${TREC_SRCDIR:-.}/tests/lib.sh"
P="$TREC_SRCDIR/tests/programs"

check_fails "no target is a usage error" 2 "$TRACEREC" run
check_fails "unknown option" 2 "$TRACEREC" run --frobnicate "$P/recursion.py"
check_fails "option needs a value" 2 "$TRACEREC" run -o
check_fails "count needs a number" 2 "$TRACEREC" run --max-str many "$P/recursion.py"
check_fails "missing script" 2 "$TRACEREC" run -o "$T_DIR/x.trace" "$T_DIR/nonexistent.py"
check_fails "missing module" 1 "$TRACEREC" run -o "$T_DIR/x.trace" -m no_such_module_xyz
check_fails "count too large for the recorder" 2 "$TRACEREC" run --max-items 99999999999999999999 "$P/recursion.py"
check_fails "unwritable output" 73 "$TRACEREC" run -o "$T_DIR/no/such/dir/x.trace" "$P/recursion.py"
n=$(grep -o "$T_DIR/no/such/dir/x.trace" "$T_DIR/err" | wc -l)
if [ "$n" -eq 1 ] && grep -q ': No such file or directory$' "$T_DIR/err"
then ok "unwritable output: the path is said once, with why"
else not_ok "unwritable output: the path is said once, with why"; sed 's/^/# /' "$T_DIR/err"; fi
# -o replaces a trace or an empty file, never anything else: not notes, not
# the script itself, not a device node
echo precious >"$T_DIR/notes.txt"
check_fails "-o naming a file that is not a trace" 73 "$TRACEREC" run -q -o "$T_DIR/notes.txt" "$P/recursion.py"
[ "$(cat "$T_DIR/notes.txt")" = precious ] && grep -q 'exists and is not a trace' "$T_DIR/err" \
  && ok "a file that is not a trace is left whole" || not_ok "a file that is not a trace is left whole"
cp "$P/recursion.py" "$T_DIR/self.py"
check_fails "-o naming the script" 73 "$TRACEREC" run -q -o "$T_DIR/self.py" "$T_DIR/self.py"
cmp -s "$P/recursion.py" "$T_DIR/self.py" && ok "the script is left whole" || not_ok "the script is left whole"
mkfifo "$T_DIR/fifo"
check_fails "-o naming a fifo" 73 "$TRACEREC" run -q -o "$T_DIR/fifo" "$P/recursion.py"
[ -p "$T_DIR/fifo" ] && ok "the fifo is left" || not_ok "the fifo is left"
: >"$T_DIR/empty.trace"
check "-o naming an empty file" "$TRACEREC" run -q -o "$T_DIR/empty.trace" "$P/recursion.py"
check "-o naming a trace replaces it" "$TRACEREC" run -q -o "$T_DIR/empty.trace" "$P/recursion.py"
check "the replaced trace reads" "$TRACEREC" info "$T_DIR/empty.trace"
check_fails "time resolution not a power of two" 2 "$TRACEREC" run --time-resolution 100 -o "$T_DIR/x.trace" "$P/recursion.py"
grep -q '^tracerec run: --time-resolution must be a power of two' "$T_DIR/err" \
  && ok "time resolution error says what is allowed" \
  || { not_ok "time resolution error says what is allowed"; sed 's/^/# /' "$T_DIR/err"; }
check_fails "time resolution too coarse" 2 "$TRACEREC" run --time-resolution 2097152 -o "$T_DIR/x.trace" "$P/recursion.py"
check_fails "time resolution zero" 2 "$TRACEREC" run --time-resolution 0 -o "$T_DIR/x.trace" "$P/recursion.py"
check_fails "unknown backend" 2 "$TRACEREC" run --backend nosuch -o "$T_DIR/x.trace" "$P/recursion.py"
grep -q '^tracerec run: ' "$T_DIR/err" && ok "errors name the command" || not_ok "errors name the command"
check "--help exits 0" "$TRACEREC" run --help
grep -q -- '--no-redact' "$T_DIR/out" && ok "--help lists the options" || not_ok "--help lists the options"

# options end at the first non-option: the program's own -q and -o are its
( cd "$T_DIR" && "$TRACEREC" run -q "$P/show_env.py" -q -o x </dev/null >out 2>err )
grep -q '"argv": \[".*show_env.py", "-q", "-o", "x"\]' "$T_DIR/out" \
  && ok "options end at the script" || { not_ok "options end at the script"; sed 's/^/# /' "$T_DIR/out" "$T_DIR/err"; }
[ -f "$T_DIR/show_env.trace" ] && ok "default output is <stem>.trace in the cwd" \
  || not_ok "default output is <stem>.trace in the cwd"
[ ! -s "$T_DIR/err" ] && ok "-q prints nothing" || not_ok "-q prints nothing"
done_testing
