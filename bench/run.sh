#!/usr/bin/env bash
# run.sh -- runs every bench/*.sh (figures, never pass/fail on time)
set -u
cd "$(dirname "$0")/.." || exit 1
for b in bench/*.sh; do
	case $(basename "$b") in run.sh | lib.sh) continue ;; esac
	echo "== $(basename "$b" .sh)"
	bash "$b" || echo "bench $(basename "$b") failed (exit $?)"
done
