# syntax=docker/dockerfile:1
# hydrawatch: the TAXII 2.1 hub. Embedded database in the /data volume by default; set
# DATABASE_URL=postgres://… to use a PostgreSQL server instead, and HYDRAWATCH_PUBLIC_URL to the
# address partners reach, since discovery advertises it.
#
#   docker build -t hydrawatch .
#   docker run -p 8080:8080 -v hydrawatch-data:/data \
#     -e HYDRAWATCH_PUBLIC_URL=https://taxii.example.org hydrawatch
#   docker exec <container> node dist/cli.js token issue --sub my-lab --read '*' --write '*'

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The package's `prepare` script builds, which cannot work before src/ is here: install first
# (no dependency needs an install script), then build once the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src/ src/
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HYDRAWATCH_HOST=0.0.0.0 \
    HYDRAWATCH_PORT=8080 \
    HYDRAWATCH_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; --ignore-scripts skips `prepare`, which needs the devDependencies.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/ dist/
# migrations/ and schemas/ are read at run time, located relative to dist/
COPY migrations/ migrations/
COPY schemas/ schemas/
# The image's `node` user (uid 1000) owns the data directory; the volume inherits that ownership.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Slim images have no curl: node asks /healthz, which also checks the database, over HTTPS when
# HYDRAWATCH_TLS_CERT is set. The probe sends no credential, so it does not check the certificate,
# which names the public host rather than 127.0.0.1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require(process.env.HYDRAWATCH_TLS_CERT ? 'node:https' : 'node:http').get({ host: '127.0.0.1', port: process.env.HYDRAWATCH_PORT || 8080, path: '/healthz', rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# node runs as PID 1 and handles SIGTERM itself (serve drains requests, then closes the database).
CMD ["node", "dist/cli.js", "serve"]
