import { createHash } from "node:crypto";
import { actorKey } from "../lib/actor-key.ts";
import {
  type AttackRow, missingColumnsProblem, parseAttacks, parseWeapons, type RowProblem, slugOf, type WeaponModel, windowWording,
} from "../modules/imports/air-attacks.parse.ts";
import type { SqlClient } from "./database.ts";
import { IngestRejected } from "./ingest.ts";
import { type ChangeContext, type ChangeAction, emptyRefreshSet, refreshFacts } from "./projection.ts";
import { recountSources } from "./source-counts.ts";

// Loads an air-attack tally file as one source's account, in one transaction: every row becomes
// claims of that source (reported by the Air Force, the row's post kept as the evidence's locator),
// on a new event or on the event the database already has for it. Loading the same file again
// changes nothing; a changed file replaces what the source said before, and only that.

export interface AirAttackImportOptions {
  sourceId: string;
  /** Who the tallies are credited to (the source's publisher). */
  attribution: string;
  licence: string;
  title?: string;
  url?: string;
  /** Defaults to today: the day the newsroom's copy was taken. */
  publishedOn?: string;
  /** The actor the rows' figures come from. */
  reporterId?: string;
  context: ChangeContext;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface AirAttackImportSummary {
  sourceId: string;
  /** True when this very file (and weapons file) was imported before: nothing was written. */
  unchanged: boolean;
  rowsRead: number;
  rowsImported: number;
  eventsCreated: number;
  /** Rows whose claims went to an event the database already had, and why it is that event. */
  matched: { line: number; eventId: string; rule: string }[];
  claims: { added: number; removed: number };
  placesCreated: string[];
  weapons: { read: number; rejected: RowProblem[] };
  rejected: RowProblem[];
  /** Imported as reported, with what looks wrong about them. */
  flagged: { line: number; message: string }[];
  changes: Record<ChangeAction, number>;
}

// The tallies' compass words for parts of Ukraine, and the names they stand for.
const REGION_WORDS: Record<string, string> = {
  south: "Southern Ukraine", north: "Northern Ukraine", east: "Eastern Ukraine", west: "Western Ukraine",
  centre: "Central Ukraine", center: "Central Ukraine",
};

export const MATCH_RULE =
  "same Kyiv-local day (the window's first or last), same kind of attack (drones or missiles), and at least one place in common";

const BATCH = 5_000;

export async function importAirAttacks(
  tx: SqlClient,
  attacksCsv: string,
  weaponsCsv: string | undefined,
  options: AirAttackImportOptions,
): Promise<AirAttackImportSummary> {
  const progress = options.onProgress ?? (() => {});
  const reporterId = options.reporterId ?? "ukrainian-air-force";
  const weaponsParsed = weaponsCsv === undefined ? { weapons: [], rejected: [], missingColumns: [] } : parseWeapons(weaponsCsv);
  if (weaponsParsed.weapons.length > 0) await upsertWeapons(tx, weaponsParsed.weapons);
  const reference = await loadWeaponReference(tx);
  const parsed = parseAttacks(attacksCsv, reference);
  progress("parsed", parsed.rowsRead, parsed.rowsRead);

  const summary: AirAttackImportSummary = {
    sourceId: options.sourceId, unchanged: false, rowsRead: parsed.rowsRead, rowsImported: parsed.rows.length, eventsCreated: 0,
    matched: [], claims: { added: 0, removed: 0 }, placesCreated: [],
    weapons: { read: weaponsParsed.weapons.length, rejected: weaponsParsed.rejected },
    rejected: parsed.rejected, flagged: parsed.rows.flatMap((row) => row.flags.map((message) => ({ line: row.line, message }))),
    changes: { create: 0, update: 0, delete: 0, restore: 0 },
  };
  if (parsed.missingColumns.length > 0) {
    throw new IngestRejected([{ field: "attacks", message: missingColumnsProblem(parsed.missingColumns).reason }]);
  }

  const digest = createHash("sha256")
    .update(JSON.stringify([attacksCsv, weaponsCsv ?? null, options.attribution, options.licence, options.title ?? null,
      options.url ?? null, options.publishedOn ?? null, reporterId]))
    .digest("hex");
  const [existing] = await tx.query<{ bundle_digest: string | null }>(`SELECT bundle_digest FROM sources WHERE id = $1 FOR UPDATE`, [options.sourceId]);
  if (existing?.bundle_digest === digest) return { ...summary, unchanged: true };
  const [reporter] = await tx.query(`SELECT 1 FROM actors WHERE id = $1 AND deleted_at IS NULL`, [reporterId]);
  if (!reporter) throw new IngestRejected([{ field: "reporterId", message: `No actor has the id "${reporterId}"` }]);

  const refresh = emptyRefreshSet();
  // What the source said before goes (its facts are rendered again); editors' claims stay.
  const before = await tx.query<{ kind: "actor" | "attackEvent"; id: string }>(
    `DELETE FROM claims WHERE source_id = $1 AND origin = 'bundle'
     RETURNING CASE WHEN actor_id IS NOT NULL THEN 'actor' ELSE 'attackEvent' END AS kind, coalesce(actor_id, attack_event_id) AS id`,
    [options.sourceId],
  );
  summary.claims.removed = before.length;
  for (const row of before) refresh[row.kind].add(row.id);
  await saveSource(tx, parsed.text, options, !!existing);

  const places = await resolvePlaces(tx, parsed.rows, options.sourceId);
  summary.placesCreated = places.created;
  const matches = await matchEvents(tx, parsed.rows, places.idByName, options.sourceId);
  const claims: ClaimToWrite[] = [];
  const newEvents: { id: string; kind: string; description: string }[] = [];
  for (const row of parsed.rows) {
    const matched = matches.get(row.line);
    const eventId = matched ?? eventIdOf(row);
    if (matched) summary.matched.push({ line: row.line, eventId: matched, rule: MATCH_RULE });
    else newEvents.push({ id: eventId, kind: row.kind.toUpperCase(), description: describe(row) });
    claims.push(...claimsOfRow(row, eventId, reporterId, places.idByName));
    refresh.attackEvent.add(eventId);
  }
  for (const place of places.own) {
    claims.push({ ...NO_VALUES, subject: "actor", subjectId: place.id, field: "fact", key: "", reportedById: null, row: place.row });
    refresh.actor.add(place.id);
  }
  summary.eventsCreated = await insertEvents(tx, newEvents, options.sourceId);
  summary.claims.added = await insertClaims(tx, claims, options.sourceId, progress);
  await checkExcerptsInBulk(tx, options.sourceId);

  const eventIds = [...refresh.attackEvent];
  // The file's source is in every batch: counted once, after the last (it may back a million facts).
  const recount = { changed: [options.sourceId], gather: new Set<string>() };
  const changes = await refreshFacts(tx, { ...emptyRefreshSet(), actor: refresh.actor }, options.context, recount);
  for (let index = 0; index < eventIds.length; index += BATCH) {
    const batch = { ...emptyRefreshSet(), attackEvent: new Set(eventIds.slice(index, index + BATCH)) };
    changes.push(...(await refreshFacts(tx, batch, options.context, recount)));
    progress("rendered", Math.min(index + BATCH, eventIds.length), eventIds.length);
  }
  await recountSources(tx, recount.gather);
  for (const change of changes) summary.changes[change.action]++;
  await tx.query(`UPDATE sources SET bundle_digest = $2 WHERE id = $1`, [options.sourceId, digest]);
  return summary;
}

async function upsertWeapons(tx: SqlClient, weapons: WeaponModel[]): Promise<void> {
  await tx.query(
    `INSERT INTO weapon_models (model, category, national_origin, type, launch_platform, name, name_nato, in_service, designer,
                                manufacturer, guidance_system, unit_cost, updated_at)
     SELECT model, category, "nationalOrigin", type, "launchPlatform", name, "nameNato", "inService", designer, manufacturer,
            "guidanceSystem", "unitCost", now()
       FROM jsonb_to_recordset($1::jsonb) AS w(model text, category text, "nationalOrigin" text, type text, "launchPlatform" text,
            name text, "nameNato" text, "inService" text, designer text, manufacturer text, "guidanceSystem" text, "unitCost" text)
     ON CONFLICT (model) DO UPDATE SET category = EXCLUDED.category, national_origin = EXCLUDED.national_origin, type = EXCLUDED.type,
       launch_platform = EXCLUDED.launch_platform, name = EXCLUDED.name, name_nato = EXCLUDED.name_nato, in_service = EXCLUDED.in_service,
       designer = EXCLUDED.designer, manufacturer = EXCLUDED.manufacturer, guidance_system = EXCLUDED.guidance_system,
       unit_cost = EXCLUDED.unit_cost, updated_at = now()`,
    [JSON.stringify(weapons)],
  );
}

async function loadWeaponReference(tx: SqlClient): Promise<Map<string, WeaponModel>> {
  const rows = await tx.query<WeaponModel>(
    `SELECT model, category, national_origin AS "nationalOrigin", type, launch_platform AS "launchPlatform", name,
            name_nato AS "nameNato", in_service AS "inService", designer, manufacturer, guidance_system AS "guidanceSystem",
            unit_cost AS "unitCost"
       FROM weapon_models`,
  );
  return new Map(rows.map((row) => [row.model, row]));
}

async function saveSource(tx: SqlClient, text: string, options: AirAttackImportOptions, exists: boolean): Promise<void> {
  const values = [
    options.sourceId, options.attribution, options.title ?? `Air-attack tallies (${options.attribution})`, options.url ?? null,
    options.publishedOn ?? new Date().toISOString().slice(0, 10), options.licence, text,
  ];
  if (exists) {
    // The same text again is no change: editors' evidence that quotes it does not stop the import.
    await tx.query(
      `UPDATE sources SET publisher = $2, title = $3, url = $4, published_on = $5, licence = $6, updated_at = now(), text = $7
        WHERE id = $1`,
      values,
    );
  } else {
    await tx.query(
      `INSERT INTO sources (id, publisher, title, authors, url, published_on, language, licence, text, text_sha256, text_length)
       VALUES ($1, $2, $3, '{}', $4, $5, 'en', $6, $7, '', 0)`,
      values,
    );
  }
}

interface ResolvedPlaces {
  /** Every target name as written → the place actor's id. */
  idByName: Map<string, string>;
  /** Places no other source knows: this source's own, backed by the first row that names them. */
  own: { id: string; name: string; row: AttackRow }[];
  /** The ids among them made by this import. */
  created: string[];
}

/**
 * Target names become place actors: a compass word stands for its part of Ukraine; a name or alias
 * the database knows (any case) is that actor; anything else is a new place, named as written.
 */
async function resolvePlaces(tx: SqlClient, rows: AttackRow[], sourceId: string): Promise<ResolvedPlaces> {
  const firstRow = new Map<string, AttackRow>();
  for (const row of rows) for (const target of row.targets) if (!firstRow.has(target)) firstRow.set(target, row);
  const names = [...firstRow.keys()];
  const lookedUp = names.map((name) => REGION_WORDS[name.toLowerCase()] ?? name);
  const known = await tx.query<{ key: string; id: string }>(
    `SELECT DISTINCT ON (ref.key) ref.key, act.id
       FROM unnest($1::text[]) AS ref(key)
       JOIN actors act ON act.deleted_at IS NULL AND act.owner_source_id IS DISTINCT FROM $2 AND (act.name_key = ref.key
         OR EXISTS (SELECT 1 FROM actor_aliases al WHERE al.actor_id = act.id AND al.alias_key = ref.key))
      ORDER BY ref.key, (act.name_key = ref.key) DESC, act.id`,
    [lookedUp.map(actorKey), sourceId],
  );
  const idByKey = new Map(known.map((row) => [row.key, row.id]));
  const idByName = new Map<string, string>();
  const own: ResolvedPlaces["own"] = [];
  const createdIds = new Set<string>();
  names.forEach((name, index) => {
    const id = idByKey.get(actorKey(lookedUp[index]!));
    if (id) {
      idByName.set(name, id);
      return;
    }
    let newId = `place-${slugOf(lookedUp[index]!)}`;
    for (let suffix = 2; createdIds.has(newId); suffix++) newId = `place-${slugOf(lookedUp[index]!)}-${suffix}`;
    createdIds.add(newId);
    idByName.set(name, newId);
    own.push({ id: newId, name: lookedUp[index]!, row: firstRow.get(name)! });
  });
  if (own.length === 0) return { idByName, own, created: [] };
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO actors (id, type, name, name_key, place_kind, owner_source_id)
     SELECT id, 'PLACE', name, name_key, CASE WHEN name ~* '(oblast|область|region|krai)' THEN 'REGION'::place_kind END, $4
       FROM unnest($1::text[], $2::text[], $3::text[]) AS p(id, name, name_key)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [own.map((place) => place.id), own.map((place) => place.name), own.map((place) => actorKey(place.name)), sourceId],
  );
  const created = new Set(inserted.map((row) => row.id));
  // Places this source made on an earlier import are its own again; an id another source's actor
  // holds would be a silent mix-up: refuse instead.
  const taken = await tx.query<{ id: string }>(
    `SELECT id FROM actors WHERE id = ANY($1) AND owner_source_id IS DISTINCT FROM $2`,
    [own.filter((place) => !created.has(place.id)).map((place) => place.id), sourceId],
  );
  if (taken.length > 0) {
    throw new IngestRejected(own.filter((place) => taken.some((row) => row.id === place.id)).map((place) => ({
      field: `attacks.line ${place.row.line}.target`, message: `"${place.name}" would be "${place.id}", an id another source's actor has`,
    })));
  }
  return { idByName, own, created: [...created] };
}

/**
 * The event each row describes when the database already has it from another source: the rule
 * MATCH_RULE, and among several candidates the one sharing most places, then the lowest id.
 */
async function matchEvents(tx: SqlClient, rows: AttackRow[], placeIds: Map<string, string>, sourceId: string): Promise<Map<number, string>> {
  const candidates = rows.filter((row) => row.kind !== "air_attack");
  if (candidates.length === 0) return new Map();
  const matches = await tx.query<{ line: number; id: string }>(
    `SELECT DISTINCT ON (r.line) r.line, e.id
       FROM jsonb_to_recordset($1::jsonb) AS r(line int, kind text, first_day date, last_day date, places text[])
       JOIN attack_events e ON e.kind::text = r.kind AND e.occurred_on IN (r.first_day, r.last_day)
        AND e.deleted_at IS NULL AND e.owner_source_id IS DISTINCT FROM $2
       JOIN LATERAL (SELECT count(*) AS shared FROM attack_event_places p WHERE p.event_id = e.id AND p.actor_id = ANY(r.places)) overlap
         ON overlap.shared > 0
      ORDER BY r.line, overlap.shared DESC, e.id`,
    [JSON.stringify(candidates.map((row) => ({
      line: row.line, kind: row.kind.toUpperCase(), first_day: row.start.date, last_day: row.end?.date ?? row.start.date,
      places: row.targets.map((target) => placeIds.get(target)!),
    }))), sourceId],
  );
  return new Map(matches.map((match) => [match.line, match.id]));
}

/** `aa-2022-12-10-shahed-136-131-91e6f0b6c6`: readable, and the same for the same row on every run. */
const eventIdOf = (row: AttackRow) => `aa-${row.start.date}-${slugOf(row.models.join(" "))}-${row.key}`;

function describe(row: AttackRow): string {
  const targets = row.targets.length > 0 ? ` on ${row.targets.join(", ")}` : "";
  return `${row.models.join(" and ")}${targets}, ${windowWording(row)}, in the Air Force's tally.`;
}

type Subject = "actor" | "attackEvent";

interface ClaimToWrite {
  subject: Subject;
  subjectId: string;
  field: string;
  key: string;
  reportedById: string | null;
  numberValue: number | null;
  qualifier: string | null;
  textValue: string | null;
  actorValueId: string | null;
  dateValue: string | null;
  datePrecision: string | null;
  dateWording: string | null;
  /** The row whose text backs the claim. */
  row: AttackRow;
}

const NO_VALUES = {
  numberValue: null, qualifier: null, textValue: null, actorValueId: null, dateValue: null, datePrecision: null, dateWording: null,
} as const;

function claimsOfRow(row: AttackRow, eventId: string, reporterId: string, placeIds: Map<string, string>): ClaimToWrite[] {
  const base = { subject: "attackEvent" as const, subjectId: eventId, key: "", reportedById: reporterId, row, ...NO_VALUES };
  const claims: ClaimToWrite[] = [
    { ...base, field: "fact" },
    {
      ...base, field: "occurred", dateValue: row.start.date, datePrecision: row.start.time ? "MINUTE" : "DAY",
      dateWording: windowWording(row),
    },
    { ...base, field: "weapon", textValue: row.models.join(" and ") },
  ];
  for (const [field, value] of [["launched", row.launched], ["intercepted", row.destroyed], ["notReached", row.notReached]] as const) {
    if (value !== null) claims.push({ ...base, field, numberValue: value, qualifier: "EXACT" });
  }
  for (const id of new Set(row.targets.map((target) => placeIds.get(target)!))) {
    claims.push({ ...base, field: "place", key: id, actorValueId: id });
  }
  return claims;
}

async function insertEvents(tx: SqlClient, events: { id: string; kind: string; description: string }[], sourceId: string): Promise<number> {
  let created = 0;
  for (let index = 0; index < events.length; index += BATCH) {
    const batch = events.slice(index, index + BATCH);
    const rows = await tx.query<{ id: string }>(
      `INSERT INTO attack_events (id, kind, description, owner_source_id)
       SELECT id, kind::attack_kind, description, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS e(id, kind, description)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [batch.map((event) => event.id), batch.map((event) => event.kind), batch.map((event) => event.description), sourceId],
    );
    created += rows.length;
  }
  return created;
}

/** Claims and their evidence (the row, at its offsets, with its post as locator), in batches. */
async function insertClaims(
  tx: SqlClient, claims: ClaimToWrite[], sourceId: string, progress: (phase: string, done: number, total: number) => void,
): Promise<number> {
  // The excerpts are checked in one pass afterwards (checkExcerptsInBulk), not one substring each.
  await tx.query(`SELECT set_config('warfacts.excerpts_checked_in_bulk', $1, true)`, [sourceId]);
  for (let index = 0; index < claims.length; index += BATCH) {
    const batch = claims.slice(index, index + BATCH);
    const ids = await tx.query<{ id: number }>(`SELECT nextval('claims_id_seq')::int AS id FROM generate_series(1, $1)`, [batch.length]);
    const column = <T>(pick: (claim: ClaimToWrite) => T) => batch.map(pick);
    await tx.query(
      `INSERT INTO claims (id, source_id, actor_id, attack_event_id, field, key, origin, reported_by_id, number_value, qualifier,
                           text_value, actor_value_id, date_value, date_precision, date_wording, position)
       SELECT id, $1, CASE WHEN subject = 'actor' THEN subject_id END, CASE WHEN subject = 'attackEvent' THEN subject_id END,
              field, key, 'bundle', reported_by_id, number_value, qualifier::qualifier, text_value, actor_value_id, date_value,
              date_precision::time_precision, date_wording, 0
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[],
                     $11::text[], $12::date[], $13::text[], $14::text[])
           AS c(id, subject, subject_id, field, key, reported_by_id, number_value, qualifier, text_value, actor_value_id, date_value,
                date_precision, date_wording)`,
      [
        sourceId, ids.map((row) => row.id), column((claim) => claim.subject), column((claim) => claim.subjectId),
        column((claim) => claim.field), column((claim) => claim.key), column((claim) => claim.reportedById),
        column((claim) => claim.numberValue), column((claim) => claim.qualifier), column((claim) => claim.textValue),
        column((claim) => claim.actorValueId), column((claim) => claim.dateValue), column((claim) => claim.datePrecision),
        column((claim) => claim.dateWording),
      ],
    );
    await tx.query(
      `INSERT INTO evidence (claim_id, source_id, excerpt, start, "end", locator, position)
       SELECT claim_id, $1, excerpt, start, finish, locator, 0
         FROM unnest($2::int[], $3::text[], $4::int[], $5::int[], $6::text[]) AS e(claim_id, excerpt, start, finish, locator)`,
      [
        sourceId, ids.map((row) => row.id), column((claim) => claim.row.excerpt), column((claim) => claim.row.span.start),
        column((claim) => claim.row.span.end), column((claim) => claim.row.locator),
      ],
    );
    progress("claims", Math.min(index + BATCH, claims.length), claims.length);
  }
  return claims.length;
}

/**
 * Every excerpt of the source, checked against its text in one pass: a line that starts where the
 * excerpt starts and equals it (a CSV row), else the substring the row trigger would compare.
 */
async function checkExcerptsInBulk(tx: SqlClient, sourceId: string): Promise<void> {
  const [result] = await tx.query<{ bad: number; example: string | null }>(
    `WITH lines AS (
       SELECT t.line, (sum(char_length(t.line) + 1) OVER (ORDER BY t.n) - char_length(t.line) - 1)::int AS start
         FROM sources s, regexp_split_to_table(s.text, E'\\n') WITH ORDINALITY AS t(line, n)
        WHERE s.id = $1)
     SELECT count(*)::int AS bad, min(e.excerpt) AS example
       FROM evidence e LEFT JOIN lines l ON l.start = e.start
      WHERE e.source_id = $1
        AND NOT CASE
          WHEN e."end" - e.start = char_length(e.excerpt) AND (l.line = e.excerpt OR l.line = e.excerpt || E'\\r') THEN true
          ELSE coalesce((SELECT substring(s.text FROM e.start + 1 FOR e."end" - e.start) = e.excerpt FROM sources s WHERE s.id = $1), false)
        END`,
    [sourceId],
  );
  await tx.query(`SELECT set_config('warfacts.excerpts_checked_in_bulk', '', true)`);
  if (result!.bad > 0) {
    throw new Error(`${result!.bad} excerpts are not the text of source "${sourceId}" at their offsets, e.g. "${result!.example}"`);
  }
}

/**
 * The weapons reference alone (`PUT /v1/weapons`): entries are replaced by model, and the events
 * whose weapon claims name a changed model are rendered again.
 */
export async function importWeapons(tx: SqlClient, weaponsCsv: string, context: ChangeContext): Promise<{ read: number; rejected: RowProblem[]; eventsUpdated: number }> {
  const parsed = parseWeapons(weaponsCsv);
  if (parsed.missingColumns.length > 0) {
    throw new IngestRejected([{ field: "body", message: missingColumnsProblem(parsed.missingColumns).reason }]);
  }
  if (parsed.weapons.length === 0) return { read: 0, rejected: parsed.rejected, eventsUpdated: 0 };
  await upsertWeapons(tx, parsed.weapons);
  const events = await tx.query<{ id: string }>(
    `SELECT DISTINCT attack_event_id AS id FROM claims
      WHERE field = 'weapon' AND attack_event_id IS NOT NULL
        AND regexp_split_to_array(trim(text_value), '\\s+and\\s+') && $1::text[]`,
    [parsed.weapons.map((weapon) => weapon.model)],
  );
  const changes = await refreshFacts(tx, { ...emptyRefreshSet(), attackEvent: new Set(events.map((event) => event.id)) }, context);
  return { read: parsed.weapons.length, rejected: parsed.rejected, eventsUpdated: changes.length };
}

export async function listWeapons(sql: SqlClient): Promise<WeaponModel[]> {
  return [...(await loadWeaponReference(sql)).values()].sort((a, b) => (a.model < b.model ? -1 : 1));
}
