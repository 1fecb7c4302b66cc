import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActorTimelineSchema, type TimelineEntry } from "../src/modules/actors/actors.timeline.schemas.ts";
import { fetchAll } from "./helpers/crawl.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

const timeline = async (path: string) => ActorTimelineSchema.parse((await testApp.http().get(path).expect(200)).body);
const ids = (entries: TimelineEntry[]) => entries.map((entry) => entry.id);
const byId = (entries: TimelineEntry[], id: string) => entries.find((entry) => entry.id === id);

// Iran in the BBC article, read off the seed by hand: the speaker of 2 statements and a subject of
// 16, a subject of both sanctions packages, in no attack event. Dated facts first (Kirby's Friday,
// then Saturday's sanctions and Wong's statement), undated ones after, each day by type then id.
const IRAN_TIMELINE = [
  "st-kirby-concern-military-components",
  "st-kirby-drones-attack-energy",
  "st-kirby-eager-to-cooperate",
  "st-kirby-main-military-base",
  "st-kirby-partnership-harmful",
  "sa-australia-iran-drone-suppliers",
  "sa-australia-iran-protest-crackdown",
  "st-wong-drone-supply-evidence",
  "st-cleverly-good-deals-hundreds-of-drones",
  "st-cleverly-iran-main-military-backer",
  "st-cleverly-russia-supports-iranian-regime",
  "st-cleverly-support-will-increase",
  "st-iran-admits-sending-drones",
  "st-iran-denies-supplying-drones",
  "st-kirby-joint-drone-development",
  "st-kirby-unprecedented-support",
  "st-ukraine-accuses-iran-of-supplying-drones",
  "st-us-full-fledged-defense-partnership",
  "st-us-iran-main-military-backer",
  "st-zelensky-calls-iran-admission-a-lie",
];

describe("GET /v1/actors/{id}/timeline", () => {
  it("gives everything about or by Iran, dated facts in date order and undated ones last", async () => {
    const body = await timeline("/v1/actors/iran/timeline?limit=100");
    expect(body.actor).toEqual({ id: "iran", name: "Iran", type: "state" });
    expect(ids(body.data)).toEqual(IRAN_TIMELINE);
    expect(body.page).toEqual({ nextCursor: null, next: null });
    const count = (type: string) => body.data.filter((entry) => entry.type === type).length;
    expect({ statement: count("statement"), sanction: count("sanction"), attack_event: count("attack_event") }).toEqual({
      statement: 18,
      sanction: 2,
      attack_event: 0,
    });
    const dates = body.data.map((entry) => entry.date.date);
    expect(dates.slice(0, 8)).toEqual([...Array(5).fill("2022-12-09"), ...Array(3).fill("2022-12-10")]);
    expect(dates.slice(8).every((date) => date === null)).toBe(true);
  });

  it("tells Iran's story with its role in each fact", async () => {
    const { data } = await timeline("/v1/actors/iran/timeline?limit=100");
    const story = [
      ["st-kirby-main-military-base", "subject"],
      ["sa-australia-iran-drone-suppliers", "subject"],
      ["sa-australia-iran-protest-crackdown", "subject"],
      ["st-iran-admits-sending-drones", "speaker"],
      ["st-iran-denies-supplying-drones", "speaker"],
      ["st-ukraine-accuses-iran-of-supplying-drones", "subject"],
      ["st-us-iran-main-military-backer", "subject"],
    ] as const;
    const positions = story.map(([id]) => ids(data).indexOf(id));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    for (const [id, role] of story) expect(byId(data, id)?.roles, id).toEqual([role]);
  });

  it("sums each fact up in one line and links to it", async () => {
    const { data } = await timeline("/v1/actors/iran/timeline?limit=100");
    expect(byId(data, "st-iran-denies-supplying-drones")).toEqual({
      type: "statement",
      id: "st-iran-denies-supplying-drones",
      date: { date: null, precision: null, wording: null },
      title: "Iran (denial): Iran denied supplying Russia with the drones.",
      roles: ["speaker"],
      link: "/v1/statements/st-iran-denies-supplying-drones",
    });
    expect(byId(data, "sa-australia-iran-drone-suppliers")).toMatchObject({
      date: { date: "2022-12-10", precision: "day", wording: "on Saturday" },
      title: "Australia: sanctions — Supplying Russia with drones for use against Ukraine",
      link: "/v1/sanctions/sa-australia-iran-drone-suppliers",
    });
    expect(byId(data, "st-kirby-main-military-base")?.title).toBe(
      "John Kirby (assessment): Iran has become the main military base of Russia…",
    );
    for (const entry of data) {
      const fact = await testApp.http().get(entry.link).expect(200);
      expect(fact.body.id).toBe(entry.id);
    }
  });

  it("gives one entry per fact with all the actor's roles in it", async () => {
    const zelensky = await timeline("/v1/actors/volodymyr-zelensky/timeline");
    const rolesOf = (type: string) =>
      zelensky.data.filter((entry) => entry.type === type).map((entry) => [entry.id, entry.roles]);
    expect(rolesOf("statement")).toEqual([
      ["st-zelensky-odesa-without-electricity", ["speaker"]],
      ["st-zelensky-bakhmut-burnt-ruin", ["speaker"]],
      ["st-zelensky-calls-iran-admission-a-lie", ["speaker"]],
    ]);
    expect(rolesOf("attack_event")).toEqual([
      ["ae-2022-12-10-southern-ukraine-drones", ["impact_reporter"]],
      ["ae-donbas-bakhmut-fighting", ["impact_reporter"]],
    ]);
    expect(zelensky.data).toHaveLength(5);

    const odesa = await timeline("/v1/actors/odesa/timeline");
    expect(odesa.data.map((entry) => [entry.id, entry.roles])).toEqual([
      ["ae-2022-12-10-southern-ukraine-drones", ["place", "impact_place"]],
      ["st-zelensky-odesa-without-electricity", ["subject"]],
    ]);
    expect(odesa.data[0]?.title).toBe(
      "Drones attacked southern regions early Saturday; the strikes left more than 1.5 million people without electricity in Odesa.",
    );

    const airForce = await timeline("/v1/actors/ukrainian-air-force/timeline");
    expect(airForce.data.map((entry) => [entry.id, entry.roles])).toEqual([
      ["ae-2022-12-10-southern-ukraine-drones", ["reporter"]],
      ["st-air-force-shot-down-10-of-15-drones", ["speaker"]],
    ]);
    const australia = await timeline("/v1/actors/australia/timeline");
    expect(australia.data.map((entry) => [entry.id, entry.roles])).toEqual([
      ["sa-australia-iran-drone-suppliers", ["authority"]],
      ["sa-australia-iran-protest-crackdown", ["authority"]],
    ]);
    const vicePolice = await timeline("/v1/actors/iranian-morality-police/timeline");
    expect(vicePolice.data.map((entry) => [entry.id, entry.roles])).toEqual([["sa-australia-iran-protest-crackdown", ["target"]]]);
    const russia = await timeline("/v1/actors/russia/timeline?type=attack_event");
    expect(russia.data.map((entry) => [entry.id, entry.roles])).toEqual([
      ["ae-2022-10-17-kamikaze-drone-attacks", ["attacker"]],
      ["ae-donbas-bakhmut-fighting", ["attacker"]],
    ]);
  });

  it("answers an actor in no fact with an empty timeline", async () => {
    const body = await timeline("/v1/actors/bbc/timeline");
    expect(body).toEqual({ actor: { id: "bbc", name: "BBC", type: "organisation" }, data: [], page: { nextCursor: null, next: null } });
  });

  it("pages through every entry exactly once", async () => {
    for (const limit of [1, 2, 3]) {
      const entries = await fetchAll<TimelineEntry>(testApp.http, `/v1/actors/iran/timeline?limit=${limit}`);
      expect(ids(entries), `limit=${limit}`).toEqual(IRAN_TIMELINE);
    }
    const firstPage = await timeline("/v1/actors/iran/timeline?limit=3");
    expect(firstPage.actor.id).toBe("iran");
    expect(firstPage.page.next).toBe(`/v1/actors/iran/timeline?limit=3&cursor=${firstPage.page.nextCursor}`);
    const zelensky = await fetchAll<TimelineEntry>(testApp.http, "/v1/actors/volodymyr-zelensky/timeline?limit=1&type=attack_event");
    expect(ids(zelensky)).toEqual(["ae-2022-12-10-southern-ukraine-drones", "ae-donbas-bakhmut-fighting"]);
  });

  it("filters by type, repeated for OR", async () => {
    const sanctions = await timeline("/v1/actors/iran/timeline?type=sanction");
    expect(ids(sanctions.data)).toEqual(["sa-australia-iran-drone-suppliers", "sa-australia-iran-protest-crackdown"]);
    const both = await timeline("/v1/actors/iran/timeline?type=sanction&type=attack_event");
    expect(ids(both.data)).toEqual(ids(sanctions.data));
    const statements = await timeline("/v1/actors/iran/timeline?type=statement&limit=100");
    expect(statements.data).toHaveLength(18);
    const attacks = await timeline("/v1/actors/iran/timeline?type=attack_event");
    expect(attacks.data).toEqual([]);
  });

  it("filters by inclusive dates, leaving undated facts out", async () => {
    const friday = await timeline("/v1/actors/iran/timeline?from=2022-12-09&to=2022-12-09");
    expect(ids(friday.data)).toEqual(IRAN_TIMELINE.slice(0, 5));
    const fromSaturday = await timeline("/v1/actors/iran/timeline?from=2022-12-10");
    expect(ids(fromSaturday.data)).toEqual(IRAN_TIMELINE.slice(5, 8));
    const untilFriday = await timeline("/v1/actors/iran/timeline?to=2022-12-09");
    expect(ids(untilFriday.data)).toEqual(IRAN_TIMELINE.slice(0, 5));
    const saturdaySanctions = await timeline("/v1/actors/iran/timeline?from=2022-12-10&to=2022-12-10&type=sanction");
    expect(saturdaySanctions.data).toHaveLength(2);
    const october = await timeline("/v1/actors/russia/timeline?from=2022-10-01&to=2022-10-31");
    expect(ids(october.data)).toEqual(["ae-2022-10-17-kamikaze-drone-attacks"]);
  });

  it("answers an unknown actor with a 404 problem", async () => {
    const response = await testApp
      .http()
      .get("/v1/actors/nobody/timeline")
      .expect(404)
      .expect("content-type", /application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 404, detail: 'No actor has the id "nobody".' });
  });

  it("answers invalid parameters with 400 problems naming them", async () => {
    const statementsCursor = (await testApp.http().get("/v1/statements?limit=1").expect(200)).body.page.nextCursor as string;
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const cases: [string, string][] = [
      ["limit=0", "query.limit"],
      ["limit=101", "query.limit"],
      ["limit=many", "query.limit"],
      ["cursor=not-a-cursor", "query.cursor"],
      [`cursor=${forged(["not-a-date", "statement:st-x"])}`, "query.cursor"],
      [`cursor=${forged([null, "st-iran-admits-sending-drones"])}`, "query.cursor"],
      [`cursor=${forged([null, "speech:st-x"])}`, "query.cursor"],
      [`cursor=${forged({ key: null, id: "statement:st-x" })}`, "query.cursor"],
      [`cursor=${statementsCursor}`, "query.cursor"],
      ["type=speech", "query.type"],
      ["type=statement&type=speech", "query.type"],
      ["from=yesterday", "query.from"],
      ["actor=iran", "query.actor"],
    ];
    for (const [query, field] of cases) {
      const response = await testApp
        .http()
        .get(`/v1/actors/iran/timeline?${query}`)
        .expect(400)
        .expect("content-type", /application\/problem\+json/);
      expect(response.body.errors.map((error: { field: string }) => error.field), query).toContain(field);
    }
  });
});
