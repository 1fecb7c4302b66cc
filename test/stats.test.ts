import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

async function get(path: string) {
  const response = await testApp.http().get(path);
  expect(response.status, `${path}: ${JSON.stringify(response.body).slice(0, 300)}`).toBe(200);
  return response.body;
}

async function problemFields(path: string): Promise<string[]> {
  const response = await testApp.http().get(path).expect(400).expect("content-type", /application\/problem\+json/);
  return response.body.errors.map((error: { field: string }) => error.field);
}

// The seed's attack events, counted by hand:
//   ae-2022-10-17-kamikaze-drone-attacks   2022-10-17 (a Monday, ISO week 42)   attacker russia, no counts
//   ae-2022-12-10-southern-ukraine-drones  2022-12-10 (a Saturday, ISO week 49) 15 launched, 10 intercepted
//   ae-donbas-bakhmut-fighting             undated                              attacker russia, no counts
const OCTOBER_17 = { events: 1, launched: null, intercepted: null, eventsWithCounts: 0, interceptionRate: null };
const DECEMBER_10 = { events: 1, launched: 15, intercepted: 10, eventsWithCounts: 1, interceptionRate: 10 / 15 };

describe("attack event stats", () => {
  it("by day: one bucket per day with events, in date order, undated events apart", async () => {
    expect(await get("/v1/attack-events/stats?groupBy=day")).toEqual({
      groupBy: "day",
      data: [
        { period: "2022-10-17", from: "2022-10-17", to: "2022-10-17", ...OCTOBER_17 },
        { period: "2022-12-10", from: "2022-12-10", to: "2022-12-10", ...DECEMBER_10 },
      ],
      undated: { events: 1 },
    });
  });

  it("by ISO week, Monday to Sunday", async () => {
    expect(await get("/v1/attack-events/stats?groupBy=week")).toEqual({
      groupBy: "week",
      data: [
        { period: "2022-W42", from: "2022-10-17", to: "2022-10-23", ...OCTOBER_17 },
        { period: "2022-W49", from: "2022-12-05", to: "2022-12-11", ...DECEMBER_10 },
      ],
      undated: { events: 1 },
    });
  });

  it("by calendar month", async () => {
    expect(await get("/v1/attack-events/stats?groupBy=month")).toEqual({
      groupBy: "month",
      data: [
        { period: "2022-10", from: "2022-10-01", to: "2022-10-31", ...OCTOBER_17 },
        { period: "2022-12", from: "2022-12-01", to: "2022-12-31", ...DECEMBER_10 },
      ],
      undated: { events: 1 },
    });
  });

  it("gives the interception rate unrounded", async () => {
    const stats = await get("/v1/attack-events/stats?groupBy=day&from=2022-12-10");
    expect(stats.data[0].interceptionRate).toBe(0.6666666666666666);
  });

  it("takes the list's filters, actors by id or name", async () => {
    const byRussia = { groupBy: "month", data: [{ period: "2022-10", from: "2022-10-01", to: "2022-10-31", ...OCTOBER_17 }], undated: { events: 1 } };
    expect(await get("/v1/attack-events/stats?groupBy=month&attacker=russia")).toEqual(byRussia);
    expect(await get("/v1/attack-events/stats?groupBy=month&attacker=RUSSIA")).toEqual(byRussia);

    const inOdesa = await get("/v1/attack-events/stats?groupBy=day&place=Odessa");
    expect(inOdesa.data.map((bucket: { period: string }) => bucket.period)).toEqual(["2022-12-10"]);
    expect(inOdesa.undated).toEqual({ events: 0 });

    // A date range leaves the undated events out, as the list does.
    const fromDecember = await get("/v1/attack-events/stats?groupBy=week&from=2022-12-01");
    expect(fromDecember.data).toEqual([{ period: "2022-W49", from: "2022-12-05", to: "2022-12-11", ...DECEMBER_10 }]);
    expect(fromDecember.undated).toEqual({ events: 0 });

    expect(await get("/v1/attack-events/stats?groupBy=day&kind=ground_fighting")).toEqual({
      groupBy: "day",
      data: [],
      undated: { events: 1 },
    });
    expect(await get("/v1/attack-events/stats?groupBy=day&minLaunched=16")).toEqual({ groupBy: "day", data: [], undated: { events: 0 } });
  });

  it.each([
    "",
    "&attacker=russia",
    "&actor=ukrainian-air-force",
    "&place=ukraine",
    "&kind=drone_attack&kind=ground_fighting",
    "&weapon=drone",
    "&q=kamikaze",
    "&from=2022-10-01&to=2022-11-30",
    "&bbox=37,48,39,49",
    "&source=bbc-2022-12-10-iran-russia-main-military-backer",
    "&updatedSince=2999-01-01T00:00:00Z",
  ])("counts every event the list with the same filters has (%s)", async (filters) => {
    const list = await get(`/v1/attack-events?count=true&limit=1${filters}`);
    for (const groupBy of ["day", "week", "month"]) {
      const stats = await get(`/v1/attack-events/stats?groupBy=${groupBy}${filters}`);
      const dated = stats.data.reduce((sum: number, bucket: { events: number }) => sum + bucket.events, 0);
      expect(dated + stats.undated.events, `${groupBy}${filters}`).toBe(list.total);
    }
  });

  it("answers a missing or unknown groupBy, an unknown parameter, paging and formats with 400 problems", async () => {
    expect(await problemFields("/v1/attack-events/stats")).toEqual(["query.groupBy"]);
    expect(await problemFields("/v1/attack-events/stats?groupBy=year")).toEqual(["query.groupBy"]);
    expect(await problemFields("/v1/attack-events/stats?groupBy=day&groupby=week")).toEqual(["query.groupby"]);
    expect(await problemFields("/v1/attack-events/stats?groupBy=day&limit=10&cursor=x&count=true")).toEqual([
      "query.limit", "query.cursor", "query.count",
    ]);
    expect(await problemFields("/v1/attack-events/stats?groupBy=day&format=csv")).toEqual(["query.format"]);
    expect(await problemFields("/v1/attack-events/stats?groupBy=day&attacker=Atlantis")).toEqual(["query.attacker"]);
  });
});

// The seed's 26 statements, counted by hand: `verbatim` counts those of quoteType VERBATIM (6 in all).
const BY_SPEAKER = [
  { key: "john-kirby", label: "John Kirby", statements: 7, verbatim: 3 },
  { key: "james-cleverly", label: "James Cleverly", statements: 4, verbatim: 1 },
  { key: "volodymyr-zelensky", label: "Volodymyr Zelensky", statements: 3, verbatim: 0 },
  { key: "iran", label: "Iran", statements: 2, verbatim: 0 },
  { key: "penny-wong", label: "Penny Wong", statements: 2, verbatim: 2 },
  { key: "united-states", label: "United States", statements: 2, verbatim: 0 },
  { key: "international-olympic-committee", label: "International Olympic Committee", statements: 1, verbatim: 0 },
  { key: "oleksandra-matviichuk", label: "Oleksandra Matviichuk", statements: 1, verbatim: 0 },
  { key: "ukraine", label: "Ukraine", statements: 1, verbatim: 0 },
  { key: "ukrainian-air-force", label: "Ukrainian Air Force", statements: 1, verbatim: 0 },
  { key: "united-nations", label: "United Nations", statements: 1, verbatim: 0 },
  { key: "yan-rachinsky", label: "Yan Rachinsky", statements: 1, verbatim: 0 },
];

const BY_KIND = [
  { key: "assessment", label: "assessment", statements: 6, verbatim: 2 },
  { key: "claim", label: "claim", statements: 6, verbatim: 0 },
  { key: "accusation", label: "accusation", statements: 4, verbatim: 2 },
  { key: "warning", label: "warning", statements: 3, verbatim: 2 },
  { key: "announcement", label: "announcement", statements: 2, verbatim: 0 },
  { key: "admission", label: "admission", statements: 1, verbatim: 0 },
  { key: "call", label: "call", statements: 1, verbatim: 0 },
  { key: "concern", label: "concern", statements: 1, verbatim: 0 },
  { key: "denial", label: "denial", statements: 1, verbatim: 0 },
  { key: "rebuttal", label: "rebuttal", statements: 1, verbatim: 0 },
];

describe("statement stats", () => {
  it("by speaker: statements and verbatim quotes, most statements first, then by id", async () => {
    expect(await get("/v1/statements/stats?groupBy=speaker")).toEqual({ groupBy: "speaker", data: BY_SPEAKER });
    expect(BY_SPEAKER.reduce((sum, group) => sum + group.statements, 0)).toBe(26);
  });

  it("by kind", async () => {
    expect(await get("/v1/statements/stats?groupBy=kind")).toEqual({ groupBy: "kind", data: BY_KIND });
  });

  it("takes the list's filters", async () => {
    expect((await get("/v1/statements/stats?groupBy=kind&speaker=Kirby")).data).toEqual([
      { key: "assessment", label: "assessment", statements: 2, verbatim: 2 },
      { key: "claim", label: "claim", statements: 2, verbatim: 0 },
      { key: "accusation", label: "accusation", statements: 1, verbatim: 1 },
      { key: "concern", label: "concern", statements: 1, verbatim: 0 },
      { key: "warning", label: "warning", statements: 1, verbatim: 0 },
    ]);
    const quoted = (await get("/v1/statements/stats?groupBy=speaker&quoted=true")).data;
    expect(quoted.map(({ key, statements, verbatim }: { key: string; statements: number; verbatim: number }) => [key, statements, verbatim])).toEqual([
      ["john-kirby", 3, 3],
      ["penny-wong", 2, 2],
      ["james-cleverly", 1, 1],
    ]);
    expect((await get("/v1/statements/stats?groupBy=speaker&from=2099-01-01")).data).toEqual([]);
  });

  it.each(["", "&speaker=john-kirby", "&about=ukraine", "&kind=claim&kind=warning", "&quoted=false", "&q=drones", "&from=2022-12-09&to=2022-12-09"])(
    "counts every statement the list with the same filters has (%s)",
    async (filters) => {
      const list = await get(`/v1/statements?count=true&limit=1${filters}`);
      for (const groupBy of ["speaker", "kind"]) {
        const stats = await get(`/v1/statements/stats?groupBy=${groupBy}${filters}`);
        const counted = stats.data.reduce((sum: number, group: { statements: number }) => sum + group.statements, 0);
        expect(counted, `${groupBy}${filters}`).toBe(list.total);
      }
    },
  );

  it("answers a missing or unknown groupBy, an unknown parameter and paging with 400 problems", async () => {
    expect(await problemFields("/v1/statements/stats")).toEqual(["query.groupBy"]);
    expect(await problemFields("/v1/statements/stats?groupBy=about")).toEqual(["query.groupBy"]);
    expect(await problemFields("/v1/statements/stats?groupBy=kind&speakr=kirby")).toEqual(["query.speakr"]);
    expect(await problemFields("/v1/statements/stats?groupBy=kind&limit=5")).toEqual(["query.limit"]);
    expect(await problemFields("/v1/statements/stats?groupBy=kind&speaker=Nobody%20Known")).toEqual(["query.speaker"]);
  });
});
