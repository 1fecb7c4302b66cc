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

export function decodeCursor(value: string): Cursor {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      (decoded[0] === null || typeof decoded[0] === "string") &&
      typeof decoded[1] === "string"
    ) {
      return { key: decoded[0], id: decoded[1] };
    }
  } catch {
    // fall through to the problem below
  }
  throw badRequest("The cursor is not one this API issued.", [
    { field: "query.cursor", message: "Invalid cursor: pass the nextCursor of a previous page unchanged" },
  ]);
}
