#!/usr/bin/env bash
# run.sh -- runs every test: the unit binary, then tests/it/*.sh (or the
# ones named as arguments), and sums their "N passed, N failed[, N
# skipped]" lines. The last line printed is the total.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.."
: "${HUBSPY:=$PWD/hubspy}" "${UNIT:?}"
export HUBSPY
total_p=0 total_f=0 total_s=0
log=$(mktemp "${TMPDIR:-/tmp}/hubspy-run.XXXXXX")
trap 'rm -f "$log"' EXIT

tally() {	# NAME: reads the last summary line of $log
	local line p f s=0
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok $1 (ended without a summary line)"
		total_f=$((total_f + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	case $line in *" skipped"*) s=${line##*failed, } s=${s%% skipped*} ;; esac
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	total_s=$((total_s + s))
}

if [ $# -eq 0 ] || [ "$1" = unit ]; then
	echo "== unit"
	"$UNIT" >"$log" 2>&1
	grep -v '^ok ' "$log"
	tally unit
	[ $# -gt 0 ] && shift
fi
scripts=("$@")
[ ${#scripts[@]} -eq 0 ] && scripts=(tests/it/*.sh)
for s in "${scripts[@]}"; do
	[ -f "$s" ] || s=tests/it/$s.sh
	[ -f "$s" ] || continue
	echo "== $(basename "$s" .sh)"
	timeout 600 bash "$s" >"$log" 2>&1
	rc=$?
	grep -v '^ok ' "$log"
	[ $rc -eq 124 ] && { echo "not ok $s (timed out after 600 s)"; total_f=$((total_f + 1)); }
	tally "$s"
done
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
