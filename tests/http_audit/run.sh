#!/usr/bin/env bash
# The GraphQL-over-HTTP audit: a gateway on a throwaway SQLite database (test settings,
# demo data), then graphql-http's auditServer against its /graphql as an anonymous
# caller. Fails unless every audit is ok. Bounded in time; talks only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ -d node_modules/graphql-http ] || npm ci --no-audit --no-fund

work=$(mktemp -d)
export DATABASE_URL="sqlite+aiosqlite:///$work/gateway.db" GATEWAY_VAR_DIR="$work/var"
export GATEWAY_ENV=test JWT_SECRET="audit-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# --port 0: the system picks a free port and the banner (printed once bound) names it.
timeout 120 .venv/bin/gateway serve --host 127.0.0.1 --port 0 >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
url=""
for _ in $(seq 1 60); do
  url=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$work/serve.log" | head -1 | cut -d' ' -f3) || true
  [ -n "$url" ] && curl -sf "$url/readyz" >/dev/null && break
  sleep 1
done
[ -n "$url" ] && curl -sf "$url/readyz" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }

GATEWAY_URL="$url" timeout 60 node tests/http_audit/audit.mjs
