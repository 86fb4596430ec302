#!/usr/bin/env bash
# redact.sh -- the archive is safe to attach: the py-spy stand-in plants,
# in the dumps' locals (text and JSON), the token and secrets hubspy was
# never told (a password, a database URL with its password, a cookie
# secret, an OAuth client secret, a login cookie, a crypt key, the token's
# base64); after `hubspy run` (smoke, then the postmortem profile) and
# `hubspy postmortem --locals`, none of them is in any archived or written
# file in any of five forms (tests/secret_check.py, written apart from the
# redactor). A kubectl that records its argv and environment runs under
# `hubspy run` and never sees the token.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
PY=/usr/bin/python3
hub_start HUBSPY_T_EXTRA="$ROOT/tests/harness/pyspy/sampler_hook.py"
. "$ROOT/tests/harness/k8s/lib.sh"
k8s_start
TOKEN=$(head -n 1 "$HUB_TOKEN_FILE")
export JUPYTERHUB_API_TOKEN=$TOKEN JUPYTERHUB_API_URL=$HUB_API
mkdir -p "$T/remote"

# --- what the hub "holds" in its locals ---
B64=$(printf '%s' "$TOKEN" | base64 -w0)
cat >"$T/secrets" <<EOS
$TOKEN
Hunter2-correct-horse
Pg-S3cret-pass-77
9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
oauth-Cl13nt-S3cret-value
LoginC00kie-Value-1
CryptKey-bbbb-2
EOS
"$PY" - "$T/plant.json" "$TOKEN" "$B64" <<'EOS'
import json, sys
path, tok, b64 = sys.argv[1:]
json.dump([
    {"name": "password", "repr": '"Hunter2-correct-horse"'},
    {"name": "db_url", "repr": '"postgresql://jhub:Pg-S3cret-pass-77@db.internal:5432/jupyterhub"'},
    {"name": "cookie_secret", "repr": "b'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'"},
    {"name": "client_secret", "repr": '"oauth-Cl13nt-S3cret-value"'},
    {"name": "api_token", "repr": '"%s"' % tok},
    {"name": "headers", "repr": "{'Authorization': 'token %s', 'Cookie': '_xsrf=2|x; jupyterhub-hub-login=LoginC00kie-Value-1'}" % tok},
    {"name": "env", "repr": "{'JUPYTERHUB_CRYPT_KEY': 'CryptKey-aaaa-1;CryptKey-bbbb-2'}"},
    {"name": "blob", "repr": '"%s"' % b64},
    {"name": "kw", "repr": "{'x': %s}" % json.dumps(json.dumps({"pwd": "Hunter2-correct-horse"}))},
], open(path, "w"))
EOS
state PYSPY_STANDIN_PLANT="$T/plant.json"

# a kubectl that records its argv and environment, then runs the real one
cat >"$T/reckubectl" <<EOS
#!/bin/sh
{ printf 'argv:'; printf ' %s' "\$@"; printf '\n'; cat /proc/self/environ; echo; } >>"$T/kubectl.rec"
exec kubectl "\$@"
EOS
chmod +x "$T/reckubectl"

S=(--set "target.pid=$HUB_PID" --tmpdir "$T/remote" --kubectl "$T/reckubectl"
   --set plateaus.settle=0.5 --set plateaus.hold=1
   --set captures.top.seconds=1 --set captures.record.duration=1
   --set captures.record.idle=true --set captures.dump.interval=0.5
   --set captures.dump.count=2 --set captures.dump.locals=1
   --set captures.dump.json=true --set activity.interval=2)

# checks archive $1 (run directory $2), named $3
check_archive() {
	local tarball=$1 rundir=$2 what=$3 x
	x=$T/x-$what
	mkdir -p "$x"
	if tar -xzf "$tarball" -C "$x" 2>"$T/tar.err"; then pass "$what: the archive is written"
	else fail "$what: the archive is written" "$(cat "$T/tar.err")"; return; fi
	# the stand-in did plant them: the run directory (private) has them
	check "$what: the dumps in the run directory hold the planted secrets" \
	    grep -rqF -- "Hunter2-correct-horse" "$rundir"
	expect_grep "$what: the JSON dump names a secret as a value" \
	    "$(ls "$rundir"/plateaus/*/dump-1.json | head -n 1)" '"name": "client_secret"'
	if "$PY" "$ROOT/tests/secret_check.py" "$T/secrets" "$x" "$tarball" >"$T/sc.out" 2>&1; then
		pass "$what: no secret in any archived file, in any of five forms"
	else
		fail "$what: no secret in any archived file, in any of five forms" "$(head -n 12 "$T/sc.out")"
	fi
	check "$what: the text dump shows where a local was redacted" \
	    grep -rqE -- '^            password: <redacted>$' "$x"
	expect_grep "$what: report.html shows the dumps, the marker in place of the value" \
	    "$(ls "$x"/*/report.html)" 'client_secret: &lt;redacted&gt;'
	cp -r "$x" "$T/keep-$what" 2>/dev/null
	check "$what: the stacks survive redaction" \
	    grep -rqE -- '^    [a-z_]+ \(.*\.py:[0-9]+\)$' "$x"/*/plateaus/*/dump-1.txt
	check "$what: the archive still reads (hubspy report)" "$HUBSPY" report "$tarball"
}

: >"$T/kubectl.rec"
run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/o1" --set plateaus.users=[2] \
    --set 'captures.run=["dump"]'
expect_rc "run with --locals dumps exits 0" 0
tarball=$(tail -n 1 "$out")
check_archive "$tarball" "${tarball%.tar.gz}" run
expect_grep "run: the recording kubectl ran py-spy dump --locals" "$T/kubectl.rec" \
    '^argv: .* exec .*py-spy dump .*--locals'
check "run: kubectl never saw the token (argv, environment)" \
    sh -c '! grep -aqF -- "$1" "$2"' _ "$TOKEN" "$T/kubectl.rec"
expect_nogrep "run: nor a token variable" "$T/kubectl.rec" 'JUPYTERHUB_API_TOKEN'

# the postmortem profile: no load, dumps with locals first
run_hubspy run profiles/postmortem.json "${S[@]}" -o "$T/o2"
expect_rc "run postmortem.json exits 0" 0
tarball=$(tail -n 1 "$out")
check_archive "$tarball" "${tarball%.tar.gz}" postmortem-profile

# --no-redact keeps its meaning: everything as captured
run_hubspy run profiles/smoke.json "${S[@]}" -o "$T/o3" --set plateaus.users=[1] \
    --set 'captures.run=["dump"]' --no-redact
expect_rc "run --no-redact exits 0" 0
tarball=$(tail -n 1 "$out")
mkdir -p "$T/x3" && tar -xzf "$tarball" -C "$T/x3"
check "--no-redact: the planted password stays" grep -rqF -- "Hunter2-correct-horse" "$T/x3"

# --- the postmortem command: its directory is what gets attached ---
run_hubspy postmortem --locals --dumps 2 --interval 1 --top 0 \
    --tmpdir "$T/remote" --pid "$HUB_PID" -o "$T/pm"
expect_rc "postmortem --locals exits 0" 0
check "postmortem: the dumps were taken with the planted locals" \
    grep -rqE -- '^            client_secret: <redacted>$' "$T/pm"
if "$PY" "$ROOT/tests/secret_check.py" "$T/secrets" "$T/pm" >"$T/sc.out" 2>&1; then
	pass "postmortem: no secret in any file, in any of five forms"
else
	fail "postmortem: no secret in any file, in any of five forms" "$(head -n 12 "$T/sc.out")"
fi
run_hubspy postmortem --locals --no-redact --dumps 1 --top 0 \
    --tmpdir "$T/remote" --pid "$HUB_PID" -o "$T/pm2"
check "postmortem --no-redact: the planted password stays" \
    grep -rqF -- "Hunter2-correct-horse" "$T/pm2"

# the checker is not a rubber stamp: every form of a secret is found
printf 'x %s y\n' "$(printf '%s' "Hunter2-correct-horse" | base64)" >"$T/b64.txt"
printf 'Hunter2-correct-horse' | "$PY" -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.stdin.read()+"/"))' >"$T/url.txt"
for f in b64.txt url.txt; do
	if "$PY" "$ROOT/tests/secret_check.py" "$T/secrets" "$T/$f" >/dev/null; then
		fail "secret_check finds $f" "not found"
	else pass "secret_check finds $f"; fi
done

[ -n "${HUBSPY_T_KEEP:-}" ] && cp -r "$T" "$HUBSPY_T_KEEP"
t_done
