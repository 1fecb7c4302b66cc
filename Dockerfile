# syntax=docker/dockerfile:1
# warfacts API: Fastify 5 + Prisma 7, TypeScript run directly by tsx (no build step).
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# 1. Dependencies: only re-run when the manifest or lockfile changes.
#    tsx and prisma are runtime dependencies, so dev dependencies can be left out.
#    No install script is needed (the schema engine is a WASM package driven by scripts/schema-engine-shim.mjs).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force

# 2. Prisma client: generated at build time so the container starts fast.
#    prisma.config.ts points PRISMA_SCHEMA_ENGINE_BINARY at scripts/schema-engine-shim.mjs, so scripts/ is needed too.
COPY prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN node_modules/.bin/prisma generate

# 3. Application source (src/generated is excluded by .dockerignore, so the generated client survives).
COPY src ./src

# Run as the unprivileged `node` user from the base image. Only .data (embedded PGlite, used when
# DATABASE_URL is unset) has to be writable; everything else stays root-owned and read-only.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

EXPOSE 3000

HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# No npm at runtime: node runs the server through the tsx loader, one process that gets the signals
# (migrations and seeding happen at start).
CMD ["node", "--import", "tsx", "src/server.ts"]
