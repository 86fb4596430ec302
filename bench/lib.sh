# lib.sh -- helpers the benchmarks share (sourced, not a benchmark)
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
