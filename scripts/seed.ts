// `npm run db:seed`: applies pending migrations, then (re)loads every curated source. Idempotent.
import { seedBundles } from "../prisma/seed/index.ts";
import { loadConfig } from "../src/config.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase } from "../src/db/database.ts";
import { seedDatabase } from "../src/db/seed.ts";

const config = loadConfig();
const database = await openDatabase(config.databaseUrl, { poolSize: 2 });
try {
  const { appliedMigrations } = await prepareDatabase(database, { migrate: true, seedIfEmpty: false });
  if (appliedMigrations.length > 0) console.log(`Applied migrations: ${appliedMigrations.join(", ")}`);
  const counts = await seedDatabase(database.prisma, seedBundles);
  console.log(`Seeded ${database.kind} database:`, counts);
} finally {
  await database.close();
}
