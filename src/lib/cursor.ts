import { unstorableReason } from "./storable-text.ts";

/**
 * Keyset position of the last item of a page: its sort key (`key`, null for undated items, which
 * sort last) and its id. Opaque to clients: base64url JSON.
 */
export interface Cursor {
  key: string | null;
  id: string;
}

/** A cursor that the list it was given to did not issue: forged, truncated, or pasted from another list. */
export class InvalidCursor extends Error {
  constructor(readonly detail = "The cursor is not one this API issued.") {
    super(detail);
    this.name = "InvalidCursor";
  }
}

/** The error for a cursor a list did not issue; plugins/errors.ts answers it with a 400 naming `query.cursor`. */
export function invalidCursor(detail?: string): InvalidCursor {
  return new InvalidCursor(detail);
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id])).toString("base64url");
}

/** How the sort key of a list looks; a cursor with any other key was not issued by that list. */
export type CursorKeyKind = "date" | "text";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
// Longer than any sort key or id the database holds (ids are at most 200 characters, names 300).
const MAX_PART_LENGTH = 1000;

export function decodeCursor(value: string, keyKind: CursorKeyKind): Cursor {
  const decoded = parseCursor(value);
  if (decoded?.length === 2 && isKey(decoded[0], keyKind) && isId(decoded[1])) return { key: decoded[0], id: decoded[1] };
  throw invalidCursor();
}

/**
 * The lists that page with cursors, each with the tag its cursors carry and the kind of its sort key.
 * A tag stands for one list in one order: a cursor is only ever read back by the list that issued it.
 */
const LISTS = {
  actors: { tag: "act:name", keyKind: "text" },
  statements: { tag: "st:said", keyKind: "date" },
  sanctions: { tag: "sa:announced", keyKind: "date" },
  "attack-events": { tag: "ae:occurred", keyKind: "date" },
  sources: { tag: "src:published", keyKind: "date" },
  timeline: { tag: "tl:date", keyKind: "date" },
  search: { tag: "q:rank", keyKind: "text" },
} as const satisfies Record<string, { tag: string; keyKind: CursorKeyKind }>;

export type CursorList = keyof typeof LISTS;

/**
 * Cursors as one list shows them to clients: its repository's cursor (`[key, id]`) with the list's
 * tag in front (`[tag, key, id]`), base64url JSON like any other.
 */
export interface ListCursors {
  /** The repository's cursor behind a client's cursor; an InvalidCursor unless this list issued it. */
  read(value: string | undefined): string | undefined;
  /** The client's cursor for a repository's next cursor. */
  issue(cursor: string | null): string | null;
}

export function listCursors(list: CursorList): ListCursors {
  const { tag, keyKind } = LISTS[list];
  return {
    read(value) {
      if (value === undefined) return undefined;
      const decoded = parseCursor(value);
      if (decoded?.length === 3 && decoded[0] === tag && isKey(decoded[1], keyKind) && isId(decoded[2])) {
        return encodeCursor({ key: decoded[1], id: decoded[2] });
      }
      throw invalidCursor(`The cursor is not one that ${list === "timeline" || list === "search" ? `the ${list}` : `/v1/${list}`} issued.`);
    },
    issue(cursor) {
      if (cursor === null) return null;
      // The repository's own `[key, id]` (encodeCursor), with the tag put first: what this API made
      // needs no parsing and checking again (a sixtieth of a list page's time did that).
      const json = Buffer.from(cursor, "base64url").toString("utf8");
      return Buffer.from(`[${JSON.stringify(tag)},${json.slice(1)}`).toString("base64url");
    },
  };
}

function parseCursor(value: string): unknown[] | undefined {
  // Strict base64url: Buffer.from skips characters it does not know, which would let junk through.
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    return Array.isArray(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}

function isKey(value: unknown, kind: CursorKeyKind): value is string | null {
  if (value === null) return true;
  if (typeof value !== "string") return false;
  return kind === "date" ? isIsoDate(value) : isStorable(value);
}

function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && isStorable(value);
}

/** Text the database can compare with: not too long, no NUL byte, no lone surrogate. */
function isStorable(value: string): boolean {
  return value.length <= MAX_PART_LENGTH && unstorableReason(value) === undefined;
}

/** A real calendar date PostgreSQL accepts: 2022-02-30 and year 0000 are not. */
export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value) || value.startsWith("0000")) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}
