#!/usr/bin/env bash
# run.sh -- runs every test suite: the unit binary and tests/it/*.sh, or the
# ones named as arguments ("unit", a suite name such as "report", or a
# path). Suites share nothing (each has its own mktemp -d, hub and ports),
# so they run concurrently, JOBS at a time (default 4: most of their time
# is spent waiting on real hubs, kubectl and timers), the long ones
# started first; each has 600 s. A suite's output is kept apart and
# printed whole once it has ended, in the order of the list, headed by its
# wall time (a figure, never a verdict). The suites' "N passed, N failed[,
# N skipped]" lines are summed; the last line printed is the total.
#
# The suites of MATRIX run once per JupyterHub version (3.0 and 5.2.1,
# tests/harness/hub/hub.sh): "load" runs load@3 and load@5, "load@5" only
# the one; each failure line of such a suite names its hub version.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1
: "${HUBSPY:=$PWD/hubspy}" "${UNIT:?}" "${JOBS:=4}"
export HUBSPY
# started first, longest first (as measured on 2 cores, JOBS=4; fuzz is
# the one that keeps a core busy)
FIRST="fuzz run@5 fakehub run-signals watch capture@5 capture triggers run gate load-limits load@5 load"
# the suites that talk to a real hub and run against each version
MATRIX="load run capture"
HUB_VERSIONS="3 5"
total_p=0 total_f=0 total_s=0
work=$(mktemp -d "${TMPDIR:-/tmp}/hubspy-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# the suites, in the order they are printed
[ $# -eq 0 ] && set -- unit tests/it/*.sh
names=() paths=() vers=()
for a; do
	case $a in
	unit) names+=(unit) paths+=(unit) vers+=("") ;;
	*)
		v=
		case $a in *@*) v=${a##*@} a=${a%@*} ;; esac
		s=$a
		[ -f "$s" ] || s=tests/it/$a.sh
		b=$(basename "$s" .sh)
		if [ ! -f "$s" ] || { [ -n "$v" ] && case " $MATRIX " in *" $b "*) false ;; *) true ;; esac; } ||
		    { [ -n "$v" ] && case " $HUB_VERSIONS " in *" $v "*) false ;; *) true ;; esac; }; then
			# a misspelt TESTS= must not pass by running nothing
			names+=("$a${v:+@$v}") paths+=("") vers+=("")
			continue
		fi
		if [ -z "$v" ] && case " $MATRIX " in *" $b "*) true ;; *) false ;; esac; then
			for v in $HUB_VERSIONS; do
				names+=("$b@$v") paths+=("$s") vers+=("$v")
			done
			continue
		fi
		names+=("$b${v:+@$v}") paths+=("$s") vers+=("$v")
		;;
	esac
done
n=${#names[@]}

# run_suite I: runs suite I into $work/I.log; $work/I.done holds
# "EXIT-STATUS SECONDS" once it has ended
run_suite() {
	local i=$1 t0=$SECONDS rc
	case ${paths[$i]} in
	"")
		printf 'not ok %s (no such suite: not unit, not tests/it/%s.sh, not SUITE@VERSION with SUITE in "%s" and VERSION in "%s")\n0 passed, 1 failed\n' \
		    "${names[$i]}" "${names[$i]%@*}" "$MATRIX" "$HUB_VERSIONS" >"$work/$i.log"
		rc=1
		;;
	unit) timeout 600 "$UNIT" >"$work/$i.log" 2>&1; rc=$? ;;
	*)
		HUBSPY_T_HUB_VERSION=${vers[$i]} timeout 600 bash "${paths[$i]}" \
		    >"$work/$i.log" 2>&1
		rc=$?
		;;
	esac
	echo "$rc $((SECONDS - t0))" >"$work/$i.done.tmp"
	mv "$work/$i.done.tmp" "$work/$i.done"
}

# tally I: adds the last summary line of suite I's log to the totals
tally() {
	local log=$work/$1.log line p f s=0
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok ${paths[$1]:-${names[$1]}} (ended without a summary line)"
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

# flush: prints every ended suite not yet printed, up to the first one
# still running, so the output keeps the order of the list
next=0
flush() {
	local rc secs
	while [ "$next" -lt "$n" ] && [ -f "$work/$next.done" ]; do
		read -r rc secs <"$work/$next.done"
		echo "== ${names[$next]} ($secs s)"
		grep -v '^ok ' "$work/$next.log"
		if [ "$rc" -eq 124 ]; then
			echo "not ok ${paths[$next]} (timed out after 600 s)"
			total_f=$((total_f + 1))
		fi
		tally "$next"
		next=$((next + 1))
	done
}

# start order: the FIRST ones (in that order), then the rest as listed
order=()
for f in $FIRST; do
	for ((i = 0; i < n; i++)); do
		[ "${names[$i]}" = "$f" ] && [ -n "${paths[$i]}" ] && order+=("$i")
	done
done
for ((i = 0; i < n; i++)); do
	case " $FIRST " in *" ${names[$i]} "*) [ -n "${paths[$i]}" ] && continue ;; esac
	order+=("$i")
done

running=0
for i in "${order[@]}"; do
	while [ "$running" -ge "$JOBS" ]; do
		wait -n
		running=$((running - 1))
		flush
	done
	run_suite "$i" &
	running=$((running + 1))
done
wait
flush
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
