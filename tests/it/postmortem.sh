#!/usr/bin/env bash
# postmortem.sh -- `hubspy postmortem` of a hub pod that restarted: the REAL
# kubectl against the in-test API server, which reports a previous container
# (its log), the pod's events and the last termination reason; a REAL
# JupyterHub for GET /hub/api/info; pip list in the "container" (this
# machine). What maintainers ask for must be in the bundle, redacted; a pod
# that never restarted, a token without read:hub and a skipped step say so
# in one line each, and the command still ends.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
hub_start
export JUPYTERHUB_API_URL=$HUB_API
JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
export JUPYTERHUB_API_TOKEN
mkdir -p "$T/remote"
. "$ROOT/tests/harness/k8s/lib.sh"
k8s_start
K=(--tmpdir "$T/remote" --pid "$HUB_PID" --dumps 0 --top 0 --tail 4)

# the container's log before the restart, with a secret in it
{
	for i in 1 2 3 4 5 6; do echo "[I 2026-11-27 00:00:0$i] old hub line $i"; done
	echo "[D 2026-11-27 00:00:07] Authorization: token $JUPYTERHUB_API_TOKEN"
	echo "[C 2026-11-27 00:00:08] the last words of the old hub"
} >"$T/old.log"
state previous="$T/old.log" last_reason=OOMKilled events=1

run_hubspy postmortem -o "$T/pm" "${K[@]}"
expect_rc "postmortem of a restarted pod exits 0" 0
expect_grep "the pod's restarts and last termination reason" "$out" \
    'container hub restarts 1 \(last: OOMKilled\)'
expect_eq "hub-previous.log: the last lines of the container before the restart" \
    "$(tail -n 1 "$T/pm/hub-previous.log")" "[C 2026-11-27 00:00:08] the last words of the old hub"
expect_eq "hub-previous.log: --tail lines" "$(wc -l <"$T/pm/hub-previous.log")" 4
expect_grep "previous log: said" "$out" '^  previous log: the last 4 lines before the restart \[hub-previous\.log\]$'
expect_grep "events.txt: the liveness failures" "$T/pm/events.txt" \
    '^Warning Unhealthy [0-9TZ:-]+ \(x3\): Liveness probe failed'
expect_grep "events.txt: the kill" "$T/pm/events.txt" '^Normal Killing .*will be restarted$'
expect_eq "events.txt: only the hub pod's" "$(wc -l <"$T/pm/events.txt")" 2
expect_grep "events: said" "$out" '^  events: 2 \[events\.txt\]$'
expect_grep "the API server was asked for the previous log" "$REQS" \
    '^GET /api/v1/namespaces/jhub/pods/hub-abc/log\?.*previous=true'
expect_grep "info.json: the hub's version" "$T/pm/info.json" '"version":[[:space:]]*"3\.0\.0"'
expect_grep "info.json: the spawner and authenticator" "$T/pm/info.json" '"spawner":'
expect_grep "info: said with the versions" "$out" '^  info: hub 3\.0\.0, python 3\.[0-9]+\.[0-9]+ \[info\.json\]$'
expect_grep "packages.txt: the hub's Python packages, pinned" "$T/pm/packages.txt" '^jupyterhub==3\.0\.0$'
expect_grep "packages: said with a count" "$out" '^  packages: [0-9]+ \[packages\.txt\]$'
if grep -rq "$JUPYTERHUB_API_TOKEN" "$T/pm"; then
	fail "the token is in no file of the bundle" "$(grep -rl "$JUPYTERHUB_API_TOKEN" "$T/pm")"
else
	pass "the token is in no file of the bundle"
fi
expect_grep "the old log's secret is redacted" "$T/pm/hub-previous.log" 'Authorization: <redacted>|token <redacted>'
expect_grep "the redaction is counted" "$out" '^  redacted: [1-9][0-9]* secrets? removed from the bundle$'

# --- a pod that never restarted, a token without read:hub, no packages ---
state
JUPYTERHUB_API_TOKEN=$(cat "$HUB_LIMITED_TOKEN_FILE") \
    run_hubspy postmortem -o "$T/pm2" "${K[@]}" --packages 0
expect_rc "postmortem of a pod that never restarted exits 0" 0
expect_grep "no previous container: one line, said why" "$out" \
    '^  previous log: no previous container: the hub container has not restarted$'
check "no previous container: no hub-previous.log" test ! -e "$T/pm2/hub-previous.log"
expect_grep "no events: zero" "$out" '^  events: 0 \[events\.txt\]$'
expect_grep "a token without read:hub: GET /info refused, said" "$out" \
    '^  info: the hub refused .GET /info. \(403 .*read:hub'
expect_nogrep "--packages 0: skipped" "$out" 'packages:'
check "the hub log is still there" test -s "$T/pm2/hub.log"

# --- events forbidden by RBAC: reported, the rest goes on ---
state forbid=events
run_hubspy postmortem -o "$T/pm3" "${K[@]}" --packages 0
expect_rc "events forbidden: still exit 0" 0
expect_grep "events forbidden: kubectl's answer and the class" "$out" \
    '^  events: .*forbidden.*not_authorised'
check "events forbidden: the info step still ran" test -s "$T/pm3/info.json"

t_done
