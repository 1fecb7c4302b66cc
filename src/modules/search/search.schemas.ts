import { z } from "zod";
import { booleanQuery, paginationQuery, PageInfoSchema, repeatable, searchQuery } from "../common/common.schemas.ts";

export const searchHitTypeValues = ["actor", "statement", "sanction", "attack_event", "source"] as const;

export const SearchHitSchema = z
  .object({
    type: z.enum(searchHitTypeValues),
    id: z.string(),
    title: z.string().describe("One line naming the hit"),
    snippet: z.string().describe("The best matching passage, HTML-escaped, matches wrapped in <mark>…</mark>"),
    score: z.number().describe("Relevance: PostgreSQL's cover density (ts_rank_cd) divided by the text's length in words, so that a long source does not outrank a fact for repeating a word; higher is better, comparable within one search"),
    link: z.string().describe("Path of the hit's resource"),
  })
  .meta({ id: "SearchHit" });

export const SearchResultsSchema = z
  .object({
    data: z.array(SearchHitSchema),
    page: PageInfoSchema,
    total: z.number().int().optional().describe("Hits across all pages; only with `count=true`"),
  })
  .meta({ id: "SearchResults" });

export const SearchQuerySchema = z.strictObject({
  q: searchQuery.unwrap().describe(
    "Words to find (English stemming), \"quoted phrases\", `or`, `-excluded`; actor names and aliases find their facts",
  ),
  type: repeatable(z.enum(searchHitTypeValues)).describe("Only hits of this type; repeat for OR"),
  limit: paginationQuery.limit,
  cursor: paginationQuery.cursor,
  count: booleanQuery.optional().describe("`true` adds `total`"),
});

export type SearchHit = z.infer<typeof SearchHitSchema>;
