import { curatedSources } from "../../prisma/seed/index.ts";
import type { Database } from "./database.ts";
import { applyPendingMigrations, withMigrationLock } from "./migrate.ts";
import { loadCuratedSources, type SeedCounts } from "./seed.ts";

export interface PrepareOptions {
  migrate: boolean;
  /** Load the curated sources whose bundle is not applied yet (a new database, or a changed seed). */
  seed: boolean;
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
  const appliedMigrations = await database.withSession((session) =>
    withMigrationLock(session, async () => (options.migrate ? await applyPendingMigrations(session) : [])),
  );
  // Seeding runs in its own transactions (PGlite's single connection cannot hold the lock session
  // and a transaction at once); concurrent starts are safe: a bundle load locks its source row.
  const seeded = options.seed ? await loadCuratedSources(database, curatedSources) : null;
  return { appliedMigrations, seeded };
}
