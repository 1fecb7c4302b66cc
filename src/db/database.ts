import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { copyEmbeddedTemplate } from "./embedded-template.ts";

/** Plain SQL for the read path: Prisma's client costs half the throughput on hot reads (see README). */
export interface SqlClient {
  query<Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<Row[]>;
}

export interface QueryOptions {
  /**
   * Every column as bytes: a text column's UTF-8, for text that is
   * only passed on (stored renderings). Read pools only; elsewhere columns come as usual (strings).
   */
  bytes?: boolean;
  /**
   * Planned for its values on every run, never with one plan for all (on a server: prepared, on
   * connections that keep no plan): for a query whose best plan depends on them (a frequent word's
   * matches are read off the date index, a rare word's off the search index; one cached plan would
   * be far off for the other).
   */
  planEachTime?: boolean;
}

/** One connection, for work that must stay on it (advisory locks, multi-statement scripts). */
export interface SqlSession extends SqlClient {
  /** Runs a multi-statement script as one simple-protocol query: atomic, and `$$` bodies survive. */
  execScript(script: string): Promise<void>;
}

export interface Database {
  kind: "server" | "embedded";
  sql: SqlClient;
  withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction: Transact;
  /** Embedded only: the whole cluster as a tarball, to open copies of it later. */
  dumpEmbedded?: () => Promise<Blob>;
  close(): Promise<void>;
}

/** A streaming standby that takes reads; named without its credentials (logs, /ready). */
export interface ReadReplica {
  name: string;
  sql: SqlClient;
}

/** host:port/database of a postgresql:// URL: what logs and /ready may show (never the password). */
export function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}

export type Transact = <T>(work: (tx: SqlClient) => Promise<T>) => Promise<T>;

export interface DatabaseOptions {
  poolSize: number;
  // Server only, each off when absent. A database that stops answering (frozen, partitioned) sends no
  // error: without these, a request waits as long as it does.
  /** Opening a connection, or waiting for a free one in the pool. */
  connectTimeoutMs?: number;
  /** The server cancels a statement running longer (0: never). */
  statementTimeoutMs?: number;
  /** The client gives up on an answer after this long, when the server cannot say so itself. */
  queryTimeoutMs?: number;
  /** Embedded only: start from a `dumpEmbedded` snapshot instead of an empty cluster (much faster than initdb). */
  embeddedSnapshot?: Blob;
  /** Embedded only: a data directory that does not exist yet starts as a copy of this template (see embedded-template.ts). */
  embeddedTemplateDir?: string;
}

export async function openDatabase(url: string, options: DatabaseOptions): Promise<Database> {
  return url.startsWith("pglite://") ? openEmbedded(url, options) : openServer(url, options);
}

/** A read replica's own pools: plain SQL only (reads never go through Prisma). */
export function openReadReplica(url: string, options: DatabaseOptions): { sql: SqlClient; close(): Promise<void> } {
  const { sql, close } = openPools(url, options);
  return { sql, close };
}

/**
 * A server's pools: `pool` for everything, and for the read path (`sql`) a second one for the reads
 * planned for their values; `close` ends both.
 */
function openPools(url: string, options: DatabaseOptions): { pool: pg.Pool; sql: SqlClient; close(): Promise<void> } {
  const pool = newPool(url, options);
  const plannedPool = newPlannedPool(url, options);
  return {
    pool,
    sql: readClient(pool, plannedPool),
    close: async () => {
      await Promise.all([pool.end(), plannedPool.end()]);
    },
  };
}

/**
 * Connections that plan every run of a prepared statement for its values (QueryOptions.planEachTime):
 * prepared, such a query is parsed once per connection, where the search's twenty-branch text was
 * parsed and analysed again on every request. Its own pool, of the same size as the other: a
 * setting of the session, where the other connections keep plans.
 */
function newPlannedPool(url: string, options: DatabaseOptions): pg.Pool {
  // Awaited by the pool before it hands a new connection out; should it fail, the connection is closed.
  return newPool(url, options, async (client) => {
    await client.query("SET plan_cache_mode = force_custom_plan");
  });
}

/** The read path on a server: each statement named by its text, on the pool its planning needs. */
function readClient(pool: pg.Pool, plannedPool: pg.Pool): SqlClient {
  return {
    query: async (text, params, options) => {
      const statement = readStatement(text, params, options);
      return (await (statement.planned ? plannedPool : pool).query(statement.config)).rows;
    },
  };
}

function newPool(url: string, options: DatabaseOptions, onConnect?: (client: pg.ClientBase) => Promise<void>): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs || undefined,
    query_timeout: options.queryTimeoutMs,
    // No JIT compilation: the API's queries are bounded (pages, lookups, stats), and compiling one took
    // longer than it saved (stats of a year by day at a million events: 53 ms of JIT in a 385 ms query;
    // counting the statements of two years 457 ms with it, 335 without).
    options: "-c jit=off",
    // A partitioned server sends no reset: keepalives let the kernel find idle connections dead.
    keepAlive: true,
    onConnect,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  return pool;
}

async function openServer(url: string, options: DatabaseOptions): Promise<Database> {
  const { pool, sql, close } = openPools(url, options);
  return {
    kind: "server",
    sql,
    async withSession(work) {
      const client = await pool.connect();
      try {
        return await work({
          query: async (text, params) => (await client.query(text, params as unknown[])).rows,
          execScript: async (script) => {
            await client.query(script);
          },
        });
      } finally {
        client.release();
      }
    },
    async transaction(work) {
      // Writers lock the facts they render; two that lock in other orders deadlock, and PostgreSQL
      // aborts one. The work is plain database work, so it runs again.
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        // A connection that timed out on our side may still be running the statement, inside the
        // transaction: it is closed (the server then rolls back), never handed out again.
        let discard: Error | undefined;
        try {
          await client.query("BEGIN");
          const result = await work({ query: async (text, params) => (await client.query(text, params as unknown[])).rows });
          await client.query("COMMIT");
          return result;
        } catch (error) {
          if (isQueryTimeout(error)) discard = error as Error;
          else await client.query("ROLLBACK").catch((rollbackError: Error) => (discard = rollbackError));
          const code = (error as { code?: string }).code;
          if (attempt < 5 && (code === "40P01" || code === "40001")) {
            // Apart, so that the same writers do not meet again in the same order.
            await new Promise((resolve) => setTimeout(resolve, attempt * 20 * (1 + Math.random())));
            continue;
          }
          throw error;
        } finally {
          client.release(discard);
        }
      }
    },
    close,
  };
}

// The read path's statements are named by their text: each connection parses and plans a text once,
// then only binds and runs it (half a fact detail's time in PostgreSQL went to parsing and planning).
// The texts are few (built from a fixed set of filters; values are always parameters); the cap keeps
// an unforeseen stream of texts from filling every connection's cache.
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 2000;

/**
 * The query config of a read, named by its text, and whether it is to be planned for its values on
 * every run (QueryOptions.planEachTime): then it goes to the connections that never keep a plan.
 */
function readStatement(text: string, params?: readonly unknown[], options?: QueryOptions): { config: pg.QueryConfig; planned: boolean } {
  const values = params as unknown[] | undefined;
  // Binary results, each column a Buffer of its UTF-8 (pg-protocol still reads a field as a string,
  // which pg turns back into bytes: as much work as text results and Buffer.from, and less than
  // keeping strings and joining them, measured: the page is spliced from the Buffers as they are).
  const format = options?.bytes ? { binary: true, types: UNDECODED } : {};
  // A list filtered by `q=` carries its words in the search function's call: planned each time too.
  const planned = options?.planEachTime === true || text.includes("_tsquery(");
  // Without values, pg sends the simple protocol, which also runs scripts of several statements.
  if (!values?.length) return { config: { text, values, ...format }, planned };
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `wf_${createHash("sha1").update(text).digest("base64url").slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return { config: { name, text, values, ...format }, planned };
}

const UNDECODED = { getTypeParser: () => (value: Buffer) => value } as unknown as pg.CustomTypesConfig;

/** pg's own error when `query_timeout` passes without an answer; it has no code. */
export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === "Query read timeout";
}

/** `pglite://memory` is a new in-memory database; `pglite://<path>` a data directory relative to cwd. */
export function embeddedDataDir(url: string): string | undefined {
  const location = url.slice("pglite://".length);
  return location === "memory" || location === "" ? undefined : path.resolve(location);
}

// PostgreSQL's default 128 MB of shared buffers was most of the process's memory: WebAssembly pages
// once touched stay resident. The data files are cached by the OS all the same.
const EMBEDDED_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

async function openEmbedded(url: string, { embeddedSnapshot, embeddedTemplateDir }: DatabaseOptions): Promise<Database> {
  const dataDir = embeddedDataDir(url);
  // PGlite does not create parent directories itself.
  if (dataDir) mkdirSync(path.dirname(dataDir), { recursive: true });
  if (dataDir && embeddedTemplateDir) copyEmbeddedTemplate(dataDir, embeddedTemplateDir);
  const pglite = new PGlite({ dataDir, loadDataDir: embeddedSnapshot, startParams: EMBEDDED_START_PARAMS });
  await pglite.waitReady;
  const session: SqlSession = {
    query: async (text, params) => (await pglite.query(text, params as unknown[])).rows as never,
    execScript: async (script) => {
      await pglite.exec(script);
    },
  };
  return {
    kind: "embedded",
    sql: session,
    dumpEmbedded: () => pglite.dumpDataDir("none"),
    // PGlite has a single connection: every caller already shares it.
    withSession: (work) => work(session),
    // Exclusive: PGlite queues every other query until the transaction ends.
    transaction: (work) =>
      pglite.transaction((tx) => work({ query: async (text, params) => (await tx.query(text, params as unknown[])).rows as never })),
    async close() {
      await pglite.close();
    },
  };
}
