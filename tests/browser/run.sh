#!/usr/bin/env bash
# The browser test: a gateway on a throwaway SQLite database, GraphiQL in Chromium.
# The page gets GraphiQL from the gateway (npm ci installed it); the test blocks every
# other host. Installs Debian's chromium when missing; bounded in time.
# The screenshot is kept as a test artefact: test-artefacts/graphiql.png (or $SCREENSHOT).
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v chromium >/dev/null || {
  apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
}
[ -f node_modules/graphiql/graphiql.min.js ] && [ -d node_modules/playwright-core ] \
  || npm ci --no-audit --no-fund

work=$(mktemp -d)
mkdir -p test-artefacts
export DATABASE_URL="sqlite+aiosqlite:///$work/gateway.db" GATEWAY_VAR_DIR="$work/var"
export GATEWAY_ENV=development JWT_SECRET=""
# --port 0: the system picks a free port and the banner (printed once bound) names it.
timeout 300 .venv/bin/gateway serve --port 0 >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
url=""
for _ in $(seq 1 90); do
  url=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$work/serve.log" | head -1 | cut -d' ' -f3) || true
  [ -n "$url" ] && curl -sf "$url/readyz" >/dev/null && break
  sleep 1
done
[ -n "$url" ] && curl -sf "$url/readyz" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }

GATEWAY_URL="$url" SCREENSHOT="${SCREENSHOT:-$PWD/test-artefacts/graphiql.png}" \
  timeout 180 node --test tests/browser/graphiql.test.js
