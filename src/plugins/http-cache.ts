import zlib from "node:zlib";
import compress from "@fastify/compress";
import etag from "@fastify/etag";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { bodyChecksum } from "../lib/checksum.ts";
import { hookList } from "../lib/route-hooks.ts";

// The facts change only when a source is (re)loaded, which is rare; a minute bounds how long a
// client or shared cache may serve a page after a reload without asking, and the ETag makes the
// question that follows cheap (a 304 with no body).
const PUBLIC_MAX_AGE_SECONDS = 60;
// While a cache revalidates in the background it may keep answering from its copy for this long.
const STALE_WHILE_REVALIDATE_SECONDS = 300;

const PUBLIC_READ = `public, max-age=${PUBLIC_MAX_AGE_SECONDS}, stale-while-revalidate=${STALE_WHILE_REVALIDATE_SECONDS}`;
// Lower case on purpose: @fastify/compress looks for "accept-encoding" case-sensitively before
// appending it, and would otherwise repeat it. /v1 representations are chosen by Accept as well.
const VARY_V1 = "accept, accept-encoding";

/**
 * Conditional requests and compression, from Fastify's own plugins: a strong ETag (a hash of the
 * uncompressed body) on every buffered response (streamed exports get none), If-None-Match answered with 304, Cache-Control for public
 * reads, and gzip/brotli/deflate above 1 kB. Register it before the routes it should compress.
 */
export const httpCachePlugin = fp(async (app: FastifyInstance) => {
  // onSend hooks run in the order they are added; these surround @fastify/etag's.
  app.addHook("onSend", (request, reply, payload, done) => {
    setCachingHeaders(request, reply, isStream(payload));
    // Preconditions apply only to what would have been a 2xx (RFC 9110 §13.2.1): a problem is never a 304.
    if (!isSuccess(reply.statusCode)) delete request.headers["if-none-match"];
    done(null, payload);
  });

  // Fact details and whole list pages set their ETag from the stored hashes of their items'
  // renderings (lib/json-text.ts): the plugin keeps an ETag it finds and hashes every other body.
  await app.register(etag, { hashFn: bodyChecksum, weak: false });

  // A 304 carries no body, and no Content-Length other than the 200's (RFC 9110 §8.6), nor its
  // Content-Type (§15.4.5). @fastify/etag leaves an empty string that Fastify, and its HEAD handler,
  // would announce as `Content-Length: 0`; route-level onSend hooks run after both.
  app.addHook("onRoute", (route) => {
    route.onSend = [...hookList(route.onSend), bodilessNotModified];
  });

  // @fastify/compress works in a route-level onSend hook, which runs after the global ones above, so
  // the ETag hashes the uncompressed body: it is the same for every encoding, and identical content always gets the same ETag.
  await app.register(compress, {
    encodings: ["br", "gzip", "deflate"],
    threshold: 1024,
    // The API is read-only and takes no request bodies: nothing to decompress.
    globalDecompression: false,
    // mime-db does not list NDJSON as compressible, and full exports are where compression pays most.
    customTypes: /^application\/x-ndjson\b/,
    // The lowest qualities: on a 60 kB page brotli 1 costs ~0.15 ms against ~1 ms at the plugin's
    // default 4, for ~10 % more bytes; gzip 1 ~0.35 ms against ~1.1 ms at zlib's default 6.
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } },
    zlibOptions: { level: 1 },
  });
});

function setCachingHeaders(request: FastifyRequest, reply: FastifyReply, streamed: boolean) {
  const path = request.url.split("?")[0] ?? "";
  const isV1 = path.startsWith("/v1/");
  if (isV1) reply.header("vary", VARY_V1);
  else if (path === "/openapi.json") reply.header("vary", "accept-encoding");
  if (reply.statusCode >= 400) {
    // Problems are about one request at one moment (a database outage, a typo): never reuse them.
    reply.header("cache-control", "no-store");
    return;
  }
  if ((request.method !== "GET" && request.method !== "HEAD") || !isSuccess(reply.statusCode) || reply.hasHeader("cache-control")) return;
  // A streamed export commits to its 200 before its last batch is read: should a later batch fail,
  // the response is cut off (aborted, never ended cleanly), and no cache may keep it as an export.
  if (streamed && isV1) {
    reply.header("cache-control", "no-store");
    return;
  }
  if (isV1 || path === "/openapi.json") reply.header("cache-control", PUBLIC_READ);
  else if (path === "/health" || path === "/ready") reply.header("cache-control", "no-store");
}

async function bodilessNotModified(_request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  if (reply.statusCode !== 304) return payload;
  reply.removeHeader("content-length");
  reply.removeHeader("content-type");
  return null;
}

function isStream(payload: unknown): boolean {
  return typeof (payload as { pipe?: unknown } | null)?.pipe === "function";
}

function isSuccess(status: number) {
  return status >= 200 && status < 300;
}
