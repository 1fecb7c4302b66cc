import { z } from "zod";
import {
  ActorStubSchema,
  actorRefs,
  actorTypeValues,
  commonListQuery,
  backingFields,
  EvidenceSchema,
  repeatable,
  resourceResponses,
} from "../common/common.schemas.ts";
import { fieldNames, fieldsQuery, includeQuery } from "../../lib/shape.ts";
import { SourceSummarySchema } from "../sources/sources.schemas.ts";

export const placeKindValues = ["city", "region", "continent"] as const;

export const ActorSchema = z
  .object({
    id: z.string(),
    type: z.enum(actorTypeValues),
    name: z.string().describe("Canonical name (Odesa, Ebrahim Raisi)"),
    aliases: z.array(z.string()).describe("Other spellings and names, as sources write them (Odessa)"),
    placeKind: z.enum(placeKindValues).nullable().describe("For places only"),
    country: ActorStubSchema.nullable().describe("The state a person, body or place belongs to"),
    parent: ActorStubSchema.nullable().describe("The place or body this one is part of"),
    wikidataId: z.string().nullable().describe("Set only where the identity is certain"),
    coordinates: z
      .object({ latitude: z.number(), longitude: z.number() })
      .nullable()
      .meta({ id: "Coordinates" })
      .describe("Reference coordinates of a place (WGS 84), not from a source; null where unknown or not a point"),
    roles: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        organisation: ActorStubSchema.nullable(),
        evidence: z.array(EvidenceSchema),
      }).meta({ id: "ActorRole" }),
    ),
    descriptions: z.array(
      z.object({ id: z.string(), text: z.string(), evidence: z.array(EvidenceSchema) }).meta({ id: "ActorDescription" }),
    ),
    ...backingFields,
    evidence: z.array(EvidenceSchema).describe("Where sources mention the actor"),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Actor", description: "A person, state, organisation, government body, armed force or place" });

export const actorRelations = ["country", "parent", "organisations", "sources"] as const;

export const ActorIncludedSchema = z
  .object({ actors: z.array(ActorSchema).optional(), sources: z.array(SourceSummarySchema).optional() })
  .meta({ id: "ActorIncluded" });

const actorResponses = resourceResponses(ActorSchema, "Actor", ActorIncludedSchema);
export const ActorListSchema = actorResponses.list;
export const ActorDetailSchema = actorResponses.detail;

export const ActorShapeQuerySchema = z.strictObject({
  fields: fieldsQuery(fieldNames(ActorSchema)),
  include: includeQuery(actorRelations),
});

export const ActorListQuerySchema = z.strictObject({
  ...commonListQuery,
  fields: fieldsQuery(fieldNames(ActorSchema)),
  include: includeQuery(actorRelations),
  type: repeatable(z.enum(actorTypeValues)).describe("Actor type; repeat for OR"),
  name: actorRefs.describe("Id, name or alias, case-insensitive (`Odessa` finds Odesa); repeat for OR"),
  country: actorRefs.describe("Actors belonging to this state (id, name or alias); repeat for OR"),
  wikidata: repeatable(z.string().regex(/^Q[1-9]\d*$/, "Expected a Wikidata item id such as Q212")).describe(
    "Wikidata item id (`Q212`); repeat for OR",
  ),
});

export type Actor = z.infer<typeof ActorSchema>;
export type ActorListQuery = z.infer<typeof ActorListQuerySchema>;

/** CSV export: one row per actor; `[]` columns join their values with "; ". */
export const ACTOR_CSV_COLUMNS = [
  "id", "type", "name", "aliases[]", "placeKind", "country.id", "country.name", "parent.id", "parent.name",
  "wikidataId", "coordinates.latitude", "coordinates.longitude", "roles[].title", "roles[].organisation.name",
  "descriptions[].text", "sourceCount", "evidence[].sourceId", "evidence[].excerpt", "createdAt", "updatedAt",
] as const;
