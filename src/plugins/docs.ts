import { readFileSync } from "node:fs";
import swagger, { type SwaggerTransform, type SwaggerTransformObject } from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "@fastify/type-provider-zod";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { BEARER_SCHEME_NAME, BEARER_SECURITY_SCHEME, requiredScope, securityFor } from "./auth.ts";
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_PARAMETER, isIdempotent } from "./idempotency.ts";
import { completeDocument, type OpenApiExamples } from "./openapi-conventions.ts";
import { DOCS_CSP } from "./security-headers.ts";

export const API_VERSION = "1.0.0";

// Problems (4xx, 5xx) are described once, with their headers, in openapi-conventions.ts.
const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  200: "Success",
  201: "Created",
  204: "Done; no content",
  308: "Moved permanently: `Location` names where",
};

/**
 * Responses get a description and their one real media type: problems are application/problem+json,
 * an export or an event stream the type its route names in `produces`, everything else JSON.
 */
const transform: SwaggerTransform = (route) => {
  const transformed = jsonSchemaTransform(route as Parameters<typeof jsonSchemaTransform>[0]);
  const produces = (route.schema as { produces?: string[] } | undefined)?.produces;
  const responses = (transformed.schema as { response?: Record<string, unknown> }).response;
  const scope = requiredScope(route.route.config);
  if (scope && responses) secure(transformed.schema as OperationSchema, responses, scope, isIdempotent(route.route.method, route.route.config));
  for (const [status, schema] of Object.entries(responses ?? {})) {
    if (status === "204" || status === "308") {
      // @fastify/swagger leaves out the content of a `null` schema: a 204 or a redirect has none.
      responses![status] = { type: "null", description: (schema as { description?: string }).description ?? RESPONSE_DESCRIPTIONS[status] };
      continue;
    }
    // A route that answers in a media type of its own (an export, an event stream) names it in `produces`.
    const mediaType = Number(status) >= 400 ? "application/problem+json" : (produces?.[0] ?? "application/json");
    responses![status] = { description: RESPONSE_DESCRIPTIONS[status] ?? "Response", content: { [mediaType]: { schema } } };
  }
  delete (transformed.schema as { exports?: unknown }).exports;
  return transformed;
};

interface OperationSchema {
  description?: string;
  security?: unknown;
  headers?: { type: "object"; properties: Record<string, unknown>; required?: string[] };
}

/**
 * A route that needs an API key: its security requirement (the docs page's Authorize button sends the
 * key), the 401 and 403 it can answer, and, on idempotent POSTs (not those that opted out with
 * `config: { idempotent: false }`), the `Idempotency-Key` header with its 409 and 422.
 * Problem responses share one schema; the 500 that every route has (plugins/errors.ts) is it.
 */
function secure(schema: OperationSchema, responses: Record<string, unknown>, scope: Parameters<typeof securityFor>[0], idempotent: boolean) {
  const problem = responses["500"];
  schema.security = securityFor(scope);
  const needs = `Needs an API key with the \`${scope}\` scope.`;
  schema.description = schema.description ? `${schema.description}\n\n${needs}` : needs;
  Object.assign(responses, { 401: problem, 403: problem });
  if (idempotent) {
    Object.assign(responses, { 409: problem, 422: problem });
    const headers = schema.headers ?? { type: "object", properties: {} };
    headers.properties[IDEMPOTENCY_HEADER] = IDEMPOTENCY_KEY_PARAMETER;
    schema.headers = headers;
  }
}

/** The zod provider adds an input and an output component for every schema; keep the ones used. */
const transformObject: SwaggerTransformObject = (documentObject) => {
  const document = completeDocument(jsonSchemaTransformObject(documentObject) as Record<string, unknown>, OPENAPI_EXAMPLES) as {
    components?: { schemas?: Record<string, unknown> };
  };
  const schemas = document.components?.schemas;
  if (schemas) {
    const used = referencedSchemaNames(document, schemas);
    for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  }
  return document as ReturnType<SwaggerTransformObject>;
};

// Recorded from a seeded app by `npm run openapi:examples`; test/openapi-examples.test.ts keeps them true.
const OPENAPI_EXAMPLES = JSON.parse(readFileSync(new URL("../openapi-examples.json", import.meta.url), "utf8")) as OpenApiExamples;

function referencedSchemaNames(document: object, schemas: Record<string, unknown>): Set<string> {
  const used = new Set<string>();
  // Everything but the schemas themselves refers to schemas: paths, and the shared responses.
  const { components: { schemas: _schemas, ...components } = {}, ...rest } = document as { components?: { schemas?: unknown } };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") {
        const name = value.replace("#/components/schemas/", "");
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else {
        visit(value);
      }
    }
  };
  visit(rest);
  visit(components);
  return used;
}

/** The OpenAPI 3.1 document, generated from the routes' zod schemas, at /openapi.json and /docs. */
export const docsPlugin = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "warfacts API",
        version: API_VERSION,
        description:
          "Structured, sourced facts from war reporting: actors, statements, sanctions and attack events. " +
          "Every fact carries `evidence`: verbatim excerpts of its source with their offsets. " +
          "Errors are RFC 9457 `application/problem+json`.",
        // No licence has been chosen for the service or its data yet: say so rather than invent one.
        license: { name: "Proprietary: all rights reserved; quoted excerpts remain their publishers'", identifier: "LicenseRef-Proprietary" },
      },
      // Relative: the document is served by every deployment, each at its own address.
      servers: [{ url: "/", description: "The server that serves this document" }],
      tags: [
        { name: "actors", description: "People, states, organisations and places" },
        { name: "statements", description: "Who said what, and when" },
        { name: "sanctions", description: "Who sanctioned whom, and why" },
        { name: "attack-events", description: "Attacks, their weapons, counts and impact" },
        { name: "sources", description: "The reports facts come from" },
        { name: "search", description: "Full-text search across every resource" },
        { name: "changes", description: "Every change, for mirrors: a feed to poll and a live stream" },
        { name: "health", description: "Liveness and readiness" },
        { name: "claims", description: "What each source says about each field, with its evidence" },
        { name: "api-keys", description: "Keys for the write API (needs the `admin` scope)" },
        { name: "imports", description: "Whole datasets loaded from CSV files, each row as a source's claims" },
      ],
      components: { securitySchemes: { [BEARER_SCHEME_NAME]: BEARER_SECURITY_SCHEME } },
    },
    transform,
    transformObject,
  });
  // The page runs under its own Content-Security-Policy (helmet gives the API a stricter one).
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: DOCS_CSP });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
});
