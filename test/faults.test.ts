import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { type Config, loadConfig } from "../src/config.ts";
import { type StartingDatabase, startingDatabase } from "../src/db/bootstrap.ts";
import { isDatabaseUnavailable } from "../src/plugins/errors.ts";
import { Client, waitFor } from "./helpers/http-load.ts";
import { Cluster, findPostgresBinaries } from "./helpers/pg-cluster.ts";
import { freshDatabase } from "./helpers/test-app.ts";

// Faults of a real PostgreSQL server, on loopback: a private cluster that the tests stop, freeze
// (SIGSTOP) and bring back while the app runs on it with short timeouts.

const TIMEOUTS = { connectTimeoutMs: 500, statementTimeoutMs: 800, queryTimeoutMs: 1000 };
// A request may wait for a connection of the pool, then for an answer; beyond that, a loaded machine's margin.
const LONGEST_WAIT_MS = TIMEOUTS.connectTimeoutMs + TIMEOUTS.queryTimeoutMs + 1000;
const READ = "/v1/statements?limit=5";

const pgBin = findPostgresBinaries();
if (!pgBin) {
  console.warn(
    "faults.test.ts: no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin: " +
      "the tests on a stopped, frozen and late database are skipped.",
  );
}

describe.skipIf(!pgBin)("database faults on a private PostgreSQL cluster", () => {
  let cluster: Cluster;
  let database: StartingDatabase;
  let app: FastifyInstance;
  let client: Client;
  const logLines: LogLine[] = [];

  beforeAll(async () => {
    cluster = await Cluster.create(pgBin!);
    cluster.start();
    await cluster.createDatabase("warfacts");
    database = startingDatabase();
    const config = testConfig(cluster.url("warfacts"));
    app = await buildApp({ config, sql: database.sql, transaction: database.transaction, logStream: captureLog(logLines) });
    await app.listen({ host: "127.0.0.1", port: 0 });
    client = new Client(app);
    await database.start(startOptions(config, app));
  });

  afterAll(async () => {
    // Whatever failed above: thaw, stop and remove the cluster, then close the app.
    cluster?.thaw();
    await app?.close();
    await database?.close();
    client?.close();
    cluster?.destroy();
  });

  describe("a database that stops", () => {
    it("makes requests 503 with Retry-After at once, and the service recovers when it is back, without a restart", async () => {
      expect((await client.get(READ)).status).toBe(200);
      cluster.stop("fast");

      const during = await client.load(READ, { clients: 8, durationMs: 1500 });
      const ready = await client.get("/ready");
      report("stopped", during);
      expect(during.statuses).toEqual({ 503: during.count });
      expect(during.problems.every((problem) => problem.retryAfter && problem.type === "/problems/unavailable")).toBe(true);
      expect(during.longestMs).toBeLessThan(1000);
      expect(ready.status).toBe(503);

      cluster.start();
      const recoveryMs = await client.until200("/ready");
      console.log(`stopped: recovered ${recoveryMs} ms after the database was back`);
      expect((await client.get(READ)).status).toBe(200);
    });
  });

  describe("a database that freezes (SIGSTOP)", () => {
    it("makes no request wait longer than the timeouts: 503s with Retry-After, then recovery on SIGCONT", async () => {
      expect((await client.get(READ)).status).toBe(200);
      cluster.freeze();

      const during = await client.load(READ, { clients: 8, durationMs: 3000 });
      const readyStartedAt = performance.now();
      const ready = await client.get("/ready");
      const readyMs = Math.round(performance.now() - readyStartedAt);
      report("frozen", during);
      console.log(`frozen: /ready answered ${ready.status} in ${readyMs} ms`);
      expect(during.statuses).toEqual({ 503: during.count });
      expect(during.problems.every((problem) => problem.retryAfter)).toBe(true);
      expect(during.longestMs).toBeLessThan(LONGEST_WAIT_MS);
      expect(ready.status).toBe(503);
      expect(readyMs).toBeLessThan(LONGEST_WAIT_MS);

      cluster.thaw();
      const recoveryMs = await client.until200("/ready");
      console.log(`frozen: recovered ${recoveryMs} ms after SIGCONT`);
      const after = await client.load(READ, { clients: 4, durationMs: 500 });
      expect(after.statuses).toEqual({ 200: after.count });
    });

    it("fails a write within the timeout, and closes its connection: no transaction is left open once the server answers", async () => {
      // A connection waits in the pool; the write's BEGIN goes out on it and gets no answer.
      expect((await client.get(READ)).status).toBe(200);
      cluster.freeze();
      const startedAt = performance.now();
      const write = await database.transaction((tx) => tx.query("SELECT 1")).then(() => "committed", (error: Error) => error.message);
      const writeMs = Math.round(performance.now() - startedAt);
      cluster.thaw();
      console.log(`frozen: a transaction failed in ${writeMs} ms (${write})`);
      expect(write).toMatch(/timeout/i);
      expect(writeMs).toBeLessThan(LONGEST_WAIT_MS);

      // Handed out again, that connection would carry the BEGIN, answered now, into the next queries.
      await client.until200("/ready");
      expect((await client.get(READ)).status).toBe(200);
      expect(await cluster.sessionsInTransaction("warfacts")).toBe(0);
      expect(await database.transaction((tx) => tx.query("SELECT 1 AS one"))).toEqual([{ one: 1 }]);
    });
  });

  describe("a statement that runs too long", () => {
    it("is cancelled by the server at the statement timeout, and counts as the database's absence (503)", async () => {
      const startedAt = performance.now();
      const error = await database.sql.query("SELECT pg_sleep(10)").then(() => undefined, (caught: unknown) => caught);
      const ms = Math.round(performance.now() - startedAt);
      console.log(`slow statement: cancelled after ${ms} ms (${(error as Error).message})`);
      expect(error).toMatchObject({ code: "57014" });
      expect(ms).toBeLessThan(TIMEOUTS.queryTimeoutMs);
      expect(isDatabaseUnavailable(error)).toBe(true);
    });
  });

  describe("outage log", () => {
    it("says once when an outage starts and once when it ends, with the count of 503s, and logs no stack per request", async () => {
      expect((await client.get(READ)).status).toBe(200);
      const from = logLines.length;
      cluster.stop("fast");
      let refused = 0;
      for (let i = 0; i < 12; i++) if ((await client.get(i % 3 === 0 ? "/ready" : READ)).status === 503) refused++;
      cluster.start();
      refused += (await client.until200Counting("/ready")).refused;
      const lines = await waitFor("the line saying the outage ended", () => {
        const outage = logLines.slice(from);
        return outage.some((line) => /database answers again/.test(line.msg)) ? outage : undefined;
      }, 5000);

      const started = lines.filter((line) => /database unavailable/.test(line.msg));
      const ended = lines.filter((line) => /database answers again/.test(line.msg));
      console.log(`outage log: ${started.map((line) => line.msg).join(" | ")} || ${ended.map((line) => line.msg).join(" | ")}`);
      expect(started).toHaveLength(1);
      expect(started[0]!.level).toBe(50);
      expect(ended).toHaveLength(1);
      expect(refused).toBeGreaterThanOrEqual(12);
      expect(ended[0]!.refused).toBe(refused);
      // Access lines stay (one per request, no stack); errors with stacks do not.
      expect(lines.filter((line) => JSON.stringify(line).includes("stack"))).toEqual([]);
      expect(lines.filter((line) => line.msg === "request failed")).toEqual([]);
    });
  });

  describe("starting while the database is down", () => {
    it("listens at once: /health 200, /ready 503, one log line per attempt, then ready when the database comes", async () => {
      cluster.stop("fast");
      const lines: LogLine[] = [];
      const late = startingDatabase();
      const config = testConfig(cluster.url("warfacts"));
      const lateApp = await buildApp({ config, sql: late.sql, transaction: late.transaction, logStream: captureLog(lines) });
      await lateApp.listen({ host: "127.0.0.1", port: 0 });
      const lateClient = new Client(lateApp);
      try {
        const started = late.start({ ...startOptions(config, lateApp), retry: { firstDelayMs: 100, maxDelayMs: 400 } });
        started.catch(() => {}); // awaited below; rejected only if the test ends before (close)
        const health = await lateClient.get("/health");
        const ready = await lateClient.get("/ready");
        const read = await lateClient.get(READ);
        expect(health.status).toBe(200);
        expect(health.ms).toBeLessThan(1000);
        expect(ready.status).toBe(503);
        expect(ready.retryAfter).toBeTruthy();
        expect(read.status).toBe(503);

        await waitFor("three attempts logged", () => lines.filter((line) => /database not ready \(attempt/.test(line.msg)).length >= 3 || undefined, 10_000);
        cluster.start();
        const upAt = performance.now();
        const { attempts } = await started;
        const readyMs = await lateClient.until200("/ready");
        console.log(`late start: ready ${Math.round(performance.now() - upAt)} ms after the database came, after ${attempts} attempts`);
        expect((await lateClient.get(READ)).status).toBe(200);

        const retries = lines.filter((line) => /database not ready \(attempt/.test(line.msg));
        console.log(`late start: ${retries[0]!.msg}`);
        expect(retries).toHaveLength(attempts - 1);
        expect(retries.map((line) => line.attempt)).toEqual(retries.map((_, index) => index + 1));
        expect(retries.every((line) => line.level === 40 && /ECONNREFUSED/.test(line.msg) && !("stack" in line))).toBe(true);
        // Not open yet at start is no outage: no error lines, however often /ready was asked.
        expect(lines.filter((line) => line.level >= 50)).toEqual([]);
        expect(readyMs).toBeLessThan(2000);
      } finally {
        await lateApp.close();
        await late.close();
        lateClient.close();
      }
    });
  });
});

describe("overload on the embedded database (one connection)", () => {
  let embedded: Awaited<ReturnType<typeof freshDatabase>>;
  let app: FastifyInstance;
  let client: Client;
  let rows = 0;

  beforeAll(async () => {
    // Always embedded, whatever database the suite runs on.
    embedded = await freshDatabase(undefined);
    // Rate limits off: the load here must meet the queue bound, not the per-client limit.
    const config: Config = { ...loadConfig({ RATE_LIMIT_MAX: "0", RATE_LIMIT_WRITE_MAX: "0" }), logLevel: "silent", databaseUrl: "pglite://memory" };
    const { sql, transaction } = embedded.database;
    app = await buildApp({ config, sql, transaction });
    // A read that holds the only connection for tens of milliseconds, as a heavy page does: real
    // work on the real database, so that 50 of them at once are more than a second of it.
    app.get("/v1/heavy", { schema: { hide: true } }, async () => {
      const [row] = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM generate_series(1, $1::int)", [rows]);
      return { n: row!.n };
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    client = new Client(app);
  });

  afterAll(async () => {
    await app?.close();
    await embedded?.database.close();
    await embedded?.dispose();
    client?.close();
  });

  it("answers 50 concurrent requests with 200s or fast 503s with Retry-After, none waiting over a second", async () => {
    rows = await calibrate((n) => embedded.database.sql.query("SELECT count(*) FROM generate_series(1, $1::int)", [n]), 60);
    // 50 clients with their connections open, as a burst finds them.
    await Promise.all(Array.from({ length: 50 }, () => client.get("/health")));
    const single = await client.get("/v1/heavy");
    expect(single.status).toBe(200);
    for (let round = 1; round <= 2; round++) {
      const results = await Promise.all(Array.from({ length: 50 }, () => client.get("/v1/heavy")));
      const by = (status: number) => results.filter((result) => result.status === status).map((result) => result.ms);
      const longest = (ms: number[]) => Math.round(Math.max(0, ...ms));
      console.log(
        `overload round ${round}: one request alone ${Math.round(single.ms)} ms; 50 at once: ${by(200).length} × 200 ` +
          `(longest ${longest(by(200))} ms), ${by(503).length} × 503 (longest ${longest(by(503))} ms)`,
      );
      expect(results.every((result) => result.status === 200 || (result.status === 503 && result.retryAfter === "1"))).toBe(true);
      expect(by(200).length).toBeGreaterThan(0);
      expect(longest(results.map((result) => result.ms))).toBeLessThan(1000);
    }
  });
});

// ——— helpers ———

function testConfig(url: string): Config {
  return {
    // Rate limits off: these loads must meet the database's faults, not the per-client limit.
    ...loadConfig({ RATE_LIMIT_MAX: "0", RATE_LIMIT_WRITE_MAX: "0" }),
    logLevel: "info",
    databaseUrl: url,
    databasePoolSize: 4,
    databaseConnectTimeoutMs: TIMEOUTS.connectTimeoutMs,
    databaseStatementTimeoutMs: TIMEOUTS.statementTimeoutMs,
    databaseQueryTimeoutMs: TIMEOUTS.queryTimeoutMs,
  };
}

function startOptions(config: Config, app: FastifyInstance) {
  return {
    url: config.databaseUrl,
    database: { poolSize: config.databasePoolSize, ...TIMEOUTS },
    prepare: { migrate: true, seed: true },
    log: app.log,
  };
}

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function captureLog(lines: LogLine[]) {
  return { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) };
}

function report(fault: string, load: Awaited<ReturnType<Client["load"]>>) {
  console.log(
    `${fault}: ${load.count} requests, ${JSON.stringify(load.statuses)}, median ${load.medianMs} ms, longest ${load.longestMs} ms`,
  );
}

/** The number of rows whose count takes about `targetMs` on this machine when nothing else runs (the quickest of three). */
async function calibrate(count: (rows: number) => Promise<unknown>, targetMs: number): Promise<number> {
  const rows = 200_000;
  let quickest = Infinity;
  for (let run = 0; run < 4; run++) {
    const startedAt = performance.now();
    await count(rows);
    if (run > 0) quickest = Math.min(quickest, performance.now() - startedAt);
  }
  return Math.max(10_000, Math.round((rows * targetMs) / Math.max(1, quickest)));
}

