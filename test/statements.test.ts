import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatementListSchema, StatementSchema } from "../src/modules/statements/statements.schemas.ts";
import { fetchAll } from "./helpers/crawl.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

const ids = (body: { data: { id: string }[] }) => body.data.map((item) => item.id);

describe("GET /v1/statements", () => {
  it("lists all 26 statements, dated ones in the order said and undated ones last", async () => {
    const response = await testApp.http().get("/v1/statements?limit=100").expect(200);
    StatementListSchema.parse(response.body);
    expect(response.body.data).toHaveLength(26);
    const dates = response.body.data.map((statement: { said: { date: string | null } }) => statement.said.date);
    const dated = dates.filter((date: string | null) => date !== null);
    expect(dated).toEqual([...dated].sort());
    expect(dates.slice(dated.length).every((date: string | null) => date === null)).toBe(true);
  });

  it("pages by cursor in the same order, from the dated statements on to the undated ones", async () => {
    const whole = ids((await testApp.http().get("/v1/statements?limit=100").expect(200)).body);
    for (const limit of [1, 4, 7]) {
      const paged = await fetchAll<{ id: string }>(testApp.http, `/v1/statements?limit=${limit}`);
      expect(paged.map((item) => item.id), `limit=${limit}`).toEqual(whole);
    }
  });

  it("answers what John Kirby said, whichever name is used", async () => {
    const byId = await testApp.http().get("/v1/statements?speaker=john-kirby&limit=100").expect(200);
    const byAlias = await testApp.http().get("/v1/statements?speaker=Kirby&limit=100").expect(200);
    expect(ids(byAlias.body)).toEqual(ids(byId.body));
    expect(byId.body.data).toHaveLength(7);
    const quotes = byId.body.data.filter((statement: { quoteType: string }) => statement.quoteType === "verbatim");
    expect(quotes.map((quote: { text: string }) => quote.text)).toContain("Iran has become the main military base of Russia…");
  });

  it("resolves relative dates against the publication date and keeps the source's words", async () => {
    const response = await testApp.http().get("/v1/statements/st-kirby-partnership-harmful").expect(200);
    expect(response.body.said).toMatchObject({ date: "2022-12-09", precision: "day", wording: "on Friday" });
    const speech = await testApp.http().get("/v1/statements/st-zelensky-odesa-without-electricity").expect(200);
    expect(speech.body.said).toMatchObject({ date: "2022-12-10", precision: "part_of_day", wording: "In an evening speech" });
    const undated = await testApp.http().get("/v1/statements/st-iran-denies-supplying-drones").expect(200);
    expect(undated.body.said).toMatchObject({ date: null, precision: null, wording: null });
  });

  it("filters by kind, date range and the actor spoken about", async () => {
    const denials = await testApp.http().get("/v1/statements?kind=denial&kind=admission").expect(200);
    expect(ids(denials.body).sort()).toEqual(["st-iran-admits-sending-drones", "st-iran-denies-supplying-drones"]);
    const friday = await testApp.http().get("/v1/statements?from=2022-12-09&to=2022-12-09&limit=100").expect(200);
    expect(friday.body.data).toHaveLength(5);
    expect(friday.body.data.every((statement: { speaker: { id: string } }) => statement.speaker.id === "john-kirby")).toBe(true);
    const saturday = await testApp.http().get("/v1/statements?from=2022-12-10").expect(200);
    expect(ids(saturday.body).sort()).toEqual([
      "st-wong-drone-supply-evidence",
      "st-wong-supporters-face-consequences",
      "st-zelensky-odesa-without-electricity",
    ]);
    const aboutOdesa = await testApp.http().get("/v1/statements?about=Odessa").expect(200);
    expect(ids(aboutOdesa.body)).toEqual(["st-zelensky-odesa-without-electricity"]);
  });

  it("matches `actor` on the speaker or the subject", async () => {
    const response = await testApp.http().get("/v1/statements?actor=memorial").expect(200);
    expect(ids(response.body)).toEqual(["st-rachinsky-ordered-to-refuse-award"]);
    const zelensky = await testApp.http().get("/v1/statements?actor=zelensky&limit=100").expect(200);
    expect(zelensky.body.data).toHaveLength(3);
  });

  it("pages through every statement exactly once", async () => {
    for (const limit of [1, 4, 25]) {
      const statements = await fetchAll<{ id: string }>(testApp.http, `/v1/statements?limit=${limit}`);
      expect(new Set(statements.map((statement) => statement.id)).size, `limit=${limit}`).toBe(26);
      expect(statements, `limit=${limit}`).toHaveLength(26);
    }
    const filtered = await fetchAll<{ id: string }>(testApp.http, "/v1/statements?speaker=james-cleverly&limit=1");
    expect(filtered).toHaveLength(4);
  });

  it("pages through a date range exactly once, in the order of the whole range", async () => {
    for (const range of ["from=2022-10-01", "to=2022-12-31", "from=2022-12-09&to=2022-12-10"]) {
      const whole = ids((await testApp.http().get(`/v1/statements?${range}&limit=100`).expect(200)).body);
      expect(whole.length, range).toBeGreaterThan(2);
      for (const limit of [1, 2]) {
        const paged = await fetchAll<{ id: string }>(testApp.http, `/v1/statements?${range}&limit=${limit}`);
        expect(paged.map((statement) => statement.id), `${range}&limit=${limit}`).toEqual(whole);
      }
    }
  });
});

describe("GET /v1/statements/{id}", () => {
  it("links Iran's denial, its admission and Zelensky's reply into one chain", async () => {
    const accusation = StatementSchema.parse(
      (await testApp.http().get("/v1/statements/st-ukraine-accuses-iran-of-supplying-drones").expect(200)).body,
    );
    expect(accusation.speaker.id).toBe("ukraine");
    expect(accusation.respondedBy).toEqual(["st-iran-admits-sending-drones", "st-iran-denies-supplying-drones"]);
    const admission = (await testApp.http().get("/v1/statements/st-iran-admits-sending-drones").expect(200)).body;
    expect(admission).toMatchObject({ kind: "admission", respondsTo: ["st-ukraine-accuses-iran-of-supplying-drones"] });
    expect(admission.respondedBy).toEqual(["st-zelensky-calls-iran-admission-a-lie"]);
    const reply = (await testApp.http().get("/v1/statements/st-zelensky-calls-iran-admission-a-lie").expect(200)).body;
    expect(reply).toMatchObject({ kind: "rebuttal", speaker: { id: "volodymyr-zelensky" }, about: [{ id: "iran" }] });
  });

  it("keeps a verbatim quote word for word in its excerpt", async () => {
    const quote = (await testApp.http().get("/v1/statements/st-kirby-drones-attack-energy").expect(200)).body;
    expect(quote.quoteType).toBe("verbatim");
    expect(quote.evidence[0].excerpt).toContain(quote.text);
  });

  it("answers an unknown id with a 404 problem", async () => {
    await testApp.http().get("/v1/statements/st-nothing").expect(404).expect("content-type", /application\/problem\+json/);
  });
});
