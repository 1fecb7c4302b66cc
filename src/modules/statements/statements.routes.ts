import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { sendFact } from "../../lib/fact-response.ts";
import { commonFilters } from "../../db/list-query.ts";
import { evidenceSources, type Loaders, type Relation } from "../../lib/shape.ts";
import type { ActorsRepository } from "../actors/actors.repository.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import { listRoutes } from "../common/list-routes.ts";
import type { StatementFilters, StatementsRepository } from "./statements.repository.ts";
import type { StatementStatsRepository } from "./statements.stats.repository.ts";
import { type StatementStatsQuery, StatementStatsQuerySchema, StatementStatsSchema } from "./statements.stats.schemas.ts";
import {
  STATEMENT_CSV_COLUMNS,
  StatementListQuerySchema,
  StatementListSchema,
  type Statement,
  StatementDetailSchema,
  StatementShapeQuerySchema,
} from "./statements.schemas.ts";

type FilterQuery = Omit<StatementStatsQuery, "groupBy">;

/** The list's filters from its query (stats take the same), with actor references resolved. */
async function filtersOf(query: FilterQuery, actors: ActorsRepository): Promise<Omit<StatementFilters, "limit">> {
  return {
    actorIds: await actors.resolveOptionalRefs(query.actor, "query.actor"),
    speakerIds: await actors.resolveOptionalRefs(query.speaker, "query.speaker"),
    aboutIds: await actors.resolveOptionalRefs(query.about, "query.about"),
    ...filtersWithoutActors(query),
  };
}

/** One speaker and no other actor reference ("what did X say"): the speaker is resolved in the list's query. */
function filtersInQuery(query: FilterQuery): Omit<StatementFilters, "limit"> | undefined {
  if (query.speaker?.length !== 1 || query.actor !== undefined || query.about !== undefined) return undefined;
  return { speakerRef: query.speaker[0], ...filtersWithoutActors(query) };
}

function filtersWithoutActors(query: FilterQuery) {
  return { kinds: query.kind, quoted: query.quoted, respondsToIds: query.respondsTo, ...commonFilters(query) };
}

/** What `include=` can embed. */
const STATEMENT_RELATIONS: Record<string, Relation<Statement>> = {
  speaker: { kind: "actors", ids: (statement) => [statement.speaker.id] },
  about: { kind: "actors", ids: (statement) => statement.about.map((actor) => actor.id) },
  respondsTo: { kind: "statements", ids: (statement) => statement.respondsTo },
  respondedBy: { kind: "statements", ids: (statement) => statement.respondedBy },
  sources: { kind: "sources", ids: evidenceSources },
};

export const statementsRoutes: FastifyPluginAsyncZod<{ statements: StatementsRepository; actors: ActorsRepository; stats: StatementStatsRepository; loaders: Loaders }> = async (
  app,
  { statements, actors, stats, loaders },
) => {
  listRoutes(app, {
    name: "statements",
    operationId: "listStatements",
    tags: ["statements"],
    summary: "List statements",
    description: "Who said what, in the order it was said (undated statements last).",
    query: StatementListQuerySchema,
    response: StatementListSchema,
    exports: ["csv", "ndjson"],
    csvColumns: STATEMENT_CSV_COLUMNS,
    filters: (query) => filtersOf(query, actors),
    filtersInQuery,
    list: (options) => statements.list(options),
    relations: STATEMENT_RELATIONS,
    loaders,
  });

  app.get("/statements/:id", {
    schema: {
      operationId: "getStatement",
      tags: ["statements"],
      summary: "Get a statement",
      description:
        "One statement with its speaker, time and every source's claims and excerpts. `fields=` keeps only the fields named (and `id`); " +
        "`include=` embeds the records it references. 404 for an unknown id, 410 for one deleted or no longer backed by any source.",
      params: IdParamsSchema,
      querystring: StatementShapeQuerySchema,
      response: { 200: StatementDetailSchema },
    },
    handler: async (request, reply) => {
      const { fields, include } = request.query;
      const address = { noun: "statement", collection: "/v1/statements", id: request.params.id };
      return sendFact(reply, await statements.findById(request.params.id), address, { fields, include, relations: STATEMENT_RELATIONS, loaders });
    },
  });

  app.get("/statements/stats", {
    schema: {
      operationId: "getStatementStats",
      tags: ["statements"],
      summary: "Count statements by speaker or kind",
      description:
        "Statements and verbatim quotes per speaker or per kind, with the list's filters; " +
        "most statements first, then by key. Only groups with statements are listed.",
      querystring: StatementStatsQuerySchema,
      response: { 200: StatementStatsSchema },
    },
    handler: async (request) => {
      const query = request.query;
      const data = await stats.byGroup(query.groupBy, await filtersOf(query, actors));
      return { groupBy: query.groupBy, data };
    },
  });
};
