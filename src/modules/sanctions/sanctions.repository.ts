import type { SqlClient } from "../../db/database.ts";
import { actorStubJson, actorStubsJson, apiEnum, evidenceJson, factTimeJson, isoDate, isoTimestamp } from "../../db/sql-fragments.ts";
import { type Page, orderForCursor, toPage, whereAfterCursor } from "../../lib/pagination.ts";
import { SqlFilter } from "../../lib/sql-builder.ts";
import type { Sanction } from "./sanctions.schemas.ts";

const SANCTION_JSON = `json_build_object(
  'id', sa.id,
  'authority', ${actorStubJson("sa.authority_id")},
  'measure', sa.measure,
  'programme', sa.programme,
  'reason', sa.reason,
  'status', ${apiEnum("sa.status")},
  'announced', ${factTimeJson("sa.announced_on", "sa.announced_precision", "sa.announced_wording")},
  'targets', ${actorStubsJson("sanction_targets", "sanction_id", "sa.id")},
  'targetGroups', (SELECT coalesce(json_agg(json_build_object(
                     'id', g.id, 'kind', ${apiEnum("g.kind")}, 'count', g.count, 'qualifier', ${apiEnum("g.qualifier")},
                     'description', g.description, 'evidence', ${evidenceJson("SANCTION_TARGET_GROUP", "g.id")})
                     ORDER BY g.position), '[]'::json)
                     FROM sanction_target_groups g WHERE g.sanction_id = sa.id),
  'about', ${actorStubsJson("sanction_subjects", "sanction_id", "sa.id")},
  'evidence', ${evidenceJson("SANCTION", "sa.id")},
  'createdAt', ${isoTimestamp("sa.created_at")},
  'updatedAt', ${isoTimestamp("sa.updated_at")}
)`;

export interface SanctionFilters {
  actorIds?: string[];
  authorityIds?: string[];
  targetIds?: string[];
  statuses?: string[];
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

const linkedTo = (table: string, ids: string) =>
  `EXISTS (SELECT 1 FROM ${table} link WHERE link.sanction_id = sa.id AND link.actor_id = ANY(${ids}))`;

export function createSanctionsRepository(sql: SqlClient) {
  return {
    async list(filters: SanctionFilters): Promise<Page<Sanction>> {
      const filter = new SqlFilter();
      if (filters.actorIds) {
        const ids = filter.param(filters.actorIds);
        filter.where(
          `(sa.authority_id = ANY(${ids}) OR ${linkedTo("sanction_targets", ids)} OR ${linkedTo("sanction_subjects", ids)})`,
        );
      }
      if (filters.authorityIds) filter.where(`sa.authority_id = ANY(${filter.param(filters.authorityIds)})`);
      if (filters.targetIds) filter.where(linkedTo("sanction_targets", filter.param(filters.targetIds)));
      if (filters.statuses) filter.where(`sa.status::text = ANY(${filter.param(filters.statuses.map((status) => status.toUpperCase()))})`);
      if (filters.from) filter.where(`sa.announced_on >= ${filter.param(filters.from)}`);
      if (filters.to) filter.where(`sa.announced_on <= ${filter.param(filters.to)}`);
      whereAfterCursor(filter, { column: "sa.announced_on", kind: "date" }, "sa.id", filters.cursor);
      const rows = await sql.query<{ id: string; cursor_key: string | null; item: Sanction }>(
        `SELECT sa.id, ${isoDate("sa.announced_on")} AS cursor_key, ${SANCTION_JSON} AS item
           FROM sanctions sa ${filter.toSql()}
           ${orderForCursor("sa.announced_on", "sa.id")}
          LIMIT ${filter.param(filters.limit + 1)}`,
        filter.params,
      );
      return toPage(rows, filters.limit);
    },

    async findById(id: string): Promise<Sanction | undefined> {
      const rows = await sql.query<{ item: Sanction }>(`SELECT ${SANCTION_JSON} AS item FROM sanctions sa WHERE sa.id = $1`, [id]);
      return rows[0]?.item;
    },
  };
}

export type SanctionsRepository = ReturnType<typeof createSanctionsRepository>;
