# lib.sh -- sourced by the benchmarks that drive hubs: the checkout as the
# working directory, HUBSPY, HERE (tests/), a scratch directory $B removed
# at exit with every command queued in cleanup[] run first, TCK, jget, bench_hub
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1
: "${HUBSPY:=$PWD/hubspy}"
HERE=$PWD/tests
B=$(mktemp -d "${TMPDIR:-/tmp}/hubspy-bench.XXXXXX")
cleanup=()
trap 'for c in "${cleanup[@]}"; do eval "$c" >/dev/null 2>&1; done; rm -rf "$B"' EXIT
TCK=$(getconf CLK_TCK)
# jget FILE EXPR: EXPR of the JSON in FILE (as d)
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# bench_hub DIR [VAR=VALUE...]: the real test hub in DIR, stopped by the
# caller's cleanup list; HUB_API, HUB_PID, HUB_PUBLIC... and the admin
# token in JUPYTERHUB_API_TOKEN (read from its file, never in argv)
bench_hub() {
	local d=$1
	shift
	bash "$HERE/harness/hub/hub.sh" start "$d" "$@" || exit 1
	cleanup+=("bash '$HERE/harness/hub/hub.sh' stop '$d'")
	. "$d/env"
	export JUPYTERHUB_API_URL=$HUB_API
	JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
	export JUPYTERHUB_API_TOKEN
}
