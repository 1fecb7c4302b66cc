import { type CursorKeyKind } from "../lib/cursor.ts";
import { decodeCursor } from "../lib/cursor.ts";
import { type JsonTextPage, keysetPage, toJsonTextPage } from "../lib/pagination.ts";
import type { SqlFilter } from "../lib/sql-builder.ts";
import type { SqlClient } from "./database.ts";

/** Filters every fact list shares: full text, dates, sources and incremental sync. */
export interface CommonFilters {
  q?: string;
  from?: string;
  to?: string;
  updatedSince?: string;
  sourceIds?: string[];
  minSources?: number;
  disputed?: boolean;
}

/** The query parameters behind CommonFilters, as every fact list's schema parses them. */
interface CommonQuery {
  q?: string;
  from?: string;
  to?: string;
  updatedSince?: string;
  source?: string[];
  minSources?: number;
  disputed?: boolean;
}

/** CommonFilters from a parsed query; paging is added by whoever pages (lists, exports). */
export function commonFilters(query: CommonQuery): CommonFilters {
  return {
    q: query.q, from: query.from, to: query.to, updatedSince: query.updatedSince, sourceIds: query.source,
    minSources: query.minSources, disputed: query.disputed,
  };
}

export interface FactTable {
  /** `statements s`: the table and its alias. */
  from: string;
  alias: string;
  /** The date the list is ordered by; absent for lists ordered by name. */
  dateColumn?: string;
  /** The claims column naming the table's rows, for the `source` filter; absent for sources themselves. */
  claimColumn?: string;
}

export function whereCommon(filter: SqlFilter, table: FactTable, filters: CommonFilters): void {
  const { alias } = table;
  if (filters.q) filter.where(`${alias}.search_vector @@ websearch_to_tsquery('english', ${filter.param(filters.q)})`);
  // A range on the date leaves the undated rows out: keyset pages then need no merge with them.
  if (filters.from && table.dateColumn) filter.where(`${table.dateColumn} >= ${filter.param(filters.from)}::date`).requireSet(table.dateColumn);
  if (filters.to && table.dateColumn) filter.where(`${table.dateColumn} <= ${filter.param(filters.to)}::date`).requireSet(table.dateColumn);
  if (filters.updatedSince) filter.where(`${alias}.updated_at >= ${filter.param(filters.updatedSince)}::timestamptz`);
  if (!table.claimColumn) return;
  // Tombstoned facts (deleted, merged, or backed by no source) leave every list.
  filter.where(`${alias}.deleted_at IS NULL`);
  if (filters.sourceIds) {
    filter.where(`EXISTS (SELECT 1 FROM claims c WHERE c.source_id = ANY(${filter.param(filters.sourceIds)})
                    AND c.${table.claimColumn} = ${alias}.id)`);
  }
  if (filters.minSources !== undefined) filter.where(`${alias}.source_count >= ${filter.param(filters.minSources)}`);
  if (filters.disputed !== undefined) filter.where(`${alias}.disputed = ${filter.param(filters.disputed)}`);
}

export interface ListQuery {
  table: FactTable;
  filter: SqlFilter;
  /** JSON of one item, in terms of the table's alias (jsonb or json: it is read as text). */
  itemJson: string;
  /** The hash of the item's rendering (`doc_hash`), of which the page's ETag is made; absent: the body is hashed. */
  itemHash?: string;
  sort: { column: string; kind: CursorKeyKind; cursorKey: string };
  limit: number;
  cursor?: string;
  count?: boolean;
}

/**
 * One keyset page: `limit + 1` rows in the list's order after the cursor, and the total matching
 * the filters only when asked for (counting costs a scan that plain paging avoids).
 */
export async function runListQuery<Item>(sql: SqlClient, query: ListQuery): Promise<JsonTextPage<Item>> {
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
  // Every column is text, read as bytes: the items' JSON is passed on as it is.
  const columns = `${idColumn}::text AS id, ${sort.cursorKey} AS cursor_key, (${query.itemJson})::text AS item, ${query.itemHash ?? "NULL"}::text AS hash`;
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, sort.kind);
  const rows = await sql.query<Parameters<typeof toJsonTextPage>[0][number]>(
    keysetPage(filter, { columns, from: table.from, sortColumn: sort.column, idColumn, cursor, limit: query.limit + 1 }),
    filter.params,
    { bytes: true },
  );
  return { ...toJsonTextPage<Item>(rows, query.limit), ...(total === undefined ? {} : { total }) };
}

/**
 * A fact by id: live (its stored JSON text, sent as it is, and the ETag of that rendering), gone
 * (tombstoned: 410), merged into another (308), or unknown (undefined).
 */
export type FactLookup<Item> =
  | { state: "live"; json: string; etag: string; readonly item?: Item }
  | { state: "gone"; reason: string }
  | { state: "merged"; into: string }
  | undefined;

export async function findFact<Item>(sql: SqlClient, table: string, id: string): Promise<FactLookup<Item>> {
  const [row] = await sql.query<{ doc: string | null; doc_hash: string | null; deleted_reason: string | null; merged_into_id?: string | null }>(
    `SELECT doc_text AS doc, doc_hash, deleted_reason${table === "actors" ? ", merged_into_id" : ""} FROM ${table} WHERE id = $1`,
    [id],
  );
  if (!row) return undefined;
  if (row.merged_into_id) return { state: "merged", into: row.merged_into_id };
  if (row.deleted_reason || !row.doc) return { state: "gone", reason: row.deleted_reason ?? "unbacked" };
  return { state: "live", json: row.doc, etag: `"${row.doc_hash}"` };
}

/** Live facts by id, in id order, for `include=`. */
export async function findLiveByIds<Item>(sql: SqlClient, table: string, ids: string[]): Promise<Item[]> {
  const rows = await sql.query<{ doc: Item }>(
    `SELECT doc FROM ${table} WHERE id = ANY($1) AND deleted_at IS NULL AND doc IS NOT NULL ORDER BY id`,
    [ids],
  );
  return rows.map((row) => row.doc);
}
