import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { replyWithList } from "../../lib/formats.ts";
import { commonFilters } from "../../lib/pagination.ts";
import { notFound } from "../../lib/problem.ts";
import type { ActorsRepository } from "../actors/actors.repository.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { StatementsRepository } from "./statements.repository.ts";
import type { StatementStatsRepository } from "./statements.stats.repository.ts";
import { StatementStatsQuerySchema, StatementStatsSchema } from "./statements.stats.schemas.ts";
import {
  STATEMENT_CSV_COLUMNS,
  StatementListQuerySchema,
  StatementListSchema,
  StatementSchema,
} from "./statements.schemas.ts";

export const statementsRoutes: FastifyPluginAsyncZod<{ statements: StatementsRepository; actors: ActorsRepository; stats: StatementStatsRepository }> = async (
  app,
  { statements, actors, stats },
) => {
  app.get("/statements", {
    schema: {
      operationId: "listStatements",
      tags: ["statements"],
      summary: "List statements",
      description: "Who said what, in the order it was said (undated statements last).",
      querystring: StatementListQuerySchema,
      response: { 200: StatementListSchema },
      exports: ["csv", "ndjson"],
    },
    handler: async (request, reply) => {
      const query = request.query;
      const filters = {
        actorIds: await actors.resolveOptionalRefs(query.actor, "query.actor"),
        speakerIds: await actors.resolveOptionalRefs(query.speaker, "query.speaker"),
        aboutIds: await actors.resolveOptionalRefs(query.about, "query.about"),
        kinds: query.kind,
        quoted: query.quoted,
        respondsToIds: query.respondsTo,
        ...commonFilters(query),
      };
      return replyWithList(request, reply, {
        name: "statements",
        formats: ["json", "csv", "ndjson"],
        query,
        csvColumns: STATEMENT_CSV_COLUMNS,
        list: (paging) => statements.list({ ...filters, ...paging }),
      });
    },
  });

  app.get("/statements/:id", {
    schema: {
      operationId: "getStatement",
      tags: ["statements"],
      summary: "Get a statement",
      params: IdParamsSchema,
      response: { 200: StatementSchema },
    },
    handler: async (request) => {
      const statement = await statements.findById(request.params.id);
      if (!statement) throw notFound(`No statement has the id "${request.params.id}".`);
      return statement;
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
      const data = await stats.byGroup(query.groupBy, {
        actorIds: await actors.resolveOptionalRefs(query.actor, "query.actor"),
        speakerIds: await actors.resolveOptionalRefs(query.speaker, "query.speaker"),
        aboutIds: await actors.resolveOptionalRefs(query.about, "query.about"),
        kinds: query.kind,
        quoted: query.quoted,
        respondsToIds: query.respondsTo,
        q: query.q,
        from: query.from,
        to: query.to,
        updatedSince: query.updatedSince,
        sourceIds: query.source,
      });
      return { groupBy: query.groupBy, data };
    },
  });
};
