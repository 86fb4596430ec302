#!/usr/bin/env bash
# capture.sh -- the capture engine for real: the REAL kubectl against an
# in-test API server (tests/harness/k8s/apiserver.py) whose "pod" is this
# machine, a REAL JupyterHub (tests/harness/hub) with the sampler hook, and
# the py-spy stand-in (tests/harness/pyspy/py-spy); then the local
# transport. Every failure class is produced and asserted on its message
# and exit code.
#
# The script re-runs itself in a new PID namespace (unshare) when it can,
# so the hub discovery sees this test's hub only, as in a pod; without
# unshare the discovery checks are skipped and --pid is used.
if [ -z "${HUBSPY_T_NS:-}" ] && unshare -pf --mount-proc true 2>/dev/null; then
	HUBSPY_T_NS=1 exec unshare -pf --mount-proc bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
PY=/usr/bin/python3
PYSPYDIR=$ROOT/tests/harness/pyspy

hub_start HUBSPY_T_EXTRA="$ROOT/tests/harness/pyspy/sampler_hook.py"
export JUPYTERHUB_API_URL=$HUB_API

# --- the cluster: one hub pod whose container is this machine ---
# (tests/harness/k8s/lib.sh: state NAME=VALUE... rewrites it, re-read per
# request; STATE, REQS, PODPATH)
REMOTE=$T/remote		# the "container's" /tmp (--tmpdir)
mkdir -p "$REMOTE"
. "$ROOT/tests/harness/k8s/lib.sh"
k8s_start

if [ -n "${HUBSPY_T_NS:-}" ]; then
	PIDOPT=()
	discovery=1
else
	PIDOPT=(--pid "$HUB_PID")
	discovery=
fi
K=(--tmpdir "$REMOTE" "${PIDOPT[@]}")

# --- the py-spy stand-in keeps pyspy.md's contract (section 7) ---
SPY=$ROOT/tests/harness/pyspy/py-spy
expect_eq "stand-in: --version" "$("$SPY" --version)" "py-spy 0.4.2"
expect_eq "stand-in: version from PYSPY_STANDIN_VERSION" \
    "$(PYSPY_STANDIN_VERSION=0.3.14 "$SPY" -V)" "py-spy 0.3.14"
"$SPY" record -d abc -p "$HUB_PID" >/dev/null 2>&1
expect_eq "stand-in: bad --duration panics (101)" "$?" 101
"$SPY" dump -p abc >/dev/null 2>&1
expect_eq "stand-in: bad --pid panics (101)" "$?" 101
"$SPY" frobnicate >/dev/null 2>&1
expect_eq "stand-in: unknown subcommand is a usage error (2)" "$?" 2
"$SPY" top -p "$HUB_PID" </dev/null >"$T/spy.out" 2>"$T/spy.err"
expect_eq "stand-in: top without a tty exits 1" "$?" 1
expect_grep "stand-in: top without a tty says so" "$T/spy.err" \
    '^Error: Inappropriate ioctl for device \(os error 25\)$'
check "stand-in: nothing on stdout before the error" test ! -s "$T/spy.out"
"$SPY" record --native --nonblocking -p "$HUB_PID" >/dev/null 2>"$T/spy.err"
expect_eq "stand-in: --native with --nonblocking exits 1" "$?" 1
"$SPY" r -p "$HUB_PID" -d 60 -f raw -o "$T/term.raw" --idle >"$T/term.out" 2>&1 &
tpid=$!
env --default-signal=INT "$SPY" r -p "$HUB_PID" -d 60 -f raw -o "$T/int.raw" \
    --idle >"$T/int.out" 2>&1 &
ipid=$!
for _ in $(seq 1 100); do
	grep -q '^py-spy> Sampling' "$T/int.out" && grep -q '^py-spy> Sampling' "$T/term.out" && break
	sleep 0.1
done
kill -TERM "$tpid"
kill -INT "$ipid"
wait "$tpid"
expect_eq "stand-in: SIGTERM kills record (143)" "$?" 143
wait "$ipid"
expect_eq "stand-in: SIGINT stops record with exit 0" "$?" 0
expect_grep "stand-in: SIGINT says Control-C and writes the file" "$T/int.out" \
    "^py-spy> Stopped sampling because Control-C pressed$"
check "stand-in: the file after SIGINT" test -s "$T/int.raw"
check "stand-in: no file after SIGTERM" test ! -e "$T/term.raw"

# --- kubectl: all three views, real stacks, byte-exact files ---
run_hubspy capture --top 2 --record 2 --dump 2 --interval 1 --svg \
    --speedscope --idle -o "$T/c1" "${K[@]}"
expect_rc "capture (kubectl) exits 0" 0
expect_grep "capture names pod, container, pid, python, py-spy" "$out" \
    "^hub: pod hub-abc namespace jhub container hub pid $HUB_PID python 3\.[0-9]+\.[0-9]+ py-spy 0\.4\.2$"
if [ -n "$discovery" ]; then
	pass "discovery found the jupyterhub process (not tini, not the proxy)"
else
	skip "discovery found the jupyterhub process (not tini, not the proxy)" \
	    "no PID namespace (unshare -pf failed): --pid used instead"
fi
expect_grep "record.raw holds the real hub's stacks" "$T/c1/record.raw" \
    'jupyterhub/app\.py:[0-9]+\).* [0-9]+$'
if "$PY" -c 'import re,sys; d=open(sys.argv[1],"rb").read(); sys.exit(not d or b"\r" in d or not all(re.fullmatch(rb".+ \d+", l) for l in d.splitlines()))' "$T/c1/record.raw"; then
	pass "record.raw is raw collapsed lines, byte-exact (no tty: no \\r)"
else
	fail "record.raw is raw collapsed lines, byte-exact (no tty: no \\r)" "$(head -c 300 "$T/c1/record.raw")"
fi
if xmllint --noout "$T/c1/record.svg" 2>"$T/xml.err" && grep -q 'total_samples="[1-9]' "$T/c1/record.svg"; then
	pass "record.svg is a valid flamegraph with samples"
else
	fail "record.svg is a valid flamegraph with samples" "$(head -c 300 "$T/xml.err")"
fi
expect_eq "record.speedscope.json is py-spy's speedscope" \
    "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["exporter"], len(d["profiles"]) > 0)' "$T/c1/record.speedscope.json")" \
    "py-spy@0.4.2 True"
expect_grep "top.txt is the last complete screen" "$T/c1/top.txt" \
    "^Collecting samples from '.*jupyterhub.*' \(python v3"
expect_grep "top.txt ends with py-spy's footer" "$T/c1/top.txt" \
    '^Press Control-C to quit, or \? for help\.$'
expect_nogrep "top.txt has no escape sequences" "$T/c1/top.txt" $'\x1b|\r'
expect_grep "dump-1.txt is py-spy's dump" "$T/c1/dump-1.txt" \
    "^Process $HUB_PID: .*jupyterhub"
expect_eq "dump-2.json is py-spy's JSON" \
    "$("$PY" -c 'import json,sys; print(type(json.load(open(sys.argv[1]))).__name__)' "$T/c1/dump-2.json")" list
expect_grep "stuck.txt sums up the dumps" "$T/c1/stuck.txt" \
    '^2 dumps over [0-9.]+ s: [0-9]+ threads stuck'
expect_eq "py-spy's files are removed from the container" \
    "$(find "$REMOTE" -type f | wc -l)" 0
expect_grep "top ran under kubectl exec -i -t" "$REQS" \
    'command=top&.*stdin=true&stdout=true&tty=true'
expect_grep "py-spy 0.4.2: top with --delay 1" "$REQS" \
    'command=top&.*command=--delay&command=1&'
expect_grep "the file came back through cat without a tty" "$REQS" \
    'exec\?command=cat&command=--&command=.*record\.raw&container=hub&stderr=true&stdout=true$'
expect_nogrep "record never ran with a tty" "$REQS" 'command=record.*tty=true'

# deterministic targets: every thread idle / one thread stuck in a call
"$PY" "$PYSPYDIR/app.py" "$PYSPYDIR/sampler_hook.py" idle &
IDLE=$!
"$PY" "$PYSPYDIR/app.py" "$PYSPYDIR/sampler_hook.py" stuck &
STUCK=$!
t_cleanup "kill $IDLE $STUCK"

# an idle hub: the flamegraph has no stack counts; the raw file is kept
run_hubspy capture --record 1 --svg -o "$T/c2" --tmpdir "$REMOTE" --pid "$IDLE"
expect_rc "idle hub: capture still exits 0" 0
expect_grep "idle hub: the flamegraph is reported idle with the fix" "$out" \
    'record\.svg +warning \(idle\)'
expect_grep "idle hub: the fix says --idle" "$out" 'add --idle'
check "idle hub: record.raw is kept" test -f "$T/c2/record.raw"

# a thread blocked in the same call across the dumps is reported stuck
run_hubspy capture --dump 3 --interval 1 -o "$T/c5" --tmpdir "$REMOTE" --pid "$STUCK"
expect_rc "stuck thread: capture exits 0" 0
expect_grep "stuck thread: reported with its function and line" "$T/c5/stuck.txt" \
    '^Thread [0-9]+ "db-worker" stuck for at least [0-9]+\.[0-9] s in blocked_in_sync_call \(app\.py:1[0-9]\)$'
expect_grep "stuck thread: the waiting main thread is not stuck" "$T/c5/stuck.txt" \
    '^3 dumps over [0-9.]+ s: 1 threads stuck, 1 idle threads waiting'

# the watchdog: a py-spy that runs past its duration gets SIGINT in the pod
state PYSPY_STANDIN_HANG=1
run_hubspy capture --record 1 --margin 1 --idle -o "$T/c3" "${K[@]}"
expect_rc "watchdog: capture exits 0 (the file was written)" 0
expect_grep "watchdog: reported as timeout, file kept" "$out" \
    'record\.raw +warning \(timeout\)'
expect_grep "watchdog: SIGINT went to py-spy inside the pod" "$REQS" \
    'command=kill\+-s\+%22%241%22\+%22%242%22&command=sh&command=INT'
check "watchdog: record.raw written after SIGINT" test -s "$T/c3/record.raw"

# Ctrl-C on hubspy: py-spy ends with SIGINT inside the pod, the file is kept
env --default-signal=INT "$HUBSPY" capture --record 60 --idle -o "$T/c4" \
    "${K[@]}" >"$T/c4.out" 2>"$T/c4.err" </dev/null &
cpid=$!
for _ in $(seq 1 100); do grep -q '^record for' "$T/c4.out" 2>/dev/null && break; sleep 0.1; done
sleep 2
kill -INT "$cpid"
wait "$cpid"
rc=$? err=$T/c4.err
expect_rc "Ctrl-C: exit 7 (partial)" 7
check "Ctrl-C: record.raw was still written" test -s "$T/c4/record.raw"
expect_grep "Ctrl-C: one clear line" "$T/c4.err" "interrupted; what was captured is in"
state

# --- failure classes, each for real ---
run_hubspy capture --dump 1 --kubectl "$T/no/kubectl" -o "$T/f" "${K[@]}"
expect_rc "kubectl_missing: exit 5" 5
expect_grep "kubectl_missing: class and fix" "$err" \
    "kubectl_missing\); install kubectl"
one_line "kubectl_missing: one line" "$err"

state forbid=pods/exec
run_hubspy capture --dump 1 -o "$T/f" "${K[@]}"
expect_rc "not_authorised: exit 5" 5
expect_grep "not_authorised: kubectl's Forbidden, class and fix" "$err" \
    'cannot create resource "pods/exec".*\(not_authorised\); your Kubernetes user needs a Role'
one_line "not_authorised: one line" "$err"
run_hubspy preflight "${K[@]}"
expect_rc "preflight: a forbidden pods/exec fails (exit 5)" 5
expect_grep "preflight: the rbac row names pods/exec" "$out" \
    '^rbac +fail +not allowed in namespace .jhub.: create pods/exec'
state

run_hubspy capture --dump 1 --pod nope -o "$T/f" "${K[@]}"
expect_rc "pod_not_found: exit 5" 5
expect_grep "pod_not_found: kubectl's text, class and fix" "$err" \
    "cannot find pod 'nope' in namespace 'jhub': .*pods \"nope\" not found \(pod_not_found\); check --context"
one_line "pod_not_found: one line" "$err"

state two=1
run_hubspy capture --dump 1 -o "$T/f" "${K[@]}"
expect_rc "two hub pods: exit 5" 5
expect_grep "two hub pods: both listed, --pod suggested" "$err" \
    "2 pods match selector 'component=hub' in namespace 'jhub': hub-abc, hub-def \(pod_not_found\); pick one with --pod"
one_line "two hub pods: one line" "$err"
state

run_hubspy capture --dump 1 -c nope -o "$T/f" "${K[@]}"
expect_rc "container_not_found: exit 5" 5
expect_grep "container_not_found: names the containers" "$err" \
    "pod 'hub-abc' has no container 'nope' \(containers: hub\) \(container_not_found\)"
one_line "container_not_found: one line" "$err"

state path=/usr/bin:/bin
run_hubspy capture --dump 1 -o "$T/f" "${K[@]}"
expect_rc "pyspy_missing: exit 5" 5
expect_grep "pyspy_missing: the runtime's text, class and fix" "$err" \
    'executable file not found in \$PATH.*\(pyspy_missing\); use the default hub image'
one_line "pyspy_missing: one line" "$err"
state

state PYSPY_STANDIN_FAIL=eperm
run_hubspy capture --dump 1 -o "$T/f" "${K[@]}"
expect_rc "permission_denied: exit 5" 5
expect_grep "permission_denied: py-spy's text and class" "$err" \
    'Failed to copy Py_Version symbol.*permission_denied'
expect_grep "permission_denied: IBM's image line" "$err" \
    'RUN setcap cap_sys_ptrace\+ep \$\(which py-spy\)'
expect_grep "permission_denied: containerSecurityContext adds SYS_PTRACE" "$err" \
    'add: \[SYS_PTRACE\]'
expect_grep "permission_denied: allowPrivilegeEscalation true" "$err" \
    'allowPrivilegeEscalation: true'
expect_grep "permission_denied: the no-rebuild alternative" "$err" \
    '--transport debug'
state

# options gated on py-spy's version: top --delay exists from 0.4.0 (the
# hub's Python as 0.3.14 supports it: 3.11; the 5.x hub runs 3.13)
state PYSPY_STANDIN_VERSION=0.3.14 PYSPY_STANDIN_PYTHON=3.11.2
run_hubspy capture --top 1 -o "$T/v1" "${K[@]}"
expect_rc "py-spy 0.3.14: top works" 0
expect_grep "py-spy 0.3.14: the version is probed" "$out" 'py-spy 0\.3\.14$'
if tail -n 20 "$REQS" | grep 'command=top&' | grep -q 'delay'; then
	fail "py-spy 0.3.14: top without --delay" "$(tail -n 20 "$REQS" | grep 'command=top&')"
else
	pass "py-spy 0.3.14: top without --delay"
fi

state PYSPY_STANDIN_VERSION=0.3.14 PYSPY_STANDIN_PYTHON=3.12.1
run_hubspy capture --dump 1 -o "$T/f" "${K[@]}"
expect_rc "unsupported_python: exit 5" 5
expect_grep "unsupported_python: py-spy's text, class and fix" "$err" \
    'Unsupported version of Python: 3\.12\.1.*\(exit code 1, unsupported_python\); upgrade py-spy'
state

sleep 120 &
SLEEPER=$!
t_cleanup "kill $SLEEPER"
run_hubspy capture --dump 1 --pid "$SLEEPER" --tmpdir "$REMOTE" -o "$T/f"
expect_rc "not_python: exit 5" 5
expect_grep "not_python: py-spy's text, class and fix" "$err" \
    'Failed to find python version from target process.*not_python\); --pid must name the jupyterhub'
one_line "not_python: one line" "$err"

run_hubspy capture --dump 1 --pid 4000000 --tmpdir "$REMOTE" -o "$T/f"
expect_rc "no_such_pid: exit 5" 5
expect_grep "no_such_pid: class and fix" "$err" \
    "no process 4000000 in pod 'hub-abc' container 'hub' \(no_such_pid\)"

run_hubspy capture --transport local --pod x
expect_rc "usage: kubectl options with local exit 2" 2
one_line "usage: one line" "$err"
run_hubspy capture --transport ssh
expect_rc "usage: unknown transport exits 2" 2

# --- debug: an ephemeral container shares the hub's PID namespace ---
run_hubspy capture --dump 1 --transport debug --image pyspy:test -o "$T/d1" "${K[@]}"
expect_rc "debug: capture exits 0" 0
expect_grep "debug: kubectl debug patched the pod" "$REQS" \
    '^PATCH /api/v1/namespaces/jhub/pods/hub-abc/ephemeralcontainers$'
expect_grep "debug: py-spy ran in the ephemeral container" "$REQS" \
    'command=py-spy&command=dump.*container=hubspy-'
expect_grep "debug: dump of the hub" "$T/d1/dump-1.txt" "^Process $HUB_PID: "

run_hubspy capture --dump 1 --transport debug -o "$T/d2" "${K[@]}"
expect_rc "debug: the hub's own image by default" 0
expect_grep "debug: a new ephemeral container each time" "$out" \
    '^hub: pod hub-abc namespace jhub container hubspy-[0-9a-f]+ pid'

# the test server also serves kubectl debug's watch and attach
# (the test's own kubectl: its requests are not hubspy's, see the RBAC
# check at the end)
n0=$(($(wc -l <"$REQS") + 1))
timeout 60 kubectl debug hub-abc --image=x:1 --target=hub --profile=general \
    -c attach-1 -i -- echo attached >"$T/attach.out" 2>"$T/attach.err" </dev/null
echo "$n0 $(wc -l <"$REQS")" >>"$T/reqs.skip"
expect_grep "kubectl debug -i: attached to the ephemeral container" "$T/attach.out" '^attached$'

# --- postmortem: bounded even when the hub never answers ---
run_hubspy postmortem --dumps 2 --interval 1 --top 1 --tail 5 -o "$T/pm" "${K[@]}"
expect_rc "postmortem exits 0" 0
for f in pod.json hub.log dump-1.txt dump-2.json stuck.txt top.txt; do
	check "postmortem wrote $f" test -s "$T/pm/$f"
done
expect_grep "postmortem: restarts from the pod" "$out" 'container hub restarts 1'
expect_grep "postmortem: /hub/health answered" "$out" 'GET http://127\.0\.0\.1:[0-9]+/hub/health: 200'
expect_grep "postmortem: /hub/api/ answered with the version" "$out" "/hub/api/: 200 in [0-9.]+ s [{]\"version\": \"$HUB_RELEASE_RE\"[}]"
expect_grep "postmortem: the hub's CPU and RSS" "$out" \
    '^  usage: cpu [0-9]+\.[0-9]+ s, rss [1-9][0-9]* bytes, cgroup memory -?[0-9]+ bytes$'
expect_eq "postmortem: hub.log is the last 5 lines" "$(wc -l <"$T/pm/hub.log")" 5
# a "hub" that accepts connections and never answers
"$PY" -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(120)' >"$T/mute.port" &
MUTE=$!
t_cleanup "kill $MUTE"
for _ in $(seq 1 50); do [ -s "$T/mute.port" ] && break; sleep 0.1; done
run_hubspy postmortem --dumps 0 --top 0 --probe-timeout 1 \
    --url "http://127.0.0.1:$(cat "$T/mute.port")/hub/api" -o "$T/pm2" "${K[@]}"
expect_rc "postmortem: a mute hub still ends (exit 0)" 0
expect_grep "postmortem: the mute hub's probe timed out" "$out" \
    'health: GET http://127\.0\.0\.1:[0-9]+/hub/health: Timeout was reached'
# --- preflight ---
run_hubspy preflight --count 1000 --step 1000 "${K[@]}"
expect_rc "preflight passes with warnings (exit 0)" 0
for r in 'kubectl context +pass +test' 'rbac +pass' 'hub pod +pass +hub-abc' \
    "hub process +pass +pid $HUB_PID" 'py-spy +pass +0\.4\.2' \
    'python +pass' 'attach +pass +py-spy dump'; do
	expect_grep "preflight row: $r" "$out" "^$r"
done
expect_grep "preflight: capacity = allocatable minus system pods" "$out" \
    '^user nodes +pass +2 ready of 2 .*room for 218 user pods'
expect_grep "preflight: user-placeholder replicas" "$out" \
    '^placeholders +pass +user-placeholder StatefulSet: 4 replicas'
expect_grep "preflight: --count above capacity warns" "$out" \
    '^plan: count +warn +--count 1000 exceeds the room on ready user nodes \(218\)'
expect_grep "preflight: --step above 500 with a failure limit warns" "$out" \
    '^plan: step +warn +steps of 1000 \(above 500\) with a consecutive failure limit of 5'
# --- local: py-spy runs here against the real hub ---
export PATH=$ROOT/tests/harness/pyspy:$PATH
L=(--transport local "${PIDOPT[@]}")
run_hubspy capture --record 2 --dump 2 --interval 1 --top 1 --idle -o "$T/l1" "${L[@]}"
expect_rc "local: capture exits 0" 0
expect_grep "local: names the pid and versions" "$out" \
    "^hub: pid $HUB_PID python 3\.[0-9.]+ py-spy 0\.4\.2$"
expect_grep "local: record.raw holds the hub's stacks" "$T/l1/record.raw" 'jupyterhub/'
check "local: top.txt" grep -q '^Press Control-C to quit' "$T/l1/top.txt"
check "local: stuck.txt" test -s "$T/l1/stuck.txt"
run_hubspy postmortem --transport local --log-file "$HUB_LOG" --tail 3 \
    --dumps 1 --top 0 "${PIDOPT[@]}" -o "$T/l2"
expect_rc "local: postmortem exits 0" 0
expect_eq "local: postmortem hub.log tail" "$(wc -l <"$T/l2/hub.log")" 3
run_hubspy capture --dump 1 --transport local --pid "$SLEEPER" -o "$T/f"
expect_rc "local: not_python exit 5" 5
expect_grep "local: not_python class" "$err" 'not_python'
PATH=/usr/bin:/bin run_hubspy capture --dump 1 --transport local "${PIDOPT[@]}" -o "$T/f"
expect_rc "local: pyspy_missing exit 5" 5
expect_grep "local: pyspy_missing class" "$err" "py-spy \('py-spy'\) not found on this machine \(pyspy_missing\)"

# --- preflight's hub rows and postmortem's failing probes (kubectl
# transport again; last, so the checks above run as they always did) ---
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# with a token the hub is checked first: version, token, scopes
run_hubspy preflight --token-file "$HUB_TOKEN_FILE" "${K[@]}"
expect_rc "preflight with a token passes (exit 0)" 0
expect_grep "preflight: the hub's version" "$out" \
    "^hub +pass +JupyterHub $HUB_RELEASE_RE at http://127\.0\.0\.1:[0-9]+/hub/api\$"
expect_grep "preflight: the token's kind and scopes" "$out" \
    '^hub token +pass +service token with admin:users and servers$'
expect_grep "preflight: read:metrics" "$out" '^hub metrics +pass +read:metrics$'
run_hubspy preflight --token-file "$HUB_LIMITED_TOKEN_FILE" "${K[@]}"
expect_rc "preflight: a token without servers fails (exit 5)" 5
expect_grep "preflight: the missing scope is named" "$out" \
    "^hub token +fail +the token lacks the 'servers' scope"
run_hubspy preflight --token-file "$HUB_TOKEN_FILE" --url "http://127.0.0.1:$(free_port)/hub/api" "${K[@]}"
expect_rc "preflight: an unreachable hub fails (exit 5)" 5
expect_grep "preflight: the unreachable hub's row" "$out" \
    '^hub +fail +cannot reach the hub at'

# a port nobody listens on: the probe fails at once, with curl's reason
run_hubspy postmortem --dumps 0 --top 0 --probe-timeout 5 \
    --url "http://127.0.0.1:$(free_port)/hub/api/" -o "$T/pm3" "${K[@]}"
expect_rc "postmortem: a hub that is down still ends (exit 0)" 0
expect_grep "postmortem: a refused probe says so" "$out" \
    '^  health: GET http://127\.0\.0\.1:[0-9]+/hub/api/: Couldn.t connect to server after [0-9.]+ s$'
JUPYTERHUB_API_URL= run_hubspy postmortem --dumps 0 --top 0 -o "$T/pm4" "${K[@]}"
expect_rc "postmortem: without a hub URL (exit 0)" 0
expect_grep "postmortem: no URL, no probes" "$out" \
    '^  health: skipped \(no --url and JUPYTERHUB_API_URL is not set\)$'

# --- the in-cluster manifests (docs/kubernetes/cronjob, docs/kubernetes.md) ---
# parsed by the real kubectl and sent to the API server as a dry run; the
# Role (and ClusterRole) grant exactly what hubspy asked the API server for
# in this suite: kubectl, debug and preflight
M=$ROOT/docs/kubernetes/cronjob
MF=$ROOT/tests/harness/k8s/manifests.py
n0=$(($(wc -l <"$REQS") + 1))
timeout 60 kubectl create --dry-run=server --validate=false -f "$M" -o name >"$T/m.out" 2>"$T/m.err"
expect_eq "manifests: kubectl creates every object (dry run)" "$?" 0
expect_eq "manifests: the objects kubectl sent" "$(sort "$T/m.out" | tr '\n' ' ')" \
    "clusterrole.rbac.authorization.k8s.io/hubspy-capacity clusterrolebinding.rbac.authorization.k8s.io/hubspy-capacity configmap/hubspy-profile cronjob.batch/hubspy persistentvolumeclaim/hubspy-runs role.rbac.authorization.k8s.io/hubspy rolebinding.rbac.authorization.k8s.io/hubspy serviceaccount/hubspy "
echo "$n0 $(wc -l <"$REQS")" >>"$T/reqs.skip"
"$PY" "$MF" used "$REQS" "$T/reqs.skip" >"$T/rbac.used"
"$PY" "$MF" granted "$REQS.objects" >"$T/rbac.granted"
expect_grep "RBAC: hubspy's calls were seen (exec, debug, logs)" "$T/rbac.used" \
    '^namespace "" pods/ephemeralcontainers patch$'
if diff "$T/rbac.used" "$T/rbac.granted" >"$T/rbac.diff"; then
	pass "RBAC: the Role and ClusterRole grant exactly what hubspy used"
else
	fail "RBAC: the Role and ClusterRole grant exactly what hubspy used" \
	    "(< used only, > granted only)" "$(cat "$T/rbac.diff")"
fi
"$PY" "$MF" wiring "$REQS.objects" >"$T/wiring.out" 2>&1
expect_eq "manifests: the CronJob's account, bindings, token file, profile and volume fit together" \
    "$(cat "$T/wiring.out")" ""
"$PY" - "$ROOT/docs/kubernetes.md" "$M/role.yaml" >"$T/md-role.out" <<'PY'
import sys
md, role = (open(p).read() for p in sys.argv[1:3])
block = md.split("```yaml\n", 1)[1].split("```", 1)[0]
want = role[role.index("apiVersion"):role.index("---")]
print("same" if block == want else "docs/kubernetes.md's Role differs from role.yaml")
PY
expect_eq "docs/kubernetes.md shows role.yaml's Role as it is" "$(cat "$T/md-role.out")" same
"$PY" "$MF" profile "$REQS.objects" "$T/nightly.json"
run_hubspy run --dry-run "$T/nightly.json"
expect_rc "manifests: the CronJob's profile is a valid profile (hubspy run --dry-run)" 0
# the checks can fail: a Role short of a verb, a manifest kubectl refuses
sed 's/verbs: \["patch"\]/verbs: ["get"]/' "$M/role.yaml" >"$T/role-short.yaml"
: >"$REQS.objects"
timeout 60 kubectl create --dry-run=server --validate=false -f "$T/role-short.yaml" -o name >/dev/null 2>&1
"$PY" "$MF" granted "$REQS.objects" | grep -v '^cluster' >"$T/rbac.short"
if grep -v '^cluster' "$T/rbac.used" | diff -q - "$T/rbac.short" >/dev/null; then
	fail "RBAC: a Role without patch on pods/ephemeralcontainers is caught"
else
	pass "RBAC: a Role without patch on pods/ephemeralcontainers is caught"
fi
sed 's/^kind: CronJob$/kind: CronJobb/' "$M/cronjob.yaml" >"$T/cronjob-bad.yaml"
timeout 60 kubectl create --dry-run=server --validate=false -f "$T/cronjob-bad.yaml" -o name >/dev/null 2>"$T/bad.err"
expect_eq "manifests: kubectl refuses an unknown kind" "$?" 1
expect_grep "manifests: kubectl names it" "$T/bad.err" 'no matches for kind "CronJobb"'

# --- the token never reaches a child: a kubectl that records its argv and
# environment, then runs the real one ---
TOKEN=$(head -n 1 "$HUB_TOKEN_FILE")
cat >"$T/reckubectl" <<EOS
#!/bin/sh
{ printf 'argv:'; printf ' %s' "\$@"; printf '\n'; env; cat /proc/self/environ; } >>"$T/kubectl.rec"
exec kubectl "\$@"
EOS
chmod +x "$T/reckubectl"
: >"$T/kubectl.rec"
JUPYTERHUB_API_TOKEN=$TOKEN JPY_API_TOKEN=$TOKEN run_hubspy preflight \
    --kubectl "$T/reckubectl" "${K[@]}"
expect_rc "token hygiene: preflight with the token in the environment (exit 0)" 0
expect_grep "token hygiene: the recording kubectl ran" "$T/kubectl.rec" '^argv: .*exec'
check "token hygiene: kubectl never saw the token (argv, environment)" \
    sh -c '! grep -aqF -- "$1" "$2"' _ "$TOKEN" "$T/kubectl.rec"
expect_nogrep "token hygiene: nor a token variable" "$T/kubectl.rec" \
    'JUPYTERHUB_API_TOKEN|JPY_API_TOKEN'
check "token hygiene: nor any py-spy it ran (the stand-in's log)" \
    sh -c '! grep -raqF -- "$1" "$2"' _ "$TOKEN" "$REMOTE"
# a token file others can read: used, with ssh's warning
cp "$HUB_TOKEN_FILE" "$T/open-token"
chmod 644 "$T/open-token"
run_hubspy preflight --token-file "$T/open-token" "${K[@]}"
expect_rc "token file readable by others: still used (exit 0)" 0
expect_grep "token file readable by others: warned" "$err" \
    "^hubspy: warning: token file '.*/open-token' is readable by others \(mode 0644\); chmod 600 it$"
chmod 600 "$T/open-token"
run_hubspy preflight --token-file "$T/open-token" "${K[@]}"
expect_nogrep "token file 0600: no warning" "$err" 'warning'

# --- a name starting with '-' never becomes a kubectl option ---
: >"$T/kubectl.rec"
run_hubspy capture --dump 1 --pod -oyaml --kubectl "$T/reckubectl" -o "$T/f" "${K[@]}"
expect_rc "--pod -oyaml: refused (exit 2)" 2
expect_grep "--pod -oyaml: says why" "$err" \
    "^hubspy: --pod '-oyaml': starts with '-' \(it would be read as a kubectl option\)"
one_line "--pod -oyaml: one line" "$err"
check "--pod -oyaml: kubectl never ran" test ! -s "$T/kubectl.rec"
run_hubspy capture --dump 1 -n Jhub -o "$T/f" "${K[@]}"
expect_rc "-n Jhub: not DNS-1123 (exit 2)" 2
expect_grep "-n Jhub: says why" "$err" "not a DNS-1123 label"
printf '{"target": {"pod": "-oyaml"}, "plateaus": {"users": [1]}}' >"$T/evil.json"
run_hubspy run --dry-run "$T/evil.json"
expect_rc "profile target.pod -oyaml: refused (exit 2)" 2
expect_grep "profile target.pod -oyaml: names the key" "$err" \
    "target.pod: '-oyaml': starts with '-'"

t_done
