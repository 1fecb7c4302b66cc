import type { SqlClient } from "../../db/database.ts";
import {
  actorStubJson,
  actorStubsJson,
  apiEnum,
  evidenceJson,
  factTimeJson,
  isoDate,
  isoTimestamp,
  reportedNumberJson,
} from "../../db/sql-fragments.ts";
import { type CommonFilters, type FactTable, runListQuery, whereCommon } from "../../db/list-query.ts";
import type { Page } from "../../lib/pagination.ts";
import { containsPattern, SqlFilter } from "../../lib/sql-builder.ts";
import type { AttackEvent, BoundingBox } from "./attack-events.schemas.ts";

const eventNumber = (column: string, field: string) =>
  reportedNumberJson("ATTACK_EVENT", "ev.id", `ev.${column}`, `ev.${column}_qualifier`, field);

const ATTACK_EVENT_JSON = `json_build_object(
  'id', ev.id,
  'kind', ${apiEnum("ev.kind")},
  'description', ev.description,
  'occurred', ${factTimeJson("ev.occurred_on", "ev.occurred_precision", "ev.occurred_wording")},
  'attacker', ${actorStubJson("ev.attacker_id")},
  'weapon', ev.weapon,
  'launched', ${eventNumber("launched", "launched")},
  'intercepted', ${eventNumber("intercepted", "intercepted")},
  'countsReportedBy', ${actorStubJson("ev.counts_reported_by_id")},
  'casualties', json_build_object(
    'killed', ${eventNumber("killed", "killed")},
    'injured', ${eventNumber("injured", "injured")},
    'wording', ev.casualty_wording),
  'places', ${actorStubsJson("attack_event_places", "event_id", "ev.id")},
  'impacts', (SELECT coalesce(json_agg(json_build_object(
                'id', im.id, 'kind', ${apiEnum("im.kind")}, 'description', im.description,
                'place', ${actorStubJson("im.place_id")},
                'peopleAffected', ${reportedNumberJson("ATTACK_IMPACT", "im.id", "im.people_affected", "im.people_affected_qualifier", "peopleAffected")},
                'recoveryEstimate', im.recovery_estimate,
                'reportedBy', ${actorStubJson("im.reported_by_id")},
                'evidence', ${evidenceJson("ATTACK_IMPACT", "im.id")}) ORDER BY im.position), '[]'::json)
                FROM attack_impacts im WHERE im.event_id = ev.id),
  'evidence', ${evidenceJson("ATTACK_EVENT", "ev.id")},
  'createdAt', ${isoTimestamp("ev.created_at")},
  'updatedAt', ${isoTimestamp("ev.updated_at")}
)`;

export interface AttackEventFilters extends CommonFilters {
  actorIds?: string[];
  attackerIds?: string[];
  placeIds?: string[];
  kinds?: string[];
  weapon?: string;
  minLaunched?: number;
  bbox?: BoundingBox;
  limit: number;
  cursor?: string;
  count?: boolean;
}

const ATTACK_EVENTS: FactTable = { from: "attack_events ev", alias: "ev", dateColumn: "ev.occurred_on", subjectType: "ATTACK_EVENT" };

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
  if (filters.attackerIds) filter.where(`ev.attacker_id = ANY(${filter.param(filters.attackerIds)})`);
  if (filters.placeIds) filter.where(inPlace(placesWithin(filter.param(filters.placeIds))));
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
    async list(filters: AttackEventFilters): Promise<Page<AttackEvent> & { total?: number }> {
      const filter = attackEventFilter(filters);
      return runListQuery<AttackEvent>(sql, {
        table: ATTACK_EVENTS,
        filter,
        itemJson: ATTACK_EVENT_JSON,
        sort: { column: "ev.occurred_on", kind: "date", cursorKey: isoDate("ev.occurred_on") },
        limit: filters.limit,
        cursor: filters.cursor,
        count: filters.count,
      });
    },

    async findById(id: string): Promise<AttackEvent | undefined> {
      const rows = await sql.query<{ item: AttackEvent }>(
        `SELECT ${ATTACK_EVENT_JSON} AS item FROM attack_events ev WHERE ev.id = $1`,
        [id],
      );
      return rows[0]?.item;
    },
  };
}

export type AttackEventsRepository = ReturnType<typeof createAttackEventsRepository>;
