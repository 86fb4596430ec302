#!/usr/bin/env bash
# mkreadme-run.sh -- the README's pictures from a real run: starts the real
# test JupyterHub with the sampler hook, puts the py-spy stand-in (which
# samples that hub's real stacks) on PATH, runs `hubspy run` with the local
# transport through plateaus of 20, 100 and 300 users, then makes images/
# from the run with tests/mkimages.sh. Slow (a few minutes); not a test.
set -eu
export LC_ALL=C
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/hubspy-readme.XXXXXX")
trap 'bash tests/harness/hub/hub.sh stop "$work/hub" >/dev/null 2>&1; rm -rf "$work"' EXIT
bash tests/harness/hub/hub.sh start "$work/hub" HUBSPY_T_EXTRA="$PWD/tests/harness/pyspy/sampler_hook.py"
. "$work/hub/env"
export JUPYTERHUB_API_URL=$HUB_API
JUPYTERHUB_API_TOKEN=$(cat "$HUB_TOKEN_FILE")
export JUPYTERHUB_API_TOKEN
PATH=$PWD/tests/harness/pyspy:$PATH ./hubspy run profiles/quickstart.json -o "$work/out" \
    --set 'plateaus.users=[20,100,300]' --set plateaus.hold=5 \
    --set captures.record.duration=8 --set captures.top.seconds=3 \
    --set target.transport=local --set "target.pid=$HUB_PID" \
    --set activity.interval=10 --hub-log "$HUB_LOG"
tarball=$(ls "$work"/out/*.tar.gz)
mkdir -p "$work/x"
tar -xzf "$tarball" -C "$work/x"
bash tests/mkimages.sh "$work"/x/hubspy-*
