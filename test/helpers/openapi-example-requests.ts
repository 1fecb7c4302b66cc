import { readFileSync } from "node:fs";
import type { BundleInput, SourceInput } from "../../src/modules/sources/bundle.schemas.ts";
import { MERIDIAN_ID, meridianBundle, meridianSource } from "../fixtures/meridian-ledger-2022-12-11.ts";

/**
 * The requests whose answers, on a freshly seeded database (the BBC article), are the OpenAPI
 * document's examples: scripts/openapi-examples.ts records them into src/openapi-examples.json, and
 * test/openapi-examples.test.ts replays them and compares. In order: reads first, then writes and the
 * problems they cause on the same database.
 */
export interface ExampleRequest {
  /** The operation whose success response this is an example of; none for a problem (keyed by status). */
  operationId?: string;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A path, or one made from the bodies answered before it (by operationId), for ids made while recording. */
  url: string | ((answered: Record<string, { id: string }>) => string);
  /** An export's media type: recorded as that representation's example, as text (GeoJSON as JSON). */
  exportAs?: "text/csv" | "application/x-ndjson" | "application/geo+json";
  status: number;
  auth?: "admin" | "write";
  headers?: Record<string, string>;
  body?: unknown;
  summary: string;
  /**
   * Holds ids or secrets made during the recording: replayed for its status and schema only. Every
   * other example is compared whole, but for its timestamps (the seed's, which differ at each run).
   */
  volatile?: boolean;
}

export interface ExampleContext {
  /** test/fixtures/air-attacks: CSV files in the layout of the public air-attack dataset (invented rows). */
  airAttacks: { weapons: string; attacks: string };
  meridianId: string;
  meridianSource: SourceInput;
  meridianBundle: BundleInput;
}

const BBC = "bbc-2022-12-10-iran-russia-main-military-backer";
const KIRBY_STATEMENT = "st-kirby-main-military-base";
const ATTACK = "ae-2022-12-10-southern-ukraine-drones";
const SANCTION = "sa-australia-iran-drone-suppliers";

export const EXAMPLE_REQUESTS = ({ airAttacks, meridianId, meridianSource, meridianBundle }: ExampleContext): ExampleRequest[] => [
  { operationId: "getHealth", url: "/health", status: 200, summary: "The process answers" },
  { operationId: "getReadiness", url: "/ready", status: 200, summary: "The database answers" },
  { operationId: "listActors", url: "/v1/actors?type=state&limit=2", status: 200, summary: "The first two states" },
  { operationId: "getActor", url: "/v1/actors/iran", status: 200, summary: "Iran" },
  { operationId: "getActorTimeline", url: "/v1/actors/john-kirby/timeline?limit=2", status: 200, summary: "What John Kirby said, first two" },
  { operationId: "listStatements", url: "/v1/statements?speaker=john-kirby&limit=2", status: 200, summary: "John Kirby's first two statements" },
  { operationId: "getStatement", url: `/v1/statements/${KIRBY_STATEMENT}`, status: 200, summary: "Kirby: Iran is Russia's main military backer" },
  { operationId: "getStatementStats", url: "/v1/statements/stats?groupBy=kind", status: 200, summary: "Statements per kind" },
  { operationId: "listSanctions", url: "/v1/sanctions?limit=2", status: 200, summary: "The two sanctions packages" },
  { operationId: "getSanction", url: `/v1/sanctions/${SANCTION}`, status: 200, summary: "Australia's sanctions on Iran's drone suppliers" },
  { operationId: "listAttackEvents", url: "/v1/attack-events?limit=2", status: 200, summary: "The first two attack events" },
  { operationId: "getAttackEvent", url: `/v1/attack-events/${ATTACK}`, status: 200, summary: "The drone attack on southern Ukraine of 10 December 2022" },
  { operationId: "getAttackEventStats", url: "/v1/attack-events/stats?groupBy=month", status: 200, summary: "Attack events per month" },
  { operationId: "listSources", url: "/v1/sources", status: 200, summary: "The BBC article" },
  { operationId: "getSource", url: `/v1/sources/${BBC}`, status: 200, summary: "The BBC article" },
  { operationId: "search", url: "/v1/search?q=drones&limit=2", status: 200, summary: "The first two matches for \"drones\"" },
  { operationId: "getClaim", url: "/v1/claims/1", status: 200, summary: "A claim with its excerpt" },
  { operationId: "listActorRevisions", url: "/v1/actors/iran/revisions", status: 200, summary: "Iran's history" },
  { operationId: "listStatementRevisions", url: `/v1/statements/${KIRBY_STATEMENT}/revisions`, status: 200, summary: "The statement's history" },
  { operationId: "listSanctionRevisions", url: `/v1/sanctions/${SANCTION}/revisions`, status: 200, summary: "The sanction's history" },
  { operationId: "listAttackEventRevisions", url: `/v1/attack-events/${ATTACK}/revisions`, status: 200, summary: "The attack event's history" },
  // Its cursor holds a transaction id, which differs from one database to the next.
  { operationId: "listChanges", url: "/v1/changes?limit=2", status: 200, summary: "The first two changes", volatile: true },

  // The exports of lists, each an operation of its own in one media type.
  { operationId: "exportActorsCsv", exportAs: "text/csv", url: "/v1/actors.csv?type=state", status: 200, summary: "Every state, as CSV" },
  { operationId: "exportActorsNdjson", exportAs: "application/x-ndjson", url: "/v1/actors.ndjson?type=state", status: 200, summary: "Every state, one JSON per line" },
  { operationId: "exportActorsGeojson", exportAs: "application/geo+json", url: "/v1/actors.geojson?type=place", status: 200, summary: "Every place, as GeoJSON" },
  { operationId: "exportStatementsCsv", exportAs: "text/csv", url: "/v1/statements.csv?speaker=john-kirby", status: 200, summary: "John Kirby's statements, as CSV" },
  { operationId: "exportStatementsNdjson", exportAs: "application/x-ndjson", url: "/v1/statements.ndjson?speaker=john-kirby", status: 200, summary: "John Kirby's statements, one JSON per line" },
  { operationId: "exportSanctionsCsv", exportAs: "text/csv", url: "/v1/sanctions.csv", status: 200, summary: "Every sanction, as CSV" },
  { operationId: "exportSanctionsNdjson", exportAs: "application/x-ndjson", url: "/v1/sanctions.ndjson", status: 200, summary: "Every sanction, one JSON per line" },
  { operationId: "exportAttackEventsCsv", exportAs: "text/csv", url: "/v1/attack-events.csv", status: 200, summary: "Every attack event, as CSV" },
  { operationId: "exportAttackEventsNdjson", exportAs: "application/x-ndjson", url: "/v1/attack-events.ndjson", status: 200, summary: "Every attack event, one JSON per line" },
  { operationId: "exportAttackEventsGeojson", exportAs: "application/geo+json", url: "/v1/attack-events.geojson", status: 200, summary: "Every attack event, as GeoJSON" },
  { operationId: "exportSourcesCsv", exportAs: "text/csv", url: "/v1/sources.csv", status: 200, summary: "Every source, as CSV" },
  { operationId: "exportSourcesNdjson", exportAs: "application/x-ndjson", url: "/v1/sources.ndjson", status: 200, summary: "Every source, one JSON per line" },

  { operationId: "listApiKeys", url: "/v1/api-keys", status: 200, auth: "admin", summary: "The keys", volatile: true },
  {
    operationId: "createApiKey", method: "POST", url: "/v1/api-keys", status: 201, auth: "admin", volatile: true,
    body: { name: "newsdesk", scopes: ["write"] }, summary: "A key for the newsdesk, shown once",
  },
  {
    operationId: "createWebhookSubscription", method: "POST", url: "/v1/webhooks", status: 201, auth: "admin", volatile: true,
    body: { url: "https://mirror.example.org/warfacts-hooks", resources: ["attack-events"] }, summary: "A mirror subscribed to attack events",
  },
  { operationId: "listWebhookSubscriptions", url: "/v1/webhooks", status: 200, auth: "admin", summary: "The subscriptions", volatile: true },
  {
    operationId: "getWebhookSubscription", url: (answered) => `/v1/webhooks/${answered.createWebhookSubscription!.id}`, status: 200, auth: "admin",
    summary: "One subscription", volatile: true,
  },
  {
    operationId: "updateWebhookSubscription", method: "PATCH", url: (answered) => `/v1/webhooks/${answered.createWebhookSubscription!.id}`,
    status: 200, auth: "admin", body: { paused: false }, summary: "A subscription resumed", volatile: true,
  },
  { operationId: "getApiKey", url: (answered) => `/v1/api-keys/${answered.createApiKey!.id}`, status: 200, auth: "admin", summary: "One key", volatile: true },
  {
    operationId: "createSource", method: "POST", url: "/v1/sources", status: 201, auth: "write", volatile: true,
    body: meridianSource, summary: "A second outlet's article (invented, for tests)",
  },
  {
    operationId: "putSourceBundle", method: "PUT", url: `/v1/sources/${meridianId}/bundle`, status: 200, auth: "write", volatile: true,
    body: meridianBundle, summary: "Its facts: other figures for the 10 December attack",
  },
  {
    operationId: "importWeapons", method: "POST", url: "/v1/imports/weapons", status: 200, auth: "write", volatile: true,
    headers: { "content-type": "text/csv" }, body: airAttacks.weapons, summary: "The weapons reference (invented rows, for tests)",
  },
  {
    operationId: "importAirAttacks", method: "POST", status: 200, auth: "write", volatile: true,
    url: "/v1/imports/air-attacks?sourceId=air-force-tallies&attribution=Ukrainian%20Air%20Force&licence=Invented%20for%20tests",
    headers: { "content-type": "text/csv" }, body: airAttacks.attacks, summary: "Air-attack tallies (invented rows, for tests)",
  },

  // Problems, each as the service sends it.
  { url: "/v1/statements?limit=0", status: 400, summary: "`limit` out of range" },
  { method: "POST", url: "/v1/actors", status: 401, body: {}, summary: "A write without an API key" },
  { method: "POST", url: "/v1/api-keys", status: 403, auth: "write", body: { name: "x", scopes: ["write"] }, summary: "A key without the `admin` scope" },
  { url: "/v1/actors/no-such-actor", status: 404, summary: "An unknown id" },
  { method: "PUT", url: "/v1/actors/iran", status: 405, summary: "A method the path does not have" },
  { url: "/v1/actors/iran", status: 406, headers: { accept: "application/xml" }, summary: "XML asked for" },
  {
    method: "POST", url: "/v1/sources", status: 409, auth: "write", body: { ...meridianSource, id: BBC },
    summary: "A source id already in use",
  },
  { method: "PATCH", url: "/v1/actors/iran", status: 412, auth: "write", headers: { "if-match": '"not-the-current-version"' }, body: { name: "Iran" }, summary: "`If-Match` names an old version" },
  {
    method: "POST", url: "/v1/actors", status: 413, auth: "write", headers: { "content-type": "application/json" },
    body: JSON.stringify({ id: "x", padding: "x".repeat(1_100_000) }), summary: "A body over 1 MB",
  },
  { method: "POST", url: "/v1/actors", status: 415, auth: "write", headers: { "content-type": "application/xml" }, body: "<actor/>", summary: "A body that is not JSON" },
  {
    method: "PUT", url: `/v1/sources/${BBC}/bundle`, status: 422, auth: "write", body: meridianBundle,
    summary: "Excerpts that are not in the source's text",
  },
  { method: "DELETE", url: `/v1/statements/${KIRBY_STATEMENT}`, status: 204, auth: "write", summary: "(deletes the statement, for the 410 next)" },
  { url: `/v1/statements/${KIRBY_STATEMENT}`, status: 410, summary: "A deleted statement" },

];

/** The fixtures the example requests send, read from test/fixtures. */
export function exampleContext(): ExampleContext {
  const read = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");
  return {
    airAttacks: { weapons: read("air-attacks/weapons.csv"), attacks: read("air-attacks/attacks.csv") },
    meridianId: MERIDIAN_ID,
    meridianSource: meridianSource(read("meridian-ledger-2022-12-11.txt")),
    meridianBundle: meridianBundle(),
  };
}
