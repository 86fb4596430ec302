#!/usr/bin/env python3
"""mkstacks.py -- a large py-spy raw capture for the flamegraph benchmark:
LINES distinct-looking stacks 30-80 frames deep, shaped like a busy
JupyterHub (thread/process pseudo-frames, asyncio/tornado/sqlalchemy
prefixes, a long tail of leaves). Deterministic.
Usage: mkstacks.py LINES OUT [tree|random]
  tree    (default) every line is one of 5000 call paths cut at its depth,
          the caller's line and the leaf varying: distinct stacks that
          share their prefixes, as a server's do
  random  the worst case: each line ends in 3-50 random frames, so almost
          every frame of every line is a new tree node"""
import random, sys

n, out = int(sys.argv[1]), sys.argv[2]
shape = sys.argv[3] if len(sys.argv) > 3 else "tree"
rnd = random.Random(7)
mods = ["jupyterhub/handlers/base.py", "jupyterhub/apihandlers/users.py", "jupyterhub/orm.py",
        "jupyterhub/user.py", "jupyterhub/utils.py", "tornado/web.py", "tornado/gen.py",
        "asyncio/base_events.py", "asyncio/events.py", "sqlalchemy/orm/query.py",
        "sqlalchemy/orm/session.py", "sqlalchemy/engine/base.py", "sqlalchemy/engine/default.py",
        "json/encoder.py", "traitlets/traitlets.py", "<frozen importlib._bootstrap>", "kubespawner/spawner.py"]
words = ["get", "post", "find", "hash_token", "execute", "_run", "spawn", "user_model", "commit",
         "flush", "encode", "iterencode", "_wait_up", "poll", "check", "<listcomp>", "<lambda>",
         "_execute_context", "all", "_iter", "load", "validate", "wrapper", "__call__", "render"]
pool = ["%s%s (%s:%d)" % (rnd.choice(words), "" if rnd.random() < 0.5 else "_%d" % rnd.randrange(200),
                          rnd.choice(mods), rnd.randrange(1, 3000)) for _ in range(4000)]
head = ['process 1:"/usr/bin/python3 /usr/local/bin/jupyterhub --config /etc/jupyterhub/jupyterhub_config.py"',
        "thread (1): MainThread", "<module> (jupyterhub:8)", "launch_instance (jupyterhub/app.py:3324)",
        "run_forever (asyncio/base_events.py:603)", "_run_once (asyncio/base_events.py:1909)",
        "_run (asyncio/events.py:80)"]
# call-graph shape: 3000 base paths grown from a few hundred shared prefixes
bases = []
trunks = [[rnd.choice(pool) for _ in range(rnd.randrange(8, 20))] for _ in range(300)]
for _ in range(3000):
    t = rnd.choice(trunks)
    bases.append(head + t + [rnd.choice(pool) for _ in range(rnd.randrange(10, 45))])
# the call tree: 5000 call paths (shared trunks, then branches), each
# frame's line fixed per function; stacks differ in their last frames
# (the leaf and its caller change line, a long tail of leaf functions)
lineof = {}
def fixed(f):
    k = f.rsplit(":", 1)[0]
    if k not in lineof:
        lineof[k] = f
    return lineof[k]
paths = []
for _ in range(5000):
    t = rnd.choice(trunks)
    paths.append([fixed(f) for f in head + t] +
                 [fixed(rnd.choice(pool)) for _ in range(rnd.randrange(75, 85))])
def walk(depth):
    p = rnd.choice(paths)
    st = p[:depth - 2]
    caller = p[depth - 2].rsplit(":", 1)[0]
    st.append("%s:%d)" % (caller, rnd.randrange(1, 6) * 7))
    st.append(rnd.choice(pool))
    return st
with open(out, "w") as fp:
    buf = []
    for i in range(n):
        depth = rnd.randrange(30, 81)
        if shape == "tree":
            stack = walk(depth)
        else:
            b = rnd.choice(bases)
            stack = b[:depth - 3] if len(b) >= depth - 3 else b
            stack = stack + [rnd.choice(pool) for _ in range(depth - len(stack))]
        buf.append(";".join(stack) + " %d\n" % int(rnd.paretovariate(1.2)))
        if len(buf) == 10000:
            fp.write("".join(buf))
            buf = []
    fp.write("".join(buf))
