# slow_login.py -- test-hub hook (HUBSPY_T_EXTRA): every login takes
# HUBSPY_T_LOGIN_DELAY seconds (default 4) at the hub before the dummy
# authenticator answers, so a test can have users leave while their login
# is still at the hub (tests/it/sessions.sh).
# exec'd at the end of tests/harness/hub/jupyterhub_config.py.
import asyncio as _asyncio
import inspect as _inspect

from jupyterhub.auth import DummyAuthenticator as _Dummy


class SlowLoginAuthenticator(_Dummy):
    async def authenticate(self, handler, data):
        await _asyncio.sleep(float(env("HUBSPY_T_LOGIN_DELAY", "4")))  # noqa: F821
        r = super().authenticate(handler, data)
        return (await r) if _inspect.isawaitable(r) else r


c.JupyterHub.authenticator_class = SlowLoginAuthenticator  # noqa: F821
