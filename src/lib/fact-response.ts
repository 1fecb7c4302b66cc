import type { FastifyReply } from "fastify";
import type { FactLookup } from "../db/list-query.ts";
import { negotiateFormat } from "./formats.ts";
import { sendJsonText } from "./json-text.ts";
import { MovedPermanently, notFound, Problem } from "./problem.ts";
import { type ShapeOptions, shapeItem } from "./shape.ts";

export interface FactAddress {
  /** "attack event", for messages. */
  noun: string;
  /** "/v1/attack-events", where a merged fact's survivor lives. */
  collection: string;
  id: string;
}

type LiveFact<Item> = Extract<FactLookup<Item>, { state: "live" }>;

/**
 * A live fact, or the problem of one that is not: unknown, 404; tombstoned, 410 (a deletion partners
 * must hear about); merged into another, 308 to the survivor.
 */
export function liveFact<Item>(lookup: FactLookup<Item>, address: FactAddress): LiveFact<Item> {
  if (!lookup) throw notFound(`No ${address.noun} has the id "${address.id}".`);
  if (lookup.state === "merged") throw new MovedPermanently(`${address.collection}/${encodeURIComponent(lookup.into)}`);
  if (lookup.state === "gone") {
    const why = lookup.reason === "unbacked" ? "no source backs it any more" : "an editor deleted it";
    throw new Problem(410, "Gone", `The ${address.noun} "${address.id}" was removed: ${why}.`);
  }
  return lookup;
}

/** A live fact sent whole: its stored rendering as it is, with its ETag (the hash that If-Match compares). */
export function sendWholeFact<Item>(reply: FastifyReply, lookup: FactLookup<Item>, address: FactAddress): FastifyReply {
  const fact = liveFact(lookup, address);
  return sendJsonText(reply, fact.json, fact.etag);
}

/**
 * A fact detail: whole, or with `fields=` and `include=` applied (then without the rendering's ETag).
 * JSON only, as every read but the lists: negotiated here for the text that passes the serialisation
 * hooks by (plugins/errors.ts negotiates the rest).
 */
export function sendFact<Item extends { id: string }>(reply: FastifyReply, lookup: FactLookup<Item>, address: FactAddress, shape: ShapeOptions<Item>) {
  negotiateFormat(reply.request.headers.accept, undefined, ["json"]);
  if (!shape.fields && !shape.include) return sendWholeFact(reply, lookup, address);
  return shapeItem(reply, JSON.parse(liveFact(lookup, address).json) as Item, shape);
}
