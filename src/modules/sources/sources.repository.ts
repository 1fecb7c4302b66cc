import type { SqlClient } from "../../db/database.ts";
import { isoDate, isoTimestamp } from "../../db/sql-fragments.ts";
import { type CommonFilters, type FactTable, runListQuery, whereCommon } from "../../db/list-query.ts";
import type { JsonTextPage } from "../../lib/pagination.ts";
import { SqlFilter } from "../../lib/sql-builder.ts";
import type { Source, SourceSummary } from "./sources.schemas.ts";

// The counts are kept by every write (db/source-counts.ts); a source that backs nothing has no row.
const WITH_COUNTS = "sources src LEFT JOIN source_fact_counts sfc ON sfc.source_id = src.id";

const SUMMARY_FIELDS = `
  'id', src.id, 'publisher', src.publisher, 'title', src.title, 'authors', to_json(src.authors),
  'url', src.url, 'publishedOn', ${isoDate("src.published_on")}, 'language', src.language,
  'translationNote', src.translation_note, 'licence', src.licence,
  'factCounts', json_build_object(
    'actors', coalesce(sfc.actors, 0), 'statements', coalesce(sfc.statements, 0), 'sanctions', coalesce(sfc.sanctions, 0),
    'attackEvents', coalesce(sfc.attack_events, 0), 'evidence', coalesce(sfc.evidence, 0)),
  'textSha256', src.text_sha256, 'textLength', src.text_length,
  'createdAt', ${isoTimestamp("src.created_at")}, 'updatedAt', ${isoTimestamp("src.updated_at")}`;

export interface SourceFilters extends Omit<CommonFilters, "sourceIds"> {
  languages?: string[];
  limit: number;
  cursor?: string;
  count?: boolean;
}

const SOURCES: FactTable = { from: WITH_COUNTS, alias: "src", dateColumn: "src.published_on" };

export function createSourcesRepository(sql: SqlClient) {
  return {
    async list(filters: SourceFilters): Promise<JsonTextPage<SourceSummary>> {
      const filter = new SqlFilter();
      whereCommon(filter, SOURCES, filters);
      if (filters.languages) filter.where(`src.language = ANY(${filter.param(filters.languages)})`);
      return runListQuery<SourceSummary>(sql, {
        table: SOURCES,
        filter,
        itemJson: `jsonb_build_object(${SUMMARY_FIELDS})`,
        sort: { column: "src.published_on", kind: "date", cursorKey: isoDate("src.published_on") },
        limit: filters.limit,
        cursor: filters.cursor,
        count: filters.count,
      });
    },

    /** Summaries for `include=sources`, in id order. */
    async summariesByIds(ids: string[]): Promise<SourceSummary[]> {
      const rows = await sql.query<{ item: SourceSummary }>(
        `SELECT json_build_object(${SUMMARY_FIELDS}) AS item FROM ${WITH_COUNTS} WHERE src.id = ANY($1) ORDER BY src.id`,
        [ids],
      );
      return rows.map((row) => row.item);
    },

    /**
     * A source with the excerpts its facts quote; its full text only when `withText` (a key with the
     * `sources:text` scope): the text is kept to verify excerpts, and its licence may forbid republishing it.
     */
    async findById(id: string, withText: boolean): Promise<Source | undefined> {
      const rows = await sql.query<{ item: Source }>(
        `SELECT json_build_object(${SUMMARY_FIELDS},
                  'excerpts', (SELECT coalesce(json_agg(json_build_object('start', q.start, 'end', q."end", 'excerpt', q.excerpt)
                                                         ORDER BY q.start, q."end"), '[]'::json)
                                 FROM (SELECT DISTINCT e.start, e."end", e.excerpt FROM evidence e WHERE e.source_id = src.id) q)
                  ${withText ? ", 'text', src.text" : ""}) AS item
           FROM ${WITH_COUNTS} WHERE src.id = $1`,
        [id],
      );
      return rows[0]?.item;
    },
  };
}

export type SourcesRepository = ReturnType<typeof createSourcesRepository>;
