import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MERIDIAN_ID, meridianBundle, meridianSource } from "./fixtures/meridian-ledger-2022-12-11.ts";
import { fetchAll } from "./helpers/crawl.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// A second, invented source reports the BBC's 10 December attack with other figures and quotes one
// of Kirby's sentences. It goes in through the write API, as an editor would put it.

const BBC = "bbc-2022-12-10-iran-russia-main-military-backer";
const EVENT = "/v1/attack-events/ae-2022-12-10-southern-ukraine-drones";
const MERIDIAN_TEXT = readFileSync(new URL("./fixtures/meridian-ledger-2022-12-11.txt", import.meta.url), "utf8");
const FACT_LISTS = ["/v1/actors", "/v1/statements", "/v1/sanctions", "/v1/attack-events"];

type Item = Record<string, unknown> & { id: string };

let testApp: TestApp;
let writer: string;
let bbcBefore: Map<string, Item>;

const putBundle = (bundle: unknown, key = writer) =>
  testApp.http().put(`/v1/sources/${MERIDIAN_ID}/bundle`).set("authorization", key).send(bundle as object);

async function everyFact(): Promise<Map<string, Item>> {
  const facts = new Map<string, Item>();
  for (const list of FACT_LISTS) for (const item of await fetchAll<Item>(testApp.http, `${list}?limit=100`)) facts.set(`${list}/${item.id}`, item);
  return facts;
}

/** What one source contributed to a rendered fact: its claims and excerpts, wherever they sit. */
function contributionOf(node: unknown, sourceId: string): unknown {
  if (Array.isArray(node)) {
    return node
      .filter((entry) => !(entry && typeof entry === "object" && "sourceId" in entry) || (entry as { sourceId: string }).sourceId === sourceId)
      .map((entry) => contributionOf(entry, sourceId));
  }
  if (node && typeof node === "object") {
    // A claim-backed field the source says nothing about is, for that source, absent.
    const claims = (node as { claims?: { sourceId: string }[] }).claims;
    if (Array.isArray(claims) && !claims.some((claim) => claim.sourceId === sourceId)) return null;
    const kept: Record<string, unknown> = {};
    // Resolved values and counts are everyone's; what the source said is in its claims and evidence.
    for (const [key, value] of Object.entries(node)) {
      if (["value", "low", "high", "disputed", "sourceCount", "updatedAt", "qualifier", "date", "precision", "wording", "respondedBy", "countsReportedBy", "places", "about"].includes(key) && !("sourceId" in node)) continue;
      kept[key] = contributionOf(value, sourceId);
    }
    return kept;
  }
  return node;
}

beforeAll(async () => {
  testApp = await startTestApp();
  writer = (await createKey(testApp, ["write"], "newsdesk")).bearer;
  bbcBefore = await everyFact();
  await testApp.http().post("/v1/sources").set("authorization", writer).send(meridianSource(MERIDIAN_TEXT)).expect(201);
});
afterAll(() => testApp?.close());

describe("a second source about the same attack, through the write API", () => {
  it("puts the bundle in one call and says what changed", async () => {
    const response = await putBundle(meridianBundle()).expect(200);
    expect(response.body.unchanged).toBe(false);
    expect(response.body.matched).toEqual([{ id: "meridian-kirby-main-military-base", matchedId: "st-kirby-main-military-base" }]);
    const changed = response.body.changes.map((change: { resource: string; id: string; action: string }) => `${change.action} ${change.resource}/${change.id}`);
    expect(changed).toEqual(expect.arrayContaining([
      "create actors/odesa-regional-governor",
      "update attack-events/ae-2022-12-10-southern-ukraine-drones",
      "update statements/st-kirby-main-military-base",
      "create statements/meridian-governor-kindergarten-roof",
    ]));
    // Another source created the event and its impact: their descriptions stay the BBC's words.
    expect(response.body.warnings.map((warning: { field: string }) => warning.field)).toEqual(expect.arrayContaining([
      "body.attackEvents[0]", "body.attackEvents[0].impacts[0]",
    ]));
  });

  it("shows both figures side by side, each with its own excerpt and reporter", async () => {
    const event = (await testApp.http().get(EVENT).expect(200)).body;
    expect(event.sourceCount).toBe(2);
    expect(event.disputed).toBe(true);
    expect(event.description).toBe(bbcBefore.get(EVENT.replace("/v1/attack-events/", "/v1/attack-events/"))?.description);
    expect(event.launched).toMatchObject({ value: 15, qualifier: "exact", low: 15, high: 16, disputed: true });
    expect(event.launched.claims).toMatchObject([
      { value: 15, sourceId: BBC, reportedBy: { id: "ukrainian-air-force" }, evidence: [{ excerpt: "10 of 15 drones" }] },
      { value: 16, sourceId: MERIDIAN_ID, reportedBy: { id: "odesa-regional-governor" }, evidence: [{ excerpt: "sent 16 drones against the Odesa region" }] },
    ]);
    expect(event.intercepted).toMatchObject({ value: 10, low: 2, high: 10, disputed: true });
    expect(event.intercepted.claims.map((claim: { value: number; sourceId: string }) => [claim.value, claim.sourceId])).toEqual([[10, BBC], [2, MERIDIAN_ID]]);
    // A field only the second source gives is not disputed, and is that source's.
    expect(event.attacker).toMatchObject({ value: { id: "russia" }, disputed: false, claims: [{ sourceId: MERIDIAN_ID }] });
    expect(event.occurred).toMatchObject({ date: "2022-12-10", precision: "part_of_day", disputed: false });
    expect(event.occurred.claims).toHaveLength(2);
    const impact = event.impacts[0];
    expect(impact.recoveryEstimate).toMatchObject({ value: "several days", disputed: true });
    expect(impact.recoveryEstimate.claims).toMatchObject([
      { value: "several days", sourceId: BBC },
      { value: "two to three months", sourceId: MERIDIAN_ID, reportedBy: { id: "odesa-power-company" } },
    ]);
    expect(impact.sourceCount).toBe(2);
    // Every excerpt is the source's text at its offsets.
    for (const claim of event.launched.claims) {
      const text = claim.sourceId === BBC ? readFileSync(new URL(`../prisma/seed/sources/${BBC}.txt`, import.meta.url), "utf8") : MERIDIAN_TEXT;
      for (const excerpt of claim.evidence) expect(Array.from(text).slice(excerpt.start, excerpt.end).join("")).toBe(excerpt.excerpt);
    }
  });

  it("keeps one statement for the quote both outlets carry, with evidence from each", async () => {
    const statement = (await testApp.http().get("/v1/statements/st-kirby-main-military-base").expect(200)).body;
    expect(statement.sourceCount).toBe(2);
    expect([...new Set(statement.evidence.map((excerpt: { sourceId: string }) => excerpt.sourceId))]).toEqual([BBC, MERIDIAN_ID]);
    await testApp.http().get("/v1/statements/meridian-kirby-main-military-base").expect(404);
    const kirby = (await fetchAll<Item>(testApp.http, "/v1/statements?speaker=john-kirby&limit=100")).map((item) => item.id);
    expect(kirby.filter((id) => id.includes("main-military-base"))).toEqual(["st-kirby-main-military-base"]);
  });

  it("filters on how many sources back a fact and on disputed figures", async () => {
    const confirmed = await fetchAll<Item>(testApp.http, "/v1/statements?minSources=2&limit=100");
    expect(confirmed.map((item) => item.id)).toEqual(["st-kirby-main-military-base"]);
    const disputed = await fetchAll<Item>(testApp.http, "/v1/attack-events?disputed=true&limit=100");
    expect(disputed.map((item) => item.id)).toEqual(["ae-2022-12-10-southern-ukraine-drones"]);
    expect((await fetchAll<Item>(testApp.http, "/v1/attack-events?disputed=false&limit=100")).length).toBe(2);
    const fromMeridian = await fetchAll<Item>(testApp.http, `/v1/statements?source=${MERIDIAN_ID}&limit=100`);
    expect(fromMeridian.map((item) => item.id).sort()).toEqual(["meridian-governor-kindergarten-roof", "st-kirby-main-military-base"]);
    await testApp.http().get("/v1/statements?minSources=0").expect(400);
  });

  it("changes nothing the BBC contributed: claims, evidence, aliases, roles, links", async () => {
    const after = await everyFact();
    for (const [path, before] of bbcBefore) {
      const now = after.get(path);
      expect(now, path).toBeDefined();
      expect(contributionOf(now, BBC), path).toEqual(contributionOf(before, BBC));
    }
    // Facts the second source does not mention are untouched, down to their updatedAt.
    const touched = new Set([EVENT, "/v1/statements/st-kirby-main-military-base", "/v1/actors/john-kirby", "/v1/actors/odesa"]);
    for (const [path, before] of bbcBefore) if (!touched.has(path)) expect(after.get(path), path).toEqual(before);
    const kirby = after.get("/v1/actors/john-kirby")!;
    expect(kirby.aliases).toEqual(["Kirby", "Mr. Kirby"]);
    expect(kirby.roles).toEqual(bbcBefore.get("/v1/actors/john-kirby")!.roles);
    expect(kirby.sourceCount).toBe(2);
  });

  it("reloading either bundle changes nothing: no updatedAt, no revision", async () => {
    const before = await everyFact();
    const again = await putBundle(meridianBundle()).expect(200);
    expect(again.body).toMatchObject({ unchanged: true, changes: [] });
    // The same facts said with other JSON (an excerpt given with its occurrence): compared claim by claim.
    const reworded = meridianBundle();
    reworded.statements![0]!.evidence = [{ text: "“Iran has become the main military base of Russia…”", occurrence: 1 }];
    const compared = await putBundle(reworded).expect(200);
    expect(compared.body).toMatchObject({ unchanged: false, changes: [], claims: { added: 0, changed: 0, removed: 0 } });
    expect(await everyFact()).toEqual(before);
  });
});

describe("dropping facts from a bundle", () => {
  it("removes only this source's claims, and tombstones a fact nobody backs any more (410)", async () => {
    const bundle = meridianBundle();
    bundle.statements = bundle.statements!.filter((statement) => statement.id !== "meridian-kirby-main-military-base" && statement.id !== "meridian-governor-kindergarten-roof");
    const response = await putBundle(bundle).expect(200);
    const changed = response.body.changes.map((change: { action: string; id: string }) => `${change.action} ${change.id}`);
    expect(changed).toEqual(expect.arrayContaining(["update st-kirby-main-military-base", "delete meridian-governor-kindergarten-roof"]));

    const statement = (await testApp.http().get("/v1/statements/st-kirby-main-military-base").expect(200)).body;
    expect(statement.sourceCount).toBe(1);
    expect(statement.evidence.every((excerpt: { sourceId: string }) => excerpt.sourceId === BBC)).toBe(true);
    expect(contributionOf(statement, BBC)).toEqual(contributionOf(bbcBefore.get("/v1/statements/st-kirby-main-military-base"), BBC));

    const gone = await testApp.http().get("/v1/statements/meridian-governor-kindergarten-roof").expect(410);
    expect(gone.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(gone.body).toMatchObject({ status: 410, type: "/problems/gone" });
    const listed = await fetchAll<Item>(testApp.http, "/v1/statements?limit=100");
    expect(listed.map((item) => item.id)).not.toContain("meridian-governor-kindergarten-roof");
    // Nor is it found by search or on a timeline; the source still is, without quoting its text.
    const found = (await testApp.http().get("/v1/search?q=kindergarten").expect(200)).body.data;
    expect(found.map((hit: { type: string; id: string }) => `${hit.type}:${hit.id}`)).toEqual([`source:${MERIDIAN_ID}`]);
    expect(found[0].snippet).not.toMatch(/kindergarten/i);
    const timeline = await fetchAll<{ id: string }>(testApp.http, "/v1/actors/odesa-regional-governor/timeline?limit=100");
    expect(timeline.map((entry) => entry.id)).not.toContain("meridian-governor-kindergarten-roof");

    // Putting it back restores it, under the same id.
    await putBundle(meridianBundle()).expect(200);
    await testApp.http().get("/v1/statements/meridian-governor-kindergarten-roof").expect(200);
    const revisions = (await testApp.http().get("/v1/statements/meridian-governor-kindergarten-roof/revisions").expect(200)).body.data;
    expect(revisions.map((revision: { action: string }) => revision.action)).toEqual(["create", "delete", "restore"]);
    expect(revisions[0]).toMatchObject({ version: 1, apiKey: { name: "newsdesk" }, sourceId: MERIDIAN_ID });
  });
});

describe("what the database refuses, and the 422 that names it", () => {
  const withEvent = (change: (event: Record<string, unknown>) => void) => {
    const bundle = meridianBundle();
    change(bundle.attackEvents![0] as Record<string, unknown>);
    return bundle;
  };

  it("an excerpt that is not in the source", async () => {
    const response = await putBundle(withEvent((event) => {
      event.launched = { value: 16, evidence: ["sent 17 drones"] };
    })).expect(422);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.body.errors).toEqual([{ field: "body.attackEvents[0].launched.evidence[0]", message: expect.stringMatching(/not found/) }]);
  });

  it("an excerpt that occurs twice, without saying which", async () => {
    const response = await putBundle(withEvent((event) => {
      event.intercepted = { value: 2, evidence: ["two"] };
    })).expect(422);
    expect(response.body.errors).toEqual([
      { field: "body.attackEvents[0].intercepted.evidence[0]", message: expect.stringMatching(/occurs 2 times, give an occurrence/) },
    ]);
    await putBundle(withEvent((event) => {
      event.intercepted = { value: 2, evidence: [{ text: "two", occurrence: 1 }] };
    })).expect(200);
    const claim = (await testApp.http().get(EVENT).expect(200)).body.intercepted.claims[1];
    expect(claim.evidence).toEqual([{ sourceId: MERIDIAN_ID, excerpt: "two", start: MERIDIAN_TEXT.indexOf("two of them"), end: MERIDIAN_TEXT.indexOf("two of them") + 3 }]);
    await putBundle(meridianBundle()).expect(200);
  });

  it("more shot down than launched: kept as reported, with a warning", async () => {
    const response = await putBundle(withEvent((event) => {
      event.intercepted = { value: 17, reportedBy: "odesa-regional-governor", evidence: ["had shot down two of them"] };
    })).expect(200);
    expect(response.body.warnings).toContainEqual({
      field: "body.attackEvents[0].intercepted", message: "intercepted (17) exceeds launched (16); kept as the source reports it",
    });
    const event = (await testApp.http().get(EVENT).expect(200)).body;
    expect(event.intercepted.claims.map((claim: { value: number }) => claim.value)).toEqual([10, 17]);
    await putBundle(meridianBundle()).expect(200);
  });

  it("an actor no one has heard of", async () => {
    const bundle = meridianBundle();
    bundle.statements![1]!.speakerId = "nobody-at-all";
    const response = await putBundle(bundle).expect(422);
    expect(response.body.errors).toEqual([{ field: "body.statements[1].speakerId", message: expect.stringMatching(/No actor has the id "nobody-at-all"/) }]);
  });

  it("an id given twice, and a bad value, named field by field; nothing is written", async () => {
    const before = await everyFact();
    const bundle = meridianBundle();
    bundle.actors!.push({ ...bundle.actors![0]! });
    await putBundle(bundle).expect(422);
    const invalid = await putBundle(withEvent((event) => {
      (event.launched as { value: number }).value = -1;
    })).expect(400);
    expect(invalid.body.errors.map((error: { field: string }) => error.field)).toEqual(["body.attackEvents.0.launched.value"]);
    expect(await everyFact()).toEqual(before);
  });

  it("evidence rows that do not match their source, whoever writes them", async () => {
    const sql = testApp.database.sql;
    const [claim] = await sql.query<{ id: number }>(`SELECT id FROM claims WHERE source_id = $1 LIMIT 1`, [MERIDIAN_ID]);
    const insert = (excerpt: string, start: number, end: number, sourceId = MERIDIAN_ID) =>
      sql.query(`INSERT INTO evidence (claim_id, source_id, excerpt, start, "end") VALUES ($1, $2, $3, $4, $5)`, [claim!.id, sourceId, excerpt, start, end]);
    await expect(insert("Drones", 0, 6)).rejects.toThrow(/evidence_excerpt_matches_source|excerpt is not the text/);
    await expect(insert("", 5, 5)).rejects.toThrow(/evidence_span/);
    const bbcStart = Array.from(readFileSync(new URL(`../prisma/seed/sources/${BBC}.txt`, import.meta.url), "utf8")).slice(0, 8).join("");
    // The BBC's own words at the right offsets, but on a claim of another source: the composite foreign key refuses it.
    await expect(insert(bbcStart, 0, 8, BBC)).rejects.toThrow(/foreign key|evidence_claim_id_source_id_fkey/);
    await insert("INVENTED", 0, 8);
    await expect(sql.query(`UPDATE sources SET text = 'changed' WHERE id = $1`, [MERIDIAN_ID])).rejects.toThrow(/cannot change/);
    await expect(sql.query(`INSERT INTO claims (source_id, statement_id, actor_id, field) VALUES ($1, 'st-kirby-main-military-base', 'iran', 'fact')`, [MERIDIAN_ID]))
      .rejects.toThrow(/claims_one_subject/);
    await expect(sql.query(`INSERT INTO claims (source_id, statement_id, field) VALUES ($1, 'no-such-statement', 'fact')`, [MERIDIAN_ID]))
      .rejects.toThrow(/foreign key|claims_statement_id_fkey/);
  });
});

describe("who may write", () => {
  it("refuses no key, an unknown or revoked key (401) and a key without the write scope (403)", async () => {
    const reader = await createKey(testApp, ["sources:text"]);
    const revoked = await createKey(testApp, ["write"]);
    await testApp.http().delete(`/v1/api-keys/${revoked.id}`).set("authorization", (await createKey(testApp, ["admin"])).bearer).expect(204);
    const bundle = meridianBundle();
    expect((await testApp.http().put(`/v1/sources/${MERIDIAN_ID}/bundle`).send(bundle).expect(401)).body.status).toBe(401);
    await putBundle(bundle, "Bearer wf_000000000000_notakeyatallnotakeyatallnotakeyatall0").expect(401);
    await putBundle(bundle, revoked.bearer).expect(401);
    const forbidden = await putBundle(bundle, reader.bearer).expect(403);
    expect(forbidden.body.detail).toMatch(/"write"/);
    await putBundle(bundle, writer).expect(200);
  });
});
