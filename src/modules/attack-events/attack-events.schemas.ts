import { z } from "zod";
import {
  ActorStubSchema,
  actorRefs,
  commonListQuery,
  dateRangeInOrder,
  dateRangeQuery,
  INT4_MAX,
  integerQuery,
  backingFields,
  EvidenceSchema,
  ReportedActorSchema,
  ReportedActorsSchema,
  ReportedNumberSchema,
  ReportedTextSchema,
  ReportedTimeSchema,
  repeatable,
  resourceResponses,
} from "../common/common.schemas.ts";
import { fieldNames, fieldsQuery, includeQuery } from "../../lib/shape.ts";
import { ActorSchema } from "../actors/actors.schemas.ts";
import { SourceSummarySchema } from "../sources/sources.schemas.ts";

// `air_attack`: drones or missiles, where the source does not tell which (a tally row whose weapon is not in the reference).
export const attackKindValues = ["drone_attack", "missile_attack", "air_attack", "shelling", "ground_fighting"] as const;
export const WeaponModelSchema = z
  .object({
    model: z.string().describe("The model as the air-attack tallies name it (`Shahed-136/131`)"),
    category: z.string().nullable(),
    type: z.string().nullable(),
    nationalOrigin: z.string().nullable(),
    launchPlatform: z.string().nullable(),
    name: z.string().nullable(),
    nameNato: z.string().nullable(),
    guidanceSystem: z.string().nullable(),
  })
  .meta({ id: "WeaponModel", description: "An entry of the weapons reference imported with the air-attack tallies" });

export const impactKindValues = ["power_outage", "destruction", "casualties"] as const;

export const AttackImpactSchema = z
  .object({
    id: z.string(),
    kind: z.enum(impactKindValues),
    description: z.string(),
    place: ActorStubSchema.nullable(),
    peopleAffected: ReportedNumberSchema.nullable(),
    recoveryEstimate: ReportedTextSchema.nullable().describe("How long recovery takes, in the sources' words (\"several days\")"),
    reportedBy: ActorStubSchema.nullable().describe("Who the first source attributes the impact to"),
    sourceCount: backingFields.sourceCount,
    evidence: z.array(EvidenceSchema),
  })
  .meta({ id: "AttackImpact", description: "What an attack did: outages, destruction, casualties" });

export const AttackEventSchema = z
  .object({
    id: z.string(),
    kind: z.enum(attackKindValues),
    description: z.string(),
    occurred: ReportedTimeSchema,
    attacker: ReportedActorSchema.nullable().describe("Null where no source says who attacked"),
    weapon: ReportedTextSchema.nullable().describe("The weapon as the sources describe it"),
    launched: ReportedNumberSchema.nullable(),
    intercepted: ReportedNumberSchema.nullable(),
    notReached: ReportedNumberSchema.nullable().describe("Launched but neither shot down nor on target (lost to electronic warfare), where a source counts them"),
    weaponModels: z.array(WeaponModelSchema).describe("The weapons reference's entries for the models the sources name"),
    countsReportedBy: ActorStubSchema.nullable().describe("Who reported the launched (or intercepted) figure shown as `value`"),
    casualties: z
      .object({
        killed: ReportedNumberSchema.nullable(),
        injured: ReportedNumberSchema.nullable(),
        wording: z.string().nullable().describe("The source's words where it gives no number (\"deadly\")"),
      })
      .meta({ id: "Casualties" }),
    places: ReportedActorsSchema,
    impacts: z.array(AttackImpactSchema),
    ...backingFields,
    evidence: z.array(EvidenceSchema),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "AttackEvent", description: "An attack: when, where, by whom, with what, and what it did" });

export const attackEventRelations = ["attacker", "places", "countsReportedBy", "impacts", "sources"] as const;

export const AttackEventIncludedSchema = z
  .object({ actors: z.array(ActorSchema).optional(), sources: z.array(SourceSummarySchema).optional() })
  .meta({ id: "AttackEventIncluded" });

const attackEventResponses = resourceResponses(AttackEventSchema, "AttackEvent", AttackEventIncludedSchema);
export const AttackEventListSchema = attackEventResponses.list;
export const AttackEventDetailSchema = attackEventResponses.detail;

export const AttackEventShapeQuerySchema = z.strictObject({
  fields: fieldsQuery(fieldNames(AttackEventSchema)),
  include: includeQuery(attackEventRelations),
});

const boundingBox = z
  .string()
  .transform((value, context) => {
    const numbers = value.split(",").map((part) => (part.trim() === "" ? Number.NaN : Number(part)));
    const [west, south, east, north] = numbers;
    const valid =
      numbers.length === 4 &&
      numbers.every(Number.isFinite) &&
      west! >= -180 && east! <= 180 && south! >= -90 && north! <= 90 && west! <= east! && south! <= north!;
    if (!valid) {
      context.addIssue({ code: "custom", message: "Expected west,south,east,north in degrees (WGS 84), west <= east, south <= north" });
      return z.NEVER;
    }
    return { west: west!, south: south!, east: east!, north: north! };
  })
  .optional()
  .describe("`west,south,east,north` (WGS 84 degrees): events with a place inside the box; places without coordinates never match");

/** The list's parameters, each checked on its own; stats take some of them (zod cannot `omit` from a refined object). */
export const AttackEventListQueryFields = z.strictObject({
  ...commonListQuery,
  fields: fieldsQuery(fieldNames(AttackEventSchema)),
  include: includeQuery(attackEventRelations),
  ...dateRangeQuery,
  actor: actorRefs.describe("Events involving this actor as attacker, place, reporter; repeat for OR"),
  attacker: actorRefs.describe("Events by this attacker; repeat for OR"),
  place: actorRefs.describe("Events in this place or in places inside it (a region finds its cities); repeat for OR"),
  kind: repeatable(z.enum(attackKindValues)).describe("Event kind; repeat for OR"),
  weapon: z.string().trim().min(1).max(200).optional().describe("Words in the weapon as described, case-insensitive (`drone`)"),
  minLaunched: integerQuery({ min: 0, max: INT4_MAX }).optional().describe("Events with at least this many weapons launched (the resolved figure)"),
  bbox: boundingBox,
});

export const AttackEventListQuerySchema = AttackEventListQueryFields.superRefine(dateRangeInOrder);

export type BoundingBox = { west: number; south: number; east: number; north: number };

export type AttackEvent = z.infer<typeof AttackEventSchema>;

/** CSV export: one row per attack event; `[]` columns join their values with "; ". */
export const ATTACK_EVENT_CSV_COLUMNS = [
  "id", "kind", "description", "occurred.date", "occurred.precision", "occurred.wording", "attacker.value.id", "attacker.value.name",
  "weapon.value", "launched.value", "launched.qualifier", "launched.low", "launched.high", "launched.disputed",
  "intercepted.value", "intercepted.qualifier", "intercepted.low", "intercepted.high", "intercepted.disputed", "countsReportedBy.name",
  "casualties.killed.value", "casualties.injured.value", "casualties.wording", "places.value[].id", "places.value[].name",
  "impacts[].kind", "impacts[].description", "impacts[].peopleAffected.value", "impacts[].peopleAffected.qualifier",
  "sourceCount", "disputed", "evidence[].sourceId", "evidence[].excerpt", "createdAt", "updatedAt",
] as const;
