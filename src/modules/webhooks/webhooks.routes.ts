import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { z } from "zod";
import { notFound } from "../../lib/problem.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { WebhooksRepository } from "./webhooks.repository.ts";
import {
  WebhookSubscriptionCreatedSchema,
  WebhookSubscriptionInputSchema,
  WebhookSubscriptionListSchema,
  WebhookSubscriptionPatchSchema,
  WebhookSubscriptionSchema,
} from "./webhooks.schemas.ts";

export const webhooksRoutes: FastifyPluginAsyncZod<{ webhooks: WebhooksRepository }> = async (app, { webhooks }) => {
  const orNotFound = <T>(value: T | undefined, id: string): T => {
    if (value === undefined) throw notFound(`No webhook subscription has the id "${id}".`);
    return value;
  };

  app.post("/webhooks", {
    // The answer carries the signing secret, which must not be kept in the idempotency store.
    config: { scope: "admin", idempotent: false },
    schema: {
      operationId: "createWebhookSubscription",
      tags: ["changes"],
      summary: "Subscribe a URL to changes",
      description:
        "Every change of the chosen resources and actions is POSTed to `url`, signed as Standard Webhooks specify " +
        "(`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 with the secret shown once in this answer). " +
        "Deliveries are written in the same transaction as the change, go out in order, and are retried with exponential " +
        "backoff and jitter; a subscription failing for a day is paused with its reason. At least once: de-duplicate on " +
        "`webhook-id`. Idempotency-Key is not supported here (the answer carries a secret).",
      body: WebhookSubscriptionInputSchema,
      response: { 201: WebhookSubscriptionCreatedSchema },
    },
    handler: async (request, reply) => {
      const created = await webhooks.create(request.body);
      reply.code(201).header("location", `/v1/webhooks/${created.id}`);
      return created;
    },
  });

  app.get("/webhooks", {
    config: { scope: "admin" },
    schema: {
      operationId: "listWebhookSubscriptions",
      tags: ["changes"],
      summary: "List webhook subscriptions, with their state",
      response: { 200: WebhookSubscriptionListSchema },
    },
    handler: async () => ({ data: await webhooks.list() }),
  });

  app.get("/webhooks/:id", {
    config: { scope: "admin" },
    schema: {
      operationId: "getWebhookSubscription",
      tags: ["changes"],
      summary: "Get a webhook subscription: paused or not, why, and how much is pending",
      params: IdParamsSchema,
      response: { 200: WebhookSubscriptionSchema },
    },
    handler: async (request) => orNotFound(await webhooks.find(request.params.id), request.params.id),
  });

  app.patch("/webhooks/:id", {
    config: { scope: "admin" },
    schema: {
      operationId: "updateWebhookSubscription",
      tags: ["changes"],
      summary: "Pause or resume a webhook subscription",
      params: IdParamsSchema,
      body: WebhookSubscriptionPatchSchema,
      response: { 200: WebhookSubscriptionSchema },
    },
    handler: async (request) => {
      orNotFound((await webhooks.setPaused(request.params.id, request.body.paused)) || undefined, request.params.id);
      return (await webhooks.find(request.params.id))!;
    },
  });

  app.delete("/webhooks/:id", {
    config: { scope: "admin" },
    schema: {
      operationId: "deleteWebhookSubscription",
      tags: ["changes"],
      summary: "Unsubscribe",
      params: IdParamsSchema,
      response: { 204: z.null().describe("Deleted, with its pending deliveries") },
    },
    handler: async (request, reply) => {
      orNotFound((await webhooks.remove(request.params.id)) || undefined, request.params.id);
      return reply.code(204).send(null);
    },
  });
};
