#!/usr/bin/env bash
# run-signals.sh -- `hubspy run` interrupted in each phase (ramp, settle,
# capture, teardown, archiving), twice, or by SIGTERM; an output directory
# that is full or unwritable; a hub that dies before the teardown. Every
# case: the exit code, a valid archive marked partial (or none at all),
# and no users left on the hub. Phases are seen in the run's own event
# lines; the hub's start()/stop() delays (tests/it/run-hook.py) make the
# ramp and the teardown long enough to interrupt.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
PY=/usr/bin/python3
run_hub_start
P=hubspy-sig
S=(--set "target.pid=$HUB_PID" --tmpdir "$T/remote" --set hub.prefix=$P
   --set plateaus.settle=0.5 --set plateaus.hold=1 --set captures.top.seconds=1
   --set captures.record.duration=2 --set captures.record.idle=true
   --set captures.dump.count=1)

# bg NAME ARGS...: hubspy run in the background, SIGINT at its default
bg() {
	local n=$1
	shift
	env --default-signal=INT "$HUBSPY" run profiles/smoke.json "${S[@]}" \
	    -o "$T/$n" "$@" >"$T/$n.out" 2>"$T/$n.err" </dev/null &
	bgpid=$!
}
# finish NAME: waits for the run; sets rc, out, err
finish() {
	wait "$bgpid"
	rc=$? out=$T/$1.out err=$T/$1.err
}
# partial NAME REASON: exit 7, a valid archive marked partial with REASON
# in partial_reason, and no users left
partial() {
	local n=$1 tb top
	expect_rc "$n: exit 7 (partial)" 7
	expect_grep "$n: the error line says why" "$err" "^hubspy: $2.*the archive is marked partial$"
	tb=$(tail -n 1 "$out")
	if [ -f "$tb" ] && tar -tzf "$tb" >/dev/null 2>&1; then
		pass "$n: the archive was written"
		top=$(basename "$tb" .tar.gz)
		mkdir -p "$T/x.$n"
		tar -xzf "$tb" -C "$T/x.$n"
		if "$PY" "$ROOT/tests/schema_check.py" "$T/x.$n/$top" --partial yes \
		    >"$T/$n.schema" 2>&1; then
			pass "$n: a valid archive, marked partial"
		else
			fail "$n: a valid archive, marked partial" "$(head -n 5 "$T/$n.schema")"
		fi
		expect_grep "$n: partial_reason" "$T/x.$n/$top/manifest.json" "\"partial_reason\":[[:space:]]*\"$2"
		expect_grep "$n: summary.md says partial" "$T/x.$n/$top/summary.md" "$2"
		run_hubspy report "$tb"
		expect_rc "$n: hubspy report reads it" 0
	else
		fail "$n: the archive was written" "last line: $tb" "$(tail -n 3 "$T/$n.err")"
	fi
	expect_eq "$n: no users left on the hub" "$(hub_count_prefix $P)" 0
}

# --- ramp: servers take 3 s to start ---
echo "3 0" >"$T/delays"
bg ramp
wait_seen "$T/ramp.err" 'ramp from 0' 30 && wait_seen "$T/ramp/"*/journal.jsonl '"names"' 30
kill -INT "$bgpid"
finish ramp
echo "0 0" >"$T/delays"
partial ramp "interrupted by SIGINT during the ramp of 5 users"
expect_eq "ramp: no plateau reached its hold" \
    "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["plateaus"]))' "$T/x.ramp/"*/manifest.json)" 0

# --- settle, by SIGTERM ---
bg settle --set plateaus.settle=60
wait_seen "$T/settle.err" 'settle 60 s' 30
kill -TERM "$bgpid"
finish settle
partial settle "interrupted by SIGTERM during the settle of 5 users"

# --- capture: py-spy ends with SIGINT and its file is kept ---
bg capture --set 'captures.run=["record"]' --set captures.record.duration=60
wait_seen "$T/capture.err" 'py-spy record for 60 s' 30 && wait_seen "$REQS" 'command=py-spy&command=record' 30
kill -INT "$bgpid"
finish capture
partial capture "interrupted by SIGINT during the capture of 5 users"
expect_eq "capture: record.raw was kept and is in the manifest" \
    "$("$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["plateaus"][0]["captures"][0]; print(c["kind"], c["file"], c["samples"] > 0)' "$T/x.capture/"*/manifest.json)" \
    "record plateaus/0005/record.raw True"
expect_grep "capture: SIGINT went to py-spy in the pod" "$REQS" 'command=kill\+-s\+.*INT'

# --- a second interrupt during a capture: tear down now ---
bg twice --set 'captures.run=["record"]' --set captures.record.duration=60
wait_seen "$T/twice.err" 'py-spy record for 60 s' 30
kill -INT "$bgpid"
wait_seen "$T/twice.err" 'ending the capture' 30
kill -INT "$bgpid"
finish twice
partial twice "interrupted by SIGINT during the capture of 5 users"
expect_grep "twice: the second interrupt is acknowledged" "$T/twice.err" 'interrupted again: tearing down now'

# --- teardown: servers take 3 s to stop ---
echo "0 3" >"$T/delays"
bg teardown --set 'captures.run=[]'
wait_seen "$T/teardown.err" 'teardown: stopping' 30
kill -INT "$bgpid"
finish teardown
echo "0 0" >"$T/delays"
partial teardown "interrupted by SIGINT during the teardown"
expect_grep "teardown: it went on to the end" "$T/teardown.err" 'teardown: 5 users removed'

# --- archiving: the hub's log (local transport) is a fifo that holds the
# archiving until the signal has been sent ---
mkfifo "$T/hub.fifo"
bg archive --set 'captures.run=[]' --set target.transport=local \
    --hub-log "$T/hub.fifo"
wait_seen "$T/archive.err" '^hubspy: archiving$' 30
kill -INT "$bgpid"
timeout 30 sh -c 'echo "a hub log line" >"$1"' sh "$T/hub.fifo"
finish archive
partial archive "interrupted by SIGINT while archiving"

# --- output directory unwritable: one line, exit 6, nothing on the hub ---
: >"$T/afile"
run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/afile/out"
expect_rc "output under a file: exit 6" 6
one_line "output under a file: one line" "$err"
expect_grep "output under a file: names the path" "$err" "afile/out.*Not a directory"
expect_eq "output under a file: no users on the hub" "$(hub_count_prefix $P)" 0
mkdir -p "$T/ro"
if mount -t tmpfs -o ro,size=64k tmpfs "$T/ro" 2>/dev/null; then
	t_cleanup "umount '$T/ro'"
	run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/ro"
	expect_rc "read-only output: exit 6" 6
	one_line "read-only output: one line" "$err"
	expect_grep "read-only output: says why" "$err" 'Read-only file system'
else
	skip "read-only output" "cannot mount a tmpfs here"
fi

# --- output directory full during the run: exit 6, no tarball, no users ---
mkdir -p "$T/full"
if mount -t tmpfs -o size=2m tmpfs "$T/full" 2>/dev/null; then
	t_cleanup "umount '$T/full'"
	bg full
	wait_seen "$T/full.err" 'hold 1 s' 30
	dd if=/dev/zero of="$T/full/filler" bs=64k 2>/dev/null
	finish full
	expect_rc "disk full: exit 6" 6
	expect_grep "disk full: a clear error line" "$err" '^hubspy: cannot write .*No space left on device'
	expect_eq "disk full: no tarball, not even a temporary one" \
	    "$(find "$T/full" -name '*.tar.gz*' | wc -l)" 0
	expect_eq "disk full: no users left on the hub" "$(hub_count_prefix $P)" 0
else
	skip "disk full" "cannot mount a tmpfs here"
fi

# --- the journal cannot be written (full before the first batch) ---
mkdir -p "$T/jfull"
if mount -t tmpfs -o size=256k tmpfs "$T/jfull" 2>/dev/null; then
	t_cleanup "umount '$T/jfull'"
	dd if=/dev/zero of="$T/jfull/filler" bs=4k 2>/dev/null
	run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/jfull"
	expect_rc "journal full: exit 6" 6
	expect_grep "journal full: the ramp stops, saying why" "$err" \
	    "^hubspy: cannot write journal '.*journal\.jsonl': No space left on device; stopping the ramp$"
	expect_eq "journal full: no tarball" "$(find "$T/jfull" -name '*.tar.gz*' | wc -l)" 0
	expect_eq "journal full: no users left on the hub" "$(hub_count_prefix $P)" 0
else
	skip "journal full" "cannot mount a tmpfs here"
fi

# --- the hub dies before the teardown: exit 8, purge --run named ---
bg dead --set plateaus.hold=60 --set 'captures.run=[]' --timeout 3
wait_seen "$T/dead.err" 'hold 60 s' 30
hub_stop
kill -INT "$bgpid"
finish dead
expect_rc "hub gone: exit 8 (users left)" 8
expect_grep "hub gone: the message names purge --run DIR" "$err" \
    "^hubspy: teardown incomplete: .*run 'hubspy purge --run $T/dead/hubspy-[^ ]*-smoke' when the hub answers again$"
check "hub gone: the archive is still written" test -f "$(tail -n 1 "$out")"

t_done
