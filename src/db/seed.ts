import { readFileSync } from "node:fs";
import path from "node:path";
import type { Excerpt, ReportedNumber, SourceBundle, When } from "../../prisma/seed/types.ts";
import type { EvidenceSubject, PrismaClient } from "../generated/prisma/client.ts";
import { actorKey } from "../lib/actor-key.ts";
import { locateExcerpt } from "../lib/excerpts.ts";

const SOURCE_TEXT_DIR = path.resolve(import.meta.dirname, "../../prisma/seed/sources");

type Transaction = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

interface EvidenceRow {
  sourceId: string;
  subjectType: EvidenceSubject;
  subjectId: string;
  field: string | null;
  excerpt: string;
  start: number;
  end: number;
  position: number;
}

export interface SeedCounts {
  sources: number;
  actors: number;
  statements: number;
  sanctions: number;
  attackEvents: number;
  evidence: number;
}

/**
 * Loads curated bundles. Idempotent: records are upserted by their stable ids, and a record's
 * children (aliases, links, evidence of the bundle's source) are replaced, never duplicated.
 */
export async function seedDatabase(prisma: PrismaClient, bundles: SourceBundle[]): Promise<SeedCounts> {
  const counts: SeedCounts = { sources: 0, actors: 0, statements: 0, sanctions: 0, attackEvents: 0, evidence: 0 };
  for (const bundle of bundles) {
    const text = readFileSync(path.join(SOURCE_TEXT_DIR, bundle.source.textFile), "utf8");
    // Resolve every excerpt before writing anything, so a bad excerpt leaves the database untouched.
    const evidence = collectEvidence(bundle, text);
    await prisma.$transaction((tx) => writeBundle(tx, bundle, text, evidence), { timeout: 120_000, maxWait: 30_000 });
    counts.sources += 1;
    counts.actors += bundle.actors.length;
    counts.statements += bundle.statements.length;
    counts.sanctions += bundle.sanctions.length;
    counts.attackEvents += bundle.attackEvents.length;
    counts.evidence += evidence.length;
  }
  return counts;
}

function collectEvidence(bundle: SourceBundle, text: string): EvidenceRow[] {
  const rows: EvidenceRow[] = [];
  const add = (subjectType: EvidenceSubject, subjectId: string, excerpts: Excerpt[] | undefined, field: string | null = null) => {
    for (const excerpt of excerpts ?? []) {
      const [quoted, occurrence] = typeof excerpt === "string" ? [excerpt, undefined] : [excerpt.text, excerpt.occurrence];
      const span = locateExcerpt(text, quoted, occurrence);
      rows.push({ sourceId: bundle.source.id, subjectType, subjectId, field, excerpt: quoted, ...span, position: rows.length });
    }
  };
  const addNumber = (subjectType: EvidenceSubject, subjectId: string, field: string, number?: ReportedNumber) =>
    add(subjectType, subjectId, number?.evidence, field);

  for (const actor of bundle.actors) {
    add("ACTOR", actor.id, actor.evidence);
    for (const role of actor.roles ?? []) add("ACTOR_ROLE", role.id, role.evidence);
    for (const description of actor.descriptions ?? []) add("ACTOR_DESCRIPTION", description.id, description.evidence);
  }
  for (const statement of bundle.statements) {
    add("STATEMENT", statement.id, statement.evidence);
    add("STATEMENT", statement.id, statement.said?.evidence, "said");
  }
  for (const sanction of bundle.sanctions) {
    add("SANCTION", sanction.id, sanction.evidence);
    add("SANCTION", sanction.id, sanction.announced?.evidence, "announced");
    for (const group of sanction.targetGroups) add("SANCTION_TARGET_GROUP", group.id, group.evidence);
  }
  for (const event of bundle.attackEvents) {
    add("ATTACK_EVENT", event.id, event.evidence);
    add("ATTACK_EVENT", event.id, event.occurred?.evidence, "occurred");
    add("ATTACK_EVENT", event.id, event.attacker?.evidence, "attacker");
    addNumber("ATTACK_EVENT", event.id, "launched", event.launched);
    addNumber("ATTACK_EVENT", event.id, "intercepted", event.intercepted);
    addNumber("ATTACK_EVENT", event.id, "killed", event.killed);
    addNumber("ATTACK_EVENT", event.id, "injured", event.injured);
    for (const impact of event.impacts) {
      add("ATTACK_IMPACT", impact.id, impact.evidence);
      addNumber("ATTACK_IMPACT", impact.id, "peopleAffected", impact.peopleAffected);
    }
  }
  return rows;
}

async function writeBundle(tx: Transaction, bundle: SourceBundle, text: string, evidence: EvidenceRow[]): Promise<void> {
  const { textFile: _textFile, publishedOn, ...source } = bundle.source;
  const sourceData = { ...source, url: source.url ?? null, translationNote: source.translationNote ?? null,
    licence: source.licence ?? null, publishedOn: toDate(publishedOn), text };
  await tx.source.upsert({ where: { id: source.id }, create: sourceData, update: sourceData });

  await writeActors(tx, bundle);
  await writeStatements(tx, bundle);
  await writeSanctions(tx, bundle);
  await writeAttackEvents(tx, bundle);

  await tx.evidence.deleteMany({ where: { sourceId: source.id } });
  await tx.evidence.createMany({ data: evidence });
  // Search finds facts by the names and aliases of their actors: recompute what it indexes.
  await tx.$executeRaw`SELECT warfacts_refresh_search_context()`;
}

async function writeActors(tx: Transaction, bundle: SourceBundle): Promise<void> {
  // Actors refer to each other (country, parent): create them all first, link them after.
  for (const actor of bundle.actors) {
    const data = {
      type: actor.type,
      name: actor.name,
      nameKey: actorKey(actor.name),
      placeKind: actor.placeKind ?? null,
      wikidataId: actor.wikidataId ?? null,
      latitude: actor.coordinates?.latitude ?? null,
      longitude: actor.coordinates?.longitude ?? null,
    };
    await tx.actor.upsert({ where: { id: actor.id }, create: { id: actor.id, ...data }, update: data });
  }
  const ids = bundle.actors.map((actor) => actor.id);
  await tx.actorAlias.deleteMany({ where: { actorId: { in: ids } } });
  await tx.actorRole.deleteMany({ where: { actorId: { in: ids } } });
  await tx.actorDescription.deleteMany({ where: { actorId: { in: ids } } });
  for (const actor of bundle.actors) {
    await tx.actor.update({
      where: { id: actor.id },
      data: { countryId: actor.countryId ?? null, parentId: actor.parentId ?? null },
    });
  }
  await tx.actorAlias.createMany({
    data: bundle.actors.flatMap((actor) =>
      (actor.aliases ?? []).map((alias) => ({ actorId: actor.id, alias, aliasKey: actorKey(alias) })),
    ),
  });
  await tx.actorRole.createMany({
    data: bundle.actors.flatMap((actor) =>
      (actor.roles ?? []).map((role, position) => ({
        id: role.id, actorId: actor.id, title: role.title, organisationId: role.organisationId ?? null, position,
      })),
    ),
  });
  await tx.actorDescription.createMany({
    data: bundle.actors.flatMap((actor) =>
      (actor.descriptions ?? []).map((description, position) => ({
        id: description.id, actorId: actor.id, text: description.text, position,
      })),
    ),
  });
}

async function writeStatements(tx: Transaction, bundle: SourceBundle): Promise<void> {
  for (const statement of bundle.statements) {
    const data = {
      speakerId: statement.speakerId,
      kind: statement.kind,
      quoteType: statement.quoteType,
      text: statement.text,
      ...whenColumns("said", statement.said),
      medium: statement.medium ?? null,
    };
    await tx.statement.upsert({ where: { id: statement.id }, create: { id: statement.id, ...data }, update: data });
  }
  const ids = bundle.statements.map((statement) => statement.id);
  await tx.statementSubject.deleteMany({ where: { statementId: { in: ids } } });
  await tx.statementLink.deleteMany({ where: { statementId: { in: ids } } });
  await tx.statementSubject.createMany({
    data: bundle.statements.flatMap((statement) =>
      statement.about.map((actorId) => ({ statementId: statement.id, actorId })),
    ),
  });
  await tx.statementLink.createMany({
    data: bundle.statements.flatMap((statement) =>
      (statement.respondsTo ?? []).map((respondsToId) => ({ statementId: statement.id, respondsToId })),
    ),
  });
}

async function writeSanctions(tx: Transaction, bundle: SourceBundle): Promise<void> {
  for (const sanction of bundle.sanctions) {
    const data = {
      authorityId: sanction.authorityId,
      measure: sanction.measure,
      programme: sanction.programme ?? null,
      reason: sanction.reason,
      status: sanction.status,
      ...whenColumns("announced", sanction.announced),
    };
    await tx.sanction.upsert({ where: { id: sanction.id }, create: { id: sanction.id, ...data }, update: data });
  }
  const ids = bundle.sanctions.map((sanction) => sanction.id);
  await tx.sanctionTarget.deleteMany({ where: { sanctionId: { in: ids } } });
  await tx.sanctionSubject.deleteMany({ where: { sanctionId: { in: ids } } });
  await tx.sanctionTargetGroup.deleteMany({ where: { sanctionId: { in: ids } } });
  await tx.sanctionTarget.createMany({
    data: bundle.sanctions.flatMap((sanction) => sanction.targets.map((actorId) => ({ sanctionId: sanction.id, actorId }))),
  });
  await tx.sanctionSubject.createMany({
    data: bundle.sanctions.flatMap((sanction) => sanction.about.map((actorId) => ({ sanctionId: sanction.id, actorId }))),
  });
  await tx.sanctionTargetGroup.createMany({
    data: bundle.sanctions.flatMap((sanction) =>
      sanction.targetGroups.map((group, position) => ({
        id: group.id, sanctionId: sanction.id, kind: group.kind, count: group.count,
        qualifier: group.qualifier ?? "EXACT", description: group.description, position,
      })),
    ),
  });
}

async function writeAttackEvents(tx: Transaction, bundle: SourceBundle): Promise<void> {
  for (const event of bundle.attackEvents) {
    const data = {
      kind: event.kind,
      description: event.description,
      ...whenColumns("occurred", event.occurred),
      attackerId: event.attacker?.id ?? null,
      weapon: event.weapon ?? null,
      ...numberColumns("launched", event.launched),
      ...numberColumns("intercepted", event.intercepted),
      countsReportedById: event.countsReportedById ?? null,
      ...numberColumns("killed", event.killed),
      ...numberColumns("injured", event.injured),
      casualtyWording: event.casualtyWording ?? null,
    };
    await tx.attackEvent.upsert({ where: { id: event.id }, create: { id: event.id, ...data }, update: data });
  }
  const ids = bundle.attackEvents.map((event) => event.id);
  await tx.attackEventPlace.deleteMany({ where: { eventId: { in: ids } } });
  await tx.attackImpact.deleteMany({ where: { eventId: { in: ids } } });
  await tx.attackEventPlace.createMany({
    data: bundle.attackEvents.flatMap((event) => event.places.map((actorId) => ({ eventId: event.id, actorId }))),
  });
  await tx.attackImpact.createMany({
    data: bundle.attackEvents.flatMap((event) =>
      event.impacts.map((impact, position) => ({
        id: impact.id,
        eventId: event.id,
        kind: impact.kind,
        description: impact.description,
        placeId: impact.placeId ?? null,
        peopleAffected: impact.peopleAffected?.value ?? null,
        peopleAffectedQualifier: impact.peopleAffected ? (impact.peopleAffected.qualifier ?? "EXACT") : null,
        recoveryEstimate: impact.recoveryEstimate ?? null,
        reportedById: impact.reportedById ?? null,
        position,
      })),
    ),
  });
}

function toDate(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00Z`);
}

function whenColumns<Prefix extends string>(prefix: Prefix, when: When | undefined) {
  return {
    [`${prefix}On`]: when?.date ? toDate(when.date) : null,
    [`${prefix}Precision`]: when?.precision ?? null,
    [`${prefix}Wording`]: when?.wording ?? null,
  } as Record<`${Prefix}On`, Date | null> &
    Record<`${Prefix}Precision`, When["precision"] | null> &
    Record<`${Prefix}Wording`, string | null>;
}

function numberColumns<Field extends string>(field: Field, number: ReportedNumber | undefined) {
  return {
    [field]: number?.value ?? null,
    [`${field}Qualifier`]: number ? (number.qualifier ?? "EXACT") : null,
  } as Record<Field, number | null> & Record<`${Field}Qualifier`, ReportedNumber["qualifier"] | null>;
}
