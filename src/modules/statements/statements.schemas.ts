import { z } from "zod";
import {
  ActorStubSchema,
  actorRefs,
  booleanQuery,
  commonListQuery,
  dateRangeInOrder,
  dateRangeQuery,
  backingFields,
  EvidenceSchema,
  ReportedTimeSchema,
  repeatable,
  resourceResponses,
} from "../common/common.schemas.ts";
import { fieldNames, fieldsQuery, includeQuery } from "../../lib/shape.ts";
import { ActorSchema } from "../actors/actors.schemas.ts";
import { SourceSummarySchema } from "../sources/sources.schemas.ts";

export const statementKindValues = [
  "accusation", "admission", "announcement", "assessment", "call",
  "claim", "concern", "denial", "rebuttal", "warning",
] as const;
export const quoteTypeValues = ["verbatim", "partial_quote", "paraphrase"] as const;

export const StatementSchema = z
  .object({
    id: z.string(),
    speaker: ActorStubSchema,
    kind: z.enum(statementKindValues),
    quoteType: z
      .enum(quoteTypeValues)
      .describe("`verbatim`: the source quotes every word of `text`; `partial_quote`: reported speech with quoted fragments"),
    text: z.string().describe("What was said: the quote itself, or the source's reported speech"),
    said: ReportedTimeSchema.describe("When it was said; all fields null where the source does not say"),
    medium: z.string().nullable().describe("How it was said, in the source's words (\"evening speech\")"),
    about: z.array(ActorStubSchema).describe("The actors the statement is about"),
    respondsTo: z.array(z.string()).describe("Ids of the statements this one answers"),
    respondedBy: z.array(z.string()).describe("Ids of the statements answering this one"),
    ...backingFields,
    evidence: z.array(EvidenceSchema).describe("Every source's excerpts: a quote carried by two outlets is one statement with evidence from both"),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Statement", description: "Who said what and when, quoted or paraphrased, with its excerpts" });

export const statementRelations = ["speaker", "about", "respondsTo", "respondedBy", "sources"] as const;

export const StatementIncludedSchema = z
  .object({
    actors: z.array(ActorSchema).optional(),
    statements: z.array(StatementSchema).optional(),
    sources: z.array(SourceSummarySchema).optional(),
  })
  .meta({ id: "StatementIncluded" });

const statementResponses = resourceResponses(StatementSchema, "Statement", StatementIncludedSchema);
export const StatementListSchema = statementResponses.list;
export const StatementDetailSchema = statementResponses.detail;

export const StatementShapeQuerySchema = z.strictObject({
  fields: fieldsQuery(fieldNames(StatementSchema)),
  include: includeQuery(statementRelations),
});

/** The list's parameters, each checked on its own; stats take some of them (zod cannot `omit` from a refined object). */
export const StatementListQueryFields = z.strictObject({
  ...commonListQuery,
  fields: fieldsQuery(fieldNames(StatementSchema)),
  include: includeQuery(statementRelations),
  ...dateRangeQuery,
  actor: actorRefs.describe("Statements by or about this actor (id, name or alias); repeat for OR"),
  speaker: actorRefs.describe("Statements by this actor; repeat for OR"),
  about: actorRefs.describe("Statements about this actor; repeat for OR"),
  kind: repeatable(z.enum(statementKindValues)).describe("Statement kind; repeat for OR"),
  quoted: booleanQuery.optional().describe("`true`: verbatim quotes only; `false`: paraphrases and partial quotes"),
  respondsTo: repeatable(z.string().min(1).max(200)).describe("Statements answering this statement id; repeat for OR"),
});

export const StatementListQuerySchema = StatementListQueryFields.superRefine(dateRangeInOrder);

export type Statement = z.infer<typeof StatementSchema>;

/** CSV export: one row per statement; `[]` columns join their values with "; ". */
export const STATEMENT_CSV_COLUMNS = [
  "id", "speaker.id", "speaker.name", "kind", "quoteType", "text", "said.date", "said.precision", "said.wording",
  "medium", "about[].id", "about[].name", "respondsTo[]", "respondedBy[]", "sourceCount", "disputed", "evidence[].sourceId", "evidence[].excerpt",
  "createdAt", "updatedAt",
] as const;
