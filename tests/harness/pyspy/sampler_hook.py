# sampler_hook.py -- test-hub hook (HUBSPY_T_EXTRA): serves real stacks of
# this JupyterHub to the py-spy stand-in (tests/harness/pyspy/py-spy).
#
# exec'd at the end of tests/harness/hub/jupyterhub_config.py inside the hub
# process. A daemon thread listens on the abstract unix socket
# "\0pyspy-standin-<pid namespace inode>-<pid>" (abstract names are shared
# across PID namespaces; capture.sh's hub runs in its own, where its PID is
# small and the same in every concurrent test run); each request line is
# JSON ({"locals": bool}) and each answer line is a JSON snapshot of every
# thread (sys._current_frames), innermost frame first, plus the process
# facts py-spy would read itself. A request that fails is reported on
# stderr (the hub's log), not swallowed.
# The sampler's own threads are left out: real py-spy would not see them.
import json as _json
import os as _os
import platform as _platform
import socket as _socket
import sys as _sys
import threading as _threading


def _hubspy_sampler():
    idle_funcs = {"select", "poll", "epoll", "wait", "sleep", "acquire",
                  "accept", "recv", "recv_into", "readline", "read", "get",
                  "_worker", "control", "join", "_wait_for_tstate_lock"}
    mine = set()

    def repr_short(v):
        try:
            r = repr(v)
        except Exception:
            return "?"
        return r if len(r) <= 128 else r[:125] + "..."

    def snapshot(with_locals):
        names = {t.ident: t for t in _threading.enumerate()}
        out = []
        for ident, frame in _sys._current_frames().items():
            if ident in mine:
                continue
            th = names.get(ident)
            frames = []
            f = frame
            while f is not None:
                co = f.f_code
                fr = {"name": co.co_name, "filename": co.co_filename,
                      "line": f.f_lineno}
                if with_locals:
                    nargs = co.co_argcount + co.co_kwonlyargcount
                    loc = []
                    for i, (k, v) in enumerate(list(f.f_locals.items())[:20]):
                        loc.append({"name": k, "addr": id(v),
                                    "arg": i < nargs, "repr": repr_short(v)})
                    fr["locals"] = loc
                frames.append(fr)
                f = f.f_back
            inner = frames[0] if frames else {"name": "", "filename": ""}
            idle = inner["name"] in idle_funcs or inner["filename"].endswith(
                ("selectors.py", "threading.py", "queue.py"))
            out.append({"thread_id": ident,
                        "os_thread_id": getattr(th, "native_id", None),
                        "thread_name": th.name if th else None,
                        "active": not idle, "frames": frames})
        return out

    def info():
        with open("/proc/self/cmdline", "rb") as f:
            cmd = f.read().rstrip(b"\0").split(b"\0")
        return {"pid": _os.getpid(), "python": _platform.python_version(),
                "exe": _os.path.realpath(_sys.executable),
                "cmdline": " ".join(c.decode(errors="replace") for c in cmd)}

    def handle(conn):
        mine.add(_threading.get_ident())
        try:
            rf = conn.makefile("rb")
            for line in rf:
                req = _json.loads(line or b"{}")
                if req.get("info"):
                    ans = info()
                else:
                    ans = snapshot(bool(req.get("locals")))
                conn.sendall(_json.dumps(ans).encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            pass    # py-spy went away mid-answer: its business
        except Exception:
            import traceback
            _sys.stderr.write("hubspy-sampler: a request failed\n" +
                              traceback.format_exc())
            _sys.stderr.flush()
        finally:
            mine.discard(_threading.get_ident())
            conn.close()

    def serve():
        mine.add(_threading.get_ident())
        s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            ns = _os.stat("/proc/self/ns/pid").st_ino
        except OSError:
            ns = 0
        s.bind("\0pyspy-standin-%d-%d" % (ns, _os.getpid()))
        s.listen(16)
        while True:
            c, _ = s.accept()
            _threading.Thread(target=handle, args=(c,), daemon=True,
                              name="hubspy-sampler-conn").start()

    _threading.Thread(target=serve, daemon=True,
                      name="hubspy-sampler").start()


_hubspy_sampler()
