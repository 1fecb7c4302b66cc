import { createHash } from "node:crypto";
import { actorKey } from "../lib/actor-key.ts";
import { actorReferences, type ClaimSpec, type FactKind, type FactRow, SUBJECT_COLUMN, type TakenApart, takeApart } from "../lib/bundle-claims.ts";
import { locateExcerpt, type Span } from "../lib/excerpts.ts";
import type { FieldError } from "../lib/problem.ts";
import { normaliseWords } from "../lib/resolve.ts";
import type { Bundle } from "../modules/sources/bundle.schemas.ts";
import { CLAIM_COLUMNS, type ClaimRow, loadEvidence } from "./claims-store.ts";
import type { SqlClient } from "./database.ts";
import { type ChangeContext, type FactChange, emptyRefreshSet, RESOURCE_TABLE, type RefreshSet, refreshFacts, resourceOf } from "./projection.ts";

// Writing what one source says. A source's claims are its own: putting its bundle again replaces
// its `bundle` claims and nothing else (other sources' claims, editors' `api` claims). Each claim is
// compared with the one already stored under the same (fact, field, key): unchanged claims keep
// their id, their `preferred` mark and their evidence rows, so a reload of the same bundle writes nothing.

/** A bundle or claim the database cannot take as it is: every problem, named by its field. */
export class IngestRejected extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => `${error.field}: ${error.message}`).join("; "));
    this.name = "IngestRejected";
  }
}

export const FACT_TABLE: Record<FactKind, string> = {
  actor: "actors",
  statement: "statements",
  sanction: "sanctions",
  attackEvent: "attack_events",
  impact: "attack_impacts",
  targetGroup: "sanction_target_groups",
};

/** A field name in an error: `body.statements[0].evidence[1]`, without empty segments. */
const at = (...segments: string[]) => segments.filter(Boolean).join(".");

const PARENT_COLUMN: Partial<Record<FactKind, string>> = { impact: "event_id", targetGroup: "sanction_id" };

export interface IngestSummary {
  sourceId: string;
  /** True when the bundle is the one already applied: nothing was written. */
  unchanged: boolean;
  claims: { added: number; changed: number; removed: number; kept: number };
  changes: FactChange[];
  /** Statements of the bundle found to be a quote already known under another id. */
  matched: { id: string; matchedId: string }[];
  warnings: FieldError[];
}

interface ResolvedClaim extends ClaimSpec {
  spans: (Span & { excerpt: string })[];
}

export interface ApplyOptions {
  sourceId: string;
  /** `bundle`: the source's whole account, replacing its earlier one; `api`: claims added one by one. */
  origin: "bundle" | "api";
  context: ChangeContext;
  /** Field names in errors start with this (`body`). */
  fieldPrefix: string;
}

export async function applyBundle(tx: SqlClient, bundle: Bundle, options: Omit<ApplyOptions, "origin">): Promise<IngestSummary> {
  const digest = createHash("sha256").update(JSON.stringify(bundle)).digest("hex");
  const [source] = await tx.query<{ bundle_digest: string | null }>(`SELECT bundle_digest FROM sources WHERE id = $1 FOR UPDATE`, [options.sourceId]);
  if (source?.bundle_digest === digest) {
    return { sourceId: options.sourceId, unchanged: true, claims: { added: 0, changed: 0, removed: 0, kept: 0 }, changes: [], matched: [], warnings: [] };
  }
  const summary = await applyParts(tx, takeApart(bundle), { ...options, origin: "bundle" });
  await tx.query(`UPDATE sources SET bundle_digest = $2 WHERE id = $1`, [options.sourceId, digest]);
  return summary;
}

/** Facts and claims of one source, checked as a whole before anything is written. */
export async function applyParts(tx: SqlClient, parts: TakenApart, options: ApplyOptions): Promise<IngestSummary> {
  const prefix = options.fieldPrefix;
  const [source] = await tx.query<{ text: string }>(`SELECT text FROM sources WHERE id = $1`, [options.sourceId]);
  if (!source) throw new IngestRejected([{ field: `${prefix}.sourceId`, message: `No source has the id "${options.sourceId}"` }]);

  const errors: FieldError[] = [];
  const warnings: FieldError[] = [];
  checkDuplicates(parts, prefix, errors);
  const matched = await matchKnownQuotes(tx, parts);
  await followMerges(tx, parts);
  await checkReferences(tx, parts, prefix, errors);
  const claims = locateAll(parts.claims, source.text, prefix, errors);
  await checkSubFactParents(tx, parts, prefix, errors);
  if (errors.length > 0) throw new IngestRejected(errors);

  warnings.push(...implausibleFigures(parts.claims, prefix));
  await lockExistingFacts(tx, parts);
  const refresh = emptyRefreshSet();
  await writeFacts(tx, parts.facts, options, refresh, warnings);
  const counts = await writeClaims(tx, claims, options, refresh);
  // The bundle's claims replace the source's own: those it no longer makes were deleted, on any fact.
  const changes = await refreshFacts(tx, refresh, options.context, { changed: [options.sourceId] });
  return { sourceId: options.sourceId, unchanged: false, claims: counts, changes, matched, warnings };
}

/**
 * Figures a source gives that cannot all be right (more shot down than launched) are kept as the
 * source reported them, and flagged: warnings, never a "fix".
 */
function implausibleFigures(claims: ClaimSpec[], prefix: string): FieldError[] {
  const warnings: FieldError[] = [];
  const launched = new Map(claims.filter((spec) => spec.field === "launched").map((spec) => [spec.subjectId, spec]));
  for (const intercepted of claims.filter((spec) => spec.field === "intercepted")) {
    const total = launched.get(intercepted.subjectId);
    if (total?.numberValue != null && intercepted.numberValue != null && intercepted.numberValue > total.numberValue) {
      warnings.push({
        field: at(prefix, intercepted.path),
        message: `intercepted (${intercepted.numberValue}) exceeds launched (${total.numberValue}); kept as the source reports it`,
      });
    }
  }
  return warnings;
}

/**
 * Takes the row locks the rendering will need before any claim is written. Writing a claim takes a
 * key-share lock on its fact (the foreign key); two sources loading the same fact would then each
 * wait for the other's share to render it: a deadlock. Locking first, in one order, queues them.
 */
async function lockExistingFacts(tx: SqlClient, parts: TakenApart): Promise<void> {
  const ids = emptyRefreshSet();
  for (const fact of parts.facts) ids[resourceOf(fact.kind)].add(fact.parentId ?? fact.id);
  for (const spec of parts.claims) if (spec.kind !== "impact" && spec.kind !== "targetGroup") ids[resourceOf(spec.kind)].add(spec.subjectId);
  for (const kind of ["actor", "statement", "sanction", "attackEvent"] as const) {
    if (ids[kind].size === 0) continue;
    await tx.query(`SELECT id FROM ${RESOURCE_TABLE[kind]} WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [[...ids[kind]].sort()]);
  }
}

function checkDuplicates(parts: TakenApart, prefix: string, errors: FieldError[]): void {
  const seen = new Map<string, string>();
  for (const fact of parts.facts) {
    const key = `${fact.kind}:${fact.id}`;
    if (seen.has(key)) errors.push({ field: at(prefix, fact.path, "id"), message: `The id "${fact.id}" is also used by ${at(prefix, seen.get(key)!)}` });
    else seen.set(key, fact.path);
  }
  const claimKeys = new Set<string>();
  for (const spec of parts.claims) {
    const key = identity(spec);
    if (claimKeys.has(key)) errors.push({ field: at(prefix, spec.path), message: "Given twice" });
    claimKeys.add(key);
  }
}

/**
 * The same quote carried by two outlets is one statement: a bundle statement with a new id whose
 * speaker and words are those of a statement already known takes that statement's id.
 */
async function matchKnownQuotes(tx: SqlClient, parts: TakenApart): Promise<{ id: string; matchedId: string }[]> {
  const statements = parts.facts.filter((fact) => fact.kind === "statement");
  if (statements.length === 0) return [];
  const existing = new Set((await tx.query<{ id: string }>(`SELECT id FROM statements WHERE id = ANY($1)`, [statements.map((fact) => fact.id)])).map((row) => row.id));
  const fresh = statements.filter((fact) => !existing.has(fact.id));
  if (fresh.length === 0) return [];
  const candidates = await tx.query<{ id: string; speaker_id: string; text: string }>(
    `SELECT id, speaker_id, text FROM statements WHERE deleted_at IS NULL AND speaker_id = ANY($1)`,
    [[...new Set(fresh.map((fact) => String(fact.columns.speaker_id)))]],
  );
  const renames = new Map<string, string>();
  for (const fact of fresh) {
    const words = normaliseWords(String(fact.columns.text));
    const known = candidates.find((row) => row.speaker_id === fact.columns.speaker_id && normaliseWords(row.text) === words);
    if (known) renames.set(fact.id, known.id);
  }
  renameIds(parts, "statement", renames);
  return [...renames].map(([id, matchedId]) => ({ id, matchedId }));
}

function renameIds(parts: TakenApart, kind: "statement" | "actor", renames: Map<string, string>): void {
  if (renames.size === 0) return;
  const rename = (id: string | null) => (id !== null && renames.has(id) ? renames.get(id)! : id);
  for (const fact of parts.facts) {
    if (fact.kind === kind) fact.id = rename(fact.id)!;
    if (kind === "actor") {
      for (const column of ["country_id", "parent_id", "speaker_id", "authority_id", "place_id"]) {
        if (typeof fact.columns[column] === "string") fact.columns[column] = rename(fact.columns[column] as string);
      }
    }
  }
  for (const spec of parts.claims) {
    if (spec.kind === kind) spec.subjectId = rename(spec.subjectId)!;
    if (kind === "statement") {
      spec.statementValueId = rename(spec.statementValueId);
      if (spec.field === "respondsTo") spec.key = spec.statementValueId ?? spec.key;
    } else {
      spec.actorValueId = rename(spec.actorValueId);
      spec.reportedById = rename(spec.reportedById);
      if (spec.actorValueId && spec.key !== "" && ["about", "target", "place"].includes(spec.field)) spec.key = spec.actorValueId;
    }
  }
}

/** An actor merged into another is named by its survivor. */
async function followMerges(tx: SqlClient, parts: TakenApart): Promise<void> {
  const ids = [...new Set(actorReferences(parts).map((reference) => reference.id))];
  if (ids.length === 0) return;
  const rows = await tx.query<{ id: string; survivor: string }>(
    `WITH RECURSIVE chain(id, survivor, depth) AS (
       SELECT id, merged_into_id, 1 FROM actors WHERE id = ANY($1) AND merged_into_id IS NOT NULL
       UNION ALL SELECT chain.id, a.merged_into_id, depth + 1 FROM chain JOIN actors a ON a.id = chain.survivor
        WHERE a.merged_into_id IS NOT NULL AND depth < 20)
     SELECT DISTINCT ON (id) id, survivor FROM chain ORDER BY id, depth DESC`,
    [ids],
  );
  renameIds(parts, "actor", new Map(rows.map((row) => [row.id, row.survivor])));
}

async function checkReferences(tx: SqlClient, parts: TakenApart, prefix: string, errors: FieldError[]): Promise<void> {
  const defined = new Set(parts.facts.filter((fact) => fact.kind === "actor").map((fact) => fact.id));
  const references = actorReferences(parts).filter((reference) => !defined.has(reference.id));
  const known = await liveIds(tx, "actors", references.map((reference) => reference.id));
  for (const reference of references) {
    if (!known.has(reference.id)) errors.push({ field: at(prefix, reference.path), message: `No actor has the id "${reference.id}"; add it to the bundle's actors` });
  }
  const statements = new Set(parts.facts.filter((fact) => fact.kind === "statement").map((fact) => fact.id));
  const statementRefs = parts.claims.filter((spec) => spec.statementValueId && !statements.has(spec.statementValueId));
  const knownStatements = await liveIds(tx, "statements", statementRefs.map((spec) => spec.statementValueId!));
  for (const spec of statementRefs) {
    if (!knownStatements.has(spec.statementValueId!)) errors.push({ field: at(prefix, spec.path), message: `No statement has the id "${spec.statementValueId}"` });
  }
}

async function liveIds(tx: SqlClient, table: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1) AND deleted_at IS NULL`, [[...new Set(ids)]]);
  return new Set(rows.map((row) => row.id));
}

/** Offsets for every excerpt; a missing or ambiguous excerpt is an error naming its place. */
function locateAll(specs: ClaimSpec[], text: string, prefix: string, errors: FieldError[]): ResolvedClaim[] {
  return specs.map((spec) => ({
    ...spec,
    spans: spec.excerpts.flatMap((excerpt, index) => {
      const [quoted, occurrence] = typeof excerpt === "string" ? [excerpt, undefined] : [excerpt.text, excerpt.occurrence];
      const field = `${at(prefix, spec.path.endsWith("evidence") ? spec.path : at(spec.path, "evidence"))}[${index}]`;
      try {
        return [{ ...locateExcerpt(text, quoted, occurrence), excerpt: quoted }];
      } catch (error) {
        if (!spec.borrowed) errors.push({ field, message: (error as Error).message });
        return [];
      }
    }),
  }));
}

async function checkSubFactParents(tx: SqlClient, parts: TakenApart, prefix: string, errors: FieldError[]): Promise<void> {
  for (const kind of ["impact", "targetGroup"] as const) {
    const facts = parts.facts.filter((fact) => fact.kind === kind);
    if (facts.length === 0) continue;
    const rows = await tx.query<{ id: string; parent: string }>(
      `SELECT id, ${PARENT_COLUMN[kind]} AS parent FROM ${FACT_TABLE[kind]} WHERE id = ANY($1)`,
      [facts.map((fact) => fact.id)],
    );
    for (const row of rows) {
      const fact = facts.find((candidate) => candidate.id === row.id)!;
      if (row.parent !== fact.parentId) errors.push({ field: at(prefix, fact.path, "id"), message: `"${row.id}" belongs to "${row.parent}"` });
    }
  }
}

/**
 * Creates the facts that do not exist yet (owned by this source). A fact's descriptive fields change
 * only when its owner puts them again; another source giving other words gets a warning.
 */
async function writeFacts(tx: SqlClient, facts: FactRow[], options: ApplyOptions, refresh: RefreshSet, warnings: FieldError[]): Promise<void> {
  // Actors first, then their links to each other (country, parent), which may point forward.
  const ordered = [...facts].sort((a, b) => rank(a.kind) - rank(b.kind));
  for (const fact of ordered) {
    const table = FACT_TABLE[fact.kind];
    const columns: Record<string, string | number | null> = {
      ...fact.columns, ...(fact.kind === "actor" ? { name_key: actorKey(String(fact.columns.name)) } : {}),
    };
    if (fact.kind === "actor") {
      columns.country_id = null;
      columns.parent_id = null;
    }
    const parent = PARENT_COLUMN[fact.kind];
    const names = Object.keys(columns);
    const ownsColumn = fact.kind === "impact" || fact.kind === "targetGroup" ? "" : ", owner_source_id";
    const values = [fact.id, ...(parent ? [fact.parentId] : []), ...Object.values(columns), ...(ownsColumn ? [options.sourceId] : [])];
    const columnList = ["id", ...(parent ? [parent] : []), ...names].join(", ") + ownsColumn;
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO ${table} (${columnList}) VALUES (${values.map((_, index) => `$${index + 1}`).join(", ")})
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      values,
    );
    if (inserted.length === 0) await updateOwnedFact(tx, fact, columns, options, warnings);
    refresh[resourceOf(fact.kind)].add(fact.kind === "impact" || fact.kind === "targetGroup" ? fact.parentId! : fact.id);
  }
  for (const fact of ordered.filter((candidate) => candidate.kind === "actor")) {
    await tx.query(
      `UPDATE actors SET country_id = $2, parent_id = $3 WHERE id = $1 AND (owner_source_id = $4 OR version = 0)
         AND (country_id IS DISTINCT FROM $2 OR parent_id IS DISTINCT FROM $3)`,
      [fact.id, fact.columns.country_id, fact.columns.parent_id, options.sourceId],
    );
  }
}

const rank = (kind: FactKind) => ["actor", "statement", "sanction", "targetGroup", "attackEvent", "impact"].indexOf(kind);

async function updateOwnedFact(tx: SqlClient, fact: FactRow, columns: Record<string, unknown>, options: ApplyOptions, warnings: FieldError[]) {
  const table = FACT_TABLE[fact.kind];
  const names = Object.keys(columns).filter((name) => !(fact.kind === "actor" && (name === "country_id" || name === "parent_id")));
  const ownerCheck = fact.kind === "impact" || fact.kind === "targetGroup"
    ? `(SELECT owner_source_id FROM ${fact.kind === "impact" ? "attack_events" : "sanctions"} WHERE id = $2)`
    : "owner_source_id";
  const [current] = await tx.query<Record<string, unknown>>(
    `SELECT ${ownerCheck} AS owner, ${names.map((name) => `${name}::text AS ${name}`).join(", ")} FROM ${table} WHERE id = $1`,
    [fact.id, ...(fact.kind === "impact" || fact.kind === "targetGroup" ? [fact.parentId] : [])],
  );
  if (!current) return;
  const differing = names.filter((name) => (current[name] ?? null) !== (columns[name] === null ? null : String(columns[name])));
  if (differing.length === 0) return;
  if (current.owner !== options.sourceId) {
    warnings.push({
      field: at(options.fieldPrefix, fact.path),
      message: `Kept the existing ${differing.join(", ")} of "${fact.id}": another source created it (its claims were added)`,
    });
    return;
  }
  await tx.query(
    `UPDATE ${table} SET ${differing.map((name, index) => `${name} = $${index + 2}`).join(", ")} WHERE id = $1`,
    [fact.id, ...differing.map((name) => columns[name])],
  );
}

const identity = (spec: { kind: FactKind; subjectId: string; field: string; key: string }) => `${spec.kind}:${spec.subjectId}:${spec.field}:${spec.key}`;

const VALUE_COLUMNS = [
  ["reportedById", "reported_by_id"], ["numberValue", "number_value"], ["numberLow", "number_low"], ["numberHigh", "number_high"],
  ["qualifier", "qualifier"], ["textValue", "text_value"], ["actorValueId", "actor_value_id"], ["statementValueId", "statement_value_id"],
  ["dateValue", "date_value"], ["datePrecision", "date_precision"], ["dateWording", "date_wording"],
] as const;

const sameValues = (stored: ClaimRow, spec: ResolvedClaim) =>
  VALUE_COLUMNS.every(([property]) => (stored[property] ?? null) === (spec[property] ?? null));

const sameSpans = (stored: ClaimRow, spec: ResolvedClaim) =>
  stored.evidence.length === spec.spans.length &&
  stored.evidence.every((row, index) => row.start === spec.spans[index]!.start && row.end === spec.spans[index]!.end);

interface StoredClaim extends ClaimRow {
  kind: FactKind;
}

/** This source's stored claims of this origin: all of them for a bundle, those on the given facts for the API. */
async function storedClaims(tx: SqlClient, specs: ResolvedClaim[], options: ApplyOptions): Promise<StoredClaim[]> {
  const subjectKinds = Object.entries(SUBJECT_COLUMN) as [FactKind, string][];
  const kindCase = `CASE ${subjectKinds.map(([kind, column]) => `WHEN c.${column} IS NOT NULL THEN '${kind}'`).join(" ")} END`;
  const subject = `coalesce(${subjectKinds.map(([, column]) => `c.${column}`).join(", ")})`;
  const scope = options.origin === "bundle" ? "" : `AND ${subject} = ANY($3)`;
  const rows = await tx.query<Omit<StoredClaim, "evidence">>(
    `SELECT ${CLAIM_COLUMNS}, ${kindCase} AS kind, ${subject} AS "subjectId"
       FROM claims c WHERE c.source_id = $1 AND c.origin = $2 ${scope}`,
    [options.sourceId, options.origin, ...(scope ? [[...new Set(specs.map((spec) => spec.subjectId))]] : [])],
  );
  const evidence = await loadEvidence(tx, rows.map((row) => row.id));
  return rows.map((row) => ({ ...row, evidence: evidence.get(row.id) ?? [] }));
}

async function writeClaims(tx: SqlClient, specs: ResolvedClaim[], options: ApplyOptions, refresh: RefreshSet) {
  const stored = new Map((await storedClaims(tx, specs, options)).map((claim) => [identity(claim), claim]));
  const counts = { added: 0, changed: 0, removed: 0, kept: 0 };
  const touch = async (kind: FactKind, subjectId: string) => {
    if (kind === "impact" || kind === "targetGroup") {
      const [row] = await tx.query<{ parent: string }>(`SELECT ${PARENT_COLUMN[kind]} AS parent FROM ${FACT_TABLE[kind]} WHERE id = $1`, [subjectId]);
      if (row) refresh[resourceOf(kind)].add(row.parent);
    } else refresh[kind].add(subjectId);
  };
  for (const [position, spec] of specs.entries()) {
    const existing = stored.get(identity(spec));
    stored.delete(identity(spec));
    if (existing && sameValues(existing, spec) && sameSpans(existing, spec)) {
      counts.kept++;
      continue;
    }
    let claimId: number;
    if (existing) {
      await tx.query(
        `UPDATE claims SET ${VALUE_COLUMNS.map(([, column], index) => `${column} = $${index + 2}`).join(", ")}, position = $${VALUE_COLUMNS.length + 2} WHERE id = $1`,
        [existing.id, ...VALUE_COLUMNS.map(([property]) => spec[property]), position],
      );
      await tx.query(`DELETE FROM evidence WHERE claim_id = $1`, [existing.id]);
      claimId = existing.id;
      counts.changed++;
    } else {
      const [row] = await tx.query<{ id: number }>(
        `INSERT INTO claims (source_id, ${SUBJECT_COLUMN[spec.kind]}, field, key, origin, position, ${VALUE_COLUMNS.map(([, column]) => column).join(", ")})
         VALUES ($1, $2, $3, $4, $5, $6, ${VALUE_COLUMNS.map((_, index) => `$${index + 7}`).join(", ")}) RETURNING id`,
        [options.sourceId, spec.subjectId, spec.field, spec.key, options.origin, position, ...VALUE_COLUMNS.map(([property]) => spec[property])],
      );
      claimId = row!.id;
      counts.added++;
    }
    if (spec.spans.length > 0) {
      await tx.query(
        `INSERT INTO evidence (claim_id, source_id, excerpt, start, "end", position)
         SELECT $1, $2, excerpt, start, finish, position - 1
           FROM unnest($3::text[], $4::int[], $5::int[]) WITH ORDINALITY AS t(excerpt, start, finish, position)`,
        [claimId, options.sourceId, spec.spans.map((span) => span.excerpt), spec.spans.map((span) => span.start), spec.spans.map((span) => span.end)],
      );
    }
    await touch(spec.kind, spec.subjectId);
    if (existing?.statementValueId) refresh.statement.add(existing.statementValueId);
    if (spec.statementValueId) refresh.statement.add(spec.statementValueId);
  }
  // A bundle is the source's whole account: what it no longer says goes.
  if (options.origin === "bundle") {
    for (const claim of stored.values()) {
      await tx.query(`DELETE FROM claims WHERE id = $1`, [claim.id]);
      await touch(claim.kind, claim.subjectId);
      if (claim.statementValueId) refresh.statement.add(claim.statementValueId);
      counts.removed++;
    }
  }
  return counts;
}
