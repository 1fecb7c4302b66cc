import type { FastifyReply } from "fastify";
import { z } from "zod";

// Sparse fieldsets (`fields=`) and compound documents (`include=`), shared by every resource.

const splitList = (value: unknown) => {
  const values = value === undefined ? undefined : Array.isArray(value) ? value : [value];
  return values?.flatMap((entry) => (typeof entry === "string" ? entry.split(",").map((part) => part.trim()) : [entry]));
};

/** `fields=id,text` or `fields=id&fields=text`: an allow-list of the item's top-level fields. */
export function fieldsQuery(fields: readonly [string, ...string[]]) {
  return z
    .preprocess(splitList, z.array(z.enum(fields)).min(1).max(fields.length))
    .optional()
    .describe(
      `Sparse fieldset: only these fields (and \`id\`) in each item, comma-separated or repeated. One of: ${fields.join(", ")}`,
    );
}

/** `include=speaker,about`: related records to embed in full, under `included`. */
export function includeQuery(relations: readonly [string, ...string[]]) {
  return z
    .preprocess(splitList, z.array(z.enum(relations)).min(1).max(relations.length))
    .optional()
    .describe(
      `Embed the full records behind these relations under \`included\` (grouped by type), comma-separated or repeated. One of: ${relations.join(", ")}`,
    );
}

/** The item with only `id` and the requested fields. */
export function pickFields<Item extends { id: string }>(item: Item, fields: readonly string[] | undefined): Partial<Item> & { id: string } {
  if (!fields) return item;
  const picked: Record<string, unknown> = { id: item.id };
  for (const field of fields) if (field in item) picked[field] = (item as Record<string, unknown>)[field];
  return picked as Partial<Item> & { id: string };
}

export type IncludedKind = "actors" | "statements" | "sources";

/** How a relation finds the ids it points to, and what kind of record they are. */
export interface Relation<Item> {
  kind: IncludedKind;
  ids: (item: Item) => (string | null | undefined)[];
}

export type Loaders = Record<IncludedKind, (ids: string[]) => Promise<unknown[]>>;

/** The `included` object: every record the requested relations of `items` point to, once, by kind. */
export async function loadIncluded<Item>(
  items: Item[],
  include: readonly string[] | undefined,
  relations: Record<string, Relation<Item>>,
  loaders: Loaders,
): Promise<Partial<Record<IncludedKind, unknown[]>> | undefined> {
  if (!include) return undefined;
  const idsByKind = new Map<IncludedKind, Set<string>>();
  for (const name of include) {
    const relation = relations[name];
    if (!relation) continue;
    const ids = idsByKind.get(relation.kind) ?? new Set<string>();
    for (const item of items) for (const id of relation.ids(item)) if (id) ids.add(id);
    idsByKind.set(relation.kind, ids);
  }
  const included: Partial<Record<IncludedKind, unknown[]>> = {};
  for (const [kind, ids] of idsByKind) included[kind] = await loaders[kind]([...ids].sort());
  return included;
}

/** An object schema's fields as the `[string, ...string[]]` tuple that `z.enum` wants. */
export function fieldNames(schema: z.ZodObject): [string, ...string[]] {
  const names = Object.keys(schema.shape).filter((name) => name !== "id");
  if (names.length === 0) throw new Error("a resource needs fields besides id");
  return names as [string, ...string[]];
}

export interface ShapeOptions<Item> {
  fields?: readonly string[];
  include?: readonly string[];
  relations: Record<string, Relation<Item>>;
  loaders: Loaders;
}

/** A list body with `fields=` and `include=` applied; sparse bodies leave through plain JSON. */
export async function shapeList<Item extends { id: string }, Body extends { data: Item[] }>(
  reply: FastifyReply,
  body: Body,
  options: ShapeOptions<Item>,
) {
  if (!options.fields && !options.include) return body;
  const included = await loadIncluded(body.data, options.include, options.relations, options.loaders);
  if (options.fields) sendAsPlainJson(reply);
  // Typed as the full body: the route's response schema (a full | sparse union) documents the rest.
  return {
    ...body,
    data: body.data.map((item) => pickFields(item, options.fields)),
    ...(included ? { included } : {}),
  } as Body;
}

/** One item with `fields=` and `include=` applied. */
export async function shapeItem<Item extends { id: string }>(reply: FastifyReply, item: Item, options: ShapeOptions<Item>) {
  if (!options.fields && !options.include) return item;
  const included = await loadIncluded([item], options.include, options.relations, options.loaders);
  if (options.fields) sendAsPlainJson(reply);
  return { ...pickFields(item, options.fields), ...(included ? { included } : {}) } as Item;
}

/** Ids of the sources an item's evidence comes from: the `sources` relation of every fact. */
export const evidenceSources = (item: { evidence?: { sourceId: string }[] }) =>
  (item.evidence ?? []).map((excerpt) => excerpt.sourceId);

/** Sparse bodies do not fit the compiled (full) response serializer: plain JSON writes them. */
function sendAsPlainJson(reply: FastifyReply): void {
  reply.type("application/json; charset=utf-8").serializer(JSON.stringify);
}
