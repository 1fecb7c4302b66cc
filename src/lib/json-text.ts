import type { FastifyReply } from "fastify";

/**
 * Sends JSON that is already text (items as the database keeps them): Fastify passes a string or the
 * bytes of one through untouched, past the route's compiled serializer. With an `etag`, the ETag
 * plugin keeps it instead of hashing the body.
 */
export function sendJsonText(reply: FastifyReply, json: string | Buffer, etag?: string): FastifyReply {
  if (etag) reply.header("etag", etag);
  return reply.type("application/json; charset=utf-8").send(json);
}
