#!/bin/sh
# mkinc.sh -- regenerates src/report/*_js.inc from src/report/js/*.js (run after editing a
# script; the build uses the committed .inc files and needs no tools)
cd "$(dirname "$0")/.." || exit 1
for f in flame page; do
	{
		echo "/* generated from src/report/js/$f.js by src/report/js/mkinc.sh: do not edit */"
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' js/$f.js
	} > ${f}_js.inc.tmp && mv ${f}_js.inc.tmp ${f}_js.inc
done
