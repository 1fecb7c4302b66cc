import { type CursorKeyKind } from "../lib/cursor.ts";
import { orderForCursor, type Page, toPage, whereAfterCursor } from "../lib/pagination.ts";
import type { SqlFilter } from "../lib/sql-builder.ts";
import type { SqlClient } from "./database.ts";

/** Filters every fact list shares: full text, dates, sources and incremental sync. */
export interface CommonFilters {
  q?: string;
  from?: string;
  to?: string;
  updatedSince?: string;
  sourceIds?: string[];
}

/** The query parameters behind CommonFilters, as every fact list's schema parses them. */
interface CommonQuery {
  q?: string;
  from?: string;
  to?: string;
  updatedSince?: string;
  source?: string[];
}

/** CommonFilters from a parsed query; paging is added by whoever pages (lists, exports). */
export function commonFilters(query: CommonQuery): CommonFilters {
  return { q: query.q, from: query.from, to: query.to, updatedSince: query.updatedSince, sourceIds: query.source };
}

export interface FactTable {
  /** `statements s`: the table and its alias. */
  from: string;
  alias: string;
  /** The date the list is ordered by; absent for lists ordered by name. */
  dateColumn?: string;
  /** The evidence subject type of the table's rows, for the `source` filter. */
  subjectType: string;
}

export function whereCommon(filter: SqlFilter, table: FactTable, filters: CommonFilters): void {
  const { alias } = table;
  if (filters.q) filter.where(`${alias}.search_vector @@ websearch_to_tsquery('english', ${filter.param(filters.q)})`);
  if (filters.from && table.dateColumn) filter.where(`${table.dateColumn} >= ${filter.param(filters.from)}::date`);
  if (filters.to && table.dateColumn) filter.where(`${table.dateColumn} <= ${filter.param(filters.to)}::date`);
  if (filters.updatedSince) filter.where(`${alias}.updated_at >= ${filter.param(filters.updatedSince)}::timestamptz`);
  if (filters.sourceIds) {
    filter.where(`EXISTS (SELECT 1 FROM evidence e WHERE e.source_id = ANY(${filter.param(filters.sourceIds)})
                    AND e.subject_type = '${table.subjectType}' AND e.subject_id = ${alias}.id)`);
  }
}

export interface ListQuery {
  table: FactTable;
  filter: SqlFilter;
  /** JSON of one item, in terms of the table's alias. */
  itemJson: string;
  sort: { column: string; kind: CursorKeyKind; cursorKey: string };
  limit: number;
  cursor?: string;
  count?: boolean;
}

/**
 * One keyset page: `limit + 1` rows in the list's order after the cursor, and the total matching
 * the filters only when asked for (counting costs a scan that plain paging avoids).
 */
export async function runListQuery<Item>(sql: SqlClient, query: ListQuery): Promise<Page<Item> & { total?: number }> {
  const { table, filter, sort } = query;
  const idColumn = `${table.alias}.id`;
  let total: number | undefined;
  if (query.count) {
    const [row] = await sql.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM ${table.from} ${filter.toSql()}`,
      filter.params,
    );
    total = row?.total ?? 0;
  }
  whereAfterCursor(filter, sort, idColumn, query.cursor);
  const rows = await sql.query<{ id: string; cursor_key: string | null; item: Item }>(
    `SELECT ${idColumn}, ${sort.cursorKey} AS cursor_key, ${query.itemJson} AS item
       FROM ${table.from} ${filter.toSql()}
       ${orderForCursor(sort.column, idColumn)}
      LIMIT ${filter.param(query.limit + 1)}`,
    filter.params,
  );
  return { ...toPage<Item>(rows, query.limit), ...(total === undefined ? {} : { total }) };
}
