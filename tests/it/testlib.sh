#!/usr/bin/env bash
# testlib.sh -- the test machinery itself: tests/lib.sh's skip and its CI
# rule (tests/skips-allowed.txt), the summary line, and tests/run.sh's sum
# of the suites' lines. Small scripts are run in $T and their output read.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)

# mini BODY: a script that sources lib.sh, runs BODY and ends with t_done;
# sets $mrc, output in $T/mini.out
mini() {
	printf '. %q\n%s\nt_done\n' "$HERE/lib.sh" "$1" >"$T/mini.sh"
	bash "$T/mini.sh" >"$T/mini.out" 2>&1
	mrc=$?
}
last() { tail -n 1 "$T/mini.out"; }

CI='' mini 'pass a; skip b "no such tool"'
expect_eq "skip: counted apart in the summary" "$(last)" "1 passed, 0 failed, 1 skipped"
expect_eq "skip: the script still succeeds" "$mrc" 0
expect_grep "skip: prints its name and reason" "$T/mini.out" '^skip b \(no such tool\)$'
CI=true mini 'pass a; skip b "no such tool"'
expect_eq "skip under CI: an unlisted reason is a failure" "$(last)" "1 passed, 1 failed, 0 skipped"
expect_eq "skip under CI: the script fails" "$mrc" 1
expect_grep "skip under CI: says why it failed" "$T/mini.out" \
    '^  skipped under CI: no such tool \(not allowed by tests/skips-allowed.txt\)$'
CI=true mini 'skip b "cannot mount a tmpfs here"'
expect_eq "skip under CI: a listed reason stays a skip" "$(last)" "0 passed, 0 failed, 1 skipped"
CI=false mini 'skip b "no such tool"'
expect_eq "skip: only CI=true is CI" "$(last)" "0 passed, 0 failed, 1 skipped"
CI='' mini 'fail a "why"'
expect_eq "a failure fails the script" "$mrc" 1

# every allowed reason says why, on a comment line right above it
bad=$(awk '!/^#/ && NF && prev !~ /^#/ {print NR": "$0} {prev=$0}' "$HERE/skips-allowed.txt")
expect_eq "skips-allowed.txt: a comment above every pattern" "$bad" ""
n=$(grep -cv '^#\|^$' "$HERE/skips-allowed.txt")
if [ "$n" -gt 0 ]; then pass "skips-allowed.txt: $n patterns"; else fail "skips-allowed.txt: no pattern"; fi

# tests/run.sh sums the suites and counts a suite without a summary as failed
mkdir -p "$T/suites"
# a ends last, yet prints first
printf 'sleep 1; echo "ok x"; echo "2 passed, 0 failed, 1 skipped"\n' >"$T/suites/a.sh"
printf 'echo "3 passed, 1 failed"; exit 1\n' >"$T/suites/b.sh"
printf 'echo "ok x"\n' >"$T/suites/c.sh"
UNIT=/bin/false JOBS=2 bash "$ROOT/tests/run.sh" "$T/suites/a.sh" "$T/suites/b.sh" \
    "$T/suites/c.sh" no-such-suite >"$T/run.out" 2>&1
expect_eq "run.sh: fails when a suite fails" "$?" 1
expect_eq "run.sh: the total is the last line" "$(tail -n 1 "$T/run.out")" \
    "5 passed, 3 failed, 1 skipped"
expect_grep "run.sh: a suite without a summary line is a failure" "$T/run.out" \
    '^not ok .*c\.sh \(ended without a summary line\)$'
expect_grep "run.sh: an unknown suite name is a failure" "$T/run.out" \
    '^not ok no-such-suite \(no such suite'
expect_eq "run.sh: suites print in the order given" \
    "$(grep '^== ' "$T/run.out" | cut -d' ' -f2 | tr '\n' ' ')" "a b c no-such-suite "
UNIT=/bin/false bash "$ROOT/tests/run.sh" load@7 report@5 >"$T/run.out" 2>&1
expect_grep "run.sh: a hub version outside the matrix is no suite" "$T/run.out" \
    '^not ok load@7 \(no such suite'
expect_grep "run.sh: a version of a suite outside the matrix is no suite" "$T/run.out" \
    '^not ok report@5 \(no such suite'
# the tests mirror the modules (tests/README.md): one unit file per module,
# beside it in the same layer, and the README's tables name every module
# and every suite
cd "$ROOT" || exit 1
stray=$(find tests/unit -maxdepth 1 -name '*.c' ! -name unit.c)
for t in tests/unit/*/*.c; do
	l=$(basename "$(dirname "$t")") m=$(basename "$t" .c)
	case $m in t_*) [ -f "src/$l/${m#t_}.c" ] || stray="$stray $t" ;; *) stray="$stray $t" ;; esac
done
expect_eq "every unit test file is tests/unit/LAYER/t_MODULE.c of a src/LAYER/MODULE.c" "$stray" ""
missing=
for f in src/*/*.c; do
	grep -qF "| \`$f\` |" tests/README.md || missing="$missing $f"
done
expect_eq "tests/README.md maps every module to its tests" "$missing" ""
missing=
for f in tests/it/*.sh; do
	grep -qF "| \`$(basename "$f" .sh)\` |" tests/README.md || missing="$missing $f"
done
expect_eq "tests/README.md names every suite" "$missing" ""
t_done
