import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { pageInfo } from "../../lib/pagination.ts";
import { notFound } from "../../lib/problem.ts";
import type { ActorsRepository } from "../actors/actors.repository.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { AttackEventsRepository } from "./attack-events.repository.ts";
import { AttackEventListQuerySchema, AttackEventListSchema, AttackEventSchema } from "./attack-events.schemas.ts";

export const attackEventsRoutes: FastifyPluginAsyncZod<{ attackEvents: AttackEventsRepository; actors: ActorsRepository }> = async (
  app,
  { attackEvents, actors },
) => {
  app.get("/attack-events", {
    schema: {
      operationId: "listAttackEvents",
      tags: ["attack-events"],
      summary: "List attack events",
      description: "Attacks and destruction, in the order they happened (undated events last).",
      querystring: AttackEventListQuerySchema,
      response: { 200: AttackEventListSchema },
    },
    handler: async (request) => {
      const query = request.query;
      const page = await attackEvents.list({
        actorIds: await actors.resolveOptionalRefs(query.actor, "query.actor"),
        attackerIds: await actors.resolveOptionalRefs(query.attacker, "query.attacker"),
        placeIds: await actors.resolveOptionalRefs(query.place, "query.place"),
        kinds: query.kind,
        from: query.from,
        to: query.to,
        limit: query.limit,
        cursor: query.cursor,
      });
      return { data: page.items, page: pageInfo(request.url, page.nextCursor) };
    },
  });

  app.get("/attack-events/:id", {
    schema: {
      operationId: "getAttackEvent",
      tags: ["attack-events"],
      summary: "Get an attack event",
      params: IdParamsSchema,
      response: { 200: AttackEventSchema },
    },
    handler: async (request) => {
      const attackEvent = await attackEvents.findById(request.params.id);
      if (!attackEvent) throw notFound(`No attack event has the id "${request.params.id}".`);
      return attackEvent;
    },
  });
};
