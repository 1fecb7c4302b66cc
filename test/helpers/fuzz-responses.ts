import { request as httpRequest, Agent, STATUS_CODES } from "node:http";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse as parseCsv } from "csv-parse/sync";
import { deref, type FuzzRequest, type OpenApiDocument, type Operation } from "./fuzz-requests.ts";

// Sends the fuzzer's requests over a real socket and checks each response against the API's promises:
// never a 5xx; a 4xx is problem+json with a request id and its status; a 2xx JSON body matches the
// documented schema (ajv); every body arrives whole (length, compression, CSV and NDJSON framing).

type Schema = Record<string, any>;

export interface FuzzResult {
  request: FuzzRequest;
  status: number;
  failures: string[];
  /** Not a broken promise of the API, but worth a look (a status the document does not list). */
  remarks: string[];
  /** The start of the decoded body, for tracing. */
  body: string;
  /** Content-Type without parameters, and Content-Encoding: what was received. */
  mediaType: string;
  encoding: string;
}

export interface Target {
  host: string;
  port: number;
  agent: Agent;
}

export function targetOf(port: number): Target {
  return { host: "127.0.0.1", port, agent: new Agent({ keepAlive: true, maxSockets: 16 }) };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  complete: boolean;
  error?: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

export function send(target: Target, request: FuzzRequest): Promise<RawResponse> {
  return new Promise((resolve) => {
    // Bodies are UTF-8, except those built to carry raw bytes that are not (written as latin1 code units).
    const body = request.body === undefined ? undefined : Buffer.from(request.body, request.rawBody ? "latin1" : "utf8");
    const raw = httpRequest(
      {
        host: target.host,
        port: target.port,
        method: request.method,
        path: request.path,
        agent: target.agent,
        headers: { ...request.headers, ...(body ? { "content-length": String(body.length) } : {}) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        const done = (error?: string) =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), complete: response.complete, error });
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => done());
        response.on("error", (error) => done(String(error)));
        response.on("aborted", () => done("aborted"));
      },
    );
    raw.on("timeout", () => raw.destroy(new Error(`no response within ${REQUEST_TIMEOUT_MS} ms`)));
    raw.on("error", (error) => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false, error: String(error) }));
    raw.end(body);
  });
}

/** Compiles the document's response schemas with ajv once, keyed by operation, status and media type. */
export class ResponseValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    (addFormatsModule as unknown as (ajv: Ajv2020) => void)(this.ajv);
    this.ajv.addSchema({ $id: "warfacts:openapi", components: document.components ?? {} });
  }

  check(schema: Schema, key: string, value: unknown): string | undefined {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema));
      this.compiled.set(key, validate);
    }
    return validate(value) ? undefined : this.ajv.errorsText(validate.errors?.slice(0, 3), { dataVar: "body" });
  }
}

/** The document's local `$ref`s, pointed at the components registered under their own id. */
function rebase(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema).replaceAll("\"#/components/", "\"warfacts:openapi#/components/"));
}

/** Sends one request and lists every promise of the API the response breaks. */
export async function sendAndCheck(target: Target, request: FuzzRequest, operation: Operation, validator: ResponseValidator): Promise<FuzzResult> {
  const response = await send(target, request);
  const failures: string[] = [];
  const remarks: string[] = [];
  const result: FuzzResult = { request, status: response.status, failures, remarks, body: "", mediaType: "", encoding: "" };
  if (response.error && response.status === 0) {
    failures.push(`no response: ${response.error}`);
    return result;
  }
  if (!response.complete || response.error) failures.push(`body not received completely${response.error ? ` (${response.error})` : ""}`);
  const status = response.status;
  if (status >= 500) failures.push(`${status} ${STATUS_CODES[status]}`);
  const header = (name: string) => [response.headers[name]].flat()[0];
  const contentType = header("content-type") ?? "";
  result.mediaType = contentType.split(";")[0]!.trim();
  result.encoding = header("content-encoding") ?? "identity";
  const length = header("content-length");
  if (length !== undefined && request.method !== "HEAD" && Number(length) !== response.body.length) {
    failures.push(`content-length ${length} but ${response.body.length} bytes received`);
  }
  if (!(String(status) in operation.responses) && status < 500) remarks.push(`status ${status} is not documented for ${operation.id}`);
  if (request.method === "HEAD" || status === 204 || status === 304 || (status >= 300 && status < 400)) return result;

  let decoded: Buffer;
  try {
    decoded = decode(response.body, header("content-encoding"));
  } catch (error) {
    failures.push(`body does not decode as its content-encoding ${header("content-encoding")}: ${String(error)}`);
    return result;
  }
  const text = decoded.toString("utf8");
  result.body = text.slice(0, 1000);
  if (status >= 400) {
    checkProblem(text, contentType, status, header("x-request-id"), validator, failures);
  } else if (status >= 200 && status < 300) {
    checkSuccess(text, contentType, String(status), operation, validator, failures, remarks);
  }
  return result;
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? "identity").trim().toLowerCase()) {
    case "identity":
      return body;
    case "gzip":
      return gunzipSync(body);
    case "br":
      return brotliDecompressSync(body);
    case "deflate":
      return inflateSync(body);
    default:
      throw new Error(`unknown content-encoding ${encoding}`);
  }
}

const PROBLEM_SCHEMA = { $ref: "#/components/schemas/Problem" };

function checkProblem(text: string, contentType: string, status: number, requestId: string | undefined, validator: ResponseValidator, failures: string[]) {
  if (!contentType.startsWith("application/problem+json")) failures.push(`${status} is ${contentType || "untyped"}, not application/problem+json: ${text.slice(0, 160)}`);
  if (!requestId) failures.push(`${status} without x-request-id`);
  let problem: any;
  try {
    problem = JSON.parse(text);
  } catch {
    failures.push(`${status} body is not JSON: ${text.slice(0, 160)}`);
    return;
  }
  if (problem?.status !== status) failures.push(`problem status ${problem?.status} on a ${status}`);
  if (typeof problem?.type !== "string" || typeof problem?.title !== "string" || problem.title === "") failures.push("problem without type or title");
  const invalid = validator.check(PROBLEM_SCHEMA, "Problem", problem);
  if (invalid) failures.push(`problem does not match the Problem schema: ${invalid}`);
}

function checkSuccess(text: string, contentType: string, status: string, operation: Operation, validator: ResponseValidator, failures: string[], remarks: string[]) {
  const mediaType = contentType.split(";")[0]!.trim();
  const documented = operation.responses[status] ?? {};
  if (mediaType === "application/json" || mediaType === "application/geo+json") {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      failures.push(`${status} ${mediaType} body is not JSON (${text.length} chars): …${text.slice(-80)}`);
      return;
    }
    if (!(mediaType in documented)) {
      remarks.push(`${status} ${mediaType} is not documented for ${operation.id}`);
      return;
    }
    const schema = documented[mediaType];
    if (mediaType === "application/geo+json" && (body as { type?: unknown })?.type !== "FeatureCollection") failures.push("GeoJSON export is not a FeatureCollection");
    // An export documented as opaque text (`type: string`) has no JSON shape to check.
    if (!schema || deref(schema, {} as OpenApiDocument).type === "string") return;
    const invalid = validator.check(schema, `${operation.id} ${status} ${mediaType}`, body);
    if (invalid) failures.push(`${status} body does not match the documented schema: ${invalid}`);
  } else if (mediaType === "text/csv") {
    try {
      const rows = parseCsv(text, { bom: true }) as string[][];
      if (rows.length === 0) failures.push("CSV export without a header row");
    } catch (error) {
      failures.push(`CSV export does not parse: ${String(error).slice(0, 200)}`);
    }
  } else if (mediaType === "application/x-ndjson") {
    const lines = text.split("\n");
    if (text.length > 0 && lines.at(-1) !== "") failures.push("NDJSON export does not end with a newline");
    for (const [index, line] of lines.entries()) {
      if (line === "") continue;
      try {
        JSON.parse(line);
      } catch {
        failures.push(`NDJSON line ${index + 1} is not JSON: ${line.slice(0, 120)}`);
        break;
      }
    }
  } else if (text.length > 0) {
    remarks.push(`${status} ${mediaType || "untyped"} body from ${operation.id}`);
  }
}
