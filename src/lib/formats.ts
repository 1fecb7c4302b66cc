import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Page } from "./pagination.ts";
import { Problem } from "./problem.ts";
import { pickFields } from "./shape.ts";

export const formatValues = ["json", "csv", "ndjson", "geojson"] as const;
export type Format = (typeof formatValues)[number];

export const MEDIA_TYPES: Record<Format, string> = {
  json: "application/json",
  csv: "text/csv",
  ndjson: "application/x-ndjson",
  geojson: "application/geo+json",
};

/**
 * The representation to send: `format=` wins (browsers and spreadsheets cannot set Accept), then the
 * Accept header by q-value. No Accept at all and `*\/*` mean the first allowed format (JSON where JSON
 * is allowed); `application/problem+json` means JSON; `text/*` means CSV where CSV is allowed. Nothing
 * acceptable is a 406. Every GET under /v1 negotiates here: lists among JSON and their exports (an
 * export is a 308 to its own path), an export path its one media type, everything else JSON only
 * (plugins/errors.ts).
 */
export function negotiateFormat(accept: string | undefined, requested: Format | undefined, allowed: readonly [Format, ...Format[]]): Format {
  if (requested) return requested;
  if (!accept || accept.trim() === "") return allowed[0];
  const ranges = accept
    .split(",")
    .map((part, order) => {
      const [range = "", ...parameters] = part.split(";").map((piece) => piece.trim().toLowerCase());
      const quality = parameters.find((parameter) => parameter.startsWith("q="));
      return { range, q: quality ? Number(quality.slice(2)) : 1, order };
    })
    .filter((entry) => entry.range !== "" && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { range } of ranges) {
    if (range === "*/*") return allowed[0];
    // A problem is JSON too: a client that accepts problems reads the JSON they describe.
    const mediaType = range === "application/problem+json" ? MEDIA_TYPES.json : range;
    const format = mediaType.endsWith("/*")
      ? allowed.find((candidate) => MEDIA_TYPES[candidate].startsWith(mediaType.slice(0, -1)))
      : allowed.find((candidate) => MEDIA_TYPES[candidate] === mediaType);
    if (format) return format;
  }
  const choices = allowed.map((format) => MEDIA_TYPES[format]).join(", ");
  throw new Problem(
    406,
    "Not Acceptable",
    allowed.length > 1
      ? `None of the media types in Accept is available here; choose one of ${choices}, or pass format=.`
      : `None of the media types in Accept is available here; this resource is ${choices} only.`,
    [{ field: "headers.accept", message: `Accept one of ${choices}` }],
  );
}

export type ExportFormat = Exclude<Format, "json">;

// A JSON page's own parameters: an export sends every item from `cursor` on, and embeds nothing.
export const PAGE_ONLY_PARAMETERS = ["limit", "count", "format", "include"] as const;

/**
 * Where a list request that asked for an export (`format=csv`, `Accept: text/csv`) is sent: the
 * list's export path, `/v1/statements.csv`, with the same query but for what only a JSON page takes
 * (PAGE_ONLY_PARAMETERS; exports never applied them, and `include` is refused before any redirect).
 * The query's bytes are kept as sent.
 */
export function exportLocation(url: string, format: ExportFormat): string {
  const [path = "", query = ""] = url.split(/\?(.*)/s, 2);
  const kept = query.split("&").filter((pair) => {
    if (pair === "") return false;
    const name = pair.split("=", 1)[0]!;
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replaceAll("+", " "));
    } catch {
      // Not percent-encoding: kept as it is, for the export to judge.
    }
    return !(PAGE_ONLY_PARAMETERS as readonly string[]).includes(decoded);
  });
  return `${path}.${format}${kept.length > 0 ? `?${kept.join("&")}` : ""}`;
}

// Exports read the list in keyset batches of this size: memory stays flat however long the export.
const EXPORT_BATCH_SIZE = 500;

export type PageFetcher<Item> = (cursor: string | undefined, limit: number) => Promise<Page<Item>>;

/** The batches of an export: the first, already read, then every batch after it, one in memory at a time. */
async function* batchesFrom<Item>(first: Page<Item>, fetchPage: PageFetcher<Item>): AsyncGenerator<Item[]> {
  yield first.items;
  let next = first.nextCursor;
  while (next) {
    const page = await fetchPage(next, EXPORT_BATCH_SIZE);
    yield page.items;
    next = page.nextCursor;
  }
}

/** A CSV column: its header and where its value is in the item (`said.date`, `about[].name`). */
export type CsvColumn = string;

type Cell = string | number | boolean | null;

/**
 * What reads a column's value at `path` of an item, the path parsed once for a whole export: dots go
 * into objects, `name[]` maps over an array, whose values are joined with "; ". Missing and null
 * values are empty cells.
 */
function columnReader(path: string): (item: unknown) => Cell {
  const steps = path.split(".").map((segment) => (segment.endsWith("[]") ? { key: segment.slice(0, -2), many: true } : { key: segment, many: false }));
  const joined = path.includes("[]");
  return (item) => {
    const values: unknown[] = [];
    collect(item, steps, 0, values);
    if (values.length === 0) return null;
    return joined ? values.map(String).join("; ") : (values[0] as Cell);
  };
}

function collect(value: unknown, steps: { key: string; many: boolean }[], at: number, into: unknown[]): void {
  if (value === null || value === undefined) return;
  if (at === steps.length) {
    into.push(value);
    return;
  }
  const { key, many } = steps[at]!;
  const child = (value as Record<string, unknown>)[key];
  if (!many) collect(child, steps, at + 1, into);
  else if (Array.isArray(child)) for (const element of child) collect(element, steps, at + 1, into);
}

// A cell starting with one of these is a formula to a spreadsheet: quote it as text (OWASP CSV injection).
const FORMULA_START = /^[=+@\t\r]/;

function csvCell(value: Cell): Cell {
  return typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : value;
}

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One field of RFC 4180 CSV, as csv-stringify wrote it with its defaults (which exports used
 * before): true is "1" and false empty, objects are JSON; a field with a quote, comma or line
 * break is quoted, its quotes doubled.
 */
function csvField(value: unknown): string {
  let text: string;
  if (value === null || value === undefined || value === false) return "";
  if (typeof value === "string") text = value;
  else if (value === true) text = "1";
  else if (typeof value === "object") text = JSON.stringify(value);
  else text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvRecord = (fields: readonly unknown[]) => `${fields.map(csvField).join(",")}\n`;

export interface ListSendOptions<Item> {
  /** Used in the download's file name. */
  name: string;
  format: ExportFormat;
  fetchPage: PageFetcher<Item>;
  cursor?: string;
  csvColumns: readonly CsvColumn[];
  /** GeoJSON features of one batch of items; required where geojson is allowed. */
  toFeatures?: (items: Item[]) => Promise<object[]>;
  /** `fields=`: CSV keeps the columns of these fields, NDJSON these fields of each item. */
  fields?: readonly string[];
}

/**
 * Sends a full export as CSV, NDJSON or GeoJSON, streamed (each export path's one representation).
 * The first batch is read (and, for GeoJSON, made features) before anything is sent, so that what is
 * wrong with the request (a cursor, a filter) or the database at the start is a problem with its own
 * status, not a 200 cut short. A failure after the first byte can only abort the response: the body
 * then ends without its last chunk, which no client or cache takes for a whole export, and streamed
 * responses are never cacheable (plugins/http-cache.ts).
 */
export async function sendExport<Item>(request: FastifyRequest, reply: FastifyReply, options: ListSendOptions<Item>) {
  const { format, toFeatures } = options;
  if (format === "geojson" && !toFeatures) throw new Error(`${options.name}: a GeoJSON export needs toFeatures`);
  const first = await options.fetchPage(options.cursor, EXPORT_BATCH_SIZE);
  const firstFeatures = format === "geojson" ? await toFeatures!(first.items) : [];

  const fields = options.fields;
  const batches = batchesFrom(first, options.fetchPage);
  const csvColumns = fields
    ? options.csvColumns.filter((column) => ["id", ...fields].includes(column.split(/[.[]/)[0]!))
    : options.csvColumns;
  reply.header("content-disposition", `inline; filename="${options.name}.${format}"`);
  const failed = (error: unknown) => request.log.error({ err: error }, "export failed mid-stream");
  switch (format) {
    case "csv": {
      // A BOM (spreadsheets then read UTF-8), then the header: the column paths without "[]"
      // (`places.name` holds every place's name). A batch is one chunk of text.
      const readers = csvColumns.map(columnReader);
      const header = `\uFEFF${csvRecord(csvColumns.map((column) => column.replaceAll("[]", "")))}`;
      return reply.type("text/csv; charset=utf-8").send(
        Readable.from(
          (async function* () {
            yield header;
            for await (const batch of batches) {
              yield batch.map((item) => csvRecord(readers.map((read) => csvCell(read(item))))).join("");
            }
          })(),
        ).on("error", failed),
      );
    }
    case "ndjson":
      return reply.type("application/x-ndjson; charset=utf-8").send(
        Readable.from(
          (async function* () {
            for await (const batch of batches) {
              for (const item of batch) yield `${JSON.stringify(fields ? pickFields(item as { id: string }, fields) : item)}\n`;
            }
          })(),
        ).on("error", failed),
      );
    case "geojson":
      return reply.type("application/geo+json; charset=utf-8").send(
        Readable.from(featureCollection(batches, firstFeatures, toFeatures!)).on("error", failed),
      );
  }
}

async function* featureCollection<Item>(
  batches: AsyncGenerator<Item[]>,
  firstFeatures: object[],
  toFeatures: (items: Item[]) => Promise<object[]>,
): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":[';
  let first = true;
  let firstBatch = true;
  for await (const batch of batches) {
    // The first batch's features were made before the response started.
    const features = firstBatch ? firstFeatures : await toFeatures(batch);
    firstBatch = false;
    for (const feature of features) {
      yield `${first ? "" : ","}${JSON.stringify(feature)}`;
      first = false;
    }
  }
  yield "]}";
}

export interface Paging {
  cursor?: string;
  limit: number;
  count?: boolean;
}
