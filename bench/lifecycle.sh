#!/usr/bin/env bash
# lifecycle.sh -- full user lifecycles on the REAL test hub, side by side
# with IBM's hub-stress-test.py when a copy of it is given (figures, never
# pass/fail on time). Per hub version (3 and 5; a version tests/harness/hub
# cannot start is said and skipped), spawn limit 64:
#   1. IBM_SCRIPT=path (never committed): `hub-stress-test.py stress-test
#      --count N` at its defaults (batch 10), run under a shim that maps its
#      urllib3 1.x `method_whitelist` to `allowed_methods` (urllib3 2.x)
#   2. `hubspy stress --count N` at its defaults, straight to the hub
#   3. the same again under `strace -c -f` for poll() calls per request
#   4. the same through the hub's public proxy (CHP answers every request
#      with `connection: close`: a new TCP connection each)
# Figures: wall time, client CPU (user + sys of the process tree), client
# CPU per hub request, hub CPU (the jupyterhub process, /proc/PID/stat) per
# user, hub requests per user lifecycle (counted in the hub's own log, the
# same way for both tools), poll() per hub request, users left afterwards.
# Knobs: BENCH_LIFECYCLE_USERS (300), BENCH_HUB_VERSIONS ("3 5"), IBM_SCRIPT,
# BENCH_HUB_ENV=FILE: a hub already running on this machine instead, FILE
# in the form of hub.sh's DIR/env (HUB_API, HUB_TOKEN_FILE, HUB_LOG: the
# hub's log, where requests are counted).
. "$(dirname "$0")/lib.sh"
N=${BENCH_LIFECYCLE_USERS:-300}
if [ -n "${IBM_SCRIPT:-}" ] && [ ! -r "$IBM_SCRIPT" ]; then
	echo "IBM_SCRIPT=$IBM_SCRIPT: not a readable file; give the path of a copy of IBM's hub-stress-test.py" >&2
	exit 2
fi

# measured OUT CMD...: runs CMD (output to OUT), writes "user sys wall" of
# it and its children to $B/ru
measured() {
	/usr/bin/python3 - "$@" <<'PY' > "$B/ru"
import resource, subprocess, sys, time
out = open(sys.argv[1], "w")
t = time.monotonic()
subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.STDOUT)
w = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_utime, r.ru_stime, w)
PY
}
# the shim that lets IBM's script run on urllib3 2.x, unchanged otherwise
cat > "$B/ibm-shim.py" <<'PY'
import runpy, sys
from urllib3.util import retry
_init = retry.Retry.__init__
def _compat(self, *a, method_whitelist=None, **kw):
    if method_whitelist is not None:
        kw.setdefault("allowed_methods", method_whitelist)
    _init(self, *a, **kw)
retry.Retry.__init__ = _compat
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
PY
calc() { awk "BEGIN{printf \"$1\", $2}"; }
# hubpid PORT: the process listening on the hub's port (the jupyterhub
# process itself, also when it runs under chroot)
hubpid() { ss -ltnpH "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1; }
hubcpu() { awk -v t="$TCK" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
# apireqs FROM: API requests the hub logged after line FROM of its log
apireqs() { tail -n "+$(($1 + 1))" "$HUB_LOG" | grep -cE '\] [0-9]{3} (GET|POST|PUT|PATCH|DELETE) /hub/api/'; }
# left PREFIX: users named PREFIX-N still on the hub
left() {
	curl -sS -H @<(printf 'Authorization: token %s\n' "$(cat "$HUB_TOKEN_FILE")") \
	    -H 'Accept: application/jupyterhub-pagination+json' \
	    "$HUB_API/users?limit=200&name_filter=$1-" |
	    /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["_pagination"]["total"])'
}

# one NAME PREFIX OUT CMD...: a measured run; sets R_{wall,cpu,hubcpu,req,left}
one() {
	local name=$1 prefix=$2 out=$3 c0 c1 l0 u s
	shift 3
	l0=$(wc -l < "$HUB_LOG")
	c0=$(hubcpu "$HPID")
	measured "$out" "$@"
	c1=$(hubcpu "$HPID")
	read -r u s R_wall < "$B/ru"
	R_wall=$(calc %.1f "$R_wall")
	sleep 1		# the hub logs a request after answering it
	R_cpu=$(calc %.3f "$u + $s")
	R_hubcpu=$(calc %.2f "$c1 - $c0")
	R_req=$(apireqs "$l0")
	R_left=$(left "$prefix")
	printf '  %-28s wall %6.1f s  client CPU %6.3f s  hub CPU %6.2f s  hub requests %5d  left %s\n' \
	    "$name" "$R_wall" "$R_cpu" "$R_hubcpu" "$R_req" "$R_left"
}

echo "full lifecycle of $N users (create, start, wait ready, stop, delete), spawn limit 64"
# stophub DIR: stops a hub this script started
stophub() { [ -n "${BENCH_HUB_ENV:-}" ] || bash "$HERE/harness/hub/hub.sh" stop "$1"; }
versions=${BENCH_HUB_VERSIONS:-3 5}
[ -z "${BENCH_HUB_ENV:-}" ] || versions=given
for v in $versions; do
	d=$B/hub$v
	if [ "$v" = given ]; then
		# shellcheck disable=SC1090
		. "$BENCH_HUB_ENV"
		HUB_VERSION=$v
	elif ! HUBSPY_T_HUB_VERSION=$v bash "$HERE/harness/hub/hub.sh" start "$d" \
	    HUBSPY_T_SPAWN_LIMIT=64 >"$B/hub$v.start" 2>&1; then
		echo "JupyterHub $v: cannot start ($(tail -n 1 "$B/hub$v.start")); skipped"
		continue
	else
		cleanup+=("bash '$HERE/harness/hub/hub.sh' stop '$d'")
		# shellcheck disable=SC1091
		. "$d/env"
	fi
	if [ "${HUB_VERSION:-3}" != "$v" ]; then
		echo "JupyterHub $v: tests/harness/hub/hub.sh starts only ${HUB_VERSION:-3}; skipped"
		stophub "$d"
		continue
	fi
	port=${HUB_API#http://127.0.0.1:}
	port=${port%%/*}
	HPID=$(hubpid "$port")
	proxy=$(grep -o 'JupyterHub is now running at http://[0-9.:]*' "$HUB_LOG" | tail -n 1 | sed 's/.*http:/http:/')
	ver=$(curl -sS "$HUB_API/" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
	echo
	echo "JupyterHub $ver (pid $HPID), API $HUB_API"
	export JUPYTERHUB_API_URL=$HUB_API

	if [ -n "${IBM_SCRIPT:-}" ]; then
		# IBM's script reads its token from the environment (its design)
		JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
		export JUPYTERHUB_API_TOKEN
		one "IBM hub-stress-test.py" hub-stress-test "$B/ibm$v.out" \
		    /usr/bin/python3 "$B/ibm-shim.py" "$IBM_SCRIPT" \
		    --endpoint "$HUB_API" stress-test --count "$N"
		unset JUPYTERHUB_API_TOKEN
		I_wall=$R_wall I_cpu=$R_cpu I_hub=$R_hubcpu I_req=$R_req I_left=$R_left
	fi
	one "hubspy stress" hubspy "$B/hs$v.out" "$HUBSPY" stress --count "$N" \
	    --token-file "$HUB_TOKEN_FILE" --json "$B/hs$v.json"
	H_wall=$R_wall H_cpu=$R_cpu H_hub=$R_hubcpu H_req=$R_req H_left=$R_left
	polls=n/a
	if command -v strace >/dev/null; then
		strace -c -f -o "$B/strace$v" -e trace=poll,ppoll,select,pselect6,epoll_wait,epoll_pwait \
		    "$HUBSPY" stress --count "$N" --token-file "$HUB_TOKEN_FILE" \
		    --json "$B/st$v.json" >/dev/null 2>&1
		sent=$(jget "$B/st$v.json" 'sum(c["count"] for c in d["requests"].values())')
		polls=$(awk -v n="$sent" '$NF == "total" {printf "%.2f", $(NF-1) / n}' "$B/strace$v")
	fi
	one "hubspy stress via the proxy" hubspy "$B/px$v.out" "$HUBSPY" stress \
	    --count "$N" --url "$proxy/hub/api" --token-file "$HUB_TOKEN_FILE"
	P_wall=$R_wall P_cpu=$R_cpu P_hub=$R_hubcpu P_req=$R_req
	stophub "$d"

	echo
	if [ -n "${IBM_SCRIPT:-}" ]; then
		printf '%-36s %12s %12s %8s  %s\n' "figure ($ver, $N users)" "IBM" "hubspy" "ratio" "goal"
		r() { printf '%-36s %12s %12s %8s  %s\n' "$1" "$2" "$3" "$(calc '%.3fx' "$3 / $2")" "$4"; }
		r "wall (s)" "$I_wall" "$H_wall" "<= 0.8x"
		r "client CPU (s)" "$I_cpu" "$H_cpu" "<= 0.05x"
		r "client CPU per hub request (ms)" "$(calc %.3f "$I_cpu * 1000 / $I_req")" "$(calc %.3f "$H_cpu * 1000 / $H_req")" "hubspy <= 0.1"
		r "hub CPU per user (ms)" "$(calc %.1f "$I_hub * 1000 / $N")" "$(calc %.1f "$H_hub * 1000 / $N")" "< 0.8x"
		r "hub requests per user" "$(calc %.2f "$I_req / $N")" "$(calc %.2f "$H_req / $N")" "hubspy <= 2.2"
		printf '%-36s %12s %12s %8s  %s\n' "poll() per hub request" "" "$polls" "" "hubspy <= 3"
		printf '%-36s %12s %12s %8s  %s\n' "users left" "$I_left" "$H_left" "" "0"
	else
		printf '%-36s %12s  %s\n' "figure ($ver, $N users; no IBM_SCRIPT)" "hubspy" "goal"
		r() { printf '%-36s %12s  %s\n' "$1" "$2" "$3"; }
		r "wall (s)" "$H_wall" ""
		r "client CPU (s)" "$H_cpu" ""
		r "client CPU per hub request (ms)" "$(calc %.3f "$H_cpu * 1000 / $H_req")" "<= 0.1"
		r "hub CPU per user (ms)" "$(calc %.1f "$H_hub * 1000 / $N")" ""
		r "hub requests per user" "$(calc %.2f "$H_req / $N")" "<= 2.2"
		r "poll() per hub request" "$polls" "<= 3"
		r "users left" "$H_left" "0"
	fi
	printf '%-36s %12s  %s\n' "through the proxy: wall (s)" "$P_wall" "$(calc '%.2fx direct' "$P_wall / $H_wall")"
	printf '%-36s %12s  %s\n' "  client CPU (s)" "$P_cpu" "$(calc '%.2fx direct' "$P_cpu / $H_cpu")"
	printf '%-36s %12s  %s\n' "  hub CPU per user (ms)" "$(calc %.1f "$P_hub * 1000 / $N")" "$(calc '%.2fx direct' "$P_hub / $H_hub")"
	printf '%-36s %12s\n' "  hub requests per user" "$(calc %.2f "$P_req / $N")"
done
