import { z } from "zod";
import { dateRangeInOrder } from "../common/common.schemas.ts";
import { AttackEventListQueryFields } from "./attack-events.schemas.ts";

export const attackEventPeriodValues = ["day", "week", "month"] as const;
export type AttackEventPeriod = (typeof attackEventPeriodValues)[number];

// The list's filters (not its paging, count or fields), so that stats count what the list returns.
export const AttackEventStatsQuerySchema = z
  .strictObject({
    ...AttackEventListQueryFields.omit({ limit: true, cursor: true, count: true, fields: true, include: true }).shape,
    groupBy: z
      .enum(attackEventPeriodValues)
      .describe("Bucket events by `day`, ISO `week` (Monday to Sunday) or calendar `month` of their date"),
  })
  .superRefine(dateRangeInOrder);

export const AttackEventStatsBucketSchema = z
  .object({
    period: z.string().describe("`2022-12-10` (day), `2022-W49` (ISO week), `2022-12` (month)"),
    from: z.iso.date().describe("The bucket's first day"),
    to: z.iso.date().describe("The bucket's last day"),
    events: z.number().int().describe("Events dated in the bucket"),
    launched: z.number().int().nullable().describe("Weapons launched, summed over the events that report a number; null when none does"),
    intercepted: z
      .number()
      .int()
      .nullable()
      .describe("Weapons intercepted, summed over the events that report a number; null when none does"),
    eventsWithCounts: z.number().int().describe("Events that report both launched and intercepted"),
    interceptionRate: z
      .number()
      .nullable()
      .describe("Intercepted / launched, both summed over `eventsWithCounts` events only; null when they launched nothing"),
  })
  .meta({ id: "AttackEventStatsBucket", description: "Attack events of one day, week or month" });

export const AttackEventStatsSchema = z
  .object({
    groupBy: z.enum(attackEventPeriodValues),
    data: z.array(AttackEventStatsBucketSchema).describe("Buckets with events, in date order"),
    undated: z
      .object({ events: z.number().int().describe("Events matching the filters that the source does not date") })
      .describe("Undated events are in no bucket; their counts are not added to any"),
  })
  .meta({ id: "AttackEventStats", description: "Attack events and their launched and intercepted counts by period" });

export type AttackEventStatsBucket = z.infer<typeof AttackEventStatsBucketSchema>;
export type AttackEventStats = z.infer<typeof AttackEventStatsSchema>;

export type AttackEventStatsQuery = z.infer<typeof AttackEventStatsQuerySchema>;
