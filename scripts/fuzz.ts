// The long fuzzing profile (issue 9): `npm run fuzz` sends FUZZ_RUNS (default 50,000) requests generated
// from the OpenAPI document to a fresh, seeded database, several at once, and prints counts by
// operation and status and every broken promise with a curl line that replays it (BASE=http://host:port). FUZZ_SEED picks
// the requests; DATABASE_URL=postgresql://… runs on a new database of that server instead of an
// embedded one. Exits 1 when anything broke.
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { type Database, openDatabase } from "../src/db/database.ts";
import { createApiKeysRepository } from "../src/modules/api-keys/api-keys.repository.ts";
import { describeFailure, type FuzzRequest, type FuzzResult, type OpenApiDocument, startFuzzSession, statusTable } from "../test/helpers/fuzz.ts";

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const total = Number(process.env.FUZZ_RUNS ?? 50_000);
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 8);
// Requests are generated a chunk at a time (chunk i from seed + i): memory stays flat, the run reproducible.
const CHUNK = 500;

const started = performance.now();
const { database, dispose } = await openFreshDatabase(process.env.DATABASE_URL);
await prepareDatabase(database, { migrate: true, seed: true });
const app = await buildApp({
  // Queued reads wait: a 503 from load shedding during the run is then a finding, not the fuzzer's load.
  // Nor are the rate limits its subject: they would turn most of a long run into 429s (its bad keys
  // would soon have every request with a key refused).
  config: { ...loadConfig({ RATE_LIMIT_MAX: "0", RATE_LIMIT_WRITE_MAX: "0", AUTH_FAILURE_LIMIT_MAX: "0" }), logLevel: (process.env.LOG_LEVEL ?? "silent") as "silent", maxQueueWaitMs: 60_000 },
  sql: database.sql,
  transaction: database.transaction,
});
await app.listen({ port: 0, host: "127.0.0.1" });
const keys = createApiKeysRepository(database.sql);
const all = await keys.create({ name: "fuzz-all", scopes: ["write", "admin", "sources:text"] });
const write = await keys.create({ name: "fuzz-write", scopes: ["write"] });
const session = await startFuzzSession({
  port: (app.server.address() as AddressInfo).port,
  // The app's own document by default; FUZZ_DOCUMENT=openapi.yaml fuzzes from the committed one.
  document: (process.env.FUZZ_DOCUMENT ? parseYaml(readFileSync(process.env.FUZZ_DOCUMENT, "utf8")) : app.swagger()) as OpenApiDocument,
  bearers: { all: `Bearer ${all.key}`, write: `Bearer ${write.key}` },
  frameworkInput: process.env.FUZZ_FRAMEWORK === "1",
  skip: process.env.FUZZ_SKIP?.split(",") ?? [],
  only: process.env.FUZZ_ONLY?.split(",") ?? [],
});
console.log(`fuzzing ${session.operations.size} operations with ${total} requests, seed ${seed}, ${concurrency} at a time (${database.kind} database)`);

const results: { operation: string; method: string; status: number }[] = [];
const failed: FuzzResult[] = [];
const remarks = new Map<string, number>();
const received = new Map<string, number>();
// FUZZ_TRACE_STATUS=401 prints the first few responses with that status, to see why they happen.
let traced = 0;
for (let chunk = 0; chunk * CHUNK < total; chunk++) {
  const requests = fc.sample(session.request, { seed: seed + chunk, numRuns: Math.min(CHUNK, total - chunk * CHUNK) });
  await inParallel(requests, concurrency, async (request) => {
    const result = await session.run(request);
    results.push({ operation: request.operation, method: request.method, status: result.status });
    if (result.failures.length > 0) failed.push(result);
    if (String(result.status) === process.env.FUZZ_TRACE_STATUS && traced++ < 5) console.log(`traced: ${describeFailure(result)}\n    ${result.body.slice(0, 300)}`);
    for (const remark of result.remarks) remarks.set(remark, (remarks.get(remark) ?? 0) + 1);
    if (result.status >= 200 && result.status < 300 && request.method !== "HEAD" && result.mediaType) {
      const kind = `${result.mediaType}, ${result.encoding}`;
      received.set(kind, (received.get(kind) ?? 0) + 1);
    }
  });
  if ((chunk + 1) % 20 === 0) console.log(`  ${results.length} requests, ${failed.length} failures, ${Math.round((performance.now() - started) / 1000)} s`);
}

console.log(`\n${statusTable(results)}\n`);
console.log("2xx bodies checked, by media type and encoding:");
for (const [kind, count] of [...received].sort((a, b) => b[1] - a[1])) console.log(`  ${String(count).padStart(6)}  ${kind}`);
if (remarks.size > 0) {
  console.log("Remarks (not failures):");
  for (const [remark, count] of [...remarks].sort((a, b) => b[1] - a[1])) console.log(`  ${count}× ${remark}`);
}
console.log(`\n${results.length} requests in ${Math.round((performance.now() - started) / 1000)} s, seed ${seed}: ${failed.length} failures`);
if (failed.length > 0) {
  // The same fault found many times is one line here; every request that found it is listed below.
  const kinds = new Map<string, number>();
  for (const result of failed) {
    const kind = `${result.request.operation} → ${result.status}: ${result.failures[0]!.slice(0, 100)}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  console.log("By kind:");
  for (const [kind, count] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`  ${String(count).padStart(5)}× ${kind}`);
  console.log("Every failure, with the request that reproduces it (BASE=http://127.0.0.1:<port>):");
}
for (const result of failed) console.log(`- ${describeFailure(result)}`);

session.close();
await app.close();
await database.close();
await dispose();
process.exit(failed.length > 0 ? 1 : 0);

async function inParallel(requests: FuzzRequest[], limit: number, work: (request: FuzzRequest) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < requests.length) await work(requests[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** A new embedded database in memory, or a new database on the given PostgreSQL server, dropped afterwards. */
async function openFreshDatabase(serverUrl: string | undefined): Promise<{ database: Database; dispose: () => Promise<void> }> {
  if (!serverUrl?.startsWith("postgres")) return { database: await openDatabase("pglite://memory", { poolSize: 1 }), dispose: async () => {} };
  const { default: pg } = await import("pg");
  const name = `warfacts_fuzz_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    database: await openDatabase(url.toString(), { poolSize: 5 }),
    dispose: async () => {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
