import { createHash } from "node:crypto";
import { actorKey } from "../lib/actor-key.ts";
import type { FactKind } from "../lib/bundle-claims.ts";
import {
  isDisputed,
  normaliseWords,
  numberSpan,
  pickWinner,
  sameNumber,
  sameTime,
} from "../lib/resolve.ts";
import { splitJoined } from "../modules/imports/air-attacks.parse.ts";
import { type ActorNames, type ActorStub, type ClaimRow, loadActorNames, loadClaims } from "./claims-store.ts";
import type { SqlClient } from "./database.ts";
import { recountSources, sourcesClaimingFacts } from "./source-counts.ts";

// The read model. After every write, each fact it touched is rendered again from its claims: the
// item exactly as the API serves it (`doc`), the resolved values that filters and sorting use, the
// derived link tables, and the search text. A fact whose rendering did not change is not written at
// all: no `updatedAt` bump, no new version, no revision. One place decides what a fact looks like.

export type ResourceKind = "actor" | "statement" | "sanction" | "attackEvent";

export const RESOURCE_TABLE: Record<ResourceKind, string> = {
  actor: "actors",
  statement: "statements",
  sanction: "sanctions",
  attackEvent: "attack_events",
};

/** The resource names of the API, as revisions and problems name them. */
export const RESOURCE_NAME: Record<ResourceKind, string> = {
  actor: "actors",
  statement: "statements",
  sanction: "sanctions",
  attackEvent: "attack-events",
};

export interface ChangeContext {
  apiKeyId: string | null;
  sourceId: string | null;
}

export type RefreshSet = Record<ResourceKind, Set<string>>;

export const emptyRefreshSet = (): RefreshSet => ({
  actor: new Set(), statement: new Set(), sanction: new Set(), attackEvent: new Set(),
});

export type ChangeAction = "create" | "update" | "delete" | "restore";

export interface FactChange {
  resource: string;
  id: string;
  action: ChangeAction;
  version: number;
}

type Doc = Record<string, unknown>;

/** What rendering one fact gives: its item, and what the database keeps beside it. */
interface Rendering {
  doc: Doc;
  /** Resolved columns of the fact's own row. */
  columns: Record<string, unknown>;
  searchContext: string;
  sourceCount: number;
  disputed: boolean;
  /** The fact's rows in link tables (replaced in bulk, with every other changed fact's). */
  links: LinkRows[];
  /** Writes other derived rows (aliases, sub-facts' resolved columns) once the fact is known to have changed. */
  writeDerived?: (tx: SqlClient) => Promise<void>;
}

interface LinkRows {
  table: "statement_subjects" | "statement_links" | "sanction_targets" | "sanction_subjects" | "attack_event_places";
  values: string[];
}

const LINK_COLUMNS: Record<LinkRows["table"], { owner: string; value: string }> = {
  statement_subjects: { owner: "statement_id", value: "actor_id" },
  statement_links: { owner: "statement_id", value: "responds_to_id" },
  sanction_targets: { owner: "sanction_id", value: "actor_id" },
  sanction_subjects: { owner: "sanction_id", value: "actor_id" },
  attack_event_places: { owner: "event_id", value: "actor_id" },
};

interface FactState {
  id: string;
  doc: Doc | null;
  doc_hash: string | null;
  version: number;
  deleted_reason: string | null;
  created_at: string;
}

const lower = (value: string | null) => (value === null ? null : value.toLowerCase());

// ---------------------------------------------------------------------------------------------
// Fields backed by claims: the same shape for every resource.

function evidenceOf(claim: ClaimRow) {
  return claim.evidence.map((row) => ({
    sourceId: row.sourceId, excerpt: row.excerpt, start: row.start, end: row.end, ...(row.locator ? { locator: row.locator } : {}),
  }));
}

function claimBase(claim: ClaimRow, actors: Map<string, ActorNames>) {
  return {
    id: claim.id,
    sourceId: claim.sourceId,
    reportedBy: stubOf(actors, claim.reportedById),
    preferred: claim.preferred,
    evidence: evidenceOf(claim),
  };
}

function stubOf(actors: Map<string, ActorNames>, id: string | null): ActorStub | null {
  return id ? (actors.get(id)?.stub ?? null) : null;
}

const numberOf = (claim: ClaimRow) => ({
  value: claim.numberValue ?? 0,
  qualifier: lower(claim.qualifier) ?? "exact",
  low: claim.numberLow,
  high: claim.numberHigh,
});

function numberField(claims: ClaimRow[], actors: Map<string, ActorNames>) {
  if (claims.length === 0) return null;
  const values = claims.map(numberOf);
  const winner = pickWinner(claims, (claim) => sameNumber(numberOf(claim)))!;
  const span = numberSpan(values)!;
  return {
    ...numberOf(winner),
    low: span.low,
    high: span.high,
    disputed: isDisputed(claims, (claim) => sameNumber(numberOf(claim))),
    claims: claims.map((claim) => ({ ...claimBase(claim, actors), ...numberOf(claim) })),
  };
}

const timeOf = (claim: ClaimRow) => ({ date: claim.dateValue, precision: lower(claim.datePrecision), wording: claim.dateWording });

function timeField(claims: ClaimRow[], actors: Map<string, ActorNames>) {
  const winner = pickWinner(claims, (claim) => sameTime(timeOf(claim)));
  return {
    ...(winner ? timeOf(winner) : { date: null, precision: null, wording: null }),
    disputed: isDisputed(claims, (claim) => sameTime(timeOf(claim))),
    claims: claims.map((claim) => ({ ...claimBase(claim, actors), ...timeOf(claim) })),
  };
}

const sameText = (claim: ClaimRow) => normaliseWords(claim.textValue ?? "");

function textField(claims: ClaimRow[], actors: Map<string, ActorNames>) {
  if (claims.length === 0) return null;
  return {
    value: pickWinner(claims, sameText)!.textValue,
    disputed: isDisputed(claims, sameText),
    claims: claims.map((claim) => ({ ...claimBase(claim, actors), value: claim.textValue })),
  };
}

const sameActor = (claim: ClaimRow) => claim.actorValueId ?? "";

function actorField(claims: ClaimRow[], actors: Map<string, ActorNames>) {
  if (claims.length === 0) return null;
  return {
    value: stubOf(actors, pickWinner(claims, sameActor)!.actorValueId),
    disputed: isDisputed(claims, sameActor),
    claims: claims.map((claim) => ({ ...claimBase(claim, actors), value: stubOf(actors, claim.actorValueId) })),
  };
}

/** Stubs of the actors any claim names, in name order. */
function actorUnion(claims: ClaimRow[], actors: Map<string, ActorNames>): ActorStub[] {
  const ids = [...new Set(claims.map((claim) => claim.actorValueId).filter((id): id is string => !!id))];
  return ids
    .map((id) => actors.get(id)?.stub)
    .filter((stub): stub is ActorStub => !!stub)
    .sort((a, b) => actorKey(a.name).localeCompare(actorKey(b.name)) || (a.id < b.id ? -1 : 1));
}

/** A set that sources add to (places): the union, and whether the sources' own sets differ. */
function actorSetField(claims: ClaimRow[], actors: Map<string, ActorNames>) {
  const setsBySource = new Map<string, Set<string>>();
  for (const claim of claims) {
    const set = setsBySource.get(claim.sourceId) ?? new Set<string>();
    set.add(claim.actorValueId ?? "");
    setsBySource.set(claim.sourceId, set);
  }
  const sets = [...setsBySource.values()].map((set) => [...set].sort().join("|"));
  return {
    value: actorUnion(claims, actors),
    disputed: new Set(sets).size > 1,
    claims: claims.map((claim) => ({ ...claimBase(claim, actors), value: stubOf(actors, claim.actorValueId) })),
  };
}

/**
 * Every excerpt of the fact's claims, once, with the field it backs (null: the fact as a whole, or
 * several of its fields).
 */
function factEvidence(claims: ClaimRow[]) {
  const seen = new Set<string>();
  return claims.flatMap((claim) =>
    evidenceOf(claim).flatMap((excerpt) => {
      const key = `${excerpt.sourceId}:${excerpt.start}:${excerpt.end}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ ...excerpt, field: claim.field === "fact" ? null : claim.field }];
    }));
}

/** Excerpts backing a part (a role, a description) as a whole. */
const wholeEvidence = (claim: ClaimRow) => evidenceOf(claim).map((excerpt) => ({ ...excerpt, field: null }));

const sourcesOf = (claims: ClaimRow[]) => new Set(claims.map((claim) => claim.sourceId));

function byField(claims: ClaimRow[] = []): (field: string) => ClaimRow[] {
  return (field) => claims.filter((claim) => claim.field === field);
}

const anyDisputed = (fields: ({ disputed: boolean } | null)[]) => fields.some((field) => field?.disputed === true);

function actorIdsIn(claims: Iterable<ClaimRow>): string[] {
  const ids: string[] = [];
  for (const claim of claims) {
    if (claim.actorValueId) ids.push(claim.actorValueId);
    if (claim.reportedById) ids.push(claim.reportedById);
  }
  return ids;
}

const namesOf = (actors: Map<string, ActorNames>, ids: Iterable<string | null | undefined>) =>
  [...ids].map((id) => (id ? actors.get(id)?.names : undefined)).filter(Boolean).join(" ");

/** Every changed fact's link rows, replaced with one DELETE and one INSERT per table. */
async function replaceLinks(tx: SqlClient, owners: { id: string; links: LinkRows[] }[]) {
  for (const [table, columns] of Object.entries(LINK_COLUMNS)) {
    const sets = owners.flatMap((owner) => owner.links.filter((link) => link.table === table).map((link) => ({ id: owner.id, values: link.values })));
    if (sets.length === 0) continue;
    await tx.query(`DELETE FROM ${table} WHERE ${columns.owner} = ANY($1)`, [sets.map((set) => set.id)]);
    const pairs = sets.flatMap((set) => set.values.map((value) => [set.id, value] as const));
    if (pairs.length > 0) {
      await tx.query(
        `INSERT INTO ${table} (${columns.owner}, ${columns.value}) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
        [pairs.map(([owner]) => owner), pairs.map(([, value]) => value)],
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Each resource's rendering.

interface ActorRow extends FactState {
  type: string;
  name: string;
  place_kind: string | null;
  country_id: string | null;
  parent_id: string | null;
  wikidata_id: string | null;
  latitude: number | null;
  longitude: number | null;
}

async function renderActors(tx: SqlClient, rows: ActorRow[]): Promise<Map<string, Rendering>> {
  const claimsByActor = await loadClaims(tx, "actor", rows.map((row) => row.id));
  const actors = await loadActorNames(tx, rows.flatMap((row) => [row.country_id, row.parent_id, ...actorIdsIn(claimsByActor.get(row.id) ?? [])]));
  const rendered = new Map<string, Rendering>();
  for (const row of rows) {
    const claims = claimsByActor.get(row.id) ?? [];
    const field = byField(claims);
    const aliases = [...new Set(field("alias").map((claim) => claim.textValue!))].sort();
    const roles = keyedEntries(field("role")).map((group) => ({
      id: group[0]!.key,
      title: group[0]!.textValue!,
      organisation: stubOf(actors, group[0]!.actorValueId),
      evidence: group.flatMap(wholeEvidence),
    }));
    const descriptions = keyedEntries(field("description")).map((group) => ({
      id: group[0]!.key, text: group[0]!.textValue!, evidence: group.flatMap(wholeEvidence),
    }));
    rendered.set(row.id, {
      doc: {
        id: row.id,
        type: lower(row.type),
        name: row.name,
        aliases,
        placeKind: lower(row.place_kind),
        country: stubOf(actors, row.country_id),
        parent: stubOf(actors, row.parent_id),
        wikidataId: row.wikidata_id,
        coordinates: row.latitude === null || row.longitude === null ? null : { latitude: row.latitude, longitude: row.longitude },
        roles,
        descriptions,
        sourceCount: sourcesOf(claims).size,
        disputed: false,
        evidence: factEvidence(claims),
      },
      columns: { name_key: actorKey(row.name) },
      searchContext: [
        aliases.join(" "),
        roles.map((role) => `${role.title} ${role.organisation ? namesOf(actors, [role.organisation.id]) : ""}`).join(" "),
        descriptions.map((description) => description.text).join(" "),
      ].join(" "),
      sourceCount: sourcesOf(claims).size,
      disputed: false,
      links: [],
      writeDerived: async (writer) => {
        await writer.query(`DELETE FROM actor_aliases WHERE actor_id = $1`, [row.id]);
        if (aliases.length > 0) {
          await writer.query(
            `INSERT INTO actor_aliases (actor_id, alias, alias_key) SELECT $1, alias, key FROM unnest($2::text[], $3::text[]) AS t(alias, key)`,
            [row.id, aliases, aliases.map(actorKey)],
          );
        }
      },
    });
  }
  return rendered;
}

/** Claims of one field grouped by key (a role's id), in the order they were first reported. */
function keyedEntries(claims: ClaimRow[]): ClaimRow[][] {
  const groups = new Map<string, ClaimRow[]>();
  for (const claim of claims) groups.set(claim.key, [...(groups.get(claim.key) ?? []), claim]);
  return [...groups.values()];
}

interface StatementRow extends FactState {
  speaker_id: string;
  kind: string;
  quote_type: string;
  text: string;
  medium: string | null;
}

async function renderStatements(tx: SqlClient, rows: StatementRow[]): Promise<Map<string, Rendering>> {
  const ids = rows.map((row) => row.id);
  const claimsByStatement = await loadClaims(tx, "statement", ids);
  const answers = await tx.query<{ target: string; id: string }>(
    `SELECT DISTINCT c.statement_value_id AS target, c.statement_id AS id
       FROM claims c JOIN statements s ON s.id = c.statement_id AND s.deleted_at IS NULL
      WHERE c.field = 'respondsTo' AND c.statement_value_id = ANY($1)`,
    [ids],
  );
  const liveStatements = new Set(
    (await tx.query<{ id: string }>(
      `SELECT id FROM statements WHERE deleted_at IS NULL AND id = ANY($1)`,
      [[...claimsByStatement.values()].flat().map((claim) => claim.statementValueId).filter(Boolean)],
    )).map((row) => row.id),
  );
  const actors = await loadActorNames(tx, rows.flatMap((row) => [row.speaker_id, ...actorIdsIn(claimsByStatement.get(row.id) ?? [])]));
  const rendered = new Map<string, Rendering>();
  for (const row of rows) {
    const claims = claimsByStatement.get(row.id) ?? [];
    const field = byField(claims);
    const said = timeField(field("said"), actors);
    const about = actorUnion(field("about"), actors);
    const respondsTo = [...new Set(field("respondsTo").map((claim) => claim.statementValueId!))].filter((id) => liveStatements.has(id)).sort();
    const respondedBy = answers.filter((answer) => answer.target === row.id).map((answer) => answer.id).sort();
    rendered.set(row.id, {
      doc: {
        id: row.id,
        speaker: stubOf(actors, row.speaker_id),
        kind: lower(row.kind),
        quoteType: lower(row.quote_type),
        text: row.text,
        said,
        medium: row.medium,
        about,
        respondsTo,
        respondedBy,
        sourceCount: sourcesOf(claims).size,
        disputed: said.disputed,
        evidence: factEvidence(claims),
      },
      columns: { said_on: said.date, said_precision: said.precision?.toUpperCase() ?? null, said_wording: said.wording },
      searchContext: [namesOf(actors, [row.speaker_id]), row.medium, said.wording, namesOf(actors, about.map((stub) => stub.id))]
        .filter(Boolean).join(" "),
      sourceCount: sourcesOf(claims).size,
      disputed: said.disputed,
      links: [
        { table: "statement_subjects", values: about.map((stub) => stub.id) },
        { table: "statement_links", values: respondsTo },
      ],
    });
  }
  return rendered;
}

interface SanctionRow extends FactState {
  authority_id: string;
  measure: string;
  programme: string | null;
  reason: string;
  status: string;
}

async function renderSanctions(tx: SqlClient, rows: SanctionRow[]): Promise<Map<string, Rendering>> {
  const ids = rows.map((row) => row.id);
  const claimsBySanction = await loadClaims(tx, "sanction", ids);
  const groups = await tx.query<{ id: string; sanction_id: string; kind: string; description: string; position: number }>(
    `SELECT id, sanction_id, kind::text AS kind, description, position FROM sanction_target_groups
      WHERE sanction_id = ANY($1) ORDER BY position, id`,
    [ids],
  );
  const claimsByGroup = await loadClaims(tx, "targetGroup", groups.map((group) => group.id));
  const actors = await loadActorNames(tx, rows.flatMap((row) => [
    row.authority_id,
    ...actorIdsIn(claimsBySanction.get(row.id) ?? []),
    ...groups.filter((group) => group.sanction_id === row.id).flatMap((group) => actorIdsIn(claimsByGroup.get(group.id) ?? [])),
  ]));
  const rendered = new Map<string, Rendering>();
  for (const row of rows) {
    const claims = claimsBySanction.get(row.id) ?? [];
    const field = byField(claims);
    const announced = timeField(field("announced"), actors);
    const targets = actorUnion(field("target"), actors);
    const about = actorUnion(field("about"), actors);
    const liveGroups = groups.filter((group) => group.sanction_id === row.id && (claimsByGroup.get(group.id) ?? []).length > 0);
    const targetGroups = liveGroups.map((group) => {
      const groupClaims = claimsByGroup.get(group.id) ?? [];
      return {
        id: group.id,
        kind: lower(group.kind),
        count: numberField(byField(groupClaims)("count"), actors),
        description: group.description,
        sourceCount: sourcesOf(groupClaims).size,
        evidence: factEvidence(groupClaims),
      };
    });
    const allClaims = [...claims, ...liveGroups.flatMap((group) => claimsByGroup.get(group.id) ?? [])];
    const disputed = anyDisputed([announced, ...targetGroups.map((group) => group.count)]);
    rendered.set(row.id, {
      doc: {
        id: row.id,
        authority: stubOf(actors, row.authority_id),
        measure: row.measure,
        programme: row.programme,
        reason: row.reason,
        status: lower(row.status),
        announced,
        targets,
        targetGroups,
        about,
        sourceCount: sourcesOf(allClaims).size,
        disputed,
        evidence: factEvidence(claims),
      },
      columns: {
        announced_on: announced.date,
        announced_precision: announced.precision?.toUpperCase() ?? null,
        announced_wording: announced.wording,
      },
      searchContext: [
        namesOf(actors, [row.authority_id]), announced.wording, namesOf(actors, targets.map((stub) => stub.id)),
        namesOf(actors, about.map((stub) => stub.id)), targetGroups.map((group) => group.description).join(" "),
      ].filter(Boolean).join(" "),
      sourceCount: sourcesOf(allClaims).size,
      disputed,
      links: [
        { table: "sanction_targets", values: targets.map((stub) => stub.id) },
        { table: "sanction_subjects", values: about.map((stub) => stub.id) },
      ],
      writeDerived: async (writer) => {
        for (const group of groups.filter((candidate) => candidate.sanction_id === row.id)) {
          const rendering = targetGroups.find((candidate) => candidate.id === group.id);
          await writer.query(
            `UPDATE sanction_target_groups SET count = $2, qualifier = $3::qualifier,
                    deleted_at = CASE WHEN $4 THEN NULL ELSE coalesce(deleted_at, now()) END
              WHERE id = $1`,
            [group.id, rendering?.count?.value ?? null, rendering?.count?.qualifier.toUpperCase() ?? null, !!rendering],
          );
        }
      },
    });
  }
  return rendered;
}

interface AttackEventRow extends FactState {
  kind: string;
  description: string;
  casualty_wording: string | null;
}

async function renderAttackEvents(tx: SqlClient, rows: AttackEventRow[]): Promise<Map<string, Rendering>> {
  const ids = rows.map((row) => row.id);
  const claimsByEvent = await loadClaims(tx, "attackEvent", ids);
  const impacts = await tx.query<{ id: string; event_id: string; kind: string; description: string; place_id: string | null }>(
    `SELECT id, event_id, kind::text AS kind, description, place_id FROM attack_impacts
      WHERE event_id = ANY($1) ORDER BY position, id`,
    [ids],
  );
  const claimsByImpact = await loadClaims(tx, "impact", impacts.map((impact) => impact.id));
  const actors = await loadActorNames(tx, [
    ...ids.flatMap((id) => actorIdsIn(claimsByEvent.get(id) ?? [])),
    ...impacts.flatMap((impact) => [impact.place_id, ...actorIdsIn(claimsByImpact.get(impact.id) ?? [])]),
  ]);
  const weaponModels = await loadWeaponModels(tx, [...claimsByEvent.values()].flat());
  const rendered = new Map<string, Rendering>();
  for (const row of rows) {
    const claims = claimsByEvent.get(row.id) ?? [];
    const field = byField(claims);
    const occurred = timeField(field("occurred"), actors);
    const attacker = actorField(field("attacker"), actors);
    const weapon = textField(field("weapon"), actors);
    const launched = numberField(field("launched"), actors);
    const intercepted = numberField(field("intercepted"), actors);
    const notReached = numberField(field("notReached"), actors);
    const models = modelsNamed(field("weapon")).flatMap((model) => weaponModels.get(model) ?? []);
    const killed = numberField(field("killed"), actors);
    const injured = numberField(field("injured"), actors);
    const places = actorSetField(field("place"), actors);
    const ownImpacts = impacts.filter((impact) => impact.event_id === row.id);
    const liveImpacts = ownImpacts.filter((impact) => (claimsByImpact.get(impact.id) ?? []).length > 0);
    const renderedImpacts = liveImpacts.map((impact) => {
      const impactClaims = claimsByImpact.get(impact.id) ?? [];
      const impactField = byField(impactClaims);
      return {
        id: impact.id,
        kind: lower(impact.kind),
        description: impact.description,
        place: stubOf(actors, impact.place_id),
        peopleAffected: numberField(impactField("peopleAffected"), actors),
        recoveryEstimate: textField(impactField("recoveryEstimate"), actors),
        reportedBy: stubOf(actors, impactField("fact")[0]?.reportedById ?? null),
        sourceCount: sourcesOf(impactClaims).size,
        evidence: factEvidence(impactClaims),
      };
    });
    // Who gave the figures the event shows: the reporter of the winning launched (or intercepted) claim.
    const countsReportedBy = stubOf(actors, winnerReporter(field("launched")) ?? winnerReporter(field("intercepted")));
    const allClaims = [...claims, ...liveImpacts.flatMap((impact) => claimsByImpact.get(impact.id) ?? [])];
    const disputed = anyDisputed([occurred, attacker, weapon, launched, intercepted, notReached, killed, injured, places,
      ...renderedImpacts.flatMap((impact) => [impact.peopleAffected, impact.recoveryEstimate])]);
    rendered.set(row.id, {
      doc: {
        id: row.id,
        kind: lower(row.kind),
        description: row.description,
        occurred,
        attacker,
        weapon,
        launched,
        intercepted,
        notReached,
        weaponModels: models,
        countsReportedBy,
        casualties: { killed, injured, wording: row.casualty_wording },
        places,
        impacts: renderedImpacts,
        sourceCount: sourcesOf(allClaims).size,
        disputed,
        evidence: factEvidence(claims),
      },
      columns: {
        occurred_on: occurred.date,
        occurred_precision: occurred.precision?.toUpperCase() ?? null,
        occurred_wording: occurred.wording,
        attacker_id: attacker?.value?.id ?? null,
        weapon: weapon?.value ?? null,
        ...numberColumns("launched", launched),
        ...numberColumns("intercepted", intercepted),
        ...numberColumns("killed", killed),
        ...numberColumns("injured", injured),
        counts_reported_by_id: countsReportedBy?.id ?? null,
      },
      searchContext: [
        namesOf(actors, [attacker?.value?.id, countsReportedBy?.id]), occurred.wording, row.casualty_wording,
        namesOf(actors, places.value.map((stub) => stub.id)),
        models.map((model) => [model.name, model.nameNato].filter(Boolean).join(" ")).join(" "),
        renderedImpacts.map((impact) => [impact.description, impact.recoveryEstimate?.value, namesOf(actors, [impact.place?.id, impact.reportedBy?.id])]
          .filter(Boolean).join(" ")).join(" "),
      ].filter(Boolean).join(" "),
      sourceCount: sourcesOf(allClaims).size,
      disputed,
      links: [{ table: "attack_event_places", values: places.value.map((stub) => stub.id) }],
      writeDerived: ownImpacts.length === 0 ? undefined : async (writer) => {
        for (const impact of ownImpacts) {
          const rendering = renderedImpacts.find((candidate) => candidate.id === impact.id);
          await writer.query(
            `UPDATE attack_impacts SET people_affected = $2, people_affected_qualifier = $3::qualifier, recovery_estimate = $4,
                    reported_by_id = $5, deleted_at = CASE WHEN $6 THEN NULL ELSE coalesce(deleted_at, now()) END
              WHERE id = $1`,
            [impact.id, rendering?.peopleAffected?.value ?? null, rendering?.peopleAffected?.qualifier.toUpperCase() ?? null,
              rendering?.recoveryEstimate?.value ?? null, rendering?.reportedBy?.id ?? null, !!rendering],
          );
        }
      },
    });
  }
  return rendered;
}

// Tallies name several models in one weapon value ("Kalibr and Kh-101/Kh-555").
const modelsNamed = (claims: ClaimRow[]) => [...new Set(claims.flatMap((claim) => splitJoined(claim.textValue ?? "")))];

/** The weapons reference's entries for the models these weapon claims name, by model. */
async function loadWeaponModels(tx: SqlClient, claims: ClaimRow[]) {
  const named = modelsNamed(claims.filter((claim) => claim.field === "weapon"));
  if (named.length === 0) return new Map<string, WeaponModelEntry>();
  const rows = await tx.query<WeaponModelEntry>(
    `SELECT model, category, type, national_origin AS "nationalOrigin", launch_platform AS "launchPlatform", name,
            name_nato AS "nameNato", guidance_system AS "guidanceSystem"
       FROM weapon_models WHERE model = ANY($1) ORDER BY model`,
    [named],
  );
  return new Map(rows.map((row) => [row.model, row]));
}

interface WeaponModelEntry {
  model: string;
  category: string | null;
  type: string | null;
  nationalOrigin: string | null;
  launchPlatform: string | null;
  name: string | null;
  nameNato: string | null;
  guidanceSystem: string | null;
}

function winnerReporter(claims: ClaimRow[]): string | null {
  return pickWinner(claims, (claim) => sameNumber(numberOf(claim)))?.reportedById ?? null;
}

function numberColumns(column: string, field: ReturnType<typeof numberField>) {
  return { [column]: field?.value ?? null, [`${column}_qualifier`]: field?.qualifier.toUpperCase() ?? null };
}

const RENDERERS: Record<ResourceKind, { columns: string; render: (tx: SqlClient, rows: never[]) => Promise<Map<string, Rendering>> }> = {
  actor: { columns: "type::text AS type, name, place_kind::text AS place_kind, country_id, parent_id, wikidata_id, latitude, longitude", render: renderActors },
  statement: { columns: "speaker_id, kind::text AS kind, quote_type::text AS quote_type, text, medium", render: renderStatements },
  sanction: { columns: "authority_id, measure, programme, reason, status::text AS status", render: renderSanctions },
  attackEvent: { columns: "kind::text AS kind, description, casualty_wording", render: renderAttackEvents },
};

// ---------------------------------------------------------------------------------------------
// Writing renderings.

/** A stable hash of a value's JSON, keys sorted: equal content, equal hash. */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("base64url").slice(0, 27);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${stableJson((value as Doc)[key])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function changedFields(before: Doc | null, after: Doc): string[] {
  return Object.keys(after).filter((key) => key !== "updatedAt" && key !== "createdAt" && stableJson(before?.[key]) !== stableJson(after[key]));
}

/**
 * Renders the given facts again and writes those whose rendering changed, with a revision each.
 * Actors go first: a changed name or alias changes the stubs and search text of the facts that
 * mention the actor, which are then rendered too.
 */
export interface SourceRecount {
  /** Sources whose claims changed beyond the facts refreshed (a claim deleted): counted again too. */
  changed?: string[];
  /** Where to gather the sources to count again, for one count at the end (a import refreshes its events in batches). */
  gather?: Set<string>;
}

export async function refreshFacts(tx: SqlClient, set: RefreshSet, context: ChangeContext, recount: SourceRecount = {}): Promise<FactChange[]> {
  const changes = await refreshKind(tx, "actor", [...set.actor], context);
  const renamed = changes.filter((change) => change.action !== "delete").map((change) => change.id);
  if (renamed.length > 0) {
    const dependents = await factsMentioningActors(tx, renamed);
    for (const kind of ["statement", "sanction", "attackEvent"] as const) for (const id of dependents[kind]) set[kind].add(id);
    const actorDependents = dependents.actor.filter((id) => !set.actor.has(id));
    if (actorDependents.length > 0) changes.push(...(await refreshKind(tx, "actor", actorDependents, context)));
  }
  for (const kind of ["statement", "sanction", "attackEvent"] as const) {
    changes.push(...(await refreshKind(tx, kind, [...set[kind]], context)));
  }
  // What a source backs changes with its claims and excerpts (on these facts, or, for the source
  // written and those whose claims were deleted, anywhere) and with the facts' tombstones.
  const claiming = await sourcesClaimingFacts(tx, set);
  const sources = [...claiming, ...(recount.changed ?? []), ...(context.sourceId ? [context.sourceId] : [])];
  if (recount.gather) for (const id of sources) recount.gather.add(id);
  else await recountSources(tx, sources);
  return changes;
}

async function refreshKind(tx: SqlClient, kind: ResourceKind, ids: string[], context: ChangeContext): Promise<FactChange[]> {
  if (ids.length === 0) return [];
  const table = RESOURCE_TABLE[kind];
  const renderer = RENDERERS[kind];
  const rows = await tx.query<FactState>(
    `SELECT id, doc, doc_hash, version, deleted_reason,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, ${renderer.columns}
       FROM ${table} WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
    [ids],
  );
  // The row locks make concurrent writers render one after the other: each reads the claims the
  // previous one committed, so no rendering is computed from a snapshot missing another's claims.
  const renderings = await renderer.render(tx, rows as never[]);
  const changes: FactChange[] = [];
  const now = new Date().toISOString();
  const resource = RESOURCE_NAME[kind];
  const unbacked: string[] = [];
  const updated: { row: FactState; rendering: Rendering; hash: string; doc: Doc }[] = [];
  const revisions: RevisionRecord[] = [];
  for (const row of rows) {
    const rendering = renderings.get(row.id)!;
    const backed = rendering.sourceCount > 0;
    const hash = contentHash({ doc: rendering.doc, search: rendering.searchContext });
    // Facts an editor deleted or merged stay so, whatever sources say later.
    if (row.deleted_reason === "deleted" || row.deleted_reason === "merged") continue;
    let action: ChangeAction | undefined;
    if (!backed) {
      if (row.deleted_reason === null && row.version > 0) action = "delete";
      else continue;
    } else if (row.deleted_reason === "unbacked") action = "restore";
    else if (hash !== row.doc_hash) action = row.version === 0 ? "create" : "update";
    if (!action) continue;

    const version = row.version + 1;
    const doc = { ...rendering.doc, createdAt: row.created_at, updatedAt: now };
    if (action === "delete") unbacked.push(row.id);
    else updated.push({ row, rendering, hash, doc });
    const changed = action === "delete" ? [] : changedFields(row.doc, rendering.doc);
    revisions.push({ resource, id: row.id, version, action, changed, doc: action === "delete" ? null : JSON.stringify(doc), at: now });
    changes.push({ resource, id: row.id, action, version });
  }
  // The rows are locked, so `version + 1` is the version each revision records.
  if (unbacked.length > 0) {
    await tx.query(
      `UPDATE ${table} SET deleted_at = $2, deleted_reason = 'unbacked', version = version + 1, updated_at = $2, source_count = 0
        WHERE id = ANY($1)`,
      [unbacked, now],
    );
  }
  if (updated.length > 0) await writeRenderings(tx, table, updated, now);
  await insertRevisions(tx, revisions, context);
  return changes;
}

/** One UPDATE for every changed fact of a kind; the resolved columns are typed by the table's own row type. */
async function writeRenderings(tx: SqlClient, table: string, updated: { row: FactState; rendering: Rendering; hash: string; doc: Doc }[], now: string) {
  const columns = Object.keys(updated[0]!.rendering.columns);
  await tx.query(
    `UPDATE ${table} AS t SET doc = u.doc, doc_hash = u.hash, version = t.version + 1, updated_at = $2, search_context = u.search,
            source_count = u.source_count, disputed = u.disputed, deleted_at = NULL, deleted_reason = NULL
            ${columns.map((column) => `, ${column} = r.${column}`).join("")}
       FROM jsonb_to_recordset($1::jsonb) AS u(id text, doc jsonb, hash text, search text, source_count int, disputed boolean, columns jsonb)
       CROSS JOIN LATERAL jsonb_populate_record(NULL::${table}, u.columns) AS r
      WHERE t.id = u.id`,
    [JSON.stringify(updated.map(({ row, rendering, hash, doc }) => ({
      id: row.id, doc, hash, search: rendering.searchContext, source_count: rendering.sourceCount, disputed: rendering.disputed,
      columns: rendering.columns,
    }))), now],
  );
  await replaceLinks(tx, updated.map(({ row, rendering }) => ({ id: row.id, links: rendering.links })));
  for (const { rendering } of updated) await rendering.writeDerived?.(tx);
}

/** `insertRevision` for many changes in one statement, their webhook deliveries with them. */
async function insertRevisions(tx: SqlClient, revisions: RevisionRecord[], context: ChangeContext): Promise<void> {
  if (revisions.length === 0) return;
  await tx.query(
    `WITH revision AS (
       INSERT INTO revisions (resource, fact_id, version, action, changed, api_key_id, source_id, created_at, doc)
       SELECT r.resource, r.id, r.version, r.action, r.changed, $2, $3, coalesce(r.at, now()), r.doc::jsonb
         FROM jsonb_to_recordset($1::jsonb) AS r(resource text, id text, version int, action text, changed text[], at timestamptz, doc text)
       RETURNING id, resource, action)
     INSERT INTO webhook_deliveries (subscription_id, revision_id, message_id)
     SELECT s.id, revision.id, 'msg_' || revision.id || '_' || s.id
       FROM revision, webhook_subscriptions s
      WHERE revision.resource = ANY(s.resources) AND revision.action = ANY(s.actions)`,
    [JSON.stringify(revisions), context.apiKeyId, context.sourceId],
  );
}

export interface RevisionRecord {
  resource: string;
  id: string;
  version: number;
  action: ChangeAction | "merge";
  changed: string[];
  /** The item at this version, as JSON; null when the change removed the fact. */
  doc: string | null;
  at?: string;
}

/**
 * Records a change: its revision, and in the same statement a delivery in the webhook outbox for
 * every subscription that wants it, so a committed change is never without its deliveries.
 */
export async function insertRevision(tx: SqlClient, revision: RevisionRecord, context: ChangeContext): Promise<void> {
  await tx.query(
    `WITH revision AS (
       INSERT INTO revisions (resource, fact_id, version, action, changed, api_key_id, source_id, created_at, doc)
       VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::timestamptz, now()), $9::jsonb) RETURNING id)
     INSERT INTO webhook_deliveries (subscription_id, revision_id, message_id)
     SELECT s.id, revision.id, 'msg_' || revision.id || '_' || s.id
       FROM revision, webhook_subscriptions s
      WHERE $1 = ANY(s.resources) AND $4 = ANY(s.actions)`,
    [revision.resource, revision.id, revision.version, revision.action, revision.changed, context.apiKeyId, context.sourceId,
      revision.at ?? null, revision.doc],
  );
}

/** Facts whose rendering shows one of these actors (a stub, or its names in the search text). */
export async function factsMentioningActors(tx: SqlClient, actorIds: string[]): Promise<Record<ResourceKind, string[]>> {
  const rows = await tx.query<{ kind: ResourceKind; id: string }>(
    `SELECT 'statement' AS kind, id FROM statements WHERE speaker_id = ANY($1)
     UNION SELECT 'sanction', id FROM sanctions WHERE authority_id = ANY($1)
     UNION SELECT 'actor', id FROM actors WHERE country_id = ANY($1) OR parent_id = ANY($1)
     UNION SELECT 'attackEvent', event_id FROM attack_impacts WHERE place_id = ANY($1)
     UNION SELECT CASE WHEN c.actor_id IS NOT NULL THEN 'actor' WHEN c.statement_id IS NOT NULL THEN 'statement'
                       WHEN c.sanction_id IS NOT NULL OR c.target_group_id IS NOT NULL THEN 'sanction' ELSE 'attackEvent' END,
                  coalesce(c.actor_id, c.statement_id, c.sanction_id, g.sanction_id, c.attack_event_id, im.event_id)
       FROM claims c
       LEFT JOIN sanction_target_groups g ON g.id = c.target_group_id
       LEFT JOIN attack_impacts im ON im.id = c.impact_id
      WHERE c.actor_value_id = ANY($1) OR c.reported_by_id = ANY($1)`,
    [actorIds],
  );
  const result: Record<ResourceKind, string[]> = { actor: [], statement: [], sanction: [], attackEvent: [] };
  for (const row of rows) result[row.kind].push(row.id);
  return result;
}

/** The kind of resource a claim subject belongs to, for refreshing after a claim changes. */
export function resourceOf(kind: FactKind): ResourceKind {
  return kind === "impact" ? "attackEvent" : kind === "targetGroup" ? "sanction" : kind;
}
