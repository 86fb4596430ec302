#!/usr/bin/env bash
# fuzz.sh -- a short fuzz run of every parser of untrusted input (10 s per
# harness, tests/fuzz/run.sh), each harness its own check; `make fuzz`
# runs them longer
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
FUZZ_SECONDS=10 bash "$ROOT/tests/fuzz/run.sh" >"$T/fuzz.out" 2>&1
frc=$? nok=0 nbad=0 fname=
mode=$(head -n 1 "$T/fuzz.out")
# a failed harness is reported with the lines run.sh printed after it
fflush() {
	[ -n "$fname" ] && fail "$fname" "$(head -n 20 "$T/fuzz.why")"
	fname=
}
while IFS= read -r line; do
	case $line in
	"ok "*) fflush; pass "${line#ok } ($mode)"; nok=$((nok + 1)) ;;
	"not ok "*) fflush; fname=${line#not ok }; : >"$T/fuzz.why"; nbad=$((nbad + 1)) ;;
	[0-9]*" passed, "*) ;;
	*) [ -n "$fname" ] && printf '  %s\n' "$line" >>"$T/fuzz.why" ;;
	esac
done <"$T/fuzz.out"
fflush
# every harness ran, and run.sh's exit status agrees
nh=$(find "$ROOT/tests/fuzz" -name 'fuzz_*.c' | wc -l)
if [ $((nok + nbad)) -eq "$nh" ] && [ $((frc != 0)) -eq $((nbad > 0)) ]; then
	pass "fuzz: all $nh harnesses ran"
else
	fail "fuzz: all $nh harnesses ran" "$nok ok, $nbad not ok, exit $frc:" "$(tail -n 5 "$T/fuzz.out")"
fi
t_done
