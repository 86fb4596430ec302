#!/usr/bin/env bash
# mkimages.sh -- README images from a run: PNG screenshots (headless
# Chromium) of report.html, the largest plateau's flamegraph and the
# first-to-last differential flamegraph, into images/ (each kept small).
#   tests/mkimages.sh RUNDIR [OUTDIR]     (default OUTDIR: images/)
# RUNDIR is a run directory (or an extracted archive); it is copied, so it
# is not modified. Uses ./hubspy (or $HUBSPY).
set -eu
export LC_ALL=C
here=$(cd "$(dirname "$0")/.." && pwd)
run=${1:?usage: tests/mkimages.sh RUNDIR [OUTDIR]}
out=${2:-$here/images}
: "${HUBSPY:=$here/hubspy}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hubspy-img.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp -r "$run" "$tmp/run"
"$HUBSPY" report --write "$tmp/run" >/dev/null
mkdir -p "$out"
shot() {	# URL PNG WIDTH HEIGHT
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
	    --user-data-dir="$(mktemp -d "$tmp/chr.XXXXXX")" --window-size="$3,$4" \
	    --screenshot="$2" "$1" >/dev/null 2>&1
	echo "mkimages: $2 ($(($(stat -c %s "$2") / 1024)) KiB)"
}
shot "file://$tmp/run/report.html" "$out/report.png" 1280 1300
last=$(ls -d "$tmp"/run/plateaus/*/ | sort | tail -n 1)
svg=$last/record.svg
h=$(sed -n 's/.*<svg version="1.1" width="1200" height="\([0-9]*\)".*/\1/p' "$svg" | head -n 1)
shot "file://$svg" "$out/flamegraph.png" 1200 "${h:-600}"
first=$(basename "$(ls -d "$tmp"/run/plateaus/*/ | sort | head -n 1)")
d=$tmp/run/diffs/$first-$(basename "$last").svg
if [ -f "$d" ]; then
	h=$(sed -n 's/.*<svg version="1.1" width="1200" height="\([0-9]*\)".*/\1/p' "$d" | head -n 1)
	shot "file://$d" "$out/diff.png" 1200 "${h:-600}"
fi
for f in "$out"/*.png; do
	[ "$(stat -c %s "$f")" -le 307200 ] || echo "mkimages: warning: $f is over 300 KiB" >&2
done
