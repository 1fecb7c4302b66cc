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
import { type Page, orderForCursor, toPage, whereAfterCursor } from "../../lib/pagination.ts";
import { SqlFilter } from "../../lib/sql-builder.ts";
import type { AttackEvent } from "./attack-events.schemas.ts";

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

export interface AttackEventFilters {
  actorIds?: string[];
  attackerIds?: string[];
  placeIds?: string[];
  kinds?: string[];
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

const inPlace = (ids: string) =>
  `EXISTS (SELECT 1 FROM attack_event_places p WHERE p.event_id = ev.id AND p.actor_id = ANY(${ids}))`;

export function createAttackEventsRepository(sql: SqlClient) {
  return {
    async list(filters: AttackEventFilters): Promise<Page<AttackEvent>> {
      const filter = new SqlFilter();
      if (filters.actorIds) {
        const ids = filter.param(filters.actorIds);
        filter.where(`(ev.attacker_id = ANY(${ids}) OR ev.counts_reported_by_id = ANY(${ids}) OR ${inPlace(ids)}
          OR EXISTS (SELECT 1 FROM attack_impacts im WHERE im.event_id = ev.id
                       AND (im.place_id = ANY(${ids}) OR im.reported_by_id = ANY(${ids}))))`);
      }
      if (filters.attackerIds) filter.where(`ev.attacker_id = ANY(${filter.param(filters.attackerIds)})`);
      if (filters.placeIds) filter.where(inPlace(filter.param(filters.placeIds)));
      if (filters.kinds) filter.where(`ev.kind::text = ANY(${filter.param(filters.kinds.map((kind) => kind.toUpperCase()))})`);
      if (filters.from) filter.where(`ev.occurred_on >= ${filter.param(filters.from)}`);
      if (filters.to) filter.where(`ev.occurred_on <= ${filter.param(filters.to)}`);
      whereAfterCursor(filter, { column: "ev.occurred_on", kind: "date" }, "ev.id", filters.cursor);
      const rows = await sql.query<{ id: string; cursor_key: string | null; item: AttackEvent }>(
        `SELECT ev.id, ${isoDate("ev.occurred_on")} AS cursor_key, ${ATTACK_EVENT_JSON} AS item
           FROM attack_events ev ${filter.toSql()}
           ${orderForCursor("ev.occurred_on", "ev.id")}
          LIMIT ${filter.param(filters.limit + 1)}`,
        filter.params,
      );
      return toPage(rows, filters.limit);
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
