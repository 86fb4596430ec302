# k8s/lib.sh -- the in-test cluster the REAL kubectl talks to (sourced by
# tests/it/*.sh after tests/lib.sh and hub_start):
# tests/harness/k8s/apiserver.py with one hub pod "hub-abc" (namespace
# jhub) whose container is this machine, with the py-spy stand-in
# (tests/harness/pyspy) on the container's PATH.
#   state [KEY=VALUE...]  rewrites the cluster (re-read on every request):
#                         path=, two=1, forbid=a,b, PYSPY_STANDIN_*=,
#                         previous=FILE (the log before a restart),
#                         last_reason=R (lastState.terminated.reason),
#                         events=1 (the liveness failures of a restart),
#                         PYSPY_STANDIN_PLANT=FILE (locals planted in dumps),
#                         log_follow=S (kubectl logs -f streams end after S s)
#   follows_left          the suite's kubectl logs -f still running (pids)
#   k8s_start             starts the API server, writes a kubeconfig and
#                         exports KUBECONFIG (stopped by t_cleanup)
# Sets STATE, REQS (the API server's request log), PODPATH.
K8S_ROOT=$(cd "$HERE/.." && pwd)
STATE=$T/state.json REQS=$T/requests.log
PODPATH=$K8S_ROOT/tests/harness/pyspy:/usr/local/bin:/usr/bin:/bin
state() {
	/usr/bin/python3 - "$STATE" "$HUB_LOG" "$PODPATH" "$@" <<'EOF'
import json, sys
path, log, podpath = sys.argv[1:4]
kv = dict(a.split("=", 1) for a in sys.argv[4:])
env = {"PATH": kv.get("path", podpath)}
for k in ("PYSPY_STANDIN_FAIL", "PYSPY_STANDIN_VERSION",
          "PYSPY_STANDIN_PYTHON", "PYSPY_STANDIN_HANG", "PYSPY_STANDIN_PLANT"):
    if k in kv:
        env[k] = kv[k]
pod = lambda name: {"name": name, "labels": {"component": "hub",
                    "app": "jupyterhub", "release": "jhub"},
                    "containers": [{"name": "hub", "image": "hub:test",
                                    "env": env}],
                    "nodeName": "core-1", "restarts": 1, "log": log}
pods = [pod("hub-abc")] + ([pod("hub-def")] if kv.get("two") else [])
if kv.get("previous"):
    pods[0]["previous_log"] = kv["previous"]
if kv.get("last_reason"):
    pods[0]["last_reason"] = kv["last_reason"]
    pods[0]["last_exit_code"] = 137
events = []
if kv.get("events"):
    events = [{"object": "hub-abc", "type": "Warning", "reason": "Unhealthy",
               "message": "Liveness probe failed: Get "
                          "\"http://10.0.0.5:8081/hub/health\": context "
                          "deadline exceeded", "count": 3},
              {"object": "hub-abc", "type": "Normal", "reason": "Killing",
               "message": "Container hub failed liveness probe, will be "
                          "restarted"},
              {"object": "other-pod", "type": "Normal", "reason": "Pulled",
               "message": "not about the hub"}]
json.dump({"namespace": "jhub", "pods": pods,
           "forbid": [f for f in kv.get("forbid", "").split(",") if f],
           "events": events,
           "log_follow_seconds": float(kv.get("log_follow", 0)),
           "nodes": [{"name": "user-%d" % i, "pods": 110,
                      "labels": {"hub.jupyter.org/node-purpose": "user"}}
                     for i in (1, 2)],
           "system_pods": [{"name": "kube-proxy", "nodeName": "user-1"},
                           {"name": "cni", "nodeName": "user-1"}],
           "statefulsets": {"user-placeholder": 4}}, open(path, "w"))
EOF
}
# pids of this suite's kubectl logs -f (its KUBECONFIG) still running
follows_left() {
	local p
	for p in $(pgrep -f "logs -f --since=" || true); do
		grep -qz "^KUBECONFIG=$KUBECONFIG\$" "/proc/$p/environ" 2>/dev/null && echo "$p"
	done
}
k8s_start() {
	local _
	state
	/usr/bin/python3 "$K8S_ROOT/tests/harness/k8s/apiserver.py" "$STATE" \
	    "$T/port" \
	    "$REQS" >"$T/apiserver.log" 2>&1 &
	K8S_APIPID=$!
	t_cleanup "kill $K8S_APIPID"
	for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.1; done
	cat >"$T/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "http://127.0.0.1:$(cat "$T/port")"}
users:
- name: test
  user: {}
contexts:
- name: test
  context: {cluster: test, user: test, namespace: jhub}
current-context: test
EOF
	export KUBECONFIG=$T/kubeconfig KUBECACHEDIR=$T/kcache
}
