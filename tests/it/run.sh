#!/usr/bin/env bash
# run.sh -- `hubspy run` end to end for real: a REAL JupyterHub
# (tests/harness/hub, with the sampler hook), the REAL kubectl against the
# in-test API server (tests/harness/k8s) and the py-spy stand-in inside the
# "pod". The archive is checked with tar, with libarchive (hubspy
# report), against the manifest schema (tests/schema_check.py), for
# checksums and for the token. Then the plan (--dry-run), usage errors,
# and a run killed with SIGKILL during the ramp whose users `hubspy purge
# --run DIR` removes, exactly.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
PY=/usr/bin/python3
# a start waits 0.5 s for its spawn before the hub answers 202 (10 s by
# default): a delayed start streams its progress events
run_hub_start HUBSPY_T_SLOW_SPAWN=0.5
# short phases; the hub's PID (no PID namespace here)
S=(--set "target.pid=$HUB_PID" --tmpdir "$T/remote" --set plateaus.settle=0.5
   --set plateaus.hold=1 --set captures.top.seconds=1
   --set captures.record.duration=2 --set captures.record.idle=true
   --set captures.dump.interval=0.5 --set activity.interval=2)

# --- the plan ---
run_hubspy run --dry-run profiles/z2jh-3000.json
expect_rc "dry run exits 0 without a hub" 0
expect_grep "dry run: a line per plateau" "$out" '^plateau +3000 users: ramp from 2000 via 2500'
expect_grep "dry run: the teardown and its requests" "$out" '^teardown purge: .*requests'
expect_grep "dry run: expected duration and hub requests in total" "$out" '[0-9]+ requests'
expect_grep "dry run: says nothing was sent" "$out" '^dry run: nothing was sent to the hub$'
run_hubspy run --dry-run profiles/smoke.json --set plateaus.users=[5,10]
expect_grep "dry run: --set changes the plan" "$out" '^plateau +10 users: ramp from 5'

# --- usage errors: one line, exit 2, nothing touched ---
run_hubspy run profiles/smoke.json --set plateaus.hold_seconds=3
expect_rc "an unknown --set key exits 2" 2
one_line "an unknown --set key: one line" "$err"
expect_grep "an unknown --set key names the key and the nearest field" "$err" \
    "plateaus\.hold_seconds.*did you mean 'plateaus\.hold'"
run_hubspy run "$T/none.json"
expect_rc "a missing profile exits 6" 6
one_line "a missing profile: one line" "$err"
run_hubspy run profiles/smoke.json --token x
expect_rc "--token on the command line is refused (exit 2)" 2

# --- preflight failures: one line, the exit code, nothing left behind ---
JUPYTERHUB_API_TOKEN= run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/o0" \
    --token-file "$HUB_LIMITED_TOKEN_FILE"
expect_rc "a token without the servers scope: exit 4" 4
one_line "a token without the servers scope: one line" "$err"
expect_grep "a token without the servers scope: names it" "$err" "lacks the 'servers' scope"
expect_eq "preflight failed: no run directory, no tarball" "$(find "$T/o0" -mindepth 1 | wc -l)" 0
run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/o0" --set target.pod=nope
expect_rc "a missing hub pod: exit 5" 5
expect_grep "a missing hub pod: kubectl's answer and the class" "$err" "pod_not_found"
expect_eq "a missing hub pod: no users were made" "$(hub_count_prefix hubspy-smoke)" 0

# --- end to end ---
run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/o1" --set plateaus.users=[2,5]
expect_rc "run smoke.json exits 0" 0
tarball=$(tail -n 1 "$out")
check "the last line printed is the tarball" test -f "$tarball"
expect_grep "the summary path is printed" "$out" '^summary: .*/summary\.md$'
expect_grep "progress lines say how many users" "$err" ' deleted [0-9]* of [1-9][0-9]*  429s '
expect_nogrep "no progress line says 'of 0' before the first ramp" "$err" ' deleted [0-9]* of 0  429s '
expect_eq "no users left on the hub" "$(hub_count_prefix hubspy-smoke)" 0
top=$(basename "$tarball" .tar.gz)
case $top in hubspy-[0-9]*T[0-9]*Z-smoke) pass "archive named hubspy-UTC-smoke" ;;
*) fail "archive named hubspy-UTC-smoke" "$top" ;; esac
if tar -tzf "$tarball" >"$T/list" 2>"$T/tar.err"; then pass "tar -tzf reads the archive"
else fail "tar -tzf reads the archive" "$(cat "$T/tar.err")"; fi
expect_eq "manifest.json is the first file" "$(sed -n 2p "$T/list")" "$top/manifest.json"
missing=
for f in manifest.json summary.md report.html run.log hub.log journal.jsonl \
    plateaus/0005/record.raw plateaus/0005/record.svg \
    plateaus/0005/record.speedscope.json plateaus/0005/top.txt \
    plateaus/0005/top-table.txt plateaus/0005/dump-1.txt \
    plateaus/0005/dump-1.json plateaus/0005/dump-2.txt \
    plateaus/0005/stuck.txt plateaus/0005/metrics-start.prom \
    plateaus/0005/metrics-end.prom plateaus/0002/record.raw \
    plateaus/0002/top-table.txt diffs/0002-0005.svg; do
	grep -qx "$top/$f" "$T/list" || missing="$missing $f"
done
expect_eq "the archive lists every expected file" "$missing" ""
mkdir -p "$T/x1"
tar -xzf "$tarball" -C "$T/x1"
if "$PY" "$ROOT/tests/schema_check.py" "$T/x1/$top" --partial no >"$T/schema.out" 2>&1; then
	pass "manifest.json matches its schema, every sha256 matches"
else
	fail "manifest.json matches its schema, every sha256 matches" "$(head -n 8 "$T/schema.out")"
fi
# the checker is not a rubber stamp
cp -r "$T/x1/$top" "$T/x1/broken"
echo x >>"$T/x1/broken/summary.md"
"$PY" - "$T/x1/broken/manifest.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1])); del m["timeline"][0]["seconds"]
json.dump(m, open(sys.argv[1], "w"))
EOF
"$PY" "$ROOT/tests/schema_check.py" "$T/x1/broken" >"$T/schema2.out" 2>&1
expect_grep "the checker catches a changed file" "$T/schema2.out" 'summary\.md: sha256 does not match'
expect_grep "the checker catches a missing key" "$T/schema2.out" "timeline\[0\]: missing key 'seconds'"
rm -rf "$T/x1/broken"
if grep -rqF -- "$JUPYTERHUB_API_TOKEN" "$T/x1"; then
	fail "the token occurs nowhere in the archive" "$(grep -rlF -- "$JUPYTERHUB_API_TOKEN" "$T/x1")"
else
	pass "the token occurs nowhere in the archive"
fi
if grep -rqF -- "$JUPYTERHUB_API_TOKEN" "$T/o1"; then
	fail "hubspy never wrote the token, not even in the run directory" "$(grep -rlF -- "$JUPYTERHUB_API_TOKEN" "$T/o1")"
else
	pass "hubspy never wrote the token, not even in the run directory"
fi
M=$T/x1/$top/manifest.json
mq() { "$PY" -c "import json,sys; m=json.load(open(sys.argv[1])); print($1)" "$M"; }
expect_eq "manifest: plateaus 2 and 5 asked, created, ready" \
    "$(mq '[(p["users"], p["state"]["asked"], p["state"]["created"], p["state"]["ready"]) for p in m["plateaus"]]')" \
    "[(2, 2, 2, 2), (5, 5, 5, 5)]"
expect_eq "manifest: the phases in order" \
    "$(mq '" ".join(e["phase"] for e in m["timeline"])')" \
    "preflight ramp settle hold capture capture capture ramp settle hold capture capture capture teardown archive"
expect_eq "manifest: captures top, record, dump x2, all fine" \
    "$(mq '" ".join("%s:%s" % (c["kind"], c["failure"]) for c in m["plateaus"][1]["captures"])')" \
    "top:None record:None dump:None dump:None"
expect_eq "manifest: record samples counted" \
    "$(mq '(m["plateaus"][1]["captures"][1]["samples"] or 0) > 0')" True
expect_eq "manifest: hub metrics at both ends of the hold" \
    "$(mq '[k for k in ("start", "end") if m["plateaus"][1]["hub_metrics"][k] is None]')" "[]"
expect_eq "manifest: hub CPU and memory at both ends, and after the purge" \
    "$(mq '[u and (u["cpu_seconds"] is not None, u["rss_bytes"] > 0) for u in (m["plateaus"][1]["hub_usage"]["start"], m["plateaus"][1]["hub_usage"]["end"], m["after_purge"]["hub_usage"])]')" \
    "[(True, True), (True, True), (True, True)]"
expect_eq "manifest: activity and probes flowed during the hold" \
    "$(mq 'sorted(set(m["plateaus"][1]["requests"]) & {"activity", "probe"})')" "['activity', 'probe']"
expect_eq "manifest: target and hub" \
    "$(mq 'm["target"]["transport"], m["target"]["pod"], m["target"]["pyspy"], m["hub"]["version"], m["hub"]["token_kind"], "admin:users" in m["hub"]["scopes"]')" \
    "kubectl hub-abc 0.4.2 $HUB_RELEASE service True"
expect_eq "journal: 5 names (batches of 2 and 3)" \
    "$("$PY" -c 'import json,sys; print(sum(len(json.loads(l)["names"]) for l in open(sys.argv[1])))' "$T/x1/$top/journal.jsonl")" 5
expect_grep "run.log has the hub requests" "$T/x1/$top/run.log" '^[0-9T:-]+Z POST /users \(create\) 201 '
expect_grep "run.log has the phases" "$T/x1/$top/run.log" 'plateau 5 users: hold 1 s$'
expect_grep "hub.log is the pod's log (kubectl logs)" "$REQS" '/pods/hub-abc/log\?.*tailLines=1000'
expect_grep "summary.md has the top functions" "$T/x1/$top/summary.md" '^## Top functions'
expect_grep "record.raw holds the hub's stacks" "$T/x1/$top/plateaus/0005/record.raw" 'jupyterhub/'
expect_grep "py-spy ran in the pod through kubectl exec" "$REQS" 'command=py-spy&command=record'
run_hubspy report "$tarball"
expect_rc "hubspy report reads the tarball (libarchive)" 0
# the event loop leads each plateau: the 5.x metric, else the probe
if [ "$HUB_VERSION" = 5 ]; then
	loop_re='^- 5 users: event loop interval p50 <?= [0-9]+ ms, p99 [<>]=? ?[0-9]+ ms, max [<>]=? ?[0-9]+ ms \([0-9]+ intervals of the hold'
	html_re='<li><b>5 users</b>: event loop interval p50 &lt;= [0-9]+ ms, p99 &[lg]t;=? ?[0-9]+ ms'
else
	loop_re='^- 5 users: event loop not measured by this hub \(the metric is 5\.0\+\); probe latency instead: p50 [0-9.]+ ms'
	html_re="<li><b>5 users</b>: event loop ${loop_re#*event loop }"
fi
expect_grep "summary.md leads with the event loop" "$T/x1/$top/summary.md" "$loop_re"
expect_eq "summary.md: the event loop before the plateau table" \
    "$(grep -E '^## (Event loop|Spawns|Plateaus)$' "$T/x1/$top/summary.md" | tr '\n' ,)" "## Event loop,## Spawns,## Plateaus,"
expect_grep "report.html leads with the event loop" "$T/x1/$top/report.html" "$html_re"
expect_grep "the terminal report leads with the event loop" "$out" "^5 users: event loop ${loop_re#*event loop }"
expect_grep "summary.md: the client's spawn times beside the hub's own" "$T/x1/$top/summary.md" \
    '^- 5 users: spawn request -> ready \(client, 3 spawns\): p50 [0-9.]+ s, p99 [0-9.]+ s, max [0-9.]+ s; the hub.s own spawn \(server_spawn_duration_seconds, success, 3 during the ramp\): mean [0-9.]+ s$' 

# --- spawn phases: every start delayed 1.5 s, so the hub streams progress
# events before the ready one; the hub's own spawn histogram read around
# the run to hold the client's phases against ---
metric() {	# metric NAME: jupyterhub_NAME{status="success"} from /hub/metrics
	hub_get /metrics | sed -n "s/^jupyterhub_$1{status=\"success\"} //p"
}
c0=$(metric server_spawn_duration_seconds_count); s0=$(metric server_spawn_duration_seconds_sum)
echo "1.5 0" >"$T/delays"
run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/o4" --set plateaus.users=[4] \
    --set captures.run=[] --set activity.mode=none --set spawn_phases.streams=3
echo "0 0" >"$T/delays"
expect_rc "spawn phases: the run exits 0" 0
c1=$(metric server_spawn_duration_seconds_count); s1=$(metric server_spawn_duration_seconds_sum)
tb4=$(tail -n 1 "$out")
mkdir -p "$T/x4" && tar -C "$T/x4" -xzf "$tb4"
top4=$(basename "$tb4" .tar.gz)
expect_grep "spawn phases: the terminal line" "$err" \
    '^hubspy: plateau 4 users: spawn phases p50 \([34] sampled\): accepted [0-9.]+ s, first event [0-9.]+ s, ready [0-9.]+ s, total [0-9.]+ s$'
if "$PY" - "$T/x4/$top4/manifest.json" "$c0" "$s0" "$c1" "$s1" >"$T/ph.out" 2>&1 <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
p = m["plateaus"][0]
ph = p["spawn_phases"]
c0, s0, c1, s1 = (float(x) for x in sys.argv[2:])
hub_mean = (s1 - s0) / (c1 - c0)
# at most 3 streams at once, 4 spawns started together: 3 sampled, the
# 4th only if a stream ended before its start was accepted
assert ph["sampled"] in (3, 4) and ph["failed"] == 0 and ph["unfinished"] == 0, ph
assert p["requests"]["phases"]["count"] == ph["sampled"], p["requests"]
assert p["requests"]["phases"]["retries"] == 0, p["requests"]["phases"]
# the 1.5 s start, answered 202 after 0.5 s: about 1 s from the first
# event ("Server requested", at once) to ready
assert ph["ready_seconds"]["p50"] > 0.6, ph
assert ph["first_event_seconds"]["max"] < ph["ready_seconds"]["p50"], ph
assert ph["accept_seconds"]["p50"] < ph["total_seconds"]["p50"], ph
assert c1 - c0 == 4, (c0, c1)
# the client's total holds the hub's own spawn (before the proxy add) and
# not much more; the hub starts its clock after the request is accepted
t = ph["total_seconds"]
assert hub_mean * 0.9 <= t["p50"] <= hub_mean + 2.0, (t, hub_mean)
assert t["max"] >= t["p50"] >= ph["ready_seconds"]["p50"], ph
print("ok", ph["sampled"], round(hub_mean, 3), t["p50"])
PY
then pass "spawn phases: manifest.json holds the sample, consistent with the hub's own spawns ($(cat "$T/ph.out"))"
else fail "spawn phases: manifest.json holds the sample, consistent with the hub's own spawns" "$(cat "$T/ph.out")"; fi
expect_grep "spawn phases: summary.md's line beside the spawn line" "$T/x4/$top4/summary.md" \
    '^  - spawn phases \([34] sampled, 0 failed, 0 unfinished\), p50 \(p90\): request -> accepted [0-9.]+ s \([0-9.]+\), -> first event [0-9.]+ s \([0-9.]+\), -> ready [0-9.]+ s \([0-9.]+\), total [0-9.]+ s'
expect_grep "spawn phases: report.html's chart beside the hub's own spawn" "$T/x4/$top4/report.html" \
    'hub: server_spawn_duration, mean</text>'
if "$PY" "$ROOT/tests/schema_check.py" "$T/x4/$top4" --partial no >"$T/schema4.out" 2>&1; then
	pass "spawn phases: manifest.json matches docs/artifacts.md"
else fail "spawn phases: manifest.json matches docs/artifacts.md" "$(cat "$T/schema4.out")"; fi
if command -v chromium >/dev/null 2>&1; then
	chrome --virtual-time-budget=5000 --dump-dom "file://$T/x4/$top4/report.html#selftest=x" >"$T/dom4.html" 2>"$T/chrome4.err"
	# p50 and p90 of three phases, the hub's spawn and proxy add where read
	expect_grep "spawn phases: the browser lays out the chart's segments" "$T/dom4.html" 'selftest x: .* phases=([6-8]) errors=0 done'
else
	fail "chromium is installed (make deps)"
fi

# --no-redact, keep: the users stay, purge --run removes them
run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/o2" --set teardown=keep \
    --set captures.run=[] --set activity.mode=none
expect_rc "teardown keep: exit 0" 0
expect_eq "teardown keep: the users stay" "$(hub_count_prefix hubspy-smoke)" 5
expect_grep "teardown keep: says how to remove them" "$err" "hubspy purge --run .*/hubspy-.*-smoke"
dir2=$(sed -n 's/^run directory: //p' "$out")
run_hubspy purge --run "$dir2"
expect_rc "purge --run after keep: exit 0" 0
expect_grep "purge --run: removed the 5 journaled users" "$out" '^removed 5 users$'
expect_eq "purge --run: none left" "$(hub_count_prefix hubspy-smoke)" 0

# --- a run killed during the ramp; purge --run removes exactly its users ---
P=hubspy-kill
for n in "$P-1000" "$P-7" "$P-x" "$P-1" "hubspy-kil-1"; do
	curl -sS -o /dev/null -X POST -H @<(printf 'Authorization: token %s\n' "$JUPYTERHUB_API_TOKEN") \
	    "$HUB_API/users/$n"
done
expect_eq "unrelated users made beforehand" "$(hub_count_prefix "$P")" 4
echo "3 0" >"$T/delays"
"$HUBSPY" run profiles/smoke.json "${S[@]}" -o "$T/o3" --set hub.prefix=$P \
    --set plateaus.users=[6] --set load.batch_size=2 --set load.spawn_concurrency=2 \
    >"$T/k.out" 2>"$T/k.err" </dev/null &
kpid=$!
for _ in $(seq 1 200); do
	[ "$(hub_count_prefix "$P")" -ge 6 ] && break
	sleep 0.1
done
{ kill -KILL "$kpid"; wait "$kpid"; } 2>/dev/null
echo "0 0" >"$T/delays"
dir3=$(sed -n 's/^run directory: //p' "$T/k.out")
check "killed run: its run directory and journal stay" test -s "$dir3/journal.jsonl"
"$PY" -c 'import json,sys; [print(n) for l in open(sys.argv[1]) if l.endswith("\n") for n in json.loads(l)["names"]]' \
    "$dir3/journal.jsonl" >"$T/journaled"
nj=$(wc -l <"$T/journaled")
if [ "$nj" -ge 2 ] && ! grep -qx "$P-1000\|$P-7\|$P-1" "$T/journaled"; then
	pass "killed run: journaled its own users only ($nj)"
else
	fail "killed run: journaled its own users only" "$(cat "$T/journaled")"
fi
check "killed run: users were left on the hub" test "$(hub_count_prefix "$P")" -gt 4
check "killed run: no tarball" test -z "$(find "$T/o3" -name '*.tar.gz')"
run_hubspy purge --run "$dir3"
expect_rc "purge --run after a kill: exit 0" 0
left=$(hub_get "/users?name_filter=$P&limit=200" | "$PY" -c 'import json,sys; print(" ".join(sorted(u["name"] for u in json.load(sys.stdin)["items"])))')
expect_eq "purge --run removed exactly the journaled users" "$left" "$P-1 $P-1000 $P-7 $P-x"
expect_eq "purge --run left the look-alike prefix alone" \
    "$(hub_get "/users/hubspy-kil-1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["name"])')" hubspy-kil-1
still=0
while read -r n; do
	hub_get "/users/$n" | grep -q '"name"' && still=$((still + 1))
done <"$T/journaled"
expect_eq "purge --run: no journaled user remains" "$still" 0
run_hubspy purge --run "$T/nowhere"
expect_rc "purge --run without a journal: exit 6" 6
one_line "purge --run without a journal: one line" "$err"

t_done
