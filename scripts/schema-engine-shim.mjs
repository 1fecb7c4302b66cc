#!/usr/bin/env node
// Stand-in for Prisma's native `schema-engine` binary, which cannot be downloaded here.
// The Prisma CLI spawns this file (PRISMA_SCHEMA_ENGINE_BINARY, set in prisma.config.ts) and this
// forwards every request to the WASM build of the same engine, @prisma/schema-engine-wasm, which
// talks to the database through a Prisma driver adapter. Background, protocol and the caveats
// worked around below: /work/shared/notes/prisma-offline.md.
//
// Modes (chosen by the CLI's arguments):
//   --version                                   print the engine version (`prisma version`)
//   --datasource '{"url":…}' cli <command>      one-shot can-connect-to-database / create-database
//   --datamodels <path>… --datasource '<json>'  JSON-RPC 2.0 session, one JSON object per line
//
// Database URLs (our convention, not Prisma's):
//   postgresql://… or postgres://…   server, via @prisma/adapter-pg
//   pglite://memory                  in-memory PGlite, empty in every process
//   pglite://<path>                  on-disk PGlite, path relative to the cwd
//
// stdout carries JSON-RPC lines only. Set SHIM_LOG=<file> (or SHIM_LOG=stderr) to get a log.

import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { createRequire } from "node:module";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import * as wasmBindings from "@prisma/schema-engine-wasm/schema_engine_bg";

const require = createRequire(import.meta.url);

// The CLI passes no --datamodels for `migrate diff`, and the engine panics without one.
const DEFAULT_DATAMODEL = 'datasource db {\n  provider = "postgresql"\n}\n';

// Engine methods that take the request params as they are.
const FORWARDED_METHODS = new Set([
  "applyMigrations", "createMigration", "dbExecute", "devDiagnostic", "diagnoseMigrationHistory",
  "ensureConnectionValidity", "evaluateDataLoss", "introspect", "introspectSql",
  "markMigrationApplied", "markMigrationRolledBack", "reset", "schemaPush",
]);

// ---------------------------------------------------------------------------------------------
// Logging and output

const rpcWrite = process.stdout.write.bind(process.stdout);

// Log lines use the engine's own JSON format, so the CLI can parse them wherever they end up.
function logLine(level, message) {
  return JSON.stringify({ level, target: "schema_engine_shim", fields: { message } });
}

function log(message, level = "INFO") {
  const target = process.env.SHIM_LOG;
  if (!target) return;
  const line = `${logLine(level, `[${process.pid}] ${message}`)}\n`;
  if (target === "stderr") process.stderr.write(line);
  else fs.appendFileSync(target, line);
}

// A stray console.log from a dependency would corrupt the JSON-RPC stream: send it to the log.
function guardStdout() {
  process.stdout.write = (chunk, encoding, callback) => {
    log(`dropped stdout output: ${String(chunk).trimEnd()}`, "WARN");
    if (typeof encoding === "function") encoding();
    else if (typeof callback === "function") callback();
    return true;
  };
}

function errorMessage(error) {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const args = { datamodels: [], datasource: undefined, cliCommand: undefined, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--datamodels") args.datamodels.push(argv[++i]);
    else if (arg === "--datasource") args.datasource = JSON.parse(argv[++i]);
    else if (arg === "--enabled-preview-features" || arg === "--extension-types") i++; // not needed
    else if (arg === "--version" || arg === "-V") args.version = true;
    else if (arg === "cli") args.cliCommand = argv[++i];
    else log(`ignoring argument ${arg}`, "WARN");
  }
  return args;
}

function parseDatabaseUrl(url) {
  if (typeof url !== "string" || url === "") {
    throw new Error("No database URL: set datasource.url in prisma.config.ts");
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    // adapter-pg would tell the engine about another schema but still run the SQL in `public`.
    const schema = new URL(url).searchParams.get("schema");
    if (schema && schema !== "public") {
      throw new Error(`?schema=${schema} is not supported by the schema engine shim: use the public schema`);
    }
    return { kind: "postgres", url };
  }
  if (url.startsWith("pglite://")) {
    const location = url.slice("pglite://".length);
    if (location === "memory") return { kind: "pglite", dataDir: undefined };
    return { kind: "pglite", dataDir: path.resolve(process.cwd(), location) };
  }
  throw new Error(`Unsupported database URL scheme in "${url.split(":")[0]}:…": use postgresql:// or pglite://`);
}

function withDatabaseName(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function databaseName(url) {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres";
}

function quoteIdent(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL server (adapter-pg)

// adapter-pg does not export its classes, so the fixes go on the prototypes of the first adapter.
let pgPrototypesPatched = false;

function patchPgAdapterPrototypes(adapter) {
  if (pgPrototypesPatched) return;
  pgPrototypesPatched = true;

  // The engine reads catalog columns of type "char" (oid 18), which adapter-pg rejects before any
  // type parser runs. The raw value is already a string, so report it as text (oid 25).
  // Patched on the shared base class, so transactions get it too.
  // The engine then reads some of them back as a character (pg_constraint.contype, for CHECK
  // constraints): report those columns as Character, remembered per result by its rows array.
  const queryable = findPrototypeOwning(adapter, "performIO");
  const performIO = queryable.performIO;
  const charColumnsOf = new WeakMap();
  queryable.performIO = async function performIOWithChar(query) {
    const result = await performIO.call(this, query);
    const charColumns = [];
    result.fields.forEach((field, index) => {
      if (field.dataTypeID !== 18) return;
      field.dataTypeID = 25;
      charColumns.push(index);
    });
    if (charColumns.length > 0 && result.rows) charColumnsOf.set(result.rows, charColumns);
    return result;
  };
  const queryRaw = queryable.queryRaw;
  queryable.queryRaw = async function queryRawWithChar(query) {
    const result = await queryRaw.call(this, query);
    for (const index of charColumnsOf.get(result.rows) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };

  // The stock executeScript splits the script on ";", which breaks `$$ … ; … $$` bodies and
  // string literals, and leaves earlier statements applied when a later one fails. One
  // simple-protocol query runs the whole script as a single implicit transaction.
  const adapterPrototype = findPrototypeOwning(adapter, "executeScript");
  adapterPrototype.executeScript = async function executeScriptAtomically(script) {
    try {
      await this.client.query(script);
    } catch (error) {
      this.onError(error);
    }
  };
}

function findPrototypeOwning(object, method) {
  for (let proto = Object.getPrototypeOf(object); proto; proto = Object.getPrototypeOf(proto)) {
    if (Object.hasOwn(proto, method)) return proto;
  }
  throw new Error(`adapter-pg changed: no ${method} on the adapter's prototype chain`);
}

async function connectPg(url) {
  const adapter = await new PrismaPg(url).connect();
  patchPgAdapterPrototypes(adapter);
  return adapter;
}

// Shadow databases that are still alive, so a shutdown can drop them.
const liveShadowDatabases = new Map();
let lastShadowTime = 0;

// The stock connectToShadowDb connects its "shadow" pool to the main database (the connection
// string's database wins over `database`), and drops the database before closing that pool.
// Use a database of our own instead, and drop it once its pool is closed.
async function connectPgShadow(url) {
  lastShadowTime = Math.max(Date.now(), lastShadowTime + 1);
  const name = `prisma_shadow_${process.pid}_${lastShadowTime}`;
  const admin = new pg.Client({ connectionString: url });
  admin.on("error", (error) => log(`shadow admin connection: ${errorMessage(error)}`, "WARN"));
  await admin.connect();
  await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  log(`created shadow database ${name}`);

  const drop = async () => {
    liveShadowDatabases.delete(name);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin.end();
    log(`dropped shadow database ${name}`);
  };
  liveShadowDatabases.set(name, drop);

  try {
    const adapter = await connectPg(withDatabaseName(url, name));
    const closePool = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await closePool();
      await drop();
    };
    return adapter;
  } catch (error) {
    await drop();
    throw error;
  }
}

function pgAdapterFactory(url) {
  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    connect: () => connectPg(url),
    connectToShadowDb: () => connectPgShadow(url),
    close: async () => {
      for (const drop of [...liveShadowDatabases.values()]) await drop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PGlite (pglite-prisma-adapter)

async function openPGlite(dataDir) {
  if (dataDir === undefined) return PGlite.create();
  // PGlite creates the data dir itself but not its parents.
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  return PGlite.create(dataDir);
}

// The adapter's executeScript does not await client.exec(), so a failing migration would be
// recorded as applied. Await it and report the error.
function fixPGliteExecuteScript(adapter) {
  adapter.executeScript = async (script) => {
    try {
      await adapter.client.exec(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  return adapter;
}

async function pgliteAdapterFactory(dataDir) {
  const db = await openPGlite(dataDir);
  const factory = new PrismaPGlite(db);
  return {
    provider: "postgres",
    adapterName: factory.adapterName,
    connect: async () => fixPGliteExecuteScript(await factory.connect()),
    connectToShadowDb: async () => {
      // The shadow is a fresh in-memory PGlite that nothing else closes.
      const shadow = fixPGliteExecuteScript(await factory.connectToShadowDb());
      shadow.dispose = () => shadow.client.close();
      return shadow;
    },
    close: () => db.close(),
  };
}

function createAdapterFactory(url) {
  const target = parseDatabaseUrl(url);
  return target.kind === "postgres" ? pgAdapterFactory(target.url) : pgliteAdapterFactory(target.dataDir);
}

// ---------------------------------------------------------------------------------------------
// One-shot commands: `cli can-connect-to-database` and `cli create-database`

class CliError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function withPgClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {}); // a broken connection surfaces through the pending query
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function pgCliError(error, url) {
  const { host, port } = new URL(url);
  const location = `${host || "localhost"}${port ? "" : ":5432"}`;
  if (error.code === "3D000") {
    return new CliError("P1003", `Database \`${databaseName(url)}\` does not exist on the database server at \`${location}\`.`);
  }
  if (error.code === "28P01" || error.code === "28000") {
    return new CliError("P1000", `Authentication failed against the database server at \`${location}\`: ${error.message}`);
  }
  return new CliError("P1001", `Can't reach database server at \`${location}\`: ${errorMessage(error)}`);
}

async function canConnect(target) {
  if (target.kind === "pglite") {
    // Opening the data dir is the check (and creates it); memory has nothing to check.
    if (target.dataDir !== undefined) await (await openPGlite(target.dataDir)).close();
    return;
  }
  await withPgClient(target.url, (client) => client.query("SELECT 1")).catch((error) => {
    throw pgCliError(error, target.url);
  });
}

async function createDatabase(target) {
  if (target.kind === "pglite") return canConnect(target);
  // Create it through the `postgres` maintenance database.
  const name = databaseName(target.url);
  await withPgClient(withDatabaseName(target.url, "postgres"), (client) =>
    client.query(`CREATE DATABASE ${quoteIdent(name)}`),
  ).catch((error) => {
    if (error.code !== "42P04") throw pgCliError(error, target.url); // 42P04: already exists
  });
}

const CLI_COMMANDS = { "can-connect-to-database": canConnect, "create-database": createDatabase };

async function runCliCommand(command, datasource) {
  try {
    const run = CLI_COMMANDS[command];
    if (!run) throw new CliError("P1001", `The schema engine shim does not support \`cli ${command}\``);
    await run(parseDatabaseUrl(datasource?.url));
    log(`cli ${command}: ok`);
    return 0;
  } catch (error) {
    const code = error instanceof CliError ? error.code : "P1001";
    log(`cli ${command}: ${code} ${errorMessage(error)}`, "ERROR");
    // The CLI drops the first stderr line and JSON.parses the rest, so lead with a JSON line.
    process.stderr.write(`${logLine("INFO", `cli ${command} failed`)}\n`);
    const fields = { error_code: code, message: errorMessage(error) };
    process.stderr.write(`${JSON.stringify({ level: "ERROR", target: "schema_engine::logger", fields })}\n`);
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// The WASM engine

// Rust panics report their message here just before the call fails; without a registry the
// whole process dies instead.
const panics = { message: undefined };
globalThis.PRISMA_WASM_PANIC_REGISTRY = {
  set_message: (message) => {
    panics.message = message;
    log(`engine panic: ${message}`, "ERROR");
  },
};

// The package's "exports" hide package.json and the .wasm file: locate them next to the bindings.
function wasmPackageFile(name) {
  return path.join(path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")), name);
}

// schema_engine.js imports the .wasm as an ES module, which Node 20 cannot do: instantiate it here.
async function loadWasmEngine() {
  const wasmPath = wasmPackageFile("schema_engine_bg.wasm");
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), {
    "./schema_engine_bg.js": wasmBindings,
  });
  wasmBindings.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return wasmBindings;
}

function readDatamodels(paths) {
  if (paths.length === 0) return [["schema.prisma", DEFAULT_DATAMODEL]];
  return paths.map((file) => [file, fs.readFileSync(path.resolve(file), "utf8")]);
}

// Connects at once: a missing database or bad credentials reject here.
async function startEngine({ datamodels, factory }) {
  const bindings = await loadWasmEngine();
  const engineLog = (line) => log(`engine: ${String(line).trimEnd()}`);
  return bindings.SchemaEngine.new(
    { datamodels },
    engineLog,
    bindMigrationAwareSqlAdapterFactory(factory),
  );
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC session

let nextPrintId = 1_000_000; // ids of our own requests to the CLI; its replies are ignored

function send(message) {
  rpcWrite(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
}

// The CLI writes `content` to its stdout when it gets this request.
function printToCli(content) {
  send({ id: nextPrintId++, method: "print", params: { content } });
}

function errorResponse(id, error) {
  if (panics.message !== undefined) {
    const panicMessage = panics.message;
    return {
      id,
      error: {
        code: 4466,
        message: panicMessage,
        data: { is_panic: true, message: panicMessage, error: { message: panicMessage }, meta: {} },
      },
    };
  }
  const message = errorMessage(error);
  const data = { is_panic: false, message, meta: error?.meta ?? {} };
  if (typeof error?.code === "string" && /^P\d{4}$/.test(error.code)) data.error_code = error.code;
  return { id, error: { code: 4466, message, data } };
}

async function callEngine(engine, method, params = {}) {
  switch (method) {
    case "getDatabaseVersion":
      return engine.version(); // the engine is bound to one database: its params add nothing
    case "debugPanic":
      return engine.debugPanic();
    case "diff": {
      // The engine returns the diff instead of printing it: the CLI expects a `print` request
      // before the response, or `migrate diff --script` prints nothing.
      const result = await engine.diff(params);
      if (result.stdout) printToCli(result.stdout);
      return result;
    }
    case "evaluateDataLoss":
    case "createMigration":
      // Without a fresh devDiagnostic in this engine these fail with "PostgreSQL shadow DB must
      // be provided through an external factory" (e.g. when the CLI's devDiagnostic ran before
      // the migrations table existed).
      await engine.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
      return engine[method](params);
    default:
      if (FORWARDED_METHODS.has(method)) return engine[method](params);
      throw Object.assign(new Error(`The schema engine shim does not support the method \`${method}\``), {
        rpcCode: -32601,
      });
  }
}

async function handleRequest(enginePromise, request) {
  const { id, method, params } = request;
  const started = Date.now();
  try {
    if (panics.message !== undefined) throw new Error(panics.message); // the engine is unusable now
    const engine = await enginePromise;
    const result = await callEngine(engine, method, params ?? {});
    send({ id, result: result ?? {} });
    log(`${method} #${id}: ok in ${Date.now() - started} ms`);
  } catch (error) {
    log(`${method} #${id}: failed in ${Date.now() - started} ms: ${errorMessage(error)}`, "ERROR");
    const response = errorResponse(id, error);
    if (error?.rpcCode) response.error.code = error.rpcCode;
    send(response);
  }
}

function parseMessage(line) {
  try {
    return JSON.parse(line);
  } catch {
    log(`ignoring unparsable input line: ${line.slice(0, 200)}`, "WARN");
    return undefined;
  }
}

async function runSession(args) {
  guardStdout();
  let factory;
  const enginePromise = (async () => {
    factory = await createAdapterFactory(args.datasource?.url);
    return startEngine({ datamodels: readDatamodels(args.datamodels), factory });
  })();
  // A failed start is reported on each request, so the CLI shows the reason.
  enginePromise.catch((error) => log(`engine start failed: ${errorMessage(error)}`, "ERROR"));

  // When done, the CLI closes stdin and sends SIGTERM at once (every answer is already committed
  // by then). Either way, close PGlite cleanly and drop any shadow database still alive.
  const shutdown = onceOnly(async (exitCode) => {
    setTimeout(() => process.exit(exitCode), 5000).unref(); // never leave the CLI waiting
    await factory?.close().catch((error) => log(`shutdown: ${errorMessage(error)}`, "WARN"));
    log(`exit ${exitCode}`);
    process.exit(exitCode);
  });
  process.on("SIGTERM", () => shutdown(0));
  process.on("SIGINT", () => shutdown(130));

  // Requests are handled strictly one after another, in arrival order.
  let queue = Promise.resolve();
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on("line", (line) => {
    if (line.trim() === "") return;
    const message = parseMessage(line);
    if (!message || typeof message.method !== "string") return; // e.g. the CLI's reply to `print`
    queue = queue.then(() => handleRequest(enginePromise, message));
  });
  input.on("close", () => queue.then(() => shutdown(0)));
}

function onceOnly(fn) {
  let promise;
  return (...args) => (promise ??= fn(...args));
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  log(`started: ${process.argv.slice(2).map((a) => a.replace(/\/\/[^@/]*@/, "//***@")).join(" ")}`);
  if (args.version) {
    // `prisma version` shows this; the part after the last dot is the engines commit.
    const { version } = JSON.parse(fs.readFileSync(wasmPackageFile("package.json"), "utf8"));
    rpcWrite(`schema-engine-cli ${version.split(".").pop()} (wasm shim)\n`);
    return;
  }
  if (args.cliCommand) {
    process.exitCode = await runCliCommand(args.cliCommand, args.datasource);
    return;
  }
  await runSession(args);
}

// Exit code 1 makes the CLI show "Error in Schema engine: <message of the last ERROR line>".
// The WASM engine throws some errors (e.g. malformed params) outside any promise we hold, so
// those end up here too instead of leaving the CLI waiting for an answer.
function exitWithError(error) {
  log(`fatal: ${error?.stack ?? error}`, "ERROR");
  process.stderr.write(`${logLine("ERROR", errorMessage(error))}\n`);
  process.exit(1);
}

process.on("uncaughtException", exitWithError);
main().catch(exitWithError);
