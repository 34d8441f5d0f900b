#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every Rust test (against the real
# PostgreSQL, MariaDB and ClickHouse on this machine, DuckDB included), the viewer build check and
# the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "services (PostgreSQL, MariaDB, ClickHouse)"
bash .ci/services.sh

step "cargo fmt"
cargo fmt --all -- --check

# DuckDB sources are on by default, linking the prebuilt libduckdb that crates/engine/build.rs
# downloads once (docs/cloud-sources.md). VISIVO_TEST_NO_DUCKDB=1 leaves them out (offline machines).
features=()
if [ "${VISIVO_TEST_NO_DUCKDB:-}" = 1 ]; then
    features=(--no-default-features)
fi

step "cargo clippy"
cargo clippy --workspace --all-targets "${features[@]}" -- -D warnings
# The engine without the feature: the "not compiled in" path.
cargo clippy -p visivo-engine --all-targets -- -D warnings

step "cargo test"
# DuckDB left out: the "not compiled in" path (first, so the binary built next is the default one).
cargo test -p visivo-engine --test testsuite duckdb::
cargo test -p visivo --no-default-features --test testsuite duckdb::
cargo build --workspace --bins "${features[@]}"
cargo test --workspace "${features[@]}"

if [ -x viewer/check-dist.sh ]; then
    step "viewer build is up to date"
    bash viewer/check-dist.sh
fi

if [ -x tests/browser/run.sh ]; then
    step "browser tests"
    VISIVO_BIN="${CARGO_TARGET_DIR:-target}/debug/visivo" bash tests/browser/run.sh
fi
