import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config.ts";
import { serviceUnavailable } from "../lib/problem.ts";
import { sendProblem } from "./errors.ts";

// Requests last milliseconds: a second is plenty for the queue to drain.
const RETRY_AFTER_SECONDS = 1;
// How long one turn of the event loop may run requests before it yields to reading and accepting.
const TURN_MS = 20;
// Liveness and readiness are probes, not load: they are always let through.
const PROBES = new Set(["/health", "/ready"]);
// What floods a service is reads. Writes need an editor's key, come a few at a time, and many wait
// on purpose (for a lock, or for the first request with the same Idempotency-Key): they go straight
// through, and are never refused for load.
const QUEUED_METHODS = new Set(["GET", "HEAD"]);

/** One request's place: waiting for a turn, running (holding one), or done. */
interface Turn {
  since: number;
  state: "waiting" | "running" | "refused" | "done";
  admit: (admitted: boolean) => void;
}

/**
 * Overload becomes a fast 503 with `Retry-After`, never a long wait. At most
 * `maxInFlightPerDbConnection` reads per database connection run at once (the embedded database
 * has one connection, a server the pool's size, times the read replicas when there are some); the
 * others wait in a queue for at most `maxQueueWaitMs`: a request that would wait longer, at the pace
 * the queue goes, is refused at once, and one that did wait longer is refused when its turn comes.
 *
 * The embedded database computes in this thread without yielding, so a request runs from start to
 * end in one go, and a burst is served one request after another while the next ones wait unseen in
 * their sockets, and new connections in the kernel's accept queue: 50 clients waited seconds while
 * each request took milliseconds. So requests are let in for a slice of each turn of the event loop
 * only: the others are read meanwhile, and so can be queued and refused. (@fastify/under-pressure
 * sheds on event-loop delay sampled by a timer, which cannot fire while the loop is busy: it notices
 * a burst only after having let it through.)
 *
 * Register it after CORS, so that refusals carry its headers, and before anything that queries.
 */
export const loadSheddingPlugin = fp<{ config: Config }>(async (app: FastifyInstance, { config }) => {
  // Reads go to the read replicas when there are some, each with a pool of its own.
  const readPools = Math.max(1, config.databaseReadUrls.length);
  const connections = config.databaseUrl.startsWith("pglite://") ? 1 : config.databasePoolSize * readPools;
  const limit = config.maxInFlightPerDbConnection * connections;
  const maxWaitMs = config.maxQueueWaitMs;
  let running = 0;
  const queue: Turn[] = [];
  let admitting: NodeJS.Immediate | undefined;
  // While requests wait, how long apart they are let in (exponentially weighted): the queue's pace.
  // Until requests have waited, the time one took is the guess.
  let admittedAt: number | undefined;
  let paceMs: number | undefined;

  // A turn of the event loop lets requests in for TURN_MS, then the next ones wait for the next turn
  // (setImmediate), so that sockets are read and connections accepted in between.
  let turnStartedAt = 0;
  function admitLater() {
    if (performance.now() - turnStartedAt < TURN_MS) queueMicrotask(admitNext);
    else admitting ??= setImmediate(() => {
      admitting = undefined;
      turnStartedAt = performance.now();
      admitNext();
    });
  }

  // A request that waited too long is refused instead.
  function admitNext() {
    while (running < limit && queue.length > 0) {
      const next = queue.shift()!;
      const now = performance.now();
      if (now - next.since > maxWaitMs) {
        next.state = "refused";
        next.admit(false);
        continue;
      }
      run(next, now);
      next.admit(true);
    }
  }

  /** Lets a request run, and keeps the pace at which waiting requests are let in. */
  function run(turn: Turn, now: number) {
    if (admittedAt !== undefined) paceMs = 0.8 * (paceMs ?? now - admittedAt) + 0.2 * (now - admittedAt);
    admittedAt = queue.length > 0 ? now : undefined;
    turn.since = now;
    turn.state = "running";
    running++;
  }

  function finish(turn: Turn) {
    if (turn.state === "waiting") queue.splice(queue.indexOf(turn), 1);
    if (turn.state === "running") {
      paceMs ??= performance.now() - turn.since;
      running--;
      admitLater();
    }
    turn.state = "done";
  }

  // One line when refusals start and one when they stop, with the count: never one per refusal.
  let refusing: { since: number; refused: number; quiet?: NodeJS.Timeout } | undefined;
  function refuse(request: FastifyRequest, reply: FastifyReply) {
    if (!refusing) {
      refusing = { since: Date.now(), refused: 0 };
      app.log.warn({ limit, maxWaitMs, queued: queue.length }, "overloaded: refusing requests with 503 rather than queueing them");
    }
    refusing.refused++;
    clearTimeout(refusing.quiet);
    refusing.quiet = setTimeout(() => {
      const { since, refused } = refusing!;
      refusing = undefined;
      app.log.info({ refused, durationMs: Date.now() - since }, `no longer overloaded; ${refused} requests were refused with 503`);
    }, 1000).unref();
    return sendProblem(request, reply, serviceUnavailable("The service is at capacity; try again shortly.", RETRY_AFTER_SECONDS));
  }

  // Callback-style, so that a request let in at once (none waiting, a free place, within the turn's
  // slice) goes on synchronously: the same decision admitNext would make a microtask later, without a
  // promise. Refused requests are answered here, and go no further (done is not called).
  app.addHook("onRequest", (request, reply, done) => {
    if (!QUEUED_METHODS.has(request.method) || PROBES.has(request.url.split("?")[0]!)) return done();
    // How many must finish before this one can run, at the pace the queue has gone.
    const ahead = queue.length + running - limit + 1;
    if (ahead > 0 && paceMs !== undefined && ahead * paceMs > maxWaitMs) {
      refuse(request, reply);
      return;
    }
    const now = performance.now();
    const turn: Turn = { since: now, state: "waiting", admit: () => {} };
    // "close" comes once the response is sent or the client has gone, whichever happens first.
    reply.raw.once("close", () => finish(turn));
    if (queue.length === 0 && running < limit && now - turnStartedAt < TURN_MS) {
      run(turn, now);
      return done();
    }
    turn.admit = (admitted) => (admitted ? done() : refuse(request, reply));
    queue.push(turn);
    admitLater();
  });

  app.addHook("onClose", async () => {
    clearTimeout(refusing?.quiet);
    if (admitting) clearImmediate(admitting);
    for (const turn of queue.splice(0)) turn.admit(false);
  });
});
