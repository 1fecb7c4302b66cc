import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

async function ids(path: string): Promise<string[]> {
  const response = await testApp.http().get(path);
  expect(response.status, `${path}: ${JSON.stringify(response.body).slice(0, 300)}`).toBe(200);
  return response.body.data.map((item: { id: string }) => item.id).sort();
}

async function fields(path: string): Promise<string[]> {
  const response = await testApp.http().get(path).expect(400).expect("content-type", /application\/problem\+json/);
  return response.body.errors.map((error: { field: string }) => error.field);
}

const SOURCE = "bbc-2022-12-10-iran-russia-main-military-backer";

describe("shared filters", () => {
  it("from/to take dates or date-times, whose calendar date bounds the facts", async () => {
    expect(await ids("/v1/attack-events?from=2022-12-10T23:59:59Z")).toEqual(["ae-2022-12-10-southern-ukraine-drones"]);
    expect(await ids("/v1/attack-events?to=2022-10-17T00:00:00%2B03:00")).toEqual(["ae-2022-10-17-kamikaze-drone-attacks"]);
    expect(await fields("/v1/attack-events?from=2022-12-10T25:00:00Z")).toEqual(["query.from"]);
  });

  it("source keeps the facts a source backs", async () => {
    expect(await ids(`/v1/sanctions?source=${SOURCE}`)).toHaveLength(2);
    expect(await ids("/v1/sanctions?source=another-source")).toEqual([]);
  });

  it("updatedSince keeps what changed at or after an instant, for incremental sync", async () => {
    expect(await ids("/v1/statements?updatedSince=2000-01-01T00:00:00Z&limit=100")).toHaveLength(26);
    expect(await ids("/v1/statements?updatedSince=2999-01-01T00:00:00Z")).toEqual([]);
    expect(await fields("/v1/statements?updatedSince=yesterday")).toEqual(["query.updatedSince"]);
  });

  it("count=true adds the total matching the filters, across pages", async () => {
    const response = await testApp.http().get("/v1/statements?speaker=john-kirby&limit=2&count=true").expect(200);
    expect(response.body.total).toBe(7);
    expect(response.body.data).toHaveLength(2);
    const second = await testApp.http().get(response.body.page.next).expect(200);
    expect(second.body.total).toBe(7);
    const plain = await testApp.http().get("/v1/statements?limit=2").expect(200);
    expect(plain.body).not.toHaveProperty("total");
    expect(await fields("/v1/statements?count=yes")).toEqual(["query.count"]);
  });
});

describe("statement filters", () => {
  it("quoted=true keeps verbatim quotes only", async () => {
    expect(await ids("/v1/statements?quoted=true&limit=100")).toEqual([
      "st-cleverly-russia-supports-iranian-regime",
      "st-kirby-drones-attack-energy",
      "st-kirby-eager-to-cooperate",
      "st-kirby-main-military-base",
      "st-wong-drone-supply-evidence",
      "st-wong-supporters-face-consequences",
    ]);
    expect(await ids("/v1/statements?quoted=false&limit=100")).toHaveLength(20);
  });

  it("respondsTo finds the answers to a statement", async () => {
    expect(await ids("/v1/statements?respondsTo=st-ukraine-accuses-iran-of-supplying-drones")).toEqual([
      "st-iran-admits-sending-drones",
      "st-iran-denies-supplying-drones",
    ]);
    expect(await ids("/v1/statements?respondsTo=st-kirby-main-military-base")).toEqual(["st-cleverly-iran-main-military-backer"]);
  });
});

describe("sanction filters", () => {
  it("reason matches words of the reason, case-insensitively, with % taken literally", async () => {
    expect(await ids("/v1/sanctions?reason=DRONES")).toEqual(["sa-australia-iran-drone-suppliers"]);
    expect(await ids("/v1/sanctions?reason=mahsa%20amini")).toEqual(["sa-australia-iran-protest-crackdown"]);
    expect(await ids("/v1/sanctions?reason=%25")).toEqual([]);
  });
});

describe("attack event filters", () => {
  it("place includes events in the places inside a region", async () => {
    expect(await ids("/v1/attack-events?place=Donbas")).toEqual(["ae-donbas-bakhmut-fighting"]);
    expect(await ids("/v1/attack-events?place=ukraine")).toEqual([
      "ae-2022-12-10-southern-ukraine-drones",
      "ae-donbas-bakhmut-fighting",
    ]);
  });

  it("weapon and minLaunched", async () => {
    expect(await ids("/v1/attack-events?weapon=kamikaze")).toEqual(["ae-2022-10-17-kamikaze-drone-attacks"]);
    expect(await ids("/v1/attack-events?minLaunched=15")).toEqual(["ae-2022-12-10-southern-ukraine-drones"]);
    expect(await ids("/v1/attack-events?minLaunched=16")).toEqual([]);
    expect(await fields("/v1/attack-events?minLaunched=-1")).toEqual(["query.minLaunched"]);
  });

  it("bbox keeps events with a place inside the box", async () => {
    expect(await ids("/v1/attack-events?bbox=29,45,32,47")).toEqual(["ae-2022-12-10-southern-ukraine-drones"]);
    expect(await ids("/v1/attack-events?bbox=37,48,39,49")).toEqual(["ae-donbas-bakhmut-fighting"]);
    expect(await ids("/v1/attack-events?bbox=0,0,1,1")).toEqual([]);
    for (const bbox of ["1,2,3", "a,b,c,d", "10,0,5,1", "0,0,200,1", "0,50,1,40", "0,,1,1"]) {
      expect(await fields(`/v1/attack-events?bbox=${bbox}`), bbox).toEqual(["query.bbox"]);
    }
  });
});

describe("actor filters", () => {
  it("wikidata finds an actor by its item id", async () => {
    expect(await ids("/v1/actors?wikidata=Q212")).toEqual(["ukraine"]);
    expect(await ids("/v1/actors?wikidata=Q212&wikidata=Q159")).toEqual(["russia", "ukraine"]);
    expect(await fields("/v1/actors?wikidata=212")).toEqual(["query.wikidata"]);
  });

  it("places carry reference coordinates where they are points", async () => {
    const odesa = (await testApp.http().get("/v1/actors/odesa").expect(200)).body;
    expect(odesa.coordinates).toEqual({ latitude: 46.4825, longitude: 30.7233 });
    const donbas = (await testApp.http().get("/v1/actors/donbas").expect(200)).body;
    expect(donbas.coordinates).toBeNull();
  });
});
