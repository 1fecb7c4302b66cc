import { z } from "zod";
import {
  ActorStubSchema,
  actorRefs,
  dateRangeQuery,
  EvidenceSchema,
  FactTimeSchema,
  listResponse,
  paginationQuery,
  ReportedNumberSchema,
  repeatable,
} from "../common/common.schemas.ts";

export const attackKindValues = ["drone_attack", "missile_attack", "shelling", "ground_fighting"] as const;
export const impactKindValues = ["power_outage", "destruction", "casualties"] as const;

export const AttackImpactSchema = z
  .object({
    id: z.string(),
    kind: z.enum(impactKindValues),
    description: z.string(),
    place: ActorStubSchema.nullable(),
    peopleAffected: ReportedNumberSchema.nullable(),
    recoveryEstimate: z.string().nullable().describe("How long recovery takes, in the source's words (\"several days\")"),
    reportedBy: ActorStubSchema.nullable(),
    evidence: z.array(EvidenceSchema),
  })
  .meta({ id: "AttackImpact", description: "What an attack did: outages, destruction, casualties" });

export const AttackEventSchema = z
  .object({
    id: z.string(),
    kind: z.enum(attackKindValues),
    description: z.string(),
    occurred: FactTimeSchema,
    attacker: ActorStubSchema.nullable().describe("Null where the source does not say who attacked"),
    weapon: z.string().nullable().describe("The weapon as the source describes it"),
    launched: ReportedNumberSchema.nullable(),
    intercepted: ReportedNumberSchema.nullable(),
    countsReportedBy: ActorStubSchema.nullable().describe("Who reported the launched and intercepted numbers"),
    casualties: z
      .object({
        killed: ReportedNumberSchema.nullable(),
        injured: ReportedNumberSchema.nullable(),
        wording: z.string().nullable().describe("The source's words where it gives no number (\"deadly\")"),
      })
      .meta({ id: "Casualties" }),
    places: z.array(ActorStubSchema),
    impacts: z.array(AttackImpactSchema),
    evidence: z.array(EvidenceSchema),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "AttackEvent", description: "An attack: when, where, by whom, with what, and what it did" });

export const AttackEventListSchema = listResponse(AttackEventSchema, "AttackEventList");

export const AttackEventListQuerySchema = z.strictObject({
  ...paginationQuery,
  ...dateRangeQuery,
  actor: actorRefs.describe("Events involving this actor as attacker, place, reporter; repeat for OR"),
  attacker: actorRefs.describe("Events by this attacker; repeat for OR"),
  place: actorRefs.describe("Events in this place; repeat for OR"),
  kind: repeatable(z.enum(attackKindValues)).describe("Event kind; repeat for OR"),
});

export type AttackEvent = z.infer<typeof AttackEventSchema>;
