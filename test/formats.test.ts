import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchAll } from "./helpers/crawl.ts";
import { createKey } from "./helpers/keys.ts";
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

// Each list exports at paths of its own (`/v1/statements.csv`), one media type each; the list answers a
// request for an export (`format=`, `Accept`) with a 308 there.
const EXPORTS: [string, string][] = [
  ...LISTS.flatMap((path): [string, string][] => [[`${path}.csv`, "text/csv"], [`${path}.ndjson`, "application/x-ndjson"]]),
  ["/v1/actors.geojson", "application/geo+json"],
  ["/v1/attack-events.geojson", "application/geo+json"],
];

const asText = (request: ReturnType<ReturnType<TestApp["http"]>["get"]>) =>
  request.buffer(true).parse((res, done) => {
    let text = "";
    res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    res.on("end", () => done(null, text));
  });

describe("export paths", () => {
  it.each(EXPORTS)("%s answers %s only, as a named download", async (path, mediaType) => {
    const response = await asText(testApp.http().get(path)).expect(200);
    expect(response.headers["content-type"]).toBe(`${mediaType}; charset=utf-8`);
    const file = path.split("/").pop();
    expect(response.headers["content-disposition"]).toBe(`inline; filename="${file}"`);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers.etag).toBeUndefined();
    expect((response.body as string).length).toBeGreaterThan(0);
  });

  it.each(EXPORTS)("%s refuses an Accept without its media type: 406", async (path, mediaType) => {
    const response = await testApp.http().get(path).set("Accept", "application/json").expect(406);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.headers["content-disposition"]).toBeUndefined();
    expect(response.body.detail).toContain(`${mediaType} only`);
    expect(response.body.errors).toEqual([{ field: "headers.accept", message: `Accept one of ${mediaType}` }]);
  });

  it("takes what accepts its media type: none, */*, its type, its type's range", async () => {
    for (const accept of [undefined, "*/*", "text/csv", "text/*", "application/json;q=0.5, text/csv;q=0.1"]) {
      const request = testApp.http().get("/v1/sanctions.csv");
      const response = await (accept === undefined ? request.unset("Accept") : request.set("Accept", accept));
      expect(response.status, String(accept)).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^text\/csv/);
    }
  });

  it("takes the list's filters, and none of a JSON page's own parameters", async () => {
    for (const parameter of ["limit=5", "count=true", "format=csv", "include=targets"]) {
      const response = await testApp.http().get(`/v1/sanctions.csv?${parameter}`).expect(400);
      expect(response.body.errors[0], parameter).toEqual({ field: `query.${parameter.split("=")[0]}`, message: "Unknown parameter" });
    }
    expect((await testApp.http().get("/v1/statements.csv?speaker=Nobody%20Known").expect(400)).body.errors[0].field).toBe("query.speaker");
    expect((await testApp.http().get("/v1/statements.csv?from=2022-12-10&to=2022-12-09").expect(400)).body.errors.map((error: { field: string }) => error.field))
      .toEqual(["query.from", "query.to"]);
  });
});

describe("a list asked for an export redirects to its path", () => {
  it.each([
    ["/v1/statements?format=csv&speaker=john-kirby", "/v1/statements.csv?speaker=john-kirby"],
    ["/v1/statements?speaker=john-kirby&format=ndjson&kind=denial", "/v1/statements.ndjson?speaker=john-kirby&kind=denial"],
    ["/v1/attack-events?format=geojson&from=2022-12-01", "/v1/attack-events.geojson?from=2022-12-01"],
    ["/v1/actors?type=place&format=geojson", "/v1/actors.geojson?type=place"],
    ["/v1/sources?format=csv", "/v1/sources.csv"],
    // What only a JSON page takes is left out: exports never paged or counted.
    ["/v1/sanctions?limit=5&format=csv&count=true&fields=reason", "/v1/sanctions.csv?fields=reason"],
  ])("%s → 308 %s", async (path, location) => {
    const response = await testApp.http().get(path).redirects(0).expect(308);
    expect(response.headers.location).toBe(location);
    expect(response.headers.vary).toMatch(/\baccept\b/);
    expect(response.text).toBe("");
  });

  it.each([
    ["text/csv", "/v1/sanctions.csv?reason=drones"],
    ["text/*", "/v1/sanctions.csv?reason=drones"],
    ["application/x-ndjson", "/v1/sanctions.ndjson?reason=drones"],
    ["application/json;q=0.5, text/csv", "/v1/sanctions.csv?reason=drones"],
  ])("Accept: %s → 308 %s", async (accept, location) => {
    const response = await testApp.http().get("/v1/sanctions?reason=drones").set("Accept", accept).redirects(0).expect(308);
    expect(response.headers.location).toBe(location);
    expect(response.headers.vary).toMatch(/\baccept\b/);
  });

  it("and a client that follows it gets the export", async () => {
    const response = await testApp.http().get("/v1/sanctions").set("Accept", "text/csv").redirects(1).expect(200);
    expect(response.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(parseCsv(response.text)).toHaveLength(2);
  });

  it("stays JSON for format=json, whatever Accept prefers", async () => {
    const response = await testApp.http().get("/v1/statements?format=json&limit=2").set("Accept", "text/csv").expect(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(response.body.data).toHaveLength(2);
  });

  it("refuses include= with an export, as before, rather than redirect to a 400", async () => {
    const response = await testApp.http().get("/v1/sanctions?format=csv&include=targets").redirects(0).expect(400);
    expect(response.body.errors[0].field).toBe("query.include");
  });
});

describe("CSV", () => {
  it.each(LISTS)("%s.csv has one row per item, and parses back to the JSON values", async (path) => {
    const items = await fetchAll<Record<string, unknown>>(testApp.http, `${path}?limit=100`);
    const response = await testApp.http().get(`${path}.csv`).expect(200);
    expect(response.headers["content-type"]).toBe("text/csv; charset=utf-8");
    const rows = parseCsv(response.text);
    expect(rows.map((row) => row.id)).toEqual(items.map((item) => item.id));
    expect(Object.keys(rows[0]!).every((header) => !header.includes("[]"))).toBe(true);
  });

  it("quotes commas, quotes and line breaks, and flattens nested values predictably", async () => {
    const response = await testApp.http().get("/v1/statements.csv?speaker=john-kirby").expect(200);
    const rows = parseCsv(response.text);
    const quote = rows.find((row) => row.id === "st-kirby-eager-to-cooperate")!;
    expect(quote.text).toBe("Russia is eager to cooperate with Iran in areas such as weapons development and training,");
    expect(quote["speaker.name"]).toBe("John Kirby");
    expect(quote["said.date"]).toBe("2022-12-09");
    expect(quote["about.id"]).toBe("iran; russia");
    expect(quote["evidence.excerpt"]).toBe(
      "“Russia is eager to cooperate with Iran in areas such as weapons development and training,” he said; Speaking on Friday, Mr. Kirby said",
    );
    const event = parseCsv((await testApp.http().get("/v1/attack-events.csv?minLaunched=1").expect(200)).text)[0]!;
    expect(event).toMatchObject({ "launched.value": "15", "intercepted.value": "10", "impacts.peopleAffected.qualifier": "more_than" });
  });
});

describe("CSV quoting", () => {
  it("quotes a field with a straight quote, doubling it, and reads back as written", async () => {
    const key = (await createKey(testApp, ["write"], "csv-quotes")).bearer;
    const text = 'An invented test source. The group calls itself "Never, Ever" in its posts.';
    await testApp.http().post("/v1/sources").set("authorization", key).send({
      id: "csv-quotes-test", publisher: "Invented for tests", title: "Straight quotes", authors: [], publishedOn: "2022-12-11", language: "en", text,
    }).expect(201);
    const name = 'The "Never, Ever" group';
    await testApp.http().post("/v1/actors").set("authorization", key).send({
      id: "never-ever-group", sourceId: "csv-quotes-test", type: "organisation", name, evidence: ['calls itself "Never, Ever"'],
    }).expect(201);
    const csv = (await testApp.http().get("/v1/actors.csv?q=Never").expect(200)).text;
    expect(csv).toContain('"The ""Never, Ever"" group"');
    expect(parseCsv(csv).find((row) => row.id === "never-ever-group")!.name).toBe(name);
  });
});

describe("NDJSON", () => {
  it.each(LISTS)("%s.ndjson streams every item, one JSON object per line, without paging", async (path) => {
    const items = await fetchAll<Record<string, unknown>>(testApp.http, `${path}?limit=100`);
    const response = await asText(testApp.http().get(`${path}.ndjson`)).expect(200);
    expect(response.headers["content-type"]).toBe("application/x-ndjson; charset=utf-8");
    const lines = (response.body as string).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(items.length);
    expect(lines.map((line) => JSON.parse(line))).toEqual(items);
  });

  it("honours filters and starts after a cursor", async () => {
    const first = await testApp.http().get("/v1/statements?limit=20").expect(200);
    const rest = await asText(testApp.http().get(`/v1/statements.ndjson?cursor=${first.body.page.nextCursor}`)).expect(200);
    expect((rest.body as string).trim().split("\n")).toHaveLength(6);
    const kirby = await asText(testApp.http().get("/v1/statements.ndjson?speaker=john-kirby")).expect(200);
    const speakers = (kirby.body as string).trim().split("\n").map((line) => JSON.parse(line).speaker.id);
    expect(speakers.length).toBeGreaterThan(1);
    expect(new Set(speakers)).toEqual(new Set(["john-kirby"]));
  });
});

describe("GeoJSON", () => {
  it("gives attack events as features at their places' coordinates", async () => {
    const response = await testApp.http().get("/v1/attack-events.geojson").expect(200);
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

  it("gives places with coordinates as points, by Accept on the list too", async () => {
    const response = await testApp.http().get("/v1/actors").set("Accept", "application/geo+json").redirects(1).expect(200);
    const collection = JSON.parse(response.text);
    expect(collection.features.map((feature: { id: string }) => feature.id)).toEqual(["bakhmut", "odesa"]);
  });

  it("is not offered where there is nothing to map", async () => {
    const response = await testApp.http().get("/v1/statements?format=geojson").expect(400);
    expect(response.body.errors[0].field).toBe("query.format");
    await testApp.http().get("/v1/statements.geojson").expect(404);
    expectNotAcceptable(await testApp.http().get("/v1/statements").set("Accept", "application/geo+json").expect(406));
  });
});

function expectNotAcceptable(response: { headers: Record<string, string>; body: { detail: string } }) {
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(response.body.detail).toContain("text/csv");
}

describe("negotiation", () => {
  it("answers JSON to browsers and to */*", async () => {
    for (const accept of ["*/*", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"]) {
      const response = await testApp.http().get("/v1/sources").set("Accept", accept).expect(200);
      expect(response.headers["content-type"], accept).toMatch(/^application\/json/);
    }
  });

  it("answers 406 with a problem when nothing acceptable is available", async () => {
    expectNotAcceptable(await testApp.http().get("/v1/actors").set("Accept", "image/png").expect(406));
  });
});
