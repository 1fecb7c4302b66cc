import { z } from "zod";
import { dateRangeInOrder } from "../common/common.schemas.ts";
import { StatementListQueryFields } from "./statements.schemas.ts";

export const statementGroupValues = ["speaker", "kind"] as const;
export type StatementGroup = (typeof statementGroupValues)[number];

// The list's filters (not its paging, count or fields), so that stats count what the list returns.
export const StatementStatsQuerySchema = z
  .strictObject({
    ...StatementListQueryFields.omit({ limit: true, cursor: true, count: true, fields: true, include: true }).shape,
    groupBy: z.enum(statementGroupValues).describe("Count statements by `speaker` or by `kind`"),
  })
  .superRefine(dateRangeInOrder);

export const StatementStatsGroupSchema = z
  .object({
    key: z.string().describe("The speaker's actor id, or the kind"),
    label: z.string().describe("The speaker's name, or the kind"),
    statements: z.number().int().describe("Statements in the group"),
    verbatim: z.number().int().describe("Of which the source quotes every word (`quoteType` `verbatim`)"),
  })
  .meta({ id: "StatementStatsGroup", description: "Statements of one speaker or of one kind" });

export const StatementStatsSchema = z
  .object({
    groupBy: z.enum(statementGroupValues),
    data: z.array(StatementStatsGroupSchema).describe("Groups with statements, most statements first, then by key"),
  })
  .meta({ id: "StatementStats", description: "Statements counted by speaker or by kind" });

export type StatementStatsGroup = z.infer<typeof StatementStatsGroupSchema>;
export type StatementStats = z.infer<typeof StatementStatsSchema>;

export type StatementStatsQuery = z.infer<typeof StatementStatsQuerySchema>;
