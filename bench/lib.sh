# lib.sh -- sourced by the benchmarks that drive hubs: the checkout as the
# working directory, HUBSPY, HERE (tests/), a scratch directory $B removed
# at exit with every command queued in cleanup[] run first, TCK, jget
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
