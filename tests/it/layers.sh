#!/usr/bin/env bash
# layers.sh -- the architecture (docs/architecture.md) as checks: sources
# live in src/LAYER/, headers in include/LAYER/, every #include of a project
# header names its layer, no include points up or sideways, and only the
# command layer (src/cli) prints or exits.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT" || exit 1

# rank of each layer: a file may include its own layer and lower ranks only;
# load, capture and report are siblings (rank 3) and never include each other
rank() {
	case $1 in
	core) echo 0 ;; measure) echo 1 ;; record) echo 2 ;;
	load | capture | report) echo 3 ;; run) echo 4 ;; cli) echo 5 ;;
	*) echo -1 ;;
	esac
}

stray=$(find src include -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) | sort)
if [ -z "$stray" ]; then pass "no source or header outside a layer folder"
else fail "no source or header outside a layer folder" "$stray"; fi

bad=""
for d in src/* include/*; do
	[ -d "$d" ] || continue
	[ "$(rank "${d#*/}")" -ge 0 ] || bad="$bad $d"
done
if [ -z "$bad" ]; then pass "every folder under src/ and include/ is a known layer"
else fail "every folder under src/ and include/ is a known layer" "unknown:$bad"; fi

up="" bare=""
while IFS= read -r f; do
	from=$(echo "$f" | cut -d/ -f2)
	rf=$(rank "$from")
	while IFS= read -r inc; do
		case $inc in
		*/*) ;;
		*.inc | unit.h) continue ;;
		*) bare="$bare $f:$inc"; continue ;;
		esac
		to=${inc%%/*}
		rt=$(rank "$to")
		if [ "$rt" -lt 0 ] || { [ "$to" != "$from" ] && [ "$rt" -ge "$rf" ]; }; then
			up="$up $f->$inc"
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(find src include -name '*.[ch]' | sort)
if [ -z "$bare" ]; then pass "project includes name their layer (\"core/buf.h\")"
else fail "project includes name their layer (\"core/buf.h\")" "$bare"; fi
if [ -z "$up" ]; then pass "no include points up or sideways between layers"
else fail "no include points up or sideways between layers" "$up"; fi

# every header has its source beside it in the same layer (or is header-only)
orphan=""
for h in include/*/*.h; do
	l=$(echo "$h" | cut -d/ -f2)
	m=$(basename "$h" .h)
	[ -f "src/$l/$m.c" ] || grep -q 'static inline\|#define' "$h" || orphan="$orphan $h"
done
if [ -z "$orphan" ]; then pass "each header's module sits in the same layer folder"
else fail "each header's module sits in the same layer folder" "$orphan"; fi

# only the command layer prints or exits (a forked child's _exit is not the
# process exiting); comments are skipped
hits=$(grep -nE '\b(printf|puts|putchar|perror|exit|abort|err|errx|warn|warnx)[[:space:]]*\(|\b(stdout|stderr)\b' \
    $(find src -name '*.c' -not -path 'src/cli/*' | sort) |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)' || true)
if [ -z "$hits" ]; then pass "only src/cli prints or exits"
else fail "only src/cli prints or exits" "$hits"; fi
t_done
