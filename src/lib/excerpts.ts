export interface Span {
  start: number;
  end: number;
}

/** Code-point length, the unit of evidence offsets (PostgreSQL's substring counts the same way). */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** The code-point span of `excerpt` in `text`; `occurrence` (1-based) is needed when it appears more than once. */
export function locateExcerpt(text: string, excerpt: string, occurrence?: number): Span {
  const indexes: number[] = [];
  for (let at = text.indexOf(excerpt); at !== -1; at = text.indexOf(excerpt, at + 1)) indexes.push(at);
  if (indexes.length === 0) throw new Error(`Excerpt not found in source text: "${excerpt}"`);
  if (occurrence === undefined && indexes.length > 1) {
    throw new Error(`Excerpt occurs ${indexes.length} times, give an occurrence: "${excerpt}"`);
  }
  const index = indexes[(occurrence ?? 1) - 1];
  if (index === undefined) throw new Error(`Excerpt has no occurrence ${occurrence}: "${excerpt}"`);
  const start = codePointLength(text.slice(0, index));
  return { start, end: start + codePointLength(excerpt) };
}
