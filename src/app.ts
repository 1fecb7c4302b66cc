import { randomUUID } from "node:crypto";
import cors from "@fastify/cors";
import { validatorCompiler, type ZodTypeProvider } from "@fastify/type-provider-zod";
import Fastify, { type FastifyInstance } from "fastify";
import type { Config } from "./config.ts";
import type { SqlClient } from "./db/database.ts";
import { Problem } from "./lib/problem.ts";
import type { Loaders } from "./lib/shape.ts";
import { createActorsRepository } from "./modules/actors/actors.repository.ts";
import { actorsRoutes } from "./modules/actors/actors.routes.ts";
import { createActorTimelineRepository } from "./modules/actors/actors.timeline.repository.ts";
import { createAttackEventsRepository } from "./modules/attack-events/attack-events.repository.ts";
import { attackEventsRoutes } from "./modules/attack-events/attack-events.routes.ts";
import { createAttackEventStatsRepository } from "./modules/attack-events/attack-events.stats.repository.ts";
import { healthRoutes } from "./modules/health/health.routes.ts";
import { createSanctionsRepository } from "./modules/sanctions/sanctions.repository.ts";
import { createSearchRepository } from "./modules/search/search.repository.ts";
import { searchRoutes } from "./modules/search/search.routes.ts";
import { sanctionsRoutes } from "./modules/sanctions/sanctions.routes.ts";
import { createSourcesRepository } from "./modules/sources/sources.repository.ts";
import { sourcesRoutes } from "./modules/sources/sources.routes.ts";
import { createStatementsRepository } from "./modules/statements/statements.repository.ts";
import { statementsRoutes } from "./modules/statements/statements.routes.ts";
import { createStatementStatsRepository } from "./modules/statements/statements.stats.repository.ts";
import { docsPlugin } from "./plugins/docs.ts";
import { errorsPlugin } from "./plugins/errors.ts";
import { httpCachePlugin } from "./plugins/http-cache.ts";
import { zodSerializerCompiler } from "./plugins/serializer.ts";

export interface AppDependencies {
  config: Config;
  /** Reads only: migrations and seeding happen before the app is built (db/bootstrap.ts). */
  sql: SqlClient;
}


// A client's request id is kept when it is a plain token; anything else gets a fresh one.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the service without listening: the server and the tests share it. */
export async function buildApp({ config, sql }: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    requestIdHeader: false,
    // Longer than any valid id, so that the id schema, not the router, rejects long ones (400, not 414).
    routerOptions: { maxParamLength: 500 },
    genReqId: (request) => {
      const given = request.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(zodSerializerCompiler);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  await app.register(errorsPlugin);
  await app.register(httpCachePlugin);
  await app.register(cors, {
    origin: config.corsOrigins === "*" ? "*" : config.corsOrigins,
    methods: ["GET", "HEAD", "OPTIONS"],
    exposedHeaders: ["ETag", "X-Request-Id", "Retry-After"],
    maxAge: 86_400,
  });
  await app.register(docsPlugin);

  const readPaths: string[] = [];
  app.addHook("onRoute", (route) => {
    if (route.method === "GET" || (Array.isArray(route.method) && route.method.includes("GET"))) readPaths.push(route.url);
  });

  const actors = createActorsRepository(sql);
  const statements = createStatementsRepository(sql);
  const sources = createSourcesRepository(sql);
  // What `include=` embeds, whichever resource asks.
  const loaders: Loaders = {
    actors: (ids) => actors.findByIds(ids),
    statements: (ids) => statements.findByIds(ids),
    sources: (ids) => sources.summariesByIds(ids),
  };
  await app.register(healthRoutes, { sql });
  await app.register(
    async (v1) => {
      await v1.register(actorsRoutes, { actors, timeline: createActorTimelineRepository(sql), loaders });
      await v1.register(statementsRoutes, { statements, actors, stats: createStatementStatsRepository(sql), loaders });
      await v1.register(sanctionsRoutes, { sanctions: createSanctionsRepository(sql), actors, loaders });
      await v1.register(attackEventsRoutes, {
        attackEvents: createAttackEventsRepository(sql),
        actors,
        stats: createAttackEventStatsRepository(sql),
        loaders,
      });
      await v1.register(sourcesRoutes, { sources, loaders });
      await v1.register(searchRoutes, { search: createSearchRepository(sql) });
    },
    { prefix: "/v1" },
  );

  // The API is read-only: other methods on a readable path are 405 with Allow, not a bare 404.
  app.after(() => {
    for (const url of new Set(readPaths.filter((path) => path.startsWith("/v1/")))) {
      app.route({
        method: ["POST", "PUT", "PATCH", "DELETE"],
        url,
        schema: { hide: true },
        handler: async (request) => {
          throw new Problem(405, "Method Not Allowed", `${request.method} is not supported here; this API is read-only.`, [], {
            allow: "GET, HEAD",
          });
        },
      });
    }
  });

  return app;
}
