#!/usr/bin/env bash
# The browser test: a gateway on a throwaway SQLite database, GraphiQL in Chromium.
# Installs Debian's chromium and GraphiQL's npm packages when missing; bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v chromium >/dev/null || {
  apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
}

work=$(mktemp -d)
port=8799
export DATABASE_URL="sqlite+aiosqlite:///$work/gateway.db" GATEWAY_VAR_DIR="$work/var"
export GATEWAY_ENV=development JWT_SECRET=""
timeout 300 .venv/bin/gateway serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 1
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }

# Exactly the packages (and versions) the GraphiQL page asks unpkg for.
packages=$(curl -sf -H 'Accept: text/html' "http://127.0.0.1:$port/graphql" \
  | grep -o 'https://unpkg.com/[^"]*' | sed -E 's#https://unpkg.com/((@[^/]+/)?[^/@]+@[^/]+)/.*#\1#' | sort -u)
mkdir -p "$work/assets"
(cd "$work/assets" && npm install --silent --no-audit --no-fund $packages playwright-core >/dev/null)

TOKEN=$(.venv/bin/gateway token --role admin) GATEWAY_URL="http://127.0.0.1:$port" \
  ASSETS_DIR="$work/assets" SCREENSHOT="${SCREENSHOT:-/tmp/graphiql.png}" \
  timeout 120 node --test tests/browser/graphiql.test.js
