import pg from "pg";
import { createSearchRepository } from "/work/main/src/modules/search/search.repository.ts";
const pool = new pg.Pool({ connectionString: "postgresql://postgres@127.0.0.1:5432/warfacts_bench_1m", max: 1 });
const q = process.argv[2] ?? "drones";
let n = 0;
const sql = {
  query: async (text: string, params: unknown[] = []) => {
    n++;
    if (n === 1) return (await pool.query(text, params)).rows;
    for (let i = 0; i < 3; i++) {
      const r = await pool.query(`EXPLAIN (ANALYZE, SUMMARY) ${text}`, params);
      const lines = r.rows.map((x: any) => x["QUERY PLAN"]);
      if (i === 2 && process.argv[3]) console.log(lines.join("\n"));
      console.log(lines.filter((l: string) => /Planning Time|Execution Time/.test(l)).join("  "));
    }
    return [];
  },
};
const repo = createSearchRepository(sql as never, { rankedMatchesPerType: Number(process.env.BOUND ?? 500) });
await repo.search({ q, limit: 20 });
await pool.end();
