import { buildApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { databaseOptionsOf, DatabaseNotReady, startingDatabase } from "./db/bootstrap.ts";
import { EMBEDDED_TEMPLATE_DIR } from "./db/embedded-template.ts";

const startedAt = performance.now();
const config = loadConfig();
// The service listens before the database answers: /health at once, /ready and everything that
// needs the database 503 until it is open and prepared (retried with backoff while it is down).
// The embedded database has no replicas: one process owns it.
const embedded = config.databaseUrl.startsWith("pglite://");
const database = startingDatabase(embedded ? [] : config.databaseReadUrls);
const app = await buildApp({
  config,
  sql: database.sql,
  transaction: database.transaction,
  readReplicas: database.replicas,
  // Retries for a day (backoff doubling from 5 s to an hour apart), then the subscription is paused.
  webhookWorker: config.webhookWorker
    ? { pollMs: config.webhookPollMs, timeoutMs: config.webhookTimeoutMs, baseRetryMs: 5_000, maxRetryMs: 3_600_000, pauseAfterMs: 86_400_000 }
    : undefined,
});

let closing = false;
async function shutDown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, "shutting down");
  const forceExit = setTimeout(() => process.exit(1), 10_000).unref();
  await app.close();
  await database.close();
  clearTimeout(forceExit);
  process.exit(0);
}
process.once("SIGINT", () => void shutDown("SIGINT"));
process.once("SIGTERM", () => void shutDown("SIGTERM"));

await app.listen({ host: config.host, port: config.port });
if (embedded && config.databaseReadUrls.length > 0) {
  app.log.warn({ readUrls: config.databaseReadUrls.length }, "DATABASE_READ_URLS ignored: the embedded database has no read replicas; every read goes to it");
}
app.log.info({ startupMs: Math.round(performance.now() - startedAt) }, `warfacts listening on http://${config.host}:${config.port}`);

try {
  const { database: opened, prepared, attempts } = await database.start({
    url: config.databaseUrl,
    database: {
      ...databaseOptionsOf(config),
      // Migrated and seeded at build time: only when this start would migrate and seed too.
      embeddedTemplateDir: config.autoMigrate && config.autoSeed ? EMBEDDED_TEMPLATE_DIR : undefined,
    },
    prepare: { migrate: config.autoMigrate, seed: config.autoSeed },
    log: app.log,
  });
  app.log.info(
    {
      database: opened.kind,
      appliedMigrations: prepared.appliedMigrations,
      seeded: prepared.seeded,
      attempts,
      startupMs: Math.round(performance.now() - startedAt),
    },
    "database ready",
  );
} catch (error) {
  // Shutting down before the database was ready stops the attempts; nothing else ends them.
  if (!(closing && error instanceof DatabaseNotReady)) throw error;
}
