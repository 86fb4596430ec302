#!/usr/bin/env bash
# teardown.sh -- one request per user lifecycle's end, against the REAL
# JupyterHub: DELETE /users/NAME on a user whose server runs makes the hub
# stop that server (the spawner's stop() is called, the proxy's route is
# removed) and delete the user, so hubspy sends no separate stop
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)

umask 077
PROXY_TOKEN=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(16))')
hub_start HUBSPY_T_EXTRA="$ROOT/tests/it/teardown-hook.py" \
    HUBSPY_T_PROXY_TOKEN="$PROXY_TOKEN"
export JUPYTERHUB_API_TOKEN
JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
# routes PREFIX: how many routes to PREFIX-N servers the proxy has
routes() {
	curl -sS -H @<(printf 'Authorization: token %s\n' "$PROXY_TOKEN") \
	    "$(cat "$HUB_DIR/proxy-api")/api/routes" |
	    /usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r.startswith("/user/'"$1"'-")))'
}
stops() { sort "$HUB_DIR/stops.log" 2>/dev/null | grep -c "^$1-" ; }

# --- kept servers, then purge: each delete stops its server
run_hubspy stress --prefix td --count 6 --keep
expect_rc "kept: exit 0" 0
expect_eq "kept: 6 proxy routes" "$(routes td)" 6
expect_eq "kept: no stop yet" "$(stops td)" 0
run_hubspy purge --prefix td --json "$T/p.json"
expect_rc "purge: exit 0" 0
expect_eq "purge: one delete per user" "$(jget "$T/p.json" 'd["requests"]["delete"]["count"]')" 6
expect_eq "purge: no separate stop" "$(jget "$T/p.json" 'd["requests"].get("stop", {}).get("count", 0)')" 0
expect_eq "purge: every delete answered 204" "$(jget "$T/p.json" 'd["requests"]["delete"]["status"]["2xx"]')" 6
expect_eq "purge: the spawner stopped each server" "$(stops td)" 6
expect_eq "purge: the proxy routes are gone" "$(routes td)" 0
expect_eq "purge: no user left" "$(hub_count_prefix td)" 0
expect_grep "purge: the hub log says it removed the routes" "$HUB_LOG" 'Removing user td-6 from proxy'

# --- full lifecycle: a batched create, one start, one delete per user
# (the readiness rounds and the preflight are shared; make bench measures
# the whole figure at 300 users)
run_hubspy stress --count 40 --batch-size 10 --json "$T/s.json"
expect_rc "stress: exit 0" 0
expect_eq "stress: 40 ready" "$(jget "$T/s.json" 'd["users"]["ready"]')" 40
expect_eq "stress: 40 stopped" "$(jget "$T/s.json" 'd["users"]["stopped"]')" 40
expect_eq "stress: 40 deleted" "$(jget "$T/s.json" 'd["users"]["deleted"]')" 40
expect_eq "stress: no separate stop" "$(jget "$T/s.json" 'd["requests"].get("stop", {}).get("count", 0)')" 0
expect_eq "stress: the spawner stopped each server" "$(stops hubspy)" 40
expect_eq "stress: the proxy routes are gone" "$(routes hubspy)" 0
expect_eq "stress: one start and one delete per user" "$(jget "$T/s.json" '[d["requests"][c]["count"] for c in ("start", "delete")]')" "[40, 40]"
expect_eq "stress: 2.1 requests per user besides list rounds and preflight" "$(jget "$T/s.json" 'sum(d["requests"][c]["count"] for c in ("create", "start", "delete")) / 40')" 2.1
expect_eq "stress: no user left" "$(hub_count_prefix hubspy)" 0

# --- spawns still pending at the teardown (slow-N take 4 s, the ready
# timeout is 1 s): those take the two-step path, stop then delete
run_hubspy stress --prefix slow --count 3 --ready-timeout 1 --json "$T/w.json"
expect_rc "pending spawns: exit 0" 0
expect_eq "pending spawns: 3 timed out" "$(jget "$T/w.json" 'd["users"]["timed_out"]')" 3
expect_eq "pending spawns: stopped first" "$(jget "$T/w.json" 'd["requests"].get("stop", {}).get("count", 0) >= 3')" True
expect_eq "pending spawns: 3 deleted" "$(jget "$T/w.json" 'd["users"]["deleted"]')" 3
expect_eq "pending spawns: the proxy has no route" "$(routes slow)" 0
expect_eq "pending spawns: no user left" "$(hub_count_prefix slow)" 0
t_done
