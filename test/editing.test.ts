import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MERIDIAN_ID, meridianSource } from "./fixtures/meridian-ledger-2022-12-11.ts";
import { fetchAll } from "./helpers/crawl.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// Editors' single-fact writes: create, edit with If-Match, delete, claims and their evidence,
// history, merges, and retries with Idempotency-Key.

const MERIDIAN_TEXT = readFileSync(new URL("./fixtures/meridian-ledger-2022-12-11.txt", import.meta.url), "utf8");
const EVENT = "/v1/attack-events/ae-2022-12-10-southern-ukraine-drones";

let testApp: TestApp;
let writer: string;
const as = (key: string) => ({
  get: (path: string) => testApp.http().get(path).set("authorization", key),
  post: (path: string) => testApp.http().post(path).set("authorization", key),
  patch: (path: string) => testApp.http().patch(path).set("authorization", key),
  delete: (path: string) => testApp.http().delete(path).set("authorization", key),
});

const governorQuote = (id: string, text = `A kindergarten roof in Odesa was damaged by falling debris (${id}).`) => ({
  id,
  sourceId: MERIDIAN_ID,
  speakerId: "odesa-governor",
  kind: "claim",
  quoteType: "paraphrase",
  text,
  about: ["odesa"],
  evidence: ["The governor also said that a kindergarten roof in Odesa was damaged by falling debris."],
});

beforeAll(async () => {
  testApp = await startTestApp();
  writer = (await createKey(testApp, ["write"], "editor")).bearer;
  await as(writer).post("/v1/sources").send(meridianSource(MERIDIAN_TEXT)).expect(201);
  await as(writer).post("/v1/actors").send({
    id: "odesa-governor", sourceId: MERIDIAN_ID, type: "person", name: "Governor of the Odesa region", evidence: ["the regional governor said"],
  }).expect(201);
});
afterAll(() => testApp?.close());

describe("creating a fact", () => {
  it("answers 201 with the fact, a Location and its ETag; a taken id is a 409", async () => {
    const created = await as(writer).post("/v1/statements").send(governorQuote("st-governor-roof")).expect(201);
    expect(created.headers.location).toBe("/v1/statements/st-governor-roof");
    expect(created.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(created.body).toMatchObject({ id: "st-governor-roof", speaker: { id: "odesa-governor" }, sourceCount: 1, about: [{ id: "odesa" }] });
    const taken = await as(writer).post("/v1/statements").send(governorQuote("st-governor-roof")).expect(409);
    expect(taken.body.errors).toEqual([{ field: "body.id", message: "Already exists" }]);
  });

  it("takes a statement quoting what a known statement says (same speaker, same words) as that statement: 200, not 201", async () => {
    const same = governorQuote("st-governor-roof-again", governorQuote("st-governor-roof").text);
    const response = await as(writer).post("/v1/statements").send(same).expect(200);
    expect(response.headers.location).toBe("/v1/statements/st-governor-roof");
    expect(response.body.id).toBe("st-governor-roof");
    await testApp.http().get("/v1/statements/st-governor-roof-again").expect(404);
  });

  it("names the field of a missing excerpt and of an unknown actor", async () => {
    const missing = await as(writer).post("/v1/statements").send({ ...governorQuote("st-x"), evidence: ["not in the text"] }).expect(422);
    expect(missing.body.errors).toEqual([{ field: "body.evidence[0]", message: expect.stringMatching(/not found/) }]);
    const unknown = await as(writer).post("/v1/statements").send({ ...governorQuote("st-y"), speakerId: "nobody" }).expect(422);
    expect(unknown.body.errors).toEqual([{ field: "body.speakerId", message: expect.stringMatching(/No actor has the id "nobody"/) }]);
    const badSource = await as(writer).post("/v1/statements").send({ ...governorQuote("st-z"), sourceId: "no-such-source" }).expect(422);
    expect(badSource.body.errors[0].field).toBe("body.sourceId");
  });
});

describe("Idempotency-Key", () => {
  it("20 parallel POSTs with one key create one fact and give 20 identical responses", async () => {
    const body = governorQuote("st-governor-roof-retried");
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => as(writer).post("/v1/statements").set("idempotency-key", "retry-me-1").send(body)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((response) => response.text)).size).toBe(1);
    expect(responses.filter((response) => response.headers["idempotent-replayed"] === "true")).toHaveLength(19);
    const [row] = await testApp.database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM statements WHERE id = $1`, [body.id]);
    expect(row!.n).toBe(1);
    const revisions = (await testApp.http().get(`/v1/statements/${body.id}/revisions`).expect(200)).body.data;
    expect(revisions).toHaveLength(1);
    // The same key with another body is refused.
    await as(writer).post("/v1/statements").set("idempotency-key", "retry-me-1").send({ ...body, text: "Something else." }).expect(422);
  });
});

describe("editing with If-Match", () => {
  it("applies a change made against the current ETag, refuses one made against an old one (412), and records both", async () => {
    const path = "/v1/statements/st-governor-roof";
    const current = await testApp.http().get(path).expect(200);
    const etag = current.headers.etag!;
    const changed = await as(writer).patch(path).set("if-match", etag).send({ medium: "press briefing" }).expect(200);
    expect(changed.body.medium).toBe("press briefing");
    expect(changed.headers.etag).not.toBe(etag);
    const stale = await as(writer).patch(path).set("if-match", etag).send({ medium: "radio" }).expect(412);
    expect(stale.body).toMatchObject({ status: 412, type: "/problems/precondition-failed" });
    expect((await testApp.http().get(path).expect(200)).body.medium).toBe("press briefing");
    await as(writer).delete(path).set("if-match", etag).expect(412);

    const revisions = (await testApp.http().get(`${path}/revisions`).expect(200)).body.data;
    expect(revisions).toMatchObject([
      { version: 1, action: "create", apiKey: { name: "editor" } },
      { version: 2, action: "update", changed: ["medium"], apiKey: { name: "editor" }, sourceId: null },
    ]);
  });

  it("deletes with a tombstone: 410 on the detail, gone from lists, history kept", async () => {
    const path = "/v1/statements/st-governor-roof";
    const etag = (await testApp.http().get(path).expect(200)).headers.etag!;
    await as(writer).delete(path).set("if-match", etag).expect(204);
    expect((await testApp.http().get(path).expect(410)).body.detail).toMatch(/an editor deleted it/);
    const listed = await fetchAll<{ id: string }>(testApp.http, "/v1/statements?limit=100");
    expect(listed.map((item) => item.id)).not.toContain("st-governor-roof");
    const actions = (await testApp.http().get(`${path}/revisions`).expect(200)).body.data.map((revision: { action: string }) => revision.action);
    expect(actions).toEqual(["create", "update", "delete"]);
    await as(writer).patch(path).send({ medium: "x" }).expect(410);
  });
});

describe("claims", () => {
  it("adds a source's figure beside another's, and an editor's preference decides the value", async () => {
    const added = await as(writer).post(`${EVENT}/claims`).send({
      sourceId: MERIDIAN_ID, field: "launched", number: { value: 16 }, reportedBy: "odesa-governor",
      evidence: ["sent 16 drones against the Odesa region"],
    }).expect(201);
    expect(added.headers.location).toBe(`/v1/claims/${added.body.id}`);
    expect(added.body).toMatchObject({ field: "launched", origin: "api", number: { value: 16, qualifier: "exact" }, sourceId: MERIDIAN_ID });
    let event = (await testApp.http().get(EVENT).expect(200)).body;
    expect(event.launched).toMatchObject({ value: 15, low: 15, high: 16, disputed: true });
    expect(event.sourceCount).toBe(2);

    await as(writer).patch(`/v1/claims/${added.body.id}`).send({ preferred: true }).expect(200);
    event = (await testApp.http().get(EVENT).expect(200)).body;
    expect(event.launched).toMatchObject({ value: 16, disputed: true });
    expect(event.launched.claims.find((claim: { id: number }) => claim.id === added.body.id)).toMatchObject({ preferred: true });
    expect(event.countsReportedBy).toMatchObject({ id: "odesa-governor" });

    const evidence = await as(writer).post(`/v1/claims/${added.body.id}/evidence`).send({ text: "two", occurrence: 2 }).expect(201);
    const extra = evidence.body.evidence.at(-1);
    expect(extra).toMatchObject({ excerpt: "two", start: MERIDIAN_TEXT.indexOf("two to three"), end: MERIDIAN_TEXT.indexOf("two to three") + 3 });
    await as(writer).post(`/v1/claims/${added.body.id}/evidence`).send({ text: "two" }).expect(422);
    await as(writer).delete(`/v1/evidence/${extra.id}`).expect(204);
    await as(writer).delete(`/v1/evidence/${extra.id}`).expect(404);

    await as(writer).delete(`/v1/claims/${added.body.id}`).expect(204);
    event = (await testApp.http().get(EVENT).expect(200)).body;
    expect(event.launched).toMatchObject({ value: 15, low: 15, high: 15, disputed: false });
    expect(event.sourceCount).toBe(1);
    await testApp.http().get(`/v1/claims/${added.body.id}`).expect(404);
  });

  it("asks for what each field needs, by name", async () => {
    const noNumber = await as(writer).post(`${EVENT}/claims`).send({ sourceId: MERIDIAN_ID, field: "launched", evidence: ["16 drones"] }).expect(400);
    expect(noNumber.body.errors).toEqual([{ field: "body.number", message: "Required for this field" }]);
    const wrongField = await as(writer).post(`${EVENT}/claims`).send({ sourceId: MERIDIAN_ID, field: "said", evidence: ["16 drones"] }).expect(400);
    expect(wrongField.body.errors[0].field).toBe("body.field");
    const noEvidence = await as(writer).post(`${EVENT}/claims`).send({ sourceId: MERIDIAN_ID, field: "fact", evidence: [] }).expect(400);
    expect(noEvidence.body.errors[0].field).toBe("body.evidence");
  });
});

describe("merging duplicate actors", () => {
  it("moves references to the survivor; the duplicate answers 308 and still filters", async () => {
    await as(writer).post("/v1/actors").send({
      id: "odesa-city-duplicate", sourceId: MERIDIAN_ID, type: "place", name: "Odesa (city)", evidence: ["a kindergarten roof in Odesa"],
    }).expect(201);
    await as(writer).post("/v1/statements").send({ ...governorQuote("st-roof-about-duplicate"), about: ["odesa-city-duplicate"] }).expect(201);

    const merged = await as(writer).post("/v1/actors/odesa/merge").send({ duplicateId: "odesa-city-duplicate" }).expect(200);
    expect(merged.body.id).toBe("odesa");
    const redirect = await testApp.http().get("/v1/actors/odesa-city-duplicate").expect(308);
    expect(redirect.headers.location).toBe("/v1/actors/odesa");
    const statement = (await testApp.http().get("/v1/statements/st-roof-about-duplicate").expect(200)).body;
    expect(statement.about).toEqual([{ id: "odesa", name: "Odesa", type: "place" }]);
    const byOldId = await fetchAll<{ id: string }>(testApp.http, "/v1/statements?about=odesa-city-duplicate&limit=100");
    expect(byOldId.map((item) => item.id)).toContain("st-roof-about-duplicate");
    expect((await testApp.http().get("/v1/actors/odesa").expect(200)).body.sourceCount).toBe(2);
    const listed = await fetchAll<{ id: string }>(testApp.http, "/v1/actors?limit=100");
    expect(listed.map((item) => item.id)).not.toContain("odesa-city-duplicate");
    const history = (await testApp.http().get("/v1/actors/odesa-city-duplicate/revisions").expect(200)).body.data;
    expect(history.at(-1)).toMatchObject({ action: "merge", changed: ["mergedInto:odesa"] });
    await as(writer).post("/v1/actors/odesa/merge").send({ duplicateId: "odesa" }).expect(400);
  });
});

describe("list pages follow the facts they show", () => {
  it("changes the ETag of every list page showing the fact, and only of those", async () => {
    await as(writer).post("/v1/statements").send(governorQuote("st-governor-etag", "Air defence worked over Odesa all night.")).expect(201);
    const path = "/v1/statements/st-governor-etag";
    const list = "/v1/statements?speaker=odesa-governor";
    const other = "/v1/statements?speaker=john-kirby";
    const [listBefore, otherBefore] = [(await testApp.http().get(list).expect(200)).headers.etag, (await testApp.http().get(other).expect(200)).headers.etag];
    // The same items under other links (a page of one) are another body: another ETag.
    expect((await testApp.http().get(`${list}&limit=1`).expect(200)).headers.etag).not.toBe(listBefore);
    await testApp.http().get(list).set("if-none-match", listBefore!).expect(304);

    const etag = (await testApp.http().get(path).expect(200)).headers.etag!;
    await as(writer).patch(path).set("if-match", etag).send({ medium: "television" }).expect(200);
    const listAfter = await testApp.http().get(list).set("if-none-match", listBefore!).expect(200);
    expect(listAfter.headers.etag).not.toBe(listBefore);
    expect(listAfter.body.data.find((statement: { id: string }) => statement.id === "st-governor-etag").medium).toBe("television");
    expect((await testApp.http().get(other).expect(200)).headers.etag).toBe(otherBefore);
  });
});

describe("a source's counts follow the writes", () => {
  const counts = async () => (await testApp.http().get(`/v1/sources/${MERIDIAN_ID}`).expect(200)).body.factCounts;

  it("counts a claim and its excerpt when added, and no longer when deleted", async () => {
    const before = await counts();
    const added = await as(writer).post(`${EVENT}/claims`).send({
      sourceId: MERIDIAN_ID, field: "launched", number: { value: 16 }, evidence: ["sent 16 drones against the Odesa region"],
    }).expect(201);
    expect(await counts()).toEqual({ ...before, attackEvents: before.attackEvents + 1, evidence: before.evidence + 1 });
    await as(writer).delete(`/v1/claims/${added.body.id}`).expect(204);
    expect(await counts()).toEqual(before);
  });

  it("counts a new fact, and not once an editor deleted it", async () => {
    const before = await counts();
    await as(writer).post("/v1/statements").send(governorQuote("st-governor-counted", "Air defence worked over Odesa until dawn.")).expect(201);
    const path = "/v1/statements/st-governor-counted";
    const created = await counts();
    expect(created).toEqual({ ...before, statements: before.statements + 1, evidence: expect.any(Number) });
    expect(created.evidence).toBeGreaterThan(before.evidence);
    const etag = (await testApp.http().get(path).expect(200)).headers.etag!;
    await as(writer).delete(path).set("if-match", etag).expect(204);
    expect((await counts()).statements).toBe(before.statements);
  });
});

describe("a speaker resolved in the list's own query", () => {
  const statementIds = async (...speakers: string[]) => {
    const query = speakers.map((speaker) => `speaker=${encodeURIComponent(speaker)}`).join("&");
    return (await fetchAll<{ id: string }>(testApp.http, `/v1/statements?limit=3&${query}`)).map((statement) => statement.id);
  };

  it("filters by every actor a reference names: a name that is another actor's alias names both", async () => {
    await as(writer).post("/v1/actors").send({
      id: "a-kirby-namesake", sourceId: MERIDIAN_ID, type: "person", name: "Kirby Namesake", aliases: ["John Kirby"],
      evidence: ["the regional governor said"],
    }).expect(201);
    await as(writer).post("/v1/statements").send({
      ...governorQuote("st-kirby-namesake", "A kindergarten roof was damaged, the namesake said."), speakerId: "a-kirby-namesake",
    }).expect(201);
    const byName = await statementIds("John Kirby");
    expect(byName).toContain("st-kirby-namesake");
    expect(byName.length).toBeGreaterThan(1);
    expect(byName).toEqual(await statementIds("john-kirby", "a-kirby-namesake"));
    // One actor, however it is named: the same statements as by its id.
    expect(await statementIds("kirby namesake")).toEqual(["st-kirby-namesake"]);
    expect(await statementIds("a-kirby-namesake")).toEqual(["st-kirby-namesake"]);
  });
});

describe("an attacker or a place resolved in the list's own query", () => {
  const eventIds = async (query: string) =>
    (await fetchAll<{ id: string }>(testApp.http, `/v1/attack-events?limit=1&${query}`)).map((event) => event.id);

  it("names the attacker by id or name alike, and still when the name is another actor's alias too", async () => {
    const byId = await eventIds("attacker=russia");
    expect(byId).toEqual(["ae-2022-10-17-kamikaze-drone-attacks", "ae-donbas-bakhmut-fighting"]);
    expect(await eventIds("attacker=RUSSIA")).toEqual(byId);
    await as(writer).post("/v1/actors").send({
      id: "a-russia-namesake", sourceId: MERIDIAN_ID, type: "organisation", name: "Russia Namesake Club", aliases: ["Russia"],
      evidence: ["the regional governor said"],
    }).expect(201);
    // "Russia" now names two actors: the events of both (the namesake has none).
    expect(await eventIds("attacker=Russia")).toEqual(byId);
    expect(await eventIds("attacker=Russia&kind=ground_fighting")).toEqual(["ae-donbas-bakhmut-fighting"]);
    expect(await eventIds("attacker=a-russia-namesake")).toEqual([]);
  });

  it("names a place by id, name or another actor's alias alike, with the events in the places inside it", async () => {
    const inside = ["ae-2022-12-10-southern-ukraine-drones", "ae-donbas-bakhmut-fighting"];
    expect(await eventIds("place=ukraine")).toEqual(inside);
    // An event placed in Ukraine itself: a page of the place's own events must still hold those inside it.
    await as(writer).post("/v1/attack-events").send({
      id: "ae-meridian-ukraine-wide", sourceId: MERIDIAN_ID, kind: "drone_attack",
      description: "Drones sent the same morning as the national count.",
      occurred: { date: "2022-12-10", precision: "part_of_day", wording: "early Saturday", evidence: ["early Saturday"] },
      places: ["ukraine"],
      evidence: ["His figures differ from the national count published the same morning."],
    }).expect(201);
    const all = await eventIds("place=ukraine");
    expect(all).toEqual(expect.arrayContaining([...inside, "ae-meridian-ukraine-wide"]));
    expect(all).toHaveLength(3);
    await as(writer).post("/v1/actors").send({
      id: "a-ukraine-namesake", sourceId: MERIDIAN_ID, type: "organisation", name: "Ukraine Namesake Club", aliases: ["Ukraine"],
      evidence: ["the regional governor said"],
    }).expect(201);
    expect(await eventIds("place=Ukraine")).toEqual(all);
    expect(await eventIds("place=a-ukraine-namesake")).toEqual([]);
  });
});

describe("an actor's timeline through a day with more facts than a page", () => {
  it("pages through them in id order (C collation) whatever order they were written in, each once, undated ones last", async () => {
    for (const [id, name] of [["meridian-diarist", "Meridian diarist"], ["meridian-topic", "Meridian topic"]]) {
      await as(writer).post("/v1/actors").send({ id, sourceId: MERIDIAN_ID, type: "person", name, evidence: ["the regional governor said"] }).expect(201);
    }
    // Written out of order, with ids that the C collation and a linguistic one order differently.
    const written = ["st-diary-e", "st-diary-Z", "st-diary-d", "st-diary-a", "st-diary-Y", "st-diary-b"];
    for (const id of written) {
      await as(writer).post("/v1/statements").send({
        ...governorQuote(id),
        speakerId: "meridian-diarist",
        about: ["meridian-topic"],
        said: { date: "2022-12-10", precision: "part_of_day", wording: "early Saturday", evidence: ["early Saturday"] },
      }).expect(201);
    }
    // And undated ones, which come last, in the same order.
    const undated = ["st-diary-undated-x", "st-diary-undated-W", "st-diary-undated-v", "st-diary-undated-U"];
    for (const id of undated) {
      await as(writer).post("/v1/statements").send({
        ...governorQuote(id),
        speakerId: "meridian-diarist",
        about: ["meridian-topic"],
        said: { wording: "early Saturday", evidence: ["early Saturday"] },
      }).expect(201);
    }
    const inCOrder = (ids: string[]) => [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const inOrder = [...inCOrder(written), ...inCOrder(undated)];
    expect(inOrder).toEqual([
      "st-diary-Y", "st-diary-Z", "st-diary-a", "st-diary-b", "st-diary-d", "st-diary-e",
      "st-diary-undated-U", "st-diary-undated-W", "st-diary-undated-v", "st-diary-undated-x",
    ]);
    // The speaker's facts are read off an index of the statements, the subject's through a link table.
    for (const actor of ["meridian-diarist", "meridian-topic"]) {
      for (const limit of [1, 2, 4]) {
        const entries = await fetchAll<{ id: string }>(testApp.http, `/v1/actors/${actor}/timeline?limit=${limit}`);
        expect(entries.map((entry) => entry.id), `${actor}, limit=${limit}`).toEqual(inOrder);
      }
    }
  });
});
