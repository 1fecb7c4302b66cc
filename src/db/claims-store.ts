import { type ClaimValues, type FactKind, SUBJECT_COLUMN } from "../lib/bundle-claims.ts";
import type { SqlClient } from "./database.ts";

// Reading claims, their evidence and actor stubs in batches, for rendering facts (projection.ts).

export interface EvidenceRow {
  id: number;
  claimId: number;
  sourceId: string;
  excerpt: string;
  start: number;
  end: number;
  locator: string | null;
}

export interface ClaimRow extends ClaimValues {
  id: number;
  sourceId: string;
  origin: string;
  preferred: boolean;
  evidence: EvidenceRow[];
}

/** Claim columns as the renderer wants them: numbers as numbers, dates as ISO text, enums as text. */
export const CLAIM_COLUMNS = `c.id, c.source_id AS "sourceId", c.field, c.key, c.origin, c.reported_by_id AS "reportedById",
  c.number_value::float8 AS "numberValue", c.number_low::float8 AS "numberLow", c.number_high::float8 AS "numberHigh",
  c.qualifier::text AS qualifier, c.text_value AS "textValue", c.actor_value_id AS "actorValueId",
  c.statement_value_id AS "statementValueId", to_char(c.date_value, 'YYYY-MM-DD') AS "dateValue",
  c.date_precision::text AS "datePrecision", c.date_wording AS "dateWording", c.preferred`;

/**
 * The claims about the given facts with their evidence, grouped by fact, earliest report first:
 * the source published first, then the order the source gave them.
 */
export async function loadClaims(tx: SqlClient, kind: FactKind, ids: readonly string[]): Promise<Map<string, ClaimRow[]>> {
  const byFact = new Map<string, ClaimRow[]>();
  if (ids.length === 0) return byFact;
  const column = SUBJECT_COLUMN[kind];
  const claims = await tx.query<Omit<ClaimRow, "evidence">>(
    `SELECT ${CLAIM_COLUMNS}, c.${column} AS "subjectId"
       FROM claims c JOIN sources s ON s.id = c.source_id
      WHERE c.${column} = ANY($1)
      ORDER BY s.published_on, s.id, c.position, c.id`,
    [ids],
  );
  const evidence = await loadEvidence(tx, claims.map((claim) => claim.id));
  for (const claim of claims) {
    const list = byFact.get(claim.subjectId) ?? [];
    list.push({ ...claim, evidence: evidence.get(claim.id) ?? [] });
    byFact.set(claim.subjectId, list);
  }
  return byFact;
}

export async function loadEvidence(tx: SqlClient, claimIds: readonly number[]): Promise<Map<number, EvidenceRow[]>> {
  const byClaim = new Map<number, EvidenceRow[]>();
  if (claimIds.length === 0) return byClaim;
  const rows = await tx.query<EvidenceRow>(
    `SELECT id, claim_id AS "claimId", source_id AS "sourceId", excerpt, start, "end", locator
       FROM evidence WHERE claim_id = ANY($1) ORDER BY claim_id, position, id`,
    [claimIds],
  );
  for (const row of rows) {
    const list = byClaim.get(row.claimId) ?? [];
    list.push(row);
    byClaim.set(row.claimId, list);
  }
  return byClaim;
}

export interface ActorStub {
  id: string;
  name: string;
  type: string;
}

export interface ActorNames {
  stub: ActorStub;
  /** The name and every alias, for the search text of facts that mention the actor. */
  names: string;
}

/** Names read from the claims themselves, not from derived rows a rendering in progress may not have written yet. */
export async function loadActorNames(tx: SqlClient, ids: Iterable<string | null | undefined>): Promise<Map<string, ActorNames>> {
  const wanted = [...new Set([...ids].filter((id): id is string => !!id))];
  const byId = new Map<string, ActorNames>();
  if (wanted.length === 0) return byId;
  const rows = await tx.query<{ id: string; name: string; type: string; aliases: string | null }>(
    `SELECT a.id, a.name, lower(a.type::text) AS type,
            (SELECT string_agg(DISTINCT c.text_value, ' ') FROM claims c WHERE c.actor_id = a.id AND c.field = 'alias') AS aliases
       FROM actors a WHERE a.id = ANY($1)`,
    [wanted],
  );
  for (const row of rows) {
    byId.set(row.id, { stub: { id: row.id, name: row.name, type: row.type }, names: [row.name, row.aliases].filter(Boolean).join(" ") });
  }
  return byId;
}
