import type { SqlClient } from "../../db/database.ts";
import { isoDate } from "../../db/sql-fragments.ts";
import { type CommonFilters, type FactLookup, type FactTable, findFact, findLiveByIds, runListQuery, whereCommon } from "../../db/list-query.ts";
import type { JsonTextPage } from "../../lib/pagination.ts";
import { equalsAny, SqlFilter } from "../../lib/sql-builder.ts";
import { singleActorRef } from "../actors/actors.repository.ts";
import type { Statement } from "./statements.schemas.ts";


export interface StatementFilters extends CommonFilters {
  actorIds?: string[];
  speakerIds?: string[];
  /** One speaker as the user named it, resolved in the list's query (singleActorRef); instead of speakerIds. */
  speakerRef?: string;
  aboutIds?: string[];
  kinds?: string[];
  quoted?: boolean;
  respondsToIds?: string[];
  limit: number;
  cursor?: string;
  count?: boolean;
}

const STATEMENTS: FactTable = { from: "statements s", alias: "s", dateColumn: "s.said_on", claimColumn: "statement_id" };

const aboutAny = (ids: string) =>
  `EXISTS (SELECT 1 FROM statement_subjects ss WHERE ss.statement_id = s.id AND ss.actor_id = ANY(${ids}))`;

/** The WHERE clause of a list (or of its stats): every filter but paging. */
export function statementFilter(filters: Omit<StatementFilters, "limit" | "cursor" | "count">): SqlFilter {
  const filter = new SqlFilter();
  whereCommon(filter, STATEMENTS, filters);
  if (filters.actorIds) {
    const ids = filter.param(filters.actorIds);
    filter.where(`(s.speaker_id = ANY(${ids}) OR ${aboutAny(ids)})`);
  }
  if (filters.speakerIds) filter.where(equalsAny("s.speaker_id", filters.speakerIds, filter));
  if (filters.speakerRef !== undefined) filter.where(`s.speaker_id = ${singleActorRef(filter, filters.speakerRef)}`);
  if (filters.aboutIds) filter.where(aboutAny(filter.param(filters.aboutIds)));
  if (filters.kinds) filter.where(`s.kind::text = ANY(${filter.param(filters.kinds.map((kind) => kind.toUpperCase()))})`);
  if (filters.quoted !== undefined) filter.where(filters.quoted ? "s.quote_type = 'VERBATIM'" : "s.quote_type <> 'VERBATIM'");
  if (filters.respondsToIds) {
    filter.where(`EXISTS (SELECT 1 FROM statement_links l WHERE l.statement_id = s.id
                    AND l.responds_to_id = ANY(${filter.param(filters.respondsToIds)}))`);
  }
  return filter;
}

export function createStatementsRepository(sql: SqlClient) {
  return {
    async list(filters: StatementFilters): Promise<JsonTextPage<Statement>> {
      const filter = statementFilter(filters);
      return runListQuery<Statement>(sql, {
        table: STATEMENTS,
        filter,
        itemJson: "s.doc_text",
        itemHash: "s.doc_hash",
        sort: { column: "s.said_on", kind: "date", cursorKey: isoDate("s.said_on") },
        limit: filters.limit,
        cursor: filters.cursor,
        count: filters.count,
      });
    },

    /** Full records for `include=`, in id order. */
    async findByIds(ids: string[]): Promise<Statement[]> {
      return findLiveByIds<Statement>(sql, "statements", ids);
    },

    async findById(id: string): Promise<FactLookup<Statement>> {
      return findFact<Statement>(sql, "statements", id);
    },
  };
}

export type StatementsRepository = ReturnType<typeof createStatementsRepository>;
