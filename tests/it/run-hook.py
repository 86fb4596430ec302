# run-hook.py -- HUBSPY_T_EXTRA of tests/it/run*.sh, exec'd at the end of
# tests/harness/hub/jupyterhub_config.py: the sampler hook (real stacks for the
# py-spy stand-in) plus start() and stop() delays read from the file
# $HUBSPY_T_DELAYS ("START STOP" seconds) on every call, so a test makes
# one phase slow enough to interrupt without restarting the hub.
# $HUBSPY_T_SLOW_SPAWN (seconds), when set: the hub's slow_spawn_timeout,
# how long a start waits for the spawn before it answers 202 (10 s by
# default: a shorter delayed start is answered 201, its stream bare).
import os as _os

with open(_os.environ["HUBSPY_T_SAMPLER"]) as _f:
    exec(compile(_f.read(), _os.environ["HUBSPY_T_SAMPLER"], "exec"))

if _os.environ.get("HUBSPY_T_SLOW_SPAWN"):
    c.JupyterHub.tornado_settings["slow_spawn_timeout"] = float(  # noqa: F821
        _os.environ["HUBSPY_T_SLOW_SPAWN"])


def _hubspy_delay(which):
    try:
        with open(_os.environ["HUBSPY_T_DELAYS"]) as f:
            return float(f.read().split()[which])
    except (OSError, IndexError, ValueError, KeyError):
        return 0.0


_hubspy_start, _hubspy_stop = SharedServerSpawner.start, SharedServerSpawner.stop  # noqa: F821


async def _slow_start(self):
    d = _hubspy_delay(0)
    if d:
        await asyncio.sleep(d)  # noqa: F821
    return await _hubspy_start(self)


async def _slow_stop(self, now=False):
    d = _hubspy_delay(1)
    if d:
        await asyncio.sleep(d)  # noqa: F821
    return await _hubspy_stop(self, now)


SharedServerSpawner.start = _slow_start  # noqa: F821
SharedServerSpawner.stop = _slow_stop  # noqa: F821
