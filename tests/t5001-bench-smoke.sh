# t5001-bench-smoke.sh: bench/run.py works end to end in quick mode on one
# tiny workload and writes a report with every section. It checks the
# report's structure only; timings never belong in tests.
. "${TREC_SRCDIR:-.}/tests/lib.sh"

R="$T_DIR/RESULTS.md"
check "run.py --quick runs" "$PYTHON" "$TREC_SRCDIR/bench/run.py" --build "$TREC_BUILDDIR" \
  --quick --scale 0.001 --workloads exceptions --tools floor,tracerec-settrace,naive \
  --big-events 0 --data "$T_DIR/data" --out "$R"
for section in '## Machine' '## Method' 'slowdown vs untraced' 'events, trace size, memory' \
               '## Targets (issue 7)'; do
  grep -qF "$section" "$R" && ok "report has: $section" || not_ok "report has: $section"
done
grep -q '^| exceptions | [0-9.]* | ' "$R" && ok "a row for the workload" || not_ok "a row for the workload"
grep -q 'geometric mean' "$R" && ok "geometric means" || not_ok "geometric means"
grep -q '^| exceptions |.*(output differs)' "$R" && not_ok "tracers did not change the output" \
  || ok "tracers did not change the output"
# The floor saw events and tracerec recorded some: the events table has numbers.
grep '^| exceptions | [0-9]' "$R" | grep -q '[0-9.]*[kM]\? | [0-9.]*[kM]\? | [0-9.]* |' \
  && ok "events and bytes per event reported" || not_ok "events and bytes per event reported"
done_testing
