// `npm run generate:attacks -- --rows 100000 --out attacks.csv [--weapons-out weapons.csv] [--seed 1]`
// Writes an invented air-attack tally in the layout of "Massive Missile Attacks on Ukraine" (which
// may not be shipped), with its quirks, for measuring the importer. The same seed gives the same file.
import { createWriteStream } from "node:fs";
import { writeFileSync } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { ATTACK_COLUMNS } from "../src/modules/imports/air-attacks.parse.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== "--"),
  options: { rows: { type: "string", default: "3400" }, out: { type: "string" }, "weapons-out": { type: "string" }, seed: { type: "string", default: "1" } },
});
if (!values.out) {
  console.error("Usage: npm run generate:attacks -- --rows N --out attacks.csv [--weapons-out weapons.csv] [--seed S]");
  process.exit(2);
}
const rows = Number(values.rows);

/** mulberry32: small, fast, and the same sequence everywhere. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
const next = random(Number(values.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

const WEAPONS = [
  ["Shahed-136/131", "UAV", "Iran", "loitering munition"], ["Kalibr", "cruise missile", "Russia", "cruise missile"],
  ["Kh-101/Kh-555", "cruise missile", "Russia", "air-launched cruise missile"], ["Iskander-M", "ballistic missile", "Russia", "ballistic missile"],
  ["Kh-22", "missile", "Russia", "anti-ship missile"], ["Kh-59", "missile", "Russia", "air-launched missile"],
  ["Orlan-10", "UAV", "Russia", "reconnaissance drone"], ["Kh-47 Kinzhal", "ballistic missile", "Russia", "aeroballistic missile"],
] as const;
// Models the reference file leaves out, as real tallies have.
const UNLISTED = ["Lancet", "Шахед-238", "Merlin-VR", "Supercam"];
const TARGETS = [
  "Kyiv oblast", "Odesa oblast", "Kharkiv oblast", "Dnipropetrovsk oblast", "Zaporizhzhia oblast", "Mykolaiv oblast", "Lviv oblast",
  "Київська область", "Харківська область", "south", "east", "north", "Ukraine", "Kyiv",
];
const LAUNCH_PLACES = ["Black Sea", "Caspian Sea", "Kursk oblast", "Belgorod oblast", "Bryansk oblast", "Primorsko-Akhtarsk", "Crimea"];

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const day = (index: number) => new Date(Date.UTC(2022, 8, 1) + index * 86_400_000).toISOString().slice(0, 10);
const count = (value: number) => (next() < 0.5 ? `${value}.0` : String(value));

const output = createWriteStream(values.out);
output.write(`${ATTACK_COLUMNS.join(",")}\n`);
const dayCount = 1_500;
for (let index = 0; index < rows; index++) {
  // Windows spread over four years; several a day, each a few hours, some given by date only.
  const date = day(Math.floor((index / rows) * dayCount));
  const hour = index % 24;
  const dateOnly = next() < 0.3;
  const start = dateOnly ? `${date}${next() < 0.3 ? " " : ""}` : `${date} ${next() < 0.5 ? hour : String(hour).padStart(2, "0")}:${pick(["00", "30"])}`;
  const end = dateOnly ? start : `${date} ${String(Math.min(hour + 3, 23)).padStart(2, "0")}:59${next() < 0.2 ? " " : ""}`;
  const models = next() < 0.1 ? `${pick(WEAPONS)[0]} and ${pick(WEAPONS)[0]}` : next() < 0.03 ? pick(UNLISTED) : pick(WEAPONS)[0];
  const target = next() < 0.2 ? `${pick(TARGETS)} and ${pick(TARGETS)}` : pick(TARGETS);
  const launched = 1 + Math.floor(next() * 60);
  // A few tallies say more were destroyed than launched: the importer flags them, never fixes them.
  const destroyed = next() < 0.02 ? launched + 1 + Math.floor(next() * 3) : Math.floor(next() * (launched + 1));
  const notReached = next() < 0.3 ? count(Math.floor(next() * (launched - Math.min(destroyed, launched) + 1))) : "";
  const record: Record<(typeof ATTACK_COLUMNS)[number], string> = {
    time_start: start, time_end: end, model: models, launch_place: pick(LAUNCH_PLACES), target, target_main: "",
    launched: next() < 0.02 ? "" : count(launched), destroyed: count(destroyed), not_reach_goal: notReached, still_attacking: "",
    border_crossing: next() < 0.1 ? `{'belarus': ${count(1 + Math.floor(next() * 5))}}` : "", is_shahed: models.startsWith("Shahed") ? "1.0" : "",
    num_hit_location: next() < 0.2 ? count(Math.floor(next() * 10)) : "", num_fall_fragment_location: "", carrier: "", turbojet: "",
    turbojet_destroyed: "", "affected region": next() < 0.2 ? `${pick(TARGETS)} and ${pick(TARGETS)}` : "",
    destroyed_details: next() < 0.1 ? `{'${pick(TARGETS)}': ${count(destroyed)}}` : "", launched_details: "",
    launch_place_details: "", source: `kpszsu/posts/${String(index + 1).padStart(7, "0")}`,
  };
  // About one row in 200 is broken the ways real files are: a word for a count, a bad date.
  if (next() < 0.005) record.launched = pick(["many", "2.5", "-3"]);
  else if (next() < 0.002) record.time_start = `${date.slice(0, 5)}13-40`;
  if (!output.write(`${ATTACK_COLUMNS.map((column) => csvCell(record[column])).join(",")}\n`)) await once(output, "drain");
}
output.end();
await once(output, "finish");
if (values["weapons-out"]) {
  const header = "model,category,national_origin,type,launch_platform,name,name_NATO,in_sevice,designer,manufacturer,guidance_system,unit_cost";
  writeFileSync(values["weapons-out"], `${header}\n${WEAPONS.map(([model, category, origin, type]) => `${model},${category},${origin},${type},,,,True,,,,`).join("\n")}\n`);
}
console.error(`wrote ${rows} rows to ${values.out}`);
