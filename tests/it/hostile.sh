#!/usr/bin/env bash
# hostile.sh -- `hubspy report` reads archives from strangers: a corpus of
# hostile archives (tests/fixtures/mkhostile.py: names outside the folder,
# links, devices, FIFOs, swapped types, truncated gzip, the plateau
# amplifier, decompression bombs, 300k members, changed files) through the
# summary, --json and --html. Each ends with its documented exit code and
# one clear line (or a correct report), never a crash, under 256 MiB of
# memory (max RSS) and 10 s of CPU (prlimit: past it the kernel kills it).
# Then run directories with a FIFO, a device link, a symlinked plateau.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
PY=/usr/bin/python3
C=$T/corpus
"$PY" "$ROOT/tests/fixtures/mkhostile.py" "$ROOT/tests/fixtures/run" "$C" >"$T/mk.out" 2>&1 ||
	fail "the corpus is made" "$(tail -n 5 "$T/mk.out")"
check "the corpus has its 30 archives" test "$(wc -l <"$C/expect.tsv")" -ge 30

# run_capped ARGS...: rc, out, err, and rss (KiB) / secs of the command
run_capped() {
	out=$T/.stdout err=$T/.stderr
	/usr/bin/time -f '%M %e' -o "$T/.time" prlimit --cpu=10 \
	    "$HUBSPY" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	# time says "Command exited with non-zero status N" first
	read -r rss secs < <(tail -n 1 "$T/.time") || { rss=0 secs=0; }
}

maxrss=0 maxsecs=0
while IFS=$'\t' read -r name want re; do
	for mode in summary json html; do
		case $mode in
		summary) args=() ;;
		json) args=(--json) ;;
		html) rm -f "$T/o.html"; args=(--html "$T/o.html") ;;
		esac
		run_capped report "${args[@]}" "$C/$name.tar.gz"
		what="$name ($mode)"
		if [ "$rc" -ge 128 ] || [ "$rc" -ne "$want" ]; then
			fail "$what: exit $want" "exit $rc" "$(head -c 400 "$err")"
			continue
		fi
		if [ "$re" = - ]; then
			# a report; at most one warning line on stderr
			if [ -s "$err" ] && ! { [ "$(wc -l <"$err")" -eq 1 ] &&
			    grep -q '^hubspy: warning: ' "$err"; }; then
				fail "$what: a report, no error" "$(head -c 400 "$err")"
				continue
			fi
			case $mode in
			summary) grep -q 'users' "$out" ;;
			json) "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" ;;
			html) xmllint --noout "$T/o.html" ;;
			esac || { fail "$what: a correct report" "$(head -c 300 "$out")"; continue; }
		elif [ "$(wc -l <"$err")" -ne 1 ] || ! grep -Eq "^hubspy: .*$re" "$err"; then
			fail "$what: one clear line" "$(head -c 400 "$err")"
			continue
		elif [ "$mode" = html ] && [ -e "$T/o.html" ]; then
			fail "$what: no report.html written" "$(ls -l "$T/o.html")"
			continue
		fi
		if [ "$rss" -ge 262144 ]; then
			fail "$what: under 256 MiB" "max RSS $rss KiB"
			continue
		fi
		pass "$what: exit $want, under 256 MiB and 10 s of CPU"
		[ "$rss" -gt "$maxrss" ] && maxrss=$rss
		[ "${secs%.*}" -gt "$maxsecs" ] && maxsecs=${secs%.*}
	done
done <"$C/expect.tsv"
echo "# hostile corpus: max RSS $maxrss KiB, the longest ${maxsecs}+ s (figures, not checks)"

# what each refusal says, and what a changed archive says
run_capped report "$C/changed.tar.gz"
expect_grep "changed: the file is named, the report goes on" "$err" \
    "^hubspy: warning: '.*changed\.tar\.gz': 1 file changed since hubspy wrote it: plateaus/3000/record\.raw \(size differs\)$"
run_capped report "$C/good.tar.gz"
check "the good archive: nothing on stderr" test ! -s "$err"
run_capped report "$C/bomb-member.tar.gz"
expect_grep "a plateau file past the cap: that plateau says so" "$out" \
    "larger than hubspy report reads"

# --- run directories: links, FIFOs, devices are refused too ---
cp -r "$ROOT/tests/fixtures/run" "$T/d1"
rm "$T/d1/plateaus/0100/record.raw"
mkfifo "$T/d1/plateaus/0100/record.raw"
timeout 20 "$HUBSPY" report "$T/d1" >"$T/.o" 2>"$T/.e" </dev/null
expect_eq "dir: a FIFO named record.raw is refused, not waited on (exit 2)" "$?" 2
expect_grep "dir: the FIFO is named" "$T/.e" "plateaus/0100/record\.raw' is a FIFO"
cp -r "$ROOT/tests/fixtures/run" "$T/d2"
ln -sf /dev/zero "$T/d2/plateaus/0100/record.raw"
timeout 20 "$HUBSPY" report --json "$T/d2" >"$T/.o" 2>"$T/.e" </dev/null
expect_eq "dir: record.raw linked to /dev/zero is refused (exit 2)" "$?" 2
expect_grep "dir: the link is named" "$T/.e" "record\.raw' is a symbolic link"
cp -r "$ROOT/tests/fixtures/run" "$T/d3"
mkdir -p "$T/elsewhere"
cp -r "$T/d3/plateaus/1000/." "$T/elsewhere/"
rm -r "$T/d3/plateaus/1000"
ln -s "$T/elsewhere" "$T/d3/plateaus/1000"
timeout 20 "$HUBSPY" report --write "$T/d3" >"$T/.o" 2>"$T/.e" </dev/null
expect_eq "dir: report --write into a symlinked plateau is refused (exit 2)" "$?" 2
check "dir: nothing written through the link" test ! -e "$T/elsewhere/record.svg" -a ! -e "$T/d3/report.html"
expect_grep "dir: the symlinked plateau is named" "$T/.e" "plateaus/1000' is a symbolic link"
t_done
