import { type Cursor, encodeCursor } from "./cursor.ts";
import type { SqlFilter } from "./sql-builder.ts";

export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/**
 * Restricts `filter` to the rows after `cursor` in the order `sortColumn ASC NULLS LAST, idColumn ASC`:
 * one condition, for a few rows already found (an actor's timeline entries); a table's list seeks
 * its index through keysetPage instead.
 */
export function whereAfterCursor(filter: SqlFilter, sortColumn: string, idColumn: string, cursor?: Cursor): void {
  if (!cursor) return;
  const id = filter.param(cursor.id);
  if (cursor.key === null) {
    filter.where(`(${sortColumn} IS NULL AND ${idColumn} > ${id})`);
    return;
  }
  const key = filter.param(cursor.key);
  filter.where(
    `(${sortColumn} > ${key} OR (${sortColumn} = ${key} AND ${idColumn} > ${id}) OR ${sortColumn} IS NULL)`,
  );
}

export const orderForCursor = (sortColumn: string, idColumn: string) =>
  `ORDER BY ${sortColumn} ASC NULLS LAST, ${idColumn} ASC`;

/**
 * The SQL of one keyset page: `limit` rows of `columns` (which name the sort key `cursor_key` and
 * the id `id`) in the order `sortColumn ASC NULLS LAST, idColumn ASC`, after `cursor`. After a dated
 * (keyed) cursor the page is the rows after it by `(sort, id)`, then the undated ones: two index
 * ranges, merged (one, where the filter keeps only dated rows: SqlFilter.requiresSet). Written as
 * one condition (after it, or undated), the index could not seek to the cursor, and read and dropped
 * every row before it: a page 80 % of the way through a million rows took 2.9 s, and an export of
 * them all would have taken hours.
 */
export function keysetPage(
  filter: SqlFilter,
  page: { columns: string; from: string; sortColumn: string; idColumn: string; cursor: Cursor | undefined; limit: number },
): string {
  const { columns, from, sortColumn, idColumn, cursor } = page;
  const limit = filter.param(page.limit);
  const where = (condition: string) => (filter.toSql() === "" ? `WHERE ${condition}` : `${filter.toSql()} AND ${condition}`);
  const select = (condition?: string) =>
    `SELECT ${columns} FROM ${from} ${condition ? where(condition) : filter.toSql()} ${orderForCursor(sortColumn, idColumn)} LIMIT ${limit}`;
  if (!cursor) return select();
  const id = filter.param(cursor.id);
  if (cursor.key === null) return select(`${sortColumn} IS NULL AND ${idColumn} > ${id}`);
  const key = filter.param(cursor.key);
  if (filter.requiresSet(sortColumn)) return select(`(${sortColumn}, ${idColumn}) > (${key}, ${id})`);
  return `SELECT * FROM ((${select(`(${sortColumn}, ${idColumn}) > (${key}, ${id})`)}) UNION ALL (${select(`${sortColumn} IS NULL`)})) page
           ORDER BY cursor_key ASC NULLS LAST, id ASC LIMIT ${limit}`;
}

/** A column read as bytes (pg, QueryOptions.bytes) or as a string (the embedded database, and most reads). */
type Bytes = Buffer | string;
const asString = (value: Bytes) => (typeof value === "string" ? value : value.toString("utf8"));

interface KeyedRow {
  id: Bytes;
  cursor_key: Bytes | null;
}

/** The cursor after `limit` of `limit + 1` fetched rows: the extra row only says whether there is a next one. */
function nextCursorOf(rows: KeyedRow[], limit: number): string | null {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return last ? encodeCursor({ key: last.cursor_key === null ? null : asString(last.cursor_key), id: asString(last.id) }) : null;
}

/** Turns `limit + 1` fetched rows into a page. */
export function toPage<Item>(rows: (KeyedRow & { item: unknown })[], limit: number): Page<Item> {
  return { items: rows.slice(0, limit).map((row) => row.item as Item), nextCursor: nextCursorOf(rows, limit) };
}

/**
 * A page of items as the database keeps them: each item's JSON as UTF-8, sent as it is (no decoding,
 * parse, re-serialisation or encoding: most of a list's time went to those), and the hash of each
 * rendering, of which the page's ETag is made (null where an item has none: the body is hashed instead).
 */
export interface JsonTextPage<Item> {
  texts: Buffer[];
  hashes: (string | null)[];
  nextCursor: string | null;
  total?: number;
  /** Only for the type checker: what each text is the JSON of. */
  readonly item?: Item;
}

/** Turns `limit + 1` fetched rows of JSON text into a page. */
export function toJsonTextPage<Item>(rows: (KeyedRow & { item: Bytes; hash: Bytes | null })[], limit: number): JsonTextPage<Item> {
  const items = rows.slice(0, limit);
  return {
    texts: items.map((row) => (typeof row.item === "string" ? Buffer.from(row.item) : row.item)),
    hashes: items.map((row) => (row.hash === null ? null : asString(row.hash))),
    nextCursor: nextCursorOf(rows, limit),
  };
}

/** The items of a JSON text page as objects, for what reads into them (exports, `fields=`, `include=`). */
export function parsePage<Item>(page: JsonTextPage<Item>): Page<Item> & { total?: number } {
  return {
    items: page.texts.map((text) => JSON.parse(text.toString("utf8")) as Item),
    nextCursor: page.nextCursor,
    ...(page.total === undefined ? {} : { total: page.total }),
  };
}

/** The `page` object of a list response: the cursor and the same request's URL with it. */
export function pageInfo(requestUrl: string, nextCursor: string | null) {
  if (nextCursor === null) return { nextCursor: null, next: null };
  const url = new URL(requestUrl, "http://placeholder");
  url.searchParams.set("cursor", nextCursor);
  return { nextCursor, next: `${url.pathname}${url.search}` };
}

/** The list response: a page of items, its links, and the total when it was counted. */
export function listReply<Item>(requestUrl: string, page: Page<Item> & { total?: number }) {
  return {
    data: page.items,
    page: pageInfo(requestUrl, page.nextCursor),
    ...(page.total === undefined ? {} : { total: page.total }),
  };
}
