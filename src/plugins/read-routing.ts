import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ReadRouting } from "../db/read-routing.ts";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const NO_CACHE = /(?:^|,)\s*no-cache\s*(?:$|[,=])/i;

/**
 * Which requests read from the primary rather than a replica, which may lag behind it:
 * - every request that writes (POST, PUT, PATCH, DELETE), for all it reads: the fact it answers with
 *   after writing it, the version its If-Match is checked against;
 * - a read sent with `Cache-Control: no-cache`: a client that has just written asks to see it.
 */
export function readsFromPrimary(request: { method: string; headers: Record<string, string | string[] | undefined> }): boolean {
  if (!READ_METHODS.has(request.method)) return true;
  const cacheControl = request.headers["cache-control"];
  return typeof cacheControl === "string" && NO_CACHE.test(cacheControl);
}

/**
 * Pins the reads of the requests above to the primary (an AsyncLocalStorage context around the
 * handler); the others take the replicas. A preHandler, not onRequest: reading a body ends the
 * asynchronous context that an earlier hook would have opened.
 */
export const readRoutingPlugin = fp<{ routing: ReadRouting }>(async (app: FastifyInstance, { routing }) => {
  app.addHook("preHandler", (request, _reply, done) => (readsFromPrimary(request) ? routing.onPrimary(() => done()) : done()));
  app.addHook("onClose", async () => routing.close());
});
