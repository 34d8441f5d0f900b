#!/usr/bin/env bash
# Record what Visivo 1.0.82 writes for the projects here, into <case>/expected/.
#
#   tests/conformance-1082/record.sh            # all cases
#   tests/conformance-1082/record.sh CASE...    # some cases
#   REMAKE_DB=1 tests/conformance-1082/record.sh   # also rebuild every data.db
#
# Installs visivo==1.0.82 with the pinned dependencies of constraints.txt into
# $VISIVO_1082_VENV (default /work/venv-1082) when it is not there; it needs CPython
# 3.10-3.12 (numpy<2), set PYTHON to choose one. The pins matter: pyarrow>=23 needs
# numpy 2 (1.0.82 pins numpy<2, so nothing starts) and duckdb 2 dropped the .pl()
# local merge models call.
#
# Each case runs in a temporary copy of its directory, so nothing but expected/ changes.
# Kept per trace: data.json and query.sql (1.0.82 no longer writes query.sql;
# visivo_1082.py writes the SQL its run executed). A trace 1.0.82 failed on has
# only its query.sql. A case whose traces have tests also gets expected/test.json: `visivo test`'s
# exit code and each test's outcome. 1.0.82's `test` reads <out>/<trace>/data.json while
# its `run` writes <out>/main/traces/<trace>/data.json, so it is given
# `-o target/main/traces`; with the default every test fails with "Data file not found".
# Insights (1.0.76+) go to expected/insights/<insight>/: insight.json (1.0.82's
# target/main/insights/<insight>.json), query.sql (the pre_query, or the post_query of an
# insight with inputs) and data.json, or for an insight with inputs states/<input>=<option>.json
# per combination of options: insights_1082.py runs each insight's browser query in DuckDB
# over its parquet files as 1.0.82's viewer does and groups the rows by split.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${VISIVO_1082_VENV:-/work/venv-1082}"
PY="${PYTHON:-python3}"

if ! [ -x "$VENV/bin/visivo" ] ||
    [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("visivo"))')" != 1.0.82 ]; then
    echo "Installing visivo==1.0.82 into $VENV" >&2
    "$PY" -m venv "$VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c "$HERE/constraints.txt" visivo==1.0.82 >&2
fi

if [ -e "$HOME/.visivo/profile.yml" ]; then
    echo "refusing to run: $HOME/.visivo/profile.yml would be merged into the projects" >&2
    exit 1
fi

if [ "$#" -gt 0 ]; then
    CASES=("$@")
else
    CASES=()
    for d in "$HERE"/*/; do
        [ -f "$d/project.visivo.yml" ] && CASES+=("$(basename "$d")")
    done
fi

# PYTHONHASHSEED: 1.0.82 builds GROUP BY lists and data.json keys from sets, so their
# order changes with every process unless the hash seed is fixed.
export VISIVO_TELEMETRY_DISABLED=true PYTHONHASHSEED=0
for case in "${CASES[@]}"; do
    dir="$HERE/$case"
    echo "== $case" >&2
    if [ "${REMAKE_DB:-0}" = 1 ]; then
        python3 "$HERE/make_db.py" "$dir"
    fi
    work="$(mktemp -d)"
    cp -r "$dir/." "$work/"
    rm -rf "$work/expected"
    (
        cd "$work"
        "$VENV/bin/python" "$HERE/visivo_1082.py" run --no-deprecation-warnings >run.log 2>&1 ||
            echo "   1.0.82's run failed (exit $?): traces without data.json failed there" >&2
        grep -a "FAILURE" run.log | sort -u >&2 || true
        if grep -q "^ *tests:" project.visivo.yml; then
            status=0
            "$VENV/bin/visivo" test --no-deprecation-warnings -o target/main/traces >test.log 2>&1 ||
                status=$?
            "$VENV/bin/python" "$HERE/tests_outcome.py" "$status" <test.log >test.json
        fi
        "$VENV/bin/python" "$HERE/insights_1082.py" . insights.out
    )
    rm -rf "$dir/expected"
    mkdir -p "$dir/expected"
    for trace_dir in "$work"/target/main/traces/*/; do
        [ -f "$trace_dir/query.sql" ] || continue
        trace="$(basename "$trace_dir")"
        mkdir -p "$dir/expected/$trace"
        cp "$trace_dir/query.sql" "$dir/expected/$trace/"
        if [ -f "$trace_dir/data.json" ]; then
            cp "$trace_dir/data.json" "$dir/expected/$trace/"
        fi
    done
    [ -f "$work/test.json" ] && cp "$work/test.json" "$dir/expected/"
    [ -d "$work/insights.out" ] && cp -r "$work/insights.out" "$dir/expected/insights"
    rm -rf "$work"
done
