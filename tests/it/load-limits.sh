#!/usr/bin/env bash
# load-limits.sh -- real 429s (concurrent_spawn_limit, active_server_limit)
# and interrupts, against the REAL JupyterHub
. "$(dirname "$0")/../lib.sh"
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# concurrent_spawn_limit=3, spawns take 2 s: starts beyond 3 get 429 with
# Retry-After 2..4 s; they are counted, honoured, and the run completes
hub_start HUBSPY_T_SPAWN_LIMIT=3 HUBSPY_T_SPAWN_DELAY=2
export JUPYTERHUB_API_TOKEN
JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
run_hubspy stress --count 8 --spawn-concurrency 8 --json "$T/t.json"
expect_rc "spawn limit: exit 0" 0
expect_eq "spawn limit: real 429s counted" "$(jget "$T/t.json" 'd["throttle"]["count_429"] > 0')" True
expect_eq "spawn limit: Retry-After summed" "$(jget "$T/t.json" 'd["throttle"]["retry_after_seconds"] >= 2')" True
expect_eq "spawn limit: throttled seconds" "$(jget "$T/t.json" 'd["throttle"]["throttled_seconds"] > 0')" True
expect_eq "spawn limit: not the active ceiling" "$(jget "$T/t.json" 'd["throttle"]["active_server_limit"]')" False
expect_eq "spawn limit: all 8 ready in the end" "$(jget "$T/t.json" 'd["users"]["ready"]')" 8
expect_eq "spawn limit: 429s in the start class" "$(jget "$T/t.json" 'd["requests"]["start"]["status"]["429"] == d["throttle"]["count_429"]')" True
expect_grep "spawn limit: table shows the throttle" "$out" '^throttle: [1-9][0-9]* 429s'
expect_eq "spawn limit: nothing left" "$(hub_count_prefix hubspy)" 0

# an interrupt mid-ramp: stop ramping, tear down, exit 7
"$HUBSPY" stress --count 30 --spawn-concurrency 3 >"$T/int.out" 2>"$T/int.err" </dev/null &
pid=$!
for _ in $(seq 1 100); do
	[ "$(hub_count_prefix hubspy)" -gt 0 ] && break
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"
rc=$? err=$T/int.err
expect_rc "interrupt: exit 7" 7
expect_grep "interrupt: says so" "$T/int.err" 'interrupted'
expect_eq "interrupt: nothing left" "$(hub_count_prefix hubspy)" 0
hub_stop

# active_server_limit=4: a 429 without Retry-After is a ceiling: the ramp
# stops there, says so, and everything is torn down
hub_start HUBSPY_T_ACTIVE_LIMIT=4
JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
run_hubspy stress --count 7 --json "$T/c.json"
expect_rc "active limit: exit 0" 0
expect_grep "active limit: says so" "$err" "ramp stopped: the hub's active_server_limit was reached"
expect_eq "active limit: flagged" "$(jget "$T/c.json" 'd["throttle"]["active_server_limit"]')" True
expect_eq "active limit: 4 ready" "$(jget "$T/c.json" 'd["users"]["ready"]')" 4
expect_eq "active limit: 7 created and deleted" "$(jget "$T/c.json" 'd["users"]["deleted"]')" 7
expect_eq "active limit: nothing left" "$(hub_count_prefix hubspy)" 0

t_done
