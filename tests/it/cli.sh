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

# libarchive is opened on first use (src/core/arc.c), not linked: the load
# commands never map it, and a run without it fails before anything exists
if readelf -d "$HUBSPY" | grep -q 'NEEDED.*libarchive'; then
	fail "libarchive is not linked" "$(readelf -d "$HUBSPY" | grep NEEDED)"
else
	pass "libarchive is not linked"
fi
arclib=$(pkg-config --variable=libdir libarchive)/$(objdump -p "$(pkg-config --variable=libdir libarchive)/libarchive.so" | awk '$1 == "SONAME" {print $2}')
(umask 077; echo 0123456789abcdef0123456789abcdef > "$T/tok")
mkdir -p "$T/nolib"
printf 'not an archive' > "$T/x.tar.gz"
# no_arc CMD...: CMD with libarchive's file hidden (/dev/null over it)
no_arc() {
	unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
	    sh "$arclib" "$@" >"$T/na.out" 2>"$T/na.err" </dev/null
}
if [ -f "$arclib" ] && unshare -m sh -c "mount --bind /dev/null '$arclib'" 2>/dev/null; then
	no_arc "$HUBSPY" --version
	expect_eq "without libarchive: --version still works" "$?" 0
	no_arc "$HUBSPY" run profiles/smoke.json -o "$T/nolib" \
	    --url http://127.0.0.1:9/hub/api --token-file "$T/tok"
	expect_eq "without libarchive: run exits 1" "$?" 1
	one_line "without libarchive: run says so in one line" "$T/na.err"
	expect_grep "without libarchive: the line names it and the package" "$T/na.err" \
	    "^hubspy: cannot load libarchive, which run archives need: .*; install Debian's libarchive13"
	expect_eq "without libarchive: no run directory" "$(ls -A "$T/nolib" | wc -l)" 0
	no_arc "$HUBSPY" report "$T/x.tar.gz"
	expect_eq "without libarchive: report of an archive exits 1" "$?" 1
	expect_grep "without libarchive: report says so" "$T/na.err" "cannot load libarchive"
else
	skip "libarchive hidden: run and report" "no mount namespace (unshare -m not permitted here)"
fi

t_done
