import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import type { SqlClient, Transact } from "../../db/database.ts";
import { lockFact, mergeActors } from "../../db/editing.ts";
import { sendWholeFact } from "../../lib/fact-response.ts";
import { badRequest } from "../../lib/problem.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import { MergeInputSchema } from "../facts/facts.schemas.ts";
import { changeContext } from "../facts/change-context.ts";
import type { ActorsRepository } from "./actors.repository.ts";
import { ActorSchema } from "./actors.schemas.ts";

export const mergeRoutes: FastifyPluginAsyncZod<{ actors: ActorsRepository; transaction: Transact; sql: SqlClient }> = async (
  app,
  { actors, transaction },
) => {
  app.post("/actors/:id/merge", {
    config: { scope: "write" },
    schema: {
      operationId: "mergeActors",
      tags: ["actors"],
      summary: "Fold a duplicate actor into this one",
      description:
        "Moves every reference, claim and alias of `duplicateId` to this actor. The duplicate's detail then answers 308 to this " +
        "one, and its id still works as a filter value. Writes a revision on both.",
      params: IdParamsSchema,
      body: MergeInputSchema,
      response: { 200: ActorSchema },
    },
    handler: async (request, reply) => {
      const survivorId = request.params.id;
      const { duplicateId } = request.body;
      if (duplicateId === survivorId) throw badRequest("An actor cannot be merged into itself.", [{ field: "body.duplicateId", message: "Same as the path's id" }]);
      await transaction(async (tx) => {
        await lockFact(tx, "actor", survivorId, undefined);
        await lockFact(tx, "actor", duplicateId, undefined);
        await mergeActors(tx, survivorId, duplicateId, changeContext(request));
      });
      return sendWholeFact(reply, await actors.findById(survivorId), { noun: "actor", collection: "/v1/actors", id: survivorId }) as never;
    },
  });
};
