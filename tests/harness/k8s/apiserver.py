#!/usr/bin/python3
"""apiserver.py -- a small Kubernetes API server the REAL kubectl talks to (tests).

Loopback, plain http, Python stdlib only, written from kubectl-exec.md.
This machine plays the hub pod: `kubectl exec` runs the command here (over
WebSocket v5.channel.k8s.io, with a pty under -t and resize), `kubectl
logs` tails a local file (`-f`: a chunked stream as the file grows),
`kubectl debug` adds an ephemeral container that
is then exec'd into the same way.

Usage: apiserver.py STATE.json PORTFILE REQUESTLOG
STATE.json is re-read on every request, so a test can change the cluster
between two commands:
  {"namespace": "jhub",
   "pods": [{"name": "hub-abc", "labels": {"component": "hub"},
             "containers": [{"name": "hub", "image": "hub:1",
                             "env": {"PATH": "..."}}],
             "phase": "Running", "nodeName": "n1", "restarts": 0,
             "log": "/path/to/hub.log",
             "previous_log": "/path/to/old.log",   (kubectl logs --previous)
             "last_reason": "OOMKilled", "last_exit_code": 137}],
   "events": [{"object": "hub-abc", "type": "Warning",
               "reason": "Unhealthy", "message": "...", "count": 3}],
   "nodes": [{"name": "n1", "labels": {...}, "ready": true, "pods": 110}],
   "statefulsets": {"user-placeholder": 2},
   "forbid": ["pods/exec"],
   "log_follow_seconds": 4}   (kubectl logs -f streams end after 4 s)
Every request is appended to REQUESTLOG as "METHOD PATH?QUERY"; the
objects of a dry-run create (kubectl create --dry-run=server -f, for the
manifests of docs/kubernetes/cronjob) to REQUESTLOG.objects, one JSON line
each.
"""
import base64
import errno
import fcntl
import hashlib
import json
import os
import pty
import select
import signal
import struct
import sys
import termios
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE, PORTFILE, REQLOG = sys.argv[1:4]
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LOCK = threading.Lock()
EPHEMERAL = {}      # (ns, pod) -> [container dicts] added by kubectl debug


def state():
    with open(STATE) as f:
        return json.load(f)


def status(code, reason, message, details=None):
    d = {"kind": "Status", "apiVersion": "v1", "metadata": {},
         "status": "Failure", "message": message, "reason": reason,
         "code": code}
    if details:
        d["details"] = details
    return code, d


def last_state(p):
    """lastState of a container that restarted (last_reason in the pod)."""
    if not p.get("last_reason"):
        return {}
    return {"terminated": {"reason": p["last_reason"],
                           "exitCode": p.get("last_exit_code", 1),
                           "startedAt": "2026-11-26T23:00:00Z",
                           "finishedAt": "2026-11-27T00:00:00Z",
                           "containerID": "containerd://old"}}


def event_json(ns, i, e):
    return {"kind": "Event", "apiVersion": "v1",
            "metadata": {"name": "%s.%d" % (e["object"], i), "namespace": ns},
            "involvedObject": {"kind": "Pod", "name": e["object"],
                               "namespace": ns},
            "reason": e.get("reason", ""), "message": e.get("message", ""),
            "type": e.get("type", "Normal"), "count": e.get("count", 1),
            "firstTimestamp": "2026-11-27T00:00:00Z",
            "lastTimestamp": "2026-11-27T00:00:%02dZ" % i,
            "source": {"component": "kubelet"}}


def pod_json(st, p):
    ns = st.get("namespace", "jhub")
    eph = EPHEMERAL.get((ns, p["name"]), [])
    return {
        "kind": "Pod", "apiVersion": "v1",
        "metadata": {"name": p["name"], "namespace": ns,
                     "labels": p.get("labels", {}),
                     "uid": "uid-" + p["name"],
                     "resourceVersion": "1",
                     "creationTimestamp": "2026-11-27T00:00:00Z",
                     "ownerReferences": p.get("owners", [])},
        "spec": {"containers": [{"name": c["name"],
                                 "image": c.get("image", "hub:test")}
                                for c in p.get("containers", [])],
                 "ephemeralContainers": [
                     {k: v for k, v in c.items() if k != "env"}
                     for c in eph],
                 "nodeName": p.get("nodeName", "node-1")},
        "status": {
            "phase": p.get("phase", "Running"),
            "containerStatuses": [
                {"name": c["name"], "ready": True,
                 "restartCount": p.get("restarts", 0),
                 "image": c.get("image", "hub:test"), "imageID": "",
                 "state": {"running": {
                     "startedAt": "2026-11-27T00:00:00Z"}},
                 "lastState": last_state(p)}
                for c in p.get("containers", [])],
            "ephemeralContainerStatuses": [
                {"name": c["name"], "ready": False, "restartCount": 0,
                 "image": c.get("image", ""), "imageID": "",
                 "state": {"running": {
                     "startedAt": "2026-11-27T00:00:00Z"}}}
                for c in eph]},
    }


def match_labels(labels, selector):
    if not selector:
        return True
    for term in selector.split(","):
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = term.split("=", 1)
            if labels.get(k.rstrip("=")) != v.lstrip("="):
                return False
        elif term and term not in labels:
            return False
    return True


def resources(names):
    out = []
    for n in names:
        ns, kind, verbs = n
        out.append({"name": ns, "singularName": "", "namespaced":
                    kind not in CLUSTER_KINDS, "kind": kind,
                    "verbs": verbs})
    return out


CLUSTER_KINDS = ("Node", "Namespace", "ClusterRole", "ClusterRoleBinding")
# what `kubectl create --dry-run=server -f` may create (the manifests of
# docs/kubernetes/cronjob): (group, resource) -> kind
CREATABLE = {("", "serviceaccounts"): "ServiceAccount",
             ("", "configmaps"): "ConfigMap",
             ("", "secrets"): "Secret",
             ("", "persistentvolumeclaims"): "PersistentVolumeClaim",
             ("rbac.authorization.k8s.io", "roles"): "Role",
             ("rbac.authorization.k8s.io", "rolebindings"): "RoleBinding",
             ("rbac.authorization.k8s.io", "clusterroles"): "ClusterRole",
             ("rbac.authorization.k8s.io", "clusterrolebindings"):
                 "ClusterRoleBinding",
             ("batch", "cronjobs"): "CronJob"}
API_V1 = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1",
          "resources": resources([
              ("pods", "Pod", ["get", "list", "watch", "patch"]),
              ("pods/exec", "PodExecOptions", ["create", "get"]),
              ("pods/attach", "PodAttachOptions", ["create", "get"]),
              ("pods/log", "Pod", ["get"]),
              ("pods/ephemeralcontainers", "Pod", ["get", "patch",
                                                   "update"]),
              ("namespaces", "Namespace", ["get", "list"]),
              ("events", "Event", ["get", "list"]),
              ("nodes", "Node", ["get", "list"])] +
              [(r, k, ["create", "get"]) for (g, r), k in CREATABLE.items()
               if g == ""])}
APPS_V1 = {"kind": "APIResourceList", "apiVersion": "v1",
           "groupVersion": "apps/v1",
           "resources": resources([("statefulsets", "StatefulSet",
                                    ["get", "list"])])}
AUTHZ_V1 = {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": "authorization.k8s.io/v1",
            "resources": resources([("selfsubjectaccessreviews",
                                     "SelfSubjectAccessReview",
                                     ["create"])])}


def group_resources(name):
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": name + "/v1",
            "resources": resources([(r, k, ["create", "get"])
                                    for (g, r), k in CREATABLE.items()
                                    if g == name])}


def group(name):
    gv = {"groupVersion": name + "/v1", "version": "v1"}
    return {"name": name, "versions": [gv], "preferredVersion": gv}


class WS:
    """Server side of one WebSocket (frames to the client are unmasked)."""

    def __init__(self, handler):
        self.r = handler.rfile
        self.sock = handler.connection
        self.wlock = threading.Lock()
        self.closed = False

    def send(self, opcode, payload):
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self.wlock:
            try:
                self.sock.sendall(hdr + payload)
            except OSError:
                self.closed = True

    def channel(self, ch, data):
        self.send(0x2, bytes([ch]) + data)

    def recv(self):
        """(opcode, payload) of the next whole message; None at EOF."""
        msg, op0 = b"", None
        while True:
            h = self.r.read(2)
            if len(h) < 2:
                return None
            fin, op = h[0] & 0x80, h[0] & 0x0F
            n = h[1] & 0x7F
            if n == 126:
                n = struct.unpack("!H", self.r.read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self.r.read(8))[0]
            mask = self.r.read(4) if h[1] & 0x80 else b"\0\0\0\0"
            data = bytearray(self.r.read(n))
            for i in range(len(data)):
                data[i] ^= mask[i % 4]
            if op == 0x9:
                self.send(0xA, bytes(data))
                continue
            if op == 0xA:
                continue
            if op == 0x8:
                return (0x8, bytes(data))
            if op0 is None:
                op0 = op
            msg += bytes(data)
            if fin:
                return (op0, msg)


def run_exec(handler, ws, argv, env, tty, want_stdin):
    """Runs argv here, pumps its streams over ws; returns the exit code."""
    if tty:
        pid, master = pty.fork()
        if pid == 0:
            try:
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        outs = {master: 1}
        stdin_fd = master
    else:
        rin, win = os.pipe()
        rout, wout = os.pipe()
        rerr, werr = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.setsid()
            os.dup2(rin if want_stdin else os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(wout, 1)
            os.dup2(werr, 2)
            try:
                os.closerange(3, 65536)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        for fd in (rin, wout, werr):
            os.close(fd)
        outs = {rout: 1, rerr: 2}
        stdin_fd = win

    def reader():
        while True:
            m = ws.recv()
            if m is None or m[0] == 0x8:
                break
            op, data = m
            if not data:
                continue
            ch, body = data[0], data[1:]
            if ch == 0 and stdin_fd is not None:
                try:
                    os.write(stdin_fd, body)
                except OSError:
                    pass
            elif ch == 4 and tty:
                try:
                    sz = json.loads(body)
                    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack(
                        "HHHH", sz["Height"], sz["Width"], 0, 0))
                except (ValueError, KeyError, OSError):
                    pass
            elif ch == 255 and len(body) >= 1 and body[0] == 0 and not tty:
                try:
                    os.close(stdin_fd)
                except OSError:
                    pass
        # the client went away: HUP, TERM, then KILL the process group
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pid, sig)
            except OSError:
                return
            time.sleep(0.5)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    while outs:
        ready, _, _ = select.select(list(outs), [], [], 1.0)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b""
            if not data:
                del outs[fd]
                if fd != (master if tty else -1):
                    os.close(fd)
                continue
            ws.channel(outs[fd], data)
    _, st = os.waitpid(pid, 0)
    if tty:
        os.close(master)
    elif stdin_fd is not None:
        try:
            os.close(stdin_fd)
        except OSError:
            pass
    return os.waitstatus_to_exitcode(st), t


# path -> [(time, offset)]: where each followed log ended when
FOLLOWED = {}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_json(self, code, obj, ctype="application/json"):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_text(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def follow_log(self, st, p, tail):
        """kubectl logs -f: the log as it grows, chunked, until the client
        goes or log_follow_seconds (state) pass (an API server ends long
        streams too). The file has no per-line times, so every stream
        notes where the file ended when (FOLLOWED): sinceSeconds=N starts
        where it ended N s ago as far as an earlier stream saw (the first
        stream: at its end), tailLines with its last lines, neither with
        all of it."""
        limit = float(st.get("log_follow_seconds", 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        try:
            f = open(p.get("log", "/dev/null"), "rb")
        except OSError:
            f = None
        start = time.time()
        try:
            if f is not None:
                if tail >= 0:
                    lines = f.read().splitlines(True)
                    if tail and lines:
                        chunk(b"".join(lines[-tail:]))
                elif "sinceSeconds" in self.path:
                    q = urllib.parse.parse_qs(
                        urllib.parse.urlsplit(self.path).query)
                    since = time.time() - float(q["sinceSeconds"][0])
                    with LOCK:
                        seen = [o for t, o in FOLLOWED.get(f.name, [])
                                if t <= since]
                    f.seek(seen[-1] if seen else 0, 0 if seen else 2)
                else:
                    data = f.read()
                    if data:
                        chunk(data)
            while not limit or time.time() - start < limit:
                data = f.read(65536) if f is not None else b""
                if data:
                    chunk(data)
                else:
                    time.sleep(0.1)
                if f is not None:
                    with LOCK:
                        h = FOLLOWED.setdefault(f.name, [])
                        h.append((time.time(), f.tell()))
                        del h[:-3000]
            chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            if f is not None:
                f.close()
        self.close_connection = True
        return None, None

    def route(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        with LOCK, open(REQLOG, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        parts = [urllib.parse.unquote(p) for p in u.path.split("/") if p]
        st = state()
        ns0 = st.get("namespace", "jhub")
        forbid = set(st.get("forbid", []))
        if u.path == "/version":
            return 200, {"major": "1", "minor": "32", "gitVersion": "v1.32.4",
                         "gitCommit": "test", "gitTreeState": "clean",
                         "buildDate": "2026-01-01T00:00:00Z",
                         "goVersion": "go1.23", "compiler": "gc",
                         "platform": "linux/amd64"}
        if u.path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [
                             {"clientCIDR": "0.0.0.0/0",
                              "serverAddress": "127.0.0.1"}]}
        if u.path == "/apis":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1",
                         "groups": [group("apps"),
                                    group("authorization.k8s.io"),
                                    group("rbac.authorization.k8s.io"),
                                    group("batch")]}
        if u.path == "/api/v1":
            return 200, API_V1
        if u.path == "/apis/apps/v1":
            return 200, APPS_V1
        if u.path == "/apis/authorization.k8s.io/v1":
            return 200, AUTHZ_V1
        if u.path in ("/apis/rbac.authorization.k8s.io/v1",
                      "/apis/batch/v1"):
            return 200, group_resources(parts[1])
        if self.command == "POST" and parts[-1:] and \
                self.creatable(parts) is not None:
            return self.create(parts, q)
        if parts[:4] == ["apis", "authorization.k8s.io", "v1",
                         "selfsubjectaccessreviews"]:
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n)
            # kubectl sends protobuf here; the strings are readable in it
            if raw[:1] == b"{":
                ra = json.loads(raw).get("spec", {}).get(
                    "resourceAttributes", {})
                res = ra.get("resource", "")
                if ra.get("subresource"):
                    res += "/" + ra["subresource"]
            else:
                text = raw.decode("latin1")
                res = "pods" if "pods" in text else ""
                for sub in ("exec", "log", "ephemeralcontainers", "attach"):
                    if sub in text:
                        res += "/" + sub
                        break
            return 201, {"kind": "SelfSubjectAccessReview",
                         "apiVersion": "authorization.k8s.io/v1",
                         "metadata": {}, "spec": {},
                         "status": {"allowed": res not in forbid}}
        if parts == ["api", "v1", "nodes"]:
            items = []
            for nd in st.get("nodes", []):
                if not match_labels(nd.get("labels", {}),
                                    q.get("labelSelector", [""])[0]):
                    continue
                items.append({"kind": "Node", "apiVersion": "v1",
                              "metadata": {"name": nd["name"],
                                           "labels": nd.get("labels", {})},
                              "spec": {"unschedulable":
                                       nd.get("unschedulable", False)},
                              "status": {
                                  "allocatable": {"pods": str(nd.get(
                                      "pods", 110))},
                                  "conditions": [{"type": "Ready",
                                                  "status": "True" if
                                                  nd.get("ready", True)
                                                  else "False"}]}})
            return 200, {"kind": "NodeList", "apiVersion": "v1",
                         "metadata": {"resourceVersion": "1"},
                         "items": items}
        if parts == ["api", "v1", "pods"]:
            items = [pod_json(st, p) for p in st.get("pods", [])]
            for sp in st.get("system_pods", []):
                items.append({"kind": "Pod", "apiVersion": "v1",
                              "metadata": {"name": sp["name"],
                                           "namespace": "kube-system",
                                           "ownerReferences": [
                                               {"kind": "DaemonSet",
                                                "name": "ds"}]},
                              "spec": {"nodeName": sp["nodeName"]},
                              "status": {"phase": "Running"}})
            fs = q.get("fieldSelector", [""])[0]
            if fs.startswith("spec.nodeName="):
                node = fs.split("=", 1)[1]
                items = [i for i in items if i["spec"]["nodeName"] == node]
            return 200, {"kind": "PodList", "apiVersion": "v1",
                         "metadata": {"resourceVersion": "1"},
                         "items": items}
        if len(parts) == 4 and parts[:3] == ["api", "v1", "namespaces"]:
            if parts[3] != ns0:
                return status(404, "NotFound", 'namespaces "%s" not found'
                              % parts[3], {"name": parts[3],
                                           "kind": "namespaces"})
            return 200, {"kind": "Namespace", "apiVersion": "v1",
                         "metadata": {"name": ns0},
                         "status": {"phase": "Active"}}
        if len(parts) >= 5 and parts[:3] == ["api", "v1", "namespaces"]:
            ns = parts[3]
            if ns != ns0:
                if len(parts) >= 6:
                    return status(404, "NotFound", 'pods "%s" not found'
                                  % parts[5], {"name": parts[5],
                                               "kind": "pods"})
                return 200, {"kind": "PodList", "apiVersion": "v1",
                             "metadata": {}, "items": []}
            if parts[4] == "events" and len(parts) == 5:
                if "events" in forbid:
                    return status(403, "Forbidden", 'events is forbidden: '
                                  'User "test" cannot list resource "events" '
                                  'in API group "" in the namespace "%s"' % ns)
                fs = q.get("fieldSelector", [""])[0]
                want = dict(t.split("=", 1) for t in fs.split(",") if "=" in t)
                items = [event_json(ns, i, e)
                         for i, e in enumerate(st.get("events", []))
                         if want.get("involvedObject.name",
                                     e["object"]) == e["object"]]
                return 200, {"kind": "EventList", "apiVersion": "v1",
                             "metadata": {"resourceVersion": "1"},
                             "items": items}
            if parts[4] == "pods" and len(parts) == 5:
                if "pods" in forbid:
                    return status(403, "Forbidden", 'pods is forbidden: User '
                                  '"test" cannot list resource "pods" in API '
                                  'group "" in the namespace "%s"' % ns)
                sel = q.get("labelSelector", [""])[0]
                fs = q.get("fieldSelector", [""])[0]
                items = [pod_json(st, p) for p in st.get("pods", [])
                         if match_labels(p.get("labels", {}), sel) and
                         (not fs.startswith("metadata.name=") or
                          fs.split("=", 1)[1] == p["name"])]
                if q.get("watch", [""])[0] == "true":
                    return self.watch(items)
                return 200, {"kind": "PodList", "apiVersion": "v1",
                             "metadata": {"resourceVersion": "1"},
                             "items": items}
            if parts[4] == "pods":
                name = parts[5]
                pods = [p for p in st.get("pods", []) if p["name"] == name]
                if not pods:
                    return status(404, "NotFound", 'pods "%s" not found'
                                  % name, {"name": name, "kind": "pods"})
                p = pods[0]
                sub = parts[6] if len(parts) > 6 else None
                if sub is None:
                    return 200, pod_json(st, p)
                if sub in ("exec", "attach") and "pods/exec" in forbid:
                    return status(403, "Forbidden", 'pods "%s" is forbidden: '
                                  'User "test" cannot create resource '
                                  '"pods/exec" in API group "" in the '
                                  'namespace "%s"' % (name, ns))
                if sub == "log":
                    if "pods/log" in forbid:
                        return status(403, "Forbidden", 'pods "%s" is '
                                      'forbidden: User "test" cannot get '
                                      'resource "pods/log"' % name)
                    tail = int(q.get("tailLines", ["-1"])[0])
                    which = "log"
                    if q.get("follow", [""])[0] == "true" and \
                            q.get("previous", [""])[0] != "true":
                        return self.follow_log(st, p, tail)
                    if q.get("previous", [""])[0] == "true":
                        which = "previous_log"
                        if not p.get(which):
                            return status(400, "BadRequest", 'previous '
                                          'terminated container "%s" in pod '
                                          '"%s" not found' % (
                                              q.get("container", ["hub"])[0],
                                              name))
                    try:
                        with open(p.get(which, "/dev/null"),
                                  errors="replace") as f:
                            lines = f.read().splitlines(True)
                    except OSError:
                        lines = []
                    if tail >= 0:
                        lines = lines[-tail:] if tail else []
                    return 200, "".join(lines)
                if sub == "ephemeralcontainers":
                    return self.ephemeral(st, ns, p)
                if sub in ("exec", "attach"):
                    if sub == "attach":
                        q = dict(q, _attach=["1"])
                    return self.exec(st, ns, p, q)
            if parts[4] == "statefulsets" or (len(parts) > 4):
                pass
        if parts[:4] == ["apis", "apps", "v1", "namespaces"] and \
                len(parts) == 7 and parts[5] == "statefulsets":
            sts = st.get("statefulsets", {})
            if parts[6] not in sts:
                return status(404, "NotFound", 'statefulsets.apps "%s" not '
                              'found' % parts[6])
            return 200, {"kind": "StatefulSet", "apiVersion": "apps/v1",
                         "metadata": {"name": parts[6], "namespace": ns0},
                         "spec": {"replicas": sts[parts[6]]},
                         "status": {"replicas": sts[parts[6]]}}
        return status(404, "NotFound", "the server could not find the "
                      "requested resource")

    def creatable(self, parts):
        """(group, resource, namespace) of a collection POST may create
        in, or None"""
        if parts[:2] == ["api", "v1"]:
            g, rest = "", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            g, rest = parts[1], parts[3:]
        else:
            return None
        ns = None
        if len(rest) == 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        if len(rest) != 1 or (g, rest[0]) not in CREATABLE:
            return None
        return g, rest[0], ns

    def create(self, parts, q):
        """A dry-run create (kubectl create --dry-run=server): the object
        is checked for the kind and namespace its path says, appended to
        REQUESTLOG.objects as one JSON line, and echoed back."""
        g, res, ns = self.creatable(parts)
        n = int(self.headers.get("Content-Length", "0"))
        try:
            obj = json.loads(self.rfile.read(n) or b"null")
        except ValueError as e:
            return status(400, "BadRequest", "the body is not JSON: %s" % e)
        if q.get("dryRun", [""])[0] != "All":
            return status(403, "Forbidden", "this test server only takes "
                          "dry runs (--dry-run=server)")
        kind = CREATABLE[(g, res)]
        apiv = (g + "/v1") if g else "v1"
        if not isinstance(obj, dict) or obj.get("kind") != kind or \
                obj.get("apiVersion") != apiv:
            return status(400, "BadRequest", "%s wants kind %s of %s" %
                          (self.path, kind, apiv))
        md = obj.get("metadata") or {}
        if (ns is None) != (kind in CLUSTER_KINDS) or \
                (ns and md.get("namespace", ns) != ns):
            return status(400, "BadRequest", "the namespace of the body "
                          "does not match the request")
        with LOCK, open(REQLOG + ".objects", "a") as f:
            f.write(json.dumps({"path": self.path, "object": obj}) + "\n")
        md = dict(md, uid="uid-dry-run", resourceVersion="1",
                  creationTimestamp="2026-11-27T00:00:00Z")
        if ns:
            md["namespace"] = ns
        return 201, dict(obj, metadata=md)

    def watch(self, items):
        """A watch: one ADDED event per object, then held open (30 s at
        most) until the client goes away."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for it in items:
                ev = json.dumps({"type": "ADDED", "object": it}).encode()
                ev += b"\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(ev), ev))
            self.wfile.flush()
            self.connection.settimeout(30)
            self.connection.recv(1)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True
        return None, None

    def ephemeral(self, st, ns, p):
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n) or b"{}")
        if self.command in ("PATCH", "PUT"):
            want = body.get("spec", {}).get("ephemeralContainers", [])
            have = EPHEMERAL.setdefault((ns, p["name"]), [])
            names = {c["name"] for c in have}
            for c in want:
                if isinstance(c, dict) and c.get("name") and \
                        c["name"] not in names:
                    have.append(c)
        return 200, pod_json(st, p)

    def exec(self, st, ns, p, q):
        cname = q.get("container", [""])[0]
        conts = {c["name"]: c for c in p.get("containers", [])}
        for c in EPHEMERAL.get((ns, p["name"]), []):
            conts[c["name"]] = dict(c, env=conts.get(
                c.get("targetContainerName", ""), {}).get("env", {}))
        if not cname and conts:
            cname = list(conts)[0]
        if q.get("_attach"):
            # attach: this test server starts the container's command
            # (ephemeral containers only) instead of joining a process
            c = conts.get(cname, {})
            q = dict(q, command=(c.get("command") or ["sh"]) +
                     (c.get("args") or []))
        if cname not in conts:
            return status(400, "BadRequest", "container %s is not valid for "
                          "pod %s" % (cname, p["name"]))
        argv = q.get("command", [])
        if self.headers.get("Upgrade", "").lower() != "websocket" or \
                "v5.channel.k8s.io" not in self.headers.get(
                    "Sec-WebSocket-Protocol", ""):
            return status(400, "BadRequest", "this test server speaks "
                          "WebSocket v5.channel.k8s.io only")
        key = self.headers["Sec-WebSocket-Key"]
        acc = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest())
        self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\n"
                         b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + acc + b"\r\n"
                         b"Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n")
        self.wfile.flush()
        self.close_connection = True
        ws = WS(self)
        env = dict(os.environ)
        env.update(conts[cname].get("env", {}))
        tty = q.get("tty", [""])[0] == "true"
        want_stdin = q.get("stdin", [""])[0] == "true"
        exe = argv[0] if argv else ""
        found = bool(exe) and ("/" in exe and os.access(exe, os.X_OK) or any(
            os.path.isfile(os.path.join(d, exe)) and
            os.access(os.path.join(d, exe), os.X_OK)
            for d in env.get("PATH", "").split(":") if d))
        if not found:
            msg = ("Internal error occurred: error executing command in "
                   "container: failed to exec in container: OCI runtime exec "
                   "failed: exec failed: unable to start container process: "
                   "exec: \"%s\": executable file not found in $PATH: "
                   "unknown" % exe)
            ws.channel(3, json.dumps({"metadata": {}, "status": "Failure",
                                      "message": msg,
                                      "reason": "InternalError",
                                      "code": 500}).encode())
        reader = None
        if found:
            code, reader = run_exec(self, ws, argv, env, tty, want_stdin)
            if code == 0:
                ws.channel(3, b'{"metadata":{},"status":"Success"}')
            else:
                ws.channel(3, json.dumps({
                    "metadata": {}, "status": "Failure",
                    "reason": "NonZeroExitCode",
                    "message": "command terminated with non-zero exit code: "
                               "error executing command [%s], exit code %d"
                               % (" ".join(argv), code),
                    "details": {"causes": [{"reason": "ExitCode",
                                            "message": str(code)}]}
                }).encode())
        ws.send(0x8, struct.pack("!H", 1000))
        if reader is not None:
            reader.join(2)      # the client's close frame ends it
        return None, None

    def handle_any(self):
        try:
            code, obj = self.route()
        except BrokenPipeError:
            return
        if code is None:
            return
        if isinstance(obj, str):
            self.send_text(code, obj)
        else:
            self.send_json(code, obj)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    with open(PORTFILE + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(PORTFILE + ".tmp", PORTFILE)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    srv.serve_forever()


if __name__ == "__main__":
    main()
