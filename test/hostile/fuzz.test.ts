// Mutation fuzzing of every bundled scenario (fast-check, pinned seed): drop a key, duplicate a line, retype a
// value, dedent a line by one space, truncate the file, or put an extreme number where a value goes. Each
// mutant is run like `brokersim run` (harness.ts) and must end with exit 0, 1 or 2, a clean message, whole
// files and within its event budget. BROKERSIM_FUZZ_RUNS=N runs N mutants per scenario instead of the CI
// default (e.g. BROKERSIM_FUZZ_RUNS=200 npx vitest run test/hostile/fuzz.test.ts for a longer search).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { cleanUp, problemsWith, runCase } from "./harness.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scenarios");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort();
const RUNS = Number(process.env.BROKERSIM_FUZZ_RUNS ?? 4);
const SEED = Number(process.env.BROKERSIM_FUZZ_SEED ?? 20261204);

const EXTREMES: unknown[] = [0, -1, 1e300, -1e300, 2 ** 53 + 1, 1e-300, 0.5, NaN, Infinity, "", "0s", "1us", "300000h", "1000000000/s", "0/s", null, [], {}];

type Path = (string | number)[];

/** Every path to a value in the data, parents first. */
function paths(data: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(data)) data.forEach((v, i) => paths(v, [...at, i], out));
  else if (data !== null && typeof data === "object") for (const [k, v] of Object.entries(data)) paths(v, [...at, k], out);
  return out;
}

function setAt(data: unknown, path: Path, value: unknown | typeof DROP): unknown {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  let cur = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === DROP) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}
const DROP = Symbol("drop");

function retype(v: unknown): unknown {
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return /^\d/.test(v) ? parseFloat(v) : [v];
  if (typeof v === "boolean") return v ? "yes" : 0;
  if (Array.isArray(v)) return { items: v };
  if (v !== null && typeof v === "object") return Object.values(v);
  return "null";
}

type Mutation = { kind: string; apply: (text: string) => string };

/** Data-level mutations need the text to parse; an earlier text mutation may have broken it, then skip. */
function onData(text: string, change: (data: unknown) => unknown): string {
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    return text;
  }
  if (paths(data).length === 0) return text;
  return stringify(change(data));
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ pick: fc.nat(), extreme: fc.constantFrom(...EXTREMES) }).map(({ pick, extreme }) => ({
    kind: `extreme ${JSON.stringify(extreme)}`,
    apply: (text: string) => onData(text, (d) => { const ps = paths(d); return setAt(d, ps[pick % ps.length]!, extreme); }),
  })),
  fc.nat().map((pick) => ({
    kind: "drop",
    apply: (text: string) => onData(text, (d) => { const ps = paths(d); return setAt(d, ps[pick % ps.length]!, DROP); }),
  })),
  fc.nat().map((pick) => ({
    kind: "retype",
    apply: (text: string) => onData(text, (d) => {
      const ps = paths(d); const p = ps[pick % ps.length]!;
      let v: unknown = d; for (const k of p) v = (v as Record<string | number, unknown>)[k];
      return setAt(d, p, retype(v));
    }),
  })),
  fc.nat().map((pick) => ({
    kind: "duplicate a line",
    apply: (text: string) => { const lines = text.split("\n"); const i = pick % lines.length; lines.splice(i, 0, lines[i]!); return lines.join("\n"); },
  })),
  fc.nat().map((pick) => ({
    kind: "dedent a line by one space",
    apply: (text: string) => {
      const lines = text.split("\n"); const indented = lines.map((l: string, i: number) => (l.startsWith(" ") ? i : -1)).filter((i: number) => i >= 0);
      if (indented.length) { const i = indented[pick % indented.length]!; lines[i] = lines[i]!.slice(1); }
      return lines.join("\n");
    },
  })),
  fc.double({ min: 0, max: 1, noNaN: true }).map((cut) => ({ kind: "truncate", apply: (text: string) => text.slice(0, Math.floor(text.length * cut)) })),
);

describe("fuzzing the bundled scenarios", () => {
  for (const f of files) {
    it(`mutants of ${f} end cleanly`, () => {
      const original = readFileSync(join(DIR, f), "utf8");
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
          let text = original;
          for (const m of ms) text = m.apply(text);
          const outcome = runCase(f.replace(/\.yaml$/, ""), Buffer.from(text));
          try {
            expect(problemsWith(outcome), `${ms.map((m) => m.kind).join(", ")}\n${outcome.output}`).toEqual([]);
          } finally {
            cleanUp(outcome);
          }
        }),
        { seed: SEED + files.indexOf(f), numRuns: RUNS },
      );
    });
  }
});
