// `npm run import:attacks -- attacks.csv [--weapons weapons.csv] --source-id ID --licence TEXT --attribution TEXT
//   [--title TEXT] [--url URL] [--published-on YYYY-MM-DD] [--reporter-id ACTOR]`
// Imports the Air Force's air-attack tallies into the database of DATABASE_URL, in one transaction,
// through the same code as `POST /v1/imports/air-attacks`. Importing the same file again changes nothing.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.ts";
import { importAirAttacks, type AirAttackImportSummary } from "../src/db/air-attack-import.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase } from "../src/db/database.ts";
import { IngestRejected } from "../src/db/ingest.ts";

const { values, positionals } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== "--"),
  allowPositionals: true,
  options: {
    weapons: { type: "string" }, "source-id": { type: "string" }, licence: { type: "string" }, attribution: { type: "string" },
    title: { type: "string" }, url: { type: "string" }, "published-on": { type: "string" }, "reporter-id": { type: "string" },
  },
});
const [attacksFile] = positionals;
if (!attacksFile || !values["source-id"] || !values.licence || !values.attribution) {
  console.error("Usage: npm run import:attacks -- <attacks.csv> [--weapons <weapons.csv>] --source-id ID --licence TEXT --attribution TEXT");
  process.exit(2);
}

/** One line redrawn in place on a terminal; a line per phase otherwise (logs, CI). */
function progressBar() {
  let lastPhase = "";
  return (phase: string, done: number, total: number) => {
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      process.stderr.write(`\r${phase.padEnd(9)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}   `);
      if (done >= total) process.stderr.write("\n");
    } else if (phase !== lastPhase || done >= total) {
      if (done >= total) process.stderr.write(`${phase}: ${done}/${total}\n`);
    }
    lastPhase = phase;
  };
}

function report(summary: AirAttackImportSummary, seconds: number) {
  const lines = [
    `source ${summary.sourceId}: ${summary.unchanged ? "unchanged (this file was imported before)" : "imported"}`,
    `rows read ${summary.rowsRead}, imported ${summary.rowsImported}, rejected ${summary.rejected.length}, flagged ${summary.flagged.length}`,
    `events created ${summary.eventsCreated}, rows matched to existing events ${summary.matched.length}`,
    `claims added ${summary.claims.added}, replaced ${summary.claims.removed}; places created ${summary.placesCreated.length}`,
    `weapons read ${summary.weapons.read}, rejected ${summary.weapons.rejected.length}`,
    `facts: ${Object.entries(summary.changes).map(([action, count]) => `${count} ${action}`).join(", ")}`,
    `${seconds.toFixed(2)} s, ${Math.round(summary.rowsRead / seconds)} rows/s`,
  ];
  console.log(lines.join("\n"));
  for (const match of summary.matched) console.log(`  matched: line ${match.line} → ${match.eventId}`);
  for (const problem of summary.rejected) console.log(`  rejected: line ${problem.line}: ${problem.reason}`);
  for (const problem of summary.weapons.rejected) console.log(`  weapons rejected: line ${problem.line}: ${problem.reason}`);
  for (const flag of summary.flagged) console.log(`  flagged: line ${flag.line}: ${flag.message}`);
}

const config = loadConfig();
// A 100,000-row file renders 100,000 events: no per-statement limit for this one-off job.
const database = await openDatabase(config.databaseUrl, { poolSize: 1, statementTimeoutMs: 0 });
let exitCode = 0;
try {
  await prepareDatabase(database, { migrate: config.autoMigrate, seed: config.autoSeed });
  const started = performance.now();
  const summary = await database.transaction((tx) =>
    importAirAttacks(tx, readFileSync(attacksFile, "utf8"), values.weapons ? readFileSync(values.weapons, "utf8") : undefined, {
      sourceId: values["source-id"]!, licence: values.licence!, attribution: values.attribution!, title: values.title, url: values.url,
      publishedOn: values["published-on"], reporterId: values["reporter-id"], context: { apiKeyId: null, sourceId: values["source-id"]! },
      onProgress: progressBar(),
    }),
  );
  report(summary, (performance.now() - started) / 1000);
} catch (error) {
  if (!(error instanceof IngestRejected)) throw error;
  console.error(`rejected, nothing written:\n  ${error.errors.map((problem) => `${problem.field}: ${problem.message}`).join("\n  ")}`);
  exitCode = 1;
} finally {
  await database.close();
}
process.exit(exitCode);
