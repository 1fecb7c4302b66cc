import { badRequest } from "./problem.ts";

/**
 * Keyset position of the last item of a page: its sort key (`key`, null for undated items, which
 * sort last) and its id. Opaque to clients: base64url JSON.
 */
export interface Cursor {
  key: string | null;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id])).toString("base64url");
}

/** How the sort key of a list looks; a cursor with any other key was not issued by that list. */
export type CursorKeyKind = "date" | "text";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function decodeCursor(value: string, keyKind: CursorKeyKind): Cursor {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      (decoded[0] === null || (typeof decoded[0] === "string" && (keyKind === "text" || isIsoDate(decoded[0])))) &&
      typeof decoded[1] === "string"
    ) {
      return { key: decoded[0], id: decoded[1] };
    }
  } catch {
    // fall through to the problem below
  }
  throw invalidCursor();
}

/** The 400 for a cursor that a list did not issue: forged, truncated, or pasted from another list. */
export function invalidCursor(detail = "The cursor is not one this API issued.") {
  return badRequest(detail, [
    { field: "query.cursor", message: "Invalid cursor: pass the nextCursor of a previous page unchanged" },
  ]);
}

/** A real calendar date PostgreSQL accepts: 2022-02-30 and year 0000 are not. */
export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value) || value.startsWith("0000")) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}
