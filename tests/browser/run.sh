#!/usr/bin/env bash
# End-to-end tests of the viewer in headless Chromium.
#
#   tests/browser/run.sh            # serves viewer/dist + fixture itself
#   VIEWER_BASE_URL=http://127.0.0.1:8000/ tests/browser/run.sh
#                                   # tests an already running server (e.g. `visivo serve`)
#
# Environment:
#   VIEWER_BASE_URL   base URL of the viewer (trailing slash). When unset, this
#                     script copies viewer/dist + fixture/data into a temp dir and
#                     serves it with serve.py (python3) on a free loopback port.
#   CHROMIUM          browser binary (default /usr/bin/chromium).
#   VIEWER_ROOT_DIR   folder holding index.html + data/ (file:// and live-reload
#                     tests; set automatically when this script serves).
#   VISIVO_BIN        a built `visivo` binary (absolute, or relative to the current
#                     directory or the repository).
#                     When set, tests/serve.test.mjs also runs: the real `visivo serve`
#                     and `visivo dist` on a copy of examples/quickstart. Without it
#                     that file is skipped.
#
#   CI: cargo build -p visivo && VISIVO_BIN=target/debug/visivo bash tests/browser/run.sh
#   (with CARGO_TARGET_DIR set, point VISIVO_BIN at $CARGO_TARGET_DIR/debug/visivo)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CALLER_DIR="$PWD"
cd "$HERE"

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "chromium not found at $CHROMIUM; installing Debian's package" >&2
  if command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  [ -x "$CHROMIUM" ] || { echo "no chromium available" >&2; exit 1; }
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node/npm not found; installing Debian's packages" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

if [ -n "${VISIVO_BIN:-}" ]; then
  case "$VISIVO_BIN" in
    /*) ;;
    *) if [ -e "$CALLER_DIR/$VISIVO_BIN" ]; then VISIVO_BIN="$CALLER_DIR/$VISIVO_BIN"; else VISIVO_BIN="$REPO/$VISIVO_BIN"; fi ;;
  esac
  [ -x "$VISIVO_BIN" ] || { echo "VISIVO_BIN=$VISIVO_BIN is not an executable" >&2; exit 1; }
  export VISIVO_BIN
fi

if [ ! -f "$REPO/viewer/dist/index.html" ]; then
  echo "viewer/dist is missing: run 'npm ci && npm run build' in viewer/" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error

SERVER_PID=""
TMP=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$TMP" ]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT

if [ -z "${VIEWER_BASE_URL:-}" ]; then
  TMP="$(mktemp -d)"
  mkdir -p "$TMP/root"
  cp -r "$REPO/viewer/dist/." "$TMP/root/"
  cp -r "$HERE/fixture/data" "$TMP/root/data"
  python3 "$HERE/serve.py" --root "$TMP/root" --mount /sub/dir/ --events >"$TMP/serve.log" 2>&1 &
  SERVER_PID=$!
  PORT=""
  for _ in $(seq 1 100); do
    PORT="$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$TMP/serve.log" 2>/dev/null || true)"
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/serve.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$PORT" ] || { echo "test server did not start" >&2; cat "$TMP/serve.log" >&2; exit 1; }
  export VIEWER_BASE_URL="http://127.0.0.1:$PORT/"
  export VIEWER_SUBPATH_URL="http://127.0.0.1:$PORT/sub/dir/"
  export VIEWER_ROOT_DIR="$TMP/root"
  export VIEWER_TEST_EVENTS=1
  echo "serving $VIEWER_ROOT_DIR at $VIEWER_BASE_URL"
fi

mkdir -p "$HERE/artifacts"
node --test --test-concurrency=1 --test-reporter=spec "$HERE"/tests/*.test.mjs
