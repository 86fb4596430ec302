#!/usr/bin/python3
# schema_check.py -- checks an extracted hubspy archive against
# docs/artifacts.md (manifest.json schema 1): required keys and their
# types, enumerations, and that every file's bytes and sha256 (and each
# capture's) match what was extracted. Prints one line per problem and
# "schema ok" at the end; exits 1 on any problem.
#   schema_check.py TOPDIR [--partial yes|no]
import hashlib
import json
import os
import sys

NUM = (int, float)
problems = []


def bad(where, what):
    problems.append("%s: %s" % (where, what))


def typ(v, t, nullable=False):
    if v is None:
        return nullable
    if t is NUM:
        return isinstance(v, NUM) and not isinstance(v, bool)
    if t is int:
        return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, t)


def need(obj, where, spec):
    """spec: key -> (type, nullable)"""
    if not isinstance(obj, dict):
        bad(where, "expected an object, got %r" % type(obj).__name__)
        return
    for k, (t, nullable) in spec.items():
        if k not in obj:
            bad(where, "missing key '%s'" % k)
        elif not typ(obj[k], t, nullable):
            bad(where, "'%s' has type %s" % (k, type(obj[k]).__name__))


PHASES = {"preflight", "ramp", "settle", "hold", "capture", "teardown",
          "archive", "watch"}
FAILURES = {None, "kubectl_missing", "not_authorised", "pod_not_found",
            "container_not_found", "pyspy_missing", "permission_denied",
            "no_such_pid", "not_python", "unsupported_python", "idle",
            "timeout", "other"}
CLASSES = {"create", "start", "poll", "stop", "delete", "activity",
           "probe", "list", "other", "mint", "login", "page", "own_api",
           "proxy", "progress", "oauth", "phases"}
SPAWN_PHASES = ("accept", "first_event", "ready", "total")


def usage(u, where):
    need(u, where, {"cpu_seconds": (NUM, True), "rss_bytes": (NUM, True),
                    "cgroup_memory_bytes": (NUM, True)})


def main():
    top = sys.argv[1]
    partial = None
    if len(sys.argv) > 3 and sys.argv[2] == "--partial":
        partial = sys.argv[3] == "yes"
    with open(os.path.join(top, "manifest.json")) as f:
        m = json.load(f)
    need(m, "manifest", {
        "schema": (int, False), "hubspy_version": (str, False),
        "created": (str, False), "partial": (bool, False),
        "partial_reason": (str, True), "profile_name": (str, False),
        "profile": (dict, False), "plan": (dict, True),
        "hub": (dict, False), "target": (dict, False),
        "timeline": (list, False), "plateaus": (list, False),
        "after_purge": (dict, True), "files": (list, False)})
    if m.get("schema") != 1:
        bad("manifest", "schema is %r, want 1" % m.get("schema"))
    if partial is not None and m.get("partial") is not partial:
        bad("manifest", "partial is %r, want %r" % (m.get("partial"), partial))
    if m.get("partial") and not m.get("partial_reason"):
        bad("manifest", "partial without a partial_reason")
    if not str(m.get("created", "")).endswith("Z"):
        bad("manifest", "created is not UTC with Z")
    need(m.get("hub"), "hub", {"url": (str, False), "version": (str, True),
                               "info": (dict, True),
                               "token_kind": (str, True),
                               "scopes": (list, False)})
    need(m.get("target"), "target", {
        "transport": (str, False), "context": (str, True),
        "namespace": (str, True), "pod": (str, True),
        "container": (str, True), "pid": (int, True),
        "python": (str, True), "pyspy": (str, True)})
    for i, e in enumerate(m.get("timeline") or []):
        w = "timeline[%d]" % i
        need(e, w, {"phase": (str, False), "plateau": (int, True),
                    "start": (str, False), "end": (str, False),
                    "seconds": (NUM, False)})
        if isinstance(e, dict) and e.get("phase") not in PHASES:
            bad(w, "unknown phase %r" % e.get("phase"))
    for i, p in enumerate(m.get("plateaus") or []):
        w = "plateaus[%d]" % i
        need(p, w, {"users": (int, False), "dir": (str, False),
                    "state": (dict, False), "ramp_seconds": (NUM, False),
                    "requests": (dict, False), "throttle": (dict, False),
                    "spawn_seconds": (dict, False),
                    "spawn_phases": (dict, True), "hold": (dict, False),
                    "hub_metrics": (dict, True), "hub_usage": (dict, True),
                    "hub_log_stalls": (int, True),
                    "captures": (list, False)})
        if not isinstance(p, dict):
            continue
        if p.get("dir") != "plateaus/%04d" % p.get("users", -1):
            bad(w, "dir %r does not match users" % p.get("dir"))
        need(p.get("state"), w + ".state", {
            k: (int, False) for k in ("asked", "created", "ready",
                                      "failed", "timed_out")})
        for c, r in (p.get("requests") or {}).items():
            if c not in CLASSES:
                bad(w + ".requests", "unknown class %r" % c)
            need(r, w + ".requests." + c, {"count": (int, False),
                                           "retries": (int, False),
                                           "latency_ms": (dict, False),
                                           "status": (dict, False)})
            if isinstance(r, dict):
                need(r.get("latency_ms"), w + ".requests.%s.latency_ms" % c,
                     {q: (NUM, True) for q in ("p50", "p90", "p99", "max")})
                need(r.get("status"), w + ".requests.%s.status" % c,
                     {s: (int, False) for s in ("2xx", "429", "5xx",
                                                "network")})
        need(p.get("throttle"), w + ".throttle", {
            "count_429": (int, False), "retry_after_seconds": (NUM, False),
            "throttled_seconds": (NUM, False),
            "active_server_limit": (bool, False)})
        need(p.get("spawn_seconds"), w + ".spawn_seconds", {
            "count": (int, False), "p50": (NUM, True), "p90": (NUM, True),
            "p99": (NUM, True), "max": (NUM, True)})
        sp = p.get("spawn_phases")
        if sp is not None:
            need(sp, w + ".spawn_phases", dict(
                {k: (int, False) for k in ("sampled", "failed",
                                           "unfinished")},
                **{k + "_seconds": (dict, False) for k in SPAWN_PHASES}))
            if isinstance(sp, dict):
                cs = [sp.get(k) for k in ("sampled", "failed", "unfinished")]
                if all(isinstance(c, int) for c in cs) and \
                        (min(cs) < 0 or cs[1] + cs[2] > cs[0]):
                    bad(w + ".spawn_phases", "counts %r inconsistent" % cs)
                for k in SPAWN_PHASES:
                    need(sp.get(k + "_seconds"),
                         w + ".spawn_phases.%s_seconds" % k,
                         {q: (NUM, True) for q in ("p50", "p90", "p99",
                                                   "max")})
        need(p.get("hold"), w + ".hold", {"seconds": (NUM, False),
                                          "requests_per_second": (NUM, False)})
        if p.get("hub_metrics") is not None:
            need(p["hub_metrics"], w + ".hub_metrics", {
                "start": (dict, True), "end": (dict, True),
                "restarted": (bool, True), "delta": (dict, True)})
        if p.get("hub_usage") is not None:
            need(p["hub_usage"], w + ".hub_usage", {
                "start": (dict, True), "end": (dict, True),
                "cpu_percent": (NUM, True)})
            for k in ("start", "end"):
                if p["hub_usage"].get(k) is not None:
                    usage(p["hub_usage"][k], w + ".hub_usage." + k)
        for j, c in enumerate(p.get("captures") or []):
            cw = "%s.captures[%d]" % (w, j)
            need(c, cw, {"kind": (str, False), "file": (str, True),
                         "bytes": (int, True), "sha256": (str, True),
                         "exit_code": (int, True), "failure": (str, True),
                         "message": (str, True), "seconds": (NUM, True),
                         "samples": (int, True)})
            if isinstance(c, dict):
                if c.get("kind") not in ("record", "top", "dump"):
                    bad(cw, "unknown kind %r" % c.get("kind"))
                if c.get("failure") not in FAILURES:
                    bad(cw, "unknown failure %r" % c.get("failure"))
                if c.get("failure") and not c.get("message"):
                    bad(cw, "a failure without a message")
    ap = m.get("after_purge")
    if ap is not None:
        need(ap, "after_purge", {"hub_usage": (dict, True)})
        if ap.get("hub_usage") is not None:
            usage(ap["hub_usage"], "after_purge.hub_usage")
    # files: every file extracted (but the manifest) is listed, and matches
    listed = {}
    for i, fe in enumerate(m.get("files") or []):
        w = "files[%d]" % i
        need(fe, w, {"path": (str, False), "bytes": (int, False),
                     "sha256": (str, False), "redactions": (int, False)})
        if not isinstance(fe, dict) or not isinstance(fe.get("path"), str):
            continue
        listed[fe["path"]] = fe
        try:
            with open(os.path.join(top, fe["path"]), "rb") as f:
                data = f.read()
        except OSError as e:
            bad(w, "cannot read %s: %s" % (fe["path"], e))
            continue
        if len(data) != fe.get("bytes"):
            bad(w, "%s has %d bytes, manifest says %r" %
                (fe["path"], len(data), fe.get("bytes")))
        if hashlib.sha256(data).hexdigest() != fe.get("sha256"):
            bad(w, "%s: sha256 does not match" % fe["path"])
    for d, _, names in os.walk(top):
        for n in names:
            rel = os.path.relpath(os.path.join(d, n), top)
            if rel != "manifest.json" and rel not in listed:
                bad("files", "%s is in the archive but not listed" % rel)
    triggers = m.get("triggers")
    if not isinstance(triggers, list):
        bad("manifest", "triggers is %r, want a list" % type(triggers))
        triggers = []
    for i, t in enumerate(triggers):
        need(t, "triggers[%d]" % i, {
            "source": (str, False), "value": (NUM, False),
            "threshold": (NUM, False), "at": (str, False),
            "t": (NUM, False), "plateau": (int, True), "phase": (str, False),
            "users": (int, True), "dir": (str, True), "skipped": (str, True),
            "captures": (list, False)})
        if isinstance(t, dict) and (t.get("dir") is None) == (t.get("skipped") is None):
            bad("triggers[%d]" % i, "exactly one of dir and skipped")
    if not isinstance(m.get("samples"), list):
        bad("manifest", "samples is not a list")
    for p in (m.get("plateaus") or []) + [t for t in triggers
                                          if isinstance(t, dict)]:
        for c in (p.get("captures") or []) if isinstance(p, dict) else []:
            f = c.get("file") if isinstance(c, dict) else None
            if f is None:
                continue
            fe = listed.get(f)
            if fe is None:
                bad("captures", "%s is not in files" % f)
            elif (fe["bytes"], fe["sha256"]) != (c.get("bytes"),
                                                 c.get("sha256")):
                bad("captures", "%s: bytes/sha256 differ from files" % f)
    for line in problems:
        print("schema: " + line)
    if problems:
        sys.exit(1)
    print("schema ok")


main()
