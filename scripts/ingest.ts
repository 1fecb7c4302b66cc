// `npm run ingest -- article.json [more.json …]`: loads whole sources from files, each in one
// transaction, through the same path as `PUT /v1/sources/{id}/bundle` and the seed. A file holds
// `{ "source": { "id", "publisher", "title", "publishedOn", "language", …, "text" | "textFile" }, "bundle": { … } }`;
// `textFile` is read relative to the JSON file. Putting the same file again changes nothing.
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { loadConfig } from "../src/config.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase } from "../src/db/database.ts";
import { IngestRejected } from "../src/db/ingest.ts";
import { ingestSourceBundle } from "../src/db/seed.ts";
import { SourceInputSchema } from "../src/modules/sources/bundle.schemas.ts";

const files = process.argv.slice(2).filter((argument) => argument !== "--");
if (files.length === 0) {
  console.error("Usage: npm run ingest -- <source-bundle.json> [more.json …]");
  process.exit(2);
}

const FileSchema = z.strictObject({
  source: SourceInputSchema.omit({ text: true }).extend({
    id: z.string().min(1),
    text: z.string().min(1).optional(),
    textFile: z.string().min(1).optional(),
  }),
  bundle: z.unknown(),
});

const config = loadConfig();
const database = await openDatabase(config.databaseUrl, { poolSize: 2 });
let failed = false;
try {
  // As the service would start: migrated, with the curated sources that later ones refer to.
  await prepareDatabase(database, { migrate: config.autoMigrate, seed: config.autoSeed });
  for (const file of files) {
    const parsed = FileSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) {
      console.error(`${file}: not a source bundle file:\n${z.prettifyError(parsed.error)}`);
      failed = true;
      continue;
    }
    const { textFile, text, ...metadata } = parsed.data.source;
    const sourceText = text ?? (textFile ? readFileSync(path.resolve(path.dirname(file), textFile), "utf8") : undefined);
    if (sourceText === undefined) {
      console.error(`${file}: the source needs "text" or "textFile"`);
      failed = true;
      continue;
    }
    try {
      const summary = await ingestSourceBundle(database, { ...metadata, text: sourceText }, parsed.data.bundle, {
        apiKeyId: null,
        sourceId: metadata.id,
      });
      const byAction = new Map<string, number>();
      for (const change of summary.changes) byAction.set(change.action, (byAction.get(change.action) ?? 0) + 1);
      const facts = [...byAction].map(([action, count]) => `${count} ${action}d`).join(", ") || "no fact changed";
      console.log(
        `${file}: source ${summary.sourceId}: ${summary.unchanged ? "unchanged (this bundle is already applied)" : facts}` +
          ` | claims ${JSON.stringify(summary.claims)}`,
      );
      for (const match of summary.matched) console.log(`  ${match.id} is the known statement ${match.matchedId}`);
      for (const warning of summary.warnings) console.log(`  warning: ${warning.field}: ${warning.message}`);
    } catch (error) {
      failed = true;
      if (error instanceof IngestRejected || error instanceof z.ZodError) {
        const issues = error instanceof IngestRejected ? error.errors.map((issue) => `${issue.field}: ${issue.message}`) : [z.prettifyError(error)];
        console.error(`${file}: rejected, nothing written:\n  ${issues.join("\n  ")}`);
      } else throw error;
    }
  }
} finally {
  await database.close();
}
process.exit(failed ? 1 : 0);
