#!/usr/bin/env bash
# fuzz.sh -- a short fuzz run of every parser of untrusted input (10 s per
# harness); `make fuzz` runs them longer
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
if FUZZ_SECONDS=10 bash "$ROOT/tests/fuzz/run.sh" >"$T/fuzz.out" 2>&1; then
	pass "fuzz: $(grep -c '^ok' "$T/fuzz.out") harnesses, no crash ($(head -n 1 "$T/fuzz.out"))"
else
	fail "fuzz" "$(grep -v '^ok' "$T/fuzz.out" | head -n 20)"
fi
t_done
