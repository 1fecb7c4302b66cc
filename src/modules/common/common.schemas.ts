import { z } from "zod";
import { isIsoDate } from "../../lib/cursor.ts";
import { type Format, formatValues } from "../../lib/formats.ts";

// Shapes shared by every resource. Registered by id, so the OpenAPI document has one component each.

export const precisionValues = ["year", "month", "day", "part_of_day", "minute"] as const;
export const qualifierValues = ["exact", "more_than", "at_least", "less_than", "at_most", "about", "up_to"] as const;
export const actorTypeValues = [
  "person", "state", "organisation", "government_body", "armed_force", "place", "group",
] as const;

export const EvidenceSchema = z
  .object({
    sourceId: z.string(),
    excerpt: z.string().describe("Verbatim text of the source between `start` and `end`"),
    start: z.number().int().describe("Offset of the excerpt's first character, in Unicode code points"),
    end: z.number().int().describe("Offset just after the excerpt's last character"),
    locator: z.string().optional().describe("Where in the source, when the excerpt alone does not say (a tally row's post of the Air Force); absent otherwise"),
    field: z.string().nullable().describe("The field this excerpt backs (e.g. `launched`); null for the whole fact"),
  })
  .meta({ id: "Evidence" });

export const FactTimeSchema = z
  .object({
    date: z.iso.date().nullable().describe("As precise as the source; relative dates resolved against its publication date"),
    precision: z.enum(precisionValues).nullable(),
    wording: z.string().nullable().describe("The source's own words for the time (\"early Saturday\")"),
  })
  .meta({ id: "FactTime", description: "When something happened or was said, with the source's precision" });

export const ActorStubSchema = z
  .object({ id: z.string(), name: z.string(), type: z.enum(actorTypeValues) })
  .meta({ id: "ActorStub" });

// Figures that sources report differently. Every claim-backed field has one shape: the resolved
// value, whether the claims disagree, and the claims themselves, one per source and reporter.
export const RESOLUTION_RULE =
  "`value` is resolved from `claims`: the claim an editor marked `preferred`; otherwise the value the most sources agree on; " +
  "on a tie, the earliest report (the source published first). `disputed` is true when the claims differ.";

export const ClaimEvidenceSchema = z
  .object({
    sourceId: z.string(),
    excerpt: z.string().describe("Verbatim text of the source between `start` and `end`"),
    start: z.number().int().describe("Offset of the excerpt's first character, in Unicode code points"),
    end: z.number().int().describe("Offset just after the excerpt's last character"),
    locator: z.string().optional().describe("Where in the source, when the excerpt alone does not say (a tally row's post of the Air Force); absent otherwise"),
  })
  .meta({ id: "ClaimEvidence" });

const claimFields = {
  id: z.number().int().describe("The claim's id: `PATCH /v1/claims/{id}` marks it preferred"),
  sourceId: z.string(),
  reportedBy: ActorStubSchema.nullable().describe("Who the source attributes the claim to"),
  preferred: z.boolean().describe("An editor chose this claim's value"),
  evidence: z.array(ClaimEvidenceSchema),
};

const numberValue = {
  value: z.number().int(),
  qualifier: z.enum(qualifierValues).describe("`more_than` for \"more than 1.5 million\""),
};

export const NumberClaimSchema = z
  .object({
    ...claimFields,
    ...numberValue,
    low: z.number().int().nullable().describe("Lower end where the source gives a range"),
    high: z.number().int().nullable().describe("Upper end where the source gives a range"),
  })
  .meta({ id: "NumberClaim", description: "One source's figure" });

export const ReportedNumberSchema = z
  .object({
    ...numberValue,
    low: z.number().int().describe("The lowest figure any claim gives"),
    high: z.number().int().describe("The highest figure any claim gives"),
    disputed: z.boolean(),
    claims: z.array(NumberClaimSchema),
  })
  .meta({ id: "ReportedNumber", description: `A number as sources report it. ${RESOLUTION_RULE}` });

const timeValue = {
  date: z.iso.date().nullable().describe("As precise as the source; relative dates resolved against its publication date"),
  precision: z.enum(precisionValues).nullable(),
  wording: z.string().nullable().describe("The source's own words for the time (\"early Saturday\")"),
};

export const TimeClaimSchema = z.object({ ...claimFields, ...timeValue }).meta({ id: "TimeClaim", description: "One source's time" });

export const ReportedTimeSchema = z
  .object({ ...timeValue, disputed: z.boolean(), claims: z.array(TimeClaimSchema) })
  .meta({
    id: "ReportedTime",
    description: `When something happened or was said, with the source's precision; all null where no source says. ${RESOLUTION_RULE} ` +
      "Two claims agree when they give the same date as precisely, whatever their words.",
  });

export const TextClaimSchema = z.object({ ...claimFields, value: z.string() }).meta({ id: "TextClaim" });

export const ReportedTextSchema = z
  .object({ value: z.string(), disputed: z.boolean(), claims: z.array(TextClaimSchema) })
  .meta({ id: "ReportedText", description: `A value in the sources' words. ${RESOLUTION_RULE}` });

export const ActorClaimSchema = z.object({ ...claimFields, value: ActorStubSchema.nullable() }).meta({ id: "ActorClaim" });

export const ReportedActorSchema = z
  .object({ value: ActorStubSchema.nullable(), disputed: z.boolean(), claims: z.array(ActorClaimSchema) })
  .meta({ id: "ReportedActor", description: `An actor as sources name it. ${RESOLUTION_RULE}` });

export const ReportedActorsSchema = z
  .object({ value: z.array(ActorStubSchema), disputed: z.boolean(), claims: z.array(ActorClaimSchema) })
  .meta({
    id: "ReportedActors",
    description: "A set sources add to (places): `value` is every actor any source names, `disputed` is true when the sources' sets differ.",
  });

/** What every fact says about its backing. */
export const backingFields = {
  sourceCount: z.number().int().describe("How many independent sources back the fact"),
  disputed: z.boolean().describe("True when sources disagree on any of its figures"),
};

export const PageInfoSchema = z
  .object({
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
    next: z.string().nullable().describe("Relative URL of the next page; null on the last page"),
  })
  .meta({ id: "PageInfo" });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    // A problem is a client or server error: without bounds, zod documents the safe-integer range.
    status: z.number().int().min(400).max(599).describe("The HTTP status code, repeated for whoever reads the body alone"),
    detail: z.string(),
    instance: z.string().optional().describe("The request's path and query; absent when the request could not be read whole (408, 414, 431)"),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe("One entry per invalid input, e.g. `query.limit`; at most 20"),
    errorsOmitted: z.number().int().optional().describe("How many more invalid inputs there were than `errors` lists"),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details (application/problem+json)" });

export const IdParamsSchema = z.strictObject({ id: z.string().min(1).max(200) });

export function listResponse<Item extends z.ZodType>(item: Item, id: string, included?: z.ZodType) {
  return z
    .object({
      data: z.array(item),
      page: PageInfoSchema,
      total: z.number().int().optional().describe("Items matching the filters, across all pages; only with `count=true`"),
      ...(included ? { included: included.optional().describe("Records embedded by `include=`, grouped by type") } : {}),
    })
    .meta({ id });
}

/**
 * A resource's response schemas. Each is a union: the full shape first, then the sparse one that
 * `fields=` produces (only `id` is always there). The serializer compiles the first option; routes
 * send sparse responses with a plain JSON serializer (see plugins/serializer.ts).
 */
export function resourceResponses<Item extends z.ZodObject>(item: Item, name: string, included: z.ZodType) {
  const sparse = sparseOf(item, `${name}Sparse`, `A ${name} with only the fields asked for by \`fields=\`, and its id`);
  const withIncluded = { included: included.optional().describe("Records embedded by `include=`, grouped by type") };
  return {
    detail: z.union([
      item.extend(withIncluded).meta({ id: `${name}Detail` }),
      (sparse as unknown as z.ZodObject).extend(withIncluded).meta({ id: `${name}SparseDetail` }),
    ]),
    list: z.union([listResponse(item, `${name}List`, included), listResponse(sparse, `${name}SparseList`, included)]),
  };
}

/** What `fields=` leaves of an item: any of its fields, and always its id. */
export function sparseOf<Item extends z.ZodObject>(item: Item, id: string, description: string) {
  return item.partial().required({ id: true } as never).meta({ id, description });
}

// Query parameters. Repeated parameters mean OR; a single value arrives as a string.
const toArray = (value: unknown) => (value === undefined || Array.isArray(value) ? value : [value]);

export function repeatable<Value extends z.ZodType>(value: Value) {
  return z.preprocess(toArray, z.array(value).min(1).max(20)).optional();
}

export const actorRefs = repeatable(z.string().min(1).max(200)).describe(
  "Actor id, name or alias, case-insensitive (`iran`, `Odessa`); repeat for OR",
);

const DECIMAL_INTEGER = /^-?\d+$/;

/**
 * An integer query parameter: plain decimal digits only (`1e1`, `0x10`, ` 5` and `5.0` are not), within
 * bounds that the database column it is compared with can hold (int4 at most). Documented as an integer.
 */
export function integerQuery(bounds: { min: number; max: number; default?: number }) {
  const integer = z.number().int().min(bounds.min).max(bounds.max);
  return z.preprocess(
    (value, context) => {
      // Anything but one string (nothing, or a repeated parameter) is the integer schema's to judge.
      if (typeof value !== "string") return value;
      if (!DECIMAL_INTEGER.test(value)) {
        context.addIssue({ code: "custom", message: "Expected a plain decimal integer, such as 25" });
        return z.NEVER;
      }
      // Past the safe range a number is inexact; clamped, it still fails the bounds as too big or small.
      return Math.min(Math.max(Number(value), -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
    },
    bounds.default === undefined ? integer : integer.default(bounds.default),
  );
}

/** The largest value of a PostgreSQL `integer` (int4) column. */
export const INT4_MAX = 2_147_483_647;

export const paginationQuery = {
  limit: integerQuery({ min: 1, max: 100, default: 25 }).describe("Items per page, 1–100"),
  cursor: z.string().min(1).max(2048).optional().describe("The `nextCursor` of the previous page of the same list"),
};

// Facts are dated as precisely as their sources, to the day at best: a date-time bound keeps its
// own calendar date, so that a fact of that day is never cut off by the hour.
const dateBound = z
  .union([z.iso.date(), z.iso.datetime({ offset: true, local: true })], { error: "Expected a date (YYYY-MM-DD) or a date-time (ISO 8601)" })
  .transform((value) => value.slice(0, 10))
  .refine(isIsoDate, "Expected a calendar date from year 0001 on");

export const dateRangeQuery = {
  from: dateBound.optional().describe("Inclusive lower bound: a date (YYYY-MM-DD) or a date-time, whose date is used"),
  to: dateBound.optional().describe("Inclusive upper bound: a date (YYYY-MM-DD) or a date-time, whose date is used; not before `from`"),
};

/**
 * `to` before `from` can match nothing: a mistake to name, not an empty list. A check of the whole
 * query (`.superRefine(dateRangeInOrder)`) on every schema that spreads `dateRangeQuery`.
 */
export function dateRangeInOrder(query: { from?: string; to?: string }, context: z.RefinementCtx) {
  if (query.from === undefined || query.to === undefined || query.from <= query.to) return;
  context.addIssue({ code: "custom", path: ["from"], message: `Must not be after \`to\` (${query.to})` });
  context.addIssue({ code: "custom", path: ["to"], message: `Must not be before \`from\` (${query.from})` });
}

const booleanQuery = z.enum(["true", "false"]).transform((value) => value === "true");

export const searchQuery = z
  .string()
  .trim()
  .min(1)
  .max(500, "Search text is limited to 500 characters")
  .optional()
  .describe("Full-text search (English stemming): words, \"quoted phrases\", `or`, `-excluded`");

/** Query parameters every fact list accepts. */
export const commonListQuery = {
  ...paginationQuery,
  q: searchQuery,
  source: repeatable(z.string().min(1).max(200)).describe("Facts backed by this source id; repeat for OR"),
  updatedSince: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("Only facts created or changed at or after this instant (ISO 8601), for incremental sync"),
  count: booleanQuery.optional().describe("`true` adds `total`, the number of items matching the filters"),
  minSources: integerQuery({ min: 1, max: 1000 }).optional()
    .describe("Only facts backed by at least this many independent sources (`2`: confirmed by a second outlet)"),
  disputed: booleanQuery.optional().describe("`true`: only facts whose sources disagree on a figure; `false`: only those where they agree"),
};

/** `format=`: the representation, for clients that cannot send Accept. An export is a 308 to its own path. */
export function formatQuery(formats: readonly Format[]) {
  return z
    .enum(formats.filter((format) => formatValues.includes(format)) as [Format, ...Format[]])
    .optional()
    .describe(
      "Representation, instead of an Accept header: `json` (a page, the default), or an export of every matching item, " +
        "which answers 308 to the list's export path with the same filters (`format=csv`: `<list>.csv`): " +
        formats.filter((format) => format !== "json").map((format) => `\`${format}\``).join(", "),
    );
}

export { booleanQuery };

/** Added to every route by the errors plugin, so routes declare only their success responses. */
export const errorResponses = { 400: ProblemSchema, 404: ProblemSchema, 500: ProblemSchema, 503: ProblemSchema };

const position = z.tuple([z.number(), z.number()]).describe("[longitude, latitude], WGS 84");

/** What a GeoJSON export sends (RFC 7946), documented; the export writes it as a stream. */
export const GeoJsonFeatureCollectionSchema = z.object({
  type: z.literal("FeatureCollection"),
  features: z.array(
    z.object({
      type: z.literal("Feature"),
      id: z.string(),
      geometry: z.union([
        z.object({ type: z.literal("Point"), coordinates: position }),
        z.object({ type: z.literal("MultiPoint"), coordinates: z.array(position) }),
      ]),
      properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    }),
  ),
});
