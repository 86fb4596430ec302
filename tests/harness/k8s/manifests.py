#!/usr/bin/python3
"""manifests.py -- checks of docs/kubernetes/cronjob for tests/it/capture.sh.

  manifests.py used REQUESTLOG [SKIP]   the RBAC permissions the requests
      of REQUESTLOG needed, one "SCOPE GROUP RESOURCE VERB" line each
      (SCOPE: namespace or cluster); SKIP lists "FIRST LAST" line ranges
      (1-based) that were not hubspy's (the test's own kubectl calls)
  manifests.py granted OBJECTS          the same lines for what the Role
      and ClusterRole among OBJECTS (apiserver.py's REQUESTLOG.objects:
      what the real kubectl sent for `create --dry-run=server -f`) grant
  manifests.py wiring OBJECTS           the CronJob's references: its
      ServiceAccount, the RoleBindings' subject and role, the Secret as a
      file, the profile's ConfigMap key and the volume: one line per
      problem, nothing when they hold
  manifests.py profile OBJECTS OUT      the CronJob's profile, to OUT

Requests that need no Role are left out: discovery (/version, /api,
/apis...: nonResourceURLs every authenticated user may read through
system:discovery) and SelfSubjectAccessReviews (system:basic-user).
A WebSocket exec or attach (kubectl 1.30+: GET with Upgrade) is authorised
as "get" by API servers before 1.35 and as "create" from 1.35
(AuthorizePodWebsocketUpgradeCreatePermission): it needs both.
"""
import json
import sys
import urllib.parse

VERB = {"GET": "get", "POST": "create", "PATCH": "patch", "PUT": "update",
        "DELETE": "delete"}


def used(reqlog, skipfile=None):
    skip = []
    if skipfile:
        with open(skipfile) as f:
            skip = [tuple(int(x) for x in ln.split()) for ln in f
                    if ln.strip()]
    out = set()
    with open(reqlog) as f:
        for no, line in enumerate(f, 1):
            if any(a <= no <= b for a, b in skip):
                continue
            method, path = line.split(" ", 1)
            u = urllib.parse.urlsplit(path.strip())
            q = urllib.parse.parse_qs(u.query)
            parts = [p for p in u.path.split("/") if p]
            if parts[:2] == ["api", "v1"]:
                group, rest = "", parts[2:]
            elif parts[:1] == ["apis"] and len(parts) >= 3:
                group, rest = parts[1], parts[3:]
            else:
                continue        # /version, /api, /apis, /openapi: discovery
            if not rest or group == "authorization.k8s.io":
                continue        # a group's discovery; access reviews
            scope = "cluster"
            if rest[0] == "namespaces" and len(rest) >= 3:
                scope, rest = "namespace", rest[2:]
            res = rest[0]
            if len(rest) == 1:
                verb = {"GET": "watch" if q.get("watch") == ["true"]
                        else "list", "POST": "create"}.get(method, "?")
            else:
                verb = VERB.get(method, "?")
                if len(rest) >= 3:
                    res += "/" + rest[2]
            verbs = {verb}
            if res in ("pods/exec", "pods/attach") and method == "GET":
                verbs = {"get", "create"}
            if rest[0] == "namespaces" and scope == "cluster":
                res = "namespaces"
            for v in verbs:
                out.add((scope, group or '""', res, v))
    return out


def objects(path):
    with open(path) as f:
        return [json.loads(ln)["object"] for ln in f if ln.strip()]


def granted(objs):
    out = set()
    for o in objs:
        if o.get("kind") not in ("Role", "ClusterRole"):
            continue
        scope = "namespace" if o["kind"] == "Role" else "cluster"
        for r in o.get("rules", []):
            for g in r.get("apiGroups", []):
                for res in r.get("resources", []):
                    for v in r.get("verbs", []):
                        out.add((scope, g or '""', res, v))
    return out


def wiring(objs):
    by = {}
    for o in objs:
        by.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    bad = []
    cj = by.get("CronJob", {}).get("hubspy")
    if cj is None:
        return ["no CronJob hubspy"]
    pod = cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    sa = pod.get("serviceAccountName")
    if sa not in by.get("ServiceAccount", {}):
        bad.append("serviceAccountName %r is not a ServiceAccount" % sa)
    for kind, role in (("RoleBinding", "Role"),
                       ("ClusterRoleBinding", "ClusterRole")):
        for b in by.get(kind, {}).values():
            if b["roleRef"]["name"] not in by.get(role, {}):
                bad.append("%s %s: no %s %s" % (kind, b["metadata"]["name"],
                                                role, b["roleRef"]["name"]))
            if not any(s.get("kind") == "ServiceAccount" and
                       s.get("name") == sa for s in b.get("subjects", [])):
                bad.append("%s %s does not bind %s" %
                           (kind, b["metadata"]["name"], sa))
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    c = pod["containers"][0]
    args = c.get("args", [])
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}

    def arg(opt):
        return args[args.index(opt) + 1] if opt in args else None

    def mount_of(path):
        for mp, name in mounts.items():
            if path.startswith(mp.rstrip("/") + "/"):
                return vols.get(name), path[len(mp.rstrip("/")) + 1:]
        return None, None

    tok = arg("--token-file")
    v, rel = mount_of(tok or "")
    if not v or "secret" not in v or \
            rel not in [i["path"] for i in v["secret"].get("items", [])]:
        bad.append("--token-file %r is not a file of a Secret volume" % tok)
    if any("TOKEN" in e.get("name", "") for e in c.get("env", [])):
        bad.append("a token in the environment")
    v, rel = mount_of(args[1] if len(args) > 1 else "")
    cms = by.get("ConfigMap", {})
    if not v or "configMap" not in v or v["configMap"]["name"] not in cms or \
            rel not in cms[v["configMap"]["name"]].get("data", {}):
        bad.append("the profile %r is not a key of the ConfigMap" %
                   (args[1:2],))
    for opt in ("--output", "--baseline"):
        v, _ = mount_of((arg(opt) or "") + "/x")
        if not v or "persistentVolumeClaim" not in v or \
                v["persistentVolumeClaim"]["claimName"] not in \
                by.get("PersistentVolumeClaim", {}):
            bad.append("%s is not on the PersistentVolumeClaim" % opt)
    return bad


def main():
    cmd = sys.argv[1]
    if cmd == "used":
        lines = used(*sys.argv[2:4])
    elif cmd == "granted":
        lines = granted(objects(sys.argv[2]))
    elif cmd == "wiring":
        for b in wiring(objects(sys.argv[2])):
            print(b)
        return
    elif cmd == "profile":
        for o in objects(sys.argv[2]):
            if o["kind"] == "ConfigMap":
                with open(sys.argv[3], "w") as f:
                    f.write(next(iter(o["data"].values())))
        return
    else:
        sys.exit("usage: manifests.py used|granted|wiring|profile ...")
    for t in sorted(lines):
        print(" ".join(t))


if __name__ == "__main__":
    main()
