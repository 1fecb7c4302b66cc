import swagger, { type SwaggerTransform, type SwaggerTransformObject } from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "@fastify/type-provider-zod";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const API_VERSION = "1.0.0";

const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  200: "Success",
  400: "Invalid input: `errors` names each invalid field",
  404: "No such resource",
  500: "Unexpected error (a bug; it is logged)",
  503: "The database is unavailable; retry after `Retry-After` seconds",
};

/** Responses get a description and their real media type: problems are application/problem+json. */
const transform: SwaggerTransform = (route) => {
  const transformed = jsonSchemaTransform(route as Parameters<typeof jsonSchemaTransform>[0]);
  const responses = (transformed.schema as { response?: Record<string, unknown> }).response;
  for (const [status, schema] of Object.entries(responses ?? {})) {
    const mediaType = Number(status) >= 400 ? "application/problem+json" : "application/json";
    responses![status] = {
      description: RESPONSE_DESCRIPTIONS[status] ?? "Response",
      content: { [mediaType]: { schema } },
    };
  }
  return transformed;
};

/** The zod provider adds an input and an output component for every schema; keep the ones used. */
const transformObject: SwaggerTransformObject = (documentObject) => {
  const document = jsonSchemaTransformObject(documentObject) as { components?: { schemas?: Record<string, unknown> } };
  const schemas = document.components?.schemas;
  if (schemas) {
    const used = referencedSchemaNames(document, schemas);
    for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  }
  return document as ReturnType<SwaggerTransformObject>;
};

function referencedSchemaNames(document: object, schemas: Record<string, unknown>): Set<string> {
  const used = new Set<string>();
  const { components: _components, ...rest } = document as { components?: unknown };
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
      },
      tags: [
        { name: "actors", description: "People, states, organisations and places" },
        { name: "statements", description: "Who said what, and when" },
        { name: "sanctions", description: "Who sanctioned whom, and why" },
        { name: "attack-events", description: "Attacks, their weapons, counts and impact" },
        { name: "sources", description: "The reports facts come from" },
        { name: "health", description: "Liveness and readiness" },
      ],
    },
    transform,
    transformObject,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
});
