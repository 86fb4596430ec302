#!/usr/bin/env bash
# run.sh -- builds and runs every tests/fuzz/fuzz_*.c harness for
# FUZZ_SECONDS each (default 60; `make check` uses 10), seeded from
# tests/fixtures. libFuzzer (clang -fsanitize=fuzzer) with ASan and UBSan when
# clang has it, else tests/fuzz/driver.c (random mutations) under ASan.
# Crashes are kept in tests/fuzz/crashes/. Ends with "N passed, N failed".
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SECONDS:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/hubspy-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
srcs="src/record/record.c src/measure/measure.c src/report/stacks.c src/report/speedscope.c src/report/chart.c src/core/buf.c src/core/hs.c src/core/json.c src/core/xml.c src/report/toptable.c src/report/flame.c src/report/diff.c src/measure/metrics.c src/run/redact.c src/run/profile.c src/core/file.c src/capture/target.c src/core/proc.c src/core/loop.c src/core/arc.c src/record/rundata.c src/load/session.c src/load/hub.c src/load/progress.c"
flags="-std=c11 -D_GNU_SOURCE -Iinclude -Isrc -DHUBSPY_VERSION=\"fuzz\" -g -O1 $(pkg-config --cflags libcjson libbsd-overlay libcurl libarchive)"
libs="$(pkg-config --libs libcjson libbsd-overlay libcurl libarchive libmd) -lm -lutil"
# src/core/arc.c opens libarchive by its soname, as the Makefile builds it
arc_soname=$(objdump -p "$(pkg-config --variable=libdir libarchive)/libarchive.so" | awk '$1 == "SONAME" {print $2}')
flags="$flags -DARC_SONAME=\"$arc_soname\""
passed=0 failed=0
mode=driver
if command -v clang >/dev/null 2>&1 &&
    echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return 0;}' >"$work/t.c" &&
    clang -fsanitize=fuzzer "$work/t.c" -o "$work/t" >/dev/null 2>&1; then
	mode=libfuzzer
fi
# seeds: the raw captures, and speedscope files made from them
mkdir -p "$work/seed_stacks" "$work/seed_speedscope" tests/fuzz/crashes
i=0
for f in tests/fixtures/run/plateaus/*/record.raw tests/fixtures/golden/in/*.raw; do
	i=$((i + 1))
	cp "$f" "$work/seed_stacks/$i.raw"
done
cp tests/fixtures/golden/in/*.json "$work/seed_speedscope/" 2>/dev/null
mkdir -p "$work/seed_metrics" "$work/seed_profile" "$work/seed_redact" "$work/seed_record" "$work/seed_archive" "$work/seed_session" "$work/seed_progress"
cp tests/fixtures/session/* "$work/seed_session/"
cp tests/fixtures/progress/* "$work/seed_progress/"
cp tests/fixtures/metrics/*.prom "$work/seed_metrics/" 2>/dev/null
cp profiles/*.json "$work/seed_profile/"
cp tests/fixtures/run/manifest.json "$work/seed_record/run.json"
cp tests/fixtures/summary/manifest-*.json "$work/seed_record/" 2>/dev/null
# the dumps (text), and a JSON dump with locals made from one of them; the
# metrics pages only in part (whole, they slow every run to a crawl)
i=0
for f in tests/fixtures/run/plateaus/*/dump-*.txt; do
	i=$((i + 1))
	cp "$f" "$work/seed_redact/$i.txt"
done
printf '[{"pid": 7, "frames": [{"name": "login", "locals": [{"name": "password", "addr": 1, "arg": true, "repr": "\\"x\\""}, {"name": "h", "addr": 2, "arg": false, "repr": "{\x27Cookie\x27: \x27a=1; b=2\x27}"}]}]}]\n' >"$work/seed_redact/dump.json"
for f in tests/fixtures/metrics/*.prom; do
	i=$((i + 1))
	head -c 4096 "$f" >"$work/seed_redact/$i.prom"
done
# the fixture run as an archive (small enough for -max_len)
tar -C tests/fixtures -czf "$work/seed_archive/run.tar.gz" \
    --transform 's,^run,hubspy-20261127T231500Z-fixture,' run/manifest.json \
    run/plateaus/0100
if [ -x ./hubspy ]; then
	for f in tests/fixtures/run/plateaus/*/record.raw; do
		i=$((i + 1))
		./hubspy stacks --speedscope-out "$f" >"$work/seed_speedscope/$i.json" 2>/dev/null
	done
fi
echo "fuzz: $mode, $secs s per harness"
for h in tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c)
	case $name in
	fuzz_speedscope) seeds=$work/seed_speedscope ;;
	fuzz_metrics) seeds=$work/seed_metrics ;;
	fuzz_profile) seeds=$work/seed_profile ;;
	fuzz_redact) seeds=$work/seed_redact ;;
	fuzz_record) seeds=$work/seed_record ;;
	fuzz_archive) seeds=$work/seed_archive ;;
	fuzz_session) seeds=$work/seed_session ;;
	fuzz_progress) seeds=$work/seed_progress ;;
	*) seeds=$work/seed_stacks ;;
	esac
	# the seeds come from tests/fixtures: none means a fixture moved
	if [ -z "$(ls -A "$seeds")" ]; then
		echo "not ok $name (no seeds: nothing copied from tests/fixtures)"
		failed=$((failed + 1)); continue
	fi
	if [ $mode = libfuzzer ]; then
		# shellcheck disable=SC2086
		if ! clang $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		    -o "$work/$name" "$h" $srcs $libs 2>"$work/cc.err"; then
			echo "not ok $name (build)"; head -n 5 "$work/cc.err"; failed=$((failed + 1)); continue
		fi
		mkdir -p "$work/corpus_$name"
		if "$work/$name" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
		    -artifact_prefix=tests/fuzz/crashes/ -print_final_stats=1 \
		    "$work/corpus_$name" "$seeds" >"$work/$name.log" 2>&1; then
			echo "ok $name ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name.log" | awk '{print $2}') runs)"
			passed=$((passed + 1))
		else
			echo "not ok $name"; grep -E 'ERROR|SUMMARY|Test unit written' "$work/$name.log" | head -n 5
			failed=$((failed + 1))
		fi
	else
		# shellcheck disable=SC2086
		if ! cc $flags -fsanitize=address,undefined -fno-sanitize-recover=all \
		    -o "$work/$name" "$h" tests/fuzz/driver.c $srcs $libs 2>"$work/cc.err"; then
			echo "not ok $name (build)"; head -n 5 "$work/cc.err"; failed=$((failed + 1)); continue
		fi
		if "$work/$name" "$secs" "$seeds"/* >"$work/$name.log" 2>&1; then
			echo "ok $name ($(tail -n 1 "$work/$name.log"))"
			passed=$((passed + 1))
		else
			echo "not ok $name"; head -n 20 "$work/$name.log"
			failed=$((failed + 1))
		fi
	fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
