import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import supertest from "supertest";
import { inject } from "vitest";
import { type AppDependencies, buildApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { prepareDatabase } from "../../src/db/bootstrap.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  /** supertest bound to the app's server: requests go through the real HTTP stack. */
  http: () => supertest.Agent;
  close: () => Promise<void>;
}

/**
 * A fresh, migrated and seeded database for one test file, and an app on it. The suite runs on an
 * in-memory PGlite by default, and on a new database of the PostgreSQL server when DATABASE_URL is
 * a postgresql:// URL (CI runs both).
 */
export async function startTestApp(options: Pick<AppDependencies, "webhookWorker" | "logStream"> & { config?: Partial<Config> } = {}): Promise<TestApp> {
  const { config: overrides, ...dependencies } = options;
  const { database, dispose } = await freshDatabase(process.env.DATABASE_URL);
  // On the embedded database this finds the snapshot up to date and does nothing.
  await prepareDatabase(database, { migrate: true, seed: true });
  const app = await buildApp({
    // Tests read in parallel on a loaded machine: only the load-shedding tests (faults.test.ts, with
    // their own app) may be refused for a wait; everywhere else a queued read waits its turn.
    // Rate limits are on, as in the service, but far above what a test file sends, bad keys included
    // (rate-limit.test.ts sets tiny ones).
    config: {
      ...loadConfig({}), logLevel: (process.env.TEST_LOG ?? "silent") as Config["logLevel"], maxQueueWaitMs: 60_000,
      rateLimitMax: 1_000_000, rateLimitWriteMax: 1_000_000, authFailureLimitMax: 1_000_000,
      ...overrides,
    },
    sql: database.sql,
    transaction: database.transaction,
    ...dependencies,
  });
  await app.ready();
  return {
    app,
    database,
    http: () => supertest.agent(app.server),
    close: async () => {
      await app.close();
      await database.close();
      await dispose();
    },
  };
}

export async function freshDatabase(serverUrl: string | undefined): Promise<{ database: Database; dispose: () => Promise<void> }> {
  if (!serverUrl?.startsWith("postgres")) {
    const snapshotPath = inject("embeddedSnapshotPath");
    const embeddedSnapshot = snapshotPath ? new Blob([readFileSync(snapshotPath)]) : undefined;
    return { database: await openDatabase("pglite://memory", { poolSize: 1, embeddedSnapshot }), dispose: async () => {} };
  }
  const name = `warfacts_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase(url.toString(), { poolSize: 5 });
  return {
    database,
    dispose: async () => {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
