#!/usr/bin/env bash
# report.sh -- hubspy report on the fixture run (tests/fixtures/run): the files
# it writes into a run directory, XML/HTML validity, a real browser (two
# Chromium launches: self-test + screenshot), archives, diffs, JSON, schema
# refusal, and the golden files (tests/golden.sh)
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
cp -r "$ROOT/tests/fixtures/run" "$T/run"
R=$T/run

run_hubspy report --write "$R"
expect_rc "report --write exits 0" 0
for p in 0100 1000 3000; do
	for f in record.svg top-table.txt record.speedscope.json; do
		if [ -s "$R/plateaus/$p/$f" ]; then pass "wrote plateaus/$p/$f"; else fail "wrote plateaus/$p/$f"; fi
	done
done
for d in 0100-1000 1000-3000 0100-3000; do
	if [ -s "$R/diffs/$d.svg" ]; then pass "wrote diffs/$d.svg"; else fail "wrote diffs/$d.svg"; fi
done
bad=0
for f in "$R"/plateaus/*/record.svg "$R"/diffs/*.svg; do
	xmllint --noout "$f" 2>"$T/xml.err" || { bad=1; fail "$f parses as XML" "$(head -n 3 "$T/xml.err")"; }
done
[ $bad -eq 0 ] && pass "every SVG parses as XML (xmllint)"
check "report.html is well-formed XML (xmllint)" xmllint --noout "$R/report.html"
# the HTML parser knows no SVG tags; anything else it reports is an error
xmllint --html --noout "$R/report.html" 2>"$T/html.err"
if grep 'parser error' "$T/html.err" | grep -vq 'Tag [a-zA-Z]* invalid'; then
	fail "report.html parses as HTML (xmllint --html)" "$(grep 'parser error' "$T/html.err" | grep -v 'Tag [a-zA-Z]* invalid' | head -n 3)"
else
	pass "report.html parses as HTML (xmllint --html)"
fi
# self-contained: nothing fetched (no src=, no stylesheet links, no url())
expect_nogrep "report.html loads no external resource" "$R/report.html" '(<(script|img|iframe|audio|video|source|embed|object)[^>]* (src|data)=|<link |@import|url\((https?:|//))'
expect_grep "report.html has every plateau's flamegraph" "$R/report.html" 'id="flame-3000"'
expect_grep "report.html has the diff flamegraph" "$R/report.html" 'id="diff-0100-3000"'
expect_grep "report.html names the biggest mover" "$R/report.html" '`hash_token` from 3.3 % to 59.3 % of samples between 100 and 3000 users'
expect_grep "report.html highlights the stuck thread" "$R/report.html" '<span class="stuck">Thread 12 \(active\)'
expect_grep "report.html reports malformed lines" "$R/report.html" '4 malformed lines skipped'
expect_eq "report.html: a spawn-phase chart per plateau" "$(grep -c '<svg class="hschart stacked"' "$R/report.html")" 3
expect_grep "report.html: the phases beside the hub's own spawn at 100 users" "$R/report.html" \
	'server_spawn_duration_seconds \(success, 100 during the ramp\): mean 0\.350 s'
expect_grep "report.html: the hub's proxy add over the 3000 users' ramp" "$R/report.html" \
	'proxy_add_duration_seconds \(success, 2000 during the ramp\): mean 0\.320 s'
expect_grep "report.html: the phase p90s in text" "$R/report.html" \
	'class="phaseline">spawn phases \(32 sampled, 2 failed, 1 unfinished\), p50 \(p90\): request -&gt; accepted 0\.06 s \(0\.12\)'
expect_grep "report.html shows the failed top capture" "$R/report.html" 'top failed: other: Error: Inappropriate ioctl'
expect_grep "report.html's header names the target's parts" "$R/report.html" \
    '^<p>2026-11-27T23:15:00Z &#8212; hub 3\.0\.0 at http://127\.0\.0\.1:8081/hub/api &#8212; target kubectl pod hub-5d8f pid 1, py-spy 0\.4\.2</p>$'
expect_grep "top-table.txt has py-spy's columns" "$R/plateaus/3000/top-table.txt" '^  %Own   %Total  OwnTime  TotalTime  Function \(filename\)$'
expect_grep "top-table.txt has hash_token" "$R/plateaus/3000/top-table.txt" '^ 70\.60%  70\.60%    7\.06s     7\.06s   hash_token \(jupyterhub/utils\.py\)$'
/usr/bin/python3 - "$R/plateaus/3000/record.speedscope.json" >"$T/ss.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["$schema"] == "https://www.speedscope.app/file-format-schema.json"
names = [p["name"] for p in d["profiles"]]
assert names == sorted(names), names
assert 'Thread 1 "MainThread"' in names, names
n = len(d["shared"]["frames"])
for p in d["profiles"]:
    assert p["type"] == "sampled" and len(p["samples"]) == len(p["weights"])
    assert all(0 <= i < n for s in p["samples"] for i in s)
total = round(sum(sum(p["weights"]) for p in d["profiles"]) * 100)
print(total)
PY
expect_eq "speedscope JSON is valid and holds every sample" "$(tail -n 1 "$T/ss.out")" \
	"$(awk '{s += $NF} END {print s}' "$R/plateaus/3000/record.raw")"

# a real browser: no script errors, the search finds hash_token; screenshot
if command -v chromium >/dev/null 2>&1; then
	chrome --virtual-time-budget=5000 --dump-dom "file://$R/report.html#selftest=hash_token" >"$T/dom.html" 2>"$T/chrome.err"
	expect_grep "browser: flamegraph search finds hash_token at 59.3 % (3000 users)" "$T/dom.html" 'selftest hash_token: .*flame-3000 59\.3%.* errors=0 done'
	expect_grep "browser: search percentage at 100 users" "$T/dom.html" 'flame-0100 3\.3%'
	# 3 plateaus: 3 phases at p50 and at p90, the hub's spawn and proxy add
	expect_grep "browser: every spawn-phase segment laid out with its tooltip" "$T/dom.html" 'selftest hash_token: .* phases=24 errors=0 done'
	expect_nogrep "browser: no console errors" "$T/chrome.err" 'Uncaught|CONSOLE.*(Error|error)'
	chrome --hide-scrollbars --window-size=1280,1600 --screenshot="$T/shot.png" "file://$R/report.html" >/dev/null 2>&1
	if [ -s "$T/shot.png" ] && [ "$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
		pass "browser: screenshot taken"
	else
		fail "browser: screenshot taken"
	fi
else
	fail "chromium is installed (make deps)"
fi

# archives: read with libarchive, same summary as the directory
tar -C "$T" -czf "$T/hubspy-20261127T231500Z-fixture.tar.gz" --transform 's,^run,hubspy-20261127T231500Z-fixture,' run
run_hubspy report --top 3 "$T/hubspy-20261127T231500Z-fixture.tar.gz"
expect_rc "report ARCHIVE exits 0" 0
expect_grep "summary: a row per plateau" "$out" '^   3000   2980     20 probe'
expect_grep "summary: top functions" "$out" 'hash_token \(jupyterhub/utils\.py\)'
expect_grep "summary: malformed lines reported" "$out" '1000 users: 1028 samples, 4 malformed lines skipped'
run_hubspy report "$R"
cp "$out" "$T/dir.sum"
run_hubspy report "$T/hubspy-20261127T231500Z-fixture.tar.gz"
if cmp -s "$out" "$T/dir.sum"; then pass "archive and directory give the same summary"; else fail "archive and directory give the same summary"; fi
run_hubspy report --html "$T/out.html" "$T/hubspy-20261127T231500Z-fixture.tar.gz"
expect_rc "report --html from an archive exits 0" 0
check "report --html output is well-formed" xmllint --noout "$T/out.html"
run_hubspy report --json "$T/hubspy-20261127T231500Z-fixture.tar.gz"
expect_eq "report --json parses and has the plateaus" \
	"$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([p["users"] for p in d["plateaus"]], d["plateaus"][2]["top"][0]["function"])' "$out" 2>&1)" \
	"[100, 1000, 3000] hash_token (jupyterhub/utils.py)"
run_hubspy report --diff 100 "$T/hubspy-20261127T231500Z-fixture.tar.gz" 3000
expect_grep "diff of two plateaus" "$out" '^`hash_token` from 3\.3 % to 59\.3 % of samples between 100 and 3000 users'
run_hubspy report --diff "$R" "$T/hubspy-20261127T231500Z-fixture.tar.gz"
expect_rc "diff of two runs exits 0" 0
expect_grep "diff of two runs compares the largest common plateau" "$out" '^no function moved by 0\.1 points or more between .*\(3000 users\) and .*\(3000 users\)'
run_hubspy report --diff 100 "$R" 777
expect_rc "diff of a missing plateau is a usage error" 2
one_line "diff of a missing plateau: one line" "$err"
expect_grep "diff of a missing plateau: names it" "$err" 'no plateau with 777 users in'

# --- the gate: --fail-on on two runs (docs/report.md, "The gate") ---
A=$T/hubspy-20261127T231500Z-fixture.tar.gz
G=(--fail-on 'probe.p99>+20%' --fail-on 'hub_cpu>+10%' --fail-on 'errors>+0'
   --fail-on 'function:hash_token>+5pp' --fail-on 'throttled>+10%')
run_hubspy report --diff "$R" "$A" "${G[@]}"
expect_rc "a run against itself passes every gate (exit 0)" 0
expect_grep "the gate checks every bound at every common plateau" "$out" '^gate: .*: 15 checks, 0 broken, 0 missing$'
expect_grep "the gate names each check with both values" "$out" '^held +probe\.p99>\+20% at 3000 users: 903\.1 ms -> 903\.1 ms \(\+0\.0 %\)$'
expect_grep "the gate says it passed" "$out" '^gate: passed$'
# the same run whose flamegraph gained a hot function (30 % of each
# plateau's samples in hot_loop)
cp -r "$R" "$T/hot"
for p in 0100 1000 3000; do
	n=$(awk '{s += $NF} END {print int(s * 3 / 7)}' "$T/hot/plateaus/$p/record.raw")
	echo "process 1:\"python3 jupyterhub\";thread (1): MainThread;<module> (jupyterhub:8);hot_loop (jupyterhub/new.py:10) $n" >>"$T/hot/plateaus/$p/record.raw"
done
run_hubspy report --diff "$A" "$T/hot" "${G[@]}" --fail-on 'function:hot_loop>+5pp'
expect_rc "a hot function breaks the function bound: exit 9" 9
expect_grep "the broken bound is named with both shares" "$out" '^broken +function:hot_loop>\+5pp at 100 users: 0\.0 % -> 30\.0 % \(\+30\.0 pp\)$'
expect_grep "the other functions' shares shrank: held" "$out" '^held +function:hash_token>\+5pp at 3000 users: 59\.3 % -> 41\.5 %'
one_line "a broken gate: one line on stderr" "$err"
expect_grep "a broken gate: stderr names the first broken check" "$err" 'gate failed: 3 of 18 checks broken, the first function:hot_loop>\+5pp at 100 users'
run_hubspy report --diff "$A" "$T/hot" --fail-on 'function:hot_loop@1000>+5pp' --json
expect_rc "--json: the same exit code" 9
expect_eq "--json: one check per bound and plateau, old and new" \
	"$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["checks"][0]; print(d["passed"], len(d["checks"]), c["users"], c["old"], round(c["new"]), c["result"])' "$out" 2>&1)" \
	"False 1 1000 0 30 broken"
run_hubspy report --diff "$A" "$T/hot" --fail-on 'function:hot_loop>+5pp' --markdown --users 3000
expect_grep "--markdown: a table row per check" "$out" '^\| `function:hot_loop>\+5pp` \| 3000 \| 0\.0 % \| 30\.0 % \| \+30\.0 pp \| \*\*broken\*\* \|$'
expect_grep "--markdown: a heading for the job summary" "$out" '^### hubspy gate: failed'
# malformed bounds, a missing plateau: exit 2, one line each
for e in 'nope.p99>+1%:unknown figure' 'probe.p99>+20x:bad unit' \
    'probe.p99>50:no unit' 'probe.p99@777>+20%:no plateau with 777 users' \
    'probe.p99:expected FIGURE>BOUND'; do
	run_hubspy report --diff "$A" "$T/hot" --fail-on "${e%%:*}"
	expect_rc "--fail-on '${e%%:*}': exit 2" 2
	one_line "--fail-on '${e%%:*}': one line" "$err"
	expect_grep "--fail-on '${e%%:*}': says ${e#*:}" "$err" "${e#*:}"
done
run_hubspy report --diff "$A" "$T/hot" --fail-on 'event_loop.p99>0.5s'
expect_rc "a figure neither run has (the event loop before JupyterHub 5): exit 2" 2
expect_grep "a figure neither run has: says so" "$err" "'event_loop.p99' has no value at any plateau both runs have"
run_hubspy report --diff 100 "$A"
expect_rc "--diff A ARCHIVE without B: exit 2" 2
expect_grep "--diff A ARCHIVE without B: says to give B" "$err" "give the other plateau after the archive"
run_hubspy report "$A" --fail-on 'errors>0'
expect_rc "--fail-on without --diff: exit 2" 2
run_hubspy report --diff "$A" "$T/hot" --markdown
expect_rc "--markdown without --fail-on: exit 2" 2
run_hubspy report --diff 100 "$A" 3000 --fail-on 'errors>0'
expect_rc "--fail-on on two plateaus of one run: exit 2" 2
# baselines: the archive kept per profile name
mkdir -p "$T/base"
cp "$A" "$T/base/fixture.tar.gz"
run_hubspy report --diff --baseline "$T/base" "$T/hot" --fail-on 'function:hot_loop>+5pp'
expect_rc "--diff --baseline DIR NEW gates NEW against the profile's baseline" 9
expect_grep "--baseline: the old run is the baseline" "$out" "^gate: .*/hot against $T/base/fixture\.tar\.gz: "
run_hubspy report --diff --baseline "$T/nobase" "$T/hot"
expect_rc "--baseline without a baseline of the profile: exit 2" 2
expect_grep "--baseline without one: names the file and how to keep one" "$err" "no baseline of profile 'fixture' in '$T/nobase'.*hubspy run --baseline"

# refused or broken inputs: one line each, never a crash
mkdir -p "$T/future"
sed 's/"schema": 1,/"schema": 2,/' "$R/manifest.json" >"$T/future/manifest.json"
run_hubspy report "$T/future"
expect_rc "unknown future schema is refused" 2
one_line "future schema: one line" "$err"
expect_grep "future schema: says what to do" "$err" "uses archive schema 2, newer than this hubspy reads \(1\); upgrade hubspy"
# a bug-report archive with swapped types once crashed every renderer
# (a NULL status key in the error tallies): now the reader names the field
mkdir -p "$T/swapped"
/usr/bin/python3 - "$R/manifest.json" "$T/swapped/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["plateaus"][2]["requests"]["create"]["status"] = [1, 2]
json.dump(m, open(sys.argv[2], "w"))
PY
for mode in summary html json; do
	case $mode in
	summary) run_hubspy report "$T/swapped" ;;
	html) run_hubspy report --html "$T/swapped.html" "$T/swapped" ;;
	json) run_hubspy report --json "$T/swapped" ;;
	esac
	expect_rc "swapped types ($mode): a usage error, not a crash" 2
	one_line "swapped types ($mode): one line" "$err"
	expect_grep "swapped types ($mode): names the field" "$err" \
	    '^hubspy: manifest\.json: plateaus\[2\]\.requests\.create\.status: expected an object of counts, got an array$'
done
printf 'not a tarball' >"$T/bad.tar.gz"
run_hubspy report "$T/bad.tar.gz"
expect_rc "a broken archive is a usage error" 2
one_line "broken archive: one line" "$err"
run_hubspy report "$T/nonexistent.tar.gz"
expect_rc "a missing archive is a usage error" 2
# a plateau without a capture still reports
rm "$R/plateaus/1000/record.raw"
run_hubspy report --top 3 "$R"
expect_grep "without record.raw the speedscope file is read" "$out" '^1000 users: 1028 samples$'
rm "$R/plateaus/1000/record.speedscope.json"
run_hubspy report --write "$R"
expect_rc "a plateau without record.raw still reports" 0
expect_grep "the missing capture is named" "$R/report.html" "no capture for 1000 users"

# the header line names only the target's parts the run recorded
for v in local nopyspy notarget; do
	mkdir -p "$T/head-$v"
	/usr/bin/python3 - "$ROOT/tests/fixtures/run/manifest.json" "$T/head-$v/manifest.json" "$v" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
t = m["target"]
if sys.argv[3] == "local":
    t.update(transport="local", context=None, namespace=None, pod=None, container=None, pid=123)
elif sys.argv[3] == "nopyspy":
    t.update(pod="hub-abc", pid=None, pyspy=None)
else:
    m["target"] = None
json.dump(m, open(sys.argv[2], "w"))
PY
	run_hubspy report --html "$T/head-$v.html" "$T/head-$v"
	expect_rc "header ($v): report.html written" 0
done
expect_grep "header: a local run has a pid and no pod" "$T/head-local.html" \
    '&#8212; target local pid 123, py-spy 0\.4\.2</p>$'
expect_grep "header: py-spy missing is said" "$T/head-nopyspy.html" \
    '&#8212; target kubectl pod hub-abc, py-spy missing</p>$'
expect_grep "header: no target, no target part" "$T/head-notarget.html" \
    '^<p>2026-11-27T23:15:00Z &#8212; hub 3\.0\.0 at http://127\.0\.0\.1:8081/hub/api</p>$'

# hostile text from the run (profile name, hub and pod names, capture
# messages, frames) stays text; a plateau folder is plateaus/NNNN or the
# manifest is refused
cp -r "$ROOT/tests/fixtures/run" "$T/hostile"
printf '%s\n' '<script>alert(1)</script> (x.py:1);]]></y> (</svg>:2) 5' >>"$T/hostile/plateaus/3000/record.raw"
/usr/bin/python3 - "$T/hostile/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["profile_name"] = "<script>alert('x')</script>&"
m["hub"]["version"] = '3.0"<b>&x'
m["target"]["pod"] = "<script>alert('pod')</script>"
m["plateaus"][0]["captures"][1]["message"] = "<script>alert('m')</script>]]>"
json.dump(m, open(sys.argv[1], "w"))
PY
run_hubspy report --write "$T/hostile"
expect_rc "a run with markup in its names still reports" 0
check "markup in names: report.html is well-formed" xmllint --noout "$T/hostile/report.html"
check "markup in frames: the flamegraph is well-formed" xmllint --noout "$T/hostile/plateaus/3000/record.svg"
expect_nogrep "markup in names is escaped" "$T/hostile/report.html" '<script>alert'

# the files it writes and reads (src/core/file.c): a full disk leaves
# nothing behind, a symlink at the output is replaced (its target kept),
# a FIFO given as the run is refused at once
if unshare -m true 2>/dev/null; then
	mkdir -p "$T/full"
	unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$1" &&
	    "$HUBSPY" report --html "$1/report.html" "$2" >/dev/null 2>"$3"
	    echo "rc=$?"; ls -A "$1"' sh "$T/full" "$R" "$T/full.err" >"$T/full.out" 2>&1
	expect_eq "--html on a full disk: exit 6, no file, no temporary" \
	    "$(cat "$T/full.out")" "rc=6"
	one_line "--html on a full disk: one line" "$T/full.err"
	expect_grep "--html on a full disk: names the file and why" "$T/full.err" \
	    "^hubspy: cannot write '.*/report\.html': No space left on device$"
else
	skip "--html on a full disk" "cannot mount a tmpfs (unshare -m not permitted here)"
fi
echo keep >"$T/link-target"
ln -s "$T/link-target" "$T/link.html"
run_hubspy report --html "$T/link.html" "$R"
expect_rc "--html onto a symlink exits 0" 0
check "--html onto a symlink: the link is now the report" test ! -L "$T/link.html" -a -s "$T/link.html"
expect_eq "--html onto a symlink: its target is untouched" "$(cat "$T/link-target")" keep
mkfifo "$T/run.fifo"
out=$T/.stdout err=$T/.stderr
timeout 20 "$HUBSPY" report "$T/run.fifo" >"$out" 2>"$err" </dev/null
rc=$?
expect_rc "a FIFO as the run is refused, not waited on" 6
expect_grep "a FIFO as the run: says why" "$err" "cannot read '.*run\.fifo': not a regular file"

# golden files: parser, top tables, diff tables, summary; each file is
# its own check, failures with the start of their diff
HUBSPY=$HUBSPY bash "$ROOT/tests/golden.sh" >"$T/golden.out" 2>&1
grc=$? ngold=0 nbad=0 gname=
gflush() {
	[ -n "$gname" ] && fail "$gname" "$(head -n 12 "$T/golden.diff")"
	gname=
}
while IFS= read -r line; do
	case $line in
	"ok golden "*) gflush; pass "${line#ok }"; ngold=$((ngold + 1)) ;;
	"not ok golden "*)
		gflush; gname=${line#not ok }; : >"$T/golden.diff"
		ngold=$((ngold + 1)) nbad=$((nbad + 1)) ;;
	[0-9]*" passed, "*) ;;
	*) [ -n "$gname" ] && printf '  %s\n' "$line" >>"$T/golden.diff" ;;
	esac
done <"$T/golden.out"
gflush
# golden.sh's own verdict agrees: it compared something, and failed
# exactly when a file differed
if [ "$ngold" -gt 0 ] && [ $((grc != 0)) -eq $((nbad > 0)) ]; then
	pass "golden.sh compared $ngold files"
else
	fail "golden.sh compared $ngold files" "exit $grc, $nbad differ:" "$(tail -n 5 "$T/golden.out")"
fi
t_done
