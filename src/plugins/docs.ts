import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "@fastify/type-provider-zod";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const API_VERSION = "1.0.0";

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
        license: { name: "Code: MIT; source texts belong to their publishers" },
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
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
});
