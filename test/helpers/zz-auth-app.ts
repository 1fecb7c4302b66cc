import { validatorCompiler, type ZodTypeProvider } from "@fastify/type-provider-zod";
import Fastify, { type FastifyInstance } from "fastify";
import supertest from "supertest";
import type { Database } from "../../src/db/database.ts";
import { applyPendingMigrations } from "../../src/db/migrate.ts";
import { type ApiKeysRepository, createApiKeysRepository } from "../../src/modules/api-keys/api-keys.repository.ts";
import { apiKeysRoutes } from "../../src/modules/api-keys/api-keys.routes.ts";
import type { Scope } from "../../src/modules/api-keys/api-keys.schemas.ts";
import { authPlugin } from "../../src/plugins/auth.ts";
import { docsPlugin } from "../../src/plugins/docs.ts";
import { errorsPlugin } from "../../src/plugins/errors.ts";
import { httpCachePlugin } from "../../src/plugins/http-cache.ts";
import { idempotencyPlugin } from "../../src/plugins/idempotency.ts";
import { zodSerializerCompiler } from "../../src/plugins/serializer.ts";
import { openDatabase } from "../../src/db/database.ts";
const freshDatabase = async (_u?: string) => ({ database: await openDatabase("pglite://memory", { poolSize: 1 }), dispose: async () => {} });

export interface AuthTestApp {
  app: FastifyInstance;
  database: Database;
  apiKeys: ApiKeysRepository;
  http: () => supertest.Agent;
  /** A new key with these scopes, made through the repository (the API needs a key to make one). */
  newKey: (scopes: Scope[], name?: string) => Promise<string>;
  close: () => Promise<void>;
}

export interface AuthTestAppOptions {
  /** Extra routes under /v1, registered after the plugins like the service's own modules. */
  routes?: (v1: FastifyInstance) => Promise<void>;
  idempotencyWaitMs?: number;
}

/**
 * The write-side plugins and the api-keys module on a fresh, migrated (unseeded) database, in the
 * order the service registers them. Until src/app.ts wires them in, this is their app.
 */
export async function startAuthApp(options: AuthTestAppOptions = {}): Promise<AuthTestApp> {
  const { database, dispose } = await freshDatabase(process.env.DATABASE_URL);
  await database.withSession((session) => applyPendingMigrations(session));
  const apiKeys = createApiKeysRepository(database.sql);

  const app = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(zodSerializerCompiler);
  await app.register(errorsPlugin);
  await app.register(httpCachePlugin);
  await app.register(docsPlugin);
  await app.register(authPlugin, { apiKeys });
  await app.register(idempotencyPlugin, { sql: database.sql, waitMs: options.idempotencyWaitMs });
  await app.register(
    async (v1) => {
      await v1.register(apiKeysRoutes, { apiKeys });
      await options.routes?.(v1);
    },
    { prefix: "/v1" },
  );
  await app.ready();

  return {
    app,
    database,
    apiKeys,
    http: () => supertest.agent(app.server),
    newKey: async (scopes, name = `test ${scopes.join("+")}`) => (await apiKeys.create({ name, scopes })).key,
    close: async () => {
      await app.close();
      await database.close();
      await dispose();
    },
  };
}
