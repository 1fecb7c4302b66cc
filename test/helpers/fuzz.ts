import fc from "fast-check";
import { collectPools, type FuzzRequest, type Getter, type OpenApiDocument, type Operation, operationsOf, type Pools, requestArbitrary } from "./fuzz-requests.ts";
import { type FuzzResult, ResponseValidator, send, sendAndCheck, type Target, targetOf } from "./fuzz-responses.ts";

// Property-based fuzzing from the OpenAPI document (issue 9): requests are built from each operation's
// parameters and body schema, valid and invalid, and every response is checked against the promises
// the API makes: never a 5xx, problems as RFC 9457 with a request id, 2xx bodies as documented, and
// bodies received whole. Shared by test/fuzz.test.ts (a fast profile) and scripts/fuzz.ts (a long one).
// Requests are made in fuzz-requests.ts and checked in fuzz-responses.ts; this file runs a session and reports.

export type { FuzzRequest, FuzzResult, OpenApiDocument };

/** The request as a curl command line against `$BASE`, raw bytes and all. */
export function reproduce(request: FuzzRequest): string {
  // ANSI-C quoting ($'…') carries every byte, printable or not.
  const quote = (text: string) => `$'${[...text].map((char) => {
    const code = char.codePointAt(0)!;
    if (char === "'" || char === "\\") return `\\${char}`;
    if (code >= 0x20 && code <= 0x7e) return char;
    if (code <= 0xff) return `\\x${code.toString(16).padStart(2, "0")}`;
    return code <= 0xffff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\U${code.toString(16).padStart(8, "0")}`;
  }).join("")}'`;
  const parts = ["curl -sS --path-as-is", request.method === "HEAD" ? "-I" : `-X ${request.method}`, `"$BASE"${quote(request.path)}`];
  for (const [name, value] of Object.entries(request.headers)) parts.push(`-H ${quote(`${name}: ${value}`)}`);
  if (request.body !== undefined) parts.push(`--data-binary ${quote(request.body.length > 600 ? `${request.body.slice(0, 600)}…` : request.body)}`);
  return parts.join(" ");
}

/** Counts by operation and status, one row per operation. */
export function statusTable(results: { operation: string; method: string; status: number }[]): string {
  const statuses = [...new Set(results.map((result) => result.status))].sort((a, b) => a - b);
  const byOperation = new Map<string, Map<number, number>>();
  for (const result of results) {
    const key = `${result.method} ${result.operation}`;
    const row = byOperation.get(key) ?? new Map<number, number>();
    row.set(result.status, (row.get(result.status) ?? 0) + 1);
    byOperation.set(key, row);
  }
  const header = ["operation", ...statuses.map(String), "total"];
  const rows = [...byOperation].sort(([a], [b]) => a.localeCompare(b)).map(([key, row]) => [
    key, ...statuses.map((status) => String(row.get(status) ?? "")), String([...row.values()].reduce((sum, count) => sum + count, 0)),
  ]);
  const totals = ["total", ...statuses.map((status) => String(results.filter((result) => result.status === status).length)), String(results.length)];
  const table = [header, ...rows, totals];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return table.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ")).join("\n");
}

// ---------------------------------------------------------------------------------------------------
// A fuzzing session against a listening app.

export interface FuzzSession {
  target: Target;
  operations: Map<string, Operation>;
  validator: ResponseValidator;
  /** A request for any operation (each equally likely). */
  request: fc.Arbitrary<FuzzRequest>;
  run: (request: FuzzRequest) => Promise<FuzzResult>;
  close: () => void;
}

export interface SessionOptions {
  port: number;
  document: OpenApiDocument;
  bearers: Pools["bearers"];
  frameworkInput?: boolean;
  /** Operation ids to leave out (FUZZ_SKIP=a,b): to look past a known fault while another is chased. */
  skip?: string[];
  /** Only these operation ids (FUZZ_ONLY=a,b), when given. */
  only?: string[];
}

export async function startFuzzSession({ port, document, bearers, frameworkInput = false, skip = [], only = [] }: SessionOptions): Promise<FuzzSession> {
  const target = targetOf(port);
  const get: Getter = async (path) => {
    const response = await send(target, { operation: "setup", method: "GET", path, headers: {}, notes: [] });
    return { status: response.status, body: response.status === 200 ? JSON.parse(response.body.toString("utf8")) : undefined };
  };
  const pools = await collectPools(get, bearers);
  const operations = operationsOf(document).filter((operation) => !skip.includes(operation.id) && (only.length === 0 || only.includes(operation.id)));
  const validator = new ResponseValidator(document);
  const request = fc.oneof(...operations.map((operation) => requestArbitrary(operation, pools, document, { frameworkInput })));
  const byId = new Map(operations.map((operation) => [operation.id, operation]));
  return {
    target,
    operations: byId,
    validator,
    request,
    run: (fuzzRequest) => sendAndCheck(target, fuzzRequest, byId.get(fuzzRequest.operation)!, validator),
    close: () => target.agent.destroy(),
  };
}

/** A failure as a report shows it: what broke, and the request that reproduces it. */
export function describeFailure(result: FuzzResult): string {
  const notes = result.request.notes.length > 0 ? ` (${result.request.notes.join("; ")})` : "";
  return `${result.request.operation} → ${result.status}: ${result.failures.join(" | ")}${notes}\n    ${reproduce(result.request)}`;
}
