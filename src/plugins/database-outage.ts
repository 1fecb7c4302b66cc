import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { DatabaseNotReady } from "../db/bootstrap.ts";
import type { SqlClient } from "../db/database.ts";
import { serviceUnavailable } from "../lib/problem.ts";
import { isDatabaseUnavailable, sendProblem } from "./errors.ts";

export interface DatabaseOutageOptions {
  sql: SqlClient;
  /** How often to ask the database whether it is back, during an outage. */
  probeIntervalMs?: number;
}

/**
 * While the database does not answer, every request that needs it is a 503 with `Retry-After`. The
 * outage is logged once when it starts (with its cause) and once when it ends (with how long it
 * lasted and how many requests were answered 503), not once per request: a 25 s outage under load
 * used to write 21,000 lines, each with a stack. The end is found by asking the database every
 * `probeIntervalMs`, so that it is logged even when no request comes.
 * Register it before the routes: it gives each one an error handler that catches the database's
 * absence and passes every other error on to the service's own (plugins/errors.ts).
 */
export const databaseOutagePlugin = fp<DatabaseOutageOptions>(async (app: FastifyInstance, { sql, probeIntervalMs = 1000 }) => {
  let outage: { since: number; refused: number; probe?: NodeJS.Timeout } | undefined;
  let closed = false;

  function probeLater() {
    if (!outage || closed) return;
    outage.probe = setTimeout(async () => {
      try {
        await sql.query("SELECT 1");
      } catch {
        return probeLater();
      }
      if (!outage) return;
      const { since, refused } = outage;
      outage = undefined;
      const seconds = ((Date.now() - since) / 1000).toFixed(1);
      app.log.info({ outageMs: Date.now() - since, refused }, `database answers again after ${seconds} s; ${refused} requests were answered 503 meanwhile`);
    }, probeIntervalMs);
    outage.probe.unref();
  }

  function unavailable(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (!isDatabaseUnavailable(error)) throw error;
    // Not open yet at start is no outage: the attempts to open it say why (db/bootstrap.ts).
    if (error instanceof DatabaseNotReady) return sendProblem(request, reply, serviceUnavailable("The database is not ready yet; try again shortly."));
    if (!outage) {
      outage = { since: Date.now(), refused: 0 };
      app.log.error(
        { cause: error.message || error.code || error.name, code: error.code, reqId: request.id },
        "database unavailable: answering 503 until it answers again",
      );
      probeLater();
    }
    outage.refused++;
    return sendProblem(request, reply, serviceUnavailable("The database is unavailable; try again shortly."));
  }

  app.addHook("onRoute", (route) => {
    route.errorHandler ??= unavailable;
  });

  app.addHook("onClose", async () => {
    closed = true;
    clearTimeout(outage?.probe);
  });
});
