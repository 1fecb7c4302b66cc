import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { z } from "zod";
import { type ChangesRepository, decodeChangeCursor, encodeChangeCursor } from "./changes.repository.ts";
import { ChangeListQuerySchema, ChangeListSchema, ChangeStreamQuerySchema } from "./changes.schemas.ts";

export interface ChangesRouteOptions {
  changes: ChangesRepository;
  /** How often an open stream asks the database for new changes. */
  streamPollMs?: number;
  /** How often an idle stream sends a comment, so that proxies keep it open. */
  heartbeatMs?: number;
}

const STREAM_BATCH = 200;

export const changesRoutes: FastifyPluginAsyncZod<ChangesRouteOptions> = async (app, options) => {
  const { changes } = options;
  const streamPollMs = options.streamPollMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;

  app.get("/changes", {
    schema: {
      operationId: "listChanges",
      tags: ["changes"],
      summary: "Every change to every fact, for mirrors",
      description:
        "Creates, updates and deletions (tombstones, merges) of actors, statements, sanctions and attack events, each with the " +
        "fact's version and its item at that version (null when removed). Start without `after`, then poll with `nextCursor`: " +
        "it resumes exactly where you stopped, and a change committed late by a slow writer is never skipped (the feed only " +
        "serves changes that no running transaction can precede). Keep, for each fact, the change with the highest `version`.",
      querystring: ChangeListQuerySchema,
      response: { 200: ChangeListSchema },
    },
    handler: async (request, reply) => {
      const { after, limit, resource } = request.query;
      const page = await changes.after(after ? decodeChangeCursor(after, "query.after") : undefined, limit, resource);
      const nextCursor = encodeChangeCursor(page.next);
      const params = new URLSearchParams({ after: nextCursor, limit: String(limit) });
      for (const name of resource ?? []) params.append("resource", name);
      // A feed moves on: caches may keep a page only briefly.
      reply.header("cache-control", "no-cache");
      return { data: page.entries.map((entry) => entry.change), page: { nextCursor, next: `/v1/changes?${params}` } } as never;
    },
  });

  app.get("/changes/stream", {
    schema: {
      operationId: "streamChanges",
      tags: ["changes"],
      summary: "The change feed, live, as Server-Sent Events",
      description:
        "Each change is an event `change` whose `id` is the feed's cursor and whose `data` is the change (as in /v1/changes). " +
        "Reconnecting with `Last-Event-ID` (browsers do it by themselves) or `after` resumes without a gap. A comment is sent " +
        "every 15 s while nothing happens.",
      querystring: ChangeStreamQuerySchema,
      headers: z.object({ "last-event-id": z.string().max(200).optional() }),
      produces: ["text/event-stream"],
      response: { 200: z.string().describe("Server-Sent Events: `retry:`, then one `event: change` with `id:` and `data:` per change") },
    },
    handler: async (request, reply) => {
      const resume = request.headers["last-event-id"] ?? request.query.after;
      // Checked before the first byte: a bad cursor is a 400, not a broken stream.
      let position = resume ? decodeChangeCursor(resume, request.headers["last-event-id"] ? "headers.last-event-id" : "query.after") : undefined;
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
        "x-request-id": String(request.id),
        connection: "keep-alive",
      });
      out.write(`retry: ${streamPollMs}\n\n`);
      let open = true;
      request.raw.on("close", () => {
        open = false;
      });
      let quietSince = Date.now();
      while (open) {
        try {
          const page = await changes.after(position, STREAM_BATCH, request.query.resource);
          // Each event's id is its own position: a resume starts right after the last event received.
          for (const { change, position: at } of page.entries) {
            out.write(`id: ${encodeChangeCursor(at)}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);
          }
          position = page.next;
          if (page.entries.length > 0) quietSince = Date.now();
          else if (Date.now() - quietSince >= heartbeatMs) {
            out.write(": keep-alive\n\n");
            quietSince = Date.now();
          }
          if (page.entries.length === STREAM_BATCH) continue;
        } catch (error) {
          request.log.warn({ err: error }, "change stream: database unavailable, retrying");
        }
        await new Promise((resolve) => setTimeout(resolve, streamPollMs));
      }
      out.end();
    },
  });
};
