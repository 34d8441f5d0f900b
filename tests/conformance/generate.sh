#!/usr/bin/env bash
# Regenerate tests/conformance/<case>/expected/ with the reference Visivo 1.0.30.
#
#   tests/conformance/generate.sh            # all cases
#   tests/conformance/generate.sh CASE...    # some cases
#   REMAKE_DB=1 tests/conformance/generate.sh   # also rebuild the .db files
#
# Each case is compiled and run from inside its own directory (SQLite paths and
# CSV-script args are relative to the process's current directory). Only
# project.json, <trace>/query.sql and <trace>/data.json are kept.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VISIVO="$("$ROOT/scripts/reference-visivo.sh")"

if [ "$#" -gt 0 ]; then
    CASES=("$@")
else
    CASES=()
    for d in "$HERE"/*/; do
        [ -f "$d/project.visivo.yml" ] && CASES+=("$(basename "$d")")
    done
fi

# A user profile (~/.visivo/profile.yml) would be merged into every project.
if [ -e "$HOME/.visivo/profile.yml" ]; then
    echo "refusing to run: $HOME/.visivo/profile.yml would be merged into the projects" >&2
    exit 1
fi

for case in "${CASES[@]}"; do
    dir="$HERE/$case"
    echo "== $case" >&2
    (
        cd "$dir"
        if [ "${REMAKE_DB:-0}" = 1 ] && [ -f make_db.py ]; then
            python3 make_db.py
        fi
        rm -rf expected target
        "$VISIVO" compile -o expected
        "$VISIVO" run -o expected
        # keep only project.json, */query.sql, */data.json
        find expected -mindepth 1 -maxdepth 1 -type f ! -name project.json -delete
        find expected -mindepth 2 -type f ! -name query.sql ! -name data.json -delete
        find expected -mindepth 2 -type d -empty -delete
        rm -rf target dist .visivo_cache visivo-profile.dmp
    ) >&2
done
