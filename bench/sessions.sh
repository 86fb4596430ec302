#!/usr/bin/env bash
# sessions.sh -- 1000 users in sessions.mode browse (benchmark, figures
# only, never pass/fail on time): `hubspy run` against the REAL test hub
# with the shared stub servers (every user mints a token, logs in through
# the form, then browses with the default mix and think times). Measured
# during the hold: client CPU (hubspy) against the hub's CPU, and client
# peak RSS in total and per user. Goals: client RSS under 16 MiB in
# total, client CPU under 1 % of the hub's.
# Knobs: BENCH_SESSION_USERS (1000), BENCH_SESSION_HOLD (60 s).
. "$(dirname "$0")/lib.sh"
N=${BENCH_SESSION_USERS:-1000}
HOLD=${BENCH_SESSION_HOLD:-60}

d=$B/hub
bench_hub "$d"
export PATH=$HERE/harness/pyspy:$PATH
mkdir -p "$B/o"

# the driver reads hubspy's phase lines and takes both processes' CPU
# (/proc/PID/stat utime + stime) when the hold begins and when it ends,
# and hubspy's peak RSS (VmHWM) at the end of the hold; the requests of
# the hold (the manifest's hold.requests_per_second) give the client's CPU
# per request, which depends less on the machine's load than the ratio
/usr/bin/python3 - "$HUB_PID" "$N" "$HOLD" "$HUBSPY" run profiles/smoke.json \
    -o "$B/o" --public-url "$HUB_PUBLIC" --set hub.prefix=bsess \
    --set "plateaus.users=[$N]" --set plateaus.settle=5 \
    --set "plateaus.hold=$HOLD" --set 'captures.run=[]' \
    --set activity.mode=none --set probe.interval=5 \
    --set load.batch_size=200 --set load.spawn_concurrency=64 \
    --set target.transport=local --set "target.pid=$HUB_PID" \
    --set sessions.mode=browse <<'PY'
import glob, json, os, re, subprocess, sys, time
hub, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
tck = os.sysconf("SC_CLK_TCK")

def cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tck

def hwm(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")

t0 = time.monotonic()
p = subprocess.Popen(sys.argv[4:], stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE, text=True)
a = b = None
rss = float("nan")
ready = stats = ""
for line in p.stderr:
    if re.search(r"users: \d+ created, \d+ ready", line):
        ready = line.strip()
        ramp_s = time.monotonic() - t0
    if re.search(r"users: hold ", line):
        a = (cpu(p.pid), cpu(hub), time.monotonic())
    if "sessions browsing" in line and a and not b:
        b = (cpu(p.pid), cpu(hub), time.monotonic())
        rss = hwm(p.pid)
        stats = line.strip()
p.wait()
if not (a and b):
    print("sessions: the run did not reach its hold (exit %d)" % p.returncode)
    sys.exit(1)
cc, hc, w = b[0] - a[0], b[1] - a[1], b[2] - a[2]
nreq = float("nan")
out = sys.argv[sys.argv.index("-o") + 1]
for mf in glob.glob(os.path.join(out, "*", "manifest.json")):
    pl = json.load(open(mf))["plateaus"][-1]
    nreq = pl["hold"]["requests_per_second"] * w
rows = [
    ("users browsing (%d asked)" % n, ready.split(": ", 2)[-1]),
    ("  ramp to the plateau, with mint and login (s)", "%.1f" % ramp_s),
    ("  hold (s)", "%.1f" % w),
    ("  client CPU during the hold (s)", "%.2f" % cc),
    ("  hub CPU during the hold (s)", "%.2f" % hc),
    ("  client CPU as % of the hub's", "%.2f" % (100 * cc / hc if hc else float("nan"))),
    ("  client CPU per user per minute (ms)", "%.3f" % (cc * 1000 / n / (w / 60))),
    ("  requests during the hold (all classes)", "%.0f" % nreq),
    ("  client CPU per request (us)", "%.0f" % (cc * 1e6 / nreq)),
    ("  hub CPU per request (us)", "%.0f" % (hc * 1e6 / nreq)),
    ("  client peak RSS (MiB)", "%.1f" % rss),
    ("  client peak RSS per user (KiB)", "%.1f" % (rss * 1024 / n)),
    ("  sessions", stats.split(": ", 2)[-1]),
]
print()
print("%-58s %s" % ("measurement", "value"))
for k, v in rows:
    print("%-58s %s" % (k, v))
print()
print("goals: client peak RSS < 16 MiB in total; client CPU < 1 % of the hub's")
PY
