import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderOpenApiYaml } from "../src/openapi.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

const committed = readFileSync(new URL("../openapi.yaml", import.meta.url), "utf8");

/** A response, or the shared one it refers to (`#/components/responses/…`). */
function resolved(document: object, response: { $ref?: string; content?: Record<string, unknown> }): { content?: Record<string, unknown> } {
  if (!response.$ref) return response;
  return response.$ref.slice(2).split("/").reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], document) as { content?: Record<string, unknown> };
}

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  responses?: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
}

describe("the OpenAPI document", () => {
  it("committed openapi.yaml matches the zod schemas (run `npm run openapi` after changing them)", async () => {
    expect(await renderOpenApiYaml()).toBe(committed);
  });

  it("is served at /openapi.json, the same document as the committed file", async () => {
    const response = await testApp.http().get("/openapi.json").expect(200);
    expect(response.body).toEqual(parse(committed));
    expect(response.body.openapi).toBe("3.1.0");
  });

  it("gives every operation an operationId, tags, a summary and typed responses", () => {
    const document = parse(committed) as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ name: `${method} ${path}`, operation })),
    );
    // 16 reads of facts and sources; sources' writes (2); API keys (4); claims and evidence (5); per fact resource
    // create, edit, delete, add a claim and history (4 × 5); the actor merge; the change feed and its stream (2);
    // webhook subscriptions (5); imports of the air-attack tallies and the weapons reference (2); the lists' exports:
    // CSV and NDJSON of five lists, GeoJSON of actors and attack events (12).
    expect(operations.length).toBe(16 + 2 + 4 + 5 + 4 * 5 + 1 + 2 + 5 + 2 + 12);
    const operationIds = operations.map(({ operation }) => operation.operationId);
    expect(new Set(operationIds).size).toBe(operations.length);
    for (const { name, operation } of operations) {
      expect(operation.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      expect(operation.tags?.length, name).toBeGreaterThan(0);
      expect(operation.summary, name).toBeTruthy();
      const success = ["200", "201", "204"].find((status) => operation.responses?.[status]);
      expect(success, name).toBeDefined();
      // One media type each, so that a generated client types `data` as it: JSON, but for the change feed's live
      // stream (Server-Sent Events) and the exports, each at a path of its own (`/v1/statements.csv`).
      const exported = /\.(csv|ndjson|geojson)$/.exec(name)?.[1];
      const mediaType = operation.operationId === "streamChanges" ? "text/event-stream"
        : exported ? { csv: "text/csv", ndjson: "application/x-ndjson", geojson: "application/geo+json" }[exported]
        : "application/json";
      if (exported) expect(operation.operationId, name).toMatch(/^export[A-Z]\w+(Csv|Ndjson|Geojson)$/);
      if (success !== "204") expect(Object.keys(operation.responses?.[success!]?.content ?? {}), name).toEqual([mediaType]);
      // A redirect (a list asked for an export, a merged actor) says where.
      if (operation.responses?.["308"]) expect(Object.keys((operation.responses["308"] as { headers?: object }).headers ?? {}), name).toContain("Location");
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) >= 400) expect(Object.keys(resolved(document, response).content ?? {}), `${name} ${status}`).toEqual(["application/problem+json"]);
      }
    }
  });

  it("has a docs page", async () => {
    const page = await testApp.http().get("/docs/").redirects(1).expect(200);
    expect(page.text).toContain("swagger-ui");
  });
});
