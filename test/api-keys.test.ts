import { createHash } from "node:crypto";
import type { ZodTypeProvider } from "@fastify/type-provider-zod";
import type supertest from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ProblemSchema } from "../src/modules/common/common.schemas.ts";
import { type AuthTestApp, startAuthApp } from "./helpers/auth-app.ts";

let testApp: AuthTestApp;
let adminKey: string;
let writeKey: string;

beforeAll(async () => {
  testApp = await startAuthApp({
    routes: async (v1) => {
      const app = v1.withTypeProvider<ZodTypeProvider>();
      // A write route, and a documented public one, beside the admin-only api-keys routes.
      app.post("/test/writes", {
        config: { scope: "write" },
        schema: { operationId: "testWrite", tags: ["test"], summary: "Test write", body: z.object({}).loose(), response: { 201: z.object({ ok: z.boolean() }) } },
        handler: async (_request, reply) => reply.code(201).send({ ok: true }),
      });
      app.get("/test/public", {
        schema: { operationId: "testPublic", tags: ["test"], summary: "Test read", response: { 200: z.object({ ok: z.boolean() }) } },
        handler: async () => ({ ok: true }),
      });
    },
  });
  adminKey = await testApp.newKey(["admin"]);
  writeKey = await testApp.newKey(["write"]);
});
afterAll(() => testApp?.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const KEY_FORMAT = /^wf_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/;

function expectProblem(response: supertest.Response, status: number) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(response.body);
  expect(problem.status).toBe(status);
  return problem;
}

async function createKey(body: object, key = adminKey) {
  return testApp.http().post("/v1/api-keys").set(bearer(key)).send(body);
}

describe("creating a key shows it once, and keeps only its hash", () => {
  it("answers 201 with the key, its id and a Location", async () => {
    const response = await createKey({ name: "newsdesk", scopes: ["write", "write", "sources:text"] });
    expect(response.status, response.text).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(["createdAt", "id", "key", "name", "scopes"]);
    expect(response.body).toMatchObject({ name: "newsdesk", scopes: ["write", "sources:text"] });
    expect(response.body.key).toMatch(KEY_FORMAT);
    expect(response.body.key.slice(3, 15)).toBe(response.body.id);
    expect(response.headers.location).toBe(`/v1/api-keys/${response.body.id}`);
    const fetched = await testApp.http().get(response.headers.location!).set(bearer(adminKey)).expect(200);
    expect(fetched.body).toEqual({ id: response.body.id, name: "newsdesk", scopes: ["write", "sources:text"], createdAt: response.body.createdAt, revokedAt: null, lastUsedAt: null });
  });

  it("stores the SHA-256 of the key, never the key or its secret", async () => {
    const { body } = await createKey({ name: "hash check", scopes: ["write"] });
    const [row] = await testApp.database.sql.query<{ secret_hash: string }>("SELECT secret_hash FROM api_keys WHERE id = $1", [body.id]);
    const secret = body.key.slice(16);
    expect(row!.secret_hash).not.toBe(body.key);
    expect(row!.secret_hash).not.toContain(secret);
    expect(row!.secret_hash).toBe(createHash("sha256").update(body.key).digest("hex"));
  });

  it("never lists a key, a secret or a hash", async () => {
    const { body: created } = await createKey({ name: "listed", scopes: ["admin"] });
    const hashes = (await testApp.database.sql.query<{ secret_hash: string }>("SELECT secret_hash FROM api_keys")).map((row) => row.secret_hash);
    const list = await testApp.http().get("/v1/api-keys").set(bearer(adminKey)).expect(200);
    expect(list.body.page).toEqual({ nextCursor: null, next: null });
    expect(list.body.data.length).toBe(hashes.length);
    for (const item of list.body.data) expect(Object.keys(item).sort()).toEqual(["createdAt", "id", "lastUsedAt", "name", "revokedAt", "scopes"]);
    expect(list.body.data.map((item: { id: string }) => item.id)).toContain(created.id);
    for (const secret of [created.key, created.key.slice(16), adminKey, ...hashes]) expect(list.text).not.toContain(secret);
  });

  it("rejects bad bodies with 400 naming the field", async () => {
    const cases: Array<[object, string]> = [
      [{ name: "x", scopes: ["root"] }, "body.scopes.0"],
      [{ name: "x", scopes: [] }, "body.scopes"],
      [{ scopes: ["write"] }, "body.name"],
      [{ name: "  ", scopes: ["write"] }, "body.name"],
      [{ name: "x", scopes: ["write"], secret: "mine" }, "body.secret"],
    ];
    for (const [body, field] of cases) {
      const problem = expectProblem(await createKey(body), 400);
      expect(problem.errors?.map((error) => error.field), JSON.stringify(body)).toEqual([field]);
    }
  });

  it("records when a key was last used, at most once a minute", async () => {
    const { body } = await createKey({ name: "used", scopes: ["write"] });
    const lastUsed = async () => (await testApp.apiKeys.findById(body.id))!.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await testApp.http().get("/v1/test/public").set(bearer(body.key)).expect(200);
    const first = await lastUsed();
    expect(first).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await testApp.http().get("/v1/test/public").set(bearer(body.key)).expect(200);
    expect(await lastUsed()).toBe(first);
  });
});

describe("revoking a key", () => {
  it("stops it at once; revoking again is fine; an unknown id is 404", async () => {
    const { body } = await createKey({ name: "to revoke", scopes: ["admin"] });
    await testApp.http().get("/v1/api-keys").set(bearer(body.key)).expect(200);
    const revoked = await testApp.http().delete(`/v1/api-keys/${body.id}`).set(bearer(adminKey)).expect(204);
    expect(revoked.text).toBe("");
    expectProblem(await testApp.http().get("/v1/api-keys").set(bearer(body.key)), 401);
    const { revokedAt } = (await testApp.apiKeys.findById(body.id))!;
    expect(revokedAt).not.toBeNull();
    await testApp.http().delete(`/v1/api-keys/${body.id}`).set(bearer(adminKey)).expect(204);
    expect((await testApp.apiKeys.findById(body.id))!.revokedAt).toBe(revokedAt);
    const list = await testApp.http().get("/v1/api-keys").set(bearer(adminKey)).expect(200);
    expect(list.body.data.find((item: { id: string }) => item.id === body.id).revokedAt).toBe(revokedAt);

    expect(expectProblem(await testApp.http().delete("/v1/api-keys/nosuchkey234").set(bearer(adminKey)), 404).detail).toContain("nosuchkey234");
    expectProblem(await testApp.http().get("/v1/api-keys/nosuchkey234").set(bearer(adminKey)), 404);
  });
});

describe("authentication and scopes", () => {
  // Well-formed, but no key has this secret.
  const unknownKey = `wf_${"a".repeat(12)}_${"B".repeat(43)}`;

  it("asks for a key when there is none (401 with WWW-Authenticate)", async () => {
    for (const request of [testApp.http().get("/v1/api-keys"), testApp.http().post("/v1/test/writes").send({})]) {
      const response = await request;
      const problem = expectProblem(response, 401);
      expect(problem.type).toBe("/problems/unauthorized");
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="warfacts"');
    }
    expect(expectProblem(await testApp.http().get("/v1/api-keys"), 401).detail).toContain('"admin" scope');
  });

  it.each([
    ["a key without Bearer", unknownKey],
    ["Basic credentials", "Basic dXNlcjpwYXNz"],
    ["Bearer and nothing", "Bearer"],
    ["Bearer and spaces", "Bearer   "],
    ["two tokens", "Bearer a b"],
    ["a token of another shape", "Bearer not-a-warfacts-key"],
    ["a truncated key", "Bearer wf_abc_def"],
    ["a huge token", `Bearer wf_${"a".repeat(12)}_${"x".repeat(8000)}`],
    ["an empty header", ""],
    ["an unknown key", `Bearer ${unknownKey}`],
  ])("refuses %s with 401, never a 500", async (_name, header) => {
    for (const path of ["/v1/api-keys", "/v1/test/public"]) {
      const response = await testApp.http().get(path).set("authorization", header);
      const problem = expectProblem(response, 401);
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="warfacts", error="invalid_token"');
      expect(problem.type).toBe("/problems/unauthorized");
      if (header.length > 20) expect(response.text).not.toContain(header.slice(-20));
    }
  });

  it("refuses a revoked key, on protected and public routes alike", async () => {
    const { body } = await createKey({ name: "revoked", scopes: ["admin", "write"] });
    await testApp.http().delete(`/v1/api-keys/${body.id}`).set(bearer(adminKey)).expect(204);
    for (const request of [
      testApp.http().get("/v1/api-keys").set(bearer(body.key)),
      testApp.http().post("/v1/test/writes").set(bearer(body.key)).send({}),
      testApp.http().get("/v1/test/public").set(bearer(body.key)),
    ]) {
      expect(expectProblem(await request, 401).detail).not.toContain(body.key);
    }
  });

  it("forbids a key without the scope (403 naming the scope)", async () => {
    const response = await testApp.http().get("/v1/api-keys").set(bearer(writeKey));
    const problem = expectProblem(response, 403);
    expect(problem.type).toBe("/problems/forbidden");
    expect(problem.detail).toContain('"admin" scope');
    expect(response.headers["www-authenticate"]).toBe('Bearer realm="warfacts", error="insufficient_scope", scope="admin"');
    expect(expectProblem(await testApp.http().post("/v1/test/writes").set(bearer(adminKey)).send({}), 403).detail).toContain('"write" scope');
  });

  it("lets a key with the scope through", async () => {
    await testApp.http().get("/v1/api-keys").set(bearer(adminKey)).expect(200);
    await testApp.http().post("/v1/test/writes").set(bearer(writeKey)).send({}).expect(201);
    await testApp.http().post("/v1/test/writes").set("authorization", `bearer  ${writeKey}`).send({}).expect(201);
  });

  it("keeps reads public: no key, or any live key, reads", async () => {
    for (const headers of [{}, bearer(writeKey), bearer(adminKey)]) await testApp.http().get("/v1/test/public").set(headers).expect(200);
  });

  it("explains its problem types", async () => {
    await testApp.http().get("/problems/unauthorized").expect(200, /401/);
    await testApp.http().get("/problems/forbidden").expect(200, /403/);
  });
});

describe("the OpenAPI document", () => {
  interface Operation {
    security?: unknown;
    description?: string;
    parameters?: Array<{ in: string; name: string }>;
    responses: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
  }

  it("has a bearer scheme, and puts it on the operations that need a key", async () => {
    const { body: document } = await testApp.http().get("/openapi.json").expect(200);
    // Problems are shared responses (`#/components/responses/…`).
    const resolved = (response?: { $ref?: string; content?: Record<string, unknown> }) =>
      response?.$ref ? (document.components.responses[response.$ref.split("/").pop()!] as { content?: Record<string, unknown> }) : response;
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const operation = (method: string, url: string) => document.paths[url][method] as Operation;
    const create = operation("post", "/v1/api-keys");
    expect(create.security).toEqual([{ bearerAuth: ["admin"] }]);
    for (const status of ["201", "400", "401", "403"]) expect(Object.keys(resolved(create.responses[status])?.content ?? {}), status).toEqual([status === "201" ? "application/json" : "application/problem+json"]);
    // Its response carries a secret, so it opts out of Idempotency-Key: no header, no 409 or 422.
    expect(create.parameters?.map((parameter) => parameter.name) ?? []).not.toContain("idempotency-key");
    for (const status of ["409", "422"]) expect(Object.keys(create.responses)).not.toContain(status);
    expect(create.description).toContain("`Idempotency-Key` is not supported");
    const revoke = operation("delete", "/v1/api-keys/{id}");
    expect(revoke.security).toEqual([{ bearerAuth: ["admin"] }]);
    expect(revoke.responses["204"]?.content).toBeUndefined();
    expect(Object.keys(revoke.responses)).toEqual(expect.arrayContaining(["401", "403", "404"]));
    expect(Object.keys(revoke.responses)).not.toContain("422");
    const write = operation("post", "/v1/test/writes");
    expect(write.security).toEqual([{ bearerAuth: ["write"] }]);
    expect(write.parameters?.find((parameter) => parameter.in === "header")?.name).toBe("idempotency-key");
    for (const status of ["409", "422"]) expect(Object.keys(resolved(write.responses[status])?.content ?? {}), status).toEqual(["application/problem+json"]);
    const read = operation("get", "/v1/test/public");
    // No scope of its own: the document's default, a key or none. A key sent with a read is still
    // checked, so the read documents the 401 of a bad one, and never a 403.
    expect(read.security).toBeUndefined();
    expect(document.security).toEqual([{}, { bearerAuth: [] }]);
    expect(read.responses["401"]).toEqual({ $ref: "#/components/responses/Unauthorized" });
    expect(Object.keys(read.responses)).not.toContain("403");
  });
});
