import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { SqlSession } from "./database.ts";
import { PROJECT_ROOT } from "./project-root.ts";

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma/migrations");

// The key Prisma's own schema engine locks with, so the service and `prisma migrate` never race.
const PRISMA_MIGRATION_LOCK = 72707369;

export interface Migration {
  name: string;
  script: string;
  checksum: string;
}

export function readMigrations(directory = MIGRATIONS_DIR): Migration[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const script = readFileSync(path.join(directory, name, "migration.sql"), "utf8");
      return { name, script, checksum: createHash("sha256").update(script).digest("hex") };
    });
}

/** Holds Prisma's migration lock for the duration of `work`, across every instance on this database. */
export async function withMigrationLock<T>(session: SqlSession, work: () => Promise<T>): Promise<T> {
  await session.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATION_LOCK]);
  try {
    return await work();
  } finally {
    await session.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATION_LOCK]);
  }
}

/**
 * Applies pending migrations the way `prisma migrate deploy` does, recording them in Prisma's own
 * `_prisma_migrations` table, so the CLI and the service agree on what is applied.
 * Returns the names it applied.
 */
export async function applyPendingMigrations(
  session: SqlSession,
  migrations: Migration[] = readMigrations(),
): Promise<string[]> {
  await session.execScript(PRISMA_MIGRATIONS_TABLE);
  const rows = await session.query<{ migration_name: string; finished_at: unknown }>(
    `SELECT migration_name, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
  );
  const failed = rows.find((row) => row.finished_at === null);
  if (failed) {
    throw new Error(
      `Migration ${failed.migration_name} failed earlier and is not marked rolled back: ` +
        "fix the database, then run `npx prisma migrate resolve`.",
    );
  }
  const applied = new Set(rows.map((row) => row.migration_name));
  const pending = migrations.filter((migration) => !applied.has(migration.name));
  for (const migration of pending) await applyMigration(session, migration);
  return pending.map((migration) => migration.name);
}

async function applyMigration(session: SqlSession, migration: Migration): Promise<void> {
  const id = randomUUID();
  await session.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), 0)`,
    [id, migration.checksum, migration.name],
  );
  try {
    await session.execScript(migration.script);
  } catch (error) {
    await session.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, String(error)]);
    throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
  }
  await session.query(
    `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
    [id],
  );
}

// Prisma's own definition of its bookkeeping table.
const PRISMA_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;
