import type { SqlClient } from "../../db/database.ts";
import { isoDate } from "../../db/sql-fragments.ts";
import { type CommonFilters, type FactLookup, type FactTable, findFact, runListQuery, whereCommon } from "../../db/list-query.ts";
import type { JsonTextPage } from "../../lib/pagination.ts";
import { containsPattern, equalsAny, SqlFilter } from "../../lib/sql-builder.ts";
import { singleActorRef } from "../actors/actors.repository.ts";
import type { AttackEvent, BoundingBox } from "./attack-events.schemas.ts";


export interface AttackEventFilters extends CommonFilters {
  actorIds?: string[];
  attackerIds?: string[];
  /** One attacker as the user named it, resolved in the list's query (singleActorRef); instead of attackerIds. */
  attackerRef?: string;
  placeIds?: string[];
  /** One place as the user named it, resolved in the list's query (singleActorRef); instead of placeIds. */
  placeRef?: string;
  kinds?: string[];
  weapon?: string;
  minLaunched?: number;
  bbox?: BoundingBox;
  limit: number;
  cursor?: string;
  count?: boolean;
}

const ATTACK_EVENTS: FactTable = { from: "attack_events ev", alias: "ev", dateColumn: "ev.occurred_on", claimColumn: "attack_event_id" };

const inPlace = (ids: string) =>
  `EXISTS (SELECT 1 FROM attack_event_places p WHERE p.event_id = ev.id AND p.actor_id = ANY(${ids}))`;

/** The places given and every place inside them (Donbas -> Bakhmut), through actors.parent_id. */
const placesWithin = (ids: string) =>
  `ARRAY(WITH RECURSIVE inside(id) AS (
           SELECT unnest(${ids}::text[])
           UNION SELECT a.id FROM actors a JOIN inside ON a.parent_id = inside.id)
         SELECT id FROM inside)`;

const placeInBox = (box: { west: string; south: string; east: string; north: string }) =>
  `EXISTS (SELECT 1 FROM attack_event_places p JOIN actors a ON a.id = p.actor_id
            WHERE p.event_id = ev.id AND a.longitude BETWEEN ${box.west} AND ${box.east}
              AND a.latitude BETWEEN ${box.south} AND ${box.north})`;

/** The WHERE clause of a list (or of its stats): every filter but paging. */
export function attackEventFilter(filters: Omit<AttackEventFilters, "limit" | "cursor" | "count">): SqlFilter {
  const filter = new SqlFilter();
  whereCommon(filter, ATTACK_EVENTS, filters);
  if (filters.actorIds) {
    const ids = filter.param(filters.actorIds);
    filter.where(`(ev.attacker_id = ANY(${ids}) OR ev.counts_reported_by_id = ANY(${ids}) OR ${inPlace(ids)}
      OR EXISTS (SELECT 1 FROM attack_impacts im WHERE im.event_id = ev.id
                   AND (im.place_id = ANY(${ids}) OR im.reported_by_id = ANY(${ids}))))`);
  }
  if (filters.attackerIds) filter.where(equalsAny("ev.attacker_id", filters.attackerIds, filter));
  if (filters.attackerRef !== undefined) filter.where(`ev.attacker_id = ${singleActorRef(filter, filters.attackerRef)}`);
  if (filters.placeIds) filter.where(inPlace(placesWithin(filter.param(filters.placeIds))));
  if (filters.placeRef !== undefined) filter.where(inPlace(placesWithin(`ARRAY[${singleActorRef(filter, filters.placeRef)}]`)));
  if (filters.kinds) filter.where(`ev.kind::text = ANY(${filter.param(filters.kinds.map((kind) => kind.toUpperCase()))})`);
  if (filters.weapon) filter.where(`ev.weapon ILIKE ${filter.param(containsPattern(filters.weapon))}`);
  if (filters.minLaunched !== undefined) filter.where(`ev.launched >= ${filter.param(filters.minLaunched)}`);
  if (filters.bbox) {
    const { west, south, east, north } = filters.bbox;
    filter.where(placeInBox({
      west: filter.param(west), south: filter.param(south), east: filter.param(east), north: filter.param(north),
    }));
  }
  return filter;
}

export function createAttackEventsRepository(sql: SqlClient) {
  return {
    async list(filters: AttackEventFilters): Promise<JsonTextPage<AttackEvent>> {
      const filter = attackEventFilter(filters);
      return runListQuery<AttackEvent>(sql, {
        table: ATTACK_EVENTS,
        filter,
        itemJson: "ev.doc_text",
        itemHash: "ev.doc_hash",
        sort: { column: "ev.occurred_on", kind: "date", cursorKey: isoDate("ev.occurred_on") },
        limit: filters.limit,
        cursor: filters.cursor,
        count: filters.count,
      });
    },

    async findById(id: string): Promise<FactLookup<AttackEvent>> {
      return findFact<AttackEvent>(sql, "attack_events", id);
    },
  };
}

export type AttackEventsRepository = ReturnType<typeof createAttackEventsRepository>;
