#!/usr/bin/env bash
# load.sh -- stress, activity, purge and status against the REAL JupyterHub
. "$(dirname "$0")/../lib.sh"

hub_start
export JUPYTERHUB_API_TOKEN
JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
TOKEN=$JUPYTERHUB_API_TOKEN
outs=()
keep_out() { cp "$out" "$T/out.$1"; cp "$err" "$T/err.$1"; outs+=("$T/out.$1" "$T/err.$1"); }
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# --- stress: full lifecycle, exact counts, nothing left
run_hubspy stress --count 12 --batch-size 5 --json "$T/s1.json" --log-file "$T/s1.log" -v
keep_out s1
outs+=("$T/s1.log" "$T/s1.json")
expect_rc "stress: exit 0" 0
expect_eq "stress: 12 created" "$(jget "$T/s1.json" 'd["users"]["created"]')" 12
expect_eq "stress: 12 ready" "$(jget "$T/s1.json" 'd["users"]["ready"]')" 12
expect_eq "stress: 12 deleted" "$(jget "$T/s1.json" 'd["users"]["deleted"]')" 12
expect_eq "stress: 3 create batches (12 by 5)" "$(jget "$T/s1.json" 'd["requests"]["create"]["count"]')" 3
expect_eq "stress: one start per user" "$(jget "$T/s1.json" 'd["requests"]["start"]["count"]')" 12
expect_eq "stress: spawn durations recorded" "$(jget "$T/s1.json" 'd["spawn_seconds"]["count"]')" 12
expect_eq "stress: <= 4 hub requests per lifecycle" "$(jget "$T/s1.json" 'd["requests_per_lifecycle"] <= 4')" True
expect_eq "stress: no user left on the hub" "$(hub_count_prefix hubspy)" 0
expect_grep "stress: table printed" "$out" '^start +12 '
expect_grep "stress: -v one line per request" "$err" '^hubspy: POST /users/\{name\}/server \(start\) 20[12] [0-9.]+ ms retries 0$'
expect_grep "stress: log file has request lines" "$T/s1.log" 'DELETE /users/\{name\} \(delete\) 204'

# --- continuation across two --keep runs: no collisions, exact counts
run_hubspy stress --prefix cont --count 7 --keep
keep_out c1
expect_rc "keep run 1: exit 0" 0
run_hubspy stress --prefix cont --count 5 --keep -b 2
keep_out c2
expect_rc "keep run 2: exit 0" 0
expect_grep "keep run 2 continues after the highest index" "$out" 'adding cont-8\.\.cont-12'
expect_eq "keep: exactly 12 users" "$(hub_count_prefix cont)" 12
names=$(hub_get "/users?name_filter=cont-&limit=200" | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted((u["name"] for u in json.load(sys.stdin)["items"]), key=lambda n: int(n.split("-")[1]))))')
expect_eq "keep: names cont-1..cont-12" "$names" "$(echo cont-{1..12})"

# --- status (read-only)
run_hubspy status --prefix cont
keep_out st
expect_rc "status: exit 0" 0
expect_grep "status: hub version" "$out" "^hub: $HUB_RELEASE_RE at "
expect_grep "status: users counted" "$out" '^users named cont-N: 12$'
expect_grep "status: servers ready" "$out" '^servers: 12 ready, 0 pending, 0 stopped$'

# --- dry runs change nothing
run_hubspy purge --prefix cont --dry-run
expect_rc "purge --dry-run: exit 0" 0
expect_grep "purge --dry-run: plan" "$out" 'about [0-9]+ hub requests'
expect_eq "purge --dry-run: users still there" "$(hub_count_prefix cont)" 12
run_hubspy stress --prefix cont --count 3 --dry-run
expect_rc "stress --dry-run: exit 0" 0
expect_eq "stress --dry-run: nothing created" "$(hub_count_prefix cont)" 12

# --- explicit names: purge exactly those
run_hubspy purge --prefix cont cont-11 cont-12
keep_out pn
expect_rc "purge NAMES: exit 0" 0
expect_eq "purge NAMES: two removed" "$(hub_count_prefix cont)" 10
run_hubspy purge --prefix cont
keep_out p1
expect_rc "purge with servers: exit 0" 0
expect_eq "purge with servers: none left" "$(hub_count_prefix cont)" 0

# --- activity, and purge past one page (230 users)
run_hubspy activity --prefix act --count 230 --batch-size 100 --duration 3 --interval 2 --keep --json "$T/a.json"
keep_out a1
expect_rc "activity: exit 0" 0
expect_eq "activity: activity posts sent" "$(jget "$T/a.json" 'd["requests"]["activity"]["count"] >= 230')" True
expect_eq "activity: all 2xx" "$(jget "$T/a.json" 'd["requests"]["activity"]["status"]["2xx"] == d["requests"]["activity"]["count"]')" True
expect_eq "activity: probe measured" "$(jget "$T/a.json" 'd["requests"]["probe"]["count"] >= 1')" True
expect_grep "activity: table has activity and probe" "$out" '^probe '
expect_eq "activity --keep: 230 users" "$(hub_count_prefix act)" 230
run_hubspy purge --prefix act
keep_out p2
expect_rc "purge 230: exit 0" 0
expect_grep "purge 230: all removed" "$out" '^removed 230 users$'
expect_eq "purge 230: none left" "$(hub_count_prefix act)" 0

# --- scope errors: admin:users only must fail fast naming servers
run_hubspy stress --prefix lim --count 3 --token-file "$HUB_LIMITED_TOKEN_FILE"
keep_out lim
expect_rc "limited token: exit 4" 4
one_line "limited token: one line" "$err"
expect_grep "limited token: names the scope" "$err" "lacks the 'servers' scope"
expect_eq "limited token: nothing created" "$(hub_count_prefix lim)" 0

# --- named servers: 20 users x 3, ready, counted, removed before the users
nsrv() {	# nsrv PREFIX: the named servers (stopped ones too) of PREFIX-N users
	hub_get "/users?include_stopped_servers=1&limit=200&name_filter=$1-" |
	    /usr/bin/python3 -c 'import json,sys; print(sum(len([k for k in u["servers"] if k]) for u in json.load(sys.stdin)["items"]))'
}
run_hubspy stress --prefix nm --count 20 --named-servers 3 --keep --json "$T/n1.json"
keep_out n1
expect_rc "named: stress --named-servers 3 exits 0" 0
expect_eq "named: 60 servers ready" "$(jget "$T/n1.json" 'd["users"]["ready"]')" 60
expect_eq "named: 60 spawn durations" "$(jget "$T/n1.json" 'd["spawn_seconds"]["count"]')" 60
expect_eq "named: one start per server" "$(jget "$T/n1.json" 'd["requests"]["start"]["count"]')" 60
expect_eq "named: 60 named servers on the hub" "$(nsrv nm)" 60
names=$(hub_get "/users/nm-1" | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["servers"])))')
expect_eq "named: srv-1..srv-3, no default server" "$names" "srv-1 srv-2 srv-3"
run_hubspy status --prefix nm
keep_out nst
expect_grep "named: status counts them" "$out" '^named servers: 60 ready, 0 pending, 0 stopped'
run_hubspy purge --prefix nm
keep_out npu
expect_rc "named: purge exits 0" 0
expect_eq "named: purge leaves no user" "$(hub_count_prefix nm)" 0
run_hubspy stress --prefix nt --count 4 --named-servers 2 --phase-streams 3 --json "$T/n2.json" -v
keep_out n2
expect_rc "named: stress with teardown exits 0" 0
expect_grep "named: the spawn-phase streams are the named servers'" "$err" \
    '^hubspy: GET /users/\{name\}/servers/\{server\}/progress \(phases\) 200 '
expect_eq "named: spawn phases of at least 3 servers, each ended ready" \
    "$(jget "$T/n2.json" '(d["spawn_phases"]["sampled"] >= 3, d["spawn_phases"]["sampled"] == d["requests"]["phases"]["count"], d["spawn_phases"]["failed"] + d["spawn_phases"]["unfinished"])')" "(True, True, 0)"
expect_eq "named: 8 removes, then 4 deletes" \
    "$(jget "$T/n2.json" '(d["requests"]["stop"]["count"], d["requests"]["delete"]["count"])')" "(8, 4)"
expect_grep "named: removal is per server" "$err" '^hubspy: DELETE /users/\{name\}/servers/\{server\} \(stop\) 204 '
expect_eq "named: nothing left" "$(hub_count_prefix nt) $(nsrv nt)" "0 0"

# --- bad inputs: one line, documented exit code, nothing created
closed=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo wrong-token > "$T/wrong"
chmod 0600 "$T/wrong"
n=0
while IFS='|' read -r name code args; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	run_hubspy stress --prefix bad $args
	keep_out "bad$n"
	expect_rc "bad input ($name): exit $code" "$code"
	one_line "bad input ($name): one line" "$err"
done <<EOT
bad URL|2|--url ftp://example --count 1
unreachable hub|3|--url http://127.0.0.1:$closed/hub/api --count 1
wrong token|4|--token-file $T/wrong --count 1
token on the command line|2|--token abc --count 1
zero count|2|--count 0
negative count|2|--count -5
huge count|2|--count 100000000
malformed server options|2|--server-options {nope --count 1
server options not an object|2|--server-options [1] --count 1
unwritable json|6|--json $T/nodir/x.json --count 1
unwritable log file|6|--log-file $T/nodir/x.log --count 1
bad prefix|2|--prefix Bad/Prefix --count 1
EOT
expect_eq "bad inputs: nothing created" "$(hub_count_prefix bad)" 0
expect_grep "token refusal explains why" "$T/err.bad4" 'refused, a token on the command line is visible'

# --- named servers the hub refuses: one clear last line, nothing left
# refused KNOB PREFIX N WHAT REGEX: a hub with KNOB refuses N named servers
refused() {
	hub_stop
	hub_start "$1"
	JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
	run_hubspy stress --prefix "$2" --count 2 --named-servers "$3"
	keep_out "$2"
	expect_rc "named: $4 exits 3" 3
	tail -n 1 "$err" >"$T/last"
	expect_grep "named: $4 is the last line, with the fix" "$T/last" "$5"
	expect_eq "named: nothing left after $4" "$(hub_count_prefix "$2")" 0
}
refused HUBSPY_T_NAMED_LIMIT=2 nl 3 "a limit below N" \
    "^hubspy: the hub's named_server_limit_per_user is below --named-servers 3 .*raise the limit"
refused HUBSPY_T_NAMED=0 nd 1 "a hub without named servers" \
    "^hubspy: the hub does not allow named servers .*allow_named_servers = True, z2jh hub.allowNamedServers"

# --- the token never appears anywhere
leak=0
for f in "${outs[@]}"; do
	grep -qF -- "$TOKEN" "$f" && { leak=1; echo "token in $f"; }
done
expect_eq "token never printed or logged" "$leak" 0

t_done
