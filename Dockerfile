# syntax=docker/dockerfile:1
# warfacts API: Fastify 5 + Prisma 7, compiled to dist/ and run by plain node.

# 1. Build: compile to dist/ and make the embedded template (a migrated, seeded PGlite data
#    directory that a new embedded database is copied from). Needs the dev dependencies (typescript).
#    No install script is needed (the schema engine is a WASM package driven by scripts/schema-engine-shim.mjs).
FROM node:20-bookworm-slim AS build
ENV CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# 2. Runtime: production dependencies and the build.
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

# Only re-run when the manifest or lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force

# prisma/ holds the migrations and seed texts read at start; prisma.config.ts, scripts/ and src/ keep
# `npx prisma migrate …` and the tsx scripts (`npm run keys`, `npm run ingest`) working in the container.
COPY prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
COPY --from=build /app/dist ./dist

# Run as the unprivileged `node` user from the base image. Only .data (embedded PGlite, used when
# DATABASE_URL is unset) has to be writable; everything else stays root-owned and read-only.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

EXPOSE 3000

HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# No npm at runtime: node runs the compiled server, one process that gets the signals (pending
# migrations and the seed are applied at start; a new embedded database starts from the template).
CMD ["node", "dist/src/server.js"]
