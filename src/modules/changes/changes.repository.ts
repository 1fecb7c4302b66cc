import type { SqlClient } from "../../db/database.ts";
import { isoTimestamp } from "../../db/sql-fragments.ts";
import { badRequest } from "../../lib/problem.ts";
import type { Change } from "./changes.schemas.ts";

// The change feed reads revisions in the order of the transactions that wrote them, (txid, id),
// and only those below the oldest transaction still running (the snapshot's xmin). Every
// transaction that could still add a revision sorts after that watermark, so a reader that has
// moved past a position never misses a revision committed later by a slow writer. A fact's
// versions may then come out of order (a writer that took its transaction id early and its row
// lock late): readers keep the highest version of each fact, as the documentation says.

interface Position {
  txid: string;
  id: number;
}

const CURSOR_TAG = "chg";

export function encodeChangeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([CURSOR_TAG, position.txid, position.id])).toString("base64url");
}

export function decodeChangeCursor(value: string, field: string): Position {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  if (
    Array.isArray(decoded) && decoded.length === 3 && decoded[0] === CURSOR_TAG &&
    typeof decoded[1] === "string" && /^\d{1,20}$/.test(decoded[1]) &&
    Number.isSafeInteger(decoded[2]) && decoded[2] >= 0 && decoded[2] <= 2_147_483_647
  ) {
    return { txid: decoded[1], id: decoded[2] };
  }
  throw badRequest("This is not a cursor of the change feed.", [{ field, message: "Not a cursor the change feed issued" }]);
}

const START: Position = { txid: "0", id: 0 };

export function createChangesRepository(sql: SqlClient) {
  return {
    /** Changes after `after`, oldest first, and the position to resume from. */
    async after(after: Position | undefined, limit: number, resources?: string[]): Promise<{ entries: { change: Change; position: Position }[]; next: Position }> {
      const from = after ?? START;
      const rows = await sql.query<{
        txid: string; id: number; resource: Change["resource"]; fact_id: string; action: Change["action"];
        version: number; changed_at: string; doc: Record<string, unknown> | null;
      }>(
        `SELECT r.txid::text AS txid, r.id, r.resource, r.fact_id, r.action, r.version, ${isoTimestamp("r.created_at")} AS changed_at, r.doc
           FROM revisions r
          WHERE (r.txid, r.id) > ($1::xid8, $2)
            AND r.txid < pg_snapshot_xmin(pg_current_snapshot())
            ${resources ? "AND r.resource = ANY($4)" : ""}
          ORDER BY r.txid, r.id
          LIMIT $3`,
        [from.txid, from.id, limit, ...(resources ? [resources] : [])],
      );
      const last = rows.at(-1);
      return {
        entries: rows.map((row) => ({
          change: {
            resource: row.resource,
            id: row.fact_id,
            action: row.action,
            version: row.version,
            changedAt: row.changed_at,
            item: row.action === "delete" || row.action === "merge" ? null : row.doc,
          },
          position: { txid: row.txid, id: row.id },
        })),
        next: last ? { txid: last.txid, id: last.id } : from,
      };
    },
  };
}

export type ChangesRepository = ReturnType<typeof createChangesRepository>;
