import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchAll } from "./helpers/crawl.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

const LISTS = ["/v1/actors", "/v1/statements", "/v1/sanctions", "/v1/attack-events", "/v1/sources"];

function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, bom: true, skip_empty_lines: true });
}

describe("CSV", () => {
  it.each(LISTS)("%s?format=csv has one row per item, and parses back to the JSON values", async (path) => {
    const items = await fetchAll<Record<string, unknown>>(testApp.http, `${path}?limit=100`);
    const response = await testApp.http().get(`${path}?format=csv`).expect(200);
    expect(response.headers["content-type"]).toBe("text/csv; charset=utf-8");
    const rows = parseCsv(response.text);
    expect(rows.map((row) => row.id)).toEqual(items.map((item) => item.id));
    expect(Object.keys(rows[0]!).every((header) => !header.includes("[]"))).toBe(true);
  });

  it("quotes commas, quotes and line breaks, and flattens nested values predictably", async () => {
    const response = await testApp.http().get("/v1/statements?format=csv&speaker=john-kirby").set("Accept", "application/json").expect(200);
    const rows = parseCsv(response.text);
    const quote = rows.find((row) => row.id === "st-kirby-eager-to-cooperate")!;
    expect(quote.text).toBe("Russia is eager to cooperate with Iran in areas such as weapons development and training,");
    expect(quote["speaker.name"]).toBe("John Kirby");
    expect(quote["said.date"]).toBe("2022-12-09");
    expect(quote["about.id"]).toBe("iran; russia");
    expect(quote["evidence.excerpt"]).toBe(
      "“Russia is eager to cooperate with Iran in areas such as weapons development and training,” he said; Speaking on Friday, Mr. Kirby said",
    );
    const event = parseCsv((await testApp.http().get("/v1/attack-events?format=csv&minLaunched=1").expect(200)).text)[0]!;
    expect(event).toMatchObject({ "launched.value": "15", "intercepted.value": "10", "impacts.peopleAffected.qualifier": "more_than" });
  });

  it("is chosen by Accept: text/csv too", async () => {
    const response = await testApp.http().get("/v1/sanctions").set("Accept", "text/csv").expect(200);
    expect(parseCsv(response.text)).toHaveLength(2);
  });
});

describe("NDJSON", () => {
  it.each(LISTS)("%s streams every item, one JSON object per line, without paging", async (path) => {
    const items = await fetchAll<Record<string, unknown>>(testApp.http, `${path}?limit=100`);
    const response = await testApp.http().get(path).set("Accept", "application/x-ndjson").buffer(true).parse((res, done) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      res.on("end", () => done(null, text));
    }).expect(200);
    expect(response.headers["content-type"]).toBe("application/x-ndjson; charset=utf-8");
    const lines = (response.body as string).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(items.length);
    expect(lines.map((line) => JSON.parse(line))).toEqual(items);
  });

  it("honours filters and starts after a cursor", async () => {
    const first = await testApp.http().get("/v1/statements?limit=20").expect(200);
    const rest = await testApp.http().get(`/v1/statements?format=ndjson&cursor=${first.body.page.nextCursor}`).buffer(true)
      .parse((res, done) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        res.on("end", () => done(null, text));
      })
      .expect(200);
    expect((rest.body as string).trim().split("\n")).toHaveLength(6);
  });
});

describe("GeoJSON", () => {
  it("gives attack events as features at their places' coordinates", async () => {
    const response = await testApp.http().get("/v1/attack-events?format=geojson").expect(200);
    expect(response.headers["content-type"]).toBe("application/geo+json; charset=utf-8");
    const collection = JSON.parse(response.text);
    expect(collection.type).toBe("FeatureCollection");
    // The October attacks have no place in the source: they cannot be on a map.
    expect(collection.features.map((feature: { id: string }) => feature.id)).toEqual([
      "ae-2022-12-10-southern-ukraine-drones",
      "ae-donbas-bakhmut-fighting",
    ]);
    for (const feature of collection.features) {
      expect(feature.type).toBe("Feature");
      expect(["Point", "MultiPoint"]).toContain(feature.geometry.type);
      const positions = feature.geometry.type === "Point" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
      for (const [longitude, latitude] of positions) {
        expect(longitude).toBeGreaterThanOrEqual(-180);
        expect(longitude).toBeLessThanOrEqual(180);
        expect(latitude).toBeGreaterThanOrEqual(-90);
        expect(latitude).toBeLessThanOrEqual(90);
      }
    }
    expect(collection.features[0].geometry).toEqual({ type: "Point", coordinates: [30.7233, 46.4825] });
    expect(collection.features[0].properties).toMatchObject({ launched: 15, intercepted: 10, date: "2022-12-10" });
  });

  it("gives places with coordinates as points, by Accept too", async () => {
    const response = await testApp.http().get("/v1/actors").set("Accept", "application/geo+json").expect(200);
    const collection = JSON.parse(response.text);
    expect(collection.features.map((feature: { id: string }) => feature.id)).toEqual(["bakhmut", "odesa"]);
  });

  it("is not offered where there is nothing to map", async () => {
    const response = await testApp.http().get("/v1/statements?format=geojson").expect(400);
    expect(response.body.errors[0].field).toBe("query.format");
  });
});

describe("negotiation", () => {
  it("answers JSON to browsers and to */*", async () => {
    for (const accept of ["*/*", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"]) {
      const response = await testApp.http().get("/v1/sources").set("Accept", accept).expect(200);
      expect(response.headers["content-type"], accept).toMatch(/^application\/json/);
    }
  });

  it("prefers the higher q-value", async () => {
    const response = await testApp.http().get("/v1/sanctions").set("Accept", "application/json;q=0.5, text/csv").expect(200);
    expect(response.headers["content-type"]).toMatch(/^text\/csv/);
  });

  it("answers 406 with a problem when nothing acceptable is available", async () => {
    const response = await testApp.http().get("/v1/actors").set("Accept", "image/png").expect(406);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.body.detail).toContain("text/csv");
  });
});
