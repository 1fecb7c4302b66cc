import type { SqlClient } from "../../db/database.ts";
import { actorStubJson, apiEnum, factTimeJson, isoDate } from "../../db/sql-fragments.ts";
import { decodeCursor, invalidCursor } from "../../lib/cursor.ts";
import { orderForCursor, type Page, toPage, whereAfterCursor } from "../../lib/pagination.ts";
import { SqlFilter } from "../../lib/sql-builder.ts";
import { type ActorStub, type TimelineEntry, timelineEntryTypeValues } from "./actors.timeline.schemas.ts";

export type TimelineItem = Omit<TimelineEntry, "link">;

export interface TimelineFilters {
  types?: string[];
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/**
 * Every (fact, role) pair of the actor `actor`, found through the indexes on the actor columns and
 * link tables rather than by scanning the facts. `rank` orders an entry's roles as documented.
 */
const actorRoles = (actor: string) => `
  SELECT 'statement' AS type, s.id, 1 AS rank, 'speaker' AS role FROM statements s WHERE s.speaker_id = ${actor}
  UNION SELECT 'statement', link.statement_id, 2, 'subject' FROM statement_subjects link WHERE link.actor_id = ${actor}
  UNION SELECT 'sanction', sa.id, 1, 'authority' FROM sanctions sa WHERE sa.authority_id = ${actor}
  UNION SELECT 'sanction', link.sanction_id, 2, 'target' FROM sanction_targets link WHERE link.actor_id = ${actor}
  UNION SELECT 'sanction', link.sanction_id, 3, 'subject' FROM sanction_subjects link WHERE link.actor_id = ${actor}
  UNION SELECT 'attack_event', ev.id, 1, 'attacker' FROM attack_events ev WHERE ev.attacker_id = ${actor}
  UNION SELECT 'attack_event', link.event_id, 2, 'place' FROM attack_event_places link WHERE link.actor_id = ${actor}
  UNION SELECT 'attack_event', ev.id, 3, 'reporter' FROM attack_events ev WHERE ev.counts_reported_by_id = ${actor}
  UNION SELECT 'attack_event', im.event_id, 4, 'impact_place' FROM attack_impacts im WHERE im.place_id = ${actor}
  UNION SELECT 'attack_event', im.event_id, 5, 'impact_reporter' FROM attack_impacts im WHERE im.reported_by_id = ${actor}`;

// One row per fact, whatever its type. `day` (the ISO date as text) and `entry_key` (`type:id`) are
// the keyset: compared as text in the C collation, so the order is the same on every database and
// a cursor's key is never cast (a forged date can only be a 400, never a cast error).
const ENTRIES = `
  SELECT f.type, f.id, f.entry_key, f.roles, ${isoDate("s.said_on")} COLLATE "C" AS day,
         ${factTimeJson("s.said_on", "s.said_precision", "s.said_wording")} AS fact_time,
         speaker.name || ' (' || ${apiEnum("s.kind")} || '): ' || s.text AS title
    FROM facts f JOIN statements s ON s.id = f.id JOIN actors speaker ON speaker.id = s.speaker_id
   WHERE f.type = 'statement' AND s.deleted_at IS NULL
  UNION ALL
  SELECT f.type, f.id, f.entry_key, f.roles, ${isoDate("sa.announced_on")} COLLATE "C",
         ${factTimeJson("sa.announced_on", "sa.announced_precision", "sa.announced_wording")},
         authority.name || ': ' || sa.measure || ' — ' || sa.reason
    FROM facts f JOIN sanctions sa ON sa.id = f.id JOIN actors authority ON authority.id = sa.authority_id
   WHERE f.type = 'sanction' AND sa.deleted_at IS NULL
  UNION ALL
  SELECT f.type, f.id, f.entry_key, f.roles, ${isoDate("ev.occurred_on")} COLLATE "C",
         ${factTimeJson("ev.occurred_on", "ev.occurred_precision", "ev.occurred_wording")},
         ev.description
    FROM facts f JOIN attack_events ev ON ev.id = f.id
   WHERE f.type = 'attack_event' AND ev.deleted_at IS NULL`;

const ENTRY_KEY = new RegExp(`^(${timelineEntryTypeValues.join("|")}):.`, "s");

/** A timeline cursor is a date cursor whose id is an entry key; a list's cursor pasted here is not. */
function checkCursor(value: string): void {
  if (ENTRY_KEY.test(decodeCursor(value, "date").id)) return;
  throw invalidCursor();
}

export function createActorTimelineRepository(sql: SqlClient) {
  return {
    /** A page of the actor's timeline, or undefined when no actor has the id. One query per page. */
    async find(actorId: string, filters: TimelineFilters): Promise<(Page<TimelineItem> & { actor: ActorStub }) | undefined> {
      if (filters.cursor) checkCursor(filters.cursor);
      const filter = new SqlFilter();
      const actor = filter.param(actorId);
      if (filters.types) filter.where(`e.type = ANY(${filter.param(filters.types)}::text[])`);
      if (filters.from) filter.where(`e.day >= ${filter.param(filters.from)}`);
      if (filters.to) filter.where(`e.day <= ${filter.param(filters.to)}`);
      whereAfterCursor(filter, { column: "e.day", kind: "date" }, "e.entry_key", filters.cursor);
      // The actor's stub is the one left row: none of its facts still gives it, with a null entry.
      const rows = await sql.query<{ actor: ActorStub | null; id: string | null; cursor_key: string | null; item: TimelineItem }>(
        `WITH roles AS (${actorRoles(actor)}),
         facts AS (
           SELECT type, id, (type || ':' || id) COLLATE "C" AS entry_key, array_agg(role ORDER BY rank) AS roles
             FROM roles GROUP BY type, id),
         entries AS (${ENTRIES})
         SELECT actor.stub AS actor, page.entry_key AS id, page.day AS cursor_key, page.item
           FROM (SELECT ${actorStubJson(actor)} AS stub) actor
           LEFT JOIN (
             SELECT e.day, e.entry_key,
                    json_build_object('type', e.type, 'id', e.id, 'date', e.fact_time, 'title', e.title, 'roles', e.roles) AS item
               FROM entries e ${filter.toSql()}
              ${orderForCursor("e.day", "e.entry_key")}
              LIMIT ${filter.param(filters.limit + 1)}) page ON true
          ${orderForCursor("page.day", "page.entry_key")}`,
        filter.params,
      );
      const stub = rows[0]?.actor;
      if (!stub) return undefined;
      const entries = rows.filter((row): row is typeof row & { id: string } => row.id !== null);
      return { actor: stub, ...toPage<TimelineItem>(entries, filters.limit) };
    },
  };
}

export type ActorTimelineRepository = ReturnType<typeof createActorTimelineRepository>;
