#!/usr/bin/env bash
# load.sh -- load-engine benchmarks (figures, never pass/fail on time):
#  1. 1000 users, full lifecycle, against the REAL test hub, JupyterHub
#     3.0 and 5.2.1 side by side: wall time to plateau, teardown time,
#     client CPU and peak RSS, hub requests and hub CPU seconds per user
#     lifecycle (/proc/HUBPID/stat)
#  2. the fake hub answering at once: requests/s and client CPU per 1000
#     requests at --concurrency 1, 16, 64
#  3. peak RSS in activity mode at 10 000 users (fake hub)
# Knobs: BENCH_USERS (1000), BENCH_ACTIVITY_USERS (10000),
# BENCH_HUB_VERSIONS ("3 5").
. "$(dirname "$0")/lib.sh"
N=${BENCH_USERS:-1000}
NA=${BENCH_ACTIVITY_USERS:-10000}

# measured CMD...: runs CMD, writes "user sys maxrss_kib wall" to $B/ru
measured() {
	/usr/bin/python3 - "$@" <<'PY' > "$B/ru"
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
w = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_utime, r.ru_stime, r.ru_maxrss, w)
PY
}
hubcpu() { awk -v t="$TCK" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }

rows=()
row() { rows+=("$(printf '%-58s %s' "$1" "$2")"); }

# --- 1. real hub, 1000-user lifecycle on JupyterHub 3.0 and 5.2.1 (the
# tests' version matrix, tests/harness/hub/hub.sh), side by side
declare -A V
for ver in ${BENCH_HUB_VERSIONS:-3 5}; do
	d=$B/hub$ver
	HUBSPY_T_HUB_VERSION=$ver bench_hub "$d"
	c0=$(hubcpu "$HUB_PID")
	measured "$HUBSPY" stress --count "$N" --batch-size 100 --spawn-concurrency 64 --json "$B/real$ver.json"
	c1=$(hubcpu "$HUB_PID")
	read -r u s rss w < "$B/ru"
	j=$B/real$ver.json
	V[$ver,version]=$(jget "$j" 'd["hub"]["version"]')
	V[$ver,ready]=$(jget "$j" 'd["users"]["ready"]')
	V[$ver,ramp]=$(jget "$j" 'd["seconds"]["ramp"]')
	V[$ver,teardown]=$(jget "$j" 'd["seconds"]["teardown"]')
	V[$ver,spawn]=$(jget "$j" '"%s / %s" % (d["spawn_seconds"]["p50"], d["spawn_seconds"]["p99"])')
	V[$ver,ccpu]=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')
	V[$ver,rss]=$(awk -v r="$rss" 'BEGIN{printf "%.1f", r/1024}')
	V[$ver,req]=$(jget "$j" 'd["requests_per_lifecycle"]')
	V[$ver,hcpu]=$(awk -v a="$c0" -v b="$c1" -v n="$N" 'BEGIN{printf "%.4f", (b-a)/n}')
	bash "$HERE/harness/hub/hub.sh" stop "$d"
done
hrow() {	# hrow LABEL KEY: one figure per hub version
	local line ver
	line=$(printf '%-40s' "$1")
	for ver in ${BENCH_HUB_VERSIONS:-3 5}; do
		line+=$(printf ' %-18s' "${V[$ver,$2]:--}")
	done
	rows+=("$line")
}
hrow "real hub, $N-user lifecycle: version" version
hrow "  users ready of $N" ready
hrow "  wall time to plateau (s)" ramp
hrow "  teardown time (s)" teardown
hrow "  spawn p50 / p99 (s)" spawn
hrow "  client CPU (s)" ccpu
hrow "  client peak RSS (MiB)" rss
hrow "  hub requests per user lifecycle" req
hrow "  hub CPU seconds per user lifecycle" hcpu

# --- 2. fake hub answering at once
umask 077
echo benchtoken > "$B/token"
JUPYTERHUB_API_TOKEN=benchtoken
fh() {	# fh NAME: a fresh fake hub
	FH_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	/usr/bin/python3 "$HERE/harness/fakehub/fakehub.py" "$FH_PORT" "$B/$1.json" --token-file "$B/token" &
	FH_PID=$!
	cleanup+=("kill $FH_PID")
	export JUPYTERHUB_API_URL=http://127.0.0.1:$FH_PORT/hub/api
	for _ in $(seq 1 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$FH_PORT/fake/count" 2>/dev/null && return
		sleep 0.05
	done
}
for c in 1 16 64; do
	fh "c$c"
	measured "$HUBSPY" stress --count 2000 --batch-size 100 --spawn-concurrency 1000 --concurrency "$c" --json "$B/f$c.json"
	kill "$FH_PID"
	read -r u s rss w < "$B/ru"
	n=$(jget "$B/f$c.json" 'sum(c["count"] for c in d["requests"].values())')
	row "fake hub --concurrency $c: requests/s ($n requests)" "$(awk -v n="$n" -v w="$w" 'BEGIN{printf "%.0f", n/w}')"
	row "  client CPU ms per request" "$(awk -v n="$n" -v u="$u" -v s="$s" 'BEGIN{printf "%.4f", (u+s)*1000/n}')"
done

# --- 3. activity mode at many users
fh act
measured "$HUBSPY" activity --count "$NA" --batch-size 500 --duration 10 --interval 300 --json "$B/act.json"
kill "$FH_PID"
read -r u s rss w < "$B/ru"
row "activity mode, $NA users (fake hub): peak RSS (MiB)" "$(awk -v r="$rss" 'BEGIN{printf "%.1f", r/1024}')"
row "  users created / deleted" "$(jget "$B/act.json" '"%d / %d" % (d["users"]["created"], d["users"]["deleted"])')"

echo
printf '%-58s %s\n' "measurement" "value"
printf '%s\n' "${rows[@]}"
echo
echo "targets: <= 2.2 hub requests per lifecycle; client CPU < 0.1 ms per request; peak RSS < 16 MiB at 10 000 users"
