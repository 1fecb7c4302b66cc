import { seedBundles } from "../../prisma/seed/index.ts";
import type { Database } from "./database.ts";
import { applyPendingMigrations, withMigrationLock } from "./migrate.ts";
import { seedDatabase, type SeedCounts } from "./seed.ts";

export interface PrepareOptions {
  migrate: boolean;
  /** Load the curated sources when the database has none yet. */
  seedIfEmpty: boolean;
}

export interface PrepareResult {
  appliedMigrations: string[];
  seeded: SeedCounts | null;
}

/**
 * Brings a database up to date before the service answers. Holds Prisma's migration lock, so that
 * instances starting together migrate and seed once.
 */
export async function prepareDatabase(database: Database, options: PrepareOptions): Promise<PrepareResult> {
  return database.withSession((session) =>
    withMigrationLock(session, async () => {
      const appliedMigrations = options.migrate ? await applyPendingMigrations(session) : [];
      let seeded: SeedCounts | null = null;
      if (options.seedIfEmpty) {
        const [row] = await session.query<{ empty: boolean }>("SELECT NOT EXISTS (SELECT 1 FROM sources) AS empty");
        if (row?.empty) seeded = await seedDatabase(database.prisma, seedBundles);
      }
      return { appliedMigrations, seeded };
    }),
  );
}
