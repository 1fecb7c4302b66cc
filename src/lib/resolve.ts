// How one value is chosen from the claims of several sources. The rule, documented in the README
// and the OpenAPI description of every claim-backed field:
//   1. a claim an editor marked `preferred`;
//   2. otherwise the value the most sources agree on;
//   3. on a tie, the earliest report (the source published first, then the claim made first).
// `disputed` is true when the claims do not all say the same; `low`/`high` of a number span all claims.

/** What resolution needs of a claim: its source, whether an editor preferred it, and its order. */
export interface Ranked {
  sourceId: string;
  preferred: boolean;
}

/**
 * The claim whose value wins, among `claims` given earliest report first; `sameValue` keys a claim's
 * value (two claims with one key say the same). Undefined for no claims.
 */
export function pickWinner<Claim extends Ranked>(claims: readonly Claim[], sameValue: (claim: Claim) => string): Claim | undefined {
  const preferred = claims.find((claim) => claim.preferred);
  if (preferred) return preferred;
  const sourcesByValue = new Map<string, { first: Claim; sources: Set<string> }>();
  for (const claim of claims) {
    const key = sameValue(claim);
    const group = sourcesByValue.get(key) ?? { first: claim, sources: new Set<string>() };
    group.sources.add(claim.sourceId);
    sourcesByValue.set(key, group);
  }
  let best: { first: Claim; sources: Set<string> } | undefined;
  // Map keeps insertion order, which is report order: the first group with the most sources wins ties.
  for (const group of sourcesByValue.values()) if (!best || group.sources.size > best.sources.size) best = group;
  return best?.first;
}

/** True when the claims say more than one thing. */
export function isDisputed<Claim>(claims: readonly Claim[], sameValue: (claim: Claim) => string): boolean {
  return new Set(claims.map(sameValue)).size > 1;
}

export interface NumberClaimValue {
  value: number;
  qualifier: string;
  low: number | null;
  high: number | null;
}

export const sameNumber = (claim: NumberClaimValue) => `${claim.value}|${claim.qualifier}|${claim.low ?? ""}|${claim.high ?? ""}`;

/** The lowest and highest figure any claim gives, ranges included. */
export function numberSpan(claims: readonly NumberClaimValue[]): { low: number; high: number } | undefined {
  if (claims.length === 0) return undefined;
  return {
    low: Math.min(...claims.map((claim) => claim.low ?? claim.value)),
    high: Math.max(...claims.map((claim) => claim.high ?? claim.value)),
  };
}

export interface TimeClaimValue {
  date: string | null;
  precision: string | null;
  wording: string | null;
}

/** Two reports of a time agree when they give the same date as precisely; their words may differ. */
export const sameTime = (claim: TimeClaimValue) =>
  claim.date === null ? `words:${normaliseWords(claim.wording ?? "")}` : `${claim.date}|${claim.precision ?? ""}`;

/** Words compared without case, spacing or typographic quotes. */
export function normaliseWords(text: string): string {
  return text.normalize("NFKC").replace(/[‘’ʼ`]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, " ").trim().toLowerCase();
}
