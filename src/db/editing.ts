import { actorKey } from "../lib/actor-key.ts";
import { type ClaimSpec, type FactKind, SUBJECT_COLUMN } from "../lib/bundle-claims.ts";
import { locateExcerpt } from "../lib/excerpts.ts";
import { conflict, notFound, Problem, unprocessable } from "../lib/problem.ts";
import { CLAIM_COLUMNS, type ClaimRow, loadEvidence } from "./claims-store.ts";
import type { SqlClient } from "./database.ts";
import { applyParts, FACT_TABLE, type IngestSummary } from "./ingest.ts";
import {
  type ChangeContext,
  emptyRefreshSet,
  type FactChange,
  factsMentioningActors,
  insertRevision,
  RESOURCE_NAME,
  RESOURCE_TABLE,
  type ResourceKind,
  refreshFacts,
  resourceOf,
} from "./projection.ts";
import { recountSources, sourcesClaimingFacts } from "./source-counts.ts";

// Editors' changes to single facts, claims and evidence. Each runs inside the caller's transaction
// and ends by rendering what it touched (projection.ts), which writes the revisions.

/** 412 unless `ifMatch` (when given) names the fact's current version. Locks the fact's row. */
export async function lockFact(tx: SqlClient, kind: ResourceKind, id: string, ifMatch: string | undefined): Promise<void> {
  const [row] = await tx.query<{ doc_hash: string | null; deleted_at: string | null; merged_into_id?: string | null }>(
    `SELECT doc_hash, deleted_at FROM ${RESOURCE_TABLE[kind]} WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!row) throw notFound(`No ${RESOURCE_NAME[kind]} fact has the id "${id}".`);
  if (row.deleted_at) throw new Problem(410, "Gone", `"${id}" was removed; restore it by adding a claim, or create a new fact.`);
  if (ifMatch !== undefined && !etagMatches(ifMatch, `"${row.doc_hash}"`)) {
    throw new Problem(412, "Precondition Failed", `"${id}" changed since the version in If-Match; read it again and retry with its ETag.`);
  }
}

/** If-Match compares strong ETags (RFC 9110 §13.1.1): a list, or `*`. */
export function etagMatches(header: string, current: string): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").map((tag) => tag.trim()).includes(current);
}

/** Descriptive fields an editor may change, by the column they are kept in. */
export async function patchFact(
  tx: SqlClient,
  kind: ResourceKind,
  id: string,
  columns: Record<string, unknown>,
  context: ChangeContext,
): Promise<FactChange[]> {
  await checkActorReferences(tx, columns);
  const entries = Object.entries(columns);
  if (kind === "actor" && "name" in columns) entries.push(["name_key", actorKey(String(columns.name))]);
  if (entries.length > 0) {
    await tx.query(
      `UPDATE ${RESOURCE_TABLE[kind]} SET ${entries.map(([column], index) => `${column} = $${index + 2}`).join(", ")} WHERE id = $1`,
      [id, ...entries.map(([, value]) => value)],
    );
  }
  return refreshFacts(tx, { ...emptyRefreshSet(), [kind]: new Set([id]) }, context);
}

// Patch columns that name an actor, with the body field that set them.
const ACTOR_REFERENCE_FIELDS: Record<string, string> = {
  speaker_id: "speakerId",
  authority_id: "authorityId",
  country_id: "countryId",
  parent_id: "parentId",
};

/** 422 naming the field for an actor reference that names no live actor, instead of the foreign key's 500. */
async function checkActorReferences(tx: SqlClient, columns: Record<string, unknown>): Promise<void> {
  const references = Object.entries(ACTOR_REFERENCE_FIELDS).filter(([column]) => typeof columns[column] === "string");
  if (references.length === 0) return;
  const ids = references.map(([column]) => columns[column] as string);
  const rows = await tx.query<{ id: string }>(`SELECT id FROM actors WHERE id = ANY($1) AND deleted_at IS NULL`, [ids]);
  const known = new Set(rows.map((row) => row.id));
  const errors = references
    .filter(([column]) => !known.has(columns[column] as string))
    .map(([column, field]) => ({ field: `body.${field}`, message: `No actor has the id "${columns[column]}"` }));
  if (errors.length > 0) throw unprocessable(`Unknown actor: ${errors.map((error) => error.field).join(", ")}.`, errors);
}

/** A tombstone: the fact leaves lists, its detail answers 410, its claims stay for the record. */
export async function deleteFact(tx: SqlClient, kind: ResourceKind, id: string, context: ChangeContext): Promise<void> {
  const [row] = await tx.query<{ version: number }>(
    `UPDATE ${RESOURCE_TABLE[kind]} SET deleted_at = now(), deleted_reason = 'deleted', version = version + 1, updated_at = now()
      WHERE id = $1 RETURNING version`,
    [id],
  );
  await writeRevision(tx, kind, id, row!.version, "delete", [], context);
  // Rendered no more, so not through refreshFacts: its sources back one fact fewer.
  await recountSources(tx, await sourcesClaimingFacts(tx, { ...emptyRefreshSet(), [kind]: new Set([id]) }));
  if (kind === "actor") await refreshMentions(tx, [id], context);
  if (kind === "statement") await refreshAnswered(tx, id, context);
}

async function writeRevision(tx: SqlClient, kind: ResourceKind, id: string, version: number, action: "delete" | "merge", changed: string[], context: ChangeContext) {
  await insertRevision(tx, { resource: RESOURCE_NAME[kind], id, version, action, changed, doc: null }, context);
}

async function refreshMentions(tx: SqlClient, actorIds: string[], context: ChangeContext) {
  const mentions = await factsMentioningActors(tx, actorIds);
  const set = emptyRefreshSet();
  for (const kind of Object.keys(mentions) as ResourceKind[]) for (const id of mentions[kind]) set[kind].add(id);
  return refreshFacts(tx, set, context);
}

/** Statements that a deleted statement answered list it in `respondedBy` no more. */
async function refreshAnswered(tx: SqlClient, statementId: string, context: ChangeContext) {
  const rows = await tx.query<{ id: string }>(
    `SELECT DISTINCT statement_value_id AS id FROM claims WHERE statement_id = $1 AND statement_value_id IS NOT NULL
     UNION SELECT DISTINCT statement_id FROM claims WHERE statement_value_id = $1`,
    [statementId],
  );
  await refreshFacts(tx, { ...emptyRefreshSet(), statement: new Set(rows.map((row) => row.id)) }, context);
}

export interface RevisionRow {
  version: number;
  action: string;
  changed: string[];
  apiKey: { id: string; name: string } | null;
  sourceId: string | null;
  createdAt: string;
}

export async function listRevisions(sql: SqlClient, kind: ResourceKind, id: string): Promise<RevisionRow[] | undefined> {
  const [exists] = await sql.query(`SELECT 1 FROM ${RESOURCE_TABLE[kind]} WHERE id = $1`, [id]);
  if (!exists) return undefined;
  return sql.query<RevisionRow>(
    `SELECT r.version, r.action, r.changed,
            CASE WHEN k.id IS NULL THEN NULL ELSE json_build_object('id', k.id, 'name', k.name) END AS "apiKey",
            r.source_id AS "sourceId", to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"
       FROM revisions r LEFT JOIN api_keys k ON k.id = r.api_key_id
      WHERE r.resource = $1 AND r.fact_id = $2 ORDER BY r.version, r.id`,
    [RESOURCE_NAME[kind], id],
  );
}

/** Creates one fact with this source's claims about it; 409 when the id is taken. */
export async function createFact(
  tx: SqlClient,
  kind: ResourceKind,
  parts: Parameters<typeof applyParts>[1],
  sourceId: string,
  context: ChangeContext,
): Promise<IngestSummary> {
  const fact = parts.facts.find((candidate) => candidate.kind === kind)!;
  const [taken] = await tx.query(`SELECT 1 FROM ${RESOURCE_TABLE[kind]} WHERE id = $1`, [fact.id]);
  if (taken) throw conflict(`The id "${fact.id}" is taken: add claims to it with POST /v1/${RESOURCE_NAME[kind]}/${fact.id}/claims.`, [
    { field: "body.id", message: "Already exists" },
  ]);
  return applyParts(tx, parts, { sourceId, origin: "api", context, fieldPrefix: "body" });
}

// ---------------------------------------------------------------------------------------------
// Claims and evidence, one at a time.

export interface ClaimSubject {
  kind: FactKind;
  id: string;
}

/** Adds (or replaces) the editor's claim of a source about one field. */
export async function addClaim(tx: SqlClient, spec: ClaimSpec, sourceId: string, context: ChangeContext): Promise<number> {
  await applyParts(tx, { facts: [], claims: [spec] }, { sourceId, origin: "api", context, fieldPrefix: "body" });
  const [row] = await tx.query<{ id: number }>(
    `SELECT id FROM claims WHERE source_id = $1 AND origin = 'api' AND ${SUBJECT_COLUMN[spec.kind]} = $2 AND field = $3 AND key = $4`,
    [sourceId, spec.subjectId, spec.field, spec.key],
  );
  return row!.id;
}

export interface ClaimRecord extends ClaimRow {
  subject: ClaimSubject;
}

const SUBJECT_KIND = `CASE ${Object.entries(SUBJECT_COLUMN).map(([kind, column]) => `WHEN c.${column} IS NOT NULL THEN '${kind}'`).join(" ")} END`;
const SUBJECT_ID = `coalesce(${Object.values(SUBJECT_COLUMN).map((column) => `c.${column}`).join(", ")})`;

export async function findClaim(sql: SqlClient, claimId: number, lock = false): Promise<ClaimRecord | undefined> {
  const [row] = await sql.query<Omit<ClaimRecord, "evidence" | "subject"> & { subjectKind: FactKind }>(
    `SELECT ${CLAIM_COLUMNS}, ${SUBJECT_KIND} AS "subjectKind", ${SUBJECT_ID} AS "subjectId" FROM claims c WHERE c.id = $1${lock ? " FOR UPDATE" : ""}`,
    [claimId],
  );
  if (!row) return undefined;
  const evidence = await loadEvidence(sql, [row.id]);
  const { subjectKind, ...claim } = row;
  return { ...claim, subject: { kind: subjectKind, id: row.subjectId }, evidence: evidence.get(row.id) ?? [] };
}

async function refreshSubject(
  tx: SqlClient,
  subject: ClaimSubject,
  context: ChangeContext,
  extraStatements: (string | null)[] = [],
  sourcesChanged: string[] = [],
) {
  const set = emptyRefreshSet();
  const resource = resourceOf(subject.kind);
  if (subject.kind === "impact" || subject.kind === "targetGroup") {
    const parent = subject.kind === "impact" ? "event_id" : "sanction_id";
    const [row] = await tx.query<{ parent: string }>(`SELECT ${parent} AS parent FROM ${FACT_TABLE[subject.kind]} WHERE id = $1`, [subject.id]);
    if (row) set[resource].add(row.parent);
  } else set[resource].add(subject.id);
  for (const id of extraStatements) if (id) set.statement.add(id);
  return refreshFacts(tx, set, context, { changed: sourcesChanged });
}

/** `preferred: true` makes the claim's value the field's; the other claims on that field lose the mark. */
export async function patchClaim(
  tx: SqlClient,
  claim: ClaimRecord,
  patch: { preferred?: boolean; reportedBy?: string | null },
  context: ChangeContext,
): Promise<void> {
  if (patch.reportedBy) {
    const [actor] = await tx.query(`SELECT 1 FROM actors WHERE id = $1 AND deleted_at IS NULL`, [patch.reportedBy]);
    if (!actor) throw unprocessable(`No actor has the id "${patch.reportedBy}".`, [{ field: "body.reportedBy", message: "Unknown actor" }]);
  }
  if (patch.preferred === true) {
    await tx.query(
      `UPDATE claims SET preferred = false WHERE ${SUBJECT_COLUMN[claim.subject.kind]} = $1 AND field = $2 AND id <> $3`,
      [claim.subject.id, claim.field, claim.id],
    );
  }
  await tx.query(
    `UPDATE claims SET preferred = coalesce($2, preferred), reported_by_id = CASE WHEN $3 THEN $4 ELSE reported_by_id END WHERE id = $1`,
    [claim.id, patch.preferred ?? null, patch.reportedBy !== undefined, patch.reportedBy ?? null],
  );
  await refreshSubject(tx, claim.subject, context);
}

export async function deleteClaim(tx: SqlClient, claim: ClaimRecord, context: ChangeContext): Promise<void> {
  await tx.query(`DELETE FROM claims WHERE id = $1`, [claim.id]);
  // The claim's source may have no other claim on the subject: it is counted again all the same.
  await refreshSubject(tx, claim.subject, context, [claim.statementValueId], [claim.sourceId]);
}

/** Adds an excerpt to a claim: located in the claim's source, or checked at the offsets given. */
export async function addEvidence(
  tx: SqlClient,
  claim: ClaimRecord,
  excerpt: { text: string; occurrence?: number | undefined } | { start: number; end: number },
  context: ChangeContext,
): Promise<number> {
  const [source] = await tx.query<{ text: string }>(`SELECT text FROM sources WHERE id = $1`, [claim.sourceId]);
  let span: { start: number; end: number; excerpt: string };
  if ("text" in excerpt) {
    try {
      span = { ...locateExcerpt(source!.text, excerpt.text, excerpt.occurrence), excerpt: excerpt.text };
    } catch (error) {
      throw unprocessable((error as Error).message, [{ field: "body.text", message: (error as Error).message }]);
    }
  } else {
    const codePoints = Array.from(source!.text);
    if (excerpt.end > codePoints.length) {
      throw unprocessable(`The source has ${codePoints.length} code points.`, [{ field: "body.end", message: "Past the end of the source's text" }]);
    }
    span = { start: excerpt.start, end: excerpt.end, excerpt: codePoints.slice(excerpt.start, excerpt.end).join("") };
  }
  const [row] = await tx.query<{ id: number }>(
    `INSERT INTO evidence (claim_id, source_id, excerpt, start, "end", position)
     VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(position) + 1, 0) FROM evidence WHERE claim_id = $1)) RETURNING id`,
    [claim.id, claim.sourceId, span.excerpt, span.start, span.end],
  );
  await refreshSubject(tx, claim.subject, context);
  return row!.id;
}

export async function deleteEvidence(tx: SqlClient, evidenceId: number, context: ChangeContext): Promise<boolean> {
  const [row] = await tx.query<{ claim_id: number }>(`DELETE FROM evidence WHERE id = $1 RETURNING claim_id`, [evidenceId]);
  if (!row) return false;
  const claim = await findClaim(tx, row.claim_id);
  if (claim) await refreshSubject(tx, claim.subject, context);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Merging duplicate actors.

/**
 * Moves every reference, claim and alias of `duplicateId` to `survivorId`. The duplicate keeps its
 * row as a pointer: its detail answers 308 to the survivor, and its id still works as a filter.
 */
export async function mergeActors(tx: SqlClient, survivorId: string, duplicateId: string, context: ChangeContext): Promise<void> {
  const moves: [string, string][] = [
    ["claims", "actor_id"], ["claims", "actor_value_id"], ["claims", "reported_by_id"],
    ["statements", "speaker_id"], ["sanctions", "authority_id"], ["actors", "country_id"], ["actors", "parent_id"],
    ["attack_impacts", "place_id"], ["attack_events", "attacker_id"], ["attack_events", "counts_reported_by_id"],
    ["attack_impacts", "reported_by_id"], ["actors", "merged_into_id"],
  ];
  for (const [table, column] of moves) {
    const notSelf = table === "actors" ? " AND id <> $1" : "";
    await tx.query(`UPDATE ${table} SET ${column} = $1 WHERE ${column} = $2${notSelf}`, [survivorId, duplicateId]);
  }
  await tx.query(`UPDATE claims SET key = $1 WHERE actor_value_id = $1 AND key = $2`, [survivorId, duplicateId]);
  // Derived rows: the survivor's are rendered again below.
  for (const [table, column] of [["statement_subjects", "actor_id"], ["sanction_targets", "actor_id"], ["sanction_subjects", "actor_id"],
    ["attack_event_places", "actor_id"], ["actor_aliases", "actor_id"]] as const) {
    await tx.query(`DELETE FROM ${table} WHERE ${column} = $1`, [duplicateId]);
  }
  const [row] = await tx.query<{ version: number }>(
    `UPDATE actors SET merged_into_id = $1, deleted_at = now(), deleted_reason = 'merged', version = version + 1, updated_at = now(),
            source_count = 0 WHERE id = $2 RETURNING version`,
    [survivorId, duplicateId],
  );
  await writeRevision(tx, "actor", duplicateId, row!.version, "merge", [`mergedInto:${survivorId}`], context);
  await refreshFacts(tx, { ...emptyRefreshSet(), actor: new Set([survivorId]) }, context);
  await refreshMentions(tx, [survivorId], context);
}
