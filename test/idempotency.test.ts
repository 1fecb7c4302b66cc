import type { ZodTypeProvider } from "@fastify/type-provider-zod";
import type supertest from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { notFound } from "../src/lib/problem.ts";
import { ProblemSchema } from "../src/modules/common/common.schemas.ts";
import { type AuthTestApp, startAuthApp } from "./helpers/auth-app.ts";

let testApp: AuthTestApp;
let adminKey: string;
let writeKey: string;
let otherWriteKey: string;
// How many times the test write routes' handler ran, per `name` in the body.
const calls = new Map<string, number>();
const WAIT_MS = 1_500;

beforeAll(async () => {
  testApp = await startAuthApp({
    idempotencyWaitMs: WAIT_MS,
    routes: async (v1) => {
      const app = v1.withTypeProvider<ZodTypeProvider>();
      const failedOnce = new Set<string>();
      // The idempotent write the tests use, and the same write at a second path (a different request).
      for (const [url, operationId] of [["/test/writes", "testWrite"], ["/test/other-writes", "testOtherWrite"]] as const) {
        app.post(url, {
          config: { scope: "write" },
          schema: {
            operationId,
            tags: ["test"],
            summary: "A write whose outcome the body chooses",
            body: z.strictObject({
              name: z.string(),
              tags: z.array(z.string()).optional(),
              delayMs: z.number().int().optional(),
              outcome: z.enum(["ok", "fail-once", "not-found"]).default("ok"),
              large: z.boolean().optional(),
            }),
            response: {
              201: z.object({ name: z.string(), tags: z.array(z.string()).optional(), call: z.number(), padding: z.string().optional() }),
              400: ProblemSchema,
            },
          },
          handler: async (request, reply) => {
            const { name, tags, delayMs, outcome, large } = request.body;
            const call = (calls.get(name) ?? 0) + 1;
            calls.set(name, call);
            if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
            if (outcome === "fail-once" && !failedOnce.has(name)) {
              failedOnce.add(name);
              throw new Error("a bug, this once");
            }
            if (outcome === "not-found") throw notFound(`Nothing called "${name}".`);
            return reply
              .code(201)
              .header("location", `/v1${url}/${encodeURIComponent(name)}/${call}`)
              .send({ name, tags, call, ...(large ? { padding: "drone ".repeat(2_000) } : {}) });
          },
        });
      }
    },
  });
  adminKey = await testApp.newKey(["admin", "write"]);
  writeKey = await testApp.newKey(["write"]);
  otherWriteKey = await testApp.newKey(["write"]);
});
afterAll(() => testApp?.close());

function post(path: string, body: unknown, { key = adminKey, idempotencyKey }: { key?: string; idempotencyKey?: string } = {}) {
  const request = testApp.http().post(path).set("authorization", `Bearer ${key}`);
  if (idempotencyKey !== undefined) request.set("idempotency-key", idempotencyKey);
  return typeof body === "string" ? request.set("content-type", "application/json").send(body) : request.send(body as object);
}

async function keyCount(): Promise<number> {
  return (await testApp.apiKeys.list()).length;
}

async function storedRows(where: string, params: unknown[] = []): Promise<number> {
  const [row] = await testApp.database.sql.query<{ rows: number }>(`SELECT count(*)::int AS rows FROM idempotency_keys WHERE ${where}`, params);
  return row!.rows;
}

function expectProblem(response: supertest.Response, status: number) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  return ProblemSchema.parse(response.body);
}

function expectReplay(first: supertest.Response, repeat: supertest.Response) {
  expect(repeat.status).toBe(first.status);
  expect(repeat.text).toBe(first.text);
  expect(repeat.headers["content-type"]).toBe(first.headers["content-type"]);
  expect(repeat.headers.location).toBe(first.headers.location);
  expect(repeat.headers["idempotent-replayed"]).toBe("true");
  expect(first.headers["idempotent-replayed"]).toBeUndefined();
}

describe("a repeat of a request with the same Idempotency-Key", () => {
  it("gets the first response again, marked Idempotent-Replayed, and does nothing twice", async () => {
    const body = { name: "replayed", tags: ["drones"] };
    const first = await post("/v1/test/writes", body, { idempotencyKey: "write-replayed" });
    expect(first.status, first.text).toBe(201);
    const repeat = await post("/v1/test/writes", body, { idempotencyKey: "write-replayed" });
    expectReplay(first, repeat);
    expect(repeat.headers.location).toBe("/v1/test/writes/replayed/1");
    expect(calls.get("replayed")).toBe(1);
  });

  it("is the same request whatever the order of the body's keys or its whitespace", async () => {
    const first = await post("/v1/test/writes", '{"name":"canonical","tags":["drones"]}', { idempotencyKey: "write-canonical" });
    expect(first.status, first.text).toBe(201);
    const repeat = await post("/v1/test/writes", '{ "tags": [ "drones" ],\n  "name": "canonical" }', { idempotencyKey: "write-canonical" });
    expectReplay(first, repeat);
    expect(calls.get("canonical")).toBe(1);
  });

  it("is refused with 422 when the body, path or query differs", async () => {
    const body = { name: "original", tags: ["drones"] };
    await post("/v1/test/writes", body, { idempotencyKey: "write-original" }).expect(201);
    for (const different of [
      post("/v1/test/writes", { ...body, name: "changed" }, { idempotencyKey: "write-original" }),
      post("/v1/test/writes", { ...body, tags: ["drones", "missiles"] }, { idempotencyKey: "write-original" }),
      post("/v1/test/writes?again=1", body, { idempotencyKey: "write-original" }),
      post("/v1/test/other-writes", body, { idempotencyKey: "write-original" }),
    ]) {
      const problem = expectProblem(await different, 422);
      expect(problem.type).toBe("/problems/unprocessable-content");
      expect(problem.detail).toContain("Idempotency-Key");
    }
    // None of them ran.
    expect(calls.get("original")).toBe(1);
    expect(calls.get("changed")).toBeUndefined();
  });

  it("sent 20 times at once runs once and gets 20 identical responses", async () => {
    const body = { name: "twenty at once", tags: ["drones", "missiles"] };
    const responses = await Promise.all(Array.from({ length: 20 }, () => post("/v1/test/writes", body, { idempotencyKey: "write-parallel" })));
    expect(calls.get("twenty at once")).toBe(1);
    const statuses = responses.map((response) => response.status);
    expect(statuses, responses.find((response) => response.status !== 201)?.text).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((response) => response.text)).size).toBe(1);
    expect(responses.filter((response) => response.headers["idempotent-replayed"] === "true").length).toBe(19);
    expect(await storedRows("key = 'write-parallel'")).toBe(1);
  });

  it("sent 20 times at once to a slow write runs it once; the other 19 wait for its response", async () => {
    const body = { name: "slow twenty", delayMs: 200 };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "slow-twenty" })),
    );
    expect(calls.get("slow twenty")).toBe(1);
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((response) => response.text)).size).toBe(1);
    expect(responses.filter((response) => response.headers["idempotent-replayed"] === "true").length).toBe(19);
  });

  it("waits for the first response while the first request is still being handled", async () => {
    const body = { name: "slow", delayMs: 300 };
    const [first, repeat] = await Promise.all([
      post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "slow" }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "slow" })),
    ]);
    expect(first.status, first.text).toBe(201);
    expectReplay(first, repeat);
    expect(calls.get("slow")).toBe(1);
  });

  it("is a 409 when the first request is still being handled after the wait", async () => {
    // Far longer than the wait, so that a loaded machine cannot make the first one finish in time.
    const body = { name: "too slow", delayMs: WAIT_MS + 3_000 };
    const [first, repeat] = await Promise.all([
      post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "too-slow" }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "too-slow" })),
    ]);
    expect(first.status).toBe(201);
    const problem = expectProblem(repeat, 409);
    expect(problem.type).toBe("/problems/conflict");
    expect(repeat.headers["retry-after"]).toBeDefined();
    expect(calls.get("too slow")).toBe(1);
  });
});

describe("what is stored for replay", () => {
  it("not a 5xx: the retry runs again, and its response is the one replayed", async () => {
    const body = { name: "flaky", outcome: "fail-once" };
    expectProblem(await post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "flaky" }), 500);
    const retry = await post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "flaky" });
    expect(retry.status, retry.text).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
    expect(calls.get("flaky")).toBe(2);
    expectReplay(retry, await post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "flaky" }));
    expect(calls.get("flaky")).toBe(2);
  });

  it("a 4xx the handler answered is replayed like a success", async () => {
    const body = { name: "missing", outcome: "not-found" };
    const first = await post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "missing" });
    expectProblem(first, 404);
    expectReplay(first, await post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "missing" }));
    expect(calls.get("missing")).toBe(1);
  });

  it("nothing for a request that failed validation: fixed, it runs under the same key", async () => {
    expectProblem(await post("/v1/test/writes", { name: "fixed", outcome: "explode" }, { idempotencyKey: "fix-me" }), 400);
    expect(calls.get("fixed")).toBeUndefined();
    const fixed = await post("/v1/test/writes", { name: "fixed", outcome: "ok" }, { idempotencyKey: "fix-me" });
    expect(fixed.status, fixed.text).toBe(201);
    expect(fixed.headers["idempotent-replayed"]).toBeUndefined();
    expect(calls.get("fixed")).toBe(1);
  });

  it("the uncompressed body, whatever encoding the client accepts", async () => {
    const body = { name: "large", large: true };
    const first = await post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "large" }).set("accept-encoding", "gzip");
    expect(first.status).toBe(201);
    expect(first.headers["content-encoding"]).toBe("gzip");
    const repeat = await post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "large" }).set("accept-encoding", "identity");
    expectReplay(first, repeat);
    expect(repeat.body.padding).toHaveLength(12_000);
  });

  it("for 24 hours: after that the key can be used again", async () => {
    await post("/v1/test/writes", { name: "yesterday" }, { idempotencyKey: "expiring" }).expect(201);
    // Ageing a row needs SQL: the API cannot move time.
    await testApp.database.sql.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'expiring'");
    const today = await post("/v1/test/writes", { name: "today" }, { idempotencyKey: "expiring" });
    expect(today.status, today.text).toBe(201);
    expect(today.body.name).toBe("today");
    expect(today.headers["idempotent-replayed"]).toBeUndefined();
  });
});

describe("Idempotency-Key itself", () => {
  it("is scoped to the API key: another key's identical request is a request of its own", async () => {
    const body = { name: "per key" };
    const mine = await post("/v1/test/writes", body, { key: writeKey, idempotencyKey: "shared-key" });
    const theirs = await post("/v1/test/writes", body, { key: otherWriteKey, idempotencyKey: "shared-key" });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.call).not.toBe(mine.body.call);
    expect(theirs.headers["idempotent-replayed"]).toBeUndefined();
    expectReplay(theirs, await post("/v1/test/writes", body, { key: otherWriteKey, idempotencyKey: "shared-key" }));
    expect(calls.get("per key")).toBe(2);
  });

  it("is at most 255 characters: longer (or empty) is a 400 naming headers.idempotency-key", async () => {
    for (const key of ["k".repeat(256), ""]) {
      const problem = expectProblem(await post("/v1/test/writes", { name: "long" }, { idempotencyKey: key }), 400);
      expect(problem.errors?.map((error) => error.field)).toEqual(["headers.idempotency-key"]);
    }
    expect(calls.get("long")).toBeUndefined();
    await post("/v1/test/writes", { name: "long" }, { idempotencyKey: "k".repeat(255) }).expect(201);
  });

  it("is optional: without one, every request runs", async () => {
    const body = { name: "no key" };
    const [first, second] = [await post("/v1/test/writes", body), await post("/v1/test/writes", body)];
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.call).not.toBe(first.body.call);
    expect(calls.get("no key")).toBe(2);
  });
});

describe("a route that opts out with config: { idempotent: false }", () => {
  it("POST /v1/api-keys, whose response carries a secret, ignores the header and never stores the key", async () => {
    const before = await keyCount();
    const body = { name: "not replayed", scopes: ["write"] };
    const responses = [];
    // A repeat runs again; even a header the idempotent routes refuse (too long) is ignored.
    for (const idempotencyKey of ["create-secret", "create-secret", "k".repeat(256)]) {
      const response = await post("/v1/api-keys", body, { idempotencyKey });
      expect(response.status, response.text).toBe(201);
      expect(response.headers["idempotent-replayed"]).toBeUndefined();
      expect(response.body.key).toMatch(/^wf_/);
      responses.push(response);
    }
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(3);
    expect(new Set(responses.map((response) => response.body.key)).size).toBe(3);
    expect(await keyCount()).toBe(before + 3);
    expect(await storedRows("key = 'create-secret' OR key = $1", ["k".repeat(256)])).toBe(0);
    expect(await storedRows("response_body LIKE '%wf\\_%'")).toBe(0);
    for (const { body: created } of responses) expect(await storedRows("position($1 in response_body) > 0", [created.key])).toBe(0);
  });
});
