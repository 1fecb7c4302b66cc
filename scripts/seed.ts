// `npm run db:seed`: applies pending migrations, then (re)loads every curated source. Idempotent.
import { loadConfig } from "../src/config.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase } from "../src/db/database.ts";

const config = loadConfig();
const database = await openDatabase(config.databaseUrl, { poolSize: 2 });
try {
  const { appliedMigrations, seeded } = await prepareDatabase(database, { migrate: true, seed: true });
  if (appliedMigrations.length > 0) console.log(`Applied migrations: ${appliedMigrations.join(", ")}`);
  console.log(`Seeded ${database.kind} database:`, seeded);
} finally {
  await database.close();
}
