import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { type CursorList, listCursors } from "../../lib/cursor.ts";
import {
  type CsvColumn,
  type ExportFormat,
  exportLocation,
  MEDIA_TYPES,
  negotiateFormat,
  PAGE_ONLY_PARAMETERS,
  type Paging,
  sendExport,
} from "../../lib/formats.ts";
import { bodyChecksum } from "../../lib/checksum.ts";
import { sendJsonText } from "../../lib/json-text.ts";
import { type JsonTextPage, listReply, pageInfo, parsePage } from "../../lib/pagination.ts";
import { badRequest, MovedPermanently } from "../../lib/problem.ts";
import { type Loaders, type Relation, shapeList } from "../../lib/shape.ts";
import { dateRangeInOrder, formatQuery, GeoJsonFeatureCollectionSchema } from "./common.schemas.ts";

type App = Parameters<FastifyPluginAsyncZod>[0];
type ExportableList = Exclude<CursorList, "timeline" | "search">;
type PageOnly = (typeof PAGE_ONLY_PARAMETERS)[number];

/** What an export takes of a list's query: its filters, `cursor` and `fields`. */
export type ExportQuery<Query extends z.ZodObject> = Omit<z.output<Query>, PageOnly>;

/**
 * A fact list, declared once: its JSON page at `/v1/<name>` and an operation of its own for each
 * export format, `/v1/<name>.csv` and so on. Each export documents exactly one media type, so a client
 * generated from the document types the page as the page; the list answers a request for an export
 * (`format=csv`, `Accept: text/csv`) with a 308 to it.
 */
export interface ListDefinition<Query extends z.ZodObject, Filters, Item extends { id: string }> {
  /** The path under /v1, the list its cursors belong to, and the exports' file names. */
  name: ExportableList;
  /** `listStatements`; its exports are `exportStatementsCsv` and so on. */
  operationId: `list${string}`;
  tags: string[];
  summary: string;
  description: string;
  /**
   * The list's parameters: JSON paging (`limit`, `count`, `include`) and the filters its exports take too.
   * `format=` is added from `exports`. Both queries are built from its shape, and check `to` not before
   * `from`: a check of its own across parameters would not be kept.
   */
  query: Query;
  response: z.ZodType;
  exports: readonly [ExportFormat, ...ExportFormat[]];
  csvColumns: readonly CsvColumn[];
  /** The filters of a query (actor references resolved). */
  filters: (query: ExportQuery<Query>) => Promise<Filters>;
  /**
   * The filters with the query's actor references resolved in the list's own query, where it has
   * references that can be (one round trip, not two); undefined otherwise. A JSON page read with them
   * that comes back empty is read again with `filters`: a reference that names no actor is a 400 there,
   * one that names several a filter on them all.
   */
  filtersInQuery?: (query: ExportQuery<Query>) => Filters | undefined;
  /** One page of the list, as its items' stored JSON. */
  list: (options: Filters & Paging) => Promise<JsonTextPage<Item>>;
  /** What `include=` can embed in a JSON page. */
  relations: Record<string, Relation<Item>>;
  loaders: Loaders;
  /** GeoJSON features of a batch of items: required when `exports` has geojson. */
  toFeatures?: (items: Item[]) => Promise<object[]>;
}

const FORMAT_LABELS: Record<ExportFormat, string> = { csv: "CSV", ndjson: "NDJSON", geojson: "GeoJSON" };

const FIELDS_IN: Record<ExportFormat, string> = {
  csv: "`fields=` keeps the columns of the fields named (and `id`).",
  ndjson: "`fields=` keeps the fields named (and `id`) of each item.",
  geojson: "Features carry a fixed set of properties: `fields=` is accepted, as on the list, and changes nothing.",
};

const EXPORT_BODIES: Record<ExportFormat, z.ZodType> = {
  csv: z.string().describe("UTF-8 with a BOM: a header row, then one row per item; `[]` columns join values with \"; \""),
  ndjson: z.string().describe("One JSON item per line, the same shape as in the list's `data`"),
  geojson: GeoJsonFeatureCollectionSchema,
};

const EXPORT_CURSOR = z
  .string()
  .min(1)
  .max(2048)
  .optional()
  .describe("The `nextCursor` of a page of the same list (JSON or an earlier export's place): the export starts after it");

// Both queries are built anew from the list's parameters (zod extends no refined object): the one
// check across parameters that lists have, `to` not before `from`, is made on each.
const withDateRangeInOrder = (shape: z.ZodRawShape) =>
  z.strictObject(shape).superRefine((parsed, context) => dateRangeInOrder(parsed as { from?: string; to?: string }, context));

/** The list's query with `format=`: `json`, or one of its exports (a 308 to the export's path). */
function listQueryOf(query: z.ZodObject, exports: readonly ExportFormat[]) {
  return withDateRangeInOrder({ ...query.shape, format: formatQuery(["json", ...exports]) });
}

/** The export's query: the list's filters, `cursor` and `fields`, without what only a JSON page takes. */
function exportQueryOf(query: z.ZodObject) {
  const shape = Object.fromEntries(
    Object.entries(query.shape)
      .filter(([name]) => !(PAGE_ONLY_PARAMETERS as readonly string[]).includes(name))
      .map(([name, schema]) => [name, name === "cursor" ? EXPORT_CURSOR : schema]),
  ) as z.ZodRawShape;
  return withDateRangeInOrder(shape);
}

const capitalised = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

export function listRoutes<Query extends z.ZodObject, Filters, Item extends { id: string }>(
  app: App,
  list: ListDefinition<Query, Filters, Item>,
) {
  if (list.exports.includes("geojson") && !list.toFeatures) throw new Error(`${list.name}: a GeoJSON export needs toFeatures`);
  const cursors = listCursors(list.name);
  const noun = list.name.replace("-", " ");
  const exportPaths = list.exports.map((format) => `\`/v1/${list.name}.${format}\``).join(", ");

  app.get(`/${list.name}`, {
    schema: {
      operationId: list.operationId,
      tags: list.tags,
      summary: list.summary,
      description: `${list.description} Every matching item at once, streamed: ${exportPaths}.`,
      querystring: listQueryOf(list.query, list.exports),
      response: {
        200: list.response,
        308: z.null().describe(`An export was asked for (\`format=\` or \`Accept\`): \`Location\` is its own path (${exportPaths}) with the same filters`),
      },
      exports: list.exports,
    },
    handler: async (request, reply) => {
      const query = request.query as z.output<Query> & Paging & { format?: ExportFormat | "json"; include?: string[]; fields?: string[] };
      const inQuery = list.filtersInQuery?.(query);
      const filters = inQuery ?? (await list.filters(query));
      const cursor = cursors.read(query.cursor);
      const format = negotiateFormat(request.headers.accept, query.format, ["json", ...list.exports]);
      if (format !== "json") {
        // An unknown actor is a 400 here too, not a redirect to an export that would refuse it.
        if (inQuery) await list.filters(query);
        if (query.include) {
          throw badRequest("include= embeds records in JSON pages only; exports carry ids.", [
            { field: "query.include", message: `Not available with ${MEDIA_TYPES[format]}` },
          ]);
        }
        throw new MovedPermanently(exportLocation(request.url, format));
      }
      const paging = { cursor, limit: query.limit, count: query.count };
      let page = await list.list({ ...filters, ...paging });
      if (inQuery && page.texts.length === 0) page = await list.list({ ...(await list.filters(query)), ...paging });
      const nextCursor = cursors.issue(page.nextCursor);
      if (!query.fields && !query.include) return sendJsonPage(reply, { ...page, nextCursor }, pageInfo(request.url, nextCursor));
      const body = listReply(request.url, { ...parsePage(page), nextCursor });
      return shapeList(reply, body, { fields: query.fields, include: query.include, relations: list.relations, loaders: list.loaders });
    },
  });

  for (const format of list.exports) {
    const label = FORMAT_LABELS[format];
    app.get(`/${list.name}.${format}`, {
      schema: {
        operationId: `export${capitalised(list.operationId.slice("list".length))}${capitalised(format)}`,
        tags: list.tags,
        summary: `Export ${noun} as ${label}`,
        description:
          `Every ${noun.replace(/s$/, "")} matching the filters of \`/v1/${list.name}\` (or from \`cursor\` on), as one ${label} ` +
          `download (\`${list.name}.${format}\`), streamed as it is read. ${FIELDS_IN[format]} \`include=\` is for JSON pages only. ` +
          "What is wrong with the request is a problem before the first byte; an export is never cached and has no ETag.",
        querystring: exportQueryOf(list.query),
        produces: [MEDIA_TYPES[format]],
        response: { 200: EXPORT_BODIES[format] },
      },
      handler: async (request, reply) => {
        const query = request.query as ExportQuery<Query> & { cursor?: string; fields?: string[] };
        const filters = await list.filters(query);
        const cursor = cursors.read(query.cursor);
        negotiateFormat(request.headers.accept, undefined, [format]);
        return sendExport(request, reply, {
          name: list.name,
          format,
          cursor,
          fields: query.fields,
          csvColumns: list.csvColumns,
          toFeatures: list.toFeatures,
          fetchPage: async (next, limit) => parsePage(await list.list({ ...filters, cursor: next, limit })),
        });
      },
    });
  }
}

/**
 * A whole list page, spliced from its items' stored JSON (the body that `listReply` would give). Its
 * ETag is made of the items' rendering hashes and the page's links, not of the body: the same content
 * gives the same ETag, for a fraction of hashing the body.
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
