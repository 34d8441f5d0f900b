#!/usr/bin/env bash
# Rebuilds the viewer from source and fails if the committed viewer/dist differs: the binary
# embeds viewer/dist, so a stale build would ship old code.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx tsc --noEmit
npx vite build --outDir "$out" --emptyOutDir --logLevel warn
if ! diff -r "$out" dist; then
    echo "viewer/dist is stale: run 'npm run build' in viewer/ and commit viewer/dist" >&2
    exit 1
fi
echo "viewer/dist is up to date"
