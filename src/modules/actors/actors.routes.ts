import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { commonFilters } from "../../db/list-query.ts";
import { listCursors } from "../../lib/cursor.ts";
import { pageInfo } from "../../lib/pagination.ts";
import { sendFact } from "../../lib/fact-response.ts";
import { notFound } from "../../lib/problem.ts";
import { featureAt } from "../../lib/geojson.ts";
import { evidenceSources, type Loaders, type Relation } from "../../lib/shape.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import { listRoutes } from "../common/list-routes.ts";
import type { ActorsRepository } from "./actors.repository.ts";
import {
  ACTOR_CSV_COLUMNS,
  type Actor,
  ActorDetailSchema,
  ActorListQuerySchema,
  ActorListSchema,
  ActorShapeQuerySchema,
} from "./actors.schemas.ts";
import type { ActorTimelineRepository } from "./actors.timeline.repository.ts";
import { ActorTimelineQuerySchema, ActorTimelineSchema, timelineEntryCollections } from "./actors.timeline.schemas.ts";

/** What `include=` can embed for actors. */
const ACTOR_RELATIONS: Record<string, Relation<Actor>> = {
  country: { kind: "actors", ids: (actor) => [actor.country?.id] },
  parent: { kind: "actors", ids: (actor) => [actor.parent?.id] },
  organisations: { kind: "actors", ids: (actor) => actor.roles.map((role) => role.organisation?.id) },
  sources: { kind: "sources", ids: evidenceSources },
};

export const actorsRoutes: FastifyPluginAsyncZod<{
  actors: ActorsRepository;
  timeline: ActorTimelineRepository;
  loaders: Loaders;
}> = async (app, { actors, timeline, loaders }) => {
  listRoutes(app, {
    name: "actors",
    operationId: "listActors",
    tags: ["actors"],
    summary: "List actors",
    description: "People, states, organisations, government bodies, armed forces and places, ordered by name.",
    query: ActorListQuerySchema,
    response: ActorListSchema,
    exports: ["csv", "ndjson", "geojson"],
    csvColumns: ACTOR_CSV_COLUMNS,
    filters: async (query) => ({
      types: query.type,
      ids: await actors.resolveOptionalRefs(query.name, "query.name"),
      countryIds: await actors.resolveOptionalRefs(query.country, "query.country"),
      wikidataIds: query.wikidata,
      ...commonFilters(query),
    }),
    list: (options) => actors.list(options),
    relations: ACTOR_RELATIONS,
    loaders,
    // Places with reference coordinates, as points.
    toFeatures: async (items) =>
      items.flatMap((actor) =>
        featureAt(actor.id, actor.coordinates ? [[actor.coordinates.longitude, actor.coordinates.latitude]] : [], {
          name: actor.name,
          type: actor.type,
          placeKind: actor.placeKind,
          country: actor.country?.name ?? null,
          link: `/v1/actors/${actor.id}`,
        }),
      ),
  });

  app.get("/actors/:id", {
    schema: {
      operationId: "getActor",
      tags: ["actors"],
      summary: "Get an actor",
      description: "An actor with its aliases, roles, descriptions and the excerpts that mention it.",
      params: IdParamsSchema,
      querystring: ActorShapeQuerySchema,
      response: { 200: ActorDetailSchema },
    },
    handler: async (request, reply) => {
      const { fields, include } = request.query;
      const address = { noun: "actor", collection: "/v1/actors", id: request.params.id };
      return sendFact(reply, await actors.findById(request.params.id), address, { fields, include, relations: ACTOR_RELATIONS, loaders });
    },
  });

  app.get("/actors/:id/timeline", {
    schema: {
      operationId: "getActorTimeline",
      tags: ["actors"],
      summary: "Get an actor's timeline",
      description:
        "Everything by or about an actor across statements, sanctions and attack events, one entry per fact with " +
        "the actor's roles in it, in date order (undated facts last, then by type and id).",
      params: IdParamsSchema,
      querystring: ActorTimelineQuerySchema,
      response: { 200: ActorTimelineSchema },
    },
    handler: async (request) => {
      const { id } = request.params;
      const query = request.query;
      const cursors = listCursors("timeline");
      const cursor = cursors.read(query.cursor);
      const page = await timeline.find(id, { types: query.type, from: query.from, to: query.to, limit: query.limit, cursor });
      if (!page) throw notFound(`No actor has the id "${id}".`);
      return {
        actor: page.actor,
        data: page.items.map((entry) => ({
          ...entry,
          link: `/v1/${timelineEntryCollections[entry.type]}/${encodeURIComponent(entry.id)}`,
        })),
        page: pageInfo(request.url, cursors.issue(page.nextCursor)),
      };
    },
  });
};
