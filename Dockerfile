# Production image of the gateway.
#
# Configuration comes from the environment at run time, never from the image:
#   DATABASE_URL (or <DOMAIN>_DATABASE_URL), JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE,
#   JWT_ISSUER, JWT_AUDIENCE.
# In production `gateway serve` does not migrate; run `gateway db upgrade` once per release
# (e.g. `docker run --rm <image> gateway db upgrade`) before starting the new version.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GATEWAY_ENV=production

# Only what the package needs; README* may be absent (setuptools only warns).
COPY pyproject.toml requirements.lock README* /src/
COPY gateway /src/gateway
RUN pip install -c /src/requirements.lock /src && rm -rf /src

# The default SQLite URL (./var/gateway.db) resolves under the working directory.
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home gateway \
    && mkdir /app/var && chown gateway:gateway /app/var
WORKDIR /app
USER gateway

EXPOSE 8000
CMD ["gateway", "serve", "--host", "0.0.0.0", "--port", "8000"]
