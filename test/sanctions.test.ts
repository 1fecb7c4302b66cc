import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SanctionListSchema, SanctionSchema } from "../src/modules/sanctions/sanctions.schemas.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

const ids = (body: { data: { id: string }[] }) => body.data.map((item) => item.id);

describe("GET /v1/sanctions", () => {
  it("lists both Australian packages", async () => {
    const response = await testApp.http().get("/v1/sanctions").expect(200);
    SanctionListSchema.parse(response.body);
    expect(ids(response.body).sort()).toEqual(["sa-australia-iran-drone-suppliers", "sa-australia-iran-protest-crackdown"]);
  });

  it("answers who sanctioned whom over drones", async () => {
    const response = await testApp.http().get("/v1/sanctions?authority=Australia&actor=ukraine").expect(200);
    expect(response.body.data).toHaveLength(1);
    const [sanction] = response.body.data;
    expect(sanction).toMatchObject({
      authority: { id: "australia", name: "Australia" },
      reason: "Supplying Russia with drones for use against Ukraine",
      status: "announced",
      announced: { date: "2022-12-10", precision: "day", wording: "on Saturday" },
      targets: [],
    });
    expect(sanction.targetGroups.map((group: { kind: string; count: { value: number } }) => [group.kind, group.count.value])).toEqual([
      ["individual", 3],
      ["company", 1],
    ]);
  });

  it("finds a package by a named target, under any of its names", async () => {
    const response = await testApp.http().get("/v1/sanctions?target=Iranian%20vice%20police").expect(200);
    expect(ids(response.body)).toEqual(["sa-australia-iran-protest-crackdown"]);
  });

  it("filters by status and announcement date", async () => {
    expect((await testApp.http().get("/v1/sanctions?status=lifted").expect(200)).body.data).toEqual([]);
    expect((await testApp.http().get("/v1/sanctions?to=2022-12-09").expect(200)).body.data).toEqual([]);
    expect((await testApp.http().get("/v1/sanctions?from=2022-12-10&to=2022-12-10").expect(200)).body.data).toHaveLength(2);
  });
});

describe("GET /v1/sanctions/{id}", () => {
  it("counts the unnamed targets and names the one the article names", async () => {
    const sanction = SanctionSchema.parse((await testApp.http().get("/v1/sanctions/sa-australia-iran-protest-crackdown").expect(200)).body);
    expect(sanction.targets).toEqual([{ id: "iranian-morality-police", name: "Guidance Patrol", type: "government_body" }]);
    expect(sanction.targetGroups).toMatchObject([
      { kind: "individual", count: { value: 19, qualifier: "exact", disputed: false }, description: "other individuals", sourceCount: 1 },
      { kind: "institution", count: { value: 2, qualifier: "exact" } },
    ]);
    expect(sanction.about.map((actor) => actor.id).sort()).toEqual(["iran", "mahsa-amini"]);
    expect(sanction.evidence.find((excerpt) => excerpt.field === null)?.excerpt).toContain("Mahsa Amini");
  });

  it("answers an unknown id with a 404 problem", async () => {
    await testApp.http().get("/v1/sanctions/sa-none").expect(404).expect("content-type", /application\/problem\+json/);
  });
});
