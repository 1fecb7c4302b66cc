import { bbc20221210 } from "./bbc-2022-12-10-iran-russia-main-military-backer.ts";
import type { CuratedSource } from "./types.ts";

/** Every curated source, loaded by `npm run db:seed` and on first start. */
export const curatedSources: CuratedSource[] = [bbc20221210];
