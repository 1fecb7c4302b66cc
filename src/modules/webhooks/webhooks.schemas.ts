import { z } from "zod";
import { changeResourceValues } from "../changes/changes.schemas.ts";

export const changeActionValues = ["create", "update", "delete", "restore", "merge"] as const;

export const WebhookSubscriptionInputSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).max(2000).describe("Where deliveries are POSTed"),
    resources: z.array(z.enum(changeResourceValues)).min(1).max(4).default([...changeResourceValues]),
    actions: z.array(z.enum(changeActionValues)).min(1).max(5).default([...changeActionValues]),
  })
  .meta({ id: "NewWebhookSubscription" });

const subscriptionFields = {
  id: z.string(),
  url: z.string(),
  resources: z.array(z.enum(changeResourceValues)),
  actions: z.array(z.enum(changeActionValues)),
  createdAt: z.iso.datetime(),
  paused: z.boolean(),
  pausedAt: z.iso.datetime().nullable(),
  pauseReason: z.string().nullable().describe("Why deliveries stopped: the subscription kept failing for a day"),
  pending: z.number().int().describe("Deliveries not yet accepted by the receiver"),
  lastError: z.string().nullable().describe("The last failed attempt's error"),
};

export const WebhookSubscriptionSchema = z.object(subscriptionFields).meta({ id: "WebhookSubscription" });

export const WebhookSubscriptionCreatedSchema = z
  .object({
    ...subscriptionFields,
    secret: z.string().describe("Verifies the `webhook-signature` of every delivery (Standard Webhooks, HMAC-SHA256); shown only now"),
  })
  .meta({ id: "WebhookSubscriptionCreated" });

export const WebhookSubscriptionListSchema = z.object({ data: z.array(WebhookSubscriptionSchema) }).meta({ id: "WebhookSubscriptionList" });

export const WebhookSubscriptionPatchSchema = z
  .strictObject({ paused: z.boolean().describe("`false` resumes a paused subscription; its pending deliveries go out in order") })
  .meta({ id: "WebhookSubscriptionPatch" });

export type WebhookSubscription = z.infer<typeof WebhookSubscriptionSchema>;
