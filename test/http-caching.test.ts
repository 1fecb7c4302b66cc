import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemSchema } from "../src/modules/common/common.schemas.ts";
import { bodyChecksum } from "../src/lib/checksum.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

const PUBLIC_READ = "public, max-age=60, stale-while-revalidate=300";
const READS = ["/v1/actors", "/v1/statements/st-kirby-main-military-base", "/openapi.json"];
// 26 statements with their evidence: well over the 1 kB compression threshold.
const LARGE = "/v1/statements?limit=100";

/** A GET without Accept-Encoding (supertest asks for gzip by default): the body as the server wrote it. */
const plainGet = (path: string) => testApp.http().get(path).unset("Accept-Encoding");

const varyOf = (headers: Record<string, string>) => (headers.vary ?? "").split(",").map((name) => name.trim().toLowerCase());

describe("every read has a strong ETag, and If-None-Match answers 304", () => {
  it.each(READS)("GET %s", async (path) => {
    const first = await plainGet(path).expect(200);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9+/=_-]+"$/);
    // Identical content, identical ETag: a hash of the body the client receives; for a fact the hash
    // of its rendering (the version If-Match compares when an editor changes it), and for a page of
    // facts a hash of its items' rendering hashes and its links.
    const second = await plainGet(path).expect(200);
    expect(second.text).toBe(first.text);
    expect(second.headers.etag).toBe(etag);
    if (/^\/v1\/(actors|statements|sanctions|attack-events)$/.test(path)) expect(etag).toMatch(/^"p/);
    else if (!/^\/v1\/(actors|statements|sanctions|attack-events)\/[^/?]+$/.test(path)) {
      expect(etag).toBe(`"${bodyChecksum(first.text)}"`);
    }

    const notModified = await plainGet(path).set("If-None-Match", etag!).expect(304);
    expect(notModified.text ?? "").toBe("");
    expect(notModified.headers.etag).toBe(etag);
    // A 304 keeps the headers a cache updates its copy with, and claims no length or type of its own.
    expect(notModified.headers["cache-control"]).toBe(PUBLIC_READ);
    expect(notModified.headers["content-length"]).toBeUndefined();
    expect(notModified.headers["content-type"]).toBeUndefined();
  });

  it("gives different content a different ETag", async () => {
    const one = await plainGet("/v1/actors?limit=1").expect(200);
    const two = await plainGet("/v1/actors?limit=2").expect(200);
    const item = await plainGet("/v1/statements/st-iran-admits-sending-drones").expect(200);
    expect(new Set([one.headers.etag, two.headers.etag, item.headers.etag]).size).toBe(3);
  });

  it("answers a stale or foreign ETag with the full 200", async () => {
    const current = await plainGet("/v1/actors").expect(200);
    const other = (await plainGet("/v1/actors?limit=1").expect(200)).headers.etag!;
    for (const stale of ['"not-the-etag"', other, current.headers.etag!.slice(0, -2) + '"']) {
      const response = await plainGet("/v1/actors").set("If-None-Match", stale).expect(200);
      expect(response.text).toBe(current.text);
    }
  });

  it("compares weakly, as If-None-Match should: W/ before the ETag still matches", async () => {
    const etag = (await plainGet("/v1/actors").expect(200)).headers.etag!;
    await plainGet("/v1/actors").set("If-None-Match", `W/${etag}`).expect(304);
  });

  it("answers a list of ETags, or *, in full (@fastify/etag compares the header as one value)", async () => {
    const current = await plainGet("/v1/actors").expect(200);
    const etag = current.headers.etag!;
    for (const condition of [`"other", ${etag}`, `${etag}, "other"`, "*"]) {
      const response = await plainGet("/v1/actors").set("If-None-Match", condition).expect(200);
      expect(response.text, condition).toBe(current.text);
    }
  });

  it("gives the same ETag to every encoding and answers 304 whatever the client accepts", async () => {
    const plain = await plainGet(LARGE).expect(200);
    for (const encoding of ["gzip", "br"]) {
      const compressed = await testApp.http().get(LARGE).set("Accept-Encoding", encoding).expect(200);
      expect(compressed.headers["content-encoding"]).toBe(encoding);
      expect(compressed.headers.etag).toBe(plain.headers.etag);
      const notModified = await testApp.http().get(LARGE).set("Accept-Encoding", encoding).set("If-None-Match", plain.headers.etag!).expect(304);
      expect(notModified.headers["content-encoding"]).toBeUndefined();
      expect(notModified.text ?? "").toBe("");
    }
  });

  it("never turns a problem into a 304, even when its own ETag is sent back", async () => {
    const problem = await plainGet("/v1/actors/no-such-actor").expect(404);
    expect(problem.headers.etag).toBeDefined();
    const again = await plainGet("/v1/actors/no-such-actor").set("If-None-Match", problem.headers.etag!).expect(404);
    expect(ProblemSchema.parse(again.body).status).toBe(404);
  });

  it("lets browsers read the ETag across origins", async () => {
    const response = await plainGet("/v1/actors").set("Origin", "https://newsroom.example").expect(200);
    const exposed = response.headers["access-control-expose-headers"]!.split(",").map((name) => name.trim().toLowerCase());
    expect(exposed).toContain("etag");
  });
});

describe("HEAD answers with GET's headers and no body", () => {
  it.each(READS)("HEAD %s", async (path) => {
    const get = await plainGet(path).expect(200);
    const head = await testApp.http().head(path).expect(200);
    expect(head.text ?? "").toBe("");
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers["cache-control"]).toBe(PUBLIC_READ);
    expect(head.headers["content-type"]).toBe(get.headers["content-type"]);
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(get.text)));

    const notModified = await testApp.http().head(path).set("If-None-Match", get.headers.etag!).expect(304);
    expect(notModified.headers.etag).toBe(get.headers.etag);
    expect(notModified.headers["content-length"]).toBeUndefined();
  });
});

describe("Cache-Control", () => {
  it.each([...READS, "/v1/actors?limit=1", LARGE])("public reads may be cached for a minute: %s", async (path) => {
    const response = await plainGet(path).expect(200);
    expect(response.headers["cache-control"]).toBe(PUBLIC_READ);
  });

  it.each(["/health", "/ready"])("%s is never cached", async (path) => {
    const response = await plainGet(path).expect(200);
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  it.each([
    ["/v1/statements?limit=0", 400],
    ["/v1/statements?speaker=Nobody%20Known", 400],
    ["/v1/actors/no-such-actor", 404],
    ["/v1/nothing-here", 404],
    ["/openapi.jsonx", 404],
  ])("problems are never cached: %s → %i", async (path, status) => {
    const response = await plainGet(path).expect(status);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  it("nor is a 405", async () => {
    const response = await testApp.http().put("/v1/actors/iran").send({}).expect(405);
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  it("/v1 responses vary by Accept and Accept-Encoding, each named once", async () => {
    for (const path of ["/v1/actors", LARGE, "/v1/actors/no-such-actor"]) {
      expect(varyOf((await plainGet(path)).headers), path).toEqual(["accept", "accept-encoding"]);
      const compressed = await testApp.http().get(path).set("Accept-Encoding", "gzip");
      expect(varyOf(compressed.headers), path).toEqual(["accept", "accept-encoding"]);
    }
  });
});

describe("compression", () => {
  it.each(["gzip", "br", "deflate"])("%s: a large response decompresses to the same JSON", async (encoding) => {
    const plain = await plainGet(LARGE).expect(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.data).toHaveLength(26);
    // supertest decompresses the body itself.
    const compressed = await testApp.http().get(LARGE).set("Accept-Encoding", encoding).expect(200);
    expect(compressed.headers["content-encoding"]).toBe(encoding);
    expect(compressed.headers["content-type"]).toBe(plain.headers["content-type"]);
    expect(compressed.body).toEqual(plain.body);
  });

  it("sends far fewer bytes, which node:zlib inflates to the exact body", async () => {
    const plain = await plainGet(LARGE).expect(200);
    // inject() hands back the bytes as sent, without decompressing them.
    const decompress = { gzip: gunzipSync, br: brotliDecompressSync };
    for (const [encoding, inflate] of Object.entries(decompress)) {
      const response = await testApp.app.inject({ method: "GET", url: LARGE, headers: { "accept-encoding": encoding } });
      expect(response.headers["content-encoding"]).toBe(encoding);
      expect(response.rawPayload.length).toBeLessThan(Buffer.byteLength(plain.text) / 3);
      expect(inflate(response.rawPayload).toString("utf8")).toBe(plain.text);
    }
  });

  it("picks what the client prefers, and sends identity when it accepts no supported encoding", async () => {
    const gzipPreferred = await testApp.http().get(LARGE).set("Accept-Encoding", "br;q=0.5, gzip").expect(200);
    expect(gzipPreferred.headers["content-encoding"]).toBe("gzip");
    const unsupported = await testApp.http().get(LARGE).set("Accept-Encoding", "compress").expect(200);
    expect(unsupported.headers["content-encoding"]).toBeUndefined();
    expect(unsupported.body.data).toHaveLength(26);
  });

  it.each(["/health", "/v1/actors?limit=1", "/v1/actors/no-such-actor"])("leaves small responses alone: %s", async (path) => {
    const plain = await plainGet(path);
    expect(Buffer.byteLength(plain.text)).toBeLessThan(1024);
    const response = await testApp.http().get(path).set("Accept-Encoding", "gzip, br");
    expect(response.headers["content-encoding"]).toBeUndefined();
    expect(response.text).toBe(plain.text);
  });

  it("compresses a large problem and keeps it application/problem+json", async () => {
    // Three unknown speakers, each named in detail and message: over 1 kB even with `instance` capped at 512 characters.
    const path = `/v1/statements?${["x", "y", "z"].map((letter) => `speaker=${letter.repeat(199)}`).join("&")}`;
    const response = await testApp.http().get(path).set("Accept-Encoding", "gzip").expect(400);
    expect(response.headers["content-encoding"]).toBe("gzip");
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(ProblemSchema.parse(response.body).errors?.map((error) => error.field)).toEqual(["query.speaker"]);
  });

  it.each([
    ["/v1/statements.ndjson", "application/x-ndjson"],
    ["/v1/statements.csv", "text/csv"],
    ["/v1/attack-events.geojson", "application/geo+json"],
  ])("compresses streamed exports: %s", async (path, mediaType) => {
    const plain = await testApp.app.inject({ method: "GET", url: path });
    const response = await testApp.app.inject({ method: "GET", url: path, headers: { "accept-encoding": "gzip" } });
    expect(response.headers["content-type"]).toMatch(new RegExp(`^${mediaType.replace("+", "\\+")}`));
    expect(response.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(response.rawPayload).toString("utf8")).toBe(plain.payload);
  });

  it("compresses the OpenAPI document", async () => {
    const plain = await plainGet("/openapi.json").expect(200);
    const compressed = await testApp.http().get("/openapi.json").set("Accept-Encoding", "br").expect(200);
    expect(compressed.headers["content-encoding"]).toBe("br");
    expect(varyOf(compressed.headers)).toEqual(["accept-encoding"]);
    expect(compressed.body).toEqual(plain.body);
  });
});
