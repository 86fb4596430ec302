#!/usr/bin/env bash
# golden.sh -- golden-file tests of the stack parser, top tables, diff tables
# and the terminal summary.
#   tests/golden.sh            compare; prints "ok NAME"/"not ok NAME"
#                              and "N passed, N failed"
#   tests/golden.sh --update   show each difference as a diff, then
#                              accept it (asks on a terminal; set
#                              GOLDEN_ACCEPT=1 to accept without asking)
# Inputs: tests/fixtures/golden/in/* and the run fixture tests/fixtures/run;
# expected outputs: tests/fixtures/golden/expected/NAME.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1
: "${HUBSPY:=$PWD/hubspy}"
update=0
[ "${1:-}" = --update ] && update=1
exp=tests/fixtures/golden/expected
in=tests/fixtures/golden/in
got=$(mktemp -d "${TMPDIR:-/tmp}/hubspy-golden.XXXXXX")
trap 'rm -rf "$got"' EXIT
run=tests/fixtures/run
passed=0 failed=0

gen() {	# NAME COMMAND...: output of the command (stdout and exit code)
	local name=$1 rc
	shift
	"$@" >"$got/$name" 2>&1
	rc=$?
	[ $rc -eq 0 ] || echo "exit $rc" >>"$got/$name"
}

gen stacks-edge.txt "$HUBSPY" stacks "$in/edge.raw"
gen stacks-speedscope.txt "$HUBSPY" stacks --speedscope "$in/pyspy.speedscope.json"
gen top-edge.txt "$HUBSPY" stacks --top "$in/edge.raw"
gen top-edge-by-line.txt "$HUBSPY" stacks --top --by-line "$in/edge.raw"
gen top-edge-sort-total.txt "$HUBSPY" stacks --top --sort 4 "$in/edge.raw"
for p in 0100 1000 3000; do
	gen "stacks-run-$p.txt" "$HUBSPY" stacks "$run/plateaus/$p/record.raw"
	gen "top-run-$p.txt" "$HUBSPY" stacks --top "$run/plateaus/$p/record.raw"
done
gen diff-0100-1000.txt "$HUBSPY" report --diff 100 "$run" 1000
gen diff-0100-3000.txt "$HUBSPY" report --diff 100 "$run" 3000
gen summary.txt "$HUBSPY" report --top 5 "$run"
gen summary.json "$HUBSPY" report --json --top 3 "$run"
gen summary-sort-total.txt "$HUBSPY" report --top 3 --sort total-time "$run"

for f in "$got"/*; do
	name=$(basename "$f")
	if [ -f "$exp/$name" ] && cmp -s "$exp/$name" "$f"; then
		echo "ok golden $name"
		passed=$((passed + 1))
		continue
	fi
	if [ $update -eq 0 ]; then
		echo "not ok golden $name"
		diff -u "$exp/$name" "$f" 2>&1 | head -n 30 | sed 's/^/  /'
		failed=$((failed + 1))
		continue
	fi
	echo "--- golden $name changes:"
	diff -u "$exp/$name" "$f" 2>&1 | head -n 200
	ans=n
	if [ "${GOLDEN_ACCEPT:-0}" = 1 ]; then
		ans=y
	elif [ -t 0 ]; then
		read -r -p "accept the new $name? [y/N] " ans
	fi
	if [ "$ans" = y ]; then
		mkdir -p "$exp"
		cp "$f" "$exp/$name"
		echo "accepted $name"
		passed=$((passed + 1))
	else
		echo "kept the old $name"
		failed=$((failed + 1))
	fi
done
# an expected file that nothing generates any more is a failure too
for f in "$exp"/*; do
	name=$(basename "$f")
	[ -e "$got/$name" ] && continue
	echo "not ok golden $name"
	echo "  $exp/$name: no command above generates it"
	failed=$((failed + 1))
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
