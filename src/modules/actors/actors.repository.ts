import type { SqlClient } from "../../db/database.ts";
import { actorKey } from "../../lib/actor-key.ts";
import { type CommonFilters, type FactLookup, type FactTable, findFact, findLiveByIds, runListQuery, whereCommon } from "../../db/list-query.ts";
import type { JsonTextPage } from "../../lib/pagination.ts";
import type { Position } from "../../lib/geojson.ts";
import { badRequest } from "../../lib/problem.ts";
import { SqlFilter } from "../../lib/sql-builder.ts";
import type { Actor } from "./actors.schemas.ts";


export interface ActorFilters extends Omit<CommonFilters, "from" | "to"> {
  types?: string[];
  ids?: string[];
  countryIds?: string[];
  wikidataIds?: string[];
  limit: number;
  cursor?: string;
  count?: boolean;
}

const ACTORS: FactTable = { from: "actors act", alias: "act", claimColumn: "actor_id" };

/**
 * The actors a reference names, a row (`actor_id`) each way it names one: its id (a merged actor's id
 * stands for its survivor), its name or an alias, compared by actorKey. `value` and `key` are SQL
 * expressions of the reference and its key. One index lookup per way: a join on their OR was a scan of
 * every actor with an alias subquery each, most of a filtered list's time in PostgreSQL.
 */
const actorsNamedBy = (value: string, key: string) =>
  `SELECT coalesce(act.merged_into_id, act.id) AS actor_id FROM actors act
    WHERE act.id = ${value} AND (act.merged_into_id IS NOT NULL OR act.deleted_at IS NULL)
   UNION ALL
   SELECT act.id FROM actors act WHERE act.name_key = ${key} AND act.deleted_at IS NULL
   UNION ALL
   SELECT act.id FROM actor_aliases al JOIN actors act ON act.id = al.actor_id
    WHERE al.alias_key = ${key} AND act.deleted_at IS NULL`;

/**
 * One reference (`iran`, `Odessa`) resolved inside another query, as resolveRefs resolves it: a scalar
 * subquery giving the one actor it names, or NULL when it names none or several (the caller then
 * resolves it apart: a 400, or a filter on several ids). Compared with `=`, PostgreSQL reads an index
 * on the actor and the date in list order, and the list needs no round trip of its own to resolve it.
 */
export function singleActorRef(filter: SqlFilter, ref: string): string {
  const named = actorsNamedBy(filter.param(ref), filter.param(actorKey(ref)));
  return `(SELECT CASE WHEN count(DISTINCT named.actor_id) = 1 THEN min(named.actor_id) END FROM (${named}) named)`;
}

export function createActorsRepository(sql: SqlClient) {
  return {
    async list(filters: ActorFilters): Promise<JsonTextPage<Actor>> {
      const filter = new SqlFilter();
      whereCommon(filter, ACTORS, filters);
      if (filters.types) filter.where(`act.type::text = ANY(${filter.param(filters.types.map((type) => type.toUpperCase()))})`);
      if (filters.ids) filter.where(`act.id = ANY(${filter.param(filters.ids)})`);
      if (filters.countryIds) filter.where(`act.country_id = ANY(${filter.param(filters.countryIds)})`);
      if (filters.wikidataIds) filter.where(`act.wikidata_id = ANY(${filter.param(filters.wikidataIds)})`);
      return runListQuery<Actor>(sql, {
        table: ACTORS,
        filter,
        itemJson: "act.doc_text",
        itemHash: "act.doc_hash",
        sort: { column: "act.name_key", kind: "text", cursorKey: "act.name_key" },
        limit: filters.limit,
        cursor: filters.cursor,
        count: filters.count,
      });
    },

    /** Full records for `include=`, in id order. */
    async findByIds(ids: string[]): Promise<Actor[]> {
      return findLiveByIds<Actor>(sql, "actors", ids);
    },

    async findById(id: string): Promise<FactLookup<Actor>> {
      return findFact<Actor>(sql, "actors", id);
    },

    /**
     * Resolves what a user typed (`iran`, `Odessa`, `Ibrahim Raisi`) to actor ids: an exact id, or a
     * name or alias compared case-insensitively. An unknown reference is a 400 naming `field`:
     * a typo must not silently return an empty list.
     */
    async resolveRefs(refs: string[], field: string): Promise<string[]> {
      const keys = refs.map(actorKey);
      const rows = await sql.query<{ ref: string; actor_id: string }>(
        `WITH ref AS (SELECT * FROM unnest($1::text[], $2::text[]) AS ref(value, key))
         SELECT DISTINCT ref.value AS ref, named.actor_id FROM ref CROSS JOIN LATERAL (${actorsNamedBy("ref.value", "ref.key")}) named`,
        [refs, keys],
      );
      const unknown = refs.filter((ref) => !rows.some((row) => row.ref === ref));
      if (unknown.length > 0) {
        throw badRequest(`No actor is known by ${unknown.map((ref) => `"${ref}"`).join(", ")}.`, [
          { field, message: `Unknown actor: ${unknown.join(", ")}. Use an id, name or alias from /v1/actors` },
        ]);
      }
      return [...new Set(rows.map((row) => row.actor_id))];
    },

    /** Reference positions of the given places that have coordinates, as GeoJSON [longitude, latitude]. */
    async positionsOf(ids: string[]): Promise<Map<string, Position>> {
      if (ids.length === 0) return new Map();
      const rows = await sql.query<{ id: string; longitude: number; latitude: number }>(
        `SELECT id, longitude, latitude FROM actors
          WHERE id = ANY($1) AND latitude IS NOT NULL AND longitude IS NOT NULL`,
        [ids],
      );
      return new Map(rows.map((row) => [row.id, [row.longitude, row.latitude]]));
    },

    /** `resolveRefs` for an optional filter: no references, no filter. */
    async resolveOptionalRefs(refs: string[] | undefined, field: string): Promise<string[] | undefined> {
      return refs === undefined ? undefined : this.resolveRefs(refs, field);
    },
  };
}

export type ActorsRepository = ReturnType<typeof createActorsRepository>;
