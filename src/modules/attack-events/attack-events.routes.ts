import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { sendFact } from "../../lib/fact-response.ts";
import { featureAt, type Position } from "../../lib/geojson.ts";
import { commonFilters } from "../../db/list-query.ts";
import { evidenceSources, type Loaders, type Relation } from "../../lib/shape.ts";
import type { ActorsRepository } from "../actors/actors.repository.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import { listRoutes } from "../common/list-routes.ts";
import type { AttackEventFilters, AttackEventsRepository } from "./attack-events.repository.ts";
import type { AttackEventStatsRepository } from "./attack-events.stats.repository.ts";
import { type AttackEventStatsQuery, AttackEventStatsQuerySchema, AttackEventStatsSchema } from "./attack-events.stats.schemas.ts";
import {
  ATTACK_EVENT_CSV_COLUMNS,
  AttackEventListQuerySchema,
  AttackEventListSchema,
  type AttackEvent,
  AttackEventDetailSchema,
  AttackEventShapeQuerySchema,
} from "./attack-events.schemas.ts";

type FilterQuery = Omit<AttackEventStatsQuery, "groupBy">;

/** The list's filters from its query (stats take the same), with actor references resolved. */
async function filtersOf(query: FilterQuery, actors: ActorsRepository): Promise<Omit<AttackEventFilters, "limit">> {
  return {
    actorIds: await actors.resolveOptionalRefs(query.actor, "query.actor"),
    attackerIds: await actors.resolveOptionalRefs(query.attacker, "query.attacker"),
    placeIds: await actors.resolveOptionalRefs(query.place, "query.place"),
    ...filtersWithoutActors(query),
  };
}

/** One attacker or one place and no other actor reference: it is resolved in the list's query. */
function filtersInQuery(query: FilterQuery): Omit<AttackEventFilters, "limit"> | undefined {
  if (query.actor !== undefined) return undefined;
  if (query.attacker?.length === 1 && query.place === undefined) return { attackerRef: query.attacker[0], ...filtersWithoutActors(query) };
  if (query.place?.length === 1 && query.attacker === undefined) return { placeRef: query.place[0], ...filtersWithoutActors(query) };
  return undefined;
}

function filtersWithoutActors(query: FilterQuery) {
  return { kinds: query.kind, weapon: query.weapon, minLaunched: query.minLaunched, bbox: query.bbox, ...commonFilters(query) };
}

/** What `include=` can embed. */
const ATTACK_EVENT_RELATIONS: Record<string, Relation<AttackEvent>> = {
  attacker: { kind: "actors", ids: (event) => [event.attacker?.value?.id] },
  places: { kind: "actors", ids: (event) => event.places.value.map((place) => place.id) },
  countsReportedBy: { kind: "actors", ids: (event) => [event.countsReportedBy?.id] },
  impacts: { kind: "actors", ids: (event) => event.impacts.flatMap((impact) => [impact.place?.id, impact.reportedBy?.id]) },
  sources: { kind: "sources", ids: evidenceSources },
};

export const attackEventsRoutes: FastifyPluginAsyncZod<{ attackEvents: AttackEventsRepository; actors: ActorsRepository; stats: AttackEventStatsRepository; loaders: Loaders }> = async (
  app,
  { attackEvents, actors, stats, loaders },
) => {
  listRoutes(app, {
    name: "attack-events",
    operationId: "listAttackEvents",
    tags: ["attack-events"],
    summary: "List attack events",
    description: "Attacks and destruction, in the order they happened (undated events last).",
    query: AttackEventListQuerySchema,
    response: AttackEventListSchema,
    exports: ["csv", "ndjson", "geojson"],
    csvColumns: ATTACK_EVENT_CSV_COLUMNS,
    filters: (query) => filtersOf(query, actors),
    filtersInQuery,
    list: (options) => attackEvents.list(options),
    relations: ATTACK_EVENT_RELATIONS,
    loaders,
    // Events at the reference positions of their places; events with no located place are left out.
    toFeatures: async (items) => {
      const positions = await actors.positionsOf([...new Set(items.flatMap((event) => event.places.value.map((place) => place.id)))]);
      return items.flatMap((event) =>
        featureAt(
          event.id,
          event.places.value.map((place) => positions.get(place.id)).filter((position): position is Position => !!position),
          {
            kind: event.kind,
            description: event.description,
            date: event.occurred.date,
            precision: event.occurred.precision,
            wording: event.occurred.wording,
            attacker: event.attacker?.value?.name ?? null,
            weapon: event.weapon?.value ?? null,
            launched: event.launched?.value ?? null,
            intercepted: event.intercepted?.value ?? null,
            places: event.places.value.map((place) => place.name).join("; "),
            link: `/v1/attack-events/${event.id}`,
          },
        ),
      );
    },
  });

  app.get("/attack-events/:id", {
    schema: {
      operationId: "getAttackEvent",
      tags: ["attack-events"],
      summary: "Get an attack event",
      description:
        "One attack event with its time, places, weapons, counts and impact, each as its sources report it (claims with excerpts). " +
        "`fields=` keeps only the fields named (and `id`); `include=` embeds the records it references. 404 for an unknown id, 410 for one deleted or no longer backed by any source.",
      params: IdParamsSchema,
      querystring: AttackEventShapeQuerySchema,
      response: { 200: AttackEventDetailSchema },
    },
    handler: async (request, reply) => {
      const { fields, include } = request.query;
      const address = { noun: "attack event", collection: "/v1/attack-events", id: request.params.id };
      return sendFact(reply, await attackEvents.findById(request.params.id), address, { fields, include, relations: ATTACK_EVENT_RELATIONS, loaders });
    },
  });

  app.get("/attack-events/stats", {
    schema: {
      operationId: "getAttackEventStats",
      tags: ["attack-events"],
      summary: "Count attack events by day, week or month",
      description:
        "Attack events and the weapons launched and intercepted, per day, ISO week or month, with the list's filters. " +
        "Only periods with events are listed, in date order. `launched` and `intercepted` sum the events that report " +
        "them; `interceptionRate` divides the two over the events that report both. Undated events are in no period: " +
        "`undated` counts them.",
      querystring: AttackEventStatsQuerySchema,
      response: { 200: AttackEventStatsSchema },
    },
    handler: async (request) => {
      const query = request.query;
      return stats.byPeriod(query.groupBy, await filtersOf(query, actors));
    },
  });
};
