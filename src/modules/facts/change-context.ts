import type { FastifyRequest } from "fastify";
import type { ChangeContext } from "../../db/projection.ts";

/** Who makes a change, for its revisions: the request's API key, and the source a bundle came from. */
export const changeContext = (request: FastifyRequest, sourceId: string | null = null): ChangeContext => ({
  apiKeyId: request.apiKey?.id ?? null,
  sourceId,
});
