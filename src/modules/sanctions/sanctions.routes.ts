import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { replyWithList } from "../../lib/formats.ts";
import { commonFilters } from "../../lib/pagination.ts";
import { notFound } from "../../lib/problem.ts";
import type { ActorsRepository } from "../actors/actors.repository.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { SanctionsRepository } from "./sanctions.repository.ts";
import { SANCTION_CSV_COLUMNS, SanctionListQuerySchema, SanctionListSchema, SanctionSchema } from "./sanctions.schemas.ts";

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
      exports: ["csv", "ndjson"],
    },
    handler: async (request, reply) => {
      const query = request.query;
      const filters = {
        actorIds: await actors.resolveOptionalRefs(query.actor, "query.actor"),
        authorityIds: await actors.resolveOptionalRefs(query.authority, "query.authority"),
        targetIds: await actors.resolveOptionalRefs(query.target, "query.target"),
        statuses: query.status,
        reason: query.reason,
        ...commonFilters(query),
      };
      return replyWithList(request, reply, {
        name: "sanctions",
        formats: ["json", "csv", "ndjson"],
        query,
        csvColumns: SANCTION_CSV_COLUMNS,
        list: (paging) => sanctions.list({ ...filters, ...paging }),
      });
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
