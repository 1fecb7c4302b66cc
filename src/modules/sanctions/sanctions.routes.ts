import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { sendFact } from "../../lib/fact-response.ts";
import { commonFilters } from "../../db/list-query.ts";
import { evidenceSources, type Loaders, type Relation } from "../../lib/shape.ts";
import type { ActorsRepository } from "../actors/actors.repository.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import { listRoutes } from "../common/list-routes.ts";
import type { SanctionsRepository } from "./sanctions.repository.ts";
import { SANCTION_CSV_COLUMNS, SanctionListQuerySchema, SanctionListSchema, SanctionDetailSchema, SanctionShapeQuerySchema, type Sanction } from "./sanctions.schemas.ts";

/** What `include=` can embed. */
const SANCTION_RELATIONS: Record<string, Relation<Sanction>> = {
  authority: { kind: "actors", ids: (sanction) => [sanction.authority.id] },
  targets: { kind: "actors", ids: (sanction) => sanction.targets.map((actor) => actor.id) },
  about: { kind: "actors", ids: (sanction) => sanction.about.map((actor) => actor.id) },
  sources: { kind: "sources", ids: evidenceSources },
};

export const sanctionsRoutes: FastifyPluginAsyncZod<{ sanctions: SanctionsRepository; actors: ActorsRepository; loaders: Loaders }> = async (
  app,
  { sanctions, actors, loaders },
) => {
  listRoutes(app, {
    name: "sanctions",
    operationId: "listSanctions",
    tags: ["sanctions"],
    summary: "List sanctions",
    description: "Who sanctioned whom and why, in the order announced (undated sanctions last).",
    query: SanctionListQuerySchema,
    response: SanctionListSchema,
    exports: ["csv", "ndjson"],
    csvColumns: SANCTION_CSV_COLUMNS,
    filters: async (query) => ({
      actorIds: await actors.resolveOptionalRefs(query.actor, "query.actor"),
      authorityIds: await actors.resolveOptionalRefs(query.authority, "query.authority"),
      targetIds: await actors.resolveOptionalRefs(query.target, "query.target"),
      statuses: query.status,
      reason: query.reason,
      ...commonFilters(query),
    }),
    list: (options) => sanctions.list(options),
    relations: SANCTION_RELATIONS,
    loaders,
  });

  app.get("/sanctions/:id", {
    schema: {
      operationId: "getSanction",
      tags: ["sanctions"],
      summary: "Get a sanction",
      description:
        "One sanction with its authority, targets and every source's claims and excerpts. `fields=` keeps only the fields named (and `id`); " +
        "`include=` embeds the records it references. 404 for an unknown id, 410 for one deleted or no longer backed by any source.",
      params: IdParamsSchema,
      querystring: SanctionShapeQuerySchema,
      response: { 200: SanctionDetailSchema },
    },
    handler: async (request, reply) => {
      const { fields, include } = request.query;
      const address = { noun: "sanction", collection: "/v1/sanctions", id: request.params.id };
      return sendFact(reply, await sanctions.findById(request.params.id), address, { fields, include, relations: SANCTION_RELATIONS, loaders });
    },
  });
};
