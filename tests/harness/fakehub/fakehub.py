#!/usr/bin/python3
"""fakehub.py -- a small fake JupyterHub REST API for faults the real hub
cannot produce on demand (stdlib only).

Usage: fakehub.py PORT STATEFILE [options]
  --token-file F     the accepted token (403 otherwise)
  --version V        reported hub version (default 5.4.4; 6.x reads the start
                     body as 6.0 does: {"user_options": ...})
  --burst503 N       bursts: requests whose number n has (n // N) % 4 == 1
                     answer 503 (N in a row, then 3N fine)
  --reset K          every K-th request: close the connection unanswered;
                     when that connection was a reused one (libcurl then
                     retries on a fresh connection by itself, unseen),
                     the next first request of a fresh connection is
                     closed too, so every reset reaches the client
  --slow MS          every answer waits MS milliseconds
  --storm429 K       the first K start requests answer 429, Retry-After: 1
  --pending S        starts answer 202; servers become ready S seconds later
  --slowstop S       stops answer 202; servers stay pending stop S seconds
                     (a user delete meanwhile answers 400). A user delete
                     of a ready server starts that stop as the hub does
                     and answers 400 like a hub whose stop outlasted its
                     wait; without --slowstop it stops the server and
                     deletes the user (204)
  --progress MODE    GET /users/NAME/server/progress: "ok" streams
                     "Server requested", then the ready event once the
                     server is ready; "break" sends the first event and
                     then cuts the connection (default: 404)
  --persist          keep the user table in STATEFILE (JSON) after every
                     change, so a restart keeps it (slow with many users)
GET /fake/count answers the number of users and of progress streams
asked for (no auth). Quiet: no logs.
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse, unquote

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("state")
ap.add_argument("--token-file")
ap.add_argument("--version", default="5.4.4")
ap.add_argument("--burst503", type=int, default=0)
ap.add_argument("--reset", type=int, default=0)
ap.add_argument("--slow", type=int, default=0)
ap.add_argument("--storm429", type=int, default=0)
ap.add_argument("--pending", type=float, default=0)
ap.add_argument("--persist", action="store_true")
ap.add_argument("--slowstop", type=float, default=0)
ap.add_argument("--progress", choices=("ok", "break"))
A = ap.parse_args()
TOKEN = open(A.token_file).read().strip() if A.token_file else None
LOCK = threading.Lock()
USERS = {}
if os.path.exists(A.state):
    with open(A.state) as f:
        USERS = json.load(f)
COUNT = [0]
STARTS = [0]
PROGRESS = [0]
RESET_NEXT_FRESH = [False]	# --reset: a reused connection was reset
API = "/hub/api"


def save():
    if not A.persist:
        return
    tmp = A.state + ".tmp"
    with open(tmp, "w") as f:
        json.dump(USERS, f)
    os.replace(tmp, A.state)


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


def server_model(name, s):
    ready = s["ready_at"] <= time.time() and not s.get("stop_at")
    pend = "stop" if s.get("stop_at") else None if ready else "spawn"
    return {"name": "", "ready": ready, "pending": pend,
            "stopped": False, "url": "/user/%s/" % name,
            "started": s["started"], "last_activity": s["started"],
            "user_options": s.get("user_options", {})}


def start_options(raw):
    """The start body as the hub of A.version reads it: 6.0 takes
    {"user_options": {...}, "display_name": ...}, and the whole body as
    user_options only when neither key is present."""
    body = json.loads(raw) if raw else {}
    if int(A.version.split(".")[0]) >= 6 and (
            "user_options" in body or "display_name" in body):
        return body.get("user_options", {})
    return body


def settle(u):
    s = u.get("server")
    if s and s.get("stop_at") and s["stop_at"] <= time.time():
        u["server"] = None


def user_model(name):
    u = USERS[name]
    settle(u)
    servers = {}
    if u.get("server"):
        servers[""] = server_model(name, u["server"])
    s0 = servers.get("")
    return {"kind": "user", "name": name, "admin": False,
            "created": u["created"], "last_activity": u["created"],
            "server": s0["url"] if s0 and s0["ready"] else None,
            "pending": s0["pending"] if s0 else None, "servers": servers}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, obj=None, headers=()):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if obj is not None
                         else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-JupyterHub-Version", A.version)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def err(self, code, msg, headers=()):
        self.send(code, {"status": code, "message": msg}, headers)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        url = urlparse(self.path)
        if url.path == "/fake/count":
            with LOCK:
                return self.send(200, {"users": len(USERS),
                                       "progress": PROGRESS[0]})
        fresh = getattr(self, "nreq", 0) == 0    # one handler per connection
        self.nreq = getattr(self, "nreq", 0) + 1
        with LOCK:
            COUNT[0] += 1
            c = COUNT[0]
            reset = False
            if A.reset and c % A.reset == 0:
                reset = True
                RESET_NEXT_FRESH[0] = not fresh
            elif A.reset and fresh and RESET_NEXT_FRESH[0]:
                reset = True
                RESET_NEXT_FRESH[0] = False
        if reset:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if A.slow:
            time.sleep(A.slow / 1000.0)
        if A.burst503 and (c // A.burst503) % 4 == 1:
            return self.err(503, "Service Unavailable")
        path = url.path
        if not path.startswith(API):
            return self.err(404, "Not Found")
        path = path[len(API):]
        if path in ("", "/") and self.command == "GET":
            return self.send(200, {"version": A.version})
        auth = self.headers.get("Authorization", "")
        if TOKEN is not None and auth != "token " + TOKEN:
            return self.err(403, "Missing or invalid credentials.")
        parts = path.split("/")
        if A.progress and self.command == "GET" and len(parts) == 5 and \
                parts[1] == "users" and parts[3:] == ["server", "progress"]:
            return self.progress(unquote(parts[2]))     # not under the lock
        with LOCK:
            return self.route(path, parse_qs(url.query), raw)

    def progress(self, name):
        with LOCK:
            PROGRESS[0] += 1
            u = USERS.get(name)
            ready_at = u["server"]["ready_at"] if u and u.get("server") \
                else None
        if ready_at is None:
            return self.err(400, "%s is not running" % name)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("X-JupyterHub-Version", A.version)
        self.end_headers()
        self.close_connection = True
        self.wfile.write(b'data: {"progress": 0, "message": '
                         b'"Server requested"}\n\n')
        self.wfile.flush()
        if A.progress == "break":
            time.sleep(0.05)
            self.connection.shutdown(2)
            return
        while time.time() < ready_at:
            time.sleep(0.05)
        self.wfile.write(b'data: {"progress": 100, "ready": true, '
                         b'"message": "Server ready"}\n\n')
        self.wfile.flush()

    def route(self, path, q, raw):
        m = self.command
        if path == "/user" and m == "GET":
            return self.send(200, {"kind": "service", "name": "fake",
                                   "scopes": ["admin:users", "servers",
                                              "read:metrics", "read:hub"]})
        if path == "/users" and m == "GET":
            off = int(q.get("offset", ["0"])[0])
            lim = min(int(q.get("limit", ["50"])[0]), 200)
            nf = q.get("name_filter", [""])[0].lower()
            state = q.get("state", [""])[0]
            names = [n for n in USERS if nf in n]
            if state == "active":
                for n in names:
                    settle(USERS[n])
                names = [n for n in names if USERS[n].get("server")]
            names.sort(key=lambda n: USERS[n]["id"])
            page = names[off:off + lim]
            nxt = None
            if off + lim < len(names):
                nxt = {"offset": off + lim, "limit": lim,
                       "url": "http://internal.invalid/hub/api/users"}
            return self.send(200, {"items": [user_model(n) for n in page],
                                   "_pagination": {"offset": off, "limit": lim,
                                                   "total": len(names),
                                                   "next": nxt}})
        if path == "/users" and m == "POST":
            names = json.loads(raw)["usernames"]
            made = []
            for n in names:
                if n not in USERS:
                    USERS[n] = {"id": len(USERS) + time.time(),
                                "created": now_iso(), "server": None}
                    made.append(n)
            save()
            if not made:
                return self.err(409, "All %d users already exist" % len(names))
            return self.send(201, [user_model(n) for n in made])
        parts = [unquote(p) for p in path.split("/")[1:]]
        if len(parts) < 2 or parts[0] != "users":
            return self.err(404, "Not Found")
        name = parts[1]
        u = USERS.get(name)
        if u is not None:
            settle(u)
        rest = parts[2:]
        if not rest:
            if u is None:
                return self.err(404, "Not Found")
            if m == "GET":
                return self.send(200, user_model(name))
            if m == "DELETE":
                if u.get("server") and u["server"].get("stop_at"):
                    return self.err(400, "%s's server is in the process of "
                                    "stopping, please wait." % name)
                if u.get("server") and u["server"]["ready_at"] > time.time():
                    return self.err(500, "Internal Server Error")
                if A.slowstop and u.get("server"):
                    u["server"]["stop_at"] = time.time() + A.slowstop
                    save()
                    return self.err(400, "%s's server is in the process of "
                                    "stopping, please wait." % name)
                del USERS[name]
                save()
                return self.send(204)
        if rest == ["server"]:
            if u is None:
                return self.err(404, "Not Found")
            if m == "POST":
                STARTS[0] += 1
                if STARTS[0] <= A.storm429:
                    return self.err(429, "Too many users trying to log in "
                                    "right now. Try again in 60 seconds.",
                                    [("Retry-After", "1")])
                if u.get("server"):
                    if u["server"]["ready_at"] <= time.time():
                        return self.err(400, "%s is already running" % name)
                    return self.send(202)
                u["server"] = {"started": now_iso(),
                               "ready_at": time.time() + A.pending,
                               "user_options": start_options(raw)}
                save()
                return self.send(202 if A.pending else 201)
            if m == "DELETE":
                if A.slowstop and u.get("server"):
                    if not u["server"].get("stop_at"):
                        u["server"]["stop_at"] = time.time() + A.slowstop
                    save()
                    return self.send(202)
                u["server"] = None
                save()
                return self.send(204)
        if rest == ["activity"] and m == "POST":
            if u is None:
                return self.err(404, "No such user: %r" % name)
            body = json.loads(raw)
            if "last_activity" not in body or "servers" not in body:
                return self.err(400, "bad activity body")
            return self.send(200)
        return self.err(404, "Not Found")

    do_GET = do_POST = do_DELETE = handle_any


class S(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass    # a client that gave up (timeouts under test) is expected


srv = S(("127.0.0.1", A.port), H)
srv.serve_forever()
