#!/usr/bin/env bash
# hostile.sh -- `hubspy report` on the hostile archive corpus
# (tests/fixtures/mkhostile.py): wall time and peak RSS of the summary,
# --json and --html of each (targets: under 10 s and 256 MiB each; the
# hostile suite caps CPU and checks RSS). Figures only, never pass/fail.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1
: "${HUBSPY:=$PWD/hubspy}" "${BUILD:=$PWD/build/plain}"
dir=$BUILD/bench/hostile
rm -rf "$dir" && mkdir -p "$dir"
/usr/bin/python3 tests/fixtures/mkhostile.py tests/fixtures/run "$dir" >/dev/null || exit 1
worst_s=0 worst_kib=0 worst=
while IFS=$'\t' read -r name _ _; do
	for mode in "" --json "--html $dir/o.html"; do
		# shellcheck disable=SC2086
		/usr/bin/time -f '%e %M' -o "$dir/t" "$HUBSPY" report $mode \
		    "$dir/$name.tar.gz" >/dev/null 2>&1
		read -r secs kib < <(tail -n 1 "$dir/t")
		printf 'hostile: %-22s %-7s %6s s %7s KiB\n' "$name" "${mode%% *}" "$secs" "$kib"
		if awk -v a="$secs" -v b="$worst_s" 'BEGIN { exit !(a > b) }'; then
			worst_s=$secs worst="$name ${mode%% *}"
		fi
		[ "$kib" -gt "$worst_kib" ] && worst_kib=$kib
	done
done <"$dir/expect.tsv"
echo "hostile: slowest $worst_s s ($worst), peak RSS $((worst_kib / 1024)) MiB (targets: < 10 s, < 256 MiB)"
