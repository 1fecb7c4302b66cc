import { fileURLToPath } from "node:url";
import { defineConfig } from "prisma/config";

// The native schema engine cannot be downloaded here: the CLI talks to our shim over Prisma's WASM engine.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(
  new URL("./scripts/schema-engine-shim.mjs", import.meta.url),
);

// Unset DATABASE_URL means the embedded database, the same default as the service (src/config.ts).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "pglite://./.data/pg" },
});
