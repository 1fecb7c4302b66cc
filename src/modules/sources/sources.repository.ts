import type { SqlClient } from "../../db/database.ts";
import { isoDate, isoTimestamp } from "../../db/sql-fragments.ts";
import { type CommonFilters, type FactTable, runListQuery, whereCommon } from "../../db/list-query.ts";
import type { Page } from "../../lib/pagination.ts";
import { SqlFilter } from "../../lib/sql-builder.ts";
import type { Source, SourceSummary } from "./sources.schemas.ts";

const countBacked = (subjectType: string) =>
  `(SELECT count(DISTINCT e.subject_id)::int FROM evidence e WHERE e.source_id = src.id AND e.subject_type = '${subjectType}')`;

const SUMMARY_FIELDS = `
  'id', src.id, 'publisher', src.publisher, 'title', src.title, 'authors', to_json(src.authors),
  'url', src.url, 'publishedOn', ${isoDate("src.published_on")}, 'language', src.language,
  'translationNote', src.translation_note, 'licence', src.licence,
  'factCounts', json_build_object(
    'actors', ${countBacked("ACTOR")}, 'statements', ${countBacked("STATEMENT")},
    'sanctions', ${countBacked("SANCTION")}, 'attackEvents', ${countBacked("ATTACK_EVENT")},
    'evidence', (SELECT count(*)::int FROM evidence e WHERE e.source_id = src.id)),
  'createdAt', ${isoTimestamp("src.created_at")}, 'updatedAt', ${isoTimestamp("src.updated_at")}`;

export interface SourceFilters extends Omit<CommonFilters, "sourceIds"> {
  languages?: string[];
  limit: number;
  cursor?: string;
  count?: boolean;
}

const SOURCES: FactTable = { from: "sources src", alias: "src", dateColumn: "src.published_on", subjectType: "SOURCE" };

export function createSourcesRepository(sql: SqlClient) {
  return {
    async list(filters: SourceFilters): Promise<Page<SourceSummary> & { total?: number }> {
      const filter = new SqlFilter();
      whereCommon(filter, SOURCES, filters);
      if (filters.languages) filter.where(`src.language = ANY(${filter.param(filters.languages)})`);
      return runListQuery<SourceSummary>(sql, {
        table: SOURCES,
        filter,
        itemJson: `json_build_object(${SUMMARY_FIELDS})`,
        sort: { column: "src.published_on", kind: "date", cursorKey: isoDate("src.published_on") },
        limit: filters.limit,
        cursor: filters.cursor,
        count: filters.count,
      });
    },

    /** Summaries for `include=sources`, in id order. */
    async summariesByIds(ids: string[]): Promise<SourceSummary[]> {
      const rows = await sql.query<{ item: SourceSummary }>(
        `SELECT json_build_object(${SUMMARY_FIELDS}) AS item FROM sources src WHERE src.id = ANY($1) ORDER BY src.id`,
        [ids],
      );
      return rows.map((row) => row.item);
    },

    async findById(id: string): Promise<Source | undefined> {
      const rows = await sql.query<{ item: Source }>(
        `SELECT json_build_object(${SUMMARY_FIELDS}, 'text', src.text) AS item FROM sources src WHERE src.id = $1`,
        [id],
      );
      return rows[0]?.item;
    },
  };
}

export type SourcesRepository = ReturnType<typeof createSourcesRepository>;
