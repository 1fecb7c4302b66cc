import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";

// The Ukrainian Air Force's daily tallies as newsrooms keep them (the layout of "Massive Missile
// Attacks on Ukraine"): one row is one weapon model in one reported time window. Everything here is
// pure: rows in, plans or reasons out. Figures are taken as written; odd ones are flagged, never fixed.

export const ATTACK_COLUMNS = [
  "time_start", "time_end", "model", "launch_place", "target", "target_main", "launched", "destroyed", "not_reach_goal",
  "still_attacking", "border_crossing", "is_shahed", "num_hit_location", "num_fall_fragment_location", "carrier", "turbojet",
  "turbojet_destroyed", "affected region", "destroyed_details", "launched_details", "launch_place_details", "source",
] as const;

export const WEAPON_COLUMNS = [
  "model", "category", "national_origin", "type", "launch_platform", "name", "name_NATO", "in_sevice", "designer",
  "manufacturer", "guidance_system", "unit_cost",
] as const;

export type AttackKind = "drone_attack" | "missile_attack" | "air_attack";

export interface WeaponModel {
  model: string;
  category: string | null;
  nationalOrigin: string | null;
  type: string | null;
  launchPlatform: string | null;
  name: string | null;
  nameNato: string | null;
  inService: string | null;
  designer: string | null;
  manufacturer: string | null;
  guidanceSystem: string | null;
  unitCost: string | null;
}

/** A time as the row gives it (Kyiv local time): the date, and the minute when there is one. */
export interface RowTime {
  date: string;
  time: string | null;
}

export interface AttackRow {
  /** 1-based line of the file where the row starts (the header is line 1). */
  line: number;
  /** Stable across re-runs: the same window, models and targets give the same key. */
  key: string;
  start: RowTime;
  end: RowTime | null;
  models: string[];
  /** The target column's values, as written ("Odesa oblast", "south"). */
  targets: string[];
  launched: number | null;
  destroyed: number | null;
  notReached: number | null;
  kind: AttackKind;
  /** The row's `source`: where the Air Force posted the figures. */
  locator: string | null;
  /** The row as it stands in the file: the evidence of every claim made from it. */
  excerpt: string;
  /** Code-point offsets of the excerpt in the file's text. */
  span: { start: number; end: number };
  flags: string[];
}

export interface RowProblem {
  line: number;
  reason: string;
}

export interface ParsedAttacks {
  /** The file's text as stored with the source (a leading byte-order mark dropped). */
  text: string;
  rows: AttackRow[];
  rejected: RowProblem[];
  rowsRead: number;
  /** The layout's columns the header lacks: then no row is read (and line 1 is rejected, saying so). */
  missingColumns: string[];
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::\d{2})?)?$/;

/** `2022-12-10`, `2022-12-10 18:00` or `2022-12-10 9:00`, spaces around allowed; null when empty. */
export function parseRowTime(value: string): RowTime | null | "invalid" {
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const match = TIME.exec(trimmed);
  if (!match) return "invalid";
  const [, year, month, day, hour, minute] = match;
  const date = `${year}-${month}-${day}`;
  const parsed = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) return "invalid";
  if (hour === undefined) return { date, time: null };
  if (Number(hour) > 23 || Number(minute) > 59) return "invalid";
  return { date, time: `${hour.padStart(2, "0")}:${minute}` };
}

/** `15.0` → 15, empty → null; a fraction, a negative or a word is not a count. */
export function parseCount(value: string): number | null | "invalid" {
  const trimmed = value.trim();
  if (trimmed === "") return null;
  if (!/^\d+(\.0+)?$/.test(trimmed)) return "invalid";
  const count = Number(trimmed);
  return count <= 2_147_483_647 ? count : "invalid";
}

/**
 * A Python dict literal as the dataset writes details (`{'belarus': 2.0, 'Курськ': 1}`): keys and
 * numbers. Null when empty, "invalid" when it is something else.
 */
export function parsePythonDict(value: string): Record<string, number> | null | "invalid" {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed === "{}") return trimmed === "" ? null : {};
  const body = /^\{(.*)\}$/s.exec(trimmed)?.[1];
  if (body === undefined) return "invalid";
  const entries: Record<string, number> = {};
  const entry = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*:\s*(-?\d+(?:\.\d+)?)\s*(,|$)/gy;
  let consumed = 0;
  for (let match = entry.exec(body); match; match = entry.exec(body)) {
    entries[(match[1] ?? match[2])!.replace(/\\(.)/g, "$1")] = Number(match[3]);
    consumed = entry.lastIndex;
    if (match[4] === "") break;
  }
  return consumed === body.length ? entries : "invalid";
}

/** "Kalibr and Kh-101/Kh-555" → ["Kalibr", "Kh-101/Kh-555"]. */
export const splitJoined = (value: string): string[] =>
  value.split(/\s+and\s+/).map((part) => part.trim()).filter(Boolean);

/**
 * What kind of attack a row is: from the weapons reference (a drone or UAV category is a drone
 * attack, a missile a missile attack), else the dataset's own `is_shahed` mark. Rows whose weapons
 * say neither are air attacks of an unknown kind, not a guess.
 */
export function kindOf(models: string[], reference: Map<string, WeaponModel>, isShahed: boolean): AttackKind {
  const categories = models.map((model) => `${reference.get(model)?.category ?? ""} ${reference.get(model)?.type ?? ""}`.toLowerCase());
  const drone = categories.some((category) => /uav|drone|unmanned|loitering/.test(category)) || isShahed;
  const missile = categories.some((category) => /missile/.test(category));
  if (drone && !missile) return "drone_attack";
  if (missile && !drone) return "missile_attack";
  return "air_attack";
}

export function rowKey(record: Record<string, string>): string {
  const identity = ["time_start", "time_end", "model", "launch_place", "target"].map((column) => (record[column] ?? "").trim()).join("\u001f");
  return createHash("sha256").update(identity).digest("hex").slice(0, 10);
}

/** `Shahed-136/131` → `shahed-136-131`; Cyrillic letters kept. */
export function slugOf(value: string): string {
  return value.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "x";
}

export const missingColumnsProblem = (missing: string[]): RowProblem => ({ line: 1, reason: `Missing columns: ${missing.join(", ")}` });

export function parseWeapons(content: string): { weapons: WeaponModel[]; rejected: RowProblem[]; missingColumns: string[] } {
  const records = parseCsv(content);
  const rejected: RowProblem[] = [];
  const weapons = new Map<string, WeaponModel>();
  const missing = WEAPON_COLUMNS.filter((column) => !records.columns.includes(column));
  if (missing.length > 0) return { weapons: [], rejected: [missingColumnsProblem(missing)], missingColumns: missing };
  for (const { record, line } of records.rows) {
    const cell = (column: (typeof WEAPON_COLUMNS)[number]) => (record[column] ?? "").trim() || null;
    const model = cell("model");
    if (!model) {
      rejected.push({ line, reason: "model is empty" });
      continue;
    }
    if (weapons.has(model)) rejected.push({ line, reason: `model "${model}" is described twice; the first description is kept` });
    else {
      weapons.set(model, {
        model, category: cell("category"), nationalOrigin: cell("national_origin"), type: cell("type"),
        launchPlatform: cell("launch_platform"), name: cell("name"), nameNato: cell("name_NATO"), inService: cell("in_sevice"),
        designer: cell("designer"), manufacturer: cell("manufacturer"), guidanceSystem: cell("guidance_system"), unitCost: cell("unit_cost"),
      });
    }
  }
  rejected.push(...records.broken);
  return { weapons: [...weapons.values()], rejected, missingColumns: [] };
}

export function parseAttacks(content: string, reference: Map<string, WeaponModel>): ParsedAttacks {
  const text = content.replace(/^\uFEFF/, "");
  const records = parseCsv(text);
  const missing = ATTACK_COLUMNS.filter((column) => !records.columns.includes(column));
  if (missing.length > 0) {
    return { text, rows: [], rejected: [missingColumnsProblem(missing)], rowsRead: records.rows.length, missingColumns: missing };
  }
  const rows: AttackRow[] = [];
  const rejected: RowProblem[] = [...records.broken];
  const firstLineOfKey = new Map<string, number>();
  for (const raw of records.rows) {
    const result = planRow(raw, reference);
    if ("reason" in result) {
      rejected.push(result);
      continue;
    }
    const earlier = firstLineOfKey.get(result.key);
    if (earlier !== undefined) {
      rejected.push({ line: result.line, reason: `Repeats line ${earlier}: the same time window, models, launch place and targets` });
      continue;
    }
    firstLineOfKey.set(result.key, result.line);
    rows.push(result);
  }
  rejected.sort((a, b) => a.line - b.line);
  return { text, rows, rejected, rowsRead: records.rows.length + records.broken.length, missingColumns: [] };
}

interface RawRecord {
  record: Record<string, string>;
  line: number;
  excerpt: string;
  span: { start: number; end: number };
}

/** Records with where they stand in the text (code points), and the lines that are not records. */
function parseCsv(text: string): { columns: string[]; rows: RawRecord[]; broken: RowProblem[] } {
  const broken: RowProblem[] = [];
  let columns: string[] = [];
  const parsed = parse(text, {
    bom: true,
    columns: (header: string[]) => (columns = header.map((name) => name.trim())),
    raw: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: { lines?: number; message: string } | undefined) => {
      if (error) broken.push({ line: error.lines ?? 0, reason: `Not a CSV row: ${error.message}` });
    },
  }) as { record: Record<string, string>; raw: string; info: { lines: number; invalid_field_length: number } }[];

  const rows: RawRecord[] = [];
  let searchFrom = 0;
  let codePointsBefore = 0;
  let countedUpTo = 0;
  for (const { record, raw, info } of parsed) {
    const excerpt = raw.replace(/\r?\n$/, "");
    const line = info.lines - (excerpt.match(/\n/g)?.length ?? 0);
    const at = text.indexOf(raw, searchFrom);
    if (Object.keys(record).length !== columns.length || at === -1) {
      broken.push({ line, reason: `Has ${Object.keys(record).length} fields where the header has ${columns.length}` });
      continue;
    }
    codePointsBefore += codePointsBetween(text, countedUpTo, at);
    countedUpTo = at;
    const length = codePointsBetween(excerpt, 0, excerpt.length);
    rows.push({ record, line, excerpt, span: { start: codePointsBefore, end: codePointsBefore + length } });
    searchFrom = at + raw.length;
  }
  return { columns, rows, broken };
}

function codePointsBetween(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = from; index < to; index++) {
    const unit = text.charCodeAt(index);
    // A surrogate pair is one code point: count its high half only.
    if (unit < 0xdc00 || unit > 0xdfff) count++;
  }
  return count;
}

function planRow({ record, line, excerpt, span }: RawRecord, reference: Map<string, WeaponModel>): AttackRow | RowProblem {
  const start = parseRowTime(record.time_start ?? "");
  if (start === null) return { line, reason: "time_start is empty" };
  if (start === "invalid") return { line, reason: `time_start "${record.time_start}" is not YYYY-MM-DD or YYYY-MM-DD HH:MM` };
  const end = parseRowTime(record.time_end ?? "");
  if (end === "invalid") return { line, reason: `time_end "${record.time_end}" is not YYYY-MM-DD or YYYY-MM-DD HH:MM` };
  if (end && `${end.date} ${end.time ?? "00:00"}` < `${start.date} ${start.time ?? "00:00"}`) {
    return { line, reason: `time_end ${record.time_end!.trim()} is before time_start ${record.time_start!.trim()}` };
  }
  const models = splitJoined(record.model ?? "");
  if (models.length === 0) return { line, reason: "model is empty" };
  const counts: Record<"launched" | "destroyed" | "not_reach_goal", number | null> = { launched: null, destroyed: null, not_reach_goal: null };
  for (const column of ["launched", "destroyed", "not_reach_goal"] as const) {
    const count = parseCount(record[column] ?? "");
    if (count === "invalid") return { line, reason: `${column} "${record[column]}" is not a whole number of weapons` };
    counts[column] = count;
  }
  const flags: string[] = [];
  if (counts.launched !== null && counts.destroyed !== null && counts.destroyed > counts.launched) {
    flags.push(`destroyed (${counts.destroyed}) exceeds launched (${counts.launched}); imported as reported`);
  }
  if (counts.launched !== null && counts.destroyed !== null && counts.not_reach_goal !== null
      && counts.destroyed + counts.not_reach_goal > counts.launched) {
    flags.push(`destroyed and not_reach_goal (${counts.destroyed + counts.not_reach_goal}) exceed launched (${counts.launched}); imported as reported`);
  }
  const unknown = models.filter((model) => !reference.has(model));
  if (unknown.length > 0) flags.push(`not in the weapons reference: ${unknown.join(", ")}`);
  for (const column of ["border_crossing", "destroyed_details", "launched_details", "launch_place_details"] as const) {
    if (parsePythonDict(record[column] ?? "") === "invalid") flags.push(`${column} is not a dict literal; kept in the excerpt only`);
  }
  const isShahed = parseCount(record.is_shahed ?? "") === 1;
  return {
    line, key: rowKey(record), start, end, models, targets: splitJoined(record.target ?? ""),
    launched: counts.launched, destroyed: counts.destroyed, notReached: counts.not_reach_goal,
    kind: kindOf(models, reference, isShahed), locator: (record.source ?? "").trim() || null, excerpt, span, flags,
  };
}

/** `2022-12-10 18:00 – 2022-12-11 09:00 (Kyiv time)`: the window in the row's own precision. */
export function windowWording(row: Pick<AttackRow, "start" | "end">): string {
  const show = (time: RowTime) => (time.time ? `${time.date} ${time.time}` : time.date);
  const same = row.end && show(row.end) === show(row.start);
  return `${show(row.start)}${row.end && !same ? ` – ${show(row.end)}` : ""}${row.start.time || row.end?.time ? " (Kyiv time)" : ""}`;
}
