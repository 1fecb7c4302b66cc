import type { SqlClient } from "../../db/database.ts";
import { decodeCursor, encodeCursor, invalidCursor } from "../../lib/cursor.ts";
import type { Page } from "../../lib/pagination.ts";
import type { SearchHit } from "./search.schemas.ts";

/**
 * How many matches of each type are ranked. A word in a quarter of a million facts would otherwise be
 * ranked (and read from the table, with its rendering) a quarter of a million times per request; so
 * bounded, PostgreSQL stops reading after this many matches. The price, documented on the operation:
 * for such a word, only the newest matches of statements and attack events (by their date; undated
 * ones beside them), and the first in storage order of the other types, are ranked and paged to.
 * A search with fewer matches than this ranks them all.
 */
export const RANKED_MATCHES_PER_TYPE = 200;

/**
 * Sources ranked at most, whatever the bound: a source's search vector is out of line (TOAST), read
 * once to match and again to rank, and a common word is in nearly every source; at 1M facts a frequent
 * word's 50 sources cost its ranking about as much as the 400 statements and attack events beside them
 * (with them 4.0-4.7 ms, without 2.1-2.7). Not fewer: PostgreSQL then reads a rare word's sources in
 * date order, each vector read to test it (20: 5.0-6.8 ms, against 1.9-3.0 at 50).
 */
export const SOURCES_RANKED = 50;

export interface SearchSettings {
  /** SEARCH_RANKED_MATCHES: RANKED_MATCHES_PER_TYPE unless configured otherwise. */
  rankedMatchesPerType: number;
}

// The words, parsed once (websearch_to_tsquery, in a query of their own) and passed as a value rather
// than taken from a CTE: planned for that value, PostgreSQL estimates how many rows match (its
// statistics of the search vectors) and reads a frequent word's newest matches off the date index
// until it has enough, where a CTE's opaque value always made it collect every match from the GIN
// index first (180 ms for a word in a million rows). Parsing the words in each of the query's twenty
// places was a third of its planning time.
const TSQUERY = "$1::tsquery";
// Normalisation 2 divides a match's cover density by its document's length in words: a source's
// text (thousands of words, each common word hundreds of times) otherwise outranked every fact, and
// a common word's first pages were all sources.
const RANK_NORMALISATION = 2;

// Snippets are HTML: escape the source text first, so that only our <mark> tags are markup.
const escapedHtml = (column: string) => `replace(replace(replace(${column}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')`;
const headline = (column: string) =>
  `ts_headline('english', ${escapedHtml(column)}, ${TSQUERY},
               'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')`;

interface HitTable {
  /** `statements s`: the table and its alias. */
  from: string;
  alias: string;
  /** Tombstoned facts leave search; sources have no tombstones. */
  live?: boolean;
  /**
   * The date that the ranked matches are the newest by, where a type has enough rows for that to
   * matter; its `(date, id)` index, read backwards, finds a frequent word's newest matches first.
   */
  newestBy?: string;
  /** At most this many are ranked, whatever the bound, where ranking one match costs far more. */
  rankedAtMost?: number;
  /** Title, snippet and link of one hit, in terms of the alias; computed only for the returned page. */
  title: string;
  snippet: string;
  link: string;
}

/** Each searchable table, searched through its GIN-indexed search_vector. */
const HIT_TABLES: Record<SearchHit["type"], HitTable> = {
  actor: {
    from: "actors act",
    alias: "act",
    live: true,
    title: `act.name || ' (' || replace(lower(act.type::text), '_', ' ') || ')'`,
    snippet: headline("act.name || ' ' || act.search_context"),
    link: `'/v1/actors/' || act.id`,
  },
  statement: {
    from: "statements s",
    alias: "s",
    live: true,
    newestBy: "s.said_on",
    title: `(SELECT a.name FROM actors a WHERE a.id = s.speaker_id) || ' (' || lower(s.kind::text) || '): ' || s.text`,
    snippet: headline("s.text"),
    link: `'/v1/statements/' || s.id`,
  },
  sanction: {
    from: "sanctions sa",
    alias: "sa",
    live: true,
    title: `(SELECT a.name FROM actors a WHERE a.id = sa.authority_id) || ': ' || sa.measure || ' — ' || sa.reason`,
    snippet: headline("sa.reason"),
    link: `'/v1/sanctions/' || sa.id`,
  },
  attack_event: {
    from: "attack_events ev",
    alias: "ev",
    live: true,
    newestBy: "ev.occurred_on",
    title: "ev.description",
    snippet: headline("ev.description"),
    link: `'/v1/attack-events/' || ev.id`,
  },
  // A source is found by words of its text, but its snippet never quotes it: the text is not republished.
  // Its search vector holds its whole text (up to 200,000 characters): reading and ranking one costs as
  // much as hundreds of statements, and a common word is in nearly every source. Fewer are ranked.
  source: {
    from: "sources src",
    alias: "src",
    newestBy: "src.published_on",
    rankedAtMost: SOURCES_RANKED,
    title: `src.publisher || ': ' || src.title`,
    snippet: headline("src.publisher || ': ' || src.title"),
    link: `'/v1/sources/' || src.id`,
  },
};

/**
 * Matches of one type with their rank, at most `limit` of them: the newest dated ones
 * and the undated ones where the type has a date, the first found otherwise. The planner reads a
 * frequent word's newest matches off the date index until it has enough, and a rare word's from the
 * GIN index (then sorts the few it found).
 */
const rankedMatches = (type: SearchHit["type"], { from, alias, live, newestBy, rankedAtMost = Infinity }: HitTable, bound: number) => {
  const limit = Math.max(1, Math.min(bound, rankedAtMost));
  const matches = `${alias}.search_vector @@ ${TSQUERY}${live ? ` AND ${alias}.deleted_at IS NULL` : ""}`;
  const ranked = (where: string, order = "") =>
    `(SELECT '${type}'::text AS type, ${alias}.id, round(ts_rank_cd(${alias}.search_vector, ${TSQUERY}, ${RANK_NORMALISATION})::numeric, 9)::float8 AS score
        FROM ${from} WHERE ${where} ${order} LIMIT ${limit})`;
  if (!newestBy) return ranked(matches);
  return `${ranked(`${matches} AND ${newestBy} IS NOT NULL`, `ORDER BY ${newestBy} DESC, ${alias}.id DESC`)}
    UNION ALL ${ranked(`${matches} AND ${newestBy} IS NULL`)}`;
};

/**
 * Title, snippet and link of the page's hits of one type, by id (`ids` is the parameter holding them).
 * Planned once per connection like any lookup by key: in the ranking query, whose plan is made anew
 * for each search's words, these five joins were a third of its planning time.
 */
const pageDetails = (type: SearchHit["type"], { from, alias, title, snippet, link }: HitTable, ids: string) =>
  `SELECT '${type}'::text AS type, ${alias}.id, ${title} AS title, ${snippet} AS snippet, ${link} AS link
     FROM ${from} WHERE ${alias}.id = ANY(${ids})`;

const matching = ({ from, alias, live }: HitTable) =>
  `SELECT count(*)::int AS n FROM ${from} WHERE ${alias}.search_vector @@ ${TSQUERY}${live ? ` AND ${alias}.deleted_at IS NULL` : ""}`;

export interface SearchOptions {
  q: string;
  types?: SearchHit["type"][];
  limit: number;
  cursor?: string;
  count?: boolean;
}

export function createSearchRepository(sql: SqlClient, settings: SearchSettings) {
  return {
    /**
     * Ranked hits of every type: rank and limit in one query, planned for the words; then titles and
     * snippets (ts_headline reads and parses the whole text) for the returned page only, in a second
     * query by ids. Ranking has no stable keyset, so the cursor holds an offset.
     */
    async search(options: SearchOptions): Promise<Page<SearchHit> & { total?: number }> {
      const types = [...new Set(options.types ?? (Object.keys(HIT_TABLES) as SearchHit["type"][]))];
      const offset = options.cursor ? decodeOffset(options.cursor) : 0;
      const [parsed] = await sql.query<{ words: string }>("SELECT websearch_to_tsquery('english', $1)::text AS words", [options.q]);
      // Only stop words ("the"), or no words at all: nothing can match.
      if (!parsed?.words) return { items: [], nextCursor: null, ...(options.count ? { total: 0 } : {}) };
      const words = parsed.words;
      const ranked = await sql.query<Pick<SearchHit, "type" | "id" | "score">>(
        `WITH hits AS (${types.map((type) => rankedMatches(type, HIT_TABLES[type], settings.rankedMatchesPerType)).join("\nUNION ALL\n")})
         SELECT type, id, score FROM hits ORDER BY score DESC, type, id LIMIT $2 OFFSET $3`,
        [words, options.limit + 1, offset],
        { planEachTime: true },
      );
      const rows = await withDetails(sql, words, ranked.slice(0, options.limit));
      let total: number | undefined;
      if (options.count) {
        // Counting is asked for, and costs a pass over every match (not only the ranked ones).
        const counts = await sql.query<{ n: number }>(types.map((type) => matching(HIT_TABLES[type])).join("\nUNION ALL\n"), [words], {
          planEachTime: true,
        });
        total = counts.reduce((sum, row) => sum + row.n, 0);
      }
      return {
        items: rows,
        nextCursor: ranked.length > options.limit ? encodeCursor({ key: String(offset + options.limit), id: "search" }) : null,
        ...(total === undefined ? {} : { total }),
      };
    },
  };
}

/**
 * The ranked hits with their titles, snippets and links, in rank order: one query by ids for the
 * types on the page. A hit deleted since it was ranked is left out.
 */
async function withDetails(sql: SqlClient, words: string, ranked: Pick<SearchHit, "type" | "id" | "score">[]): Promise<SearchHit[]> {
  if (ranked.length === 0) return [];
  const types = [...new Set(ranked.map((hit) => hit.type))];
  const idsOf = (type: SearchHit["type"]) => ranked.filter((hit) => hit.type === type).map((hit) => hit.id);
  const details = await sql.query<Omit<SearchHit, "score">>(
    types.map((type, index) => pageDetails(type, HIT_TABLES[type], `$${index + 2}`)).join("\nUNION ALL\n"),
    [words, ...types.map(idsOf)],
  );
  const byKey = new Map(details.map((hit) => [`${hit.type}:${hit.id}`, hit]));
  return ranked.flatMap(({ type, id, score }) => {
    const hit = byKey.get(`${type}:${id}`);
    return hit ? [{ type, id, title: hit.title, snippet: hit.snippet, score, link: hit.link }] : [];
  });
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
