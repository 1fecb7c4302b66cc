import type { BundleInput, SourceInput } from "../../src/modules/sources/bundle.schemas.ts";

/**
 * A curated source: its metadata, the file holding its text (under prisma/seed/sources/), and its
 * bundle of facts, in the very shape editors send to `PUT /v1/sources/{id}/bundle`. Excerpts are
 * quoted from the text; the loader finds their offsets and refuses one that is missing or ambiguous.
 */
export interface CuratedSource {
  source: Omit<SourceInput, "text" | "authors" | "id"> & { id: string; authors: string[]; textFile: string };
  bundle: BundleInput;
}
