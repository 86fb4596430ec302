#!/usr/bin/env bash
# hub.sh -- start and stop the real JupyterHub of the tests.
#   hub.sh start DIR [VAR=VALUE...]   starts fakeserver + jupyterhub, waits
#                                     until the API answers, writes DIR/env
#   hub.sh stop DIR                   stops both, waits for them to exit
# DIR/env defines HUB_API (http://127.0.0.1:PORT/hub/api), HUB_PUBLIC (the
# proxy's public URL, http://127.0.0.1:PORT), HUB_PID, HUB_VERSION (3 or
# 5), HUB_RELEASE (the hub's own, 3.0.0), HUB_RELEASE_RE (the same as a
# regular expression), HUB_TOKEN_FILE,
# HUB_LIMITED_TOKEN_FILE and HUB_NOMINT_TOKEN_FILE (0600 files; the token
# itself is never printed). Extra VAR=VALUE pairs (HUBSPY_T_SPAWN_LIMIT=3, ...)
# go to the hub's environment.
#
# HUBSPY_T_HUB_VERSION picks the JupyterHub: 3 (default) is this machine's
# Debian 12 package (3.0); 5 is Debian 13's 5.2.1 with its Python 3.13, run
# from the cached root filesystem of rootfs.sh with chroot. The chroot is
# an overlay of that root filesystem (its changes go to DIR/chroot, so the
# cache stays pristine and hubs run side by side) with /proc, /dev, DIR's
# parent (the test's directory) and the tests' tree bind-mounted at the
# same paths, all inside a private mount namespace (unshare -m): the mounts
# exist only for the hub and its proxy and vanish with them, however the
# test ends, and are never visible on the host.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cmd=$1 dir=$2
shift 2

freeport() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

case $cmd in
start)
	version=${HUBSPY_T_HUB_VERSION:-3}
	case $version in
	3) ;;
	5)
		rootfs=$(bash "$here/rootfs.sh" path)
		if [ ! -x "$rootfs/usr/bin/jupyterhub" ]; then
			echo "hub.sh: no JupyterHub 5 root filesystem at $rootfs; build it with .ci/deps (tests/harness/hub/rootfs.sh ensure)" >&2
			exit 3
		fi
		;;
	*)
		echo "hub.sh: HUBSPY_T_HUB_VERSION=$version: want 3 or 5" >&2
		exit 2
		;;
	esac
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	umask 077
	/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))' > "$dir/token"
	/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))' > "$dir/limited-token"
	/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))' > "$dir/nomint-token"
	hub_port=$(freeport) proxy_port=$(freeport) api_port=$(freeport) fake_port=$(freeport)
	/usr/bin/python3 "$here/fakeserver.py" "$fake_port" > "$dir/fake.log" 2>&1 &
	echo $! > "$dir/fake.pid"
	(
		cd "$dir"
		export NODE_PATH=/usr/share/nodejs:/usr/lib/nodejs
		export HUBSPY_T_TESTS=${here%/harness/hub} \
		    HUBSPY_T_DIR=$dir HUBSPY_T_HUB_PORT=$hub_port \
		    HUBSPY_T_PROXY_PORT=$proxy_port HUBSPY_T_API_PORT=$api_port \
		    HUBSPY_T_FAKE_PORT=$fake_port
		HUBSPY_T_TOKEN=$(cat "$dir/token")
		HUBSPY_T_LIMITED_TOKEN=$(cat "$dir/limited-token")
		HUBSPY_T_NOMINT_TOKEN=$(cat "$dir/nomint-token")
		export HUBSPY_T_TOKEN HUBSPY_T_LIMITED_TOKEN HUBSPY_T_NOMINT_TOKEN
		for kv in "$@"; do export "${kv?}"; done
		if [ "$version" = 3 ]; then
			exec /usr/bin/python3 -m jupyterhub -f "$here/jupyterhub_config.py" \
			    > "$dir/hub.log" 2>&1
		fi
		# the PID stays the hub's: unshare, sh and chroot each exec the next
		exec unshare --mount --propagation private -- /bin/sh -ec '
			root=$1 c=$2 cwd=$3
			shift 3
			mkdir -p "$c/upper" "$c/work" "$c/root"
			mount -t overlay hubspy-rootfs \
			    -o "lowerdir=$root,upperdir=$c/upper,workdir=$c/work" "$c/root"
			mount --rbind /proc "$c/root/proc"
			mount --rbind /dev "$c/root/dev"
			for b in "${cwd%/*}" "$HUBSPY_T_TESTS"; do
				mkdir -p "$c/root$b"
				mount --bind "$b" "$c/root$b"
			done
			exec chroot "$c/root" /usr/bin/env --chdir="$cwd" "$@"' \
		    sh "$rootfs" "$dir/chroot" "$dir" \
		    /usr/bin/python3 -m jupyterhub -f "$here/jupyterhub_config.py" \
		    > "$dir/hub.log" 2>&1
	) &
	echo $! > "$dir/hub.wrapper.pid"
	api="http://127.0.0.1:$hub_port/hub/api"
	for _ in $(seq 1 150); do
		if curl -fsS -o "$dir/version.json" "$api/" 2>/dev/null; then
			release=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$dir/version.json")
			release_re=$(printf '%s' "$release" | sed 's/[.]/[.]/g')
			cat > "$dir/env" <<EOT
HUB_API=$api
HUB_PORT=$hub_port
HUB_VERSION=$version
HUB_RELEASE=$release
HUB_RELEASE_RE=$release_re
HUB_PUBLIC=http://127.0.0.1:$proxy_port
HUB_PID=$(cat "$dir/hub.wrapper.pid")
HUB_TOKEN_FILE=$dir/token
HUB_LIMITED_TOKEN_FILE=$dir/limited-token
HUB_NOMINT_TOKEN_FILE=$dir/nomint-token
HUB_LOG=$dir/hub.log
EOT
			exit 0
		fi
		if ! kill -0 "$(cat "$dir/hub.wrapper.pid")" 2>/dev/null; then
			echo "hub.sh: jupyterhub exited; last lines of $dir/hub.log:" >&2
			tail -n 20 "$dir/hub.log" >&2
			exit 1
		fi
		sleep 0.2
	done
	echo "hub.sh: jupyterhub did not answer within 30 s" >&2
	tail -n 20 "$dir/hub.log" >&2
	exit 1
	;;
stop)
	for f in hub.wrapper.pid fake.pid; do
		[ -f "$dir/$f" ] || continue
		pid=$(cat "$dir/$f")
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		rm -f "$dir/$f"
	done
	# configurable-http-proxy is the hub's child; make sure it is gone
	if [ -f "$dir/env" ]; then
		pkill -f "configurable-http-proxy.*$(. "$dir/env"; echo "$HUB_PORT")" 2>/dev/null || true
	fi
	;;
*)
	echo "usage: hub.sh start|stop DIR [VAR=VALUE...]" >&2
	exit 2
	;;
esac
