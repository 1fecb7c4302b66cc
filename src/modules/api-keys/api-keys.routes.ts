import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { z } from "zod";
import { notFound } from "../../lib/problem.ts";
import { ProblemSchema } from "../common/common.schemas.ts";
import type { ApiKeysRepository } from "./api-keys.repository.ts";
import {
  ApiKeyCreatedSchema,
  ApiKeyListQuerySchema,
  ApiKeyListSchema,
  ApiKeyParamsSchema,
  ApiKeySchema,
  CreateApiKeyBodySchema,
} from "./api-keys.schemas.ts";

const NO_CONTENT = z.null().describe("No content");

/** Managing the keys of the write API; every route needs a key with the `admin` scope (plugins/auth.ts). */
export const apiKeysRoutes: FastifyPluginAsyncZod<{ apiKeys: ApiKeysRepository }> = async (app, { apiKeys }) => {
  const unknownKey = (id: string) => notFound(`No API key has the id "${id}".`);

  app.get("/api-keys", {
    config: { scope: "admin" },
    schema: {
      operationId: "listApiKeys",
      tags: ["api-keys"],
      summary: "List API keys",
      description: "Every key, revoked ones included, oldest first. Secrets are never shown again: only their hash is kept.",
      querystring: ApiKeyListQuerySchema,
      response: { 200: ApiKeyListSchema },
    },
    handler: async () => ({ data: await apiKeys.list(), page: { nextCursor: null, next: null } }),
  });

  app.get("/api-keys/:id", {
    config: { scope: "admin" },
    schema: {
      operationId: "getApiKey",
      tags: ["api-keys"],
      summary: "Get an API key",
      params: ApiKeyParamsSchema,
      response: { 200: ApiKeySchema },
    },
    handler: async (request) => {
      const apiKey = await apiKeys.findById(request.params.id);
      if (!apiKey) throw unknownKey(request.params.id);
      return apiKey;
    },
  });

  app.post("/api-keys", {
    // Not idempotent: a replayable response would keep the plain key in idempotency_keys for 24 hours.
    config: { scope: "admin", idempotent: false },
    schema: {
      operationId: "createApiKey",
      tags: ["api-keys"],
      summary: "Create an API key",
      description:
        "The response has the key itself, `wf_<id>_<secret>`, once; store it then. `Idempotency-Key` is not supported " +
        "here, because the response carries a secret that must not be stored for replay: the header is ignored, and " +
        "every request creates a new key (after a failed attempt, list the keys and revoke any unwanted one).",
      body: CreateApiKeyBodySchema,
      response: { 201: ApiKeyCreatedSchema, 400: ProblemSchema },
    },
    handler: async (request, reply) => {
      const created = await apiKeys.create(request.body);
      return reply.code(201).header("location", `${request.url.split("?")[0]}/${created.id}`).send(created);
    },
  });

  app.delete("/api-keys/:id", {
    config: { scope: "admin" },
    schema: {
      operationId: "revokeApiKey",
      tags: ["api-keys"],
      summary: "Revoke an API key",
      description: "The key stops working at once. Revoking a revoked key is a no-op; the key stays listed, with `revokedAt`.",
      params: ApiKeyParamsSchema,
      response: { 204: NO_CONTENT },
    },
    handler: async (request, reply) => {
      if (!(await apiKeys.revoke(request.params.id))) throw unknownKey(request.params.id);
      return reply.code(204).send(null);
    },
  });
};
