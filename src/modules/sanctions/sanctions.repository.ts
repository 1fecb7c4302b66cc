import type { SqlClient } from "../../db/database.ts";
import { actorStubJson, actorStubsJson, apiEnum, evidenceJson, factTimeJson, isoDate, isoTimestamp } from "../../db/sql-fragments.ts";
import { type CommonFilters, type FactTable, runListQuery, whereCommon } from "../../db/list-query.ts";
import type { Page } from "../../lib/pagination.ts";
import { containsPattern } from "../../lib/sql-builder.ts";
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

export interface SanctionFilters extends CommonFilters {
  actorIds?: string[];
  authorityIds?: string[];
  targetIds?: string[];
  statuses?: string[];
  reason?: string;
  limit: number;
  cursor?: string;
  count?: boolean;
}

const SANCTIONS: FactTable = { from: "sanctions sa", alias: "sa", dateColumn: "sa.announced_on", subjectType: "SANCTION" };

const linkedTo = (table: string, ids: string) =>
  `EXISTS (SELECT 1 FROM ${table} link WHERE link.sanction_id = sa.id AND link.actor_id = ANY(${ids}))`;

export function createSanctionsRepository(sql: SqlClient) {
  return {
    async list(filters: SanctionFilters): Promise<Page<Sanction> & { total?: number }> {
      const filter = new SqlFilter();
      whereCommon(filter, SANCTIONS, filters);
      if (filters.actorIds) {
        const ids = filter.param(filters.actorIds);
        filter.where(
          `(sa.authority_id = ANY(${ids}) OR ${linkedTo("sanction_targets", ids)} OR ${linkedTo("sanction_subjects", ids)})`,
        );
      }
      if (filters.authorityIds) filter.where(`sa.authority_id = ANY(${filter.param(filters.authorityIds)})`);
      if (filters.targetIds) filter.where(linkedTo("sanction_targets", filter.param(filters.targetIds)));
      if (filters.statuses) filter.where(`sa.status::text = ANY(${filter.param(filters.statuses.map((status) => status.toUpperCase()))})`);
      if (filters.reason) filter.where(`sa.reason ILIKE ${filter.param(containsPattern(filters.reason))}`);
      return runListQuery<Sanction>(sql, {
        table: SANCTIONS,
        filter,
        itemJson: SANCTION_JSON,
        sort: { column: "sa.announced_on", kind: "date", cursorKey: isoDate("sa.announced_on") },
        limit: filters.limit,
        cursor: filters.cursor,
        count: filters.count,
      });
    },

    async findById(id: string): Promise<Sanction | undefined> {
      const rows = await sql.query<{ item: Sanction }>(`SELECT ${SANCTION_JSON} AS item FROM sanctions sa WHERE sa.id = $1`, [id]);
      return rows[0]?.item;
    },
  };
}

export type SanctionsRepository = ReturnType<typeof createSanctionsRepository>;
