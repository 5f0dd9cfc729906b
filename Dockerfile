# The API image for production: external MongoDB and S3 only (STACK=external), no dev tools.

# GraphiQL's assets come from the npm registry, so the page never loads from a CDN.
FROM node:20-bookworm-slim AS graphiql
WORKDIR /assets
COPY api/static/graphiql/package.json api/static/graphiql/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY api api
COPY schema schema
COPY resolvers resolvers
COPY storage storage
COPY --from=graphiql /assets/node_modules api/static/graphiql/node_modules
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --constraint constraints.txt .

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin espace
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STACK=external \
    HOST=0.0.0.0 \
    PORT=8000
USER espace
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["espace-sante", "serve"]
