#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every Rust test (against the real
# PostgreSQL and MariaDB on this machine), the viewer build check and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "services (PostgreSQL, MariaDB)"
bash .ci/services.sh

step "cargo fmt"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test"
cargo build --workspace --bins
cargo test --workspace

if [ -x viewer/check-dist.sh ]; then
    step "viewer build is up to date"
    bash viewer/check-dist.sh
fi

if [ -x tests/browser/run.sh ]; then
    step "browser tests"
    VISIVO_BIN="${CARGO_TARGET_DIR:-target}/debug/visivo" bash tests/browser/run.sh
fi
