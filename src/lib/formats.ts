import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type CursorList, listCursors } from "./cursor.ts";
import { type JsonTextPage, listReply, type Page, pageInfo, parsePage } from "./pagination.ts";
import { bodyChecksum } from "./checksum.ts";
import { sendJsonText } from "./json-text.ts";
import { badRequest, Problem } from "./problem.ts";
import { pickFields, type ShapeOptions, shapeList } from "./shape.ts";

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
 * Accept header by q-value. `*\/*`, `application/*`, `application/problem+json` and no Accept at all
 * mean JSON; `text/*` means CSV where CSV is allowed. Nothing acceptable is a 406. Every GET under /v1
 * negotiates here, lists with their export formats, everything else with JSON only (plugins/errors.ts).
 */
export function negotiateFormat(accept: string | undefined, requested: Format | undefined, allowed: readonly Format[]): Format {
  if (requested) return requested;
  if (!accept || accept.trim() === "") return "json";
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
    // A problem is JSON too: a client that accepts problems reads the JSON they describe.
    const mediaType = range === "*/*" || range === "application/problem+json" ? MEDIA_TYPES.json : range;
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

/**
 * The value at `path`: dots go into objects, `name[]` maps over an array, whose values are joined
 * with "; ". Missing and null values are empty cells.
 */
export function pluck(item: unknown, path: string): string | number | boolean | null {
  const values = pluckAll(item, path.split("."));
  if (values.length === 0) return null;
  if (path.includes("[]")) return values.map(String).join("; ");
  return values[0] as string | number | boolean;
}

function pluckAll(value: unknown, segments: string[]): unknown[] {
  if (value === null || value === undefined) return [];
  const [segment, ...rest] = segments;
  if (segment === undefined) return [value];
  const isArray = segment.endsWith("[]");
  const child = (value as Record<string, unknown>)[isArray ? segment.slice(0, -2) : segment];
  if (isArray) return Array.isArray(child) ? child.flatMap((element) => pluckAll(element, rest)) : [];
  return pluckAll(child, rest);
}

// A cell starting with one of these is a formula to a spreadsheet: quote it as text (OWASP CSV injection).
const FORMULA_START = /^[=+@\t\r]/;

function csvCell(value: string | number | boolean | null): string | number | boolean | null {
  return typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : value;
}

export interface ListSendOptions<Item> {
  /** Used in the download's file name. */
  name: string;
  format: Format;
  fetchPage: PageFetcher<Item>;
  cursor?: string;
  csvColumns: readonly CsvColumn[];
  /** GeoJSON features of one batch of items; required where geojson is allowed. */
  toFeatures?: (items: Item[]) => Promise<object[]>;
  /** `fields=`: CSV keeps the columns of these fields, NDJSON these fields of each item. */
  fields?: readonly string[];
}

/**
 * Sends a full export as CSV, NDJSON or GeoJSON, streamed; JSON pages are sent by the route itself.
 * The first batch is read (and, for GeoJSON, made features) before anything is sent, so that what is
 * wrong with the request (a cursor, a filter) or the database at the start is a problem with its own
 * status, not a 200 cut short. A failure after the first byte can only abort the response: the body
 * then ends without its last chunk, which no client or cache takes for a whole export, and streamed
 * responses are never cacheable (plugins/http-cache.ts).
 */
export async function sendExport<Item>(request: FastifyRequest, reply: FastifyReply, options: ListSendOptions<Item>) {
  const { format, toFeatures } = options;
  if (format === "geojson" && !toFeatures) throw new Problem(406, "Not Acceptable", "GeoJSON is not available for this resource.");
  if (format !== "csv" && format !== "ndjson" && format !== "geojson") throw new Error(`sendExport cannot send ${format}`);
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
      // Headers are the column paths without "[]": `places.name` holds every place's name.
      const columns = csvColumns.map((column) => ({ key: column, header: column.replaceAll("[]", "") }));
      const csv = stringify({ header: true, columns, bom: true });
      const rows = Readable.from(
        (async function* () {
          for await (const batch of batches) {
            for (const item of batch) yield Object.fromEntries(csvColumns.map((column) => [column, csvCell(pluck(item, column))]));
          }
        })(),
      );
      rows.on("error", (error) => {
        failed(error);
        csv.destroy(error);
      });
      return reply.type("text/csv; charset=utf-8").send(rows.pipe(csv));
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

export interface ListRouteOptions<Item> {
  /** The list: its cursors carry it (a cursor is read back only by the list that issued it), and exports are named after it. */
  name: Exclude<CursorList, "timeline" | "search">;
  formats: readonly Format[];
  query: Paging & { format?: Format };
  /** One page of the list with the route's filters. */
  list: (paging: Paging) => Promise<JsonTextPage<Item>>;
  csvColumns: readonly CsvColumn[];
  toFeatures?: (items: Item[]) => Promise<object[]>;
  /** `fields=` and `include=` of a JSON page. */
  shape?: ShapeOptions<Item>;
}

/** A list route's reply in the negotiated format: a JSON page, or a streamed export. */
export async function replyWithList<Item extends { id: string }>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: ListRouteOptions<Item>,
) {
  const { query } = options;
  const cursors = listCursors(options.name);
  const cursor = cursors.read(query.cursor);
  const format = negotiateFormat(request.headers.accept, query.format, options.formats);
  if (format === "json") {
    const page = await options.list({ cursor, limit: query.limit, count: query.count });
    const nextCursor = cursors.issue(page.nextCursor);
    if (!options.shape?.fields && !options.shape?.include) return sendJsonPage(reply, { ...page, nextCursor }, pageInfo(request.url, nextCursor));
    return shapeList(reply, listReply(request.url, { ...parsePage(page), nextCursor }), options.shape);
  }
  if (options.shape?.include) {
    throw badRequest("include= embeds records in JSON pages only; exports carry ids.", [
      { field: "query.include", message: `Not available with ${MEDIA_TYPES[format]}` },
    ]);
  }
  return sendExport(request, reply, {
    fields: options.shape?.fields,
    name: options.name,
    format,
    cursor,
    csvColumns: options.csvColumns,
    toFeatures: options.toFeatures,
    fetchPage: async (next, limit) => parsePage(await options.list({ cursor: next, limit })),
  });
}

/**
 * A whole list page, spliced from its items' stored JSON (the body that `listReply` would give, key
 * for key). Its ETag is made of the items' rendering hashes and the page's links, not of the body:
 * the same content gives the same ETag, for a fraction of hashing the body.
 */
function sendJsonPage<Item>(reply: FastifyReply, page: JsonTextPage<Item>, links: ReturnType<typeof pageInfo>): FastifyReply {
  const tail = `"page":${JSON.stringify(links)}${page.total === undefined ? "" : `,"total":${page.total}`}`;
  const etag = page.hashes.every((hash) => hash !== null) ? `"p${bodyChecksum(`${page.hashes.join(",")};${tail}`)}"` : undefined;
  const parts: Buffer[] = [DATA_START];
  page.texts.forEach((text, index) => parts.push(...(index === 0 ? [text] : [COMMA, text])));
  parts.push(Buffer.from(`],${tail}}`));
  return sendJsonText(reply, Buffer.concat(parts), etag);
}

const DATA_START = Buffer.from('{"data":[');
const COMMA = Buffer.from(",");
