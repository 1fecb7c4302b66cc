import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActorSchema } from "../src/modules/actors/actors.schemas.ts";
import { StatementListSchema, StatementSchema } from "../src/modules/statements/statements.schemas.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

describe("fields= (sparse fieldsets)", () => {
  it("keeps only the asked fields and the id in every list item", async () => {
    const response = await testApp.http().get("/v1/statements?speaker=kirby&fields=text,said&limit=100").expect(200);
    StatementListSchema.parse(response.body);
    expect(response.body.data).toHaveLength(7);
    for (const item of response.body.data) expect(Object.keys(item).sort()).toEqual(["id", "said", "text"]);
    expect(response.body.page).toEqual({ nextCursor: null, next: null });
  });

  it("takes repeated or comma-separated values, on details too", async () => {
    const repeated = await testApp.http().get("/v1/attack-events/ae-2022-12-10-southern-ukraine-drones?fields=launched&fields=intercepted").expect(200);
    const commas = await testApp.http().get("/v1/attack-events/ae-2022-12-10-southern-ukraine-drones?fields=launched,intercepted").expect(200);
    expect(repeated.body).toEqual(commas.body);
    expect(Object.keys(repeated.body).sort()).toEqual(["id", "intercepted", "launched"]);
    expect(repeated.body.launched.value).toBe(15);
  });

  it("keeps paging links working", async () => {
    const first = await testApp.http().get("/v1/actors?fields=name&limit=2").expect(200);
    expect(first.body.page.next).toContain("fields=name");
    const second = await testApp.http().get(first.body.page.next).expect(200);
    expect(Object.keys(second.body.data[0]).sort()).toEqual(["id", "name"]);
  });

  it("narrows exports too", async () => {
    const csv = await testApp.http().get("/v1/sanctions.csv?fields=reason").expect(200);
    expect(csv.text.replace(/^\uFEFF/, "").split("\n")[0]).toBe("id,reason");
  });

  it("narrows sources too: the text only where it is asked for", async () => {
    const list = await testApp.http().get("/v1/sources?fields=title,publishedOn").expect(200);
    expect(list.body.data).toEqual([
      {
        id: "bbc-2022-12-10-iran-russia-main-military-backer",
        title: "Ukraine-Russia war: US says Iran is now Russia’s ‘main military backer’",
        publishedOn: "2022-12-10",
      },
    ]);
    const detail = await testApp.http().get("/v1/sources/bbc-2022-12-10-iran-russia-main-military-backer?fields=publisher").expect(200);
    expect(detail.body).toEqual({ id: "bbc-2022-12-10-iran-russia-main-military-backer", publisher: "BBC News" });
    await testApp.http().get("/v1/sources?fields=text").expect(400);
    await testApp.http().get("/v1/sources?include=actors").expect(400);
  });

  it("rejects a field that is not in the allow-list", async () => {
    const response = await testApp.http().get("/v1/statements?fields=text,secret").expect(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual(["query.fields"]);
    await testApp.http().get("/v1/actors/iran?fields=").expect(400);
  });
});

describe("include= (embedded related records)", () => {
  it("embeds every referenced actor once, in full, under included.actors", async () => {
    const response = await testApp.http().get("/v1/statements?speaker=kirby&include=speaker,about&limit=100").expect(200);
    const actors = response.body.included.actors.map((actor: unknown) => ActorSchema.parse(actor));
    expect(actors.map((actor: { id: string }) => actor.id)).toEqual(["iran", "john-kirby", "russia", "ukraine"]);
    expect(actors.find((actor: { id: string }) => actor.id === "john-kirby").roles[0].title).toBe("Spokesman");
    // Items keep their stubs: include never changes an item's shape.
    expect(response.body.data[0].speaker).toEqual({ id: "john-kirby", name: "John Kirby", type: "person" });
  });

  it("embeds the statements a statement answers, and the sources", async () => {
    const response = await testApp.http().get("/v1/statements/st-zelensky-calls-iran-admission-a-lie?include=respondsTo,sources").expect(200);
    expect(response.body.included.statements.map((statement: unknown) => StatementSchema.parse(statement).id)).toEqual([
      "st-iran-admits-sending-drones",
    ]);
    expect(response.body.included.sources.map((source: { id: string }) => source.id)).toEqual([
      "bbc-2022-12-10-iran-russia-main-military-backer",
    ]);
    expect(response.body.text).toBe("This was a lie, and more Iranian drones were used.");
  });

  it("embeds attack event places and sanction targets", async () => {
    const event = await testApp.http().get("/v1/attack-events?place=odesa&include=places,impacts").expect(200);
    expect(event.body.included.actors.map((actor: { id: string }) => actor.id)).toEqual(["odesa", "southern-ukraine", "volodymyr-zelensky"]);
    const sanctions = await testApp.http().get("/v1/sanctions?include=targets").expect(200);
    expect(sanctions.body.included.actors.map((actor: { id: string }) => actor.id)).toEqual(["iranian-morality-police"]);
  });

  it("combines with fields", async () => {
    const response = await testApp.http().get("/v1/actors/john-kirby?fields=name&include=organisations").expect(200);
    expect(Object.keys(response.body).sort()).toEqual(["id", "included", "name"]);
    expect(response.body.included.actors.map((actor: { id: string }) => actor.id)).toEqual(["us-national-security-council"]);
  });

  it("rejects unknown relations, and include on exports", async () => {
    const unknown = await testApp.http().get("/v1/sanctions?include=victims").expect(400);
    expect(unknown.body.errors[0].field).toBe("query.include");
    const exported = await testApp.http().get("/v1/sanctions?format=csv&include=targets").expect(400);
    expect(exported.body.errors[0].field).toBe("query.include");
  });
});
