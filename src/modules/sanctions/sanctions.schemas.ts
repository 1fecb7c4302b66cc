import { z } from "zod";
import {
  ActorStubSchema,
  actorRefs,
  commonListQuery,
  dateRangeInOrder,
  dateRangeQuery,
  backingFields,
  EvidenceSchema,
  ReportedNumberSchema,
  ReportedTimeSchema,
  repeatable,
  resourceResponses,
} from "../common/common.schemas.ts";
import { fieldNames, fieldsQuery, includeQuery } from "../../lib/shape.ts";
import { ActorSchema } from "../actors/actors.schemas.ts";
import { SourceSummarySchema } from "../sources/sources.schemas.ts";

export const sanctionStatusValues = ["announced", "in_force", "lifted"] as const;
export const targetKindValues = ["individual", "company", "institution"] as const;

export const SanctionTargetGroupSchema = z
  .object({
    id: z.string(),
    kind: z.enum(targetKindValues),
    count: ReportedNumberSchema.nullable(),
    description: z.string().describe("The source's words for the group (\"Iranians\")"),
    sourceCount: backingFields.sourceCount,
    evidence: z.array(EvidenceSchema),
  })
  .meta({ id: "SanctionTargetGroup", description: "Targets a source counts without naming them all" });

export const SanctionSchema = z
  .object({
    id: z.string(),
    authority: ActorStubSchema.describe("Who imposed the measure"),
    measure: z.string().describe("The measure in the source's words (\"sanctions\")"),
    programme: z.string().nullable(),
    reason: z.string(),
    status: z.enum(sanctionStatusValues),
    announced: ReportedTimeSchema,
    targets: z.array(ActorStubSchema).describe("Targets the source names"),
    targetGroups: z.array(SanctionTargetGroupSchema).describe("Counts of targets by kind; named targets are counted too"),
    about: z.array(ActorStubSchema).describe("Actors the sanction concerns without being targets"),
    ...backingFields,
    evidence: z.array(EvidenceSchema),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Sanction", description: "Who imposed what on whom, and why" });

export const sanctionRelations = ["authority", "targets", "about", "sources"] as const;

export const SanctionIncludedSchema = z
  .object({ actors: z.array(ActorSchema).optional(), sources: z.array(SourceSummarySchema).optional() })
  .meta({ id: "SanctionIncluded" });

const sanctionResponses = resourceResponses(SanctionSchema, "Sanction", SanctionIncludedSchema);
export const SanctionListSchema = sanctionResponses.list;
export const SanctionDetailSchema = sanctionResponses.detail;

export const SanctionShapeQuerySchema = z.strictObject({
  fields: fieldsQuery(fieldNames(SanctionSchema)),
  include: includeQuery(sanctionRelations),
});

export const SanctionListQuerySchema = z.strictObject({
  ...commonListQuery,
  fields: fieldsQuery(fieldNames(SanctionSchema)),
  include: includeQuery(sanctionRelations),
  ...dateRangeQuery,
  actor: actorRefs.describe("Sanctions imposed by, targeting or about this actor; repeat for OR"),
  authority: actorRefs.describe("Sanctions imposed by this actor; repeat for OR"),
  target: actorRefs.describe("Sanctions naming this actor as a target; repeat for OR"),
  status: repeatable(z.enum(sanctionStatusValues)).describe("Status; repeat for OR"),
  reason: z.string().trim().min(1).max(200).optional().describe("Words in the reason, case-insensitive (`drones`)"),
}).superRefine(dateRangeInOrder);

export type Sanction = z.infer<typeof SanctionSchema>;

/** CSV export: one row per sanction; `[]` columns join their values with "; ". */
export const SANCTION_CSV_COLUMNS = [
  "id", "authority.id", "authority.name", "measure", "programme", "reason", "status", "announced.date",
  "announced.precision", "announced.wording", "targets[].id", "targets[].name", "targetGroups[].kind",
  "targetGroups[].count.value", "targetGroups[].description", "about[].id", "about[].name", "sourceCount", "disputed", "evidence[].sourceId",
  "evidence[].excerpt", "createdAt", "updatedAt",
] as const;
