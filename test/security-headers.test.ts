import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

// Helmet's headers as the API promises them, written out: what a browser reading the API gets.
const API_SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "cross-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "DENY",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};

describe("security headers", () => {
  it.each([
    ["a list page", "/v1/statements?limit=2", 200],
    ["a fact", "/v1/actors/iran", 200],
    ["a 304", "/v1/actors/iran", 304],
    ["a problem", "/v1/actors/no-such-actor", 404],
    ["a bad query", "/v1/statements?limit=0", 400],
    ["the health check", "/health", 200],
    ["a write refused without a key", "/v1/sources", 401],
  ])("are on %s, each once", async (_what, path, status) => {
    let request = status === 401 ? testApp.http().post(path).send({}) : testApp.http().get(path);
    if (status === 304) {
      const { headers } = await testApp.http().get(path).expect(200);
      request = testApp.http().get(path).set("If-None-Match", headers.etag!);
    }
    const response = await request.expect(status);
    expect(response.headers).toMatchObject(API_SECURITY_HEADERS);
    expect(response.headers["x-powered-by"]).toBeUndefined();
  });

  it("on the docs page, its own Content-Security-Policy replaces the API's", async () => {
    const response = await testApp.http().get("/docs/").expect(200);
    const { "content-security-policy": _apiPolicy, ...others } = API_SECURITY_HEADERS;
    expect(response.headers).toMatchObject(others);
    expect(response.headers["content-security-policy"]).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self' 'sha256-/);
  });
});
