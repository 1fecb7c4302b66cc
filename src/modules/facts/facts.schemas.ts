import { z } from "zod";
import { actorTypeValues, precisionValues, qualifierValues } from "../common/common.schemas.ts";
import { ExcerptInputSchema } from "../sources/bundle.schemas.ts";

// Writes shared by the four fact resources: editing descriptive fields, claims, history.

const id = z.string().trim().min(1).max(200).regex(/^[^\s\u0000]+$/, "Ids have no spaces or NUL bytes");
const words = (max: number) => z.string().trim().min(1).max(max).refine((value) => !value.includes("\u0000"), "NUL bytes are not allowed");

export const SourceRefSchema = {
  sourceId: id.describe("The source these claims come from; its text must contain every excerpt"),
};

export const ActorPatchSchema = z
  .strictObject({
    type: z.enum(actorTypeValues).optional(),
    name: words(300).optional(),
    placeKind: z.enum(["city", "region", "continent"]).nullable().optional(),
    countryId: id.nullable().optional(),
    parentId: id.nullable().optional(),
    wikidataId: z.string().regex(/^Q[1-9][0-9]*$/, "A Wikidata item id such as Q212").nullable().optional(),
    coordinates: z.strictObject({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).nullable().optional(),
  })
  .meta({ id: "ActorPatch", description: "Descriptive fields to change; left-out fields keep their value, null clears one" });

export const StatementPatchSchema = z
  .strictObject({
    speakerId: id.optional(),
    kind: z.enum(["accusation", "admission", "announcement", "assessment", "call", "claim", "concern", "denial", "rebuttal", "warning"]).optional(),
    quoteType: z.enum(["verbatim", "partial_quote", "paraphrase"]).optional(),
    text: words(5000).optional(),
    medium: words(300).nullable().optional(),
  })
  .meta({ id: "StatementPatch", description: "Descriptive fields to change; left-out fields keep their value, null clears one" });

export const SanctionPatchSchema = z
  .strictObject({
    authorityId: id.optional(),
    measure: words(300).optional(),
    programme: words(300).nullable().optional(),
    reason: words(2000).optional(),
    status: z.enum(["announced", "in_force", "lifted"]).optional(),
  })
  .meta({ id: "SanctionPatch", description: "Descriptive fields to change; left-out fields keep their value, null clears one" });

export const AttackEventPatchSchema = z
  .strictObject({
    kind: z.enum(["drone_attack", "missile_attack", "air_attack", "shelling", "ground_fighting"]).optional(),
    description: words(2000).optional(),
    casualtyWording: words(300).nullable().optional(),
  })
  .meta({ id: "AttackEventPatch", description: "Descriptive fields to change; left-out fields keep their value, null clears one" });

const upper = (value: unknown) => (typeof value === "string" ? value.toUpperCase() : value);

/** A patch body as the columns it changes (enums upper-cased as the database keeps them). */
export function patchColumns(patch: Record<string, unknown>): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  const names: Record<string, [string, (value: unknown) => unknown]> = {
    type: ["type", upper], name: ["name", (value) => value], placeKind: ["place_kind", upper], countryId: ["country_id", (value) => value],
    parentId: ["parent_id", (value) => value], wikidataId: ["wikidata_id", (value) => value], speakerId: ["speaker_id", (value) => value],
    kind: ["kind", upper], quoteType: ["quote_type", upper], text: ["text", (value) => value], medium: ["medium", (value) => value],
    authorityId: ["authority_id", (value) => value], measure: ["measure", (value) => value], programme: ["programme", (value) => value],
    reason: ["reason", (value) => value], status: ["status", upper], description: ["description", (value) => value],
    casualtyWording: ["casualty_wording", (value) => value],
  };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (field === "coordinates") {
      const coordinates = value as { latitude: number; longitude: number } | null;
      columns.latitude = coordinates?.latitude ?? null;
      columns.longitude = coordinates?.longitude ?? null;
      continue;
    }
    const [column, convert] = names[field]!;
    columns[column] = convert(value);
  }
  return columns;
}

export const claimFieldValues = [
  "fact", "alias", "said", "about", "respondsTo", "announced", "target", "count", "occurred", "attacker", "weapon",
  "launched", "intercepted", "killed", "injured", "place", "peopleAffected", "recoveryEstimate",
] as const;
export type ClaimField = (typeof claimFieldValues)[number];

export const ClaimInputSchema = z
  .strictObject({
    ...SourceRefSchema,
    field: z.enum(claimFieldValues).describe(
      "What the claim is about. Actors: fact, alias. Statements: fact, said, about, respondsTo. Sanctions: fact, announced, target, about; " +
        "with `targetGroupId`: fact, count. Attack events: fact, occurred, attacker, weapon, launched, intercepted, killed, injured, place; " +
        "with `impactId`: fact, peopleAffected, recoveryEstimate.",
    ),
    impactId: id.optional().describe("Claim about one of the attack event's impacts"),
    targetGroupId: id.optional().describe("Claim about one of the sanction's target groups"),
    number: z
      .strictObject({
        value: z.number().int().min(0).max(2_147_483_647),
        qualifier: z.enum(qualifierValues).optional(),
        low: z.number().int().min(0).max(2_147_483_647).optional(),
        high: z.number().int().min(0).max(2_147_483_647).optional(),
      })
      .optional()
      .describe("For launched, intercepted, killed, injured, peopleAffected, count"),
    time: z
      .strictObject({ date: z.iso.date().optional(), precision: z.enum(precisionValues).optional(), wording: words(300).optional() })
      .optional()
      .describe("For said, announced, occurred"),
    text: words(500).optional().describe("For weapon, recoveryEstimate, alias"),
    actorId: id.optional().describe("For attacker, place, about, target"),
    statementId: id.optional().describe("For respondsTo"),
    reportedBy: id.optional().describe("Who the source attributes the claim to"),
    evidence: z.array(ExcerptInputSchema).min(1).max(50).describe("Verbatim excerpts of the source backing the claim"),
  })
  .meta({ id: "NewClaim", description: "One source's claim about one field of a fact" });

export type ClaimInput = z.output<typeof ClaimInputSchema>;

export const ClaimPatchSchema = z
  .strictObject({
    preferred: z.boolean().optional().describe("`true`: this claim's value becomes the field's (other claims on the field lose the mark)"),
    reportedBy: id.nullable().optional(),
  })
  .meta({ id: "ClaimPatch" });

export const ClaimEvidenceInputSchema = z
  .union([
    z.strictObject({ text: words(5000), occurrence: z.number().int().min(1).max(10_000).optional() }),
    z.strictObject({ start: z.number().int().min(0).max(10_000_000), end: z.number().int().min(1).max(10_000_000) })
      .refine((span) => span.start < span.end, { message: "start must be before end", path: ["end"] }),
  ])
  .meta({ id: "NewClaimEvidence", description: "An excerpt by its text (the server finds it), or by its offsets in code points" });

export const ClaimRecordSchema = z
  .object({
    id: z.number().int(),
    subject: z.object({ kind: z.string(), id: z.string() }).describe("The fact (or impact, or target group) the claim is about"),
    field: z.enum(claimFieldValues),
    key: z.string(),
    origin: z.enum(["bundle", "api"]).describe("`bundle`: replaced when its source's bundle is put again; `api`: an editor's"),
    sourceId: z.string(),
    reportedById: z.string().nullable(),
    preferred: z.boolean(),
    number: z.object({ value: z.number(), qualifier: z.string(), low: z.number().nullable(), high: z.number().nullable() }).nullable(),
    time: z.object({ date: z.string().nullable(), precision: z.string().nullable(), wording: z.string().nullable() }).nullable(),
    text: z.string().nullable(),
    actorId: z.string().nullable(),
    statementId: z.string().nullable(),
    evidence: z.array(z.object({ id: z.number().int(), sourceId: z.string(), excerpt: z.string(), start: z.number().int(), end: z.number().int() })),
  })
  .meta({ id: "Claim", description: "What one source says about one field of one fact" });

export const RevisionListSchema = z
  .object({
    data: z.array(
      z.object({
        version: z.number().int(),
        action: z.enum(["create", "update", "delete", "restore", "merge"]),
        changed: z.array(z.string()).describe("Top-level fields whose value changed"),
        apiKey: z.object({ id: z.string(), name: z.string() }).nullable().describe("The key that made the change; null for the curated seed"),
        sourceId: z.string().nullable().describe("The source whose bundle made the change, if one did"),
        createdAt: z.iso.datetime(),
      }).meta({ id: "Revision" }),
    ),
  })
  .meta({ id: "RevisionList", description: "Every change to a fact, oldest first" });

export const MergeInputSchema = z
  .strictObject({ duplicateId: id.describe("The actor to fold into this one; its id then answers 308 here") })
  .meta({ id: "ActorMerge" });

export const IfMatchHeaderSchema = z.object({
  "if-match": z.string().max(1000).optional().describe("The ETag of the version you read: 412 if the fact changed since"),
});
