import { bbc20221210 } from "./bbc-2022-12-10-iran-russia-main-military-backer.ts";
import type { SourceBundle } from "./types.ts";

/** Every curated source, loaded by `npm run db:seed` and on first start. */
export const seedBundles: SourceBundle[] = [bbc20221210];
