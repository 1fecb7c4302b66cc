import type { SqlClient } from "../../db/database.ts";
import { isoDate, isoTimestamp } from "../../db/sql-fragments.ts";
import { type Page, orderForCursor, toPage, whereAfterCursor } from "../../lib/pagination.ts";
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

export interface SourceFilters {
  languages?: string[];
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export function createSourcesRepository(sql: SqlClient) {
  return {
    async list(filters: SourceFilters): Promise<Page<SourceSummary>> {
      const filter = new SqlFilter();
      if (filters.languages) filter.where(`src.language = ANY(${filter.param(filters.languages)})`);
      if (filters.from) filter.where(`src.published_on >= ${filter.param(filters.from)}`);
      if (filters.to) filter.where(`src.published_on <= ${filter.param(filters.to)}`);
      whereAfterCursor(filter, { column: "src.published_on", kind: "date" }, "src.id", filters.cursor);
      const rows = await sql.query<{ id: string; cursor_key: string; item: SourceSummary }>(
        `SELECT src.id, ${isoDate("src.published_on")} AS cursor_key, json_build_object(${SUMMARY_FIELDS}) AS item
           FROM sources src ${filter.toSql()}
           ${orderForCursor("src.published_on", "src.id")}
          LIMIT ${filter.param(filters.limit + 1)}`,
        filter.params,
      );
      return toPage(rows, filters.limit);
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
