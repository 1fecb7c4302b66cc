import { z } from "zod";
import {
  ActorStubSchema,
  dateRangeInOrder,
  dateRangeQuery,
  FactTimeSchema,
  PageInfoSchema,
  paginationQuery,
  repeatable,
} from "../common/common.schemas.ts";

export const timelineEntryTypeValues = ["statement", "sanction", "attack_event"] as const;

/** The collection under /v1 that serves each entry type: an entry's `link`. */
export const timelineEntryCollections = {
  statement: "statements",
  sanction: "sanctions",
  attack_event: "attack-events",
} as const satisfies Record<(typeof timelineEntryTypeValues)[number], string>;

/** Every way an actor takes part in a fact, in the order an entry's `roles` lists them. */
export const timelineRoleValues = [
  "speaker", "authority", "attacker", "target", "place", "reporter", "impact_place", "impact_reporter", "subject",
] as const;

export const TimelineEntrySchema = z
  .object({
    type: z.enum(timelineEntryTypeValues),
    id: z.string().describe("The fact's id in its own collection"),
    date: FactTimeSchema.describe("When the statement was said, the sanction announced or the attack occurred"),
    title: z
      .string()
      .describe("One line: `<speaker> (<kind>): <text>` for a statement, `<authority>: <measure> — <reason>` for a sanction, the description of an attack event"),
    roles: z
      .array(z.enum(timelineRoleValues))
      .min(1)
      .describe(
        "The actor's parts in the fact: `speaker`, `subject` (statements); `authority`, `target`, `subject` (sanctions); " +
          "`attacker`, `place`, `reporter` (of the launched and intercepted counts), `impact_place`, `impact_reporter` (attack events)",
      ),
    link: z.string().describe("Relative URL of the fact (`/v1/statements/{id}`…)"),
  })
  .meta({ id: "TimelineEntry", description: "One fact an actor made or appears in" });

export const ActorTimelineSchema = z
  .object({
    actor: ActorStubSchema,
    data: z.array(TimelineEntrySchema),
    page: PageInfoSchema,
  })
  .meta({ id: "ActorTimeline", description: "An actor's statements, sanctions and attack events in date order" });

export const ActorTimelineQuerySchema = z.strictObject({
  ...paginationQuery,
  ...dateRangeQuery,
  type: repeatable(z.enum(timelineEntryTypeValues)).describe("Entry type; repeat for OR"),
}).superRefine(dateRangeInOrder);

export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;
export type TimelineEntryType = (typeof timelineEntryTypeValues)[number];
export type ActorStub = z.infer<typeof ActorStubSchema>;
