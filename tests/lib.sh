# lib.sh -- helpers for integration tests (sourced by tests/it/*.sh)
#
# Each script is a list of checks; every check prints "ok NAME" or
# "not ok NAME" plus the reason, or "skip NAME (REASON)" when it cannot run
# here, and the script ends with t_done, which prints "N passed, N failed,
# N skipped". Scripts run with LC_ALL=C in their own mktemp -d ($T),
# removed on exit together with anything they started.
set -u
export LC_ALL=C
: "${HUBSPY:?HUBSPY must name the binary under test}"
T=$(mktemp -d "${TMPDIR:-/tmp}/hubspy-it.XXXXXX")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_passed=0 _failed=0 _skipped=0
_cleanups=()

t_cleanup() { _cleanups+=("$*"); }
_t_exit() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$T"
}
trap _t_exit EXIT

# a suite of tests/run.sh's matrix runs against the JupyterHub version in
# HUBSPY_T_HUB_VERSION (3 or 5; tests/harness/hub/hub.sh); its failures
# say which
_hubtag=${HUBSPY_T_HUB_VERSION:+ [hub $HUBSPY_T_HUB_VERSION]}
pass() { _passed=$((_passed + 1)); echo "ok $1"; }
fail() {
	_failed=$((_failed + 1))
	echo "not ok $1$_hubtag"
	shift
	[ $# -gt 0 ] && printf '  %s\n' "$@"
	return 0
}
# skip NAME REASON: the check cannot run here (a tool, a device or a
# privilege is missing). Under CI (CI=true) a skip is a failure unless
# REASON matches a pattern (grep -E) in tests/skips-allowed.txt.
skip() {
	if [ "${CI:-}" = true ] && ! skip_allowed "$2"; then
		fail "$1" "skipped under CI: $2 (not allowed by tests/skips-allowed.txt)"
		return 0
	fi
	_skipped=$((_skipped + 1))
	echo "skip $1 ($2)"
}
# skip_allowed REASON: a pattern line of tests/skips-allowed.txt matches
skip_allowed() {
	local pat
	[ -f "$HERE/skips-allowed.txt" ] || return 1
	while IFS= read -r pat; do
		case $pat in '' | '#'*) continue ;; esac
		printf '%s\n' "$1" | grep -Eq -- "$pat" && return 0
	done <"$HERE/skips-allowed.txt"
	return 1
}
# check NAME COMMAND...: passes when the command succeeds
check() {
	local name=$1
	shift
	if "$@" >"$T/.out" 2>&1; then pass "$name"; else fail "$name" "command failed: $*" "$(tail -n 5 "$T/.out")"; fi
}
# run_hubspy ARGS...: runs hubspy, sets $rc, $out (stdout file), $err (stderr file)
run_hubspy() {
	out=$T/.stdout err=$T/.stderr
	"$HUBSPY" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
}
# expect_rc NAME CODE: checks $rc from the last run_hubspy
expect_rc() {
	if [ "$rc" -eq "$2" ]; then pass "$1"; else fail "$1" "exit code $rc, want $2" "stderr: $(head -c 600 "$err")"; fi
}
# expect_grep NAME FILE REGEX
expect_grep() {
	if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1" "no match for /$3/ in $2:" "$(head -c 600 "$2")"; fi
}
expect_nogrep() {
	if ! grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1" "unexpected match for /$3/ in $2:" "$(grep -E -- "$3" "$2" | head -n 3)"; fi
}
# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
# one_line NAME FILE: the file holds exactly one line (one clear error line)
one_line() {
	local n
	n=$(wc -l <"$2")
	if [ "$n" -eq 1 ]; then pass "$1"; else fail "$1" "$n lines in $2, want 1:" "$(head -c 600 "$2")"; fi
}

# hub_start [VAR=VALUE...]: a real JupyterHub (the version of
# HUBSPY_T_HUB_VERSION, default 3); sets HUB_API, HUB_VERSION,
# HUB_TOKEN_FILE... Without JupyterHub 5's root filesystem the suite is
# one clear skip (a failure under CI: .ci/deps builds it). The ports are
# free when chosen but another suite's hub may take one before this hub
# binds it: a start that fails is retried (twice) on fresh ports.
hub_start() {
	local d hrc try
	for try in 1 2 3; do
		d=$T/hub.$RANDOM
		bash "$HERE/harness/hub/hub.sh" start "$d" "$@" 2>"$T/.hub-start.err"
		hrc=$?
		[ "$hrc" -eq 0 ] || [ "$hrc" -eq 3 ] && break
		bash "$HERE/harness/hub/hub.sh" stop "$d" >/dev/null 2>&1
		echo "# hub start $try failed, retrying on fresh ports: $(tail -n 1 "$T/.hub-start.err")"
	done
	if [ "$hrc" -eq 3 ]; then
		skip "hub ${HUBSPY_T_HUB_VERSION:-3}" "no JupyterHub 5 root filesystem (.ci/deps builds it)"
		t_done
		exit $?
	fi
	if [ "$hrc" -ne 0 ]; then
		fail "hub starts" "$(cat "$T/.hub-start.err")"
		t_done
		exit 1
	fi
	t_cleanup "bash '$HERE/harness/hub/hub.sh' stop '$d'"
	# shellcheck disable=SC1091
	. "$d/env"
	HUB_DIR=$d
	export JUPYTERHUB_API_URL=$HUB_API
}
hub_stop() { bash "$HERE/harness/hub/hub.sh" stop "$HUB_DIR"; }
# chrome ARGS...: headless Chromium, offline, a fresh profile under $T,
# its log on stderr
chrome() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/chr.XXXXXX")" \
	    --enable-logging=stderr --v=0 "$@"
}
# run_hub_start: the setting of the `hubspy run` suites (run, run-signals,
# gate): a real hub with tests/it/run-hook.py (real stacks for the py-spy
# stand-in; start() and stop() delays read from $T/delays, "0 0" here;
# more VAR=VALUE for hub.sh as arguments),
# the in-test cluster (tests/harness/k8s/lib.sh: k8s_start), the token in
# JUPYTERHUB_API_TOKEN and $T/remote for py-spy's files in the "pod"
run_hub_start() {
	echo "0 0" >"$T/delays"
	hub_start HUBSPY_T_EXTRA="$HERE/it/run-hook.py" \
	    HUBSPY_T_SAMPLER="$HERE/harness/pyspy/sampler_hook.py" \
	    HUBSPY_T_DELAYS="$T/delays" "$@"
	# shellcheck disable=SC1091
	. "$HERE/harness/k8s/lib.sh"
	k8s_start
	JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
	export JUPYTERHUB_API_TOKEN
	mkdir -p "$T/remote"
}
# hub_get PATH: GET with the admin token (token sent in a header read from
# a file, never on a command line)
hub_get() {
	curl -sS -H @<(printf 'Authorization: token %s\n' "$(cat "$HUB_TOKEN_FILE")") \
	    -H 'Accept: application/jupyterhub-pagination+json' "$HUB_API$1"
}
# hub_count_prefix PREFIX: users on the hub whose name starts with PREFIX-
hub_count_prefix() {
	local off=0 total=0 page n
	while :; do
		page=$(hub_get "/users?limit=200&offset=$off&name_filter=$1-") || return 1
		n=$(printf '%s' "$page" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(1 for u in d['items'] if u['name'].startswith('$1-')), d['_pagination']['next'] is not None)")
		total=$((total + ${n% *}))
		[ "${n#* }" = True ] || break
		off=$((off + 200))
	done
	echo "$total"
}

# wait_seen FILE REGEX [SECONDS]: waits (at most SECONDS, 60 by default)
# until a line of FILE matches
wait_seen() {
	local _
	for _ in $(seq 1 $((${3:-60} * 10))); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# extract_run TARBALL: into a new folder of $T; X is its top folder
extract_run() {
	local d=$T/x.$RANDOM
	mkdir -p "$d" && tar -xzf "$1" -C "$d" && X=$(echo "$d"/*)
}
# mf EXPR: a Python expression over m, the manifest of $X
mf() {
	/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
	    "$X/manifest.json" "$1"
}
t_done() {
	echo "$_passed passed, $_failed failed, $_skipped skipped"
	[ "$_failed" -eq 0 ]
}
