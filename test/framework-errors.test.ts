import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemSchema } from "../src/modules/common/common.schemas.ts";
import { clientErrorStatus } from "../src/plugins/framework-errors.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// Errors answered before any route runs, checked on the wire: supertest cannot send these bytes.

const REQUEST_TIMEOUT_MS = 600;
let testApp: TestApp;
let port: number;

beforeAll(async () => {
  testApp = await startTestApp({ config: { requestTimeoutMs: REQUEST_TIMEOUT_MS } });
  await testApp.app.listen({ host: "127.0.0.1", port: 0 });
  port = (testApp.app.server.address() as net.AddressInfo).port;
});
afterAll(() => testApp?.close());

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `chunks` on a new connection, one write each, and reads until the server closes it. */
function exchange(chunks: string[], timeoutMs = 5_000): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; received: ${received.slice(0, 200)}`));
    }, timeoutMs);
    socket.on("connect", () => chunks.forEach((chunk) => socket.write(chunk)));
    socket.on("data", (data) => (received += data.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parseResponses(received));
    });
  });
}

function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith("HTTP/1.1 ")) {
    const headEnd = rest.indexOf("\r\n\r\n");
    const [statusLine, ...lines] = rest.slice(0, headEnd).split("\r\n");
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
    const length = Number(headers["content-length"] ?? 0);
    responses.push({ status: Number(statusLine!.split(" ")[1]), headers, body: rest.slice(headEnd + 4, headEnd + 4 + length) });
    rest = rest.slice(headEnd + 4 + length);
  }
  return responses;
}

async function send(request: string): Promise<RawResponse> {
  const [response] = await exchange([request]);
  expect(response, "a complete HTTP response").toBeDefined();
  return response!;
}

/** A problem as every other problem: its media type, shape, request id, CORS and security headers. */
function expectProblem(response: RawResponse, status: number, requestId?: string) {
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(JSON.parse(response.body));
  expect(problem).toMatchObject({ status, type: expect.stringMatching(/^\/problems\/[a-z-]+$/), title: expect.any(String), detail: expect.any(String) });
  expect(response.headers["x-request-id"]).toMatch(requestId ? new RegExp(`^${requestId}$`) : /^[0-9a-f-]{36}$/);
  expect(response.headers["access-control-allow-origin"]).toBe("*");
  expect(response.headers["x-content-type-options"]).toBe("nosniff");
  expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
  expect(response.headers["cache-control"]).toBe("no-store");
  return problem;
}

const request = (line: string, headers: string[] = []) =>
  `${line}\r\n${["Host: 127.0.0.1", "Origin: https://partner.example", ...headers, "Connection: close"].join("\r\n")}\r\n\r\n`;

describe("bad bytes in the request are problems, with the request id, CORS and security headers", () => {
  it("a path that is not valid percent-encoding is a 400", async () => {
    const response = await send(request("GET /v1/actors/%ZZ HTTP/1.1", ["X-Request-Id: bad-path-1"]));
    const problem = expectProblem(response, 400, "bad-path-1");
    expect(problem.type).toBe("/problems/invalid-request");
    expect(problem.errors?.[0]?.field).toBe("path");
  });

  it("a request line over the parser's limit is a 414", async () => {
    const response = await send(request(`GET /v1/actors?q=${"a".repeat(20_000)} HTTP/1.1`));
    expect(expectProblem(response, 414).type).toBe("/problems/uri-too-long");
  });

  it("a request line that alone fills the parser's limit is a 414 wherever the parser says it stopped", () => {
    // Sent in one chunk with its headers, the parser may report its stop past the request line.
    const whole = `GET /v1/actors?q=${"a".repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    expect(clientErrorStatus("HPE_HEADER_OVERFLOW", whole, whole.length)).toBe(414);
    const headers = `GET /v1/actors HTTP/1.1\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`;
    expect(clientErrorStatus("HPE_HEADER_OVERFLOW", headers, headers.length)).toBe(431);
  });

  it("a path segment longer than the router takes is a 414", async () => {
    const response = await send(request(`GET /v1/actors/${"a".repeat(600)} HTTP/1.1`, ["X-Request-Id: long-id-1"]));
    expect(expectProblem(response, 414, "long-id-1").type).toBe("/problems/uri-too-long");
  });

  it("headers over the parser's limit are a 431, with the request id the client sent", async () => {
    const response = await send(request("GET /v1/actors HTTP/1.1", ["X-Request-Id: big-headers-1", `X-Padding: ${"a".repeat(20_000)}`]));
    expect(expectProblem(response, 431, "big-headers-1").type).toBe("/problems/request-header-fields-too-large");
  });

  it("a method the parser does not know is a 501", async () => {
    const response = await send(request("FOO /v1/actors HTTP/1.1"));
    expect(expectProblem(response, 501).type).toBe("/problems/not-implemented");
  });

  it("a request that does not arrive in time is a 408", async () => {
    const started = performance.now();
    // Headers begun and never finished (Node keeps no bytes of them for the answer: a new request id).
    const [response] = await exchange(["GET /v1/actors HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: slow-1\r\n"], 10_000);
    expect(expectProblem(response!, 408).type).toBe("/problems/request-timeout");
    expect(performance.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS * 4);
  });
});

describe("methods", () => {
  it("a method the router has but the service does not know is a 501 problem", async () => {
    const response = await send(request("PURGE /v1/actors HTTP/1.1", ["X-Request-Id: purge-1"]));
    expect(expectProblem(response, 501, "purge-1").type).toBe("/problems/not-implemented");
  });

  it("TRACE is a 405 with Allow, as for every method a path does not have", async () => {
    const response = await send(request("TRACE /v1/actors HTTP/1.1", ["X-Request-Id: trace-1"]));
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("GET, HEAD, POST");
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.headers["x-request-id"]).toBe("trace-1");
    expect(response.headers["access-control-allow-origin"]).toBe("*");
  });

  it("OPTIONS that is no CORS preflight is a 400 problem naming the missing header", async () => {
    const response = await testApp.http().options("/v1/actors").set("Origin", "https://partner.example").set("X-Request-Id", "options-1");
    expect(response.status).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.headers["x-request-id"]).toBe("options-1");
    expect(response.headers["access-control-allow-origin"]).toBe("*");
    const problem = ProblemSchema.parse(JSON.parse(response.text));
    expect(problem.errors?.[0]?.field).toBe("headers.access-control-request-method");
  });

  it("a real preflight still gets its 204", async () => {
    const response = await testApp.http().options("/v1/actors")
      .set("Origin", "https://partner.example").set("Access-Control-Request-Method", "GET");
    expect(response.status).toBe(204);
  });
});

describe("each new problem type explains itself", () => {
  it.each(["request-timeout", "uri-too-long", "request-header-fields-too-large", "not-implemented", "rate-limited", "unavailable"])("/problems/%s", async (slug) => {
    const response = await testApp.http().get(`/problems/${slug}`);
    expect(response.status).toBe(200);
    expect(response.body.type).toBe(`/problems/${slug}`);
  });
});

// Last: it closes the app. A request already being received (its body not sent yet) keeps the
// connection busy while the app closes; the request pipelined behind it arrives during shutdown.
describe("during shutdown", () => {
  it("a request that arrives while the instance closes gets a 503 problem with Retry-After and Connection: close", async () => {
    const { key } = await createKey(testApp, ["write"]);
    const body = JSON.stringify({ id: "x" });
    const head = `POST /v1/sources HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nIdempotency-Key: shutdown-1\r\n\r\n`;
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (data) => (received += data.toString("latin1")));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
    socket.write(head);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closing = testApp.app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(body + request("GET /v1/actors HTTP/1.1", ["X-Request-Id: during-shutdown-1"]));
    await closed;
    await closing;
    const responses = parseResponses(received);
    expect(responses).toHaveLength(2);
    const problem = expectProblem(responses[1]!, 503, "during-shutdown-1");
    expect(problem.type).toBe("/problems/unavailable");
    expect(responses[1]!.headers["retry-after"]).toBe("1");
    expect(responses[1]!.headers.connection).toBe("close");
  });
});
