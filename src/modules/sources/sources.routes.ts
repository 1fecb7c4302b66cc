import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { replyWithList } from "../../lib/formats.ts";
import { commonFilters } from "../../db/list-query.ts";
import { notFound } from "../../lib/problem.ts";
import { type Loaders, shapeItem } from "../../lib/shape.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { SourcesRepository } from "./sources.repository.ts";
import {
  SOURCE_CSV_COLUMNS,
  SourceDetailSchema,
  SourceListQuerySchema,
  SourceListSchema,
  SourceShapeQuerySchema,
} from "./sources.schemas.ts";

export const sourcesRoutes: FastifyPluginAsyncZod<{ sources: SourcesRepository; loaders: Loaders }> = async (app, { sources, loaders }) => {
  app.get("/sources", {
    schema: {
      operationId: "listSources",
      tags: ["sources"],
      summary: "List sources",
      description: "The reports facts come from, oldest first, without their text.",
      querystring: SourceListQuerySchema,
      response: { 200: SourceListSchema },
      exports: ["csv", "ndjson"],
    },
    handler: async (request, reply) => {
      const query = request.query;
      const filters = {
        languages: query.language,
        ...commonFilters(query),
      };
      return replyWithList(request, reply, {
        name: "sources",
        formats: ["json", "csv", "ndjson"],
        query,
        csvColumns: SOURCE_CSV_COLUMNS,
        list: (paging) => sources.list({ ...filters, ...paging }),
        // Sources link to nothing that include= could embed; fields= narrows them.
        shape: { fields: query.fields, relations: {}, loaders },
      });
    },
  });

  app.get("/sources/:id", {
    schema: {
      operationId: "getSource",
      tags: ["sources"],
      summary: "Get a source and the passages its facts quote",
      description:
        "Metadata, the SHA-256 and length of the stored text, and every excerpt facts quote. The full text is stored to verify " +
        "excerpts, and licences such as the BBC's forbid republishing it: it is included only for an API key with the " +
        "`sources:text` scope (and such a response is never cached by shared caches).",
      params: IdParamsSchema,
      querystring: SourceShapeQuerySchema,
      response: { 200: SourceDetailSchema },
    },
    handler: async (request, reply) => {
      const withText = request.apiKey?.scopes.includes("sources:text") ?? false;
      const source = await sources.findById(request.params.id, withText);
      if (!source) throw notFound(`No source has the id "${request.params.id}".`);
      if (withText) reply.header("cache-control", "private, no-store");
      return shapeItem(reply, source, { fields: request.query.fields, relations: {}, loaders });
    },
  });
};
