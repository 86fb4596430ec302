# teardown-hook.py -- HUBSPY_T_EXTRA of tests/it/teardown.sh, exec'd at the
# end of tests/harness/hub/jupyterhub_config.py: every spawner stop() is
# appended to $HUBSPY_T_DIR/stops.log (one user name a line), and the proxy
# (configurable-http-proxy) gets a known API token, with its API URL written
# to $HUBSPY_T_DIR/proxy-api, so the suite can read the real routing table.
# Servers of users named slow-N take 4 s to start, and the hub answers a
# start after 0.5 s (202 while pending; its default is 10 s), so their
# spawns are still pending when the teardown begins.
import os as _os

_hubspy_stops = _os.path.join(state_dir, "stops.log")  # noqa: F821
c.ConfigurableHTTPProxy.auth_token = _os.environ["HUBSPY_T_PROXY_TOKEN"]  # noqa: F821
with open(_os.path.join(state_dir, "proxy-api"), "w") as _f:  # noqa: F821
    _f.write(c.ConfigurableHTTPProxy.api_url)  # noqa: F821

c.JupyterHub.tornado_settings["slow_spawn_timeout"] = 0.5  # noqa: F821
_hubspy_start, _hubspy_stop = SharedServerSpawner.start, SharedServerSpawner.stop  # noqa: F821


async def _slow_start(self):
    if self.user.name.startswith("slow-"):
        await asyncio.sleep(4)  # noqa: F821
    return await _hubspy_start(self)


async def _logged_stop(self, now=False):
    with open(_hubspy_stops, "a") as f:
        f.write(self.user.name + "\n")
    return await _hubspy_stop(self, now)


SharedServerSpawner.start = _slow_start  # noqa: F821
SharedServerSpawner.stop = _logged_stop  # noqa: F821
