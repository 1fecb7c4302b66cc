import { curatedSources } from "../../prisma/seed/index.ts";
import {
  type Database, type DatabaseOptions, describeDatabaseUrl, openDatabase, openReadReplica, type ReadReplica, type SqlClient, type Transact,
} from "./database.ts";
import { applyPendingMigrations, withMigrationLock } from "./migrate.ts";
import { loadCuratedSources, type SeedCounts } from "./seed.ts";
import type { Config } from "../config.ts";

/** The pool size and timeouts the configuration gives the service's database. */
export const databaseOptionsOf = (config: Config): DatabaseOptions => ({
  poolSize: config.databasePoolSize,
  connectTimeoutMs: config.databaseConnectTimeoutMs,
  statementTimeoutMs: config.databaseStatementTimeoutMs,
  queryTimeoutMs: config.databaseQueryTimeoutMs,
});

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

/** What every query meets until the database is open and prepared: the service answers 503 meanwhile. */
export class DatabaseNotReady extends Error {
  constructor() {
    super("The database is not open and prepared yet");
    this.name = "DatabaseNotReady";
  }
}

export interface StartOptions {
  url: string;
  /** For the database the service then uses (pool size, timeouts). */
  database: DatabaseOptions;
  prepare: PrepareOptions;
  log: { warn(details: object, message: string): void };
  /** Waits between attempts: doubling from `firstDelayMs` up to `maxDelayMs`. */
  retry?: { firstDelayMs: number; maxDelayMs: number };
}

export interface Started {
  database: Database;
  prepared: PrepareResult;
  attempts: number;
}

/**
 * The database as the service sees it while it starts: `sql` and `transaction` fail with
 * DatabaseNotReady until `start` has opened and prepared it, then pass through. The server listens
 * before the database answers, so that liveness answers at once and readiness says why not.
 */
export interface StartingDatabase {
  sql: SqlClient;
  transaction: Transact;
  /** One per read URL: each fails with DatabaseNotReady until `start` has prepared the primary (a replica has its tables only then). */
  replicas: ReadReplica[];
  /** Opens and prepares the database, retrying with backoff (one log line per failed attempt) until it works or `close` is called. */
  start(options: StartOptions): Promise<Started>;
  close(): Promise<void>;
}

const DEFAULT_RETRY = { firstDelayMs: 500, maxDelayMs: 5000 };

/** `readUrls`: read replicas of a PostgreSQL server, opened once the primary is prepared (none on the embedded database). */
export function startingDatabase(readUrls: string[] = []): StartingDatabase {
  let database: Database | undefined;
  let openedReplicas: ReturnType<typeof openReadReplica>[] = [];
  const replicas: ReadReplica[] = readUrls.map((url, index) => ({
    name: describeDatabaseUrl(url),
    sql: { query: (text, params, queryOptions) => openedReplicas[index]?.sql.query(text, params, queryOptions) ?? Promise.reject(new DatabaseNotReady()) },
  }));
  let closed = false;
  let attempting: Promise<unknown> = Promise.resolve();
  let wake = () => {};
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function attempt(options: StartOptions): Promise<{ database: Database; prepared: PrepareResult }> {
    if (options.url.startsWith("pglite://")) {
      // One process, one connection: prepare the database it serves from.
      const embedded = await openDatabase(options.url, options.database);
      try {
        return { database: embedded, prepared: await prepareDatabase(embedded, options.prepare) };
      } catch (error) {
        await embedded.close().catch(() => {});
        throw error;
      }
    }
    // Migrations may run long and wait for another instance's lock: they get their own connections,
    // without the statement and query timeouts of the serving pool, and closed afterwards.
    const preparing = await openDatabase(options.url, { poolSize: 2, connectTimeoutMs: options.database.connectTimeoutMs });
    let prepared: PrepareResult;
    try {
      prepared = await prepareDatabase(preparing, options.prepare);
    } finally {
      await preparing.close().catch(() => {});
    }
    return { database: await openDatabase(options.url, options.database), prepared };
  }

  return {
    sql: {
      query: (text, params, queryOptions) => (database ? database.sql.query(text, params, queryOptions) : Promise.reject(new DatabaseNotReady())),
    },
    transaction: (work) => (database ? database.transaction(work) : Promise.reject(new DatabaseNotReady())),
    replicas,
    async start(options) {
      const { firstDelayMs, maxDelayMs } = options.retry ?? DEFAULT_RETRY;
      for (let attempts = 1; ; attempts++) {
        if (closed) throw new DatabaseNotReady();
        try {
          const current = attempt(options);
          attempting = current.catch(() => {});
          const opened = await current;
          if (closed) {
            await opened.database.close();
            throw new DatabaseNotReady();
          }
          database = opened.database;
          // Connections open on first use: a replica that is down now is found so then, and skipped.
          openedReplicas = readUrls.map((url) => openReadReplica(url, options.database));
          return { ...opened, attempts };
        } catch (error) {
          if (closed) throw error;
          const delayMs = Math.min(maxDelayMs, firstDelayMs * 2 ** (attempts - 1));
          options.log.warn(
            { attempt: attempts, retryInMs: delayMs, error: describeError(error) },
            `database not ready (attempt ${attempts}): ${describeError(error)}; retrying in ${(delayMs / 1000).toFixed(1)} s`,
          );
          await pause(delayMs);
        }
      }
    },
    async close() {
      closed = true;
      wake();
      await attempting;
      await database?.close();
      database = undefined;
      await Promise.all(openedReplicas.splice(0).map((replica) => replica.close()));
    },
  };
}

/** One line: the message and code, and for several addresses tried (localhost: ::1 and 127.0.0.1), each one's. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return [...new Set(error.errors.map(describeError))].join("; ");
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: string }).code;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error.message || error.name}${cause}${code && !error.message.includes(code) ? ` [${code}]` : ""}`;
}
