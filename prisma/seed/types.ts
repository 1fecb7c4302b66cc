// The shape of hand-curated seed data. Excerpts are quoted from the bundle's source text; the loader
// finds their offsets and refuses to load an excerpt that is missing or ambiguous.

export type Precision = "YEAR" | "MONTH" | "DAY" | "PART_OF_DAY" | "MINUTE";
export type Qualifier = "EXACT" | "MORE_THAN" | "AT_LEAST" | "LESS_THAN" | "AT_MOST" | "ABOUT" | "UP_TO";

/** A verbatim excerpt; `occurrence` (1-based) picks one when the text contains it more than once. */
export type Excerpt = string | { text: string; occurrence: number };

/** A date as precise as the source gives it; `wording` keeps the source's own words ("early Saturday"). */
export interface When {
  /** Left out where the source gives only words ("after months of fighting"). */
  date?: string;
  precision?: Precision;
  wording?: string;
  /** Excerpts that give the date, when they differ from the fact's own. */
  evidence?: Excerpt[];
}

export interface ReportedNumber {
  value: number;
  qualifier?: Qualifier;
  evidence: Excerpt[];
}

export interface ActorSeed {
  id: string;
  type: "PERSON" | "STATE" | "ORGANISATION" | "GOVERNMENT_BODY" | "ARMED_FORCE" | "PLACE" | "GROUP";
  name: string;
  aliases?: string[];
  placeKind?: "CITY" | "REGION" | "CONTINENT";
  countryId?: string;
  parentId?: string;
  /** Only where the identity is certain. */
  wikidataId?: string;
  /** Reference coordinates of a place (WGS 84), for maps; not a fact of the source. */
  coordinates?: { latitude: number; longitude: number };
  evidence: Excerpt[];
  roles?: { id: string; title: string; organisationId?: string; evidence: Excerpt[] }[];
  descriptions?: { id: string; text: string; evidence: Excerpt[] }[];
}

export interface StatementSeed {
  id: string;
  speakerId: string;
  kind:
    | "ACCUSATION" | "ADMISSION" | "ANNOUNCEMENT" | "ASSESSMENT" | "CALL"
    | "CLAIM" | "CONCERN" | "DENIAL" | "REBUTTAL" | "WARNING";
  quoteType: "VERBATIM" | "PARTIAL_QUOTE" | "PARAPHRASE";
  text: string;
  said?: When;
  medium?: string;
  about: string[];
  respondsTo?: string[];
  evidence: Excerpt[];
}

export interface SanctionSeed {
  id: string;
  authorityId: string;
  measure: string;
  programme?: string;
  reason: string;
  status: "ANNOUNCED" | "IN_FORCE" | "LIFTED";
  announced?: When;
  targets: string[];
  targetGroups: {
    id: string;
    kind: "INDIVIDUAL" | "COMPANY" | "INSTITUTION";
    count: number;
    qualifier?: Qualifier;
    description: string;
    evidence: Excerpt[];
  }[];
  about: string[];
  evidence: Excerpt[];
}

export interface AttackEventSeed {
  id: string;
  kind: "DRONE_ATTACK" | "MISSILE_ATTACK" | "SHELLING" | "GROUND_FIGHTING";
  description: string;
  occurred?: When;
  /** Left out where the source does not say who attacked. */
  attacker?: { id: string; evidence: Excerpt[] };
  weapon?: string;
  launched?: ReportedNumber;
  intercepted?: ReportedNumber;
  countsReportedById?: string;
  killed?: ReportedNumber;
  injured?: ReportedNumber;
  casualtyWording?: string;
  places: string[];
  impacts: {
    id: string;
    kind: "POWER_OUTAGE" | "DESTRUCTION" | "CASUALTIES";
    description: string;
    placeId?: string;
    peopleAffected?: ReportedNumber;
    recoveryEstimate?: string;
    reportedById?: string;
    evidence: Excerpt[];
  }[];
  evidence: Excerpt[];
}

export interface SourceBundle {
  source: {
    id: string;
    publisher: string;
    title: string;
    authors: string[];
    url?: string;
    publishedOn: string;
    language: string;
    translationNote?: string;
    licence?: string;
    /** File name under prisma/seed/sources/. */
    textFile: string;
  };
  actors: ActorSeed[];
  statements: StatementSeed[];
  sanctions: SanctionSeed[];
  attackEvents: AttackEventSeed[];
}
