import type { SqlClient } from "../../db/database.ts";
import { apiEnum } from "../../db/sql-fragments.ts";
import { type StatementFilters, statementFilter } from "./statements.repository.ts";
import type { StatementGroup, StatementStatsGroup } from "./statements.stats.schemas.ts";

export type StatementStatsFilters = Omit<StatementFilters, "limit" | "cursor" | "count">;

/** Per grouping: the joins it needs, and the group's key and label. */
const GROUPS: Record<StatementGroup, { join: string; key: string; label: string }> = {
  speaker: { join: "JOIN actors speaker ON speaker.id = s.speaker_id", key: "s.speaker_id", label: "speaker.name" },
  kind: { join: "", key: apiEnum("s.kind"), label: apiEnum("s.kind") },
};

export function createStatementStatsRepository(sql: SqlClient) {
  return {
    /** Statements and verbatim quotes per group, most statements first, then by key (byte order). */
    async byGroup(groupBy: StatementGroup, filters: StatementStatsFilters): Promise<StatementStatsGroup[]> {
      const filter = statementFilter(filters);
      const group = GROUPS[groupBy];
      return sql.query<StatementStatsGroup>(
        `SELECT ${group.key} AS key, ${group.label} AS label, count(*)::int AS statements,
                count(*) FILTER (WHERE s.quote_type = 'VERBATIM')::int AS verbatim
           FROM statements s ${group.join} ${filter.toSql()}
          GROUP BY 1, 2
          ORDER BY count(*) DESC, ${group.key} COLLATE "C" ASC`,
        filter.params,
      );
    },
  };
}

export type StatementStatsRepository = ReturnType<typeof createStatementStatsRepository>;
