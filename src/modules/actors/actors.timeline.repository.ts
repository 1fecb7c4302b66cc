import type { SqlClient } from "../../db/database.ts";
import { actorStubJson, apiEnum, factTimeJson, isoDate } from "../../db/sql-fragments.ts";
import { type Cursor, decodeCursor, invalidCursor } from "../../lib/cursor.ts";
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

/** The table of each entry type's facts, its alias and the facts' date. */
const FACT_TABLES: Record<TimelineEntry["type"], { from: string; alias: string; date: string }> = {
  statement: { from: "statements s", alias: "s", date: "s.said_on" },
  sanction: { from: "sanctions sa", alias: "sa", date: "sa.announced_on" },
  attack_event: { from: "attack_events ev", alias: "ev", date: "ev.occurred_on" },
};

/** One way an actor takes part in facts of one type. */
interface RoleSource {
  type: TimelineEntry["type"];
  /** Orders an entry's roles as documented. */
  rank: number;
  role: string;
  /** The condition that the fact names the actor, in terms of the type's alias; link tables through EXISTS (one row per fact). */
  names: (actor: string) => string;
}

const linked = (table: string, factColumn: string, actorColumn: string, factId: string) => (actor: string) =>
  `EXISTS (SELECT 1 FROM ${table} link WHERE link.${factColumn} = ${factId} AND link.${actorColumn} = ${actor})`;

const ROLE_SOURCES: RoleSource[] = [
  { type: "statement", rank: 1, role: "speaker", names: (actor) => `s.speaker_id = ${actor}` },
  { type: "statement", rank: 2, role: "subject", names: linked("statement_subjects", "statement_id", "actor_id", "s.id") },
  { type: "sanction", rank: 1, role: "authority", names: (actor) => `sa.authority_id = ${actor}` },
  { type: "sanction", rank: 2, role: "target", names: linked("sanction_targets", "sanction_id", "actor_id", "sa.id") },
  { type: "sanction", rank: 3, role: "subject", names: linked("sanction_subjects", "sanction_id", "actor_id", "sa.id") },
  { type: "attack_event", rank: 1, role: "attacker", names: (actor) => `ev.attacker_id = ${actor}` },
  { type: "attack_event", rank: 2, role: "place", names: linked("attack_event_places", "event_id", "actor_id", "ev.id") },
  { type: "attack_event", rank: 3, role: "reporter", names: (actor) => `ev.counts_reported_by_id = ${actor}` },
  { type: "attack_event", rank: 4, role: "impact_place", names: linked("attack_impacts", "event_id", "place_id", "ev.id") },
  { type: "attack_event", rank: 5, role: "impact_reporter", names: linked("attack_impacts", "event_id", "reported_by_id", "ev.id") },
];

/** Where a page starts and what it may hold, as SQL placeholders. */
interface PageWindow {
  actor: string;
  /**
   * The cursor's date (null: the cursor is among the undated entries) and its entry key's fact type;
   * `id()` makes a placeholder holding the key's fact id where the query uses it (PostgreSQL refuses
   * a parameter that a query leaves unused).
   */
  after?: { date: string | null; type: TimelineEntry["type"]; id: () => string };
  from?: string;
  to?: string;
  /** The page's size plus one. */
  take: string;
}

/** `FROM … WHERE …` of the live facts of a role source's type that name `actor` in its role. */
const liveFactsNaming = (source: RoleSource, actor: string) => {
  const { from, alias } = FACT_TABLES[source.type];
  return `FROM ${from} WHERE ${source.names(actor)} AND ${alias}.deleted_at IS NULL`;
};

/**
 * The (fact, role) rows of one role source that the page can hold: a superset of them, each part
 * in the timeline's own order (date, then id in the C collation, which within one type is the
 * entry key's order) and cut at the page's size. The rest of the cursor's date after it; then the
 * next `take` rows of later dates; then the undated ones. Read off the actor's (actor, date, id)
 * index where the role is a column of the fact (the index ends with the id in the C collation, so
 * the part stops after `take` rows), through the link table otherwise. An actor in a quarter of a
 * million facts used to have every one of them read, grouped and sorted for each page (2.6 s).
 */
function roleRows(source: RoleSource, window: PageWindow): string[] {
  const { alias, date } = FACT_TABLES[source.type];
  const idInOrder = `${alias}.id COLLATE "C"`;
  const select = (condition: string, tail = "") =>
    `(SELECT '${source.type}'::text AS type, ${alias}.id, ${source.rank} AS rank, '${source.role}'::text AS role
        ${liveFactsNaming(source, window.actor)} AND ${condition} ${tail})`;
  const range = [window.from ? `${date} >= ${window.from}::date` : "", window.to ? `${date} <= ${window.to}::date` : ""].filter(Boolean);
  const dated = (condition: string) => [condition, ...range].join(" AND ");
  const firstOfPage = `LIMIT ${window.take}`;
  const nextDays = (condition: string) => select(dated(condition), `ORDER BY ${date}, ${idInOrder} ${firstOfPage}`);
  // Dates bound the page to dated entries; undated ones sort last.
  const undated = (conditions = [""]) =>
    range.length > 0 ? [] : conditions.map((condition) => select(`${date} IS NULL${condition}`, `ORDER BY ${idInOrder} ${firstOfPage}`));
  const { after } = window;
  if (!after) return [nextDays(`${date} IS NOT NULL`), ...undated()];
  if (after.date === null) return undated(restOfCursorDay(source, after));
  return [
    ...restOfCursorDay(source, after).map((condition) =>
      select(dated(`${date} = ${after.date}::date${condition}`), `ORDER BY ${idInOrder} ${firstOfPage}`),
    ),
    nextDays(`${date} > ${after.date}::date`),
    ...undated(),
  ];
}

/**
 * Which of a role source's facts of the cursor's own date (or undated, as the cursor) come after it,
 * as a condition on their id that the (actor, date, id) index can seek to: an entry key is `type:id`
 * compared in the C collation, and no type's name begins another's, so the keys of an earlier type
 * all come before the cursor's and those of a later type all after. One condition (empty: the whole
 * day), or none when the source's type comes before the cursor's: the day has nothing more of it.
 */
function restOfCursorDay(source: RoleSource, after: NonNullable<PageWindow["after"]>): string[] {
  if (source.type === after.type) return [` AND ${FACT_TABLES[source.type].alias}.id COLLATE "C" > ${after.id()}`];
  return Buffer.compare(Buffer.from(source.type), Buffer.from(after.type)) > 0 ? [""] : [];
}

// One row per fact, whatever its type. `day` (the ISO date as text) and `entry_key` (`type:id`) are
// the keyset: compared as text in the C collation, so the order is the same on every database and
// a cursor's key is never cast (a forged date can only be a 400, never a cast error).
const ENTRIES_OF: Record<TimelineEntry["type"], string> = {
  statement: `
  SELECT f.type, f.id, f.entry_key, f.roles, ${isoDate("s.said_on")} COLLATE "C" AS day,
         ${factTimeJson("s.said_on", "s.said_precision", "s.said_wording")} AS fact_time,
         speaker.name || ' (' || ${apiEnum("s.kind")} || '): ' || s.text AS title
    FROM facts f JOIN statements s ON s.id = f.id JOIN actors speaker ON speaker.id = s.speaker_id
   WHERE f.type = 'statement' AND s.deleted_at IS NULL`,
  sanction: `
  SELECT f.type, f.id, f.entry_key, f.roles, ${isoDate("sa.announced_on")} COLLATE "C" AS day,
         ${factTimeJson("sa.announced_on", "sa.announced_precision", "sa.announced_wording")} AS fact_time,
         authority.name || ': ' || sa.measure || ' — ' || sa.reason AS title
    FROM facts f JOIN sanctions sa ON sa.id = f.id JOIN actors authority ON authority.id = sa.authority_id
   WHERE f.type = 'sanction' AND sa.deleted_at IS NULL`,
  attack_event: `
  SELECT f.type, f.id, f.entry_key, f.roles, ${isoDate("ev.occurred_on")} COLLATE "C" AS day,
         ${factTimeJson("ev.occurred_on", "ev.occurred_precision", "ev.occurred_wording")} AS fact_time,
         ev.description AS title
    FROM facts f JOIN attack_events ev ON ev.id = f.id
   WHERE f.type = 'attack_event' AND ev.deleted_at IS NULL`,
};

/**
 * The role sources in which the actor has a live fact, of any date: the page's query is planned for
 * each actor, and planning the ten role sources' thirty subqueries took half of a page's time
 * (6.5 ms of 13.6 for the busiest attacker at a million attack events), though most actors take
 * part in facts in one or two roles. Planned for each actor too: a generic plan reads a whole table
 * for a value it takes to be common (1 s at a million attack events, where a custom plan takes 0.2 ms).
 */
function rolesTakenQuery(sources: RoleSource[]): string {
  const taken = sources.map((source) => `EXISTS (SELECT 1 ${liveFactsNaming(source, "$1")})`);
  return `SELECT ARRAY[${taken.join(", ")}] AS taken`;
}

const ENTRY_KEY = new RegExp(`^(${timelineEntryTypeValues.join("|")}):.`, "s");

/**
 * Where a page after `cursor` starts: its date as a placeholder, and its entry key (`attack_event:ae-1`,
 * whose form readCursor checked) split into the fact type and the fact id.
 */
function afterCursor(cursor: Cursor, filter: SqlFilter): NonNullable<PageWindow["after"]> {
  const colon = cursor.id.indexOf(":");
  const id = cursor.id.slice(colon + 1);
  return {
    date: cursor.key === null ? null : filter.param(cursor.key),
    type: cursor.id.slice(0, colon) as TimelineEntry["type"],
    id: () => filter.param(id),
  };
}

/** A timeline cursor is a date cursor whose id is an entry key; a list's cursor pasted here is not. */
function readCursor(value: string): Cursor {
  const cursor = decodeCursor(value, "date");
  if (ENTRY_KEY.test(cursor.id)) return cursor;
  throw invalidCursor();
}

export function createActorTimelineRepository(sql: SqlClient) {
  /**
   * Of `sources`, those the actor takes part in; the first of them when it takes part in none (the
   * page is then empty, and the query still gives the actor's stub).
   */
  async function rolesTaken(actorId: string, sources: RoleSource[]): Promise<RoleSource[]> {
    const [row] = await sql.query<{ taken: boolean[] }>(rolesTakenQuery(sources), [actorId], { planEachTime: true });
    const taken = sources.filter((_, index) => row?.taken[index] === true);
    return taken.length > 0 ? taken : sources.slice(0, 1);
  }

  return {
    /**
     * A page of the actor's timeline, or undefined when no actor has the id. Two queries per page:
     * the roles the actor takes part in, then the page through those roles only.
     */
    async find(actorId: string, filters: TimelineFilters): Promise<(Page<TimelineItem> & { actor: ActorStub }) | undefined> {
      const cursor = filters.cursor === undefined ? undefined : readCursor(filters.cursor);
      const filter = new SqlFilter();
      const window: PageWindow = {
        actor: filter.param(actorId),
        after: cursor && afterCursor(cursor, filter),
        from: filters.from === undefined ? undefined : filter.param(filters.from),
        to: filters.to === undefined ? undefined : filter.param(filters.to),
        take: filter.param(filters.limit + 1),
      };
      const sources = await rolesTaken(
        actorId,
        ROLE_SOURCES.filter((source) => !filters.types || filters.types.includes(source.type)),
      );
      // The role rows are a superset of the page's: the exact cursor, order and limit apply to their entries.
      whereAfterCursor(filter, "e.day", "e.entry_key", cursor);
      const roles = sources.flatMap((source) => roleRows(source, window)).join("\n  UNION ALL ");
      const entryTables = [...new Set(sources.map((source) => ENTRIES_OF[source.type]))].join("\n  UNION ALL ");
      // The actor's stub is the one left row: none of its facts still gives it, with a null entry.
      const rows = await sql.query<{ actor: ActorStub | null; id: string | null; cursor_key: string | null; item: TimelineItem }>(
        `WITH roles AS (${roles}),
         facts AS (
           SELECT type, id, (type || ':' || id) COLLATE "C" AS entry_key, array_agg(role ORDER BY rank) AS roles
             FROM (SELECT DISTINCT type, id, rank, role FROM roles) role GROUP BY type, id),
         entries AS (${entryTables})
         SELECT actor.stub AS actor, page.entry_key AS id, page.day AS cursor_key, page.item
           FROM (SELECT ${actorStubJson(window.actor)} AS stub) actor
           LEFT JOIN (
             SELECT e.day, e.entry_key,
                    json_build_object('type', e.type, 'id', e.id, 'date', e.fact_time, 'title', e.title, 'roles', e.roles) AS item
               FROM entries e ${filter.toSql()}
              ${orderForCursor("e.day", "e.entry_key")}
              LIMIT ${window.take}) page ON true
          ${orderForCursor("page.day", "page.entry_key")}`,
        filter.params,
        // Planned for this actor: whether its facts are best read in date order or through a link
        // table depends on how many it has in each role, which PostgreSQL's statistics know.
        { planEachTime: true },
      );
      const stub = rows[0]?.actor;
      if (!stub) return undefined;
      const entries = rows.filter((row): row is typeof row & { id: string } => row.id !== null);
      return { actor: stub, ...toPage<TimelineItem>(entries, filters.limit) };
    },
  };
}

export type ActorTimelineRepository = ReturnType<typeof createActorTimelineRepository>;
