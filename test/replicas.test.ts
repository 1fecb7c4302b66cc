import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { type Config, loadConfig } from "../src/config.ts";
import { databaseOptionsOf, type StartingDatabase, startingDatabase } from "../src/db/bootstrap.ts";
import { createApiKeysRepository } from "../src/modules/api-keys/api-keys.repository.ts";
import { Client, sleep } from "./helpers/http-load.ts";
import { Cluster, findPostgresBinaries } from "./helpers/pg-cluster.ts";

// Read replicas on loopback: a private primary, a streaming replica made from it with
// `pg_basebackup -R`, and the app on both (DATABASE_URL the primary, DATABASE_READ_URLS the replica).
// Each server logs every statement it runs (log_statement=all): the queries per server are counted
// in its log. Runs once, on the suite's PostgreSQL run: it needs no database of the suite's own.

const SOURCE_ID = "bbc-2022-12-10-iran-russia-main-military-backer";
const READS = ["/v1/statements?limit=5", "/v1/actors?limit=10", "/v1/attack-events"];

const pgBin = findPostgresBinaries();
const onServerRun = process.env.DATABASE_URL?.startsWith("postgres") ?? false;
if (!pgBin) console.warn("replicas.test.ts: no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup): skipped.");

describe.skipIf(!pgBin || !onServerRun)("read replicas: a private primary and a streaming replica of it", () => {
  let primary: Cluster;
  let replica: Cluster;
  let database: StartingDatabase;
  let app: FastifyInstance;
  let client: Client;
  let baseUrl: string;
  let bearer: string;
  const logLines: { level: number; msg: string }[] = [];
  let actors = 0;

  beforeAll(async () => {
    primary = await Cluster.create(pgBin!, ["log_statement=all"]);
    primary.start();
    await primary.createDatabase("warfacts");
    // Made before the migrations: they reach the replica by streaming.
    replica = await Cluster.replicaOf(primary);
    replica.start();
    database = startingDatabase([replica.url("warfacts")]);
    const config: Config = {
      // No rate limits: the load comes from one address, and refusals are not what this file is about.
      ...loadConfig({ RATE_LIMIT_MAX: "0", RATE_LIMIT_WRITE_MAX: "0" }),
      logLevel: "info",
      databaseUrl: primary.url("warfacts"),
      databaseReadUrls: [replica.url("warfacts")],
      databasePoolSize: 4,
      maxQueueWaitMs: 60_000,
    };
    app = await buildApp({
      config,
      sql: database.sql,
      transaction: database.transaction,
      readReplicas: database.replicas,
      logStream: { write: (line) => void logLines.push(JSON.parse(line)) },
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    client = new Client(app);
    baseUrl = `http://127.0.0.1:${client.port}`;
    await database.start({
      url: config.databaseUrl,
      // The service's own timeouts: generous enough that a loaded machine does not pass for a replica that is down.
      database: databaseOptionsOf(config),
      prepare: { migrate: true, seed: true },
      log: app.log,
    });
    bearer = `Bearer ${(await createApiKeysRepository(database.sql).create({ name: "replicas", scopes: ["write"] })).key}`;
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await database?.close();
    client?.close();
    replica?.destroy();
    primary?.destroy();
  });

  /** A new actor, written through the API (one POST: a transaction on the primary, then its read-back). */
  async function createActor(): Promise<{ status: number; id: string; body: { id?: string } }> {
    const id = `replica-test-actor-${++actors}`;
    const response = await fetch(`${baseUrl}/v1/actors`, {
      method: "POST",
      headers: { authorization: bearer, "content-type": "application/json" },
      body: JSON.stringify({ id, sourceId: SOURCE_ID, type: "person", name: `Replica test ${actors}`, evidence: ["John Kirby"] }),
    });
    return { status: response.status, id, body: (await response.json()) as { id?: string } };
  }

  /** Readers going round READS, and one writer creating actors, for `durationMs`; statuses counted. */
  async function mixedLoad({ readers, durationMs, during }: { readers: number; durationMs: number; during?: () => Promise<void> }) {
    const statuses: Record<number, number> = {};
    let reads = 0;
    let writes = 0;
    const count = (status: number) => (statuses[status] = (statuses[status] ?? 0) + 1);
    const end = performance.now() + durationMs;
    await Promise.all([
      ...Array.from({ length: readers }, async (_, reader) => {
        for (let turn = reader; performance.now() < end; turn++) {
          count((await client.get(READS[turn % READS.length]!)).status);
          reads++;
        }
      }),
      (async () => {
        while (performance.now() < end) {
          count((await createActor()).status);
          writes++;
        }
      })(),
      during?.(),
    ]);
    const serverErrors = Object.entries(statuses).filter(([status]) => Number(status) >= 500).reduce((sum, [, n]) => sum + n, 0);
    return { statuses, reads, writes, serverErrors };
  }

  it("/ready reports the primary and the replica, with its lag, and the replica catches up with the migrations and the seed", async () => {
    const ready = await pollUntil("the replica caught up", async () => {
      const response = await fetch(`${baseUrl}/ready`);
      const body = (await response.json()) as { databases: { role: string; lagBytes?: number }[] };
      return response.status === 200 && body.databases[1]?.lagBytes === 0 ? body : undefined;
    });
    console.log(`ready: ${JSON.stringify(ready)}`);
    expect(ready).toEqual({
      status: "ok",
      databases: [
        { name: "primary", role: "primary", status: "up" },
        { name: `127.0.0.1:${replica.port}/warfacts`, role: "replica", status: "up", lagBytes: 0, lagSeconds: 0 },
      ],
    });
  });

  it("reads from the replica; a write reads its own result from the primary, as do a read with Cache-Control: no-cache and the change feed; the replica sees the write after catch-up", async () => {
    // Replay paused, the replica stays where it is: what reads find there, they found on the replica.
    await replica.query("postgres", "SELECT pg_wal_replay_pause()");
    // A pause is only requested at first: until the replica says it is paused, it may still replay
    // the write below (then /ready rightly finds no lag).
    const pausedAt = performance.now();
    await pollUntil("replay paused", async () => {
      const [row] = await replica.query<{ state: string }>("postgres", "SELECT pg_get_wal_replay_pause_state() AS state");
      return row?.state === "paused" ? true : undefined;
    });
    console.log(`replay paused ${Math.round(performance.now() - pausedAt)} ms after it was asked to pause`);
    let created: Awaited<ReturnType<typeof createActor>>;
    try {
      created = await createActor();
      const fromReplica = await client.get(`/v1/actors/${created.id}`);
      const fresh = await fetch(`${baseUrl}/v1/actors/${created.id}`, { headers: { "cache-control": "no-cache" } });
      expect(created.status).toBe(201);
      expect(created.body.id).toBe(created.id);
      expect(fromReplica.status).toBe(404);
      expect(fresh.status).toBe(200);
      // The change feed reads the primary: a partner told of the write (a webhook) finds it there at once.
      const feed = (await (await fetch(`${baseUrl}/v1/changes?resource=actors&limit=1000`)).json()) as { data: { id: string }[] };
      expect(feed.data.map((change) => change.id)).toContain(created.id);
      const ready = (await (await fetch(`${baseUrl}/ready`)).json()) as { databases: { lagBytes?: number }[] };
      console.log(`replay paused: /ready says the replica is ${ready.databases[1]!.lagBytes} bytes behind`);
      expect(ready.databases[1]!.lagBytes).toBeGreaterThan(0);
    } finally {
      await replica.query("postgres", "SELECT pg_wal_replay_resume()");
    }
    await pollUntil("the paused write on the replica", async () => ((await client.get(`/v1/actors/${created.id}`)).status === 200 ? true : undefined));

    // Streaming as usual: from the write's answer to the replica serving it.
    const write = await createActor();
    const writtenAt = performance.now();
    await pollUntil("the write on the replica", async () => ((await client.get(`/v1/actors/${write.id}`)).status === 200 ? true : undefined));
    const catchUpMs = Math.round(performance.now() - writtenAt);
    console.log(`catch-up: a write answered by the primary was served by the replica ${catchUpMs} ms later`);
    expect(write.status).toBe(201);
  });

  it("spreads the load: reads on the replica, writes on the primary", async () => {
    const before = { primary: statementsLogged(primary), replica: statementsLogged(replica) };
    const fromLine = logLines.length;
    const load = await mixedLoad({ readers: 6, durationMs: 2000 });
    const queries = { primary: statementsLogged(primary) - before.primary, replica: statementsLogged(replica) - before.replica };
    console.log(
      `spread: ${load.reads} reads and ${load.writes} writes, ${JSON.stringify(load.statuses)}; ` +
        `statements run: primary ${queries.primary}, replica ${queries.replica}`,
    );
    expect(load.serverErrors).toBe(0);
    expect(logLines.slice(fromLine).filter((line) => /read replica .* unavailable/.test(line.msg))).toEqual([]);
    // Every read runs at least one statement, on the replica; writes run several, on the primary.
    expect(queries.replica).toBeGreaterThanOrEqual(load.reads);
    expect(queries.primary).toBeGreaterThanOrEqual(load.writes * 3);
  });

  it("falls back to the primary when the replica stops mid-load (no 5xx), reports it on /ready, and takes it back once it answers", async () => {
    const before = { primary: statementsLogged(primary), replica: statementsLogged(replica) };
    const fromLine = logLines.length;
    let atStop = before;
    let stoppedAtMs = 0;
    const startedAt = performance.now();
    const load = await mixedLoad({
      readers: 6,
      durationMs: 3000,
      during: async () => {
        await sleep(1000);
        atStop = { primary: statementsLogged(primary), replica: statementsLogged(replica) };
        stoppedAtMs = Math.round(performance.now() - startedAt);
        replica.stop("immediate");
      },
    });
    const after = { primary: statementsLogged(primary), replica: statementsLogged(replica) };
    console.log(
      `replica stopped at ${stoppedAtMs} ms of 3000: ${load.reads} reads and ${load.writes} writes, ${JSON.stringify(load.statuses)}, ` +
        `${load.serverErrors} × 5xx; statements before the stop: primary ${atStop.primary - before.primary}, replica ${atStop.replica - before.replica}; ` +
        `after: primary ${after.primary - atStop.primary}, replica ${after.replica - atStop.replica}`,
    );
    expect(load.serverErrors).toBe(0);
    expect(Object.keys(load.statuses).sort()).toEqual(["200", "201"]);
    expect(atStop.replica - before.replica).toBeGreaterThan(0);
    // The reads after the stop ran on the primary.
    expect(after.primary - atStop.primary).toBeGreaterThan(load.writes);

    const degraded = await fetch(`${baseUrl}/ready`);
    const body = (await degraded.json()) as { status: string; databases: { status: string; error?: string }[] };
    console.log(`ready with the replica down: ${degraded.status} ${JSON.stringify(body)}`);
    expect(degraded.status).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.databases.map((entry) => entry.status)).toEqual(["up", "down"]);

    replica.start();
    const backAt = performance.now();
    await pollUntil("the replica up on /ready", async () => {
      const ready = (await (await fetch(`${baseUrl}/ready`)).json()) as { status: string };
      return ready.status === "ok" ? true : undefined;
    });
    const back = statementsLogged(replica);
    for (const url of READS) expect((await client.get(url)).status).toBe(200);
    console.log(`replica back: ready ${Math.round(performance.now() - backAt)} ms after its start; it ran ${statementsLogged(replica) - back} statements of ${READS.length} reads`);
    expect(statementsLogged(replica) - back).toBeGreaterThanOrEqual(READS.length);

    // Its absence was logged once when it began and once when it ended, not once per read.
    const down = logLines.slice(fromLine).filter((line) => /read replica .* unavailable/.test(line.msg));
    const up = logLines.slice(fromLine).filter((line) => /read replica .* answers again after/.test(line.msg));
    expect(down).toHaveLength(1);
    expect(up).toHaveLength(1);
  });
});

/** Statements a server has run, from its log (log_statement=all: one line per simple query or execute). */
function statementsLogged(cluster: Cluster): number {
  return readFileSync(cluster.logFile, "utf8").match(/LOG: {2}(?:statement|execute [^:]*):/g)?.length ?? 0;
}

async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, withinMs = 15_000): Promise<T> {
  const startedAt = performance.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() - startedAt > withinMs) throw new Error(`${what}: not within ${withinMs} ms`);
    await sleep(50);
  }
}
