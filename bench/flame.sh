#!/usr/bin/env bash
# flame.sh -- flamegraph benchmark: a 1 000 000-line raw capture, 30-80
# frames deep, rendered by `hubspy stacks --svg`: wall time, peak RSS and
# SVG size (targets: under 2 s and 200 MiB), then the SVG opened and
# searched in headless Chromium. Figures only, never pass/fail on time.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1
: "${HUBSPY:=$PWD/hubspy}" "${BUILD:=$PWD/build/plain}"
lines=${BENCH_LINES:-1000000}
shape=${BENCH_SHAPE:-tree}	# or random: the worst case (see bench/mkstacks.py)
dir=$BUILD/bench
raw=$dir/stacks-$shape-$lines.raw
mkdir -p "$dir"
if [ ! -s "$raw" ]; then
	echo "flame: generating $raw ($lines lines)..."
	/usr/bin/python3 bench/mkstacks.py "$lines" "$raw.tmp" "$shape" && mv "$raw.tmp" "$raw"
fi
echo "flame: input ($shape) $(wc -l <"$raw") lines, $(($(stat -c %s "$raw") / 1048576)) MiB"
cat "$raw" >/dev/null	# page cache, so the figure is the renderer's
svg=$dir/flame.svg
/usr/bin/time -f '%e %U %M' -o "$dir/time.txt" "$HUBSPY" stacks --svg "$raw" >"$svg"
read -r secs usr kib <"$dir/time.txt"
frames=$(grep -c '^<g><title>' "$svg")
echo "flame: render ${secs} s wall (${usr} s CPU), peak RSS $((kib / 1024)) MiB (targets: < 2 s, < 200 MiB)"
echo "flame: SVG $(($(stat -c %s "$svg") / 1024)) KiB, $frames frames drawn (0.1 px pruning, coarser above 50 000 frames)"
/usr/bin/time -f '%e %M' -o "$dir/time2.txt" "$HUBSPY" stacks --top "$raw" >/dev/null
read -r secs2 kib2 <"$dir/time2.txt"
echo "flame: top table from the same capture ${secs2} s, peak RSS $((kib2 / 1024)) MiB"
if command -v xmllint >/dev/null && xmllint --noout "$svg"; then
	echo "flame: SVG parses as XML"
else
	echo "flame: SVG does NOT parse as XML"
fi
# open and search it in a browser: a page that embeds the SVG inline and
# calls the flamegraph's own search
if command -v chromium >/dev/null 2>&1; then
	page=$dir/flame-search.html
	{
		echo '<!DOCTYPE html><html><body><pre id="r">pending</pre>'
		sed '1d' "$svg"
		echo '<script>window.addEventListener("load",function(){var s=document.querySelector("svg.hsflame");'
		echo 'var f=hsFlame(s);var t0=performance.now();var p=f.search("hash_token");'
		echo 'document.getElementById("r").textContent="search hash_token "+p.toFixed(2)+"% in "+(performance.now()-t0).toFixed(0)+" ms";});</script>'
		echo '</body></html>'
	} >"$page"
	# the SVG's own <script> defines hsFlame/hsFlameInit in the page
	t0=$(date +%s.%N)
	timeout 300 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	    --disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d)" \
	    --virtual-time-budget=60000 --dump-dom "file://$page" 2>/dev/null | grep -o "<pre id=\"r\">[^<]*" \
	    | sed 's/^/flame: chromium: /'
	echo "flame: chromium load+search wall $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s"
fi
