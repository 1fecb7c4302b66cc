import { STATUS_CODES } from "node:http";
import { hasZodFastifySchemaValidationErrors } from "@fastify/type-provider-zod";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { type FieldError, Problem } from "../lib/problem.ts";
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
    route.schema.response = { ...errorResponses, ...(route.schema.response as object) };
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    return sendProblem(request, reply, problem);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new Problem(404, "Not Found", `No route for ${request.method} ${request.url.split("?")[0]}.`)),
  );
});

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
  if (hasZodFastifySchemaValidationErrors(error)) {
    const prefix = FIELD_PREFIX[(error as { validationContext?: string }).validationContext ?? ""] ?? "request";
    const errors = error.validation.flatMap((issue) => fieldErrors(prefix, issue));
    return new Problem(400, "Bad Request", describeErrors(errors), errors);
  }
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
  return [{ field: [prefix, ...path].join("."), message: issue.message ?? "Invalid value" }];
}

function describeErrors(errors: FieldError[]): string {
  return `Invalid ${errors.map((error) => error.field).join(", ")}: ${errors.map((error) => error.message).join("; ")}.`;
}
