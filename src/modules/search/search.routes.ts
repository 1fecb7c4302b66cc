import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { listCursors } from "../../lib/cursor.ts";
import { listReply } from "../../lib/pagination.ts";
import { RANKED_MATCHES_PER_TYPE, type SearchRepository, SOURCES_RANKED } from "./search.repository.ts";
import { SearchQuerySchema, SearchResultsSchema } from "./search.schemas.ts";

export const searchRoutes: FastifyPluginAsyncZod<{ search: SearchRepository }> = async (app, { search }) => {
  app.get("/search", {
    schema: {
      operationId: "search",
      tags: ["search"],
      summary: "Search every resource",
      description:
        "Full-text search over actors, statements, sanctions, attack events and sources, best matches first. " +
        "Supports \"quoted phrases\", `or` and `-excluded` words; an actor's aliases find it and its facts. " +
        `Ranking is bounded so that a search answers in milliseconds however common its words: of each type, at most ${RANKED_MATCHES_PER_TYPE} ` +
        `matches (${SOURCES_RANKED} sources) are ranked and paged through: the newest statements, attack events and sources by their date ` +
        "(and the undated ones), the first found of the other types. For a word in many thousands of facts, hits are the best of its newest matches, not necessarily of all; " +
        "`count=true` still counts every match.",
      querystring: SearchQuerySchema,
      response: { 200: SearchResultsSchema },
    },
    handler: async (request) => {
      const { q, type, limit, count } = request.query;
      const cursors = listCursors("search");
      const page = await search.search({ q, types: type, limit, cursor: cursors.read(request.query.cursor), count });
      return listReply(request.url, { ...page, nextCursor: cursors.issue(page.nextCursor) });
    },
  });
};
