import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActorListSchema, ActorSchema } from "../src/modules/actors/actors.schemas.ts";
import { fetchAll } from "./helpers/crawl.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

const ids = (body: { data: { id: string }[] }) => body.data.map((item) => item.id);

describe("GET /v1/actors", () => {
  it("lists every actor of the article, ordered by name, in the documented shape", async () => {
    const response = await testApp.http().get("/v1/actors?limit=100").expect(200).expect("content-type", /application\/json/);
    ActorListSchema.parse(response.body);
    expect(response.body.data).toHaveLength(31);
    const names = response.body.data.map((actor: { name: string }) => actor.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(response.body.page).toEqual({ nextCursor: null, next: null });
  });

  it("filters by type, repeated types meaning OR", async () => {
    const places = await testApp.http().get("/v1/actors?type=place&limit=100").expect(200);
    expect(ids(places.body).sort()).toEqual(["asia", "bakhmut", "donbas", "middle-east", "odesa", "southern-ukraine"]);
    const both = await testApp.http().get("/v1/actors?type=place&type=armed_force&limit=100").expect(200);
    expect(ids(both.body)).toContain("ukrainian-air-force");
    expect(both.body.data).toHaveLength(7);
  });

  it("finds an actor by any spelling: id, canonical name or alias, in any case", async () => {
    for (const name of ["odesa", "Odessa", "ODESA", "odessa"]) {
      const response = await testApp.http().get("/v1/actors").query({ name }).expect(200);
      expect(ids(response.body), name).toEqual(["odesa"]);
    }
    for (const name of ["Ibrahim Raisi", "ebrahim raisi", "Raisi"]) {
      const response = await testApp.http().get("/v1/actors").query({ name }).expect(200);
      expect(ids(response.body), name).toEqual(["ebrahim-raisi"]);
    }
    const apostrophe = await testApp.http().get("/v1/actors").query({ name: "Ukraine's Air Force" }).expect(200);
    expect(ids(apostrophe.body)).toEqual(["ukrainian-air-force"]);
  });

  it("filters by country", async () => {
    const response = await testApp.http().get("/v1/actors?country=US&limit=100").expect(200);
    expect(ids(response.body).sort()).toEqual(["john-kirby", "us-national-security-council"]);
  });

  it("rejects an unknown actor name instead of returning an empty list", async () => {
    const response = await testApp.http().get("/v1/actors?name=Atlantis").expect(400).expect("content-type", /application\/problem\+json/);
    expect(response.body.errors).toEqual([{ field: "query.name", message: expect.stringContaining("Atlantis") }]);
  });

  it("pages through every actor exactly once whatever the page size", async () => {
    for (const limit of [1, 2, 7, 30]) {
      const actors = await fetchAll<{ id: string }>(testApp.http, `/v1/actors?limit=${limit}`);
      expect(actors.map((actor) => actor.id).sort(), `limit=${limit}`).toEqual(
        [...new Set(actors.map((actor) => actor.id))].sort(),
      );
      expect(actors, `limit=${limit}`).toHaveLength(31);
    }
  });
});

describe("GET /v1/actors/{id}", () => {
  it("gives John Kirby's role: spokesman of the US National Security Council, of the United States", async () => {
    const response = await testApp.http().get("/v1/actors/john-kirby").expect(200);
    const kirby = ActorSchema.parse(response.body);
    expect(kirby).toMatchObject({
      type: "person",
      name: "John Kirby",
      country: { id: "united-states", name: "United States", type: "state" },
      roles: [{ title: "Spokesman", organisation: { id: "us-national-security-council", type: "government_body" } }],
    });
    expect(kirby.roles[0]!.evidence[0]!.excerpt).toBe("US National Security Council spokesman John Kirby");
    const council = await testApp.http().get("/v1/actors/us-national-security-council").expect(200);
    expect(council.body.country).toEqual({ id: "united-states", name: "United States", type: "state" });
  });

  it("keeps the source's spelling as an alias of the canonical name", async () => {
    const odesa = (await testApp.http().get("/v1/actors/odesa").expect(200)).body;
    expect(odesa).toMatchObject({ name: "Odesa", aliases: ["Odessa"], placeKind: "city", parent: { id: "ukraine" } });
    expect(odesa.evidence[0].excerpt).toContain("Odessa");
    const bakhmut = (await testApp.http().get("/v1/actors/bakhmut").expect(200)).body;
    expect(bakhmut.parent).toEqual({ id: "donbas", name: "Donbas", type: "place" });
  });

  it("answers an unknown id with a 404 problem", async () => {
    const response = await testApp.http().get("/v1/actors/atlantis").expect(404).expect("content-type", /application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 404, title: "Not Found", instance: "/v1/actors/atlantis" });
  });
});
