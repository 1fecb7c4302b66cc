import type supertest from "supertest";
import { expect } from "vitest";

/** Follows `page.next` links from `path` and returns every item, asserting each page is a valid list. */
export async function fetchAll<Item = Record<string, unknown>>(http: () => supertest.Agent, path: string): Promise<Item[]> {
  const items: Item[] = [];
  let next: string | null = path;
  for (let pages = 0; next !== null; pages++) {
    expect(pages, `too many pages for ${path}`).toBeLessThan(1000);
    const response: supertest.Response = await http().get(next).expect(200);
    items.push(...(response.body.data as Item[]));
    next = response.body.page.next;
  }
  return items;
}
