import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttackEventListSchema, AttackEventSchema } from "../src/modules/attack-events/attack-events.schemas.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

const ids = (body: { data: { id: string }[] }) => body.data.map((item) => item.id);

describe("GET /v1/attack-events", () => {
  it("lists the three attacks in the order they happened, the undated one last", async () => {
    const response = await testApp.http().get("/v1/attack-events").expect(200);
    AttackEventListSchema.parse(response.body);
    expect(ids(response.body)).toEqual([
      "ae-2022-10-17-kamikaze-drone-attacks",
      "ae-2022-12-10-southern-ukraine-drones",
      "ae-donbas-bakhmut-fighting",
    ]);
  });

  it("filters by place, under the source's spelling too", async () => {
    const response = await testApp.http().get("/v1/attack-events?place=Odessa").expect(200);
    expect(ids(response.body)).toEqual(["ae-2022-12-10-southern-ukraine-drones"]);
  });

  it("filters by attacker, kind and date range", async () => {
    const byRussia = await testApp.http().get("/v1/attack-events?attacker=russia").expect(200);
    expect(ids(byRussia.body)).toEqual(["ae-2022-10-17-kamikaze-drone-attacks", "ae-donbas-bakhmut-fighting"]);
    const fighting = await testApp.http().get("/v1/attack-events?kind=ground_fighting").expect(200);
    expect(ids(fighting.body)).toEqual(["ae-donbas-bakhmut-fighting"]);
    const october = await testApp.http().get("/v1/attack-events?from=2022-10-01&to=2022-10-31").expect(200);
    expect(ids(october.body)).toEqual(["ae-2022-10-17-kamikaze-drone-attacks"]);
  });

  it("matches `actor` on whoever reported the counts", async () => {
    const response = await testApp.http().get("/v1/attack-events?actor=ukrainian-air-force").expect(200);
    expect(ids(response.body)).toEqual(["ae-2022-12-10-southern-ukraine-drones"]);
  });
});

describe("GET /v1/attack-events/{id}", () => {
  it("reports launched and intercepted drones, who counted them, and the outage with its qualifier", async () => {
    const event = AttackEventSchema.parse(
      (await testApp.http().get("/v1/attack-events/ae-2022-12-10-southern-ukraine-drones").expect(200)).body,
    );
    expect(event.occurred).toMatchObject({ date: "2022-12-10", precision: "part_of_day", wording: "early Saturday", disputed: false });
    expect(event.attacker).toBeNull();
    expect(event.launched).toMatchObject({ value: 15, qualifier: "exact", low: 15, high: 15, disputed: false });
    expect(event.intercepted).toMatchObject({ value: 10, qualifier: "exact" });
    expect(event.launched!.claims).toHaveLength(1);
    expect(event.launched!.claims[0]).toMatchObject({ value: 15, reportedBy: { id: "ukrainian-air-force" }, sourceId: expect.stringMatching(/^bbc-/) });
    expect(event.launched!.claims[0]!.evidence[0]).toMatchObject({ excerpt: "10 of 15 drones" });
    expect(event.evidence).toContainEqual(expect.objectContaining({ excerpt: "10 of 15 drones", field: "launched" }));
    expect(event.countsReportedBy?.id).toBe("ukrainian-air-force");
    expect(event.impacts).toHaveLength(1);
    expect(event.impacts[0]).toMatchObject({
      kind: "power_outage",
      place: { id: "odesa", name: "Odesa" },
      peopleAffected: { value: 1_500_000, qualifier: "more_than" },
      recoveryEstimate: { value: "several days", disputed: false },
      reportedBy: { id: "volodymyr-zelensky" },
    });
  });

  it("keeps casualties as worded where the source gives no number", async () => {
    const event = (await testApp.http().get("/v1/attack-events/ae-2022-10-17-kamikaze-drone-attacks").expect(200)).body;
    expect(event.casualties).toEqual({ killed: null, injured: null, wording: "deadly" });
    expect(event.occurred).toMatchObject({ date: "2022-10-17", precision: "day", wording: "on October 17" });
    const bakhmut = (await testApp.http().get("/v1/attack-events/ae-donbas-bakhmut-fighting").expect(200)).body;
    expect(bakhmut.occurred).toMatchObject({ date: null, precision: null, wording: "After months of deadly fighting" });
  });

  it("answers an unknown id with a 404 problem", async () => {
    await testApp.http().get("/v1/attack-events/ae-none").expect(404).expect("content-type", /application\/problem\+json/);
  });
});
