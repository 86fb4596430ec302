# jupyterhub_config.py -- the real JupyterHub the tests run against.
#
# Debian's jupyterhub on 127.0.0.1 with the dummy authenticator, service
# tokens from the environment, and a lightweight spawner: every user's
# "server" is the one shared tiny HTTP server of fakeserver.py, so a
# thousand servers cost no memory. Knobs (environment):
#   HUBSPY_T_HUB_PORT, HUBSPY_T_PROXY_PORT, HUBSPY_T_API_PORT  ports
#   HUBSPY_T_FAKE_PORT          the shared fake server's port
#   HUBSPY_T_DIR                state directory (sqlite, cookie secret)
#   HUBSPY_T_TOKEN              admin service token (scopes below)
#   HUBSPY_T_LIMITED_TOKEN      token of a service with admin:users only
#   HUBSPY_T_SPAWN_LIMIT        concurrent_spawn_limit (default 100)
#   HUBSPY_T_ACTIVE_LIMIT       active_server_limit (default 0, off)
#   HUBSPY_T_SPAWN_DELAY        seconds each start() takes (default 0)
#   HUBSPY_T_FAIL_MATCH         users whose name contains this fail to spawn
#   HUBSPY_T_NAMED              named servers allowed (default 1; 0: off)
#   HUBSPY_T_NAMED_LIMIT        named_server_limit_per_user (default 0: none)
#   HUBSPY_T_REAL_PREFIX        users whose name starts with this get a real
#                               jupyterhub-singleuser process (local process
#                               spawner, ~60 MB each); everyone else shares
#                               the stub server
#   HUBSPY_T_NOMINT_TOKEN       token of a service that may do everything
#                               hubspy needs except mint user tokens
#   HUBSPY_T_EXTRA              a python file exec'd at the end (test hooks)
# GET /hub/hubspy-test-stall?seconds=N blocks the hub's event loop for N
# seconds (at most 30) with a synchronous time.sleep: a faithful stall, as
# a blocking database call or a CPU-bound handler makes one; then it logs
# the line JupyterHub 5.x's loop monitor writes after a stall.
import asyncio
import os
import time

from tornado import web
from tornado.log import app_log

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Unicode

env = os.environ.get
state_dir = env("HUBSPY_T_DIR", ".")

c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(env("HUBSPY_T_PROXY_PORT", "18000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("HUBSPY_T_HUB_PORT", "18081"))
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%s" % env(
    "HUBSPY_T_API_PORT", "18001")
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state_dir, "hub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state_dir, "cookie_secret")
c.JupyterHub.pid_file = os.path.join(state_dir, "hub.pid")
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.concurrent_spawn_limit = int(env("HUBSPY_T_SPAWN_LIMIT", "100"))
c.JupyterHub.active_server_limit = int(env("HUBSPY_T_ACTIVE_LIMIT", "0"))
c.JupyterHub.allow_named_servers = env("HUBSPY_T_NAMED", "1") == "1"
c.JupyterHub.named_server_limit_per_user = int(env("HUBSPY_T_NAMED_LIMIT", "0"))
# config-provided tokens are hashed with one round, not 16384, so the
# test hub is not dominated by hash_token (jupyterhub-api.md 2.5)
c.JupyterHub.trust_user_provided_tokens = True
# Retry-After within 2..4 s so the tests see real 429s without waiting 60 s
c.JupyterHub.tornado_settings = {"spawn_throttle_retry_range": (2, 4)}

services = []
roles = []
if env("HUBSPY_T_TOKEN"):
    services.append({"name": "hubspy", "api_token": env("HUBSPY_T_TOKEN")})
    roles.append({"name": "hubspy", "services": ["hubspy"],
                  "scopes": ["admin:users", "servers", "tokens",
                             "read:metrics", "read:hub"]})
if env("HUBSPY_T_NOMINT_TOKEN"):
    services.append({"name": "nomint",
                     "api_token": env("HUBSPY_T_NOMINT_TOKEN")})
    roles.append({"name": "nomint", "services": ["nomint"],
                  "scopes": ["admin:users", "servers", "read:metrics",
                             "read:hub"]})
if env("HUBSPY_T_LIMITED_TOKEN"):
    services.append({"name": "limited",
                     "api_token": env("HUBSPY_T_LIMITED_TOKEN")})
    roles.append({"name": "limited", "services": ["limited"],
                  "scopes": ["admin:users"]})
c.JupyterHub.services = services
c.JupyterHub.load_roles = roles


class SharedServerSpawner(SimpleLocalProcessSpawner):
    """Every server is the shared fake HTTP server: start() returns its
    address; the hub's reachability check accepts any non-5xx answer.
    Users named HUBSPY_T_REAL_PREFIX... run a real jupyterhub-singleuser
    instead (the local process spawner), which authenticates every request
    against the hub."""

    fake_port = Unicode(env("HUBSPY_T_FAKE_PORT", "18888"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self._running = False

    def _real(self):
        p = env("HUBSPY_T_REAL_PREFIX")
        return bool(p) and self.user.name.startswith(p)

    def load_state(self, state):
        super().load_state(state)
        self._running = bool(state.get("running"))

    def get_state(self):
        st = super().get_state()
        if self._running:
            st["running"] = True
        return st

    def clear_state(self):
        super().clear_state()
        self._running = False

    async def start(self):
        delay = float(env("HUBSPY_T_SPAWN_DELAY", "0"))
        if delay:
            await asyncio.sleep(delay)
        match = env("HUBSPY_T_FAIL_MATCH")
        if match and match in self.user.name:
            raise RuntimeError("test spawner: refusing %s" % self.user.name)
        if self._real():
            return await super().start()
        self._running = True
        return ("127.0.0.1", int(self.fake_port))

    async def poll(self):
        if self._real():
            return await super().poll()
        return None if self._running else 0

    async def stop(self, now=False):
        if self._real():
            return await super().stop(now=now)
        self._running = False


c.JupyterHub.spawner_class = SharedServerSpawner


class HubspyTestStallHandler(web.RequestHandler):
    def get(self):
        seconds = min(float(self.get_argument("seconds", "3")), 30.0)
        hubspy_test_stall(seconds)
        # what JupyterHub 5.x's event-loop monitor logs once the loop
        # runs again (jupyterhub-api.md: the log line); 3.0 has none
        app_log.warning("Event loop was unresponsive for at least %.2fs!",
                        seconds)
        self.write("stalled %g s\n" % seconds)


def hubspy_test_stall(seconds):
    time.sleep(seconds)  # the whole event loop waits here


c.JupyterHub.extra_handlers = [(r"/hubspy-test-stall", HubspyTestStallHandler)]
c.Spawner.http_timeout = 10
# real servers (HUBSPY_T_REAL_PREFIX): Debian's jupyterhub-singleuser over
# jupyter_server, as root in the tests, home under the state directory
c.Spawner.cmd = ["/usr/bin/jupyterhub-singleuser"]
c.Spawner.args = ["--allow-root"]
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(
    state_dir, "home", "{username}")
c.Spawner.start_timeout = 30

extra = env("HUBSPY_T_EXTRA")
if extra:
    with open(extra) as f:
        exec(compile(f.read(), extra, "exec"))
