// `npm run explain`: the query plans of the API's main reads, as the API sends them.
// Runs against DATABASE_URL (a PostgreSQL server: plans on a few seeded rows say nothing, so
// `--synthetic N` first adds N synthetic statements and N/2 attack events, marked `syn-`).
// Usage: DATABASE_URL=postgresql://…/scratch npm run explain -- --synthetic 200000
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase, type SqlClient } from "../src/db/database.ts";

const URLS = [
  "/v1/search?q=drones%20Iran&limit=25",
  "/v1/statements?q=military&limit=25",
  "/v1/statements?speaker=john-kirby&limit=25",
  "/v1/statements?from=2024-01-01&to=2024-01-31&limit=25",
  "/v1/attack-events?place=ukraine&minLaunched=10&limit=25",
  "/v1/attack-events?from=2023-06-01&limit=25",
];

const config = loadConfig();
if (!config.databaseUrl.startsWith("postgres")) throw new Error("Set DATABASE_URL to a PostgreSQL server database.");
const database = await openDatabase(config.databaseUrl, { poolSize: 2 });
await prepareDatabase(database, { migrate: true, seed: true });

const syntheticIndex = process.argv.indexOf("--synthetic");
if (syntheticIndex !== -1) await addSyntheticFacts(database.sql, Number(process.argv[syntheticIndex + 1] ?? 100_000));

// Record every query the API sends, then ask PostgreSQL how it runs each one.
const captured: { text: string; params: readonly unknown[] }[] = [];
const recordingSql: SqlClient = {
  query: (text, params) => {
    captured.push({ text, params: params ?? [] });
    return database.sql.query(text, params);
  },
};
const app = await buildApp({ config: { ...config, logLevel: "silent" }, sql: recordingSql, transaction: database.transaction });
for (const url of URLS) {
  captured.length = 0;
  const response = await app.inject({ method: "GET", url });
  console.log(`\n### GET ${url} → ${response.statusCode}`);
  for (const { text, params } of captured) {
    const plan = await database.sql.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, params);
    console.log("```");
    console.log(plan.map((row) => row["QUERY PLAN"]).join("\n"));
    console.log("```");
  }
}
await app.close();
await database.close();

async function addSyntheticFacts(sql: SqlClient, count: number) {
  const [existing] = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM statements WHERE id LIKE 'syn-%'");
  if ((existing?.n ?? 0) >= count) return;
  console.log(`adding ${count} synthetic statements and ${count / 2} attack events…`);
  const words = "drones missiles Iran Russia Ukraine military support sanctions energy grid attack strike denial admission tribunal grain port city region ceasefire talks aid";
  await sql.query(
    `INSERT INTO statements (id, speaker_id, kind, quote_type, text, said_on, said_precision, updated_at, search_context)
     SELECT 'syn-st-' || n, (ARRAY(SELECT id FROM actors ORDER BY id))[1 + n % 31],
            (enum_range(NULL::statement_kind))[1 + n % 10], 'PARAPHRASE',
            (SELECT string_agg(w, ' ') FROM (SELECT w FROM unnest(string_to_array($2, ' ')) w ORDER BY md5(w || n) LIMIT 8) words),
            DATE '2022-01-01' + (n % 1400), 'DAY', now(), ''
       FROM generate_series(1, $1::int) n`,
    [count, words],
  );
  await sql.query(
    `INSERT INTO attack_events (id, kind, description, occurred_on, occurred_precision, attacker_id, weapon, launched,
                                launched_qualifier, intercepted, intercepted_qualifier, updated_at, search_context)
     SELECT 'syn-ae-' || n, 'DRONE_ATTACK', 'Synthetic attack ' || n, DATE '2022-01-01' + (n % 1400), 'DAY', 'russia',
            'drones', n % 40, 'EXACT', n % 30, 'EXACT', now(), ''
       FROM generate_series(1, $1::int / 2) n`,
    [count],
  );
  await sql.query(
    `INSERT INTO attack_event_places (event_id, actor_id)
     SELECT 'syn-ae-' || n, (ARRAY['odesa', 'bakhmut', 'donbas', 'southern-ukraine', 'asia'])[1 + n % 5]
       FROM generate_series(1, $1::int / 2) n`,
    [count],
  );
  await sql.query("ANALYZE");
}
