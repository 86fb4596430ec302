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
# Steps 1 and 2 run BENCH_LIFECYCLE_ROUNDS times (3) on the same hub, the
# order alternating (IBM first in odd rounds, hubspy first in even ones):
# identical runs spread by up to 40 % in hub CPU on a 2-core machine (and
# the first run after a pause tends to cost the hub more), so one run of
# each proves nothing. The table gives medians, the ratio of the medians
# and the range of the ratios paired round by round; the per-run lines
# show the spread.
# Knobs: BENCH_LIFECYCLE_USERS (300), BENCH_LIFECYCLE_ROUNDS (3),
# BENCH_HUB_VERSIONS ("3 5"), IBM_SCRIPT,
# BENCH_HUB_ENV=FILE: a hub already running on this machine instead, FILE
# in the form of hub.sh's DIR/env (HUB_API, HUB_TOKEN_FILE, HUB_LOG: the
# hub's log, where requests are counted).
. "$(dirname "$0")/lib.sh"
N=${BENCH_LIFECYCLE_USERS:-300}
ROUNDS=${BENCH_LIFECYCLE_ROUNDS:-3}
case $ROUNDS in
'' | *[!0-9]* | 0) echo "BENCH_LIFECYCLE_ROUNDS=$ROUNDS: not a count; give 1 or more" >&2; exit 2 ;;
esac
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
# med V...: the median of the values (the mean of the middle two for an
# even count)
med() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {printf "%g", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# span A B: "min-max" of the ratios B[i] / A[i] (two space-separated lists)
span() { awk -v a="$1" -v b="$2" 'BEGIN {n = split(a, x, " "); split(b, y, " ");
	for (i = 1; i <= n; i++) { r = y[i] / x[i]; if (i == 1 || r < lo) lo = r; if (i == 1 || r > hi) hi = r }
	printf "%.3f-%.3f", lo, hi}'; }
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
	printf '  %-34s wall %6.1f s  client CPU %6.3f s  hub CPU %6.2f s  hub requests %5d  left %s\n' \
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

	# run_ibm / run_hubspy: one measured run each, its figures appended to
	# the I_* / H_* lists (client CPU per hub request in ms, hub CPU per
	# user in ms)
	I_wall=() I_cpu=() I_pr=() I_hub=() I_req=() I_left=0
	H_wall=() H_cpu=() H_pr=() H_hub=() H_req=() H_left=0
	run_ibm() {
		# IBM's script reads its token from the environment (its design)
		JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
		export JUPYTERHUB_API_TOKEN
		one "IBM hub-stress-test.py ($1)" hub-stress-test "$B/ibm$v.out" \
		    /usr/bin/python3 "$B/ibm-shim.py" "$IBM_SCRIPT" \
		    --endpoint "$HUB_API" stress-test --count "$N"
		unset JUPYTERHUB_API_TOKEN
		I_wall+=("$R_wall") I_cpu+=("$R_cpu") I_req+=("$R_req")
		I_pr+=("$(calc %.4f "$R_cpu * 1000 / $R_req")")
		I_hub+=("$(calc %.2f "$R_hubcpu * 1000 / $N")")
		[ "$R_left" -le "$I_left" ] || I_left=$R_left
	}
	run_hubspy() {
		one "hubspy stress ($1)" hubspy "$B/hs$v.out" "$HUBSPY" stress \
		    --count "$N" --token-file "$HUB_TOKEN_FILE" --json "$B/hs$v.json"
		H_wall+=("$R_wall") H_cpu+=("$R_cpu") H_req+=("$R_req")
		H_pr+=("$(calc %.4f "$R_cpu * 1000 / $R_req")")
		H_hub+=("$(calc %.2f "$R_hubcpu * 1000 / $N")")
		[ "$R_left" -le "$H_left" ] || H_left=$R_left
	}
	for ((r = 1; r <= ROUNDS; r++)); do
		if [ -z "${IBM_SCRIPT:-}" ]; then
			run_hubspy "run $r"
		elif [ $((r % 2)) = 1 ]; then
			run_ibm "round $r" && run_hubspy "round $r"
		else
			run_hubspy "round $r" && run_ibm "round $r"
		fi
	done
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
	# the medians; the hub's figures for the proxy run and the poll count
	# are single runs
	mw=$(med "${H_wall[@]}") mc=$(med "${H_cpu[@]}") mp=$(med "${H_pr[@]}")
	mh=$(med "${H_hub[@]}") mq=$(med "${H_req[@]}")
	if [ -n "${IBM_SCRIPT:-}" ]; then
		iw=$(med "${I_wall[@]}") ic=$(med "${I_cpu[@]}") ip=$(med "${I_pr[@]}")
		ih=$(med "${I_hub[@]}") iq=$(med "${I_req[@]}")
		printf '%-36s %10s %10s %8s %11s  %s\n' "figure ($ver, $N users, $ROUNDS rounds)" \
		    "IBM" "hubspy" "ratio" "per round" "goal"
		r() { printf '%-36s %10s %10s %8s %11s  %s\n' "$1" "$2" "$3" \
		    "$(calc '%.3fx' "$3 / $2")" "$4" "$5"; }
		r "wall (s)" "$iw" "$mw" "$(span "${I_wall[*]}" "${H_wall[*]}")" "<= 0.8x"
		r "client CPU (s)" "$ic" "$mc" "$(span "${I_cpu[*]}" "${H_cpu[*]}")" "<= 0.05x"
		r "client CPU per hub request (ms)" "$ip" "$mp" "$(span "${I_pr[*]}" "${H_pr[*]}")" "hubspy <= 0.1"
		r "hub CPU per user (ms)" "$ih" "$mh" "$(span "${I_hub[*]}" "${H_hub[*]}")" "< 0.8x"
		r "hub requests per user" "$(calc %.2f "$iq / $N")" "$(calc %.2f "$mq / $N")" "" "hubspy <= 2.2"
		printf '%-36s %10s %10s %8s %11s  %s\n' "poll() per hub request" "" "$polls" "" "" "hubspy <= 3"
		printf '%-36s %10s %10s %8s %11s  %s\n' "users left (most in a run)" "$I_left" "$H_left" "" "" "0"
	else
		printf '%-36s %12s  %s\n' "figure ($ver, $N users, $ROUNDS runs; no IBM_SCRIPT)" "hubspy" "goal"
		r() { printf '%-36s %12s  %s\n' "$1" "$2" "$3"; }
		r "wall (s)" "$mw" ""
		r "client CPU (s)" "$mc" ""
		r "client CPU per hub request (ms)" "$mp" "<= 0.1"
		r "hub CPU per user (ms)" "$mh" ""
		r "hub requests per user" "$(calc %.2f "$mq / $N")" "<= 2.2"
		r "poll() per hub request" "$polls" "<= 3"
		r "users left (most in a run)" "$H_left" "0"
	fi
	printf '%-36s %12s  %s\n' "through the proxy: wall (s)" "$P_wall" "$(calc '%.2fx direct' "$P_wall / $mw")"
	printf '%-36s %12s  %s\n' "  client CPU (s)" "$P_cpu" "$(calc '%.2fx direct' "$P_cpu / $mc")"
	printf '%-36s %12s  %s\n' "  hub CPU per user (ms)" "$(calc %.1f "$P_hub * 1000 / $N")" "$(calc '%.2fx direct (median)' "$P_hub * 1000 / $N / $mh")"
	printf '%-36s %12s\n' "  hub requests per user" "$(calc %.2f "$P_req / $N")"
done
