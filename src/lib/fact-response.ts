import type { FastifyReply } from "fastify";
import type { FactLookup } from "../db/list-query.ts";
import { MovedPermanently, notFound, Problem } from "./problem.ts";

export interface FactAddress {
  /** "attack event", for messages. */
  noun: string;
  /** "/v1/attack-events", where a merged fact's survivor lives. */
  collection: string;
  id: string;
}

/**
 * The item of a live fact, with its ETag (the hash of its rendering, which If-Match compares) when
 * the item is sent whole. Unknown: 404; tombstoned: 410 (a deletion partners must hear about);
 * merged into another: 308 to the survivor.
 */
export function liveItem<Item>(reply: FastifyReply, lookup: FactLookup<Item>, address: FactAddress, whole: boolean): Item {
  if (!lookup) throw notFound(`No ${address.noun} has the id "${address.id}".`);
  if (lookup.state === "merged") throw new MovedPermanently(`${address.collection}/${encodeURIComponent(lookup.into)}`);
  if (lookup.state === "gone") {
    const why = lookup.reason === "unbacked" ? "no source backs it any more" : "an editor deleted it";
    throw new Problem(410, "Gone", `The ${address.noun} "${address.id}" was removed: ${why}.`);
  }
  if (whole) reply.header("etag", lookup.etag);
  return lookup.item;
}
