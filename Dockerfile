# Production image of the gateway: two stages, so that npm, Node.js and pip's build
# dependencies stay in the build stage and the final image has only Python and the app.
#
# Configuration comes from the environment at run time, never from the image:
#   DATABASE_URL (or <DOMAIN>_DATABASE_URL), JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE,
#   JWT_ISSUER, JWT_AUDIENCE (README: "Configuration").
# Migrations are a separate command, run once per release before the new version starts
# (serve never migrates in production; db upgrade needs no token keys):
#   docker run --rm -e DATABASE_URL=... <image> gateway db upgrade
# The only writable folder is /app/var (the default SQLite file, for trying the image
# out): mount a volume there, or better, point DATABASE_URL at PostgreSQL.

# -- build: Python packages into a venv, GraphiQL's browser files with npm ------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# GraphiQL, React and React DOM as pinned by package-lock.json (no dev dependencies);
# only their folders are kept.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
    && mkdir /graphiql \
    && cp -r node_modules/graphiql node_modules/react node_modules/react-dom /graphiql/

# Exact versions from requirements.lock; README* may be absent (setuptools only warns).
# The tracing extra, so that GATEWAY_TRACING=otlp works in the image.
COPY pyproject.toml requirements.lock README* ./
COPY gateway ./gateway
RUN python -m venv /venv && /venv/bin/pip install -c requirements.lock ".[tracing]"

# -- final: slim Python, the venv, GraphiQL's files, the example operations ----------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH \
    GATEWAY_ENV=production \
    GATEWAY_PORT=8000 \
    GRAPHIQL_ASSETS_DIR=/app/graphiql \
    OPERATIONS_DIR=/app/operations

RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home gateway \
    && mkdir /app/var && chown gateway:gateway /app/var
COPY --from=build /venv /venv
COPY --from=build /graphiql /app/graphiql
COPY operations /app/operations
WORKDIR /app
USER gateway
VOLUME ["/app/var"]

EXPOSE 8000
# Ready = the process answers and every database does (/readyz); python is all it needs.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('GATEWAY_PORT', '8000'), timeout=4)"
CMD ["gateway", "serve", "--host", "0.0.0.0", "--port", "8000"]
