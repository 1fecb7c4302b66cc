import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { pageInfo } from "../../lib/pagination.ts";
import { notFound } from "../../lib/problem.ts";
import type { ActorsRepository } from "../actors/actors.repository.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { StatementsRepository } from "./statements.repository.ts";
import { StatementListQuerySchema, StatementListSchema, StatementSchema } from "./statements.schemas.ts";

export const statementsRoutes: FastifyPluginAsyncZod<{ statements: StatementsRepository; actors: ActorsRepository }> = async (
  app,
  { statements, actors },
) => {
  app.get("/statements", {
    schema: {
      operationId: "listStatements",
      tags: ["statements"],
      summary: "List statements",
      description: "Who said what, in the order it was said (undated statements last).",
      querystring: StatementListQuerySchema,
      response: { 200: StatementListSchema },
    },
    handler: async (request) => {
      const query = request.query;
      const page = await statements.list({
        actorIds: await actors.resolveOptionalRefs(query.actor, "query.actor"),
        speakerIds: await actors.resolveOptionalRefs(query.speaker, "query.speaker"),
        aboutIds: await actors.resolveOptionalRefs(query.about, "query.about"),
        kinds: query.kind,
        from: query.from,
        to: query.to,
        limit: query.limit,
        cursor: query.cursor,
      });
      return { data: page.items, page: pageInfo(request.url, page.nextCursor) };
    },
  });

  app.get("/statements/:id", {
    schema: {
      operationId: "getStatement",
      tags: ["statements"],
      summary: "Get a statement",
      params: IdParamsSchema,
      response: { 200: StatementSchema },
    },
    handler: async (request) => {
      const statement = await statements.findById(request.params.id);
      if (!statement) throw notFound(`No statement has the id "${request.params.id}".`);
      return statement;
    },
  });
};
