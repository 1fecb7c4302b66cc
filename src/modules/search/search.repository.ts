import type { SqlClient } from "../../db/database.ts";
import { decodeCursor, encodeCursor, invalidCursor } from "../../lib/cursor.ts";
import type { Page } from "../../lib/pagination.ts";
import type { SearchHit } from "./search.schemas.ts";

// Snippets are HTML: escape the source text first, so that only our <mark> tags are markup.
const escapedHtml = (column: string) => `replace(replace(replace(${column}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')`;
const headline = (column: string) =>
  `ts_headline('english', ${escapedHtml(column)}, query.tsq,
               'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')`;
const speakerName = (idColumn: string) => `(SELECT a.name FROM actors a WHERE a.id = ${idColumn})`;

/** One SELECT per searchable table, each using its GIN-indexed search_vector; each names its columns, as any may come first. */
const HIT_QUERIES: Record<SearchHit["type"], string> = {
  actor: `SELECT 'actor' AS type, act.id, act.name || ' (' || replace(lower(act.type::text), '_', ' ') || ')' AS title,
                 ${headline("act.name || ' ' || act.search_context")} AS snippet,
                 ts_rank_cd(act.search_vector, query.tsq) AS score, '/v1/actors/' || act.id AS link
            FROM actors act, query WHERE act.search_vector @@ query.tsq AND act.deleted_at IS NULL`,
  statement: `SELECT 'statement' AS type, s.id, ${speakerName("s.speaker_id")} || ' (' || lower(s.kind::text) || '): ' || s.text AS title,
                     ${headline("s.text")} AS snippet, ts_rank_cd(s.search_vector, query.tsq) AS score, '/v1/statements/' || s.id AS link
                FROM statements s, query WHERE s.search_vector @@ query.tsq AND s.deleted_at IS NULL`,
  sanction: `SELECT 'sanction' AS type, sa.id, ${speakerName("sa.authority_id")} || ': ' || sa.measure || ' — ' || sa.reason AS title,
                    ${headline("sa.reason")} AS snippet, ts_rank_cd(sa.search_vector, query.tsq) AS score, '/v1/sanctions/' || sa.id AS link
               FROM sanctions sa, query WHERE sa.search_vector @@ query.tsq AND sa.deleted_at IS NULL`,
  attack_event: `SELECT 'attack_event' AS type, ev.id, ev.description AS title,
                        ${headline("ev.description")} AS snippet, ts_rank_cd(ev.search_vector, query.tsq) AS score,
                        '/v1/attack-events/' || ev.id AS link
                   FROM attack_events ev, query WHERE ev.search_vector @@ query.tsq AND ev.deleted_at IS NULL`,
  // A source is found by words of its text, but its snippet never quotes it: the text is not republished.
  source: `SELECT 'source' AS type, src.id, src.publisher || ': ' || src.title AS title,
                  ${headline("src.publisher || ': ' || src.title")} AS snippet, ts_rank_cd(src.search_vector, query.tsq) AS score, '/v1/sources/' || src.id AS link
             FROM sources src, query WHERE src.search_vector @@ query.tsq`,
};

export interface SearchOptions {
  q: string;
  types?: SearchHit["type"][];
  limit: number;
  cursor?: string;
  count?: boolean;
}

export function createSearchRepository(sql: SqlClient) {
  return {
    /** Ranked hits of every type. Ranking has no stable keyset, so the cursor holds an offset. */
    async search(options: SearchOptions): Promise<Page<SearchHit> & { total?: number }> {
      const types = options.types ?? (Object.keys(HIT_QUERIES) as SearchHit["type"][]);
      const hits = `WITH query AS (SELECT websearch_to_tsquery('english', $1) AS tsq)
                    ${[...new Set(types)].map((type) => HIT_QUERIES[type]).join("\nUNION ALL\n")}`;
      const offset = options.cursor ? decodeOffset(options.cursor) : 0;
      const rows = await sql.query<SearchHit>(
        `SELECT type, id, title, snippet, round(score::numeric, 6)::float8 AS score, link FROM (${hits}) hit
          ORDER BY score DESC, type, id LIMIT $2 OFFSET $3`,
        [options.q, options.limit + 1, offset],
      );
      let total: number | undefined;
      if (options.count) {
        const [row] = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM (${hits}) hit`, [options.q]);
        total = row?.total ?? 0;
      }
      const items = rows.slice(0, options.limit);
      return {
        items,
        nextCursor: rows.length > options.limit ? encodeCursor({ key: String(offset + options.limit), id: "search" }) : null,
        ...(total === undefined ? {} : { total }),
      };
    },
  };
}

function decodeOffset(cursor: string): number {
  const { key, id } = decodeCursor(cursor, "text");
  const offset = Number(key);
  if (id !== "search" || !Number.isSafeInteger(offset) || offset < 0 || offset > 100_000) {
    throw invalidCursor("The cursor is not one this search issued.");
  }
  return offset;
}

export type SearchRepository = ReturnType<typeof createSearchRepository>;
