import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { pageInfo } from "../../lib/pagination.ts";
import { notFound } from "../../lib/problem.ts";
import type { ActorsRepository } from "../actors/actors.repository.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { SanctionsRepository } from "./sanctions.repository.ts";
import { SanctionListQuerySchema, SanctionListSchema, SanctionSchema } from "./sanctions.schemas.ts";

export const sanctionsRoutes: FastifyPluginAsyncZod<{ sanctions: SanctionsRepository; actors: ActorsRepository }> = async (
  app,
  { sanctions, actors },
) => {
  app.get("/sanctions", {
    schema: {
      operationId: "listSanctions",
      tags: ["sanctions"],
      summary: "List sanctions",
      description: "Who sanctioned whom and why, in the order announced (undated sanctions last).",
      querystring: SanctionListQuerySchema,
      response: { 200: SanctionListSchema },
    },
    handler: async (request) => {
      const query = request.query;
      const page = await sanctions.list({
        actorIds: await actors.resolveOptionalRefs(query.actor, "query.actor"),
        authorityIds: await actors.resolveOptionalRefs(query.authority, "query.authority"),
        targetIds: await actors.resolveOptionalRefs(query.target, "query.target"),
        statuses: query.status,
        from: query.from,
        to: query.to,
        limit: query.limit,
        cursor: query.cursor,
      });
      return { data: page.items, page: pageInfo(request.url, page.nextCursor) };
    },
  });

  app.get("/sanctions/:id", {
    schema: {
      operationId: "getSanction",
      tags: ["sanctions"],
      summary: "Get a sanction",
      params: IdParamsSchema,
      response: { 200: SanctionSchema },
    },
    handler: async (request) => {
      const sanction = await sanctions.findById(request.params.id);
      if (!sanction) throw notFound(`No sanction has the id "${request.params.id}".`);
      return sanction;
    },
  });
};
