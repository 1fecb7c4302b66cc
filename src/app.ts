import { randomUUID } from "node:crypto";
import cors from "@fastify/cors";
import { validatorCompiler, type ZodTypeProvider } from "@fastify/type-provider-zod";
import Fastify, { type FastifyInstance } from "fastify";
import type { Config } from "./config.ts";
import type { ReadReplica, SqlClient, Transact } from "./db/database.ts";
import { createReadRouting } from "./db/read-routing.ts";
import { Problem } from "./lib/problem.ts";
import type { Loaders } from "./lib/shape.ts";
import { createActorsRepository } from "./modules/actors/actors.repository.ts";
import { ActorInputSchema, AttackEventInputSchema, SanctionInputSchema, StatementInputSchema } from "./modules/sources/bundle.schemas.ts";
import { ActorSchema } from "./modules/actors/actors.schemas.ts";
import { mergeRoutes } from "./modules/actors/actors.merge.routes.ts";
import { createApiKeysRepository } from "./modules/api-keys/api-keys.repository.ts";
import { apiKeysRoutes } from "./modules/api-keys/api-keys.routes.ts";
import { AttackEventSchema } from "./modules/attack-events/attack-events.schemas.ts";
import { createChangesRepository } from "./modules/changes/changes.repository.ts";
import { changesRoutes } from "./modules/changes/changes.routes.ts";
import { claimsRoutes } from "./modules/facts/claims.routes.ts";
import { importsRoutes } from "./modules/imports/imports.routes.ts";
import { createWebhooksRepository } from "./modules/webhooks/webhooks.repository.ts";
import { webhooksRoutes } from "./modules/webhooks/webhooks.routes.ts";
import { startWebhookWorker, type WebhookWorkerOptions } from "./modules/webhooks/webhooks.worker.ts";
import { factWriteRoutes } from "./modules/facts/facts.routes.ts";
import { ActorPatchSchema, AttackEventPatchSchema, SanctionPatchSchema, StatementPatchSchema } from "./modules/facts/facts.schemas.ts";
import { SanctionSchema } from "./modules/sanctions/sanctions.schemas.ts";
import { StatementSchema } from "./modules/statements/statements.schemas.ts";
import { authPlugin } from "./plugins/auth.ts";
import { idempotencyPlugin } from "./plugins/idempotency.ts";
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
import { databaseOutagePlugin } from "./plugins/database-outage.ts";
import { errorsPlugin, isDatabaseUnavailable } from "./plugins/errors.ts";
import { readRoutingPlugin } from "./plugins/read-routing.ts";
import { loadSheddingPlugin } from "./plugins/load-shedding.ts";
import { frameworkErrorOptions, frameworkErrorsPlugin } from "./plugins/framework-errors.ts";
import { authFailureLimit, rateLimitPlugin } from "./plugins/rate-limit.ts";
import { securityHeadersPlugin } from "./plugins/security-headers.ts";
import { httpCachePlugin } from "./plugins/http-cache.ts";
import { jsonBodyPlugin } from "./plugins/json-body.ts";
import { logDestination, logFlushPlugin, OneLinePerRequest } from "./plugins/request-log.ts";
import { zodSerializerCompiler } from "./plugins/serializer.ts";

export interface AppDependencies {
  config: Config;
  /** The primary. Migrations and seeding happen before the app is built (db/bootstrap.ts). */
  sql: SqlClient;
  /** Streaming standbys that take the read path (db/read-routing.ts); none: the primary reads too. */
  readReplicas?: ReadReplica[];
  /** Writes: one transaction on one connection each. */
  transaction: Transact;
  /** Runs the webhook worker in this process (the server does; tests that need it say so). */
  webhookWorker?: Omit<WebhookWorkerOptions, "webhooks" | "log">;
  /** Where log lines go; stdout when absent (tests read them here). */
  logStream?: { write(line: string): void };
}


// A client's request id is kept when it is a plain token; anything else gets a fresh one.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the service without listening: the server and the tests share it. */
export async function buildApp({ config, sql, transaction, readReplicas = [], logStream, webhookWorker }: AppDependencies): Promise<FastifyInstance> {
  const logDestinationStream = logDestination(logStream);
  const app = Fastify({
    // Bad percent-encoding, over-long URLs and headers, unknown methods, slow clients: problem+json too.
    ...frameworkErrorOptions(config),
    // Behind a load balancer, the client is whom the trusted proxies' X-Forwarded-For names: request.ip,
    // which the rate limits count by. Off by default: the socket's peer is the client, and a header
    // anyone can send counts for nothing.
    trustProxy: config.trustProxy,
    // API keys must never reach a log line.
    logger: { level: config.logLevel, redact: ["req.headers.authorization", "req.headers[\"idempotency-key\"]"], stream: logDestinationStream },
    logController: new OneLinePerRequest(),
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
  // Hooks on every request are callback-style where their work is synchronous: an async one costs a
  // promise and a turn of the microtask queue per request.
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    done(null, payload);
  });

  await app.register(logFlushPlugin, { destination: logDestinationStream });
  await app.register(errorsPlugin);
  await app.register(jsonBodyPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(databaseOutagePlugin, { sql });
  await app.register(httpCachePlugin);
  await app.register(cors, {
    origin: config.corsOrigins === "*" ? "*" : config.corsOrigins,
    methods: ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ["Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", "X-Request-Id"],
    exposedHeaders: [
      "ETag", "X-Request-Id", "Retry-After", "Location", "Idempotent-Replayed", "WWW-Authenticate",
      "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
    ],
    maxAge: 86_400,
  });
  await app.register(frameworkErrorsPlugin);
  await app.register(loadSheddingPlugin, { config });
  await app.register(docsPlugin);
  // Repositories of public reads get `reads`; what must see the latest writes (keys, idempotency,
  // webhooks, the change feed's watermark, writes and their read-back) gets the primary's `sql`.
  const routing = createReadRouting({ primary: sql, replicas: readReplicas, isUnavailable: isDatabaseUnavailable, log: app.log });
  await app.register(readRoutingPlugin, { routing });
  const reads = routing.sql;
  const apiKeys = createApiKeysRepository(sql);
  const webhooks = createWebhooksRepository(sql);
  if (webhookWorker) {
    let worker: { stop: () => Promise<void> } | undefined;
    app.addHook("onReady", async () => {
      worker = startWebhookWorker({ webhooks, log: app.log, ...webhookWorker });
    });
    app.addHook("onClose", async () => worker?.stop());
  }
  // The limiter's hook runs on each route, after every global hook (auth's among them), so a request
  // with a key counts against its key; registered first because auth counts failed key checks with it.
  await app.register(rateLimitPlugin, { limits: config });
  await app.register(authPlugin, { apiKeys, failures: authFailureLimit(app, config) });
  await app.register(idempotencyPlugin, { sql });

  // Every method each path has, for the 405 of the others.
  const methodsByPath = new Map<string, Set<string>>();
  app.addHook("onRoute", (route) => {
    const methods = methodsByPath.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    methodsByPath.set(route.url, methods);
  });

  const actors = createActorsRepository(reads);
  const statements = createStatementsRepository(reads);
  const sources = createSourcesRepository(reads);
  // What `include=` embeds, whichever resource asks.
  const loaders: Loaders = {
    actors: (ids) => actors.findByIds(ids),
    statements: (ids) => statements.findByIds(ids),
    sources: (ids) => sources.summariesByIds(ids),
  };
  await app.register(healthRoutes, { databases: () => routing.status() });
  await app.register(
    async (v1) => {
      const sanctions = createSanctionsRepository(reads);
      const attackEvents = createAttackEventsRepository(reads);
      await v1.register(actorsRoutes, { actors, timeline: createActorTimelineRepository(reads), loaders });
      await v1.register(statementsRoutes, { statements, actors, stats: createStatementStatsRepository(reads), loaders });
      await v1.register(sanctionsRoutes, { sanctions, actors, loaders });
      await v1.register(attackEventsRoutes, { attackEvents, actors, stats: createAttackEventStatsRepository(reads), loaders });
      await v1.register(sourcesRoutes, { sources, loaders, transaction });
      await v1.register(searchRoutes, { search: createSearchRepository(reads, { rankedMatchesPerType: config.searchRankedMatches }) });
      await v1.register(apiKeysRoutes, { apiKeys });
      const writes = { transaction, sql };
      await v1.register(factWriteRoutes, {
        ...writes, kind: "actor", collection: "actors", noun: "actor", bundleList: "actors", tag: "actors", operationName: "Actor",
        input: ActorInputSchema, patch: ActorPatchSchema, item: ActorSchema, findById: (id) => actors.findById(id),
      });
      await v1.register(factWriteRoutes, {
        ...writes, kind: "statement", collection: "statements", noun: "statement", bundleList: "statements", tag: "statements",
        operationName: "Statement", input: StatementInputSchema, patch: StatementPatchSchema, item: StatementSchema,
        findById: (id) => statements.findById(id),
      });
      await v1.register(factWriteRoutes, {
        ...writes, kind: "sanction", collection: "sanctions", noun: "sanction", bundleList: "sanctions", tag: "sanctions",
        operationName: "Sanction", input: SanctionInputSchema, patch: SanctionPatchSchema, item: SanctionSchema,
        findById: (id) => sanctions.findById(id),
      });
      await v1.register(factWriteRoutes, {
        ...writes, kind: "attackEvent", collection: "attack-events", noun: "attack event", bundleList: "attackEvents",
        tag: "attack-events", operationName: "AttackEvent", input: AttackEventInputSchema, patch: AttackEventPatchSchema,
        item: AttackEventSchema, findById: (id) => attackEvents.findById(id),
      });
      await v1.register(claimsRoutes, writes);
      await v1.register(mergeRoutes, { ...writes, actors });
      await v1.register(changesRoutes, { changes: createChangesRepository(sql) });
      await v1.register(webhooksRoutes, { webhooks });
      await v1.register(importsRoutes, { transaction });
    },
    { prefix: "/v1" },
  );

  // Other methods on a known path are 405 with Allow, not a bare 404.
  app.after(() => {
    for (const [url, methods] of [...methodsByPath].filter(([path]) => path.startsWith("/v1/"))) {
      const missing = ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE"].filter((method) => !methods.has(method));
      if (missing.length === 0) continue;
      const allow = [...methods].filter((method) => method !== "OPTIONS").sort().join(", ");
      app.route({
        method: missing,
        url,
        schema: { hide: true },
        handler: async (request) => {
          throw new Problem(405, "Method Not Allowed", `${request.method} is not supported here; ${url} allows ${allow}.`, [], { allow });
        },
      });
    }
  });

  return app;
}
