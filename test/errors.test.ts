import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemSchema } from "../src/modules/common/common.schemas.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

async function expectProblem(path: string, status: number, fields: string[] = []) {
  const response = await testApp.http().get(path);
  expect(response.status, path).toBe(status);
  expect(response.headers["content-type"], path).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(response.body);
  expect(problem.status).toBe(status);
  expect(problem.instance).toBe(path);
  expect((problem.errors ?? []).map((error) => error.field), path).toEqual(fields);
  return problem;
}

describe("bad input gets an RFC 9457 problem naming the field", () => {
  it.each([
    ["/v1/statements?limit=100000", "query.limit"],
    ["/v1/statements?limit=0", "query.limit"],
    ["/v1/statements?limit=ten", "query.limit"],
    ["/v1/statements?from=notadate", "query.from"],
    ["/v1/statements?to=2022-13-45", "query.to"],
    ["/v1/statements?from=2022-02-30", "query.from"],
    ["/v1/statements?from=0000-01-01", "query.from"],
    ["/v1/statements?kind=rumour", "query.kind"],
    ["/v1/attack-events?kind=drone", "query.kind"],
    ["/v1/actors?type=alien", "query.type"],
    ["/v1/sanctions?status=maybe", "query.status"],
    ["/v1/sources?language=English!", "query.language"],
    ["/v1/statements?cursor=not-a-cursor", "query.cursor"],
    ["/v1/statements?speaker=Nobody%20Known", "query.speaker"],
    ["/v1/attack-events?place=Atlantis", "query.place"],
    ["/v1/attack-events?attacker=Atlantis", "query.attacker"],
    ["/v1/attack-events?attacker=Atlantis&format=csv", "query.attacker"],
  ])("%s → 400 naming %s", async (path, field) => {
    const problem = await expectProblem(path, 400, [field]);
    expect(problem.detail.length).toBeGreaterThan(0);
  });

  it("rejects unknown parameters instead of ignoring them", async () => {
    await expectProblem("/v1/statements?speakr=kirby", 400, ["query.speakr"]);
    await expectProblem("/v1/actors?expand=roles&sort=name", 400, ["query.expand", "query.sort"]);
  });

  it("names every invalid field at once", async () => {
    await expectProblem("/v1/statements?limit=0&from=yesterday", 400, ["query.limit", "query.from"]);
  });

  it("answers unknown ids and routes with 404 problems", async () => {
    await expectProblem("/v1/actors/no-such-actor", 404);
    await expectProblem("/v1/nothing-here", 404);
    await expectProblem("/", 404);
  });

  it("gives each problem a type that the API explains", async () => {
    const problem = await expectProblem("/v1/statements?limit=0", 400, ["query.limit"]);
    expect(problem.type).toBe("/problems/invalid-request");
    const explained = await testApp.http().get(problem.type).expect(200);
    expect(explained.body).toMatchObject({ type: "/problems/invalid-request", status: 400, title: "Bad Request" });
    expect((await expectProblem("/v1/actors/nobody", 404)).type).toBe("/problems/not-found");
    await expectProblem("/problems/toString", 404);
  });

  it("answers a method a path does not have with 405 and Allow", async () => {
    const response = await testApp.http().put("/v1/actors/iran").send({}).expect(405);
    expect(response.headers.allow).toBe("DELETE, GET, HEAD, PATCH");
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect((await testApp.http().delete("/v1/statements").expect(405)).headers.allow).toBe("GET, HEAD, POST");
    expect((await testApp.http().post("/v1/search").send({}).expect(405)).headers.allow).toBe("GET, HEAD");
  });
});

describe("odd input never produces a 500", () => {
  const oddValues = ["'; drop table actors; --", "%", "%25%00", "\"quoted\"", "a".repeat(5000), "🚀", "\\", "null", "[]", "{}"];
  it.each(["speaker", "actor", "about", "cursor", "kind", "from", "limit"])("in query.%s", async (parameter) => {
    for (const value of oddValues) {
      const response = await testApp.http().get("/v1/statements").query({ [parameter]: value });
      expect(response.status, `${parameter}=${value.slice(0, 20)}`).toBe(400);
      expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    }
  });

  it("in path ids", async () => {
    for (const value of oddValues.filter((value) => value.length < 1000)) {
      const response = await testApp.http().get(`/v1/actors/${encodeURIComponent(value)}`);
      expect(response.status, value).toBe(404);
    }
    const tooLong = await testApp.http().get(`/v1/actors/${"a".repeat(300)}`);
    expect(tooLong.status).toBe(400);
  });

  it("in a cursor that decodes to the wrong shape", async () => {
    const forged = Buffer.from(JSON.stringify({ hello: "world" })).toString("base64url");
    await expectProblem(`/v1/statements?cursor=${forged}`, 400, ["query.cursor"]);
    for (const key of ["not-a-date", "2022-02-30", "0000-01-01", 5]) {
      const wrongType = Buffer.from(JSON.stringify([key, "x"])).toString("base64url");
      await expectProblem(`/v1/statements?cursor=${wrongType}`, 400, ["query.cursor"]);
    }
  });
});

describe("HTTP conventions", () => {
  it("echoes a client's X-Request-Id and generates one otherwise", async () => {
    const echoed = await testApp.http().get("/health").set("X-Request-Id", "trace-123").expect(200);
    expect(echoed.headers["x-request-id"]).toBe("trace-123");
    const generated = await testApp.http().get("/health").expect(200);
    expect(generated.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("allows browsers from any origin by default", async () => {
    const response = await testApp.http().get("/v1/actors").set("Origin", "https://newsroom.example").expect(200);
    expect(response.headers["access-control-allow-origin"]).toBe("*");
    const preflight = await testApp.http().options("/v1/actors").set("Origin", "https://newsroom.example").set("Access-Control-Request-Method", "GET");
    expect(preflight.status).toBe(204);
  });

  it("reports liveness and readiness", async () => {
    expect((await testApp.http().get("/health").expect(200)).body).toEqual({ status: "ok" });
    expect((await testApp.http().get("/ready").expect(200)).body).toEqual({ status: "ok", databases: [{ name: "primary", role: "primary", status: "up" }] });
  });
});
