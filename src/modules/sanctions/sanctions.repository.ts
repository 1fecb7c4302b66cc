import type { SqlClient } from "../../db/database.ts";
import { isoDate } from "../../db/sql-fragments.ts";
import { type CommonFilters, type FactLookup, type FactTable, findFact, runListQuery, whereCommon } from "../../db/list-query.ts";
import type { JsonTextPage } from "../../lib/pagination.ts";
import { containsPattern } from "../../lib/sql-builder.ts";
import { SqlFilter } from "../../lib/sql-builder.ts";
import type { Sanction } from "./sanctions.schemas.ts";


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

const SANCTIONS: FactTable = { from: "sanctions sa", alias: "sa", dateColumn: "sa.announced_on", claimColumn: "sanction_id" };

const linkedTo = (table: string, ids: string) =>
  `EXISTS (SELECT 1 FROM ${table} link WHERE link.sanction_id = sa.id AND link.actor_id = ANY(${ids}))`;

export function createSanctionsRepository(sql: SqlClient) {
  return {
    async list(filters: SanctionFilters): Promise<JsonTextPage<Sanction>> {
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
        itemJson: "sa.doc_text",
        itemHash: "sa.doc_hash",
        sort: { column: "sa.announced_on", kind: "date", cursorKey: isoDate("sa.announced_on") },
        limit: filters.limit,
        cursor: filters.cursor,
        count: filters.count,
      });
    },

    async findById(id: string): Promise<FactLookup<Sanction>> {
      return findFact<Sanction>(sql, "sanctions", id);
    },
  };
}

export type SanctionsRepository = ReturnType<typeof createSanctionsRepository>;
