import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { CuratedSource } from "../../prisma/seed/types.ts";
import { BundleSchema } from "../modules/sources/bundle.schemas.ts";
import type { Database, SqlClient } from "./database.ts";
import { applyBundle, type IngestSummary } from "./ingest.ts";
import type { ChangeContext } from "./projection.ts";
import { PROJECT_ROOT } from "./project-root.ts";

const SOURCE_TEXT_DIR = path.join(PROJECT_ROOT, "prisma/seed/sources");

export interface SeedCounts {
  sources: number;
  changedFacts: number;
  claims: IngestSummary["claims"];
}

/**
 * Loads the curated sources through the same path as editors' bundles (one loader, not two). A
 * source whose bundle is already applied costs one query; a changed one replaces only its own claims.
 */
export async function loadCuratedSources(database: Database, sources: CuratedSource[]): Promise<SeedCounts> {
  const counts: SeedCounts = { sources: 0, changedFacts: 0, claims: { added: 0, changed: 0, removed: 0, kept: 0 } };
  for (const curated of sources) {
    const { textFile, ...metadata } = curated.source;
    const text = readFileSync(path.join(SOURCE_TEXT_DIR, textFile), "utf8");
    const summary = await ingestSourceBundle(database, { ...metadata, text }, curated.bundle, { apiKeyId: null, sourceId: metadata.id });
    counts.sources += 1;
    counts.changedFacts += summary.changes.length;
    for (const key of Object.keys(counts.claims) as (keyof SeedCounts["claims"])[]) counts.claims[key] += summary.claims[key];
  }
  return counts;
}

/**
 * A source and all its facts, in one transaction: the source is created or its metadata brought up
 * to date, then its bundle applied. The seed, `npm run ingest` and nothing else use it; the API
 * does the same in two calls.
 */
export async function ingestSourceBundle(
  database: Database,
  source: SourceRecord,
  bundleInput: unknown,
  context: ChangeContext,
): Promise<IngestSummary> {
  const bundle = BundleSchema.parse(bundleInput);
  return database.transaction(async (tx) => {
    await saveSource(tx, source);
    return applyBundle(tx, bundle, { sourceId: source.id, context, fieldPrefix: "bundle" });
  });
}

export async function sourceExists(sql: SqlClient, id: string): Promise<boolean> {
  return (await sql.query(`SELECT 1 FROM sources WHERE id = $1`, [id])).length > 0;
}

export interface SourceRecord {
  id: string;
  publisher: string;
  title: string;
  authors: string[];
  url?: string | undefined;
  publishedOn: string;
  language: string;
  translationNote?: string | undefined;
  licence?: string | undefined;
  text: string;
}

/** The source's columns as sourceValues gives them, each with its type (for comparing parameters with it). */
const SOURCE_COLUMN_TYPES = {
  publisher: "text", title: "text", authors: "text[]", url: "text", published_on: "date", language: "text",
  translation_note: "text", licence: "text", text: "text",
} as const;
const SOURCE_COLUMNS = Object.keys(SOURCE_COLUMN_TYPES) as (keyof typeof SOURCE_COLUMN_TYPES)[];

function sourceValues(source: SourceRecord) {
  return [source.publisher, source.title, source.authors, source.url ?? null, source.publishedOn, source.language,
    source.translationNote ?? null, source.licence ?? null, source.text];
}

// The stored source as sourceValues gives it ($2 on), the text compared by its hash (kept by a trigger).
const STORED_SOURCE = (() => {
  const columns = SOURCE_COLUMNS.map((column) => (column === "text" ? "text_sha256" : column));
  const values = SOURCE_COLUMNS.map((column, index) => `$${index + 2}::${SOURCE_COLUMN_TYPES[column]}`);
  return `(${columns.join(", ")}) IS NOT DISTINCT FROM (${values.join(", ")})`;
})();

/** Inserts the source, or brings its metadata up to date; `updated_at` moves only when something changed. */
export async function saveSource(tx: SqlClient, source: SourceRecord): Promise<void> {
  // Compared first, by the text's hash, and locked as the upsert would lock it: the upsert computes
  // the search vector of the whole text before it finds nothing changed (most of a warm start's seeding).
  const values = sourceValues(source);
  const textSha256 = createHash("sha256").update(source.text).digest("hex");
  const stored = values.map((value, index) => (SOURCE_COLUMNS[index] === "text" ? textSha256 : value));
  const unchanged = await tx.query(`SELECT 1 FROM sources WHERE id = $1 AND ${STORED_SOURCE} FOR UPDATE`, [source.id, ...stored]);
  if (unchanged.length > 0) return;
  await tx.query(
    `INSERT INTO sources (id, ${SOURCE_COLUMNS.join(", ")}) VALUES ($1, ${SOURCE_COLUMNS.map((_, index) => `$${index + 2}`).join(", ")})
     ON CONFLICT (id) DO UPDATE SET ${SOURCE_COLUMNS.map((column) => `${column} = EXCLUDED.${column}`).join(", ")}, updated_at = now()
      WHERE (${SOURCE_COLUMNS.map((column) => `sources.${column}`).join(", ")}) IS DISTINCT FROM
            (${SOURCE_COLUMNS.map((column) => `EXCLUDED.${column}`).join(", ")})`,
    [source.id, ...values],
  );
}

/** Creates a source; false when the id is taken. */
export async function insertSource(tx: SqlClient, source: SourceRecord): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO sources (id, ${SOURCE_COLUMNS.join(", ")}) VALUES ($1, ${SOURCE_COLUMNS.map((_, index) => `$${index + 2}`).join(", ")})
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [source.id, ...sourceValues(source)],
  );
  return rows.length > 0;
}
