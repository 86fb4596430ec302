#!/usr/bin/env bash
# rootfs.sh -- the Debian 13 (trixie) root filesystem in which the tests run
# JupyterHub 5 (hub.sh start with HUBSPY_T_HUB_VERSION=5).
#   rootfs.sh path     prints the cached root filesystem's path
#   rootfs.sh ensure   builds it with mmdebstrap when it is missing
#                      (.ci/deps calls this; a warm machine pays nothing)
# The cache is outside the checkout, keyed by the exact package version
# mmdebstrap is told to install, so a new version is a new directory and
# never a half-updated old one: it is built into a temporary directory
# beside it and renamed into place only when complete.
# HUBSPY_ROOTFS_CACHE (default /var/cache/hubspy) moves the cache.
set -eu
HUB5_PKG=5.2.1+ds1-4
cache=${HUBSPY_ROOTFS_CACHE:-/var/cache/hubspy}
root=$cache/rootfs-jupyterhub-$HUB5_PKG
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

case ${1:-} in
path)
	echo "$root"
	;;
ensure)
	if [ -x "$root/usr/bin/jupyterhub" ]; then
		exit 0
	fi
	if ! command -v mmdebstrap >/dev/null 2>&1; then
		echo "rootfs: installing mmdebstrap"
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		    --no-install-recommends mmdebstrap
	fi
	$SUDO mkdir -p "$cache"
	tmp=$($SUDO mktemp -d "$cache/.rootfs-jupyterhub-$HUB5_PKG.XXXXXX")
	trap '$SUDO rm -rf "$tmp"' EXIT
	echo "rootfs: building $root (Debian trixie, jupyterhub $HUB5_PKG; a few minutes)"
	$SUDO mmdebstrap --quiet --variant=apt \
	    --include="jupyterhub=$HUB5_PKG,ca-certificates" \
	    trixie "$tmp" http://deb.debian.org/debian
	if [ ! -x "$tmp/usr/bin/jupyterhub" ]; then
		echo "rootfs: mmdebstrap made no /usr/bin/jupyterhub in $tmp" >&2
		exit 1
	fi
	# a concurrent build that finished first wins; ours is dropped
	$SUDO mv -T "$tmp" "$root" 2>/dev/null || [ -x "$root/usr/bin/jupyterhub" ]
	;;
*)
	echo "usage: rootfs.sh path|ensure" >&2
	exit 2
	;;
esac
