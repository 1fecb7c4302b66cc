import { BEARER_SCHEME_NAME } from "./auth.ts";

/**
 * What every operation of this API shares, added to the generated document in one place instead of
 * in each route: the statuses the framework and the cross-cutting plugins send (400 to 503, 304),
 * their headers (X-Request-Id, ETag, Cache-Control, Location, Retry-After, Allow, RateLimit-*), problem
 * examples taken from real responses, and the 200 examples recorded from the seed data
 * (openapi-examples.json, written by `npm run openapi:examples`).
 */

type Json = Record<string, unknown>;
type Operation = Json & { operationId?: string; responses?: Record<string, Json>; requestBody?: unknown; parameters?: Json[]; security?: unknown };
type Document = Json & { paths?: Record<string, Record<string, Operation>>; components?: Json; info?: Json };

/** A response recorded from a seeded app: the request that produced it, and the body it answered. */
export interface RecordedExample {
  request: string;
  method?: string;
  status: number;
  /** Depends on when the seed ran or on keys made for the recording: its schema is checked, not its values. */
  volatile?: boolean;
  summary: string;
  body: unknown;
}

export interface OpenApiExamples {
  /** By operationId: the example of its success response (an export's CSV and NDJSON as text). */
  operations: Record<string, RecordedExample>;
  /** By status: a problem this service really sent. */
  problems: Record<string, RecordedExample>;
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
const ROUTED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

const integerHeader = (description: string, example: number) => ({ description, schema: { type: "integer", minimum: 0 }, example });

export const COMMON_HEADERS: Record<string, Json> = {
  "X-Request-Id": {
    description: "The request's id: the client's own `X-Request-Id` when it is a plain token (letters, digits, `._:-`, up to 128), otherwise a new UUID. Quote it when reporting a problem.",
    schema: { type: "string" },
    example: "5b0a3f0e-2f6c-4a55-9d2d-8f8a3c1b7e21",
  },
  ETag: {
    description: "A strong validator of this representation (absent on streamed exports): send it in `If-None-Match` for a 304, or in `If-Match` to edit or delete.",
    schema: { type: "string" },
    example: '"3f786850e387550fdab836ed7e6dc881de23001b"',
  },
  "Cache-Control": {
    description: "Public reads may be cached for a minute and served stale while revalidating; problems are `no-store`.",
    schema: { type: "string" },
    example: "public, max-age=60, stale-while-revalidate=300",
  },
  Location: {
    description: "Where the resource is: a merged actor's survivor, or a list's export path with the request's filters (a path and query on this server).",
    schema: { type: "string" },
    example: "/v1/statements.csv?speaker=john-kirby",
  },
  "Retry-After": integerHeader("Seconds to wait before trying again.", 5),
  Allow: { description: "The methods this path has.", schema: { type: "string" }, example: "DELETE, GET, PATCH" },
  "WWW-Authenticate": { description: "How to authenticate: a Bearer API key.", schema: { type: "string" }, example: 'Bearer realm="warfacts"' },
  "RateLimit-Limit": integerHeader("Requests allowed in the current window (per API key, or per IP address without one); on a 429 for failed API key checks, the failed checks allowed per IP address.", 600),
  "RateLimit-Remaining": integerHeader("Requests left in the current window.", 599),
  "RateLimit-Reset": integerHeader("Seconds until the window resets.", 60),
};

const RATE_LIMIT_HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"];

interface ProblemResponse {
  name: string;
  description: string;
  headers?: string[];
}

/** Every problem status an operation may document, with its meaning and the headers it carries. */
export const PROBLEM_RESPONSES: Record<string, ProblemResponse> = {
  400: { name: "BadRequest", description: "Invalid input: `errors` names each invalid field" },
  401: { name: "Unauthorized", description: "No API key where one is needed, or a malformed, unknown or revoked one (sent anywhere); see `WWW-Authenticate`", headers: ["WWW-Authenticate"] },
  403: { name: "Forbidden", description: "The API key lacks the scope this operation needs (`WWW-Authenticate` names it)", headers: ["WWW-Authenticate"] },
  404: { name: "NotFound", description: "No such resource" },
  405: { name: "MethodNotAllowed", description: "The path exists, but not for this method: `Allow` lists the ones it has", headers: ["Allow"] },
  406: { name: "NotAcceptable", description: "None of the media types in `Accept` is available" },
  408: { name: "RequestTimeout", description: "The request's headers or body took too long to arrive" },
  409: { name: "Conflict", description: "Conflict: the id is taken, or a request with the same `Idempotency-Key` is still being handled" },
  410: { name: "Gone", description: "Gone: deleted, merged away, or no source backs it any more (a tombstone: mirrors should delete it)" },
  412: { name: "PreconditionFailed", description: "`If-Match` names a version that is no longer current: read it again and retry with its ETag" },
  413: { name: "PayloadTooLarge", description: "The request body is larger than allowed" },
  414: { name: "UriTooLong", description: "The request line is longer than the service reads" },
  415: { name: "UnsupportedMediaType", description: "The request body is not `application/json`" },
  422: { name: "UnprocessableContent", description: "Well-formed but inconsistent (an excerpt absent from its source or ambiguous, an unknown actor, an `Idempotency-Key` used for another request): `errors` names each field" },
  429: { name: "TooManyRequests", description: "Rate limited: too many requests from this client, or, for any request that sends an API key, too many failed API key checks from its IP address (the key is then not checked). Retry after `Retry-After` seconds", headers: ["Retry-After", ...RATE_LIMIT_HEADERS] },
  431: { name: "RequestHeaderFieldsTooLarge", description: "The request's headers are larger than the service reads" },
  500: { name: "InternalServerError", description: "Unexpected error (a bug; it is logged with the request id)" },
  503: { name: "ServiceUnavailable", description: "The database does not answer, or this instance is at capacity or shutting down: retry after `Retry-After` seconds", headers: ["Retry-After"] },
};

// Sent by the HTTP layer or cross-cutting plugins for any request, whatever the route.
// 400 too: every operation refuses a parameter it does not know, even one that takes none (/health).
// 401 and 429: any request may send an API key, which is checked, and counted when it fails.
const EVERY_OPERATION = [400, 401, 408, 414, 429, 431, 500];

// Anything under a fact's own path finds it missing (404) or a tombstone (410): reads, edits, claims, merges.
const FACT_PATH = /^\/v1\/(actors|statements|sanctions|attack-events)\/\{id\}/;
// Probes are never rate limited (plugins/rate-limit.ts): no RateLimit headers there, and a 429 only
// for a probe that sends an API key from an address that failed too many key checks.
const isRateLimited = (path: string) => path !== "/health" && path !== "/ready";
// A request body can be too large, of another media type, or not JSON at all.
const WITH_BODY = [400, 413, 415];

/** The document with servers, licence, security, common responses, headers and examples completed. */
export function completeDocument(document: Document, examples: OpenApiExamples): Document {
  stripSafeIntegerBounds(document);
  // Operations that need a key say which scope; the others inherit this.
  document.security = ANYONE;
  const components = (document.components ??= {}) as Json & { schemas?: Json };
  components.headers = COMMON_HEADERS;
  components.responses = commonResponses();
  components.examples = recordedExamples(examples);

  const exampleBySchema = new Map<string, string>();
  for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
    const routed = new Set(Object.keys(pathItem).map((method) => method.toUpperCase()));
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!operation?.responses) continue;
      completeResponses(operation, { path, method, routed });
      typeBooleanParameters(operation);
      attachRecordedExample(operation, examples, exampleBySchema);
    }
  }
  // Writes answer with the same shapes as the reads recorded: the same example fits them.
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (operation?.responses) attachSharedExample(operation, exampleBySchema, new Set(Object.keys(examples.operations)));
    }
  }
  return document;
}

// Reads need no key, but a key that is sent is checked (a bad one is a 401): both are documented.
const ANYONE = [{}, { [BEARER_SCHEME_NAME]: [] }];

function commonResponses(): Json {
  const responses: Json = {
    NotModified: {
      description: "Not modified: the representation still has the ETag sent in `If-None-Match`; no body",
      headers: { ETag: headerRef("ETag"), "Cache-Control": headerRef("Cache-Control"), "X-Request-Id": headerRef("X-Request-Id") },
    },
  };
  for (const [status, problem] of Object.entries(PROBLEM_RESPONSES)) {
    const headers = Object.fromEntries(["X-Request-Id", ...(problem.headers ?? [])].map((name) => [name, headerRef(name)]));
    responses[problem.name] = {
      description: problem.description,
      headers,
      content: {
        "application/problem+json": {
          schema: { $ref: "#/components/schemas/Problem" },
          examples: { [`problem${status}`]: { $ref: `#/components/examples/Problem${status}` } },
        },
      },
    };
  }
  return responses;
}

function recordedExamples(examples: OpenApiExamples): Json {
  const components: Json = {};
  for (const [operationId, example] of Object.entries(examples.operations)) {
    components[operationId] = { summary: example.summary, description: `What \`${example.method ?? "GET"} ${example.request}\` answers on the seed data.`, value: example.body };
  }
  for (const status of Object.keys(PROBLEM_RESPONSES)) {
    const example = examples.problems[status];
    if (!example) throw new Error(`openapi-examples.json has no problem with status ${status}: run \`npm run openapi:examples\``);
    components[`Problem${status}`] = { summary: example.summary, description: `What \`${example.method ?? "GET"} ${example.request}\` answers.`, value: example.body };
  }
  return components;
}

interface OperationContext {
  path: string;
  method: string;
  /** The methods this path has: the others are a 405. */
  routed: Set<string>;
}

function completeResponses(operation: Operation, { path, method, routed }: OperationContext) {
  const responses = operation.responses!;
  const statuses = new Set(Object.keys(responses).filter((status) => Number(status) >= 400));
  for (const status of EVERY_OPERATION) statuses.add(String(status));
  if (operation.requestBody) for (const status of WITH_BODY) statuses.add(String(status));
  if (FACT_PATH.test(path)) for (const status of ["404", "410"]) statuses.add(status);
  // /health is the one route that never reads the database; every other may find it unavailable.
  if (path !== "/health") statuses.add("503");
  if (path.startsWith("/v1/") && ROUTED_METHODS.some((other) => !routed.has(other))) statuses.add("405");
  for (const status of statuses) {
    const problem = PROBLEM_RESPONSES[status];
    if (!problem) throw new Error(`${method.toUpperCase()} ${path}: no common response for status ${status}`);
    responses[status] = responseRef(problem.name);
  }
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) >= 400 || "$ref" in response) continue;
    response.headers = { ...(response.headers as Json | undefined), ...successHeaders(method, status, isRateLimited(path), isStreamed(response)) };
  }
  // Every buffered read has an ETag and honours If-None-Match; a stream (an export, events) has neither.
  if (method === "get" && !isStreamed(responses["200"])) responses["304"] = responseRef("NotModified");
  operation.responses = sortedByStatus(responses);
}

function successHeaders(method: string, status: string, rateLimited: boolean, streamed: boolean): Json {
  const reads = method === "get" && status === "200";
  const names = [
    "X-Request-Id",
    ...(reads ? [...(streamed ? [] : ["ETag"]), "Cache-Control"] : []),
    ...(status === "308" ? ["Location"] : []),
    ...(rateLimited ? RATE_LIMIT_HEADERS : []),
  ];
  return Object.fromEntries(names.map((name) => [name, headerRef(name)]));
}

// Sent as they are read: no ETag, never cached, never a 304.
const STREAMED_MEDIA_TYPES = ["text/event-stream", "text/csv", "application/x-ndjson", "application/geo+json"];

function isStreamed(response: Json | undefined): boolean {
  return Object.keys((response?.content as Json | undefined) ?? {}).some((mediaType) => STREAMED_MEDIA_TYPES.includes(mediaType));
}

function sortedByStatus(responses: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Boolean query parameters accept exactly `true` and `false` (common.schemas.ts `booleanQuery`):
 * documented as booleans, which generated clients send in those two spellings.
 */
function typeBooleanParameters(operation: Operation) {
  for (const parameter of operation.parameters ?? []) {
    const schema = parameter.schema as Json | undefined;
    if (parameter.in !== "query" || !schema || !Array.isArray(schema.enum)) continue;
    if (schema.enum.length === 2 && schema.enum.includes("true") && schema.enum.includes("false")) {
      const { enum: _spellings, type: _type, ...rest } = schema;
      parameter.schema = { ...rest, type: "boolean" };
    }
  }
}

function attachRecordedExample(operation: Operation, examples: OpenApiExamples, exampleBySchema: Map<string, string>) {
  const operationId = operation.operationId;
  const example = operationId ? examples.operations[operationId] : undefined;
  if (!operationId || !example) return;
  // Each success response has one media type: JSON, or an export's or a stream's own.
  const contents = Object.entries((operation.responses?.[String(example.status)]?.content as Record<string, Json> | undefined) ?? {});
  if (contents.length !== 1) throw new Error(`${operationId}: its recorded example is a ${example.status}, which it documents in ${contents.length} media types, not one`);
  const [[mediaType, content]] = contents as [[string, Json]];
  content.examples = { seed: { $ref: `#/components/examples/${operationId}` } };
  if (!example.volatile && mediaType === "application/json") exampleBySchema.set(JSON.stringify(content.schema), operationId);
}

// A write that answers with the item (its new version) shares the example of the item's read.
const READ_OF_WRITE = /^(create|update|merge)(.+?)s?$/;

function attachSharedExample(operation: Operation, exampleBySchema: Map<string, string>, recorded: Set<string>) {
  for (const status of ["200", "201"]) {
    const content = jsonContent(operation.responses?.[status]);
    if (!content || content.examples) continue;
    const read = operation.operationId?.replace(READ_OF_WRITE, "get$2");
    const shared = exampleBySchema.get(JSON.stringify(content.schema)) ?? (read && recorded.has(read) ? read : undefined);
    if (shared) content.examples = { seed: { $ref: `#/components/examples/${shared}` } };
  }
}

function jsonContent(response: Json | undefined): Json | undefined {
  return ((response?.content as Json | undefined)?.["application/json"]) as Json | undefined;
}

/**
 * zod documents every `.int()` without bounds of its own as -(2^53 - 1)..2^53 - 1, which docs pages
 * then show as examples (a problem `status` of -9007199254740991). Those bounds say nothing: drop them.
 */
function stripSafeIntegerBounds(node: unknown) {
  if (Array.isArray(node)) return node.forEach(stripSafeIntegerBounds);
  if (node === null || typeof node !== "object") return;
  const schema = node as Json;
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  Object.values(schema).forEach(stripSafeIntegerBounds);
}
