#!/usr/bin/env bash
# demo.sh -- `make demo`: the README's quick start against a real local hub.
#
# Starts Debian's JupyterHub exactly as the tests do
# (tests/harness/hub/hub.sh, on
# random loopback ports, in a temporary directory), hands hubspy the API URL
# and the token through the environment (never on a command line), runs
# `hubspy run profiles/quickstart.json` with the local transport against the
# hub's own PID, then prints the tarball's path and its summary.md. The hub
# is stopped on exit, whatever happens. When py-spy is missing, hubspy
# itself says how to install it.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.."
HUBSPY=${HUBSPY:-$PWD/hubspy}
work=$(mktemp -d "${TMPDIR:-/tmp}/hubspy-demo.XXXXXX")
cleanup() {
	bash tests/harness/hub/hub.sh stop "$work/hub" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting a local JupyterHub (tests/harness/hub/hub.sh)"
bash tests/harness/hub/hub.sh start "$work/hub" || exit 1
# shellcheck disable=SC1091
. "$work/hub/env"
export JUPYTERHUB_API_URL=$HUB_API
JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
export JUPYTERHUB_API_TOKEN
pid=$(cat "$work/hub/hub.pid" 2>/dev/null || echo 0)
echo "   hub API $HUB_API, hub PID $pid"

echo "== hubspy run profiles/quickstart.json"
mkdir -p demo-out
touch "$work/start"
"$HUBSPY" run profiles/quickstart.json --set target.transport=local \
    --set "target.pid=$pid" --set output=demo-out --hub-log "$HUB_LOG"
rc=$?
tarball=$(find demo-out -maxdepth 1 -name 'hubspy-*-quickstart*.tar.gz' \
    -newer "$work/start" | sort | tail -n 1)
if [ -z "$tarball" ]; then
	echo "demo: no archive was written (hubspy exit code $rc)" >&2
	exit $((rc ? rc : 1))
fi
echo "== archive: $tarball"
top=$(basename "$tarball" .tar.gz)
echo "== $top/summary.md"
tar -xzOf "$tarball" "$top/summary.md"
exit $rc
