// `npm run bench`: warfacts side by side with Platformatic DB 2.x (auto-generated REST on the same tables) and a
// hand-written ceiling (bench/ceiling.ts, Fastify + pg returning warfacts' JSON), on the same PostgreSQL database of
// generated data (scripts/bench-data.ts), plus the cold/warm start of the embedded service. Rounds alternate the
// targets (A B C, A B C…) so that the machine's noise hits all alike. Markdown on stdout; JSON and Markdown in
// bench/results/. Bounded: a deadline stops it, its children and its queries; the data it generated is dropped unless
// --keep (a kept database of the same size is reused by the next run).
//
//   npm run bench -- [--rows 10000] [--seconds 5] [--rounds 3] [--keep] [--skip-start] [--deadline-minutes 30]
//                    [--database-url postgresql://…/warfacts_bench_10k]
// Env equivalents: BENCH_ROWS, BENCH_SECONDS, BENCH_ROUNDS, BENCH_DATABASE_URL.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual, parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import {
  benchDataReady, BUSIEST_ATTACKER_ID, BUSIEST_SPEAKER_ID, consoleProgress, defaultBenchUrl, dropBenchDatabase, generateBenchData, RARE_WORD, statementId,
} from "./bench-data.ts";

const PROJECT_DIR = path.resolve(import.meta.dirname, "..");
const PLATFORMATIC_DIR = path.join(PROJECT_DIR, "bench", "platformatic");
const RESULTS_DIR = path.join(PROJECT_DIR, "bench", "results");
const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux
const FIRST_DAY = "2022-02-24";

const { values: flags } = parseArgs({
  options: {
    rows: { type: "string", default: process.env.BENCH_ROWS ?? "10000" },
    seconds: { type: "string", default: process.env.BENCH_SECONDS ?? "5" },
    rounds: { type: "string", default: process.env.BENCH_ROUNDS ?? "3" },
    "database-url": { type: "string", default: process.env.BENCH_DATABASE_URL },
    "deadline-minutes": { type: "string", default: "30" },
    keep: { type: "boolean", default: false },
    "skip-start": { type: "boolean", default: false },
  },
});
const ROWS = positive("rows", flags.rows);
const SECONDS = positive("seconds", flags.seconds);
const ROUNDS = positive("rounds", flags.rounds);
const DEADLINE_MS = positive("deadline-minutes", flags["deadline-minutes"]) * 60_000;
const DATABASE_URL = flags["database-url"] ?? defaultBenchUrl(ROWS);

function positive(name: string, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number, not ${value}`);
  return number;
}

// ---- scenarios ----------------------------------------------------------------------------------

type TargetName = "warfacts" | "platformatic" | "ceiling";
const TARGETS: TargetName[] = ["warfacts", "platformatic", "ceiling"];

interface Scenario {
  name: string;
  /** Path per target; a target without one has no equivalent. Several paths are cycled through by each connection. */
  paths: Partial<Record<TargetName, string[]>>;
  /** For long requests (an export): fewer connections, and long enough rounds that requests complete. */
  connections?: number;
  minSeconds?: number;
}

/** Flat columns: what Platformatic's generated REST answers for a row (the JSON documents of warfacts are left out). */
const PLATFORMATIC_STATEMENT_FIELDS = "fields=id,speakerId,kind,quoteType,text,saidOn,saidPrecision,saidWording,medium,sourceCount,disputed,createdAt,updatedAt";
const PLATFORMATIC_EVENT_FIELDS = "fields=id,kind,description,occurredOn,occurredPrecision,occurredWording,attackerId,weapon,launched," +
  "launchedQualifier,intercepted,interceptedQualifier,countsReportedById,killed,injured,casualtyWording,sourceCount,disputed,createdAt,updatedAt";

const addDays = (day: string, days: number) => new Date(Date.parse(day) + days * 86_400_000).toISOString().slice(0, 10);

async function scenarios(warfactsOrigin: string): Promise<Scenario[]> {
  const both = (list: string) => ({ warfacts: [list], ceiling: [list] });
  // Page 2 of a speaker's year: the cursor is the one warfacts gives for page 1 (the ceiling issues the same).
  const speakerPage1 = `/v1/statements?speaker=${BUSIEST_SPEAKER_ID}&from=2023-01-01&to=2023-12-31&limit=50`;
  const page1 = (await (await fetch(warfactsOrigin + speakerPage1)).json()) as { page?: { next?: string | null } };
  const speakerPage2 = page1.page?.next ?? `${speakerPage1}&cursor=none`;
  // The timeline of an attacker in a quarter of the attack events (and a place of many), page 2.
  const timelinePage1 = `/v1/actors/${BUSIEST_ATTACKER_ID}/timeline?limit=50`;
  const timeline1 = (await (await fetch(warfactsOrigin + timelinePage1)).json()) as { page?: { next?: string | null } };
  const timelinePage2 = timeline1.page?.next ?? `${timelinePage1}&cursor=none`;
  // Facts are spread evenly over four years: this many days hold about 10,000 statements.
  const exportTo = addDays(FIRST_DAY, Math.min(1460, Math.ceil((1461 * 10_000) / ROWS)) - 1);
  const detailIds = Array.from({ length: 50 }, (_, k) => statementId(Math.floor(((k + 0.5) * ROWS) / 50)));
  const order = (column: string) => `orderby.${column}=asc&orderby.id=asc`;
  return [
    {
      name: "`/v1/statements?limit=50`",
      paths: { ...both("/v1/statements?limit=50"), platformatic: [`/statements?limit=50&${order("saidOn")}&${PLATFORMATIC_STATEMENT_FIELDS}`] },
    },
    {
      name: "speaker + date range, page 2 by cursor (Platformatic: offset)",
      paths: {
        ...both(speakerPage2),
        platformatic: [`/statements?where.speakerId.eq=${BUSIEST_SPEAKER_ID}&where.saidOn.gte=2023-01-01&where.saidOn.lte=2023-12-31` +
          `&limit=50&offset=50&${order("saidOn")}&${PLATFORMATIC_STATEMENT_FIELDS}`],
      },
    },
    {
      name: "`/v1/attack-events` with a date range",
      paths: {
        ...both("/v1/attack-events?from=2023-01-01&to=2023-12-31&limit=50"),
        platformatic: [`/attackEvents?where.occurredOn.gte=2023-01-01&where.occurredOn.lte=2023-12-31&limit=50&${order("occurredOn")}&${PLATFORMATIC_EVENT_FIELDS}`],
      },
    },
    {
      name: "`/v1/statements/{id}` (50 ids)",
      paths: {
        warfacts: detailIds.map((id) => `/v1/statements/${id}`),
        ceiling: detailIds.map((id) => `/v1/statements/${id}`),
        platformatic: detailIds.map((id) => `/statements/${id}?${PLATFORMATIC_STATEMENT_FIELDS}`),
      },
    },
    { name: "actor timeline of the busiest attacker, page 2 by cursor", paths: { warfacts: [timelinePage2] } },
    { name: "`/v1/search?q=drones`", paths: { warfacts: ["/v1/search?q=drones"] } },
    { name: "`/v1/search?q=\"air defence\"` (phrase)", paths: { warfacts: [`/v1/search?q=${encodeURIComponent('"air defence"')}`] } },
    { name: `\`/v1/search?q=${RARE_WORD}\` (rare)`, paths: { warfacts: [`/v1/search?q=${RARE_WORD}`] } },
    {
      name: "attack-event stats by day, one year, 2 connections",
      paths: { warfacts: ["/v1/attack-events/stats?groupBy=day&from=2023-01-01&to=2023-12-31"] },
      connections: 2,
      minSeconds: 10,
    },
    {
      name: "CSV export, ~10k statements, 2 connections",
      paths: { warfacts: [`/v1/statements.csv?from=${FIRST_DAY}&to=${exportTo}`] },
      connections: 2,
      minSeconds: 10,
    },
  ];
}

// ---- processes ----------------------------------------------------------------------------------

interface Server {
  name: TargetName;
  origin: string;
  child: ChildProcess;
  output: string[];
}

const children = new Set<ChildProcess>();

/** Each server leads its own process group, so that stopping it stops whatever it started (npm → node). */
function startProcess(name: TargetName, command: string, args: string[], env: Record<string, string>, port: number): Server {
  const child = spawn(command, args, { cwd: PROJECT_DIR, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(chunk.toString()) > 200 && output.shift();
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { name, origin: `http://127.0.0.1:${port}`, child, output };
}

async function startServers(): Promise<Server[]> {
  const [warfactsPort, platformaticPort, ceilingPort] = [await freePort(), await freePort(), await freePort()];
  const servers = [
    // As the README says: `npm start`, on the bench database. Rate limits off: one client from one address measures
    // throughput, not the per-client limit.
    startProcess("warfacts", "npm", ["start", "--silent"], {
      DATABASE_URL, HOST: "127.0.0.1", PORT: String(warfactsPort), LOG_LEVEL: "warn", AUTO_SEED: "false",
      RATE_LIMIT_MAX: "0", RATE_LIMIT_WRITE_MAX: "0",
    }, warfactsPort),
    startProcess("platformatic", process.execPath, [path.join(PLATFORMATIC_DIR, "node_modules", "@platformatic", "db", "db.mjs"), "start",
      "-c", path.join(PLATFORMATIC_DIR, "platformatic.json")], { PLT_BENCH_DATABASE_URL: DATABASE_URL, PLT_BENCH_PORT: String(platformaticPort) }, platformaticPort),
    startProcess("ceiling", process.execPath, ["--import", "tsx", path.join("bench", "ceiling.ts")], { DATABASE_URL, PORT: String(ceilingPort) }, ceilingPort),
  ];
  const probes: Record<TargetName, string> = { warfacts: "/ready", platformatic: "/statements?limit=1", ceiling: "/v1/statements?limit=1" };
  await Promise.all(servers.map((server) => waitUntilReady(server, server.origin + probes[server.name])));
  return servers;
}

async function waitUntilReady({ child, output, name }: { child: ChildProcess; output: string[]; name: string }, url: string): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited before it was ready (${child.exitCode ?? child.signalCode}):\n${output.join("")}`);
    }
    if (await answersOk(url)) return;
    await sleep(25);
  }
  throw new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms:\n${output.join("")}`);
}

async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** SIGTERM to the group, SIGKILL after a grace period. */
async function stopProcess(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
  const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  signalGroup(child, "SIGTERM");
  const result = await Promise.race([exited, sleep(STOP_TIMEOUT_MS, "timeout" as const)]);
  // npm exits on SIGTERM before the server under it has closed its database: wait for the whole group,
  // or what the caller removes next (an embedded data directory) is still being written.
  if (result !== "timeout" && (await groupGone(child, STOP_TIMEOUT_MS))) return result;
  signalGroup(child, "SIGKILL");
  await groupGone(child, STOP_TIMEOUT_MS);
  return result === "timeout" ? exited : result;
}

/** True once no process of the child's group is left, false if some still is after `timeoutMs`. */
async function groupGone(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return true;
    }
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---- /proc: CPU and memory ----------------------------------------------------------------------

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined; // the process ended
  }
}

/** utime + stime in seconds (all threads). */
function cpuSeconds(pid: number): number {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function memoryMb(pid: number): { hwm: number; rss: number } {
  const status = readProc(`/proc/${pid}/status`) ?? "";
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return { hwm: kb("VmHWM") / 1024, rss: kb("VmRSS") / 1024 };
}

/** The server's own processes: the descendants of the spawned one that run node, not npm or a shell. */
function serverPids(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    if (stat) parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
  }
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parentOf) if (tree.has(parent) && !tree.has(pid)) (tree.add(pid), (grew = true));
  }
  return [...tree].filter((pid) => {
    const argv = (readProc(`/proc/${pid}/cmdline`) ?? "").split("\0");
    return /(^|\/)node$/.test(argv[0] ?? "") && !argv.some((arg) => /npm-cli\.js$|(^|\/)npm$/.test(arg));
  });
}

/** CPU seconds of the PostgreSQL backends serving the bench database (other databases on the server are not ours). */
async function postgresCpu(admin: pg.Client): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  return new Map(rows.map((row) => [row.pid, cpuSeconds(row.pid)]));
}

const cpuDelta = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((sum, [pid, seconds]) => sum + seconds - (before.get(pid) ?? 0), 0);

// ---- load ---------------------------------------------------------------------------------------

interface Run {
  requests: number;
  seconds: number;
  p50: number[];
  p95: number[];
  p99: number[];
  non2xx: number;
  errors: number;
  nodeCpu: number;
  postgresCpu: number;
}

/** One load of `paths`: autocannon's result, and the 95th percentile of its response times (autocannon has none). */
async function load(origin: string, paths: string[], seconds: number, connections = CONNECTIONS): Promise<{ result: autocannon.Result; p95: number }> {
  const responseTimes: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const options = {
      url: origin, connections, duration: seconds, timeout: 30,
      requests: paths.map((requestPath) => ({ method: "GET" as const, path: requestPath })),
    };
    const instance = autocannon(options, (error, finished) => (error ? reject(error) : resolve(finished)));
    instance.on("response", (_client, _status, _bytes, responseTime) => responseTimes.push(responseTime));
  });
  return { result, p95: percentile(responseTimes, 0.95) };
}

/** The value that `share` of `values` are at or below (nearest rank), rounded to 0.1 ms; 0 for none. */
function percentile(values: number[], share: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return round(sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)]!);
}

async function measure(server: Server, scenario: Scenario, paths: string[], admin: pg.Client, run: Run): Promise<void> {
  const pids = serverPids(server.child.pid!);
  const nodeBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const postgresBefore = await postgresCpu(admin);
  const { result, p95 } = await load(server.origin, paths, Math.max(SECONDS, scenario.minSeconds ?? 0), scenario.connections);
  const postgresAfter = await postgresCpu(admin);
  run.nodeCpu += pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - nodeBefore;
  run.postgresCpu += cpuDelta(postgresBefore, postgresAfter);
  run.requests += result.requests.total;
  run.seconds += result.duration;
  run.p50.push(result.latency.p50);
  run.p95.push(p95);
  run.p99.push(result.latency.p99);
  run.non2xx += result.non2xx;
  run.errors += result.errors + result.timeouts;
}

// ---- correctness before speed -------------------------------------------------------------------

/** Every target answers 2xx; the ceiling answers warfacts' JSON; Platformatic lists as many rows. */
async function preflight(servers: Server[], list: Scenario[]): Promise<string[]> {
  const notes: string[] = [];
  const origin = (name: TargetName) => servers.find((server) => server.name === name)!.origin;
  for (const scenario of list) {
    const bodies = new Map<TargetName, unknown>();
    for (const target of TARGETS) {
      const first = scenario.paths[target]?.[0];
      if (!first) continue;
      const response = await fetch(origin(target) + first);
      const body = await response.text();
      if (!response.ok) notes.push(`${target} answered ${response.status} to ${first}: ${body.slice(0, 200)}`);
      bodies.set(target, response.headers.get("content-type")?.includes("json") ? JSON.parse(body) : body);
    }
    const warfacts = bodies.get("warfacts") as { data?: unknown[] } | undefined;
    if (bodies.has("ceiling") && !isDeepStrictEqual(bodies.get("ceiling"), warfacts)) notes.push(`ceiling's answer differs from warfacts' for ${scenario.name}`);
    const platformatic = bodies.get("platformatic");
    if (Array.isArray(platformatic) && warfacts?.data && platformatic.length !== warfacts.data.length) {
      notes.push(`Platformatic lists ${platformatic.length} rows, warfacts ${warfacts.data.length}, for ${scenario.name}`);
    }
    if (scenario.paths.warfacts?.[0]?.split("?")[0]!.endsWith(".csv") && typeof warfacts === "string") {
      scenario.name += ` (${(warfacts as string).trimEnd().split("\n").length - 1} rows)`;
    }
  }
  return notes;
}

// ---- start times (embedded) ---------------------------------------------------------------------

interface StartTimes {
  coldMs: number;
  warmMs: number;
}

/** Starts the real server twice on one new embedded data directory: first initdb + migrations + seed, then a reopen. */
async function measureStartTimes(): Promise<StartTimes> {
  const tempDir = await mkdtemp(path.join(tmpdir(), "warfacts-bench-"));
  try {
    const databaseUrl = `pglite://${path.join(tempDir, "pg")}`;
    return { coldMs: await timeStart(databaseUrl), warmMs: await timeStart(databaseUrl) };
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** Milliseconds from `npm start` until /ready answers 200. */
async function timeStart(databaseUrl: string): Promise<number> {
  const port = await freePort();
  const startedAt = performance.now();
  // Migrate and seed are forced on: a cold start does both.
  const server = startProcess("warfacts", "npm", ["start", "--silent"], {
    DATABASE_URL: databaseUrl, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", AUTO_MIGRATE: "true", AUTO_SEED: "true",
  }, port);
  try {
    await waitUntilReady(server, `${server.origin}/ready`);
    return Math.round(performance.now() - startedAt);
  } finally {
    const code = await stopProcess(server.child);
    if (code !== 0 && code !== "SIGTERM") throw new Error(`The server exited with ${code} after SIGTERM:\n${server.output.join("")}`);
  }
}

/**
 * `npm start` runs the compiled service (dist/): built here when missing. A build older than the sources is not
 * rebuilt (dist/ may be in use) but said in the report.
 */
async function ensureBuilt(progress: { note(line: string): void }): Promise<string[]> {
  const entry = path.join(PROJECT_DIR, "dist", "src", "server.js");
  if (!existsSync(entry)) {
    progress.note("Building the service (npm run build)…");
    await new Promise<void>((resolve, reject) => spawn("npm", ["run", "build", "--silent"], { cwd: PROJECT_DIR, stdio: "inherit" })
      .once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`npm run build exited with ${code}`)))));
    return [];
  }
  const builtAt = statSync(entry).mtimeMs;
  const newer = readdirSync(path.join(PROJECT_DIR, "src"), { recursive: true, withFileTypes: true })
    .filter((file) => file.isFile() && !file.parentPath.includes(`${path.sep}generated`) && file.name.endsWith(".ts"))
    .filter((file) => statSync(path.join(file.parentPath, file.name)).mtimeMs > builtAt);
  return newer.length === 0 ? [] : [`dist/ is older than ${newer.length} file(s) of src/ (run \`npm run build\`): warfacts ran the older build`];
}

// ---- report -------------------------------------------------------------------------------------

interface Row {
  scenario: string;
  target: TargetName;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  nodeCpuMsPerRequest: number | null;
  postgresCpuMsPerRequest: number | null;
}

interface Report {
  date: string;
  node: string;
  cpus: number;
  loadAverage: { before: number[]; after: number[] };
  database: string;
  rows: number;
  generation: { seconds: number; steps: Record<string, number> } | "reused";
  secondsPerRound: number;
  rounds: number;
  connections: number;
  start?: StartTimes;
  preflight: string[];
  results: Row[];
  memoryMb: Record<TargetName, { peak: number; afterRuns: number }>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function toRow(scenario: string, target: TargetName, run: Run): Row {
  const perRequest = (seconds: number) => (run.requests === 0 ? null : round((seconds * 1000) / run.requests, 2));
  return {
    scenario, target, requestsPerSecond: run.seconds === 0 ? 0 : round(run.requests / run.seconds, run.requests / run.seconds < 10 ? 1 : 0),
    p50Ms: median(run.p50), p95Ms: median(run.p95), p99Ms: median(run.p99), non2xx: run.non2xx, errors: run.errors,
    nodeCpuMsPerRequest: perRequest(run.nodeCpu), postgresCpuMsPerRequest: perRequest(run.postgresCpu),
  };
}

function formatMarkdown(report: Report): string {
  const scenarios = [...new Set(report.results.map((row) => row.scenario))];
  const find = (scenario: string, target: TargetName) => report.results.find((row) => row.scenario === scenario && row.target === target);
  const cell = (row?: Row) => (row ? `${row.requestsPerSecond} req/s, p50 ${row.p50Ms} ms, p95 ${row.p95Ms} ms, p99 ${row.p99Ms} ms` : "–");
  const ratio = (a?: Row, b?: Row) => (a && b && b.requestsPerSecond > 0 ? round(a.requestsPerSecond / b.requestsPerSecond, 2).toFixed(2) : "–");
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(" / ");
  const generation = report.generation === "reused" ? "reused" : `generated in ${report.generation.seconds} s`;
  const lines = [
    `## warfacts bench: ${report.rows.toLocaleString("en")} statements + ${report.rows.toLocaleString("en")} attack events (${generation})`,
    "",
    `${report.date}, Node ${report.node}, ${report.cpus} CPUs, load average (1/5/15 min) **${load(report.loadAverage.before)}** before, ` +
      `**${load(report.loadAverage.after)}** after; ${report.rounds} rounds × ${report.secondsPerRound} s per target and scenario, ` +
      `${report.connections} connections, targets alternated. Indicative only when the machine is shared.`,
    "",
    "| scenario | warfacts | Platformatic DB | ceiling | warfacts / Platformatic | warfacts / ceiling |",
    "|---|---|---|---|---:|---:|",
    ...scenarios.map((scenario) => {
      const [w, p, c] = TARGETS.map((target) => find(scenario, target));
      return `| ${scenario} | ${cell(w)} | ${cell(p)} | ${cell(c)} | ${ratio(w, p)} | ${ratio(w, c)} |`;
    }),
    "",
    "| scenario | target | req/s | p50 ms | p95 ms | p99 ms | non-2xx | errors | Node CPU ms/req | PostgreSQL CPU ms/req |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ...report.results.map((row) => `| ${row.scenario} | ${row.target} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p95Ms} | ${row.p99Ms} | ${row.non2xx} | ` +
      `${row.errors} | ${row.nodeCpuMsPerRequest ?? "–"} | ${row.postgresCpuMsPerRequest ?? "–"} |`),
    "",
    `Memory of each server's Node processes: ${TARGETS.map((target) => `${target} peak ${report.memoryMb[target].peak} MB ` +
      `(VmHWM), ${report.memoryMb[target].afterRuns} MB after the runs`).join("; ")}.`,
    "Platformatic answers flat rows (`fields=` without warfacts' JSON documents) and pages by offset; search, stats and CSV have no equivalent there.",
  ];
  if (report.start) lines.push("", `Start until /ready (embedded, new data directory): cold ${report.start.coldMs} ms, warm ${report.start.warmMs} ms.`);
  if (report.preflight.length > 0) lines.push("", "Preflight notes:", ...report.preflight.map((note) => `- ${note}`));
  return lines.join("\n");
}

async function writeResults(report: Report, markdown: string): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stem = `${report.date.slice(0, 19).replace(/[:T]/g, "-")}-${report.rows}`;
  const files = [path.join(RESULTS_DIR, `${stem}.json`), path.join(RESULTS_DIR, "latest.md")];
  await writeFile(files[0]!, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files[1]!, `${markdown}\n`);
  return files;
}

const redactPassword = (url: string) => url.replace(/^(postgres(?:ql)?:\/\/[^:@/]+):[^@/]*@/, "$1:***@");

// ---- main ---------------------------------------------------------------------------------------

let generatedHere = false;
let cleaningUp: Promise<void> | undefined;

/** Stops the servers, cancels the queries left on the bench database, drops the data this run generated (unless --keep). */
function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    await Promise.all([...children].map((child) => stopProcess(child)));
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    try {
      await admin.connect();
      await admin.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity
                          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`);
    } catch {
      // the database may not exist (yet)
    } finally {
      await admin.end().catch(() => undefined);
    }
    if (generatedHere && !flags.keep) await dropBenchDatabase(DATABASE_URL);
  })();
  return cleaningUp;
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write(`Deadline of ${DEADLINE_MS / 60_000} min reached: stopping.\n`);
    void cleanUp().finally(() => process.exit(2));
  }, DEADLINE_MS);
  deadline.unref();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

  const progress = consoleProgress();
  const buildNotes = await ensureBuilt(progress);
  for (const note of buildNotes) progress.note(note);
  const start = flags["skip-start"] ? undefined : await measureStartTimes();
  if (start) progress.note(`start: cold ${start.coldMs} ms, warm ${start.warmMs} ms`);

  let generation: Report["generation"] = "reused";
  if (!(await benchDataReady(DATABASE_URL, ROWS))) {
    generatedHere = true;
    const startedAt = performance.now();
    const result = await generateBenchData(DATABASE_URL, ROWS, progress);
    generation = { seconds: Math.round((performance.now() - startedAt) / 1000), steps: result.seconds };
  }
  if (!existsSync(path.join(PLATFORMATIC_DIR, "node_modules", "@platformatic", "db"))) {
    progress.note("Installing Platformatic DB into bench/platformatic (npm ci)…");
    await new Promise<void>((resolve, reject) => spawn("npm", ["ci", "--prefix", PLATFORMATIC_DIR, "--no-audit", "--no-fund"], { stdio: "inherit" })
      .once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`npm ci in bench/platformatic exited with ${code}`)))));
  }

  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    const servers = await startServers();
    const list = await scenarios(servers[0]!.origin);
    const notes = [...buildNotes, ...(await preflight(servers, list))];
    for (const note of notes) progress.note(`preflight: ${note}`);
    const loadBefore = loadavg().map((value) => round(value, 2));
    const runs = new Map<string, Run>();
    for (const scenario of list) {
      for (const server of servers) {
        const paths = scenario.paths[server.name];
        if (paths) await load(server.origin, paths, WARMUP_SECONDS, scenario.connections); // JIT, caches and pools settle
      }
    }
    for (let roundNo = 1; roundNo <= ROUNDS; roundNo++) {
      for (const scenario of list) {
        for (const server of servers) {
          const paths = scenario.paths[server.name];
          if (!paths) continue;
          const key = `${scenario.name}\0${server.name}`;
          const run = runs.get(key) ?? { requests: 0, seconds: 0, p50: [], p95: [], p99: [], non2xx: 0, errors: 0, nodeCpu: 0, postgresCpu: 0 };
          runs.set(key, run);
          await measure(server, scenario, paths, admin, run);
        }
        progress.step("rounds", (roundNo - 1) * list.length + list.indexOf(scenario) + 1, ROUNDS * list.length);
      }
    }
    const memory = Object.fromEntries(servers.map((server) => {
      const pids = serverPids(server.child.pid!);
      const sum = (key: "hwm" | "rss") => Math.round(pids.reduce((total, pid) => total + memoryMb(pid)[key], 0));
      return [server.name, { peak: sum("hwm"), afterRuns: sum("rss") }];
    })) as Report["memoryMb"];
    const report: Report = {
      date: new Date().toISOString(), node: process.version, cpus: availableParallelism(),
      loadAverage: { before: loadBefore, after: loadavg().map((value) => round(value, 2)) },
      database: redactPassword(DATABASE_URL), rows: ROWS, generation, secondsPerRound: SECONDS, rounds: ROUNDS, connections: CONNECTIONS,
      start, preflight: notes,
      results: [...runs].map(([key, run]) => {
        const [scenario, target] = key.split("\0") as [string, TargetName];
        return toRow(scenario, target, run);
      }),
      memoryMb: memory,
    };
    const markdown = formatMarkdown(report);
    console.log(markdown);
    const files = await writeResults(report, markdown);
    progress.note(`\nWrote ${files.map((file) => path.relative(process.cwd(), file)).join(" and ")}`);
  } finally {
    await admin.end();
    await cleanUp();
    clearTimeout(deadline);
  }
}

await main();
