#!/usr/bin/env bash
# cli.sh -- the command line itself: version, help, man page, usage errors
. "$(dirname "$0")/../lib.sh"

run_hubspy --version
expect_rc "--version exits 0" 0
expect_grep "--version prints the version" "$out" '^hubspy [0-9]+\.[0-9]+\.[0-9]+$'

run_hubspy --help
expect_rc "--help exits 0" 0
expect_grep "--help lists exit codes" "$out" '^  8  leftover'

run_hubspy
expect_rc "no command is a usage error" 2

run_hubspy frobnicate
expect_rc "unknown command exits 2" 2
one_line "unknown command: one line" "$err"
expect_grep "unknown command: names it and the fix" "$err" "unknown command 'frobnicate'; see 'hubspy --help'"

run_hubspy manpage
expect_rc "manpage exits 0" 0
if diff -u "$HERE/../docs/hubspy.1" "$out" >"$T/man.diff"; then
	pass "docs/hubspy.1 is generated from the option tables (make man)"
else
	fail "docs/hubspy.1 is generated from the option tables (make man)" "$(head -n 20 "$T/man.diff")"
fi
if command -v groff >/dev/null 2>&1; then
	if groff -man -Tutf8 -ww -z "$out" 2>"$T/groff.err" && [ ! -s "$T/groff.err" ]; then
		pass "man page renders without warnings"
	else
		fail "man page renders without warnings" "$(head -n 5 "$T/groff.err")"
	fi
else
	skip "man page renders without warnings" "groff not installed (make deps)"
fi

# every command: --help works, mentions its name, and a bad option is one line, exit 2
for c in $("$HUBSPY" --help | sed -n '/^commands:/,/^$/p' | awk 'NF>1 {print $1}'); do
	run_hubspy "$c" --help
	expect_rc "$c --help exits 0" 0
	expect_grep "$c --help shows usage" "$out" "^usage: hubspy $c"
	run_hubspy "$c" --no-such-option
	expect_rc "$c: unknown option exits 2" 2
	one_line "$c: unknown option is one line" "$err"
done

t_done
