// `npm run bench`: cold/warm start of the server and read throughput of the API, as a markdown table on
// stdout and JSON in .scratch/. Env: BENCH_DATABASE_URL (default pglite://memory), BENCH_SECONDS (default 10).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase } from "../src/db/database.ts";

const PROJECT_DIR = path.resolve(import.meta.dirname, "..");
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "pglite://memory";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
const PATHS = [
  "/v1/actors?limit=25",
  "/v1/statements?limit=25",
  "/v1/sanctions?limit=25",
  "/v1/attack-events?limit=25",
  "/v1/sources?limit=25",
  "/v1/statements?actor=iran&kind=assessment",
  "/v1/attack-events/ae-2022-12-10-southern-ukraine-drones",
  "/v1/actors?name=Odessa",
];

interface StartTimes {
  coldMs: number;
  warmMs: number;
}

interface UrlResult {
  path: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Connection errors and timeouts: failures that never produced a status code. */
  errors: number;
}

interface Report {
  date: string;
  node: string;
  cpus: number;
  /** 1-minute load average before the throughput runs: other work on the machine skews the numbers. */
  loadAverage: number;
  database: string;
  seconds: number;
  connections: number;
  start: StartTimes;
  results: UrlResult[];
  rssMb: number;
}

await main();

async function main(): Promise<void> {
  if (!Number.isFinite(SECONDS) || SECONDS <= 0) throw new Error(`BENCH_SECONDS must be a positive number, not ${process.env.BENCH_SECONDS}`);
  const start = await measureStartTimes();
  const loadAverage = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  const { results, rssMb } = await measureThroughput();
  const report: Report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    loadAverage,
    database: redactPassword(DATABASE_URL),
    seconds: SECONDS,
    connections: CONNECTIONS,
    start,
    results,
    rssMb,
  };
  console.log(formatMarkdown(report));
  console.log(`\nJSON: ${path.relative(process.cwd(), await writeJson(report))}`);
}

// ---- start times -------------------------------------------------------------------------------

/** Starts the real server twice on one new data directory: first initdb + migrations + seed, then a reopen. */
async function measureStartTimes(): Promise<StartTimes> {
  const tempDir = await mkdtemp(path.join(tmpdir(), "warfacts-bench-"));
  try {
    const databaseUrl = `pglite://${path.join(tempDir, "pg")}`;
    const coldMs = await timeStartAndStop(databaseUrl);
    const warmMs = await timeStartAndStop(databaseUrl);
    return { coldMs, warmMs };
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** Milliseconds from spawning the server until GET /ready answers 200. */
async function timeStartAndStop(databaseUrl: string): Promise<number> {
  const port = await findFreePort();
  const startedAt = performance.now();
  const server = spawnServer(databaseUrl, port);
  try {
    await waitUntilReady(server, `http://127.0.0.1:${port}/ready`);
    return Math.round(performance.now() - startedAt);
  } finally {
    await stopServer(server.child);
  }
}

interface SpawnedServer {
  child: ChildProcess;
  /** Everything the server printed, to explain a failed start. */
  output: string[];
}

function spawnServer(databaseUrl: string, port: number): SpawnedServer {
  // `node --import tsx` rather than the tsx CLI: the CLI relays SIGTERM to the server and SIGKILLs it when the
  // server does not acknowledge within 30 ms, which a loaded machine misses (exit 143, no clean shutdown).
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: PROJECT_DIR,
    // Migrate and seed are forced on so that an AUTO_* left in the caller's environment cannot skew the cold start.
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      AUTO_MIGRATE: "true",
      AUTO_SEED: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  return { child, output };
}

async function waitUntilReady({ child, output }: SpawnedServer, readyUrl: string): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The server exited before it was ready (${child.exitCode ?? child.signalCode}):\n${output.join("")}`);
    }
    if (await answersOk(readyUrl)) return;
    await sleep(10);
  }
  throw new Error(`The server was not ready within ${READY_TIMEOUT_MS} ms:\n${output.join("")}`);
}

async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** SIGTERM, as an orchestrator would; the server must then close cleanly. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  const code = await Promise.race([exited, sleep(STOP_TIMEOUT_MS, "timeout" as const)]);
  if (code === "timeout") {
    child.kill("SIGKILL");
    await exited;
    throw new Error(`The server did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
  }
  if (code !== 0) throw new Error(`The server exited with ${code} after SIGTERM`);
}

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---- throughput --------------------------------------------------------------------------------

/** Serves the app in this process and loads it with autocannon, one URL at a time. */
async function measureThroughput(): Promise<{ results: UrlResult[]; rssMb: number }> {
  // Only what the bench sets: a stray PORT or CORS_ORIGINS in the caller's environment must not change the app.
  const config = loadConfig({ DATABASE_URL, LOG_LEVEL: "silent" });
  const database = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  try {
    await prepareDatabase(database, { migrate: true, seed: true });
    const app = await buildApp({ config, sql: database.sql, transaction: database.transaction });
    try {
      const origin = await app.listen({ host: "127.0.0.1", port: 0 });
      const results: UrlResult[] = [];
      for (const urlPath of PATHS) results.push(await loadTest(origin + urlPath));
      return { results, rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024) };
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

async function loadTest(url: string): Promise<UrlResult> {
  await runAutocannon(url, WARMUP_SECONDS); // JIT, caches and the pool settle before measuring
  const result = await runAutocannon(url, SECONDS);
  return {
    path: new URL(url).pathname + new URL(url).search,
    requestsPerSecond: Math.round(result.requests.mean),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function runAutocannon(url: string, seconds: number): Promise<autocannon.Result> {
  // One worker thread: the load generator gets its own event loop instead of sharing the server's.
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, workers: 1 });
}

// ---- output ------------------------------------------------------------------------------------

function formatMarkdown(report: Report): string {
  const rows = report.results.map(
    (r) => `| \`${r.path}\` | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx} | ${r.errors} |`,
  );
  return [
    `## warfacts bench: ${report.database}, ${report.seconds} s × ${report.connections} connections, Node ${report.node}`,
    `${report.cpus} CPUs, load average ${report.loadAverage} before the runs`,
    "",
    `Start until /ready (embedded, new data dir): cold ${report.start.coldMs} ms, warm ${report.start.warmMs} ms`,
    "",
    "| URL | req/s | p50 ms | p99 ms | non-2xx | errors |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    `RSS after the runs: ${report.rssMb} MB`,
  ].join("\n");
}

async function writeJson(report: Report): Promise<string> {
  const directory = path.join(PROJECT_DIR, ".scratch");
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, `bench-${report.date.replace(/[:.]/g, "-")}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** The URL goes into a file that may be shared. */
function redactPassword(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]+):[^@/]*@/, "$1:***@");
}
