import { z } from "zod";
import { actorTypeValues, precisionValues, qualifierValues } from "../common/common.schemas.ts";

// What one source says, as editors send it (`PUT /v1/sources/{id}/bundle`, `npm run ingest`) and as
// the curated seed is written. Every excerpt is quoted verbatim from the source's text; the server
// finds its offsets. Ids are the facts' public ids: a bundle naming an existing fact adds this
// source's claims to it, beside what other sources said.

const id = z.string().trim().min(1).max(200).regex(/^[^\s\u0000]+$/, "Ids have no spaces or NUL bytes");
const text = (max: number) => z.string().trim().min(1).max(max).refine((value) => !value.includes("\u0000"), "NUL bytes are not allowed");
const isoDate = z.iso.date();

export const ExcerptInputSchema = z
  .union([
    text(5000),
    z.strictObject({
      text: text(5000),
      occurrence: z.number().int().min(1).max(10_000).optional().describe("Which occurrence (1-based) when the text contains the excerpt more than once"),
    }),
  ])
  .meta({ id: "BundleExcerpt", description: "A verbatim excerpt of the source; the server finds its offsets" });

const evidence = z.array(ExcerptInputSchema).max(50);
const reportedBy = id.optional().describe("The actor the source attributes this to (\"Ukrainian Air Force\")");

export const TimeInputSchema = z
  .strictObject({
    date: isoDate.optional().describe("As precise as the source; relative dates resolved against its publication date"),
    precision: z.enum(precisionValues).optional(),
    wording: text(300).optional().describe("The source's own words (\"early Saturday\")"),
    reportedBy,
    evidence: evidence.optional(),
  })
  .refine((time) => time.date !== undefined || time.wording !== undefined, "Give a date, a wording, or both")
  .meta({ id: "BundleTime" });

export const NumberInputSchema = z
  .strictObject({
    value: z.number().int().min(0).max(2_147_483_647),
    qualifier: z.enum(qualifierValues).optional().describe("Default `exact`"),
    low: z.number().int().min(0).max(2_147_483_647).optional().describe("Lower end where the source gives a range"),
    high: z.number().int().min(0).max(2_147_483_647).optional().describe("Upper end where the source gives a range"),
    reportedBy,
    evidence,
  })
  .refine((number) => number.low === undefined || number.low <= number.value, { message: "low must not exceed value", path: ["low"] })
  .refine((number) => number.high === undefined || number.high >= number.value, { message: "high must not be below value", path: ["high"] })
  .meta({ id: "BundleNumber", description: "A number as the source reports it" });

export const TextInputSchema = z
  .union([text(500), z.strictObject({ value: text(500), reportedBy, evidence: evidence.optional() })])
  .meta({ id: "BundleText", description: "A value in the source's words, with its excerpts" });

export const ActorRefInputSchema = z
  .union([id, z.strictObject({ id, reportedBy, evidence: evidence.optional() })])
  .meta({ id: "BundleActorRef", description: "An actor id, or an actor id with the excerpts that name it" });

export const ActorInputSchema = z
  .strictObject({
    id,
    type: z.enum(actorTypeValues),
    name: text(300),
    aliases: z.array(text(300)).max(50).optional(),
    placeKind: z.enum(["city", "region", "continent"]).optional(),
    countryId: id.optional(),
    parentId: id.optional(),
    wikidataId: z.string().regex(/^Q[1-9][0-9]*$/, "A Wikidata item id such as Q212").optional(),
    coordinates: z.strictObject({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).optional()
      .describe("Reference coordinates (WGS 84) of a place, for maps; not a fact of the source"),
    roles: z.array(z.strictObject({ id, title: text(300), organisationId: id.optional(), evidence })).max(50).optional(),
    descriptions: z.array(z.strictObject({ id, text: text(1000), evidence })).max(50).optional(),
    reportedBy,
    evidence,
  })
  .meta({ id: "BundleActor" });

export const StatementInputSchema = z
  .strictObject({
    id,
    speakerId: id,
    kind: z.enum(["accusation", "admission", "announcement", "assessment", "call", "claim", "concern", "denial", "rebuttal", "warning"]),
    quoteType: z.enum(["verbatim", "partial_quote", "paraphrase"]),
    text: text(5000),
    said: TimeInputSchema.optional(),
    medium: text(300).optional(),
    about: z.array(id).max(50).default([]),
    respondsTo: z.array(id).max(50).optional(),
    reportedBy,
    evidence,
  })
  .meta({ id: "BundleStatement" });

export const SanctionInputSchema = z
  .strictObject({
    id,
    authorityId: id,
    measure: text(300),
    programme: text(300).optional(),
    reason: text(2000),
    status: z.enum(["announced", "in_force", "lifted"]),
    announced: TimeInputSchema.optional(),
    targets: z.array(id).max(200).default([]),
    targetGroups: z
      .array(
        z.strictObject({
          id,
          kind: z.enum(["individual", "company", "institution"]),
          count: NumberInputSchema,
          description: text(500),
          reportedBy,
          evidence,
        }),
      )
      .max(50)
      .default([]),
    about: z.array(id).max(50).default([]),
    reportedBy,
    evidence,
  })
  .meta({ id: "BundleSanction" });

export const AttackEventInputSchema = z
  .strictObject({
    id,
    kind: z.enum(["drone_attack", "missile_attack", "air_attack", "shelling", "ground_fighting"]),
    description: text(2000),
    occurred: TimeInputSchema.optional(),
    attacker: ActorRefInputSchema.optional().describe("Left out where the source does not say who attacked"),
    weapon: TextInputSchema.optional(),
    launched: NumberInputSchema.optional(),
    intercepted: NumberInputSchema.optional(),
    notReached: NumberInputSchema.optional().describe("Launched but neither shot down nor on target"),
    killed: NumberInputSchema.optional(),
    injured: NumberInputSchema.optional(),
    casualtyWording: text(300).optional().describe("The source's words where it gives no number (\"deadly\")"),
    places: z.array(ActorRefInputSchema).max(100).default([]),
    impacts: z
      .array(
        z.strictObject({
          id,
          kind: z.enum(["power_outage", "destruction", "casualties"]),
          description: text(2000),
          placeId: id.optional(),
          peopleAffected: NumberInputSchema.optional(),
          recoveryEstimate: TextInputSchema.optional().describe("How long recovery takes, in the source's words"),
          reportedBy,
          evidence,
        }),
      )
      .max(50)
      .default([]),
    reportedBy: reportedBy.describe("Who the source attributes the event's figures to, unless a figure names its own"),
    evidence,
  })
  .meta({ id: "BundleAttackEvent" });

export const BundleSchema = z
  .strictObject({
    actors: z.array(ActorInputSchema).max(5000).default([]),
    statements: z.array(StatementInputSchema).max(5000).default([]),
    sanctions: z.array(SanctionInputSchema).max(5000).default([]),
    attackEvents: z.array(AttackEventInputSchema).max(5000).default([]),
  })
  .meta({
    id: "Bundle",
    description:
      "Every fact one source reports. Putting a bundle replaces what this source said before, and only that: " +
      "facts left out lose this source's claims (and are tombstoned when no source backs them any more); other " +
      "sources' claims are never touched. Putting the same bundle again changes nothing.",
  });

export const SourceInputSchema = z
  .strictObject({
    id: id.optional().describe("Leave out to have one made from the publisher and date"),
    publisher: text(300),
    title: text(1000),
    authors: z.array(text(300)).max(50).default([]),
    url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    publishedOn: isoDate,
    language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "A language tag such as en"),
    translationNote: text(1000).optional(),
    licence: text(1000).optional(),
    text: z.string().min(1).max(2_000_000).refine((value) => !value.includes("\u0000"), "NUL bytes are not allowed")
      .describe("The full text that excerpts are verified against; stored, never republished"),
  })
  .meta({ id: "NewSource" });

export type Bundle = z.output<typeof BundleSchema>;
export type BundleInput = z.input<typeof BundleSchema>;
export type ExcerptInput = z.output<typeof ExcerptInputSchema>;
export type TimeInput = z.output<typeof TimeInputSchema>;
export type NumberInput = z.output<typeof NumberInputSchema>;
export type TextInput = z.output<typeof TextInputSchema>;
export type ActorRefInput = z.output<typeof ActorRefInputSchema>;
export type ActorInput = z.output<typeof ActorInputSchema>;
export type StatementInput = z.output<typeof StatementInputSchema>;
export type SanctionInput = z.output<typeof SanctionInputSchema>;
export type AttackEventInput = z.output<typeof AttackEventInputSchema>;
export type SourceInput = z.output<typeof SourceInputSchema>;
