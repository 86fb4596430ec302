#!/usr/bin/env bash
# fakehub.sh -- faults the real hub cannot produce on demand: 503 bursts,
# connection resets, slow answers, 429 storms, a restart mid-ramp. Each
# ends with the run completed (or stopped with a clear message) and the
# fake hub's user table empty.
. "$(dirname "$0")/../lib.sh"
FAKE=$HERE/harness/fakehub/fakehub.py
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
umask 077
/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(16))' > "$T/token"
export JUPYTERHUB_API_TOKEN
JUPYTERHUB_API_TOKEN=$(cat "$T/token")

# fh_start NAME [fakehub options]: starts a fake hub with state $T/NAME.json
fh_start() {
	local name=$1
	shift
	FH_PORT=${FH_PORT_KEEP:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
	/usr/bin/python3 "$FAKE" "$FH_PORT" "$T/$name.json" --token-file "$T/token" "$@" &
	FH_PID=$!
	t_cleanup "kill $FH_PID"
	export JUPYTERHUB_API_URL=http://127.0.0.1:$FH_PORT/hub/api
	for _ in $(seq 1 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$FH_PORT/fake/count" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "fake hub starts"
}
fh_stop() { kill "$FH_PID" 2>/dev/null; wait "$FH_PID" 2>/dev/null; }
# fh_wait_users: until the run under test has created users (bounded)
fh_wait_users() {
	for _ in $(seq 1 100); do
		[ "$(fh_count)" -gt 0 ] && return 0
		sleep 0.05
	done
}
fh_count() { curl -fsS "http://127.0.0.1:$FH_PORT/fake/count" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["users"])'; }

# bursts of 503: retried with backoff, counted as retries
fh_start b503 --burst503 3
run_hubspy stress --count 20 --batch-size 4 --json "$T/b.json"
expect_rc "503 bursts: exit 0" 0
expect_eq "503 bursts: retries counted" "$(jget "$T/b.json" 'sum(c["retries"] for c in d["requests"].values()) > 0')" True
expect_eq "503 bursts: 5xx tallied" "$(jget "$T/b.json" 'sum(c["status"]["5xx"] for c in d["requests"].values()) > 0')" True
expect_eq "503 bursts: 20 ready" "$(jget "$T/b.json" 'd["users"]["ready"]')" 20
expect_eq "503 bursts: table empty" "$(fh_count)" 0
fh_stop

# connection resets: network errors retried
fh_start reset --reset 7
run_hubspy stress --count 20 --batch-size 4 --json "$T/r.json"
expect_rc "resets: exit 0" 0
expect_eq "resets: network errors tallied" "$(jget "$T/r.json" 'sum(c["status"]["network"] for c in d["requests"].values()) > 0')" True
expect_eq "resets: 20 deleted" "$(jget "$T/r.json" 'd["users"]["deleted"]')" 20
expect_eq "resets: table empty" "$(fh_count)" 0
fh_stop

# slow answers: above --timeout every try times out: one line, exit 3,
# nothing created; below it the run completes
fh_start slow --slow 1500
run_hubspy stress --count 5 --timeout 1
expect_rc "slower than --timeout: exit 3" 3
one_line "slower than --timeout: one line" "$err"
expect_grep "slower than --timeout: says why" "$err" "cannot reach the hub .*timed out"
expect_eq "slower than --timeout: nothing created" "$(fh_count)" 0
run_hubspy stress --count 6 --timeout 5 --concurrency 8
expect_rc "slow answers: exit 0" 0
expect_eq "slow answers: table empty" "$(fh_count)" 0
# Ctrl-C while the slow hub answers the preflight: the ramp never starts
# (a signal read off the loop before the ramp was once dropped, and the
# run went on to the end)
"$HUBSPY" stress --count 5 --timeout 5 >"$T/pi.out" 2>"$T/pi.err" </dev/null &
pid=$!
sleep 0.7
kill -INT "$pid"
wait "$pid"
rc=$? err=$T/pi.err
expect_rc "interrupted during the preflight: exit 7" 7
expect_grep "interrupted during the preflight: says so" "$err" '^hubspy: interrupted: ramp stopped at 0 of 5 users$'
expect_eq "interrupted during the preflight: the result once" \
    "$(grep -c '^hubspy: interrupted: ramp stopped at 0 of 5 users$' "$err")" 1
expect_grep "interrupted during the preflight: says what comes next" "$err" \
    '^hubspy: interrupted: ramp stopped at 0 of 5 users; tearing down$'
expect_eq "interrupted during the preflight: nothing created" "$(fh_count)" 0
fh_stop

# a 429 storm (Retry-After: 1): honoured and counted, run completes
fh_start storm --storm429 12
run_hubspy stress --count 5 --spawn-concurrency 5 --json "$T/s.json"
expect_rc "429 storm: exit 0" 0
expect_eq "429 storm: 12 throttled starts counted" "$(jget "$T/s.json" 'd["throttle"]["count_429"]')" 12
expect_eq "429 storm: 5 ready" "$(jget "$T/s.json" 'd["users"]["ready"]')" 5
expect_eq "429 storm: table empty" "$(fh_count)" 0
fh_stop

# spawn phases (stress --phase-streams): streams that end ready, then
# streams the hub cuts after the first event: every spawn still completes,
# a cut sample counts as unfinished, no stream is asked for twice, and the
# streams stay out of the lifecycle's requests
fh_progress() { curl -fsS "http://127.0.0.1:$FH_PORT/fake/count" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["progress"])'; }
fh_start prog --pending 1 --progress ok
run_hubspy stress --count 4 --spawn-concurrency 4 --phase-streams 2 --json "$T/pg.json"
expect_rc "progress streams: exit 0" 0
expect_eq "progress streams: 4 ready" "$(jget "$T/pg.json" 'd["users"]["ready"]')" 4
expect_eq "progress streams: the sample ends ready" \
    "$(jget "$T/pg.json" 'd["spawn_phases"]["sampled"] >= 2 and d["spawn_phases"]["failed"] == 0 and d["spawn_phases"]["unfinished"] == 0')" True
expect_eq "progress streams: first event -> ready holds the 1 s spawn" \
    "$(jget "$T/pg.json" '0.8 <= d["spawn_phases"]["ready_seconds"]["p50"] < 10')" True
expect_eq "progress streams: one stream per sampled spawn, class phases" \
    "$(jget "$T/pg.json" 'd["requests"]["phases"]["count"]') $(fh_progress)" \
    "$(jget "$T/pg.json" 'd["spawn_phases"]["sampled"]') $(jget "$T/pg.json" 'd["spawn_phases"]["sampled"]')"
expect_eq "progress streams: not lifecycle requests (create, start, poll, delete)" \
    "$(jget "$T/pg.json" 'd["requests_per_lifecycle"] * 4 == sum(c["count"] for k, c in d["requests"].items() if k != "phases")')" True
expect_grep "progress streams: the table shows them apart" "$out" '^phases +[0-9]+ +0 '
expect_eq "progress streams: table empty" "$(fh_count)" 0
fh_stop
fh_start progcut --pending 1 --progress break
run_hubspy stress --count 4 --spawn-concurrency 4 --phase-streams 2 --json "$T/pc.json"
expect_rc "a stream cut mid-way: exit 0" 0
expect_eq "a stream cut mid-way: every spawn completes" "$(jget "$T/pc.json" 'd["users"]["ready"]')" 4
expect_eq "a stream cut mid-way: the sample is unfinished" \
    "$(jget "$T/pc.json" 'd["spawn_phases"]["sampled"] >= 2 and d["spawn_phases"]["unfinished"] == d["spawn_phases"]["sampled"] and d["spawn_phases"]["total_seconds"]["p50"] is None')" True
expect_eq "a stream cut mid-way: its first event timed" \
    "$(jget "$T/pc.json" 'd["spawn_phases"]["first_event_seconds"]["p50"] is not None')" True
expect_eq "a stream cut mid-way: nothing retried" \
    "$(fh_progress) $(jget "$T/pc.json" 'd["requests"]["phases"]["retries"]')" \
    "$(jget "$T/pc.json" 'd["spawn_phases"]["sampled"]') 0"
expect_eq "a stream cut mid-way: table empty" "$(fh_count)" 0
fh_stop

# slow stops (pending stop for 1 s): a delete whose stop outlasts the
# hub's wait answers 400; list rounds see the stop end, the delete is sent
# again, and each server is counted stopped once
fh_start slowstop --slowstop 1
run_hubspy stress --count 10 --json "$T/ss.json"
expect_rc "slow stops: exit 0" 0
expect_eq "slow stops: no separate stop (the delete stops)" "$(jget "$T/ss.json" 'd["requests"].get("stop", {}).get("count", 0)')" 0
expect_eq "slow stops: two deletes per user (400, then 204)" "$(jget "$T/ss.json" 'd["requests"]["delete"]["count"]')" 20
expect_eq "slow stops: the 400s tallied" "$(jget "$T/ss.json" 'd["requests"]["delete"]["status"]["400"]')" 10
expect_eq "slow stops: rounds confirmed the stops" "$(jget "$T/ss.json" 'd["requests"]["poll"]["count"] > 0')" True
expect_eq "slow stops: 10 stopped, none twice" "$(jget "$T/ss.json" 'd["users"]["stopped"]')" 10
expect_eq "slow stops: table empty" "$(fh_count)" 0
fh_stop
# purge of users whose servers are still pending stop: waits, then deletes
fh_start slowstop2 --slowstop 1
run_hubspy stress --count 4 --keep
expect_rc "slow stops, kept: exit 0" 0
run_hubspy purge --json "$T/sp.json"
expect_rc "slow stops, purge: exit 0" 0
expect_eq "slow stops, purge: no separate stop" "$(jget "$T/sp.json" 'd["requests"].get("stop", {}).get("count", 0)')" 0
expect_eq "slow stops, purge: table empty" "$(fh_count)" 0
fh_stop

# readiness from list rounds (starts answer 202), then a hub restart mid-ramp
fh_start restart --pending 1.5 --persist
"$HUBSPY" stress --count 30 --batch-size 5 --json "$T/rs.json" >"$T/rs.out" 2>"$T/rs.err" </dev/null &
pid=$!
fh_wait_users
fh_stop
FH_PORT_KEEP=$FH_PORT fh_start restart --pending 1.5 --persist
wait "$pid"
rc=$? err=$T/rs.err
expect_rc "restart mid-ramp: exit 0" 0
expect_eq "restart mid-ramp: 30 ready" "$(jget "$T/rs.json" 'd["users"]["ready"]')" 30
expect_eq "restart mid-ramp: readiness from list rounds" "$(jget "$T/rs.json" 'd["requests"]["poll"]["count"] > 0')" True
expect_eq "restart mid-ramp: table empty" "$(fh_count)" 0

# an interrupt with many starts queued: unsent starts are dropped, the
# teardown removes what exists, exit 7
fh_stop
fh_start deep --slow 50
"$HUBSPY" stress --count 120 --batch-size 40 --spawn-concurrency 120 --concurrency 2 >"$T/d.out" 2>"$T/d.err" </dev/null &
pid=$!
fh_wait_users
kill -INT "$pid"
wait "$pid"
rc=$? err=$T/d.err
expect_rc "interrupt, deep queue: exit 7" 7
expect_eq "interrupt, deep queue: table empty" "$(fh_count)" 0

# the hub gone for good mid-run: stopped with a clear message and the count
"$HUBSPY" stress --count 30 --timeout 2 >"$T/g.out" 2>"$T/g.err" </dev/null &
pid=$!
fh_wait_users
fh_stop
wait "$pid"
rc=$? err=$T/g.err
expect_rc "hub gone: exit 8 (users left)" 8
expect_grep "hub gone: says how many are left" "$T/g.err" 'teardown incomplete: [0-9]+ users? left on the hub \(the hub stopped answering\)'
# the start body by version: 6.0 reads {"user_options": {...}} (the bare
# form only without a user_options or display_name key, so an option
# named display_name would be lost); before 6.0 the body is the options
for v in 6.0.0 5.4.4; do
	fh_start "v$v" --version "$v"
	run_hubspy stress --prefix six --count 2 --keep \
	    --server-options '{"display_name":"x","profile":"p"}'
	expect_rc "hub $v: stress with options exits 0" 0
	got=$(curl -fsS -H @<(printf 'Authorization: token %s\n' "$JUPYTERHUB_API_TOKEN") \
	    "$JUPYTERHUB_API_URL/users/six-1" | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["servers"][""]["user_options"], sort_keys=True))')
	expect_eq "hub $v: the hub reads every option as user_options" "$got" \
	    '{"display_name": "x", "profile": "p"}'
	run_hubspy purge --prefix six
	expect_eq "hub $v: purged" "$(fh_count)" 0
	fh_stop
done

t_done
