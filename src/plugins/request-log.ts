import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import fp from "fastify-plugin";
import pino from "pino";

/** Where log lines go: the given stream (tests read lines there), else stdout written asynchronously. */
export function logDestination(stream?: { write(line: string): void }) {
  // Synchronous writes to stdout cost a sixth of the request thread under load (issue 8): lines are
  // buffered and written in the background, and flushed when the app closes (logFlushPlugin).
  return stream ?? pino.destination({ dest: 1, sync: false, minLength: 4096 });
}

/**
 * One access line per request, when it has been answered: Fastify's default writes two (the request
 * with its headers on arrival, the status on completion), which doubled the cost of logging.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: { method: request.method, url: request.url }, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }
}

/** Writes out the lines still buffered when the app closes (a shutdown must not lose its last lines). */
export const logFlushPlugin = fp(async (app: FastifyInstance, { destination }: { destination: object }) => {
  const flushable = destination as { flushSync?: () => void };
  if (typeof flushable.flushSync !== "function") return;
  app.addHook("onClose", async () => {
    try {
      flushable.flushSync!();
    } catch {
      // Not open yet, or nothing buffered: nothing to write.
    }
  });
});
