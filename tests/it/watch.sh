#!/usr/bin/env bash
# watch.sh -- `hubspy watch` for real: a REAL JupyterHub (debug logging, so
# every request it serves is in its log) whose event loop is blocked on
# demand (GET /hub/hubspy-test-stall?seconds=N), the REAL kubectl against
# the in-test API server, the py-spy stand-in. A 25 s watch over a stall
# leaves an archive with the trigger, and the hub saw at most 2 requests in
# any second of the watch; the local and debug transports catch a stall
# too; bad input, no way to reach the hub and a hub that never answers end
# in bounded time with one line and nothing left behind.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
PY=/usr/bin/python3
cat >"$T/extra.py" <<'EOF'
exec(compile(open(os.environ["HUBSPY_T_SAMPLER"]).read(),
             os.environ["HUBSPY_T_SAMPLER"], "exec"))
c.JupyterHub.log_level = "DEBUG"
EOF
hub_start HUBSPY_T_EXTRA="$T/extra.py" \
    HUBSPY_T_SAMPLER="$ROOT/tests/harness/pyspy/sampler_hook.py"
. "$ROOT/tests/harness/k8s/lib.sh"
k8s_start
JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
export JUPYTERHUB_API_TOKEN
BASE=${HUB_API%/hub/api}
mkdir -p "$T/remote"
W=(--set "target.pid=$HUB_PID" --tmpdir "$T/remote")

# stall_during NAME SECONDS-IN STALL ARGS...: a watch in the background,
# a stall SECONDS-IN after it starts watching; sets rc, X
# (on a machine busy with other suites the starved hub may be slow at
# other times too: the stall's trigger is the one that fired during it)
stall_during() {
	local n=$1 after=$2 stall=$3
	shift 3
	"$HUBSPY" watch -o "$T/$n" "$@" >"$T/$n.out" 2>"$T/$n.err" </dev/null &
	local pid=$!
	if wait_seen "$T/$n.err" 'watching (for|until)'; then
		sleep "$after"
		date -u +%Y-%m-%dT%H:%M:%S >"$T/$n.t0"
		curl -fsS -o /dev/null "$BASE/hub/hubspy-test-stall?seconds=$stall" || true
		date -u +%Y-%m-%dT%H:%M:%S >"$T/$n.t1"
	fi
	wait "$pid"
	rc=$?
	X=
	[ -s "$T/$n.out" ] && extract_run "$(tail -n 1 "$T/$n.out")"
}
# stall_trigger NAME: the stall's trigger as "phase dir" ("" if none)
stall_trigger() {
	mf "([('%s %s' % (t['phase'], t['dir'])) for t in m['triggers'] if t['source'] == 'probe' and '$(cat "$T/$1.t0")' <= t['at'][:19] <= '$(cat "$T/$1.t1")'] + [''])[0]"
}

# --- bad input: one line, exit 2, nothing made ---
run_hubspy watch -o "$T/b" "${W[@]}" --set triggers.probe=0.05
expect_rc "watch: a probe threshold out of range exits 2" 2
one_line "watch: a probe threshold out of range: one line" "$err"
expect_grep "watch: names the field and the range" "$err" 'triggers\.probe: too small: use 0 \(off\) or 0\.1 to 600 seconds'
run_hubspy watch -o "$T/b" --set plateaus.users=[5]
expect_rc "watch: a load field is refused (exit 2)" 2
expect_grep "watch: says what a watch takes" "$err" "a watch takes only triggers\.\*, target\.\* and hub\.metrics_prefix"
run_hubspy watch -o "$T/b" --set triggers.probe=0 --set triggers.loop_interval=0
expect_rc "watch: nothing that could trigger exits 2" 2
expect_grep "watch: nothing that could trigger: said" "$err" 'nothing would trigger'
JUPYTERHUB_API_URL= run_hubspy watch -o "$T/b" "${W[@]}"
expect_rc "watch without any way to reach the hub exits 2" 2
one_line "watch without a hub URL: one line" "$err"
expect_grep "watch without a hub URL: says how to give one" "$err" 'JUPYTERHUB_API_URL|--url'
expect_eq "bad input: nothing made" "$(find "$T/b" -mindepth 1 2>/dev/null | wc -l)" 0

# --- a hub that never answers: bounded, one line, nothing left ---
"$PY" -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(50); print(s.getsockname()[1], flush=True); time.sleep(120)' >"$T/mute.port" &
mute=$!
t_cleanup "kill $mute"
for _ in $(seq 1 50); do [ -s "$T/mute.port" ] && break; sleep 0.1; done
start=$(date +%s)
run_hubspy watch -o "$T/m" "${W[@]}" --url "http://127.0.0.1:$(cat "$T/mute.port")/hub/api" --timeout 2
took=$(( $(date +%s) - start ))
expect_rc "watch of a hub that never answers exits 3" 3
one_line "a hub that never answers: one line" "$err"
check "a hub that never answers: the command ended (bounded by its timeouts)" test "$took" -lt 60
expect_eq "a hub that never answers: nothing left behind" "$(find "$T/m" -mindepth 1 2>/dev/null | wc -l)" 0

# --- 25 s over a stall, through kubectl exec; the hub's log followed
# with kubectl logs -f, whose streams the API server ends every 4 s ---
state log_follow=4
: >"$REQS"
stall_during w1 5 7 --duration 25 "${W[@]}" --set triggers.min_gap=0
state
expect_eq "watch --duration 25 exits 0" "$rc" 0
expect_grep "watch: the stall is said as it happens" "$T/w1.err" \
    '^hubspy: watch: probe [0-9.]+ s over 1\.000 s: trigger [0-9]+, 3 py-spy dumps now \[triggers/[0-9]+\]$'
expect_grep "watch: what it cost the hub is printed" "$T/w1.err" \
    'the watch sent [0-9]+ health probes and [0-9]+ /metrics reads in [0-9]+ s \([0-9.]+ requests per second\)'
if [ -n "$X" ]; then
	st=$(stall_trigger w1)
	case $st in "watch triggers/"[0-9][0-9]) pass "watch: the stall's trigger, in the watch phase, captured" ;;
	*) fail "watch: the stall's trigger, in the watch phase, captured" "$st" ;; esac
	expect_eq "watch: the hub's own 'unresponsive' line, read through kubectl logs -f, is a trigger too" \
	    "$(mf "[(t['value'], t['threshold']) for t in m['triggers'] if t['source'] == 'log']")" "[(7, 0.5)]"
	expect_eq "watch: no plateau in a trigger" "$(mf '[t["plateau"] for t in m["triggers"] if t["plateau"] is not None]')" "[]"
	n=0
	for f in "$X/${st#watch }"/dump-*.txt; do grep -q hubspy_test_stall "$f" && n=$((n + 1)); done
	check "watch: the trigger's dumps were taken during the stall" test "$n" -eq 3
	expect_eq "watch: no plateau, no users made" "$(mf 'len(m["plateaus"])')" 0
	expect_eq "watch: the probes of the whole watch" "$(mf '12 <= len(m["samples"]) <= 27')" True
	expect_eq "watch: the watch phase lasted its duration" \
	    "$(mf '[round(p["seconds"]) for p in m["timeline"] if p["phase"] == "watch"]')" "[25]"
	check "watch: report.html has the timeline with the trigger" grep -q '<a href="#trigger-[0-9]*"><g class="trigger">' "$X/report.html"
	expect_eq "watch: summary.md starts with the stalls" "$(grep '^## ' "$X/summary.md" | head -n 1)" "## Stalls caught"
	check "watch: schema_check accepts the archive" "$PY" "$ROOT/tests/schema_check.py" "$X"
	check "watch: no journal (no users)" test ! -e "$X/journal.jsonl"
	if grep -rq "$JUPYTERHUB_API_TOKEN" "$X"; then fail "watch: the token is in no file" ""
	else pass "watch: the token is in no file"; fi
else
	fail "watch: an archive" "$(tail -n 3 "$T/w1.err")"
fi
nf=$(grep -c '/pods/hub-abc/log?.*follow=true' "$REQS")
check "watch: kubectl logs -f was started again after each end of its stream ($nf follows)" \
    test "$nf" -ge 4
grep '/pods/hub-abc/log?.*follow=true' "$REQS" >"$T/follows"
expect_grep "watch: the first follow starts from now (sinceSeconds=1)" \
    "$T/follows" '^GET [^ ]*&follow=true&sinceSeconds=1$'
expect_eq "watch: each follow after the first covers the gap and a second more (sinceSeconds >= 2 after a 1 s backoff)" \
    "$(sed -n '2,$p' "$T/follows" | grep -cv 'sinceSeconds=[2-9]$')" 0
expect_grep "watch: says how the log was followed" "$T/w1.err" \
    "hub log: followed with kubectl logs -f \(([4-9]|[1-9][0-9]) starts\), [0-9]+ lines, 1 'Event loop was unresponsive'"
expect_grep "watch: says what it watches on a 3.0 hub" "$T/w1.err" \
    "triggers: py-spy dumps on a health probe every 1 s waiting 1 s, 'Event loop was unresponsive' lines over 0.5 s in the hub's log \(kubectl logs -f\)\$"
expect_grep "watch: and what it cannot" "$T/w1.err" \
    'triggers: no event-loop interval from /hub/metrics \(JupyterHub before 5\.0 has no event_loop_interval_seconds\)'
check "watch: no kubectl logs -f left running" test -z "$(follows_left)"
# the hub's own log: every request it answered from the watch's first
# (its preflight's GET /hub/api/) on, per second, the first one included
"$PY" - "$HUB_LOG" >"$T/persec" <<'EOF'
import collections, datetime, re, sys
per = collections.Counter()
text = open(sys.argv[1], errors="replace").read()
ts = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d+ JupyterHub log:\d+\] "
# the watch's first request: the last GET /hub/api/ before its first probe
probe = re.search(ts + r"200 GET /hub/health", text).start()
firsts = list(re.finditer(ts + r"200 GET /hub/api/? ", text[:probe]))
t0 = datetime.datetime.strptime(firsts[-1].group(1), "%Y-%m-%d %H:%M:%S")
for m in re.finditer(r"\[\w " + ts + r"\d{3} (GET|POST|PATCH|DELETE|PUT) (\S+)", text):
    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
    if "hubspy-test-stall" not in m.group(3) and t >= t0:
        per[t] += 1
worst = max(per.items(), key=lambda kv: kv[1])
print(worst[1], worst[0].strftime("%H:%M:%S"), per[t0], len(per),
      ",".join("%d" % n for t, n in sorted(per.items())))
EOF
read -r worst when first nsec all <"$T/persec"
check "watch: the hub saw at most 2 requests in any second of the watch, the first included ($worst at $when; per second: $all)" \
    test "$worst" -le 2
check "watch: the preflight is paced too: at most 2 requests in the watch's first second ($first)" \
    test "$first" -le 2
check "watch: the count covers the whole watch ($nsec seconds with a request)" \
    test "$nsec" -ge 12

# --- the local transport and kubectl debug catch a stall too ---
export PATH=$ROOT/tests/harness/pyspy:$PATH
stall_during w2 2 3 --duration 8 --set target.transport=local "${W[@]}" \
    --set triggers.probe=0.5 --set triggers.min_gap=0 --hub-log "$HUB_LOG" --tail 5
expect_eq "watch local: exits 0" "$rc" 0
if [ -n "$X" ]; then
	st=$(stall_trigger w2)
	case $st in "watch triggers/"[0-9][0-9]) pass "watch local: the stall's trigger captured" ;;
	*) fail "watch local: the stall's trigger captured" "$st" ;; esac
	expect_grep "watch local: its dump shows the stall" "$X/${st#watch }/dump-1.txt" hubspy_test_stall
	expect_eq "watch local: hub.log from --hub-log" "$(wc -l <"$X/hub.log")" 5
	expect_eq "watch local: the hub's own log line after the stall is a trigger too" \
	    "$(mf "[(t['value'], t['threshold']) for t in m['triggers'] if t['source'] == 'log']")" "[(3, 0.5)]"
fi
stall_during w3 2 3 --duration 8 --set target.transport=debug "${W[@]}" --set triggers.probe=0.5 \
    --set triggers.min_gap=0
expect_eq "watch debug: exits 0" "$rc" 0
if [ -n "$X" ]; then
	st=$(stall_trigger w3)
	case $st in "watch triggers/"[0-9][0-9]) pass "watch debug: the stall's trigger captured" ;;
	*) fail "watch debug: the stall's trigger captured" "$st" ;; esac
	expect_grep "watch debug: its dump shows the stall" "$X/${st#watch }/dump-1.txt" hubspy_test_stall
fi

# --- Ctrl-C ends a watch normally; a pod that restarted: the cheap part
# of the postmortem bundle goes into the archive ---
echo "[C 2026-11-27 00:00:08] the last words of the old hub" >"$T/old.log"
state previous="$T/old.log" last_reason=OOMKilled events=1
env --default-signal=INT "$HUBSPY" watch -o "$T/w4" "${W[@]}" >"$T/w4.out" 2>"$T/w4.err" </dev/null &
pid=$!
wait_seen "$T/w4.err" 'watching until Ctrl-C' && sleep 2
kill -INT "$pid"
wait "$pid"
expect_eq "Ctrl-C ends a watch with exit 0" "$?" 0
expect_grep "Ctrl-C: said" "$T/w4.err" 'SIGINT: ending the watch, then archiving'
check "Ctrl-C: the archive is written" test -f "$(tail -n 1 "$T/w4.out")"
extract_run "$(tail -n 1 "$T/w4.out")" && expect_eq "Ctrl-C: not partial" "$(mf 'm["partial"]')" False
expect_grep "restarted pod: the previous container's log is in the archive" "$X/hub-previous.log" 'the last words of the old hub'
expect_grep "restarted pod: the pod's events are in the archive" "$X/events.txt" '^Warning Unhealthy .*Liveness probe failed'
expect_grep "restarted pod: said" "$T/w4.err" 'the hub container restarted: its log before the restart is hub-previous\.log'
for d in "$T"/w1/*/; do
	check "a pod that never restarted: no hub-previous.log, no empty events.txt" \
	    test ! -e "$d/hub-previous.log" -a ! -e "$d/events.txt"
done

t_done
