#!/usr/bin/env python3
"""mkrun.py -- writes the report test fixture: a hubspy run directory with
manifest.json (docs/artifacts.md, schema 1) and three plateaus of hand-shaped
JupyterHub raw captures (tornado/asyncio/sqlalchemy frames, hash_token,
thread and process pseudo-frames, native and frozen frames, malformed
lines). Deterministic. Usage: mkrun.py DIR"""
import json, os, random, sys

out = sys.argv[1]
rnd = random.Random(42)
PROC = 'process 1:"/usr/bin/python3 /usr/local/bin/jupyterhub --config /usr/local/etc/jupyterhub/jupyterhub_config.py"'
MAIN = [PROC, "thread (1): MainThread", "<module> (jupyterhub:8)",
        "launch_instance (jupyterhub/app.py:3324)",
        "start (tornado/platform/asyncio.py:205)",
        "run_forever (asyncio/base_events.py:603)",
        "_run_once (asyncio/base_events.py:1909)"]
RUN = MAIN + ["_run (asyncio/events.py:80)"]
REQ = RUN + ["_execute (tornado/web.py:1713)"]
AUTH = ["get_current_user (jupyterhub/handlers/base.py:421)",
        "_jupyterhub_user (jupyterhub/handlers/base.py:398)",
        "get_current_user_token (jupyterhub/handlers/base.py:280)",
        "find (jupyterhub/orm.py:1012)"]
SQL = ["all (sqlalchemy/orm/query.py:2693)", "_iter (sqlalchemy/orm/query.py:2916)",
       "execute (sqlalchemy/orm/session.py:2262)",
       "_execute_internal (sqlalchemy/orm/session.py:2144)",
       "execute (sqlalchemy/engine/base.py:1416)",
       "_execute_context (sqlalchemy/engine/base.py:1842)",
       "do_execute (sqlalchemy/engine/default.py:924)"]
POOL = ["thread (12): ThreadPoolExecutor-0_0", "_bootstrap (threading.py:995)",
        "_bootstrap_inner (threading.py:1038)", "run (threading.py:975)",
        "_worker (concurrent/futures/thread.py:83)",
        "run (concurrent/futures/thread.py:58)"]

def stacks(users):
    """(frames, weight) with weights shaped by the load"""
    f = users / 3000.0
    s = []
    s.append((MAIN + ["select (selectors.py:469)", "epoll_wait (libc.so.6)"], 900 * (1 - f) + 60))
    s.append((REQ + ["get (jupyterhub/apihandlers/users.py:72)"] + AUTH +
              ["hash_token (jupyterhub/utils.py:353)"], 20 + 600 * f * f + 40 * f))
    s.append((REQ + ["get (jupyterhub/apihandlers/users.py:72)"] + AUTH +
              ["compare_token (jupyterhub/utils.py:372)", "hash_token (jupyterhub/utils.py:360)"], 5 + 120 * f))
    s.append((REQ + ["get (jupyterhub/apihandlers/users.py:72)"] + SQL, 30 + 260 * f))
    s.append((REQ + ["get (jupyterhub/apihandlers/users.py:72)", "<listcomp> (jupyterhub/apihandlers/users.py:120)",
                     "user_model (jupyterhub/apihandlers/base.py:210)", "server_model (jupyterhub/apihandlers/base.py:180)"], 10 + 90 * f))
    s.append((REQ + ["write (tornado/web.py:845)", "dumps (json/__init__.py:231)",
                     "encode (json/encoder.py:200)", "iterencode (json/encoder.py:258)"], 8 + 70 * f))
    s.append((REQ + ["post (jupyterhub/apihandlers/users.py:680)", "spawn_single_user (jupyterhub/handlers/base.py:1010)",
                     "spawn (jupyterhub/user.py:905)", "_wait_up (jupyterhub/user.py:1041)",
                     "wait_for_http_server (jupyterhub/utils.py:290)", "exponential_backoff (jupyterhub/utils.py:215)"], 15 + 40 * f))
    s.append((RUN + ["update_last_activity (jupyterhub/app.py:3010)", "<lambda> (jupyterhub/app.py:2990)",
                     "commit (sqlalchemy/orm/session.py:1969)", "_prepare_impl (sqlalchemy/orm/session.py:1238)",
                     "flush (sqlalchemy/orm/session.py:4312)"], 6 + 50 * f))
    s.append((RUN + ["_check_spawner (jupyterhub/app.py:2200)", "_find_and_load (<frozen importlib._bootstrap>:1176)",
                     "_find_and_load_unlocked (<frozen importlib._bootstrap>:1147)",
                     "_load_unlocked (<frozen importlib._bootstrap>:690)"], 3))
    # recursion: a recursive walk counted once per sample in %Total
    s.append((RUN + ["_walk (jupyterhub/scopes.py:140)", "_walk (jupyterhub/scopes.py:152)",
                     "_walk (jupyterhub/scopes.py:152)", "expand_scopes (jupyterhub/scopes.py:170)"], 4 + 30 * f))
    s.append((POOL + ["hash_token (jupyterhub/utils.py:353)"], 2 + 150 * f))
    s.append((POOL + ["_hashlib.pbkdf2_hmac (_hashlib.cpython-311-x86_64-linux-gnu.so)"], 1 + 20 * f))
    s.append((POOL + ["0x7f3a2c1b4400 (libc.so.6)"], 1))
    s.append((["thread (13): metrics (prometheus)", "_bootstrap (threading.py:995)",
               "run (threading.py:975)", "collect (prometheus_client/registry.py:97)"], 2 + 10 * f))
    return s

def raw(users, dur):
    lines = []
    total = 0
    st = stacks(users)
    # the main thread is sampled 100 times a second, busy or idle
    main = sum(w for fr, w in st if fr[1] == MAIN[1])
    for frames, w in st:
        if frames[1] == MAIN[1]:
            w = w * 1000.0 / main
        n = max(1, int(round(w * dur / 10 * (0.9 + 0.2 * rnd.random()))))
        total += n
        lines.append(";".join(frames) + " " + str(n))
    rnd.shuffle(lines)  # py-spy writes lines in hash-map order
    return lines, total

MALFORMED = ["py-spy> Sampling process 100 times a second. Press Control-C to exit.",
             "<module> (jupyterhub:8);main (x.py:1) many",
             "<module> (jupyterhub:8);;select (selectors.py:469) 4",
             "no-count-here"]

plateaus = [(100, 10.0), (1000, 10.0), (3000, 10.0)]
os.makedirs(out, exist_ok=True)
manifest_pl = []
t0 = 1795821300  # 2026-11-27T23:15:00Z
def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if int(t) == t else \
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t))) + ("%.1fZ" % (t - int(t)))[1:]
timeline = [{"phase": "preflight", "plateau": None, "start": iso(t0), "end": iso(t0 + 2), "seconds": 2.0}]
t = t0 + 2
for i, (users, dur) in enumerate(plateaus):
    d = "plateaus/%04d" % users
    os.makedirs(os.path.join(out, d), exist_ok=True)
    lines, total = raw(users, dur)
    if users == 1000:
        lines[3:3] = MALFORMED
    with open(os.path.join(out, d, "record.raw"), "w") as fp:
        fp.write("\n".join(lines) + "\n")
    ramp = 5.0 + users / 100.0
    for ph, secs in (("ramp", ramp), ("settle", 5.0), ("hold", 60.0), ("capture", dur)):
        timeline.append({"phase": ph, "plateau": users, "start": iso(t), "end": iso(t + secs), "seconds": secs})
        if ph != "capture":
            t += secs
    t += dur
    f = users / 3000.0
    dumps = []
    for k in (1, 2):
        stuck_tid = 12
        txt = ['Process 1: /usr/bin/python3 /usr/local/bin/jupyterhub --config /usr/local/etc/jupyterhub/jupyterhub_config.py',
               'Python v3.11.2 (/usr/bin/python3.11)', '',
               'Thread 1 (active+gil): "MainThread"',
               '    hash_token (jupyterhub/utils.py:353)' if k == 1 else '    select (selectors.py:469)',
               '    find (jupyterhub/orm.py:1012)' if k == 1 else '    _run_once (asyncio/base_events.py:1909)',
               '    run_forever (asyncio/base_events.py:603)',
               '    <module> (jupyterhub:8)',
               'Thread %d (active): "ThreadPoolExecutor-0_0"' % stuck_tid,
               '    hash_token (jupyterhub/utils.py:353)',
               '    run (concurrent/futures/thread.py:58)',
               '    _worker (concurrent/futures/thread.py:83)',
               '    run (threading.py:975)',
               '    _bootstrap_inner (threading.py:1038)',
               '    _bootstrap (threading.py:995)',
               'Thread 13 (idle): "metrics (prometheus)"',
               '    wait (threading.py:324)',
               '    run (threading.py:975)', '']
        with open(os.path.join(out, d, "dump-%d.txt" % k), "w") as fp:
            fp.write("\n".join(txt))
        dumps.append({"kind": "dump", "file": d + "/dump-%d.txt" % k, "bytes": len("\n".join(txt)),
                      "sha256": "0" * 64, "exit_code": 0, "failure": None, "message": None,
                      "seconds": 0.4, "samples": None})
    if users == 3000:
        with open(os.path.join(out, d, "stuck.txt"), "w") as fp:
            fp.write('Thread 12 (active): "ThreadPoolExecutor-0_0" unchanged in dump-1.txt, dump-2.txt\n'
                     '    hash_token (jupyterhub/utils.py:353)\n')
    p99 = 3.1 + 900 * f * f
    manifest_pl.append({
        "users": users, "dir": d,
        "state": {"asked": users, "created": users, "ready": users - int(2 * f * 10), "failed": int(2 * f * 10), "timed_out": 0},
        "ramp_seconds": ramp,
        "requests": {
            "create": {"count": users, "retries": int(30 * f),
                       "latency_ms": {"p50": 4.0 + 40 * f, "p90": 8 + 200 * f, "p99": 12 + 600 * f, "max": 20 + 900 * f},
                       "status": {"2xx": users - int(40 * f), "400": 0, "429": int(40 * f), "5xx": int(3 * f), "network": 0}},
            "probe": {"count": int(60 * 3.3), "retries": 0,
                      "latency_ms": {"p50": 1.2 + 80 * f, "p90": 2.0 + 300 * f, "p99": p99, "max": p99 * 1.5},
                      "status": {"2xx": int(60 * 3.3) - int(5 * f), "429": 0, "5xx": 0, "network": int(5 * f)}}},
        "throttle": {"count_429": int(40 * f), "retry_after_seconds": 9.0 if f > 0.1 else None,
                     "throttled_seconds": 9.4 * f, "active_server_limit": False},
        "spawn_seconds": {"count": users, "p50": 0.4 + 2 * f, "p90": 0.9 + 5 * f, "p99": 1.5 + 9 * f, "max": 2.0 + 14 * f},
        "hold": {"seconds": 60.0, "requests_per_second": 3.3 + 20 * f},
        "hub_metrics": {"start": {"process_cpu_seconds_total": 10.0 + 100 * f, "process_resident_memory_bytes": int((150 + 300 * f) * 2**20)},
                        "end": {"process_cpu_seconds_total": 20.0 + 160 * f, "process_resident_memory_bytes": int((160 + 320 * f) * 2**20)}},
        "hub_usage": {"start": {"cpu_seconds": 10.0 + 100 * f, "rss_bytes": int((150 + 300 * f) * 2**20), "cgroup_memory_bytes": None},
                      "end": {"cpu_seconds": 20.0 + 160 * f, "rss_bytes": int((160 + 320 * f) * 2**20), "cgroup_memory_bytes": None},
                      "cpu_percent": 16.6 + 80 * f},
        "captures": [{"kind": "record", "file": d + "/record.raw", "bytes": os.path.getsize(os.path.join(out, d, "record.raw")),
                      "sha256": "0" * 64, "exit_code": 0, "failure": None, "message": None, "seconds": dur, "samples": total},
                     {"kind": "top", "file": None, "bytes": None, "sha256": None, "exit_code": 1, "failure": "other",
                      "message": "Error: Inappropriate ioctl for device (os error 25)", "seconds": 1.0, "samples": None}] + dumps,
    })
timeline.append({"phase": "teardown", "plateau": None, "start": iso(t), "end": iso(t + 20), "seconds": 20.0})
manifest = {
    "schema": 1, "hubspy_version": "0.1.0", "created": iso(t0), "partial": False, "partial_reason": None,
    "profile_name": "fixture",
    "profile": {"name": "fixture", "plateaus": {"users": [p[0] for p in plateaus]}, "captures": {"record": {"rate": 100, "duration": 10}}},
    "hub": {"url": "http://127.0.0.1:8081/hub/api", "version": "3.0.0", "info": None, "token_kind": "service",
            "scopes": ["admin:users", "admin:servers", "read:metrics"]},
    "target": {"transport": "kubectl", "context": None, "namespace": "jhub", "pod": "hub-5d8f", "container": "hub",
               "pid": 1, "python": "3.11.2", "pyspy": "0.4.2"},
    "timeline": timeline,
    "plateaus": manifest_pl,
    "after_purge": {"hub_usage": {"cpu_seconds": 200.0, "rss_bytes": 300 * 2**20, "cgroup_memory_bytes": None}},
    "files": [],
}
files = []
for root, _, names in os.walk(out):
    for n in sorted(names):
        p = os.path.join(root, n)
        rel = os.path.relpath(p, out)
        if rel != "manifest.json" and not rel.endswith(".py"):
            files.append({"path": rel, "bytes": os.path.getsize(p), "sha256": "0" * 64})
manifest["files"] = sorted(files, key=lambda f: f["path"])
with open(os.path.join(out, "manifest.json"), "w") as fp:
    json.dump(manifest, fp, indent=2)
    fp.write("\n")
