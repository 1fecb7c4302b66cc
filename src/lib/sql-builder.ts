/** Collects WHERE conditions with numbered parameters, so filters compose without string juggling. */
export class SqlFilter {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];
  private readonly setColumns = new Set<string>();

  /** Adds a parameter and returns its placeholder (`$3`). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  where(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /** Notes that the conditions keep only rows with `column` set (a range on it), for keyset paging. */
  requireSet(column: string): this {
    this.setColumns.add(column);
    return this;
  }

  /** Whether the conditions keep only rows with `column` set (requireSet). */
  requiresSet(column: string): boolean {
    return this.setColumns.has(column);
  }

  toSql(): string {
    return this.conditions.length === 0 ? "" : `WHERE ${this.conditions.join(" AND ")}`;
  }
}

/**
 * `column = $n` for one value, `= ANY($n)` for several: PostgreSQL 15 reads an (actor, date) index
 * such as `(speaker_id, said_on, id)` in list order only for an equality, and otherwise filters a date
 * index row by row (3,000 rows for one page of one speaker's year at a million statements).
 */
export function equalsAny(column: string, values: string[], filter: SqlFilter): string {
  return values.length === 1 ? `${column} = ${filter.param(values[0])}` : `${column} = ANY(${filter.param(values)})`;
}

/** An ILIKE pattern matching `text` anywhere, with the user's `%`, `_` and `\\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
