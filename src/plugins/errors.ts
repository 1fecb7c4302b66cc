import { STATUS_CODES } from "node:http";
import { hasZodFastifySchemaValidationErrors } from "@fastify/type-provider-zod";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from "fastify";
import fp from "fastify-plugin";
import { z } from "zod";
import { IngestRejected } from "../db/ingest.ts";
import { type FieldError, MovedPermanently, PROBLEM_TYPES, Problem, serviceUnavailable, unprocessable } from "../lib/problem.ts";
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

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof MovedPermanently) return reply.code(308).header("location", error.location).send();
    const problem = toProblem(error);
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
    // Lists negotiate their representation by Accept.
    ...((schema as { exports?: unknown }).exports ? { 406: unknown } : {}),
    500: bug,
    // Everything but liveness reads the database.
    ...(url === "/health" ? {} : { 503: unavailable }),
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  const body = {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: request.url,
    ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
  };
  // Serialised here so a problem never depends on a route's response schema.
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type("application/problem+json")
    .serializer(JSON.stringify)
    .send(body);
}

function toProblem(error: FastifyError): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof IngestRejected) {
    return unprocessable(`The database cannot take this as it is: ${describeErrors(error.errors)}`, error.errors);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const prefix = FIELD_PREFIX[(error as { validationContext?: string }).validationContext ?? ""] ?? "request";
    const errors = error.validation.flatMap((issue) => fieldErrors(prefix, issue));
    return new Problem(400, "Bad Request", describeErrors(errors), errors);
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

function fieldErrors(prefix: string, issue: ValidationIssue): FieldError[] {
  const path = issue.instancePath.split("/").filter(Boolean);
  // Zod reports unknown keys on the object itself: name each unknown parameter instead.
  if (issue.keyword === "unrecognized_keys" && Array.isArray(issue.params.keys)) {
    return (issue.params.keys as string[]).map((key) => ({
      field: [prefix, ...path, key].join("."),
      message: "Unknown parameter",
    }));
  }
  // A repeated query parameter is one field to its user: `query.kind`, not `query.kind.0`.
  const segments = prefix === "query" ? path.filter((segment) => !/^\d+$/.test(segment)) : path;
  return [{ field: [prefix, ...segments].join("."), message: issue.message ?? "Invalid value" }];
}

function describeErrors(errors: FieldError[]): string {
  return `Invalid ${errors.map((error) => error.field).join(", ")}: ${errors.map((error) => error.message).join("; ")}.`;
}

// Connection failures (refused, reset, server shutting down) are the database's absence, not a bug.
const CONNECTION_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03"]);

function isDatabaseUnavailable(error: { code?: string; message?: string }): boolean {
  const code = error.code ?? "";
  return CONNECTION_ERROR_CODES.has(code) || code.startsWith("08") || /Connection terminated|timeout exceeded when trying to connect/i.test(error.message ?? "");
}
