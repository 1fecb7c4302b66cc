import { STATUS_CODES } from "node:http";
import { hasZodFastifySchemaValidationErrors } from "@fastify/type-provider-zod";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from "fastify";
import fp from "fastify-plugin";
import { z } from "zod";
import { DatabaseNotReady } from "../db/bootstrap.ts";
import { IngestRejected } from "../db/ingest.ts";
import { InvalidCursor } from "../lib/cursor.ts";
import { negotiateFormat } from "../lib/formats.ts";
import { type FieldError, MovedPermanently, PROBLEM_TYPES, Problem, serviceUnavailable, unprocessable } from "../lib/problem.ts";
import { unstorableFields } from "../lib/storable-text.ts";
import { errorResponses } from "../modules/common/common.schemas.ts";

// Fastify names the request part it validated; clients know them as these prefixes.
const FIELD_PREFIX: Record<string, string> = {
  querystring: "query",
  params: "params",
  body: "body",
  headers: "headers",
};

/** Every error leaves as RFC 9457 application/problem+json; a 500 is logged as the bug it is. */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  // Every route documents the problems it can send, without repeating them in each module.
  app.addHook("onRoute", (route) => {
    if (!route.schema || (route.schema as { hide?: boolean }).hide) return;
    route.schema.response = { ...problemResponsesFor(route.url, [route.method].flat(), route.schema), ...(route.schema.response as object) };
  });

  // Lists negotiate JSON and their exports before reading, and export paths their own media type
  // (modules/common/list-routes.ts); every other read has JSON only, and refuses an Accept without it
  // the same way. Checked where JSON is about to be serialised, so that a route answering in another
  // media type of its own (`produces`: an export, a hijacked event stream) is left alone.
  // Callback-style (a throw is the hook's error): an async hook costs a promise per request.
  app.addHook("preSerialization", (request, reply, payload, done) => {
    const route = request.routeOptions;
    const schema = route.schema ?? {};
    if (isSuccess(reply.statusCode) && !(schema as { produces?: unknown }).produces && negotiatesJsonOnly(route.url ?? "", [request.method], schema)) {
      negotiateFormat(request.headers.accept, undefined, ["json"]);
    }
    done(null, payload);
  });

  // Text PostgreSQL cannot hold (a NUL byte, a lone surrogate) is bad input wherever it is sent, never
  // the database's "invalid byte sequence": checked once here, for every route, before its schema.
  app.addHook("preValidation", (request, _reply, done) => {
    if (request.is404) return done();
    const errors = [
      ...unstorableFields("params", request.params),
      ...unstorableFields("query", request.query),
      ...unstorableFields("body", request.body),
    ];
    done(errors.length > 0 ? new Problem(400, "Bad Request", describeErrors(errors), errors) : undefined);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof MovedPermanently) return reply.code(308).header("location", error.location).send();
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    return sendProblem(request, reply, problem);
  });

  // Problem `type`s are URI references into this API: each one explains itself.
  app.get("/problems/:slug", { schema: { hide: true } }, async (request, reply) => {
    const slug = (request.params as { slug: string }).slug;
    const problemType = Object.hasOwn(PROBLEM_TYPES, slug) ? PROBLEM_TYPES[slug] : undefined;
    if (!problemType) throw new Problem(404, "Not Found", `No problem type is called "${slug}".`);
    return reply.type("application/json").serializer(JSON.stringify).send({ type: `/problems/${slug}`, ...problemType });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new Problem(404, "Not Found", `No route for ${request.method} ${request.url.split("?")[0]}.`)),
  );
});

const FACT_DETAIL = /^\/v1\/(actors|statements|sanctions|attack-events)\/:id$/;

function problemResponsesFor(url: string, methods: string[], schema: FastifySchema) {
  const { 400: invalid, 404: unknown, 500: bug, 503: unavailable } = errorResponses;
  const writes = methods.some((method) => method !== "GET" && method !== "HEAD");
  return {
    // Writes of facts, sources and claims check them against the database.
    ...(writes && schema.body && !url.startsWith("/v1/api-keys") ? { 422: unknown } : {}),
    // A new fact or source with an id in use.
    ...(writes && methods.includes("POST") && /^\/v1\/(actors|statements|sanctions|attack-events|sources)$/.test(url) ? { 409: unknown } : {}),
    // If-Match on edits and deletions of facts.
    ...(FACT_DETAIL.test(url) && (methods.includes("PATCH") || methods.includes("DELETE")) ? { 412: unknown } : {}),
    ...(schema.querystring || schema.params ? { 400: invalid } : {}),
    ...(schema.params ? { 404: unknown } : {}),
    // Facts leave tombstones: their details and edits answer 410 once deleted.
    ...(FACT_DETAIL.test(url) ? { 410: unknown } : {}),
    // A merged actor's detail redirects to the survivor.
    ...(url === "/v1/actors/:id" && methods.includes("GET") ? { 308: z.null().describe("Moved to the survivor of a merge (`Location`)") } : {}),
    // Reads negotiate their representation by Accept: lists among their formats, the others their one.
    ...((schema as { exports?: unknown }).exports || negotiatesJsonOnly(url, methods, schema) ? { 406: unknown } : {}),
    500: bug,
    // Everything but liveness reads the database.
    ...(url === "/health" ? {} : { 503: unavailable }),
  };
}

/** Reads under /v1 that negotiate Accept with one representation: everything but the lists, whose handlers negotiate among theirs. */
function negotiatesJsonOnly(url: string, methods: string[], schema: FastifySchema): boolean {
  const reads = methods.includes("GET") || methods.includes("HEAD");
  return url.startsWith("/v1/") && reads && !(schema as { exports?: unknown }).exports;
}

const isSuccess = (status: number) => status >= 200 && status < 300;

// A problem names at most this many fields: a request with a thousand unknown parameters gets the
// first ones and the count of the others, not a body a hundred times the size of the request.
const MAX_LISTED_ERRORS = 20;
// `instance` identifies the request; it need not echo a query of many kilobytes.
const MAX_INSTANCE_LENGTH = 512;
const MAX_DETAIL_LENGTH = 2000;
const MAX_FIELD_LENGTH = 200;
const MAX_MESSAGE_LENGTH = 500;

// What the representation a problem replaces may have left behind (a compressed export that failed
// before its first byte, an item's ETag set before Accept refused it): a problem is labelled by its
// own body only, and is never a download. Fastify removes them from the raw response as well, where
// a failed stream had copied them.
const REPRESENTATION_HEADERS = ["content-encoding", "content-disposition", "content-length", "etag"];

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  const body = problemBody(request, problem);
  for (const name of REPRESENTATION_HEADERS) reply.removeHeader(name);
  // Serialised here so a problem never depends on a route's response schema.
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type("application/problem+json")
    .serializer(JSON.stringify)
    .send(body);
}

/** The RFC 9457 body of a problem, capped: for a hook that replaces a payload already on its way. */
export function problemBody(request: FastifyRequest, problem: Problem) {
  const errors = problem.errors.slice(0, MAX_LISTED_ERRORS).map((error) => ({
    field: clip(error.field, MAX_FIELD_LENGTH),
    message: clip(error.message, MAX_MESSAGE_LENGTH),
  }));
  const omitted = problem.errors.length - errors.length;
  return {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: clip(problem.detail, MAX_DETAIL_LENGTH),
    instance: clipUrl(request.url, MAX_INSTANCE_LENGTH),
    ...(errors.length > 0 ? { errors } : {}),
    ...(omitted > 0 ? { errorsOmitted: omitted } : {}),
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The first `max` characters of a URL, without a percent-escape cut in half. */
function clipUrl(url: string, max: number): string {
  return url.length <= max ? url : url.slice(0, max).replace(/%[0-9A-Fa-f]?$/, "");
}

function toProblem(error: FastifyError, request: FastifyRequest): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof InvalidCursor) {
    const errors = [{ field: "query.cursor", message: "Invalid cursor: pass the nextCursor of a previous page of this list unchanged" }];
    return new Problem(400, "Bad Request", error.detail, errors);
  }
  if (error instanceof IngestRejected) {
    return unprocessable(`The database cannot take this as it is: ${describeErrors(error.errors)}`, error.errors);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const prefix = FIELD_PREFIX[(error as { validationContext?: string }).validationContext ?? ""] ?? "request";
    const given = prefix === "query" ? (request.query as Record<string, unknown> | undefined) : undefined;
    const errors = error.validation.flatMap((issue) => fieldErrors(prefix, issue, given));
    const distinct = errors.filter((one, index) => errors.findIndex((other) => other.field === one.field && other.message === one.message) === index);
    return new Problem(400, "Bad Request", describeErrors(distinct), distinct);
  }
  if (isDatabaseUnavailable(error)) return serviceUnavailable("The database is unavailable; try again shortly.");
  const status = error.statusCode ?? 500;
  if (status >= 500) return new Problem(500, "Internal Server Error", "An unexpected error occurred; it has been logged.");
  // Fastify's own client errors: malformed JSON, unsupported media type, body too large, …
  return new Problem(status, STATUS_CODES[status] ?? "Bad Request", error.message);
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function fieldErrors(prefix: string, issue: ValidationIssue, query?: Record<string, unknown>): FieldError[] {
  const path = issue.instancePath.split("/").filter(Boolean);
  // Zod reports unknown keys on the object itself: name each unknown parameter instead.
  if (issue.keyword === "unrecognized_keys" && Array.isArray(issue.params.keys)) {
    return (issue.params.keys as string[]).map((key) => ({
      field: [prefix, ...path, key].join("."),
      message: "Unknown parameter",
    }));
  }
  // A parameter that takes one value, given several (`limit=5&limit=6`), fails its schema as an array
  // ("expected number, received array"): say what is wrong instead. Repeatable parameters take arrays,
  // and fail as a whole only on their number of values.
  const given = path.length === 1 ? query?.[path[0]!] : undefined;
  if (Array.isArray(given) && issue.keyword !== "too_big" && issue.keyword !== "too_small") {
    return [{ field: `${prefix}.${path[0]}`, message: `May appear once; it was given ${given.length} times` }];
  }
  // A repeated query parameter is one field to its user: `query.kind`, not `query.kind.0`.
  const segments = prefix === "query" ? path.filter((segment) => !/^\d+$/.test(segment)) : path;
  return [{ field: [prefix, ...segments].join("."), message: issue.message ?? "Invalid value" }];
}

function describeErrors(errors: FieldError[]): string {
  const listed = errors.slice(0, MAX_LISTED_ERRORS);
  const others = errors.length - listed.length;
  const fields = listed.map((error) => error.field).join(", ") + (others > 0 ? ` and ${others} more` : "");
  return `Invalid ${fields}: ${[...new Set(listed.map((error) => error.message))].join("; ")}.`;
}

// The database's absence, not a bug: refused, reset or unreachable; shutting down or starting up; too
// many connections; a statement the server cancelled for its time (statement_timeout); no answer
// within the client's timeouts (frozen or partitioned); not opened and prepared yet at start.
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN",
  "57P01", "57P02", "57P03", "57014", "53300",
]);
const CONNECTION_ERROR_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseNotReady) return true;
  // Connecting to a name with several addresses (localhost: ::1 and 127.0.0.1) fails with each.
  if (error instanceof AggregateError && error.errors.some(isDatabaseUnavailable)) return true;
  const { code = "", message = "" } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === "string" && (CONNECTION_ERROR_CODES.has(code) || code.startsWith("08"))) ||
    (typeof message === "string" && CONNECTION_ERROR_MESSAGES.test(message));
}
