// `npm run openapi:examples`: records the OpenAPI document's examples from a fresh seeded database
// (the BBC article), through the app itself, into src/openapi-examples.json; then run `npm run openapi`.
// test/openapi-examples.test.ts replays the same requests and fails when an answer no longer matches.
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase, type SqlClient } from "../src/db/database.ts";
import { createApiKeysRepository } from "../src/modules/api-keys/api-keys.repository.ts";
import type { OpenApiExamples, RecordedExample } from "../src/plugins/openapi-conventions.ts";
import { EXAMPLE_REQUESTS, type ExampleRequest, exampleContext } from "../test/helpers/openapi-example-requests.ts";

const OUTPUT = new URL("../src/openapi-examples.json", import.meta.url);

const database = await openDatabase("pglite://memory", { poolSize: 1 });
await prepareDatabase(database, { migrate: true, seed: true });
const config = { ...loadConfig({}), logLevel: "silent" as const };
const app = await buildApp({ config, sql: database.sql, transaction: database.transaction });
await app.ready();

const keys = createApiKeysRepository(database.sql);
const admin = await keys.create({ name: "openapi-examples-admin", scopes: ["admin", "write"] });
const writer = await keys.create({ name: "openapi-examples-writer", scopes: ["write"] });
const bearer = { admin: `Bearer ${admin.key}`, write: `Bearer ${writer.key}` };

const examples: OpenApiExamples = { operations: {}, problems: {} };

// The bodies answered so far, by operationId: later requests name the ids made by earlier ones.
const answered: Record<string, { id: string }> = {};

async function record(request: ExampleRequest): Promise<RecordedExample> {
  const url = typeof request.url === "string" ? request.url : request.url(answered);
  const response = await app.inject({
    method: request.method ?? "GET",
    url,
    headers: { ...request.headers, ...(request.auth ? { authorization: bearer[request.auth] } : {}) },
    ...(request.body === undefined ? {} : { payload: request.body as string | object }),
  });
  if (response.statusCode !== request.status) {
    throw new Error(`${request.method ?? "GET"} ${url}: expected ${request.status}, got ${response.statusCode}: ${response.body.slice(0, 500)}`);
  }
  const body = request.exportAs && request.exportAs !== "application/geo+json" ? response.body : response.body === "" ? null : response.json();
  if (request.operationId && !request.exportAs) answered[request.operationId] = body;
  return {
    request: url,
    ...(request.method && request.method !== "GET" ? { method: request.method } : {}),
    status: response.statusCode,
    ...(request.volatile ? { volatile: true } : {}),
    summary: request.summary,
    body,
  };
}

for (const request of EXAMPLE_REQUESTS(exampleContext())) {
  // A step that prepares the next one (a deletion before its 410) is no example.
  if (!request.operationId && request.status < 400) {
    await record(request);
    continue;
  }
  const recorded = await record(request);
  if (request.operationId) examples.operations[request.operationId] = recorded;
  else examples.problems[String(request.status)] = recorded;
}

// What a database that refuses connections, and one that fails in an unexpected way, make the app answer.
for (const [status, failure] of [[503, Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })], [500, new Error("an unexpected failure")]] as const) {
  const failing: SqlClient = { query: () => Promise.reject(failure) };
  const broken = await buildApp({ config, sql: failing, transaction: () => Promise.reject(failure) });
  await broken.ready();
  const response = await broken.inject({ method: "GET", url: "/v1/actors/iran" });
  await broken.close();
  if (response.statusCode !== status) throw new Error(`a failing database: expected ${status}, got ${response.statusCode}`);
  examples.problems[String(status)] = {
    request: "/v1/actors/iran",
    status,
    volatile: true,
    summary: status === 503 ? "The database refuses connections" : "A bug (the database failed unexpectedly)",
    body: response.json(),
  };
}

// The limits of an instance configured low: the second read from one address is refused.
{
  const limited = await buildApp({ config: { ...config, rateLimitMax: 1 }, sql: database.sql, transaction: database.transaction });
  await limited.ready();
  await limited.inject({ method: "GET", url: "/v1/actors/iran" });
  const response = await limited.inject({ method: "GET", url: "/v1/actors/iran" });
  await limited.close();
  if (response.statusCode !== 429) throw new Error(`rate limit: expected 429, got ${response.statusCode}`);
  examples.problems["429"] = { request: "/v1/actors/iran", status: 429, volatile: true, summary: "Over the rate limit", body: response.json() };
}

// Node's HTTP parser answers these before any route: they are recorded from a real socket.
{
  const listening = await buildApp({ config: { ...config, requestTimeoutMs: 300 }, sql: database.sql, transaction: database.transaction });
  const address = await listening.listen({ host: "127.0.0.1", port: 0 });
  const { port } = new URL(address);
  const raw = [
    { status: 414, request: "/v1/actors?q=aaa…", summary: "A request line over 16 kB", bytes: `GET /v1/actors?q=${"a".repeat(20_000)}` },
    { status: 431, request: "/v1/actors", summary: "Headers over 16 kB", bytes: `GET /v1/actors HTTP/1.1\r\nhost: x\r\nx-padding: ${"a".repeat(20_000)}\r\n\r\n` },
    { status: 408, request: "/v1/actors", summary: "A request that never finished arriving", bytes: "GET /v1/actors HTTP/1.1\r\nhost: x\r\n" },
  ];
  for (const { status, request, summary, bytes } of raw) {
    const answer = await rawExchange(Number(port), bytes);
    const [head = "", body = ""] = answer.split("\r\n\r\n");
    if (!head.startsWith(`HTTP/1.1 ${status} `)) throw new Error(`${status}: got ${head.split("\r\n")[0]}`);
    examples.problems[String(status)] = { request, status, summary, body: JSON.parse(body) };
  }
  await listening.close();
}

await app.close();
await database.close();
writeFileSync(OUTPUT, `${JSON.stringify(examples, null, 2)}\n`);
console.log(`Wrote src/openapi-examples.json: ${Object.keys(examples.operations).length} operations, ${Object.keys(examples.problems).length} problems.`);

/** Sends raw bytes and reads the whole answer (the server closes the connection after it). */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
  });
}
