import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// The Air Force's tallies, in the layout newsrooms keep, uploaded as CSV by an editor. The fixture
// is invented (see fixtures/air-attacks/README.md) but for its 10 December row, the article's event.

const ATTACKS = readFileSync(new URL("./fixtures/air-attacks/attacks.csv", import.meta.url), "utf8");
const WEAPONS = readFileSync(new URL("./fixtures/air-attacks/weapons.csv", import.meta.url), "utf8");
const BBC = "bbc-2022-12-10-iran-russia-main-military-backer";
const DATASET = "massive-missile-attacks-fixture";
const EVENT = "ae-2022-12-10-southern-ukraine-drones";
const QUERY = { sourceId: DATASET, licence: "Invented for the tests", attribution: "warfacts test fixture", publishedOn: "2024-01-01" };

type Claim = { id: number; sourceId: string; value: unknown; reportedBy: { id: string } | null; evidence: { excerpt: string; start: number; end: number; locator?: string; sourceId: string }[] };
type Field = { value: unknown; disputed: boolean; claims: Claim[] } | null;
type Event = Record<string, unknown> & { id: string; kind: string; launched: Field; intercepted: Field; notReached: Field; weapon: Field; places: { value: { id: string; name: string }[] }; weaponModels: { model: string }[]; sourceCount: number };

let testApp: TestApp;
let writer: string;

const upload = (path: string, body: string, query: Record<string, string> = QUERY, key = writer) =>
  testApp.http().post(path).query(query).set("authorization", key).set("content-type", "text/csv; charset=utf-8").send(body);
const eventAt = async (id: string) => (await testApp.http().get(`/v1/attack-events/${encodeURIComponent(id)}`).expect(200)).body as Event;
const bySource = (field: Field, sourceId: string) => field?.claims.filter((claim) => claim.sourceId === sourceId) ?? [];

beforeAll(async () => {
  testApp = await startTestApp();
  writer = (await createKey(testApp, ["write"], "newsroom")).bearer;
});
afterAll(() => testApp?.close());

describe("importing the air-attack tallies", () => {
  let summary: Record<string, unknown> & { matched: { line: number; eventId: string }[]; rejected: { line: number; reason: string }[]; flagged: { line: number; message: string }[] };
  let bbcClaimsBefore: Claim[];

  it("takes the weapons reference as CSV", async () => {
    const response = await upload("/v1/imports/weapons", WEAPONS, {}).expect(200);
    expect(response.body).toEqual({ read: 5, rejected: [], eventsUpdated: 0 });
  });

  it("refuses an upload without a write key, of another type, or without its source, as problems naming the cause", async () => {
    const anonymous = await testApp.http().post("/v1/imports/air-attacks").query(QUERY).set("content-type", "text/csv").send(ATTACKS).expect(401);
    expect(anonymous.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const json = await testApp.http().post("/v1/imports/air-attacks").query(QUERY).set("authorization", writer).send({ rows: [] }).expect(415);
    expect(json.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const noSource = await upload("/v1/imports/air-attacks", ATTACKS, { licence: "x", attribution: "y" }).expect(400);
    expect(noSource.body.errors.map((error: { field: string }) => error.field)).toContain("query.sourceId");
    const headerless = await upload("/v1/imports/air-attacks", "date,count\n2022-12-10,15\n").expect(422);
    expect(headerless.body.errors[0].field).toBe("attacks");
    expect(headerless.body.errors[0].message).toMatch(/^Missing columns: time_start, time_end, model/);
    const latin1 = await testApp.http().post("/v1/imports/air-attacks").query(QUERY).set("authorization", writer)
      .set("content-type", "text/csv").send(Buffer.from([0x74, 0x69, 0x6d, 0xe9, 0x0a])).expect(422);
    expect(latin1.body.errors).toEqual([{ field: "body", message: "Not valid UTF-8; save the CSV as UTF-8" }]);
    // Nothing of those attempts was written.
    await testApp.http().get(`/v1/sources/${DATASET}`).expect(404);
  });

  it("imports every good row, lists every bad one by line with its reason, and flags odd figures without fixing them", async () => {
    bbcClaimsBefore = bySource((await eventAt(EVENT)).launched, BBC);
    const response = await upload("/v1/imports/air-attacks", ATTACKS).expect(200);
    summary = response.body;
    expect(summary).toMatchObject({ sourceId: DATASET, unchanged: false, rowsRead: 22, rowsImported: 15, eventsCreated: 14 });
    expect(summary.rejected).toEqual([
      { line: 16, reason: "time_start \"2023-13-40 \" is not YYYY-MM-DD or YYYY-MM-DD HH:MM" },
      { line: 17, reason: "launched \"many\" is not a whole number of weapons" },
      { line: 18, reason: "launched \"2.5\" is not a whole number of weapons" },
      { line: 19, reason: "model is empty" },
      { line: 20, reason: "Has 5 fields where the header has 22" },
      { line: 21, reason: "Repeats line 11: the same time window, models, launch place and targets" },
      { line: 22, reason: "time_end 2023-06-30 23:00 is before time_start 2023-07-01 3:00" },
    ]);
    expect(summary.flagged).toEqual([
      { line: 11, message: "destroyed (9) exceeds launched (7); imported as reported" },
      { line: 13, message: "not in the weapons reference: Lancet" },
      { line: 14, message: "not in the weapons reference: Шахед-238" },
      { line: 23, message: "border_crossing is not a dict literal; kept in the excerpt only" },
    ]);
    expect(summary.rowsPerSecond).toBeGreaterThan(0);
  });

  it("adds the 10 December row to the article's event, beside the BBC's figures, and says so", async () => {
    expect(summary.matched).toEqual([{ line: 5, eventId: EVENT, rule: expect.stringContaining("same Kyiv-local day") }]);
    const event = await eventAt(EVENT);
    expect(event.sourceCount).toBe(2);
    const [launched] = bySource(event.launched, DATASET);
    expect(launched).toMatchObject({ value: 15, reportedBy: { id: "ukrainian-air-force" } });
    expect(bySource(event.intercepted, DATASET).map((claim) => claim.value)).toEqual([10]);
    expect(event.launched).toMatchObject({ value: 15, disputed: false });
    // The BBC's own claims are untouched: same ids, values and excerpts.
    expect(bySource(event.launched, BBC)).toEqual(bbcClaimsBefore);
    // Backed by the row itself, with the Air Force's post as its locator.
    const row = ATTACKS.split("\n")[4]!;
    expect(launched!.evidence).toEqual([{ sourceId: DATASET, excerpt: row, start: expect.any(Number), end: expect.any(Number), locator: "kpszsu/posts/0004" }]);
    expect(event.weaponModels.map((model) => model.model)).toEqual(["Shahed-136/131"]);
    expect(bySource(event.weapon, DATASET).map((claim) => claim.value)).toEqual(["Shahed-136/131"]);
  });

  it("makes one event per other row, with its window, weapons, places and counts as the row gives them", async () => {
    const sources = await testApp.http().get(`/v1/attack-events`).query({ source: DATASET, limit: 100 }).expect(200);
    const events = sources.body.data as Event[];
    expect(events).toHaveLength(15);
    const overReported = events.find((event) => event.occurred && (event.occurred as { date: string }).date === "2023-02-10")!;
    expect(overReported).toMatchObject({ kind: "drone_attack", launched: { value: 7 }, intercepted: { value: 9 } });
    const withNotReached = events.find((event) => (event.occurred as { date: string }).date === "2023-03-09")!;
    expect(withNotReached).toMatchObject({
      kind: "missile_attack", notReached: { value: 6 },
      occurred: { date: "2023-03-09", precision: "minute", wording: "2023-03-09 01:00 – 2023-03-09 07:00 (Kyiv time)" },
    });
    const cyrillic = events.find((event) => (event.occurred as { date: string }).date === "2022-12-16")!;
    expect(cyrillic.places.value.map((place) => place.name).sort()).toEqual(["Київська область", "Харківська область"]);
    expect(cyrillic.weaponModels.map((model) => model.model)).toEqual(["Kalibr", "Kh-101/Kh-555"]);
    // A weapon the reference does not know: an air attack of unknown kind, not a guess.
    const unknownKinds = await testApp.http().get("/v1/attack-events").query({ kind: "air_attack" }).expect(200);
    expect(unknownKinds.body.data.map((event: Event) => bySource(event.weapon, DATASET)[0]?.value).sort()).toEqual(["Lancet", "Шахед-238"]);
    // "south" is the part of Ukraine the seed already knows; oblasts without an actor became places.
    expect(summary.placesCreated).toContain("place-odesa-oblast");
    expect(summary.placesCreated).not.toContain("place-south");
  });

  it("backs every claim with a verbatim excerpt of the stored file", async () => {
    const reader = (await createKey(testApp, ["sources:text"], "verifier")).bearer;
    const source = (await testApp.http().get(`/v1/sources/${DATASET}`).set("authorization", reader).expect(200)).body;
    const codePoints = [...source.text as string];
    const event = await eventAt(EVENT);
    const evidence = [event.launched, event.intercepted, event.weapon].flatMap((field) => bySource(field, DATASET)).flatMap((claim) => claim.evidence);
    expect(evidence.length).toBe(3);
    for (const excerpt of evidence) expect(codePoints.slice(excerpt.start, excerpt.end).join("")).toBe(excerpt.excerpt);
  });

  it("changes nothing when the same file comes again", async () => {
    const before = await testApp.http().get(`/v1/attack-events/${EVENT}`).expect(200);
    const again = await upload("/v1/imports/air-attacks", ATTACKS).expect(200);
    expect(again.body).toMatchObject({ unchanged: true, claims: { added: 0, removed: 0 }, changes: { create: 0, update: 0, delete: 0, restore: 0 } });
    const after = await testApp.http().get(`/v1/attack-events/${EVENT}`).expect(200);
    expect(after.headers.etag).toBe(before.headers.etag);
  });

  it("replaces only this source's account when the file changes: a row gone takes its event with it, other sources stay", async () => {
    const lines = ATTACKS.split("\n");
    const gone = lines[2]!; // 17 October drones: only this dataset reports that event
    const changed = lines.filter((line) => line !== gone).map((line) => line.replace(",48.0,34.0,6.0,", ",48.0,36.0,6.0,")).join("\n");
    const goneEvent = (await testApp.http().get("/v1/attack-events").query({ source: DATASET, from: "2022-10-17", to: "2022-10-17" }).expect(200)).body.data[0].id;
    const response = await upload("/v1/imports/air-attacks", changed).expect(200);
    // The event, and "Kyiv", a place only that row named; Kyiv oblast stays, other rows name it.
    expect(response.body).toMatchObject({ unchanged: false, rowsImported: 14, eventsCreated: 0, changes: { delete: 2 } });
    await testApp.http().get(`/v1/attack-events/${goneEvent}`).expect(410);
    await testApp.http().get("/v1/actors/place-kyiv").expect(410);
    await testApp.http().get("/v1/actors/place-kyiv-oblast").expect(200);
    const march = (await testApp.http().get("/v1/attack-events").query({ source: DATASET, from: "2023-03-09", to: "2023-03-09" }).expect(200)).body.data[0];
    expect(march.intercepted.value).toBe(36);
    expect(bySource((await eventAt(EVENT)).launched, BBC)).toEqual(bbcClaimsBefore);
  });

  it("shows a changed weapons reference on every event whose weapon names the model, and only there", async () => {
    const renamed = WEAPONS.replace("Shahed 136 / Шахед", "Geran-2 / Герань-2");
    // The four events whose weapon is Shahed-136/131 (lines 5, 8, 9 and 11 of the file now imported).
    expect((await upload("/v1/imports/weapons", renamed, {}).expect(200)).body).toEqual({ read: 5, rejected: [], eventsUpdated: 4 });
    expect((await eventAt(EVENT)).weaponModels).toMatchObject([{ model: "Shahed-136/131", name: "Geran-2 / Герань-2" }]);
  });
});
