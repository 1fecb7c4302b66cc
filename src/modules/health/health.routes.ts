import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { z } from "zod";
import type { SqlClient } from "../../db/database.ts";
import { serviceUnavailable } from "../../lib/problem.ts";

const HealthSchema = z.object({ status: z.literal("ok") }).meta({ id: "Health" });

export const healthRoutes: FastifyPluginAsyncZod<{ sql: SqlClient }> = async (app, { sql }) => {
  app.get("/health", {
    schema: {
      operationId: "getHealth",
      tags: ["health"],
      summary: "Liveness: the process answers",
      response: { 200: HealthSchema },
    },
    handler: async () => ({ status: "ok" as const }),
  });

  app.get("/ready", {
    schema: {
      operationId: "getReadiness",
      tags: ["health"],
      summary: "Readiness: the database answers",
      response: { 200: HealthSchema },
    },
    handler: async (request) => {
      try {
        await sql.query("SELECT 1");
      } catch (error) {
        request.log.warn({ err: error }, "database unreachable");
        throw serviceUnavailable("The database does not answer.");
      }
      return { status: "ok" as const };
    },
  });
};
