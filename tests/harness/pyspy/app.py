# app.py -- a small Python process with the sampler hook, for tests that
# need a deterministic target: "idle" (every thread waits: no samples
# without --idle) or "stuck" (a thread blocked in the same call forever,
# as a hub stuck in a synchronous call would be).
# usage: python3 app.py HOOK idle|stuck
import sys
import threading
import time

exec(open(sys.argv[1]).read())


def blocked_in_sync_call():
    time.sleep(3600)


if sys.argv[2] == "stuck":
    threading.Thread(target=blocked_in_sync_call, name="db-worker",
                     daemon=True).start()
threading.Event().wait(600)
