import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { validatorCompiler } from "@fastify/type-provider-zod";
import Fastify, { type FastifyInstance } from "fastify";
import type supertest from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCursor } from "../src/lib/cursor.ts";
import { sendExport } from "../src/lib/formats.ts";
import { ProblemSchema } from "../src/modules/common/common.schemas.ts";
import { errorsPlugin } from "../src/plugins/errors.ts";
import { httpCachePlugin } from "../src/plugins/http-cache.ts";
import { zodSerializerCompiler } from "../src/plugins/serializer.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// Issue 9, "Bad input must never be a 5xx": one describe per bullet, each through HTTP.

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

/** A 400-class problem as the API promises it: problem+json, a request id, and the fields named. */
function expectProblem(response: supertest.Response, status: number, fields: string[]) {
  const what = `${response.request.method} ${response.request.url}: ${response.text.slice(0, 300)}`;
  expect(response.status, what).toBe(status);
  expect(response.headers["content-type"], what).toMatch(/^application\/problem\+json/);
  expect(response.headers["x-request-id"], what).toBeTruthy();
  expect(response.headers["cache-control"], what).toBe("no-store");
  const problem = ProblemSchema.parse(response.body);
  expect(problem.status).toBe(status);
  expect((problem.errors ?? []).map((error) => error.field), what).toEqual(fields);
  return problem;
}

const get = (path: string) => testApp.http().get(path);

/** The nextCursor of the first page of `path` (limit=1), as a client has it. */
async function firstCursor(path: string): Promise<string> {
  const response = await get(`${path}${path.includes("?") ? "&" : "?"}limit=1`).expect(200);
  expect(response.body.page.nextCursor, path).toEqual(expect.any(String));
  return response.body.page.nextCursor as string;
}

/** A cursor of this API with its JSON changed: what someone who took it apart could send. */
function tamper(cursor: string, change: (parts: unknown[]) => unknown[]): string {
  const parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
  return Buffer.from(JSON.stringify(change(parts))).toString("base64url");
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("1. a NUL byte or a lone surrogate is a 400 naming the field, never PostgreSQL's 500", () => {
  it.each([
    ["/v1/statements?q=a%00b", "query.q"],
    ["/v1/actors/iran%00", "params.id"],
    ["/v1/sanctions?reason=a%00", "query.reason"],
    ["/v1/statements?speaker=iran%00&speaker=kirby", "query.speaker"],
    ["/v1/attack-events?weapon=drone%00", "query.weapon"],
    ["/v1/attack-events/stats?groupBy=month&place=%00", "query.place"],
    ["/v1/search?q=%00drones", "query.q"],
    ["/v1/sources/bbc%00", "params.id"],
    ["/v1/actors/iran%00/timeline", "params.id"],
    ["/v1/actors/iran/timeline?cursor=a%00", "query.cursor"],
    ["/v1/claims/1%00", "params.id"],
  ])("%s → 400 naming %s", async (path, field) => {
    const problem = expectProblem(await get(path), 400, [field]);
    expect(problem.detail).toContain("NUL");
  });

  it("inside a cursor, where the JSON can escape it", async () => {
    const cursor = await firstCursor("/v1/statements");
    for (const id of ["a\u0000b", "\ud800"]) {
      expectProblem(await get(`/v1/statements?cursor=${tamper(cursor, ([tag, key]) => [tag, key, id])}`), 400, ["query.cursor"]);
    }
  });

  it("in a JSON body, a lone surrogate as well as a NUL byte", async () => {
    const { bearer } = await createKey(testApp, ["write"]);
    const quoted = (await get("/v1/statements/st-kirby-main-military-base").expect(200)).body.evidence[0];
    // A statement that is valid in every other way, so that only the text stands between it and the database.
    const statement = (id: string, text: string) => ({
      id, sourceId: quoted.sourceId, speakerId: "john-kirby", kind: "claim", quoteType: "paraphrase", text, evidence: [quoted.excerpt],
    });
    for (const [id, text] of [["st-lone-surrogate", "Half a pair: \ud83d."], ["st-nul", "a\u0000b"]] as const) {
      const response = await testApp.http().post("/v1/statements").set("Authorization", bearer).send(statement(id, text));
      expectProblem(response, 400, ["body.text"]);
      await get(`/v1/statements/${id}`).expect(404);
    }
  });
});

describe("2. integer parameters: plain decimal digits, within the database's int4, given once", () => {
  it.each([
    ["/v1/attack-events?minLaunched=2147483648", "query.minLaunched"],
    ["/v1/attack-events/stats?groupBy=day&minLaunched=99999999999999999999", "query.minLaunched"],
    ["/v1/statements?minSources=1001", "query.minSources"],
    ["/v1/statements?minSources=1e1", "query.minSources"],
    ["/v1/search?q=drones&limit=101", "query.limit"],
  ])("%s → 400 naming %s", async (path, field) => {
    expectProblem(await get(path), 400, [field]);
  });

  it("the largest int4 is still a filter", async () => {
    const response = await get("/v1/attack-events?minLaunched=2147483647").expect(200);
    expect(response.body.data).toEqual([]);
    expect((await get("/v1/attack-events?minLaunched=015").expect(200)).body.data).toHaveLength(1);
  });

  it.each(["1e1", "0x10", "0b11", "0o7", " 5", "5 ", "5.0", "+5", "", "Infinity", "1_000"])("limit=%j → 400 on every list", async (value) => {
    for (const path of ["/v1/statements", "/v1/actors", "/v1/search?q=drones", "/v1/actors/iran/timeline"]) {
      const response = await testApp.http().get(path).query({ limit: value });
      const problem = expectProblem(response, 400, ["query.limit"]);
      expect(problem.errors![0]!.message).toMatch(/decimal integer/);
    }
  });

  it.each([
    ["/v1/statements?limit=5&limit=6", "query.limit"],
    ["/v1/actors/iran/timeline?limit=5&limit=5", "query.limit"],
    ["/v1/statements?q=drones&q=iran", "query.q"],
    ["/v1/statements?from=2022-01-01&from=2022-02-01", "query.from"],
    ["/v1/sanctions?count=true&count=false", "query.count"],
    ["/v1/attack-events?minLaunched=1&minLaunched=2", "query.minLaunched"],
    ["/v1/attack-events?format=csv&format=ndjson", "query.format"],
  ])("%s says the parameter may appear once", async (path, field) => {
    const problem = expectProblem(await get(path), 400, [field]);
    expect(problem.errors![0]!.message).toBe("May appear once; it was given 2 times");
  });

  it("repeatable parameters still take several values", async () => {
    await get("/v1/statements?kind=denial&kind=admission").expect(200);
  });
});

describe("3. `to` before `from` is a 400 naming both", () => {
  it.each([
    "/v1/statements",
    "/v1/sanctions",
    "/v1/attack-events",
    "/v1/sources",
    "/v1/statements/stats?groupBy=kind",
    "/v1/attack-events/stats?groupBy=month",
    "/v1/actors/iran/timeline",
  ])("%s", async (path) => {
    const range = "from=2022-12-10&to=2022-12-09";
    const problem = expectProblem(await get(`${path}${path.includes("?") ? "&" : "?"}${range}`), 400, ["query.from", "query.to"]);
    expect(problem.detail).toMatch(/after `to`/);
    // One day is a range; a date-time bound counts by its date.
    await get(`${path}${path.includes("?") ? "&" : "?"}from=2022-12-10&to=2022-12-10T00:00:00Z`).expect(200);
  });
});

describe("4. a cursor is read back only by the list that issued it", () => {
  const LISTS = ["/v1/actors", "/v1/statements", "/v1/sanctions", "/v1/attack-events", "/v1/sources", "/v1/actors/iran/timeline", "/v1/search?q=iran"];

  it("every list refuses every other list's cursor", async () => {
    const cursors = new Map<string, string>();
    for (const list of LISTS.filter((path) => path !== "/v1/sources")) cursors.set(list, await firstCursor(list));
    for (const [issuer, cursor] of cursors) {
      for (const list of LISTS.filter((path) => path !== issuer)) {
        const separator = list.includes("?") ? "&" : "?";
        expectProblem(await get(`${list}${separator}cursor=${cursor}`), 400, ["query.cursor"]);
      }
    }
    // Exports read the same cursors as their list's pages.
    const statements = cursors.get("/v1/statements")!;
    expectProblem(await get(`/v1/attack-events.geojson?cursor=${statements}`), 400, ["query.cursor"]);
    expectProblem(await get(`/v1/actors.csv?cursor=${statements}`), 400, ["query.cursor"]);
    await get(`/v1/statements.ndjson?cursor=${statements}`).expect(200);
  });

  it.each(LISTS)("%s refuses crafted cursors", async (list) => {
    const separator = list.includes("?") ? "&" : "?";
    const crafted = [
      base64url(["9999-99-99", "a"]),
      base64url(["2022-12-10", "st-kirby-main-military-base"]),
      base64url([null, "a"]),
      base64url({ key: "2022-12-10", id: "a" }),
      "garbage",
      "0",
      "eyJ", // truncated
      `${base64url(["2022-12-10", "a"])}==`,
    ];
    for (const cursor of crafted) expectProblem(await get(`${list}${separator}cursor=${cursor}`), 400, ["query.cursor"]);
  });

  it("refuses a real cursor with its key or id changed", async () => {
    const cursor = await firstCursor("/v1/statements");
    const forgeries = [
      tamper(cursor, ([tag, , id]) => [tag, "9999-99-99", id]),
      tamper(cursor, ([tag, , id]) => [tag, 20221210, id]),
      tamper(cursor, ([tag, key]) => [tag, key, ""]),
      tamper(cursor, ([tag, key]) => [tag, key, "x".repeat(5000)].slice(0, 3)),
      tamper(cursor, (parts) => [...parts, "extra"]),
      tamper(cursor, ([, key, id]) => ["another-list", key, id]),
    ];
    for (const forged of forgeries) expectProblem(await get(`/v1/statements?cursor=${forged}`), 400, ["query.cursor"]);
  });

  it.each(LISTS)("%s still pages every item exactly once", async (list) => {
    const separator = list.includes("?") ? "&" : "?";
    const all = (await get(`${list}${separator}limit=100`).expect(200)).body.data as { id: string; type?: string }[];
    const paged: typeof all = [];
    let next: string | null = `${list}${separator}limit=2`;
    while (next) {
      const page: supertest.Response = await get(next).expect(200);
      paged.push(...page.body.data);
      next = page.body.page.next;
    }
    const key = (item: { id: string; type?: string }) => `${item.type ?? ""}:${item.id}`;
    expect(paged.map(key)).toEqual(all.map(key));
  });
});

describe("5. exports validate before their first byte, and a failed export is never a cacheable 200", () => {
  it.each([
    "/v1/attack-events.geojson?cursor=garbage",
    "/v1/sanctions.csv?cursor=0",
    "/v1/statements.ndjson?cursor=garbage",
  ])("%s → a plain 400 problem", async (path) => {
    const response = await get(path).unset("Accept-Encoding");
    expectProblem(response, 400, ["query.cursor"]);
    expect(response.headers["content-disposition"]).toBeUndefined();
  });

  it.each(["gzip", "br", "gzip, deflate, br"])("a failed export with Accept-Encoding: %s is a problem clients can decode", async (encoding) => {
    for (const path of ["/v1/sanctions.csv?cursor=0", "/v1/attack-events.geojson?cursor=garbage"]) {
      // Raw bytes: a body labelled with an encoding it does not have fails here, as it does in curl --compressed.
      const raw = await rawGet(testApp.app, path, { "accept-encoding": encoding });
      expect(raw.status, path).toBe(400);
      expect(raw.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(raw.headers["content-disposition"]).toBeUndefined();
      expect(raw.headers["cache-control"]).toBe("no-store");
      const body = raw.headers["content-encoding"] === "gzip" ? gunzipSync(raw.body) : raw.body;
      expect(raw.headers["content-encoding"] ?? "identity").toMatch(/^(identity|gzip)$/);
      expect(ProblemSchema.parse(JSON.parse(body.toString("utf8"))).errors?.map((error) => error.field)).toEqual(["query.cursor"]);
      // And through supertest, which decodes what the headers announce.
      expectProblem(await get(path).set("Accept-Encoding", encoding), 400, ["query.cursor"]);
    }
  });

  it("a complete export is sent whole, and is not kept by caches either", async () => {
    const response = await get("/v1/attack-events.geojson").expect(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(JSON.parse(response.text).type).toBe("FeatureCollection");
  });

  describe("a database failing mid-export", () => {
    // The service's own export path (lib/formats.ts) and plugins, over a list whose second batch fails:
    // the database's failure cannot be arranged on demand on a real server and an embedded one alike.
    let failing: FastifyInstance;
    beforeAll(async () => {
      failing = Fastify({ logger: false });
      await failing.register(errorsPlugin);
      await failing.register(httpCachePlugin);
      failing.get("/v1/things", async (request, reply) => {
        const query = request.query as { format?: "csv" | "ndjson" | "geojson"; failAt?: string; fast?: string };
        const failAt = Number(query.failAt);
        return sendExport<{ id: string; text: string }>(request, reply, {
          name: "things",
          format: query.format ?? "csv",
          csvColumns: ["id"],
          toFeatures: async (items) => items.map((item) => ({ type: "Feature", id: item.id, geometry: null, properties: {} })),
          fetchPage: async (cursor, limit) => {
            const batch = cursor === undefined ? 0 : Number(JSON.parse(Buffer.from(cursor, "base64url").toString())[1]);
            // A later batch takes a database round trip: what was read before it is on the wire by then.
            if (batch > 0 && query.fast === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
            if (batch === failAt) throw Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
            const items = Array.from({ length: limit }, (_, index) => ({ id: `thing-${batch}-${index}`, text: "x".repeat(40) }));
            const nextCursor = batch < 3 ? encodeCursor({ key: "2022-12-10", id: String(batch + 1) }) : null;
            return { items, nextCursor };
          },
        });
      });
      await failing.listen({ port: 0, host: "127.0.0.1" });
    });
    afterAll(() => failing?.close());

    it.each(["csv", "ndjson", "geojson"])("%s: failing on the first batch is a 503 problem, not a 200", async (format) => {
      for (const encoding of ["identity", "gzip"]) {
        const raw = await rawGet(failing, `/v1/things?format=${format}&failAt=0`, { "accept-encoding": encoding });
        expect(raw.status).toBe(503);
        expect(raw.complete).toBe(true);
        expect(raw.headers["content-type"]).toMatch(/^application\/problem\+json/);
        expect(raw.headers["content-encoding"]).toBeUndefined();
        expect(raw.headers["content-disposition"]).toBeUndefined();
        expect(raw.headers["cache-control"]).toBe("no-store");
        expect(JSON.parse(raw.body.toString("utf8")).status).toBe(503);
      }
    });

    it.each(["csv", "ndjson", "geojson"])("%s: failing once streaming started, before a byte is written, is a problem without the export's headers", async (format) => {
      for (const encoding of ["identity", "gzip", "br"]) {
        const raw = await rawGet(failing, `/v1/things?format=${format}&failAt=1&fast`, { "accept-encoding": encoding });
        if (raw.status === 200) {
          expect(raw.complete).toBe(false);
          continue;
        }
        expect(raw.status).toBe(503);
        expect(raw.complete).toBe(true);
        expect(raw.headers["content-type"]).toMatch(/^application\/problem\+json/);
        expect(raw.headers["content-encoding"], `${format} ${encoding}`).toBeUndefined();
        expect(raw.headers["content-disposition"], `${format} ${encoding}`).toBeUndefined();
        expect(JSON.parse(raw.body.toString("utf8")).status).toBe(503);
      }
    });

    it.each(["csv", "ndjson", "geojson"])("%s: failing after the first byte aborts the response, which is never cacheable", async (format) => {
      for (const encoding of ["identity", "gzip"]) {
        const whole = await rawGet(failing, `/v1/things?format=${format}`, { "accept-encoding": encoding });
        expect(whole.status).toBe(200);
        expect(whole.complete, `${format} ${encoding} whole`).toBe(true);
        expect(whole.headers["cache-control"]).toBe("no-store");

        const cut = await rawGet(failing, `/v1/things?format=${format}&failAt=2`, { "accept-encoding": encoding });
        expect(cut.status).toBe(200);
        expect(cut.headers["cache-control"]).toBe("no-store");
        // The body never ends: no last chunk, so no client or cache can take it for the whole export.
        expect(cut.complete, `${format} ${encoding} cut`).toBe(false);
        expect(cut.body.length).toBeGreaterThan(0);
      }
    });
  });
});

describe("6. a problem stays small whatever the request", () => {
  it("lists 20 of 1,000 unknown parameters, with the count of the others", async () => {
    const query = Array.from({ length: 1000 }, (_, index) => `p${index}=1`).join("&");
    const response = await get(`/v1/statements?${query}`);
    const problem = expectProblem(response, 400, Array.from({ length: 20 }, (_, index) => `query.p${index}`));
    expect(response.body.errorsOmitted).toBe(980);
    expect(problem.detail).toContain("and 980 more");
    expect(Buffer.byteLength(response.text)).toBeLessThan(4096);
  });

  it("does not echo a 10 kB query in instance, detail or errors", async () => {
    const long = "drones".repeat(1700);
    const response = await testApp.http().get("/v1/statements").query({ q: long });
    const problem = expectProblem(response, 400, ["query.q"]);
    expect(problem.instance!.length).toBeLessThanOrEqual(512);
    expect(problem.instance!.startsWith("/v1/statements?q=drones")).toBe(true);
    expect(Buffer.byteLength(response.text)).toBeLessThan(2048);

    const name = "x".repeat(10_000);
    const unknown = await get(`/v1/actors?${name}=1`);
    const clipped = expectProblem(unknown, 400, [expect.stringMatching(/^query\.x+…$/) as unknown as string]);
    expect(clipped.errors![0]!.field.length).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(unknown.text)).toBeLessThan(4096);
  });
});

describe("7. every read negotiates Accept the same way", () => {
  const READS = [
    "/v1/statements",
    "/v1/statements/st-kirby-main-military-base",
    "/v1/actors/iran",
    "/v1/sources/bbc-2022-12-10-iran-russia-main-military-backer",
    "/v1/search?q=drones",
    "/v1/statements/stats?groupBy=kind",
    "/v1/attack-events/stats?groupBy=month",
    "/v1/actors/iran/timeline",
  ];

  it.each(READS)("Accept: application/xml → 406 on %s", async (path) => {
    const problem = expectProblem(await get(path).set("Accept", "application/xml"), 406, ["headers.accept"]);
    expect(problem.detail).toContain("application/json");
  });

  it.each(READS)("JSON for */*, application/*, application/json, application/problem+json and no Accept on %s", async (path) => {
    for (const accept of ["*/*", "application/*", "application/json", "application/problem+json", "application/xml;q=0.9, application/json;q=0.1", undefined]) {
      const request = get(path);
      const response = await (accept === undefined ? request.unset("Accept") : request.set("Accept", accept));
      expect(response.status, `${path} with ${accept}`).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
    }
  });

  it("a 406 is a problem of its own: not the item's ETag, never a 304", async () => {
    const path = "/v1/statements/st-kirby-main-military-base";
    const etag = (await get(path).expect(200)).headers.etag!;
    const refused = await get(path).set("Accept", "application/xml").set("If-None-Match", etag);
    expectProblem(refused, 406, ["headers.accept"]);
    expect(refused.headers.etag).not.toBe(etag);
  });

  it("leaves alone a read that answers in a media type of its own, such as an event stream", async () => {
    // Like the change feed's stream: a route under /v1 that writes its own response.
    const events = Fastify({ logger: false });
    events.setValidatorCompiler(validatorCompiler);
    events.setSerializerCompiler(zodSerializerCompiler);
    await events.register(errorsPlugin);
    events.get("/v1/events", { schema: { summary: "Events" } }, async (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { "content-type": "text/event-stream" });
      reply.raw.end("event: hello\ndata: {}\n\n");
    });
    events.get("/v1/thing", { schema: { summary: "A thing" } }, async () => ({ id: "thing" }));
    try {
      const stream = await rawGet(events, "/v1/events", { accept: "text/event-stream" });
      expect(stream.status).toBe(200);
      expect(stream.body.toString("utf8")).toContain("event: hello");
      expect((await rawGet(events, "/v1/thing", { accept: "text/event-stream" })).status).toBe(406);
    } finally {
      await events.close();
    }
  });

  it("a bad parameter is still a 400 first, as on lists", async () => {
    expectProblem(await get("/v1/statements/stats?groupBy=nothing").set("Accept", "application/xml"), 400, ["query.groupBy"]);
    expectProblem(await get("/v1/statements?limit=0").set("Accept", "application/xml"), 400, ["query.limit"]);
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Whether the body ended as HTTP says a body ends (its last chunk), rather than by the connection closing. */
  complete: boolean;
}

/** A GET with node:http, which hands back the bytes as sent and says whether the response was complete. */
async function rawGet(app: FastifyInstance, path: string, headers: Record<string, string>): Promise<RawResponse> {
  if (!app.server.listening) await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port, path, headers: { connection: "close", ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      const done = () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks), complete: response.complete });
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", done);
      response.on("error", done);
      response.on("aborted", done);
    });
    request.on("error", reject);
    request.end();
  });
}

describe("8. what the fuzzer found (test/fuzz.test.ts, npm run fuzz)", () => {
  it("an edit naming an unknown or deleted actor is a 422 naming the field, not the foreign key's 500, and changes nothing", async () => {
    const { bearer } = await createKey(testApp, ["write"]);
    const patch = (path: string, body: object) => testApp.http().patch(path).set("Authorization", bearer).send(body);
    const statement = "/v1/statements/st-kirby-main-military-base";
    const before = (await get(statement).expect(200)).body;
    const refused = expectProblem(await patch(statement, { speakerId: "no-such-actor", medium: "radio" }), 422, ["body.speakerId"]);
    expect(refused.errors![0]!.message).toContain("no-such-actor");
    expect((await get(statement).expect(200)).body).toEqual(before);

    const sanction = (await get("/v1/sanctions?limit=1").expect(200)).body.data[0].id as string;
    expectProblem(await patch(`/v1/sanctions/${sanction}`, { authorityId: "no-such-actor" }), 422, ["body.authorityId"]);
    expectProblem(await patch("/v1/actors/odesa", { countryId: "nowhere", parentId: "nowhere-either" }), 422, ["body.countryId", "body.parentId"]);

    // A deleted actor is no speaker either; a live one still is.
    const actor = { id: "fz-short-lived", sourceId: before.evidence[0].sourceId, type: "person", name: "Short-lived", evidence: [before.evidence[0].excerpt] };
    await testApp.http().post("/v1/actors").set("Authorization", bearer).send(actor).expect(201);
    await testApp.http().delete("/v1/actors/fz-short-lived").set("Authorization", bearer).expect(204);
    expectProblem(await patch(statement, { speakerId: "fz-short-lived" }), 422, ["body.speakerId"]);
    await patch(statement, { speakerId: before.speaker.id }).expect(200);
  });

  it.each([
    ["POST", "/v1/statements", {}],
    ["POST", "/v1/api-keys", {}],
    // With an Idempotency-Key the body is hashed before validation: that walk must not overflow either.
    ["POST", "/v1/actors", { "Idempotency-Key": "deep-1" }],
    ["PUT", "/v1/sources/bbc-2022-12-10-iran-russia-main-military-backer/bundle", {}],
  ] as const)("a JSON body nested 5,000 deep is a 400 naming the body: %s %s", async (method, path, headers) => {
    const { bearer } = await createKey(testApp, ["write", "admin"]);
    const deep = `{"statements":${"[".repeat(5000)}${"]".repeat(5000)}}`;
    const response = await testApp.http()[method === "POST" ? "post" : "put"](path)
      .set({ Authorization: bearer, "Content-Type": "application/json", ...headers }).send(deep);
    const problem = expectProblem(response, 400, ["body"]);
    expect(problem.detail).toContain("deeper than 64");
  });

  it("a body within the depth limit is still validated by its schema, and a NUL deep inside it is named by its path", async () => {
    const { bearer } = await createKey(testApp, ["write"]);
    let nested: unknown = "a\u0000b";
    for (let depth = 0; depth < 60; depth++) nested = [nested];
    const response = await testApp.http().post("/v1/statements").set("Authorization", bearer).send({ about: nested });
    expectProblem(response, 400, [`body.about${".0".repeat(60)}`]);
  });
});
