import { z } from "zod";
import { PageInfoSchema } from "../common/common.schemas.ts";

export const changeResourceValues = ["actors", "statements", "sanctions", "attack-events"] as const;

export const ChangeSchema = z
  .object({
    resource: z.enum(changeResourceValues),
    id: z.string(),
    action: z.enum(["create", "update", "delete", "restore", "merge"]),
    version: z.number().int().describe("The fact's version after the change; apply a change only if it is newer than your copy"),
    changedAt: z.iso.datetime(),
    item: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe("The fact as the detail endpoint serves it at this version; null when the change removed it (delete, merge)"),
  })
  .meta({ id: "Change" });

export const ChangeListSchema = z
  .object({
    data: z.array(ChangeSchema),
    page: PageInfoSchema.describe("`nextCursor` is where to resume: always set, poll again with it (as `after`)"),
  })
  .meta({ id: "ChangeList" });

export const ChangeListQuerySchema = z.strictObject({
  after: z.string().min(1).max(200).optional().describe("The `nextCursor` of your last read; leave out to start from the beginning"),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe("Changes per page, 1–1000"),
  resource: z
    .preprocess((value) => (value === undefined || Array.isArray(value) ? value : [value]), z.array(z.enum(changeResourceValues)).min(1).max(4))
    .optional()
    .describe("Only changes of these resources; repeat for OR"),
});

export const ChangeStreamQuerySchema = z.strictObject({
  after: ChangeListQuerySchema.shape.after,
  resource: ChangeListQuerySchema.shape.resource,
});

export type Change = z.infer<typeof ChangeSchema>;
