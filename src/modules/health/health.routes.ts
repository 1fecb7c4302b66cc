import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { z } from "zod";
import type { DatabaseStatus } from "../../db/read-routing.ts";

const HealthSchema = z.object({ status: z.literal("ok") }).meta({ id: "Health" });

const DatabaseStatusSchema = z
  .object({
    name: z.string().meta({ description: "`primary`, or a read replica's host:port/database (never its credentials)." }),
    role: z.enum(["primary", "replica"]),
    status: z.enum(["up", "down"]),
    lagBytes: z.number().int().min(0).nullable().optional().meta({
      description: "Replicas: WAL bytes still to replay to reach the primary's current position (0: caught up; null: not a standby).",
    }),
    lagSeconds: z.number().min(0).nullable().optional().meta({
      description: "Replicas: 0 when caught up; otherwise seconds since the last transaction the replica replayed.",
    }),
    error: z.string().optional().meta({ description: "Replicas that are down: why." }),
  })
  .meta({ id: "DatabaseStatus" });

const ReadinessSchema = z
  .object({
    status: z.enum(["ok", "degraded"]).meta({
      description: "`ok`: every database answers; `degraded`: the primary answers but a read replica does not (its reads go to the primary).",
    }),
    databases: z.array(DatabaseStatusSchema).meta({ description: "The primary first, then each read replica (DATABASE_READ_URLS)." }),
  })
  .meta({ id: "Readiness" });

// Probes answer a few fields, and the first of them is what a supervisor waits for at start: compiling
// a serializer for it (fast-json-stringify builds its own ajv) was 0.1–0.2 s of the time until ready.
const plainJson = () => JSON.stringify;

export const healthRoutes: FastifyPluginAsyncZod<{ databases: () => Promise<DatabaseStatus[]> }> = async (app, { databases }) => {
  app.get("/health", {
    serializerCompiler: plainJson,
    schema: {
      operationId: "getHealth",
      tags: ["health"],
      summary: "Liveness: the process answers",
      description: "200 whenever the process can answer, whatever the database's state (see `/ready` for that): for a supervisor deciding whether to restart it.",
      response: { 200: HealthSchema },
    },
    handler: async () => ({ status: "ok" as const }),
  });

  app.get("/ready", {
    serializerCompiler: plainJson,
    schema: {
      operationId: "getReadiness",
      tags: ["health"],
      summary: "Readiness: the primary database answers; each read replica's state and lag",
      description:
        "200 while the primary database answers, whatever the read replicas' state: a replica that is down is reported " +
        "(`status: degraded`) and its reads go to the primary. 503 with Retry-After while the primary does not answer.",
      response: { 200: ReadinessSchema },
    },
    // The primary's absence (refused, timed out, not prepared yet) is a 503 with Retry-After, logged
    // once per outage (plugins/database-outage.ts), however often probes ask.
    handler: async () => {
      const statuses = await databases();
      return { status: statuses.every((database) => database.status === "up") ? ("ok" as const) : ("degraded" as const), databases: statuses };
    },
  });
};
