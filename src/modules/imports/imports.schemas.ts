import { z } from "zod";

const id = z.string().trim().min(1).max(200).regex(/^[^\s\u0000]+$/, "Ids have no spaces or NUL bytes");
const text = (max: number) => z.string().trim().min(1).max(max).refine((value) => !value.includes("\u0000"), "NUL bytes are not allowed");

export const AirAttackImportQuerySchema = z.strictObject({
  sourceId: id.describe("The source the rows become claims of: made on the first import, replaced on the next"),
  attribution: text(300).describe("Who the tallies are credited to; the source's publisher"),
  licence: text(1000).describe("The dataset's licence, as its publisher states it"),
  title: text(1000).optional(),
  url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  publishedOn: z.iso.date().optional().describe("The day of the copy imported; today when left out"),
  reporterId: id.optional().describe("The actor the figures come from; `ukrainian-air-force` when left out"),
});

const RowProblemSchema = z.object({ line: z.number().int(), reason: z.string() }).meta({ id: "ImportRowProblem" });

export const AirAttackImportSummarySchema = z
  .object({
    sourceId: z.string(),
    unchanged: z.boolean().describe("True when this very file was imported before: nothing was written"),
    rowsRead: z.number().int(),
    rowsImported: z.number().int(),
    eventsCreated: z.number().int(),
    matched: z.array(z.object({ line: z.number().int(), eventId: z.string(), rule: z.string() }))
      .describe("Rows whose claims went to an event already known from another source, beside that source's figures"),
    claims: z.object({ added: z.number().int(), removed: z.number().int() }).describe("This source's claims written, and its earlier ones replaced"),
    placesCreated: z.array(z.string()).describe("Place actors made for target names no actor had"),
    weapons: z.object({ read: z.number().int(), rejected: z.array(RowProblemSchema) }),
    rejected: z.array(RowProblemSchema).describe("Rows not imported, by line, with why; nothing is dropped silently"),
    flagged: z.array(z.object({ line: z.number().int(), message: z.string() }))
      .describe("Rows imported as reported whose figures look wrong (destroyed > launched) or whose weapon is not in the reference"),
    changes: z.object({ create: z.number().int(), update: z.number().int(), delete: z.number().int(), restore: z.number().int() })
      .describe("Facts whose rendering changed, by kind of change (see /v1/changes)"),
    durationMs: z.number().int(),
    rowsPerSecond: z.number().int(),
  })
  .meta({ id: "AirAttackImportSummary" });

export const WeaponImportSummarySchema = z
  .object({
    read: z.number().int(),
    rejected: z.array(RowProblemSchema),
    eventsUpdated: z.number().int().describe("Attack events whose `weaponModels` changed"),
  })
  .meta({ id: "WeaponImportSummary" });
