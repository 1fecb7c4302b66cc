import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { pageInfo } from "../../lib/pagination.ts";
import { notFound } from "../../lib/problem.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { ActorsRepository } from "./actors.repository.ts";
import { ActorListQuerySchema, ActorListSchema, ActorSchema } from "./actors.schemas.ts";

export const actorsRoutes: FastifyPluginAsyncZod<{ actors: ActorsRepository }> = async (app, { actors }) => {
  app.get("/actors", {
    schema: {
      operationId: "listActors",
      tags: ["actors"],
      summary: "List actors",
      description: "People, states, organisations, government bodies, armed forces and places, ordered by name.",
      querystring: ActorListQuerySchema,
      response: { 200: ActorListSchema },
    },
    handler: async (request) => {
      const query = request.query;
      const page = await actors.list({
        types: query.type,
        ids: await actors.resolveOptionalRefs(query.name, "query.name"),
        countryIds: await actors.resolveOptionalRefs(query.country, "query.country"),
        limit: query.limit,
        cursor: query.cursor,
      });
      return { data: page.items, page: pageInfo(request.url, page.nextCursor) };
    },
  });

  app.get("/actors/:id", {
    schema: {
      operationId: "getActor",
      tags: ["actors"],
      summary: "Get an actor",
      description: "An actor with its aliases, roles, descriptions and the excerpts that mention it.",
      params: IdParamsSchema,
      response: { 200: ActorSchema },
    },
    handler: async (request) => {
      const actor = await actors.findById(request.params.id);
      if (!actor) throw notFound(`No actor has the id "${request.params.id}".`);
      return actor;
    },
  });
};
