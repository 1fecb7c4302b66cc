import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { ProblemSchema } from "../src/modules/common/common.schemas.ts";
import { addressBlock } from "../src/plugins/rate-limit.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// Tiny limits, windows longer than the file runs: every count below is exact.
const READS = 3;
const WRITES = 2;
const FAILURES = 3;
const LIMITS = { rateLimitMax: READS, rateLimitWriteMax: WRITES, rateLimitWindowMs: 600_000, authFailureLimitMax: FAILURES, authFailureLimitWindowMs: 600_000 };
let testApp: TestApp;
let port: number;
const logLines: string[] = [];

beforeAll(async () => {
  testApp = await startTestApp({ config: { ...LIMITS, logLevel: "info" }, logStream: { write: (line) => void logLines.push(line) } });
  port = await listen(testApp);
});
afterAll(() => testApp?.close());

async function listen(app: TestApp): Promise<number> {
  await app.app.listen({ host: "127.0.0.1", port: 0 });
  return (app.app.server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request from a chosen loopback address (Linux answers on all of 127.0.0.0/8), so that tests
 * can be different clients by IP.
 */
interface CallOptions {
  from?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Another app's port than the file's. */
  to?: number;
}

function call(path: string, { from = "127.0.0.1", method = "GET", headers = {}, body, to = port }: CallOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port: to, path, method, localAddress: from, headers, agent: false }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function callTimes(times: number, path: string, options: CallOptions = {}): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < times; i++) answers.push(await call(path, options));
  return answers;
}

describe("reads per IP address", () => {
  it("count down in RateLimit headers, then 429 problem+json with Retry-After, readable across origins", async () => {
    const from = "127.0.0.11";
    const answers = await callTimes(READS + 1, "/v1/actors?limit=1", { from, headers: { Origin: "https://partner.example", "X-Request-Id": "limited-1" } });
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((answer) => answer.headers["ratelimit-remaining"])).toEqual(["2", "1", "0", "0"]);
    for (const answer of answers) {
      expect(answer.headers["ratelimit-limit"]).toBe(String(READS));
      expect(Number(answer.headers["ratelimit-reset"])).toBeGreaterThan(0);
    }
    const refused = answers[READS]!;
    expect(refused.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const problem = ProblemSchema.parse(JSON.parse(refused.body));
    expect(problem).toMatchObject({ type: "/problems/rate-limited", status: 429, title: "Too Many Requests" });
    expect(problem.detail).toContain("this IP address");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(600);
    expect(refused.headers["x-request-id"]).toBe("limited-1");
    expect(refused.headers["cache-control"]).toBe("no-store");
    expect(refused.headers["access-control-allow-origin"]).toBe("*");
    const exposed = String(refused.headers["access-control-expose-headers"]).toLowerCase();
    for (const name of ["retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]) expect(exposed).toContain(name);
  });

  it("another address has a count of its own", async () => {
    await callTimes(READS + 1, "/v1/actors?limit=1", { from: "127.0.0.12" });
    const other = await call("/v1/actors?limit=1", { from: "127.0.0.13" });
    expect(other.status).toBe(200);
    expect(other.headers["ratelimit-remaining"]).toBe(String(READS - 1));
  });

  it("probes and the docs are never limited", async () => {
    const from = "127.0.0.14";
    await callTimes(READS + 1, "/v1/actors?limit=1", { from });
    for (const path of ["/health", "/ready", "/docs", "/docs/json"]) {
      const answers = await callTimes(READS + 1, path, { from });
      expect(answers.map((answer) => answer.status), path).toEqual(Array(READS + 1).fill(200));
      expect(answers.every((answer) => answer.headers["ratelimit-limit"] === undefined), path).toBe(true);
    }
  });
});

describe("per API key", () => {
  it("a key counts apart from its IP address and from other keys, by the key's id", async () => {
    const from = "127.0.0.21";
    const first = await createKey(testApp, [], "reader one");
    const second = await createKey(testApp, [], "reader two");
    // The address is used up anonymously…
    await callTimes(READS + 1, "/v1/actors?limit=1", { from });
    // …a key from the same address still has its whole allowance, and uses it up…
    const withFirst = await callTimes(READS + 1, "/v1/actors?limit=1", { from, headers: { Authorization: first.bearer } });
    expect(withFirst.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(withFirst.map((answer) => answer.headers["ratelimit-remaining"])).toEqual(["2", "1", "0", "0"]);
    expect(ProblemSchema.parse(JSON.parse(withFirst[READS]!.body)).detail).toContain("this API key");
    // …and from another address it is the same count: the key's, not the address's.
    expect((await call("/v1/actors?limit=1", { from: "127.0.0.22", headers: { Authorization: first.bearer } })).status).toBe(429);
    // Another key is another client.
    const withSecond = await call("/v1/actors?limit=1", { from, headers: { Authorization: second.bearer } });
    expect(withSecond.status).toBe(200);
    expect(withSecond.headers["ratelimit-remaining"]).toBe(String(READS - 1));
  });

  it("writes have their own, smaller limit, and do not use up reads", async () => {
    const writer = await createKey(testApp, ["write"], "writer");
    const write = { method: "POST", from: "127.0.0.31", headers: { Authorization: writer.bearer, "Content-Type": "application/json", "Idempotency-Key": "" }, body: "{}" };
    const writes = [];
    for (let i = 0; i <= WRITES; i++) writes.push(await call("/v1/sources", { ...write, headers: { ...write.headers, "Idempotency-Key": `limit-${i}` } }));
    // An invalid body is still a write: it counts.
    expect(writes.map((answer) => answer.status)).toEqual([400, 400, 429]);
    expect(writes[0]!.headers["ratelimit-limit"]).toBe(String(WRITES));
    const read = await call("/v1/actors?limit=1", { from: "127.0.0.31", headers: { Authorization: writer.bearer } });
    expect(read.status).toBe(200);
    expect(read.headers["ratelimit-remaining"]).toBe(String(READS - 1));
  });
});

// Well-formed, but no key has this secret.
const GUESS = `wf_${"a".repeat(12)}_${"G".repeat(43)}`;
const statuses = (answers: Answer[]) => answers.map((answer) => answer.status);

describe("failed API key checks per IP address", () => {
  it("past the limit, every request with a key is refused with 429 before its key is checked, a right key too", async () => {
    const from = "127.0.0.41";
    const right = await createKey(testApp, [], "guessed late");
    // Any failed check counts: an unknown key, a header that is no Bearer key, a malformed token.
    const guesses = [`Bearer ${GUESS}`, "Basic dXNlcjpwYXNz", "Bearer wf_abc_def"];
    expect(guesses.length).toBe(FAILURES);
    const failed = [];
    for (const authorization of guesses) failed.push(await call("/v1/actors?limit=1", { from, headers: { Authorization: authorization } }));
    expect(statuses(failed)).toEqual(Array(FAILURES).fill(401));

    const refused = await call("/v1/actors?limit=1", { from, headers: { Authorization: right.bearer, "X-Request-Id": "guesser-1" } });
    expect(refused.status).toBe(429);
    expect(refused.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const problem = ProblemSchema.parse(JSON.parse(refused.body));
    expect(problem).toMatchObject({ type: "/problems/rate-limited", status: 429, title: "Too Many Requests" });
    expect(problem.detail).toContain(`More than ${FAILURES} failed API key checks from this IP address`);
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(refused.headers["ratelimit-limit"]).toBe(String(FAILURES));
    expect(refused.headers["ratelimit-remaining"]).toBe("0");
    expect(refused.headers["ratelimit-reset"]).toBe(String(retryAfter));
    expect(refused.headers["cache-control"]).toBe("no-store");
    expect(refused.headers["x-request-id"]).toBe("guesser-1");
    expect(refused.body).not.toContain(right.key.slice(16));

    // Every path with a key, the ones the request limits exempt and the key's own writes too.
    expect((await call("/health", { from, headers: { Authorization: right.bearer } })).status).toBe(429);
    expect((await call("/v1/actors?limit=1", { from, headers: { Authorization: `Bearer ${GUESS}` } })).status).toBe(429);
    // Being refused is no failed check: it never extends the block (the window's end stays put).
    expect(Number((await call("/health", { from, headers: { Authorization: right.bearer } })).headers["retry-after"])).toBeLessThanOrEqual(retryAfter);
    // Requests without a key are not refused; the same key from another address is not either.
    expect((await call("/v1/actors?limit=1", { from })).status).toBe(200);
    expect((await call("/health", { from })).status).toBe(200);
    expect((await call("/v1/actors?limit=1", { from: "127.0.0.42", headers: { Authorization: right.bearer } })).status).toBe(200);
  });

  it("a live key's requests never use up the allowance", async () => {
    const from = "127.0.0.43";
    const live = await createKey(testApp, [], "live");
    // /health checks the key but is no limited request: this many reads cost nothing of any limit.
    const checks = await callTimes(FAILURES * 3, "/health", { from, headers: { Authorization: live.bearer } });
    expect(statuses(checks)).toEqual(Array(FAILURES * 3).fill(200));
    const failed = await callTimes(FAILURES - 1, "/health", { from, headers: { Authorization: `Bearer ${GUESS}` } });
    expect(statuses(failed)).toEqual(Array(FAILURES - 1).fill(401));
    expect((await call("/health", { from, headers: { Authorization: live.bearer } })).status).toBe(200);
    expect((await call("/health", { from, headers: { Authorization: `Bearer ${GUESS}` } })).status).toBe(401);
    expect((await call("/health", { from, headers: { Authorization: live.bearer } })).status).toBe(429);
  });

  it("never logs a key: the refusals' lines name the address, not what was sent", async () => {
    const from = "127.0.0.44";
    const secret = "wf_secretsecret_never_logged_anywhere_in_any_line_000000";
    await callTimes(FAILURES + 2, "/v1/actors?limit=1", { from, headers: { Authorization: `Bearer ${secret}` } });
    await testApp.app.inject({ method: "GET", url: "/health" });
    const lines = logLines.map((line) => JSON.parse(line) as { msg: string; client?: string });
    expect(lines.filter((line) => line.client === from).map((line) => line.msg)).toEqual(["too many failed API key checks: requests with a key refused until the window ends"]);
    for (const line of logLines) expect(line).not.toContain("secretsecret");
  });
});

describe("the OpenAPI document", () => {
  it("documents the 429 wherever a key may be sent, the probes included, which carry no RateLimit headers otherwise", async () => {
    const answer = await call("/openapi.json", { from: "127.0.0.45" });
    expect(answer.status).toBe(200);
    const document = JSON.parse(answer.body) as { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; headers?: object }> }>> };
    for (const [path, pathItem] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(pathItem)) {
        expect(operation.responses["429"], `${method} ${path}`).toEqual({ $ref: "#/components/responses/TooManyRequests" });
      }
    }
    for (const probe of ["/health", "/ready"]) expect(Object.keys(document.paths[probe]!.get!.responses["200"]!.headers ?? {}), probe).not.toContain("RateLimit-Limit");
  });
});

describe("behind a proxy (TRUST_PROXY)", () => {
  let behindProxy: TestApp;
  let proxiedPort: number;
  beforeAll(async () => {
    // Parsed as the service parses it: the loopback address is the proxy.
    const { trustProxy } = loadConfig({ TRUST_PROXY: "127.0.0.1" });
    behindProxy = await startTestApp({ config: { ...LIMITS, trustProxy } });
    proxiedPort = await listen(behindProxy);
  });
  afterAll(() => behindProxy?.close());

  const via = (client: string, from = "127.0.0.1") => ({ from, headers: { "X-Forwarded-For": client } });

  it("counts each client the trusted proxy forwards for apart", async () => {
    const first = await callTimes(READS + 1, "/v1/actors?limit=1", { ...via("203.0.113.1"), to: proxiedPort });
    expect(statuses(first)).toEqual([200, 200, 200, 429]);
    const second = await call("/v1/actors?limit=1", { ...via("203.0.113.2"), to: proxiedPort });
    expect(second.status).toBe(200);
    expect(second.headers["ratelimit-remaining"]).toBe(String(READS - 1));
    // Failed key checks too, IPv6 clients by their /64.
    const guess = (client: string) => ({ ...via(client), to: proxiedPort, headers: { ...via(client).headers, Authorization: `Bearer ${GUESS}` } });
    expect(statuses(await callTimes(FAILURES, "/health", guess("2001:db8:1:1::1")))).toEqual(Array(FAILURES).fill(401));
    expect((await call("/health", guess("2001:db8:1:1::2"))).status).toBe(429);
    expect((await call("/health", guess("2001:db8:1:2::1"))).status).toBe(401);
  });

  it("believes no one else's X-Forwarded-For: a client that is not the proxy stays one client", async () => {
    const from = "127.0.0.51";
    const spoofed = [];
    for (let i = 0; i <= READS; i++) spoofed.push(await call("/v1/actors?limit=1", { ...via(`198.51.100.${i + 1}`, from), to: proxiedPort }));
    expect(statuses(spoofed)).toEqual([200, 200, 200, 429]);
  });

  it("is off by default: without TRUST_PROXY, clients with different X-Forwarded-For share the peer's count", async () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    const from = "127.0.0.52";
    const spoofed = [];
    for (let i = 0; i <= READS; i++) spoofed.push(await call("/v1/actors?limit=1", via(`198.51.100.${i + 1}`, from)));
    expect(statuses(spoofed)).toEqual([200, 200, 200, 429]);
  });

  it("TRUST_PROXY takes false, true, or addresses and CIDR ranges; anything else stops the start", () => {
    for (const off of ["", "false", "0", " FALSE "]) expect(loadConfig({ TRUST_PROXY: off }).trustProxy, off).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: "10.0.0.0/8, 192.168.1.7,fd00::/8,loopback,10.0.0.0/255.0.0.0" }).trustProxy).toEqual(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "loopback", "10.0.0.0/255.0.0.0"]);
    expect(() => loadConfig({ TRUST_PROXY: "2" })).toThrow(/TRUST_PROXY: a hop count is not supported/);
    for (const bad of ["proxy.example", "10.0.0.0/33", "::1/129", "10.0.0.1/8/8", "yes"]) expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY: must be false, true/);
  });
});

describe("addresses", () => {
  it("an IPv6 client counts by its /64 (one subscriber's block), a mapped IPv4 one as IPv4", () => {
    expect(addressBlock("2001:db8:85a3:0:1:8a2e:370:7334")).toBe(addressBlock("2001:db8:85a3::9"));
    expect(addressBlock("2001:db8:85a3:1::9")).not.toBe(addressBlock("2001:db8:85a3::9"));
    expect(addressBlock("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(addressBlock("10.1.2.3")).toBe("10.1.2.3");
  });
});
