import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { z } from "zod";
import { importAirAttacks, importWeapons, MATCH_RULE } from "../../db/air-attack-import.ts";
import type { Transact } from "../../db/database.ts";
import { Problem, unprocessable } from "../../lib/problem.ts";
import { changeContext } from "../facts/change-context.ts";
import { AirAttackImportQuerySchema, AirAttackImportSummarySchema, WeaponImportSummarySchema } from "./imports.schemas.ts";

export interface ImportsRouteOptions {
  transaction: Transact;
  /** The largest file taken, in bytes. */
  maxUploadBytes?: number;
}

const DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
const csvBody = z.any().describe("The CSV file, as `text/csv` in UTF-8");

/**
 * The upload goes to a temporary file as it arrives (never the whole body in memory, and no
 * database connection held while a slow client sends), then is read once and imported.
 */
async function receiveCsv(body: unknown, maxBytes: number): Promise<string> {
  // Another type the service can parse (JSON) arrives parsed, not as the CSV stream.
  if (!(body instanceof Readable)) {
    throw new Problem(415, "Unsupported Media Type", "Send the file as `Content-Type: text/csv`.", [{ field: "headers.content-type", message: "Must be text/csv" }]);
  }
  const directory = await mkdtemp(path.join(tmpdir(), "warfacts-import-"));
  const file = path.join(directory, "upload.csv");
  try {
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > maxBytes) done(new Problem(413, "Payload Too Large", `The file is larger than ${maxBytes} bytes.`));
        else done(null, chunk);
      },
    });
    await pipeline(body, limit, createWriteStream(file));
    const bytes = await readFile(file);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw unprocessable("The file is not UTF-8.", [{ field: "body", message: "Not valid UTF-8; save the CSV as UTF-8" }]);
    }
    if (text.includes("\u0000")) throw unprocessable("The file contains NUL bytes.", [{ field: "body", message: "NUL bytes are not allowed" }]);
    return text;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export const importsRoutes: FastifyPluginAsyncZod<ImportsRouteOptions> = async (app, { transaction, maxUploadBytes }) => {
  const maxBytes = maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  // The body stays a stream: receiveCsv spools it to disk.
  app.addContentTypeParser("text/csv", (_request, payload, done) => done(null, payload));

  app.post("/imports/air-attacks", {
    config: { scope: "write", idempotent: false },
    schema: {
      operationId: "importAirAttacks",
      tags: ["imports"],
      summary: "Import the Air Force's air-attack tallies (CSV)",
      description:
        "The layout of the \"Massive Missile Attacks on Ukraine\" dataset (`time_start, time_end, model, …, source`). Each row becomes " +
        "claims of the source `sourceId`, reported by the Air Force, each backed by the row itself with the row's `source` as its " +
        "locator: the time window, the weapon (linked to the weapons reference, see `POST /v1/imports/weapons`), a place per " +
        "target, and launched / destroyed (`intercepted`) / did-not-reach (`notReached`) counts. A row for an event the database " +
        `already has from another source (${MATCH_RULE}) adds its claims to that event, beside the other source's figures. ` +
        "Bad rows are listed in `rejected` with their line and reason; odd figures are imported and listed in `flagged`. The " +
        "import is one transaction, and importing the same file again changes nothing, so retrying is always safe.",
      querystring: AirAttackImportQuerySchema,
      consumes: ["text/csv"],
      body: csvBody,
      response: { 200: AirAttackImportSummarySchema },
    },
    handler: async (request) => {
      const started = performance.now();
      const csv = await receiveCsv(request.body, maxBytes);
      const summary = await transaction((tx) =>
        importAirAttacks(tx, csv, undefined, { ...request.query, context: changeContext(request, request.query.sourceId) }),
      );
      const durationMs = Math.round(performance.now() - started);
      return { ...summary, durationMs, rowsPerSecond: Math.round(summary.rowsRead / Math.max(durationMs / 1000, 0.001)) };
    },
  });

  app.post("/imports/weapons", {
    config: { scope: "write", idempotent: false },
    schema: {
      operationId: "importWeapons",
      tags: ["imports"],
      summary: "Import the weapons reference (CSV)",
      description:
        "Columns `model, category, national_origin, type, launch_platform, name, name_NATO, in_sevice, designer, manufacturer, " +
        "guidance_system, unit_cost`. Entries are replaced by model; attack events naming a model show its entry in `weaponModels`. " +
        "A drone or UAV category makes a tally row a drone attack, a missile one a missile attack.",
      consumes: ["text/csv"],
      body: csvBody,
      response: { 200: WeaponImportSummarySchema },
    },
    handler: async (request) => {
      const csv = await receiveCsv(request.body, Math.min(maxBytes, 10 * 1024 * 1024));
      return transaction((tx) => importWeapons(tx, csv, changeContext(request)));
    },
  });
};
