import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import helmet, { type HelmetOptions } from "helmet";

// The API answers JSON, CSV and problems, never a page: a response has nothing to load, run or frame.
const API_CSP_DIRECTIVES = {
  "default-src": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'none'"],
  "frame-ancestors": ["'none'"],
};

// The one inline <style> element Swagger UI 5 (in @fastify/swagger-ui 6.1) adds to the page, by its
// hash rather than 'unsafe-inline'. Another version of the UI may add another: the browser test says so.
const SWAGGER_UI_INLINE_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/**
 * The docs page (Swagger UI at /docs, served by plugins/docs.ts): its own scripts and styles, the
 * data: images of its icons, and requests to this origin only ("Try it out"). No inline script, no
 * eval, no framing. test/docs-browser.test.ts loads the page under it and fails on any violation.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' ${SWAGGER_UI_INLINE_STYLE}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const API_CSP = Object.entries(API_CSP_DIRECTIVES).map(([name, values]) => `${name} ${values.join(" ")}`).join("; ");

/**
 * What every answer carries even when it is written before Fastify sees a request (the raw answers
 * of plugins/framework-errors.ts), where helmet cannot add its headers.
 */
export const BARE_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": API_CSP,
  "cross-origin-resource-policy": "cross-origin",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

const API_HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: API_CSP_DIRECTIVES },
  crossOriginResourcePolicy: { policy: "cross-origin" },
  frameguard: { action: "deny" },
};

/**
 * The headers that helmet's middleware sets with `options`, read once. They are static: helmet
 * builds them again for every request (through @fastify/helmet, 2 % of a list page's allocations,
 * with two hooks of its own), for the same result.
 */
function helmetHeaders(options: HelmetOptions): [name: string, value: string][] {
  const headers: [string, string][] = [];
  const response = { setHeader: (name: string, value: unknown) => headers.push([name, String(value)]), removeHeader: () => {} };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

/**
 * Helmet's headers on every response: nosniff, no framing, no referrer, HSTS, and the strict CSP
 * above (the docs page replaces it with DOCS_CSP). Cross-Origin-Resource-Policy is `cross-origin`:
 * the API is meant to be read by other origins' frontends (CORS decides which), and `same-origin`
 * would make browsers drop their responses.
 */
export const securityHeadersPlugin = fp(async (app: FastifyInstance) => {
  const headers = helmetHeaders(API_HELMET_OPTIONS);
  app.addHook("onRequest", (_request, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
}, { name: "warfacts-security-headers" });
