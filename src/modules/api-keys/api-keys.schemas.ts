import { z } from "zod";
import { IdParamsSchema, listResponse } from "../common/common.schemas.ts";

/** What a key may do. Reads are public; each scope is granted explicitly (none implies another). */
export const SCOPES = ["write", "admin", "sources:text"] as const;
export type Scope = (typeof SCOPES)[number];

export const ScopeSchema = z
  .enum(SCOPES)
  .meta({ id: "Scope", description: "`write`: change facts; `admin`: manage API keys; `sources:text`: read sources' full text" });

const apiKeyFields = {
  id: z.string().describe("The key's public id, also the part after `wf_` in the key itself"),
  name: z.string().describe("Who or what the key is for"),
  scopes: z.array(ScopeSchema),
  createdAt: z.iso.datetime(),
};

export const ApiKeySchema = z
  .object({
    ...apiKeyFields,
    revokedAt: z.iso.datetime().nullable().describe("When the key was revoked; null while it is live"),
    lastUsedAt: z.iso.datetime().nullable().describe("Last authenticated request, to the minute; null if never used"),
  })
  .meta({ id: "ApiKey", description: "An API key, without its secret (only a hash of it is kept)" });

export const ApiKeyCreatedSchema = z
  .object({
    ...apiKeyFields,
    key: z
      .string()
      .describe("The key, `wf_<id>_<secret>`, for `Authorization: Bearer <key>`. Shown only in this response: store it now."),
  })
  .meta({ id: "ApiKeyCreated", description: "A new API key, with the key itself, shown this once" });

export const ApiKeyListSchema = listResponse(ApiKeySchema, "ApiKeyList");

export const CreateApiKeyBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).describe("Who or what the key is for, e.g. `newsdesk`"),
    scopes: z.array(ScopeSchema).min(1).max(SCOPES.length),
  })
  .meta({ id: "CreateApiKey" });

export const ApiKeyListQuerySchema = z.strictObject({});
export const ApiKeyParamsSchema = IdParamsSchema;

export type ApiKey = z.infer<typeof ApiKeySchema>;
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedSchema>;
