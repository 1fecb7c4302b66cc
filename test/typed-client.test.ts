import createClient from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { components, paths } from "./generated/warfacts-api.d.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// A partner's client: types generated from openapi.yaml by openapi-typescript (`npm run openapi`, and
// before every `npm run typecheck`), calls made by openapi-fetch over a real loopback port. A change to
// the document that breaks what a partner wrote here breaks `npm run typecheck`, and so the build.

// The default client, as a partner writes it: every success response documents one media type (a
// list's exports are operations of their own), so `data` is the page, never `| string`.
type Problem = components["schemas"]["Problem"];

const BBC = "bbc-2022-12-10-iran-russia-main-military-backer";

let testApp: TestApp;
let client: ReturnType<typeof createClient<paths>>;
beforeAll(async () => {
  testApp = await startTestApp();
  const address = await testApp.app.listen({ host: "127.0.0.1", port: 0 });
  client = createClient<paths>({ baseUrl: address });
});
afterAll(() => testApp?.close());

describe("a client generated from openapi.yaml", () => {
  it("lists statements, with filters typed as the document says, and reads the page", async () => {
    const { data, error, response } = await client.GET("/v1/statements", {
      params: { query: { speaker: ["john-kirby"], limit: 2, count: true } },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    const first: string = data!.data[0]!.id;
    expect(first).toMatch(/^st-/);
    expect(data!.data).toHaveLength(2);
    expect(data!.total).toBeGreaterThanOrEqual(2);
    expect(data!.page.nextCursor === null || typeof data!.page.nextCursor === "string").toBe(true);
  });

  it("exports statements as CSV, typed as text", async () => {
    const { data, error, response } = await client.GET("/v1/statements.csv", {
      params: { query: { speaker: ["john-kirby"], fields: ["text"] } },
      parseAs: "text",
    });
    expect(error).toBeUndefined();
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const csv: string = data!;
    const [header, ...rows] = csv.replace(/^\uFEFF/, "").trim().split("\n");
    expect(header).toBe("id,text");
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });

  it("reads a statement, its speaker and its evidence", async () => {
    const { data } = await client.GET("/v1/statements/{id}", { params: { path: { id: "st-kirby-main-military-base" } } });
    expect(data!.id).toBe("st-kirby-main-military-base");
    expect(data!.speaker?.name).toBe("John Kirby");
    const excerpt: string | undefined = data!.evidence?.[0]?.excerpt;
    expect(excerpt).toBeTruthy();
  });

  it("searches", async () => {
    const { data } = await client.GET("/v1/search", { params: { query: { q: "drones", limit: 3 } } });
    expect(data!.data.length).toBeGreaterThan(0);
    const kinds = data!.data.map((hit) => hit.type);
    expect(kinds.length).toBe(data!.data.length);
  });

  it("gets a 404 typed as a problem", async () => {
    const { data, error, response } = await client.GET("/v1/actors/{id}", { params: { path: { id: "no-such-actor" } } });
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    const problem: Problem = error!;
    expect(problem.status).toBe(404);
    expect(problem.type).toBe("/problems/not-found");
    expect(problem.detail).toContain("no-such-actor");
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it("writes with an API key", async () => {
    const { bearer } = await createKey(testApp, ["write"]);
    const { data, error, response } = await client.POST("/v1/actors", {
      headers: { authorization: bearer },
      params: { header: { "idempotency-key": "typed-client-sam-hancock" } },
      body: { id: "sam-hancock", type: "person", name: "Sam Hancock", evidence: ["Sam Hancock"], sourceId: BBC },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(data!.id).toBe("sam-hancock");
    expect(data!.sourceCount).toBe(1);

    const refused = await client.POST("/v1/actors", {
      params: { header: { "idempotency-key": "typed-client-no-key" } },
      body: { id: "elsa-maishman", type: "person", name: "Elsa Maishman", evidence: ["Elsa Maishman"], sourceId: BBC },
    });
    expect(refused.response.status).toBe(401);
    expect(refused.error!.status).toBe(401);
  });
});
