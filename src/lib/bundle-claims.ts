import type {
  ActorInput,
  ActorRefInput,
  AttackEventInput,
  Bundle,
  ExcerptInput,
  NumberInput,
  SanctionInput,
  StatementInput,
  TextInput,
  TimeInput,
} from "../modules/sources/bundle.schemas.ts";

// A bundle, taken apart into what the database keeps: fact rows (the descriptive fields a fact is
// created with) and claims (what this source says about each fact, one row per field and value).
// Pure: no database, so the mapping is read and tested on its own.

export type FactKind = "actor" | "statement" | "sanction" | "attackEvent" | "impact" | "targetGroup";

/** The claims table's column naming each kind of subject. */
export const SUBJECT_COLUMN: Record<FactKind, string> = {
  actor: "actor_id",
  statement: "statement_id",
  sanction: "sanction_id",
  attackEvent: "attack_event_id",
  impact: "impact_id",
  targetGroup: "target_group_id",
};

/** What a claim says about which field of which fact, as stored (one column per kind of value). */
export interface ClaimValues {
  subjectId: string;
  field: string;
  key: string;
  reportedById: string | null;
  numberValue: number | null;
  numberLow: number | null;
  numberHigh: number | null;
  qualifier: string | null;
  textValue: string | null;
  actorValueId: string | null;
  statementValueId: string | null;
  dateValue: string | null;
  datePrecision: string | null;
  dateWording: string | null;
}

export interface ClaimSpec extends ClaimValues {
  kind: FactKind;
  excerpts: ExcerptInput[];
  /** The excerpts are the fact's, borrowed (the fact's own claim reports any problem with them). */
  borrowed?: boolean;
  /** Where in the request the claim came from, for error messages (`attackEvents[1].launched`). */
  path: string;
}

/** Descriptive fields, by column: set when the fact is created, changed only by its owner or an editor. */
export interface FactRow {
  kind: FactKind;
  id: string;
  columns: Record<string, string | number | null>;
  /** For impacts and target groups: the event or sanction they belong to. */
  parentId?: string;
  path: string;
}

export interface TakenApart {
  facts: FactRow[];
  claims: ClaimSpec[];
}

const NO_VALUE = {
  numberValue: null, numberLow: null, numberHigh: null, qualifier: null, textValue: null,
  actorValueId: null, statementValueId: null, dateValue: null, datePrecision: null, dateWording: null,
} as const;

const upper = (value: string | undefined) => (value === undefined ? null : value.toUpperCase());

export function takeApart(bundle: Bundle): TakenApart {
  const out: TakenApart = { facts: [], claims: [] };
  bundle.actors.forEach((actor, index) => addActor(out, actor, `actors[${index}]`));
  bundle.statements.forEach((statement, index) => addStatement(out, statement, `statements[${index}]`));
  bundle.sanctions.forEach((sanction, index) => addSanction(out, sanction, `sanctions[${index}]`));
  bundle.attackEvents.forEach((event, index) => addAttackEvent(out, event, `attackEvents[${index}]`));
  backWithFactExcerpts(out.claims);
  return out;
}

/**
 * A claim given without excerpts of its own (a place, a date the fact's sentence gives) is backed by
 * the excerpts of its fact in the same source: every claim carries the verbatim text behind it.
 */
function backWithFactExcerpts(claims: ClaimSpec[]): void {
  const factExcerpts = new Map<string, ExcerptInput[]>();
  for (const spec of claims) if (spec.field === "fact") factExcerpts.set(`${spec.kind}:${spec.subjectId}`, spec.excerpts);
  for (const spec of claims) {
    if (spec.excerpts.length > 0) continue;
    spec.excerpts = factExcerpts.get(`${spec.kind}:${spec.subjectId}`) ?? [];
    spec.borrowed = true;
  }
}

type ClaimTarget = { kind: FactKind; subjectId: string; reportedBy?: string | undefined };

function claim(
  target: ClaimTarget,
  field: string,
  path: string,
  excerpts: ExcerptInput[] | undefined,
  values: Partial<ClaimSpec> = {},
): ClaimSpec {
  return {
    kind: target.kind,
    subjectId: target.subjectId,
    field,
    key: "",
    reportedById: target.reportedBy ?? null,
    ...NO_VALUE,
    ...values,
    excerpts: excerpts ?? [],
    path,
  };
}

const factClaim = (target: ClaimTarget, path: string, excerpts: ExcerptInput[]) => claim(target, "fact", `${path}.evidence`, excerpts);

function timeClaim(target: ClaimTarget, field: string, path: string, time: TimeInput | undefined): ClaimSpec[] {
  if (!time) return [];
  return [claim({ ...target, reportedBy: time.reportedBy ?? target.reportedBy }, field, path, time.evidence, {
    dateValue: time.date ?? null,
    datePrecision: upper(time.precision) ?? (time.date ? "DAY" : null),
    dateWording: time.wording ?? null,
  })];
}

function numberClaim(target: ClaimTarget, field: string, path: string, number: NumberInput | undefined): ClaimSpec[] {
  if (!number) return [];
  return [claim({ ...target, reportedBy: number.reportedBy ?? target.reportedBy }, field, path, number.evidence, {
    numberValue: number.value,
    numberLow: number.low ?? null,
    numberHigh: number.high ?? null,
    qualifier: upper(number.qualifier) ?? "EXACT",
  })];
}

function textClaim(target: ClaimTarget, field: string, path: string, text: TextInput | undefined): ClaimSpec[] {
  if (text === undefined) return [];
  const given = typeof text === "string" ? { value: text } : text;
  return [claim({ ...target, reportedBy: given.reportedBy ?? target.reportedBy }, field, path, given.evidence, { textValue: given.value })];
}

function actorRefClaims(target: ClaimTarget, field: string, path: string, refs: ActorRefInput[], keyed: boolean): ClaimSpec[] {
  return refs.map((ref, index) => {
    const given = typeof ref === "string" ? { id: ref } : ref;
    return claim({ ...target, reportedBy: given.reportedBy ?? target.reportedBy }, field, keyed ? `${path}[${index}]` : path,
      given.evidence, { actorValueId: given.id, key: keyed ? given.id : "" });
  });
}

function addActor(out: TakenApart, actor: ActorInput, path: string): void {
  const target = { kind: "actor" as const, subjectId: actor.id, reportedBy: actor.reportedBy };
  out.facts.push({
    kind: "actor",
    id: actor.id,
    path,
    columns: {
      type: actor.type.toUpperCase(),
      name: actor.name,
      place_kind: upper(actor.placeKind),
      country_id: actor.countryId ?? null,
      parent_id: actor.parentId ?? null,
      wikidata_id: actor.wikidataId ?? null,
      latitude: actor.coordinates?.latitude ?? null,
      longitude: actor.coordinates?.longitude ?? null,
    },
  });
  out.claims.push(factClaim(target, path, actor.evidence));
  for (const alias of actor.aliases ?? []) {
    out.claims.push(claim(target, "alias", `${path}.aliases`, [], { textValue: alias, key: alias }));
  }
  (actor.roles ?? []).forEach((role, index) =>
    out.claims.push(claim(target, "role", `${path}.roles[${index}]`, role.evidence, {
      key: role.id, textValue: role.title, actorValueId: role.organisationId ?? null,
    })));
  (actor.descriptions ?? []).forEach((description, index) =>
    out.claims.push(claim(target, "description", `${path}.descriptions[${index}]`, description.evidence, {
      key: description.id, textValue: description.text,
    })));
}

function addStatement(out: TakenApart, statement: StatementInput, path: string): void {
  const target = { kind: "statement" as const, subjectId: statement.id, reportedBy: statement.reportedBy };
  out.facts.push({
    kind: "statement",
    id: statement.id,
    path,
    columns: {
      speaker_id: statement.speakerId,
      kind: statement.kind.toUpperCase(),
      quote_type: statement.quoteType.toUpperCase(),
      text: statement.text,
      medium: statement.medium ?? null,
    },
  });
  out.claims.push(factClaim(target, path, statement.evidence));
  out.claims.push(...timeClaim(target, "said", `${path}.said`, statement.said));
  out.claims.push(...actorRefClaims(target, "about", `${path}.about`, statement.about, true));
  (statement.respondsTo ?? []).forEach((respondsToId, index) =>
    out.claims.push(claim(target, "respondsTo", `${path}.respondsTo[${index}]`, [], { statementValueId: respondsToId, key: respondsToId })));
}

function addSanction(out: TakenApart, sanction: SanctionInput, path: string): void {
  const target = { kind: "sanction" as const, subjectId: sanction.id, reportedBy: sanction.reportedBy };
  out.facts.push({
    kind: "sanction",
    id: sanction.id,
    path,
    columns: {
      authority_id: sanction.authorityId,
      measure: sanction.measure,
      programme: sanction.programme ?? null,
      reason: sanction.reason,
      status: sanction.status.toUpperCase(),
    },
  });
  out.claims.push(factClaim(target, path, sanction.evidence));
  out.claims.push(...timeClaim(target, "announced", `${path}.announced`, sanction.announced));
  out.claims.push(...actorRefClaims(target, "target", `${path}.targets`, sanction.targets, true));
  out.claims.push(...actorRefClaims(target, "about", `${path}.about`, sanction.about, true));
  sanction.targetGroups.forEach((group, index) => {
    const groupPath = `${path}.targetGroups[${index}]`;
    const groupTarget = { kind: "targetGroup" as const, subjectId: group.id, reportedBy: group.reportedBy ?? sanction.reportedBy };
    out.facts.push({
      kind: "targetGroup",
      id: group.id,
      parentId: sanction.id,
      path: groupPath,
      columns: { kind: group.kind.toUpperCase(), description: group.description, position: index },
    });
    out.claims.push(factClaim(groupTarget, groupPath, group.evidence));
    out.claims.push(...numberClaim(groupTarget, "count", `${groupPath}.count`, group.count));
  });
}

function addAttackEvent(out: TakenApart, event: AttackEventInput, path: string): void {
  const target = { kind: "attackEvent" as const, subjectId: event.id, reportedBy: event.reportedBy };
  out.facts.push({
    kind: "attackEvent",
    id: event.id,
    path,
    columns: { kind: event.kind.toUpperCase(), description: event.description, casualty_wording: event.casualtyWording ?? null },
  });
  out.claims.push(factClaim(target, path, event.evidence));
  out.claims.push(...timeClaim(target, "occurred", `${path}.occurred`, event.occurred));
  if (event.attacker) out.claims.push(...actorRefClaims(target, "attacker", `${path}.attacker`, [event.attacker], false));
  out.claims.push(...textClaim(target, "weapon", `${path}.weapon`, event.weapon));
  for (const field of ["launched", "intercepted", "notReached", "killed", "injured"] as const) {
    out.claims.push(...numberClaim(target, field, `${path}.${field}`, event[field]));
  }
  out.claims.push(...actorRefClaims(target, "place", `${path}.places`, event.places, true));
  event.impacts.forEach((impact, index) => {
    const impactPath = `${path}.impacts[${index}]`;
    const impactTarget = { kind: "impact" as const, subjectId: impact.id, reportedBy: impact.reportedBy };
    out.facts.push({
      kind: "impact",
      id: impact.id,
      parentId: event.id,
      path: impactPath,
      columns: { kind: impact.kind.toUpperCase(), description: impact.description, place_id: impact.placeId ?? null, position: index },
    });
    out.claims.push(factClaim(impactTarget, impactPath, impact.evidence));
    out.claims.push(...numberClaim(impactTarget, "peopleAffected", `${impactPath}.peopleAffected`, impact.peopleAffected));
    out.claims.push(...textClaim(impactTarget, "recoveryEstimate", `${impactPath}.recoveryEstimate`, impact.recoveryEstimate));
  });
}

/** Every actor id a bundle's facts and claims point to, with where, for checking they exist. */
export function actorReferences(parts: TakenApart): { id: string; path: string }[] {
  const references: { id: string; path: string }[] = [];
  const columns: Record<string, string> = {
    country_id: "countryId", parent_id: "parentId", speaker_id: "speakerId", authority_id: "authorityId", place_id: "placeId",
  };
  for (const fact of parts.facts) {
    for (const [column, name] of Object.entries(columns)) {
      const value = fact.columns[column];
      if (typeof value === "string") references.push({ id: value, path: [fact.path, name].filter(Boolean).join(".") });
    }
  }
  for (const spec of parts.claims) {
    if (spec.actorValueId) references.push({ id: spec.actorValueId, path: spec.path });
    if (spec.reportedById) references.push({ id: spec.reportedById, path: [spec.path, "reportedBy"].filter(Boolean).join(".") });
  }
  return references;
}
