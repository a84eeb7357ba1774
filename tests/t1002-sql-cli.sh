# t1002-sql-cli.sh: `tracerec sql` on bad input and hostile SQL: one line on
# stderr and the documented status (66 missing, 65 not a trace or damaged,
# 1 bad SQL, 2 usage), and no statement can change the trace.
. "${TREC_SRCDIR:-.}/tests/lib.sh"

GEN="$TREC_BUILDDIR/tests/helper/sql-gen"
T="$T_DIR/t.trace"
"$GEN" "$T" <<'EOF'
opt chunk_events 2
file 1 /src/p.py
code 1 1 <module> <module> 1 0 x
code 2 1 f f 5 1 a
thread 1 1 MainThread
ev 1 1 call 1 1 1 10
ev 2 1 line 1 2 1 20 v0=i1
ev 3 1 call 2 5 2 30 v0=i9
ev 4 1 return 2 6 2 40 r=i10
ev 5 1 line 1 3 1 50 v0=i2
ev 6 1 return 1 3 1 60 r=n
close 0
EOF
[ -s "$T" ] && ok "generator wrote a trace" || not_ok "generator wrote a trace"

check "a query runs" "$TRACEREC" sql "$T" "SELECT count(*) FROM events"
check "options after the trace" "$TRACEREC" sql "$T" --csv "SELECT count(*) AS n FROM events"
[ "$(cat "$T_DIR/out")" = "$(printf 'n\n6')" ] && ok "--csv after the trace applies" || not_ok "--csv after the trace applies"
check "a query after --" "$TRACEREC" sql --csv "$T" -- "-- a comment
SELECT 1 AS one"
[ "$(cat "$T_DIR/out")" = "$(printf 'one\n1')" ] && ok "query starting with -- runs" || not_ok "query starting with -- runs"
check "NULL and the empty string in csv" "$TRACEREC" sql --csv "$T" "SELECT NULL AS a, '' AS b, 'x,y' AS c, NULL AS d"
[ "$(cat "$T_DIR/out")" = "$(printf 'a,b,c,d\n,"","x,y",')" ] && ok "csv: NULL is an empty field, '' is \"\" (sqlite3 -csv)" \
  || not_ok "csv: NULL is an empty field, '' is \"\" (sqlite3 -csv)"
check "a query starting with a comment, no --" "$TRACEREC" sql --csv "$T" "-- a comment
SELECT 2 AS two"
[ "$(cat "$T_DIR/out")" = "$(printf 'two\n2')" ] && ok "a comment is not an option" || not_ok "a comment is not an option"
# text holding a NUL or control characters: whole in JSON and CSV, escaped
# in a table so that its rows stay rows
q="SELECT 'a'||char(0)||'b' AS x, 'l1'||char(10)||'l2' AS y, char(7) AS z"
check "json: text with a NUL" "$TRACEREC" sql --json "$T" "$q"
[ "$(cat "$T_DIR/out")" = '[
{"x":"a\u0000b","y":"l1\nl2","z":"\u0007"}
]' ] && ok "json keeps text after a NUL" || not_ok "json keeps text after a NUL"
check "table: control characters" "$TRACEREC" sql "$T" "$q"
[ "$(sed -n 3p "$T_DIR/out")" = 'a\x00b  l1\nl2  \x07' ] && ok "table escapes control characters" \
  || not_ok "table escapes control characters"
"$TRACEREC" sql --csv "$T" "$q" >"$T_DIR/csv" 2>&1
[ "$(od -An -tx1 "$T_DIR/csv" | tr -d ' \n')" = "$(printf 'x,y,z\n"a' | od -An -tx1 | tr -d ' \n')00$(printf 'b","l1\nl2","' | od -An -tx1 | tr -d ' \n')07220a" ] \
  && ok "csv keeps the bytes, quoted" || not_ok "csv keeps the bytes, quoted"
# dot commands in SQL read from stdin, as at the prompt
printf '.mode csv\nSELECT 1 AS a;\n.mode json\n\nSELECT 2 AS b\n' | "$TRACEREC" sql "$T" >"$T_DIR/out" 2>&1
[ "$(cat "$T_DIR/out")" = "$(printf 'a\n1\n[\n{"b":2}\n]')" ] && ok "stdin: .mode switches, a last statement needs no ;" \
  || not_ok "stdin: .mode switches, a last statement needs no ;"
printf 'SELECT 1;\n.frob\nSELECT 2;\n' | "$TRACEREC" sql "$T" >"$T_DIR/out" 2>"$T_DIR/err"; st=$?
[ $st = 1 ] && [ "$(cat "$T_DIR/err")" = "tracerec sql: unknown command '.frob'; .help lists them" ] \
  && ! grep -q 2 "$T_DIR/out" && ok "stdin: an unknown dot command stops with 1" \
  || not_ok "stdin: an unknown dot command stops with 1 (status $st)"
printf 'SELECT 1;\nSELEC 2;\nSELECT 3;\n' | "$TRACEREC" sql "$T" >"$T_DIR/out" 2>/dev/null; st=$?
[ $st = 1 ] && ! grep -q 3 "$T_DIR/out" && ok "stdin: the first SQL error stops with 1" \
  || not_ok "stdin: the first SQL error stops with 1 (status $st)"
check_fails "two queries is a usage error" 2 "$TRACEREC" sql "$T" "SELECT 1" "SELECT 2"
check_fails "missing file is 66" 66 "$TRACEREC" sql "$T_DIR/nope.trace" "SELECT 1"
echo "hello" >"$T_DIR/text.trace"
check_fails "a text file is 65" 65 "$TRACEREC" sql "$T_DIR/text.trace" "SELECT 1"
"$PYTHON" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(a)'); c.commit()" "$T_DIR/plain.db"
check_fails "a SQLite file that is not a trace is 65" 65 "$TRACEREC" sql "$T_DIR/plain.db" "SELECT 1"
check_fails "bad SQL is 1" 1 "$TRACEREC" sql "$T" "SELEC nonsense"
check_fails "unknown table is 1" 1 "$TRACEREC" sql "$T" "SELECT * FROM nothing"
check_fails "no trace is a usage error" 2 "$TRACEREC" sql
check_fails "unknown option is a usage error" 2 "$TRACEREC" sql --frobnicate "$T"

sum_before=$(cksum <"$T")
for q in "DELETE FROM meta" "INSERT INTO files(path, hash, size) VALUES ('x', '', 0)" \
         "CREATE TABLE evil(a)" "DROP TABLE chunks" "UPDATE chunks SET data = x''" \
         "ATTACH '$T_DIR/other.db' AS o" "SELECT load_extension('/nonexistent')" \
         "PRAGMA writable_schema = 1; UPDATE sqlite_schema SET sql = ''" \
         "VACUUM INTO '$T_DIR/copy.db'" "PRAGMA query_only = 0; DELETE FROM meta" \
         "PRAGMA journal_mode = DELETE; DELETE FROM threads"; do
  check_fails "refused: $q" 1 "$TRACEREC" sql "$T" "$q"
done
[ "$(cksum <"$T")" = "$sum_before" ] && ok "trace unchanged" || not_ok "trace unchanged"
[ ! -e "$T_DIR/other.db" ] && [ ! -e "$T_DIR/copy.db" ] && ok "no file created" || not_ok "no file created"

# a damaged chunk: flip bytes inside one compressed block
cp "$T" "$T_DIR/bad.trace"
"$PYTHON" - "$T_DIR/bad.trace" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
cid, data = c.execute("SELECT chunk_id, data FROM chunks ORDER BY chunk_id LIMIT 1 OFFSET 1").fetchone()
data = bytes(b ^ 0x5a for b in data)
c.execute("UPDATE chunks SET data = ? WHERE chunk_id = ?", (data, cid))
c.commit()
EOF
check_fails "damaged chunk is 65" 65 "$TRACEREC" sql "$T_DIR/bad.trace" "SELECT count(*), sum(line) FROM events"
grep -q '^tracerec sql: chunk [0-9]*: checksum mismatch$' "$T_DIR/err" && ok "the damaged chunk is named once" \
  || not_ok "the damaged chunk is named once: $(cat "$T_DIR/err")"
check_fails "damaged chunk in vars is 65" 65 "$TRACEREC" sql "$T_DIR/bad.trace" "SELECT count(*) FROM vars"
# count(*) is answered from the chunk index, which is intact
check "count(*) of a damaged trace" "$TRACEREC" sql --csv "$T_DIR/bad.trace" "SELECT count(*) AS n FROM events"
[ "$(cat "$T_DIR/out")" = "$(printf 'n\n6')" ] && ok "count from the chunk index" || not_ok "count from the chunk index"
check_fails "damaged chunk in calls is 65" 65 "$TRACEREC" sql "$T_DIR/bad.trace" "SELECT * FROM calls"
check "undamaged chunks still answer" "$TRACEREC" sql --csv "$T_DIR/bad.trace" "SELECT seq FROM events WHERE seq <= 2"
[ "$(cat "$T_DIR/out")" = "$(printf 'seq\n1\n2')" ] && ok "rows of the good chunk" || not_ok "rows of the good chunk"

# a trace without events
printf 'file 1 /x.py\nthread 1 1 Main\nclose 0\n' | "$GEN" "$T_DIR/empty.trace"
for q in "SELECT * FROM events" "SELECT * FROM calls" "SELECT * FROM vars WHERE frame = 3" \
         "SELECT * FROM events WHERE seq = 1 ORDER BY seq DESC"; do
  check "empty trace: $q" "$TRACEREC" sql "$T_DIR/empty.trace" "$q"
done
check "empty trace: info" "$TRACEREC" info "$T_DIR/empty.trace"

check "--help" "$TRACEREC" sql --help
grep -q '^usage: tracerec sql' "$T_DIR/out" && ok "--help prints the usage" || not_ok "--help prints the usage"
check "--extension-path" "$TRACEREC" sql --extension-path
ext=$(cat "$T_DIR/out")
[ -f "$ext" ] && ok "extension exists at $ext" || not_ok "extension exists at $ext"
if command -v sqlite3 >/dev/null 2>&1; then
  if sqlite3 "$T" -cmd ".load $ext" "SELECT count(*) FROM events" >"$T_DIR/shell" 2>"$T_DIR/shellerr"; then
    [ "$(cat "$T_DIR/shell")" = 6 ] && ok "stock shell counts events" || not_ok "stock shell counts events"
  elif grep -qi 'asan\|undefined symbol' "$T_DIR/shellerr"; then
    skip "extension not loadable into the stock shell in this build"
  else
    not_ok "stock shell loads the extension"; sed 's/^/# /' "$T_DIR/shellerr"
  fi
else
  skip "no sqlite3 shell"
fi
done_testing
