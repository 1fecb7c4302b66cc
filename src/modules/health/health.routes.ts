import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { z } from "zod";
import type { SqlClient } from "../../db/database.ts";

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
    // The database's absence (refused, timed out, not prepared yet) is a 503 with Retry-After, logged
    // once per outage (plugins/database-outage.ts), however often probes ask.
    handler: async () => {
      await sql.query("SELECT 1");
      return { status: "ok" as const };
    },
  });
};
