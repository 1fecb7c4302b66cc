import { buildApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { prepareDatabase } from "./db/bootstrap.ts";
import { openDatabase } from "./db/database.ts";

const startedAt = performance.now();
const config = loadConfig();
const database = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
const prepared = await prepareDatabase(database, { migrate: config.autoMigrate, seed: config.autoSeed });
const app = await buildApp({ config, sql: database.sql, transaction: database.transaction });

app.log.info(
  { database: database.kind, appliedMigrations: prepared.appliedMigrations, seeded: prepared.seeded },
  "database ready",
);

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
app.log.info({ startupMs: Math.round(performance.now() - startedAt) }, `warfacts listening on http://${config.host}:${config.port}`);
