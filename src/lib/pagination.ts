import { type Cursor, type CursorKeyKind, decodeCursor, encodeCursor } from "./cursor.ts";
import type { SqlFilter } from "./sql-builder.ts";

export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/**
 * Restricts `filter` to the rows after `cursor` in the order `sortColumn ASC NULLS LAST, idColumn ASC`
 * (PostgreSQL's default for ASC, so a plain `(sort, id)` index serves it).
 */
export function whereAfterCursor(
  filter: SqlFilter,
  sort: { column: string; kind: CursorKeyKind },
  idColumn: string,
  cursorValue?: string,
): void {
  if (!cursorValue) return;
  const cursor: Cursor = decodeCursor(cursorValue, sort.kind);
  const sortColumn = sort.column;
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

interface KeyedRow {
  id: string;
  cursor_key: string | null;
  item: unknown;
}

/** Turns `limit + 1` fetched rows into a page: the extra row only says whether there is a next one. */
export function toPage<Item>(rows: KeyedRow[], limit: number): Page<Item> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map((row) => row.item as Item),
    nextCursor: rows.length > limit && last ? encodeCursor({ key: last.cursor_key, id: last.id }) : null,
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
