import type { FastifyInstance } from "fastify";
import supertest from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import type { Database } from "../src/db/database.ts";
import { freshDatabase } from "./helpers/test-app.ts";

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string; headers?: unknown };
  res?: { statusCode: number };
  responseTime?: number;
}

let database: Database;
let dispose: () => Promise<void>;
let app: FastifyInstance;
const lines: LogLine[] = [];

beforeAll(async () => {
  ({ database, dispose } = await freshDatabase(process.env.DATABASE_URL));
  await prepareDatabase(database, { migrate: true, seed: true });
  app = await buildApp({
    config: { ...loadConfig({}), logLevel: "info", maxQueueWaitMs: 60_000 },
    sql: database.sql,
    transaction: database.transaction,
    logStream: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await database?.close();
  await dispose?.();
});

/** The lines logged for the request with this id. */
const linesOf = (requestId: string) => lines.filter((line) => line.reqId === requestId);

describe("request logging", () => {
  it("writes one line per request, when it is answered: method, URL, status and time, no headers", async () => {
    await supertest(app.server).get("/v1/statements/st-kirby-main-military-base?fields=text").set("X-Request-Id", "one-line-200").expect(200);
    await supertest(app.server).get("/v1/statements/no-such-statement").set("X-Request-Id", "one-line-404").expect(404);
    await supertest(app.server)
      .get("/v1/statements?limit=1")
      .set("X-Request-Id", "one-line-401")
      .set("Authorization", "Bearer wf_secret_never_logged")
      .expect(401);

    for (const [id, url, status] of [
      ["one-line-200", "/v1/statements/st-kirby-main-military-base?fields=text", 200],
      ["one-line-404", "/v1/statements/no-such-statement", 404],
      ["one-line-401", "/v1/statements?limit=1", 401],
    ] as const) {
      const logged = linesOf(id);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 30, msg: "request completed", req: { method: "GET", url }, res: { statusCode: status } });
      expect(logged[0]!.responseTime).toBeGreaterThan(0);
      expect(logged[0]!.req!.headers).toBeUndefined();
    }
    expect(lines.filter((line) => line.msg === "incoming request")).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain("wf_secret_never_logged");
  });
});
