import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { commonFilters } from "../../db/list-query.ts";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Transact } from "../../db/database.ts";
import { applyBundle } from "../../db/ingest.ts";
import { insertSource, sourceExists } from "../../db/seed.ts";
import { conflict, notFound } from "../../lib/problem.ts";
import { changeContext } from "../facts/change-context.ts";
import { BundleSchema, SourceInputSchema } from "./bundle.schemas.ts";
import { type Loaders, shapeItem } from "../../lib/shape.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import { listRoutes } from "../common/list-routes.ts";
import type { SourcesRepository } from "./sources.repository.ts";
import {
  SOURCE_CSV_COLUMNS,
  SourceDetailSchema,
  SourceListQuerySchema,
  SourceListSchema,
  SourceShapeQuerySchema,
} from "./sources.schemas.ts";

export interface SourcesRouteOptions {
  sources: SourcesRepository;
  loaders: Loaders;
  transaction: Transact;
}

const IngestSummarySchema = z
  .object({
    sourceId: z.string(),
    unchanged: z.boolean().describe("True when this very bundle was already applied: nothing was written"),
    claims: z.object({ added: z.number().int(), changed: z.number().int(), removed: z.number().int(), kept: z.number().int() })
      .describe("This source's claims, compared with what it said before"),
    changes: z.array(z.object({
      resource: z.string(), id: z.string(), action: z.enum(["create", "update", "delete", "restore"]), version: z.number().int(),
    })).describe("Facts whose rendering changed; `delete`: no source backs it any more (its detail answers 410)"),
    matched: z.array(z.object({ id: z.string(), matchedId: z.string() }))
      .describe("Statements of the bundle that quote a statement already known: their claims went to it"),
    warnings: z.array(z.object({ field: z.string(), message: z.string() }))
      .describe("What was accepted but not applied as sent, e.g. another source's wording of a fact it created"),
  })
  .meta({ id: "IngestSummary" });

/** `publisher-2022-12-10-1a2b`: readable, and unique enough that a clash is a retry away. */
function sourceIdFor(source: { publisher: string; publishedOn: string }): string {
  const slug = source.publisher.normalize("NFKD").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "source";
  return `${slug}-${source.publishedOn}-${randomBytes(3).toString("hex")}`;
}

export const sourcesRoutes: FastifyPluginAsyncZod<SourcesRouteOptions> = async (app, { sources, loaders, transaction }) => {
  app.post("/sources", {
    config: { scope: "write" },
    schema: {
      operationId: "createSource",
      tags: ["sources"],
      summary: "Add a source: its metadata and full text",
      description:
        "The text is what excerpts are verified against; it is stored, and served only to keys with the `sources:text` scope. " +
        "Then put the source's facts with `PUT /v1/sources/{id}/bundle`. An id already in use is a 409.",
      body: SourceInputSchema,
      response: { 201: SourceDetailSchema },
    },
    handler: async (request, reply) => {
      const input = request.body;
      const id = input.id ?? sourceIdFor(input);
      const created = await transaction((tx) => insertSource(tx, { ...input, id }));
      if (!created) throw conflict(`The id "${id}" is taken.`, [{ field: "body.id", message: "Already exists" }]);
      const withText = request.apiKey?.scopes.includes("sources:text") ?? false;
      reply.code(201).header("location", `/v1/sources/${encodeURIComponent(id)}`);
      return (await sources.findById(id, withText))!;
    },
  });

  app.put("/sources/:id/bundle", {
    config: { scope: "write" },
    bodyLimit: 20 * 1024 * 1024,
    schema: {
      operationId: "putSourceBundle",
      tags: ["sources"],
      summary: "Put every fact of one source, in one transaction",
      description:
        "All or nothing. This source's earlier bundle is replaced, and only it: other sources' claims and editors' claims stay. " +
        "Facts the bundle leaves out lose this source's claims, and are tombstoned (410) when no source backs them any more. " +
        "Putting the same bundle again changes nothing (no new version, no `updatedAt` change). Every excerpt is located in the " +
        "source's text; a missing or ambiguous one, or an unknown actor, is a 422 naming each field. A statement quoting what a " +
        "statement already known says (same speaker, same words) becomes that statement, with evidence from both sources.",
      params: IdParamsSchema,
      body: BundleSchema,
      response: { 200: IngestSummarySchema },
    },
    handler: async (request) => {
      const sourceId = request.params.id;
      const summary = await transaction(async (tx) => {
        if (!(await sourceExists(tx, sourceId))) throw notFound(`No source has the id "${sourceId}"; create it with POST /v1/sources first.`);
        return applyBundle(tx, request.body, { sourceId, context: changeContext(request, sourceId), fieldPrefix: "body" });
      });
      return summary;
    },
  });

  listRoutes(app, {
    name: "sources",
    operationId: "listSources",
    tags: ["sources"],
    summary: "List sources",
    description: "The reports facts come from, oldest first, without their text.",
    query: SourceListQuerySchema,
    response: SourceListSchema,
    exports: ["csv", "ndjson"],
    csvColumns: SOURCE_CSV_COLUMNS,
    filters: async (query) => ({ languages: query.language, ...commonFilters(query) }),
    list: (options) => sources.list(options),
    // Sources link to nothing that include= could embed; fields= narrows them.
    relations: {},
    loaders,
  });

  app.get("/sources/:id", {
    schema: {
      operationId: "getSource",
      tags: ["sources"],
      summary: "Get a source and the passages its facts quote",
      description:
        "Metadata, the SHA-256 and length of the stored text, and every excerpt facts quote. The full text is stored to verify " +
        "excerpts, and licences such as the BBC's forbid republishing it: it is included only for an API key with the " +
        "`sources:text` scope (and such a response is never cached by shared caches).",
      params: IdParamsSchema,
      querystring: SourceShapeQuerySchema,
      response: { 200: SourceDetailSchema },
    },
    handler: async (request, reply) => {
      const withText = request.apiKey?.scopes.includes("sources:text") ?? false;
      const source = await sources.findById(request.params.id, withText);
      if (!source) throw notFound(`No source has the id "${request.params.id}".`);
      if (withText) reply.header("cache-control", "private, no-store");
      return shapeItem(reply, source, { fields: request.query.fields, relations: {}, loaders });
    },
  });
};
