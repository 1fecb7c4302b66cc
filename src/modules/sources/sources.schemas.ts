import { z } from "zod";
import { fieldNames, fieldsQuery } from "../../lib/shape.ts";
import { commonListQuery, dateRangeInOrder, dateRangeQuery, listResponse, repeatable, sparseOf } from "../common/common.schemas.ts";

const sourceFields = {
  id: z.string(),
  publisher: z.string(),
  title: z.string(),
  authors: z.array(z.string()),
  url: z.string().nullable(),
  publishedOn: z.iso.date(),
  language: z.string().describe("BCP 47 language tag of the stored text"),
  translationNote: z.string().nullable(),
  licence: z.string().nullable(),
  factCounts: z
    .object({
      actors: z.number().int(),
      statements: z.number().int(),
      sanctions: z.number().int(),
      attackEvents: z.number().int(),
      evidence: z.number().int(),
    })
    .meta({ id: "SourceFactCounts", description: "How many facts of each kind this source backs" }),
  textSha256: z.string().describe("SHA-256 (hex) of the stored text, in UTF-8: check a copy of the article against it"),
  textLength: z.number().int().describe("Length of the stored text in Unicode code points, the unit of evidence offsets"),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
};

export const SourceSummarySchema = z
  .object(sourceFields)
  .meta({ id: "SourceSummary", description: "A source without its text; GET /v1/sources/{id} has the text" });

export const SourceExcerptSchema = z
  .object({ start: z.number().int(), end: z.number().int(), excerpt: z.string() })
  .meta({ id: "SourceExcerpt", description: "A passage of the source that evidence quotes, with its offsets in code points" });

export const SourceSchema = z
  .object({
    ...sourceFields,
    excerpts: z.array(SourceExcerptSchema).describe("Every passage the facts quote, in text order"),
    text: z.string().optional()
      .describe("The full text that evidence offsets point into; only for API keys with the `sources:text` scope (the text is stored to verify excerpts, not republished)"),
  })
  .meta({ id: "Source", description: "A report that facts come from: its metadata, a digest of its text, and the passages facts quote" });

const sparse = (schema: z.ZodObject, id: string) =>
  sparseOf(schema, id, "Only the fields asked for by `fields=`, and the id");

// Full shape first, then the sparse one of `fields=` (see resourceResponses in common.schemas.ts).
export const SourceListSchema = z.union([
  listResponse(SourceSummarySchema, "SourceList"),
  listResponse(sparse(SourceSummarySchema, "SourceSummarySparse"), "SourceSparseList"),
]);
export const SourceDetailSchema = z.union([SourceSchema, sparse(SourceSchema, "SourceSparse")]);
export const SourceShapeQuerySchema = z.strictObject({ fields: fieldsQuery(fieldNames(SourceSchema)) });

const { source: _source, ...sourceListQuery } = commonListQuery;

export const SourceListQuerySchema = z.strictObject({
  fields: fieldsQuery(fieldNames(SourceSummarySchema)),
  ...sourceListQuery,
  ...dateRangeQuery,
  language: repeatable(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a language tag such as en"))
    .describe("Language tag; repeat for OR"),
}).superRefine(dateRangeInOrder);

export type Source = z.infer<typeof SourceSchema>;
export type SourceSummary = z.infer<typeof SourceSummarySchema>;

/** CSV export: one row per source, without its text. */
export const SOURCE_CSV_COLUMNS = [
  "id", "publisher", "title", "authors[]", "url", "publishedOn", "language", "translationNote", "licence",
  "factCounts.actors", "factCounts.statements", "factCounts.sanctions", "factCounts.attackEvents",
  "factCounts.evidence", "createdAt", "updatedAt",
] as const;
