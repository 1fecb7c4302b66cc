import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { pageInfo } from "../../lib/pagination.ts";
import { notFound } from "../../lib/problem.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { SourcesRepository } from "./sources.repository.ts";
import { SourceListQuerySchema, SourceListSchema, SourceSchema } from "./sources.schemas.ts";

export const sourcesRoutes: FastifyPluginAsyncZod<{ sources: SourcesRepository }> = async (app, { sources }) => {
  app.get("/sources", {
    schema: {
      operationId: "listSources",
      tags: ["sources"],
      summary: "List sources",
      description: "The reports facts come from, oldest first, without their text.",
      querystring: SourceListQuerySchema,
      response: { 200: SourceListSchema },
    },
    handler: async (request) => {
      const query = request.query;
      const page = await sources.list({
        languages: query.language,
        from: query.from,
        to: query.to,
        limit: query.limit,
        cursor: query.cursor,
      });
      return { data: page.items, page: pageInfo(request.url, page.nextCursor) };
    },
  });

  app.get("/sources/:id", {
    schema: {
      operationId: "getSource",
      tags: ["sources"],
      summary: "Get a source with its full text",
      params: IdParamsSchema,
      response: { 200: SourceSchema },
    },
    handler: async (request) => {
      const source = await sources.findById(request.params.id);
      if (!source) throw notFound(`No source has the id "${request.params.id}".`);
      return source;
    },
  });
};
