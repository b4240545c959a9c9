// Swarm mode (after TigerBeetle's VOPR): a scenario may write a choice or a range where a value goes, and
// each seed draws its own concrete configuration. This is a pre-pass over the parsed YAML data, before the
// schema sees it, so it works for every field any model family adds without knowing about them:
//   partitions: { oneOf: [3, 12, 48] }      one of the listed values (any YAML value, even a mapping)
//   rate: { range: [500/s, 5000/s] }        a value between the bounds, in the unit the bounds are written in
//   members: { range: [1, 8] }              integers stay integers (both ends included)
// Each value draws from its own fork of the seed's stream, labelled by its path, so adding a swarm value in
// one place never changes what another place draws.
import { Rng } from "../kernel/rng.ts";
import type { LoadOptions, YamlSource } from "../scenario/load-yaml.ts";
import { throwIfIssues } from "../scenario/load-yaml.ts";
import type { ScenarioIssue } from "../scenario/errors.ts";
import { formatPath } from "../scenario/errors.ts";
import { parseDurationUs, parseRatePerS } from "../scenario/units.ts";
import type { SwarmDraw } from "../report/result-types.ts";

/**
 * The loader's pre-pass for swarm mode. Without an explicit seed, the scenario's own `seed:` field (else 1)
 * draws, as it is the seed the run will use.
 */
export function swarmPrepare(seed: number | undefined, onDraws: (draws: SwarmDraw[]) => void): LoadOptions {
  return {
    prepare: (data, source) => {
      if (!hasSwarmValues(data)) return data;
      const own = (data as { seed?: unknown }).seed;
      const drawn = drawSwarm(data, seed ?? (typeof own === "number" ? own : 1), source);
      onDraws(drawn.draws);
      return drawn.data;
    },
  };
}

const SWARM_KEYS = ["oneOf", "range"] as const;

/** `{oneOf: [...]}` or `{range: [lo, hi]}`: a mapping with exactly one of these keys and nothing else. */
function swarmKey(value: unknown): (typeof SWARM_KEYS)[number] | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  return SWARM_KEYS.find((k) => k === keys[0]);
}

/** True if the data holds at least one swarm value anywhere. */
export function hasSwarmValues(data: unknown): boolean {
  if (swarmKey(data)) return true;
  if (data !== null && typeof data === "object") return Object.values(data).some(hasSwarmValues);
  return false;
}

/**
 * Replaces every swarm value with the value drawn for `seed`; `draws` lists them in document order.
 * Malformed swarm values are reported together, each at its file:line:col.
 */
export function drawSwarm(data: unknown, seed: number, source: YamlSource): { data: unknown; draws: SwarmDraw[] } {
  const root = new Rng(seed).fork("swarm");
  const draws: SwarmDraw[] = [];
  const issues: ScenarioIssue[] = [];
  // `nesting` tells apart a swarm value drawn inside a chosen alternative from the one that chose it, which
  // sit at the same path: they must draw from different streams, or the inner draw repeats the outer one.
  const walk = (value: unknown, path: PropertyKey[], nesting = ""): unknown => {
    const key = swarmKey(value);
    if (key) {
      const label = formatPath(path) || "(root)";
      const spec = (value as Record<string, unknown>)[key];
      const rng = root.fork(label + nesting);
      const drawn = key === "oneOf" ? drawOneOf(spec, rng, [...path, key], source, issues) : drawRange(spec, rng, [...path, key], source, issues);
      if (drawn === undefined) return value;
      // A chosen alternative may itself hold swarm values (`oneOf: [{...a: {range}}]`): draw those too.
      const inner = walk(drawn.value, path, `${nesting}/${key}`);
      draws.push({ path: label, value: inner });
      return inner;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return value;
  };
  const out = walk(data, []);
  throwIfIssues(issues, "E_SCHEMA");
  // Inner draws finish first; document order (by position in the file) is what a person reads.
  return { data: out, draws: draws.sort(byDocumentOrder(source)) };
}

function byDocumentOrder(source: YamlSource) {
  const pos = new Map<string, number>();
  return (a: SwarmDraw, b: SwarmDraw): number => {
    const at = (d: SwarmDraw): number => {
      let p = pos.get(d.path);
      if (p === undefined) {
        const loc = source.locate(parsePath(d.path));
        pos.set(d.path, (p = loc.line * 10_000 + loc.col));
      }
      return p;
    };
    return at(a) - at(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  };
}

/** Inverse of formatPath for the paths it writes (`a.b[0].c`). */
function parsePath(text: string): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
    else out.push(m[1]!);
  }
  return out;
}

function drawOneOf(spec: unknown, rng: Rng, path: PropertyKey[], source: YamlSource, issues: ScenarioIssue[]): { value: unknown } | undefined {
  if (!Array.isArray(spec) || spec.length === 0) {
    issues.push(source.issue(path, "oneOf needs a non-empty list of alternatives", {
      expected: "a list such as [3, 12, 48]", hint: "write e.g. partitions: { oneOf: [3, 12, 48] }", code: "E_SCHEMA",
    }));
    return undefined;
  }
  return { value: spec[rng.int(spec.length)] };
}

const WITH_UNIT = /^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*([^\d\s.+-].*?)\s*$/;

function drawRange(spec: unknown, rng: Rng, path: PropertyKey[], source: YamlSource, issues: ScenarioIssue[]): { value: unknown } | undefined {
  const bad = (message: string, hint: string): undefined => {
    issues.push(source.issue(path, message, { expected: "a list [low, high] of two numbers, durations or rates", hint, code: "E_SCHEMA" }));
    return undefined;
  };
  if (!Array.isArray(spec) || spec.length !== 2) {
    return bad("range needs exactly two bounds, [low, high]", "write e.g. members: { range: [1, 8] } or rate: { range: [500/s, 5000/s] }");
  }
  const [lo, hi] = spec as [unknown, unknown];
  if (typeof lo === "number" && typeof hi === "number") {
    if (!(lo <= hi)) return bad(`the low bound ${lo} is above the high bound ${hi}`, "write the smaller bound first");
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || (Number.isInteger(lo) && Number.isInteger(hi) && !Number.isSafeInteger(hi - lo + 1))) {
      return bad(`the range [${lo}, ${hi}] is beyond what can be drawn exactly`, "keep both bounds finite and within ±2^53 (9007199254740991), and their span below it");
    }
    return { value: interpolate(lo, hi, rng) };
  }
  if (typeof lo === "string" && typeof hi === "string") {
    const a = WITH_UNIT.exec(lo);
    const b = WITH_UNIT.exec(hi);
    // Same unit on both ends: draw in that unit, so "10ms".."200ms" gives "57ms", as a person would write it.
    if (a && b && a[2] === b[2]) {
      const x = Number(a[1]);
      const y = Number(b[1]);
      if (!(x <= y)) return bad(`the low bound ${lo} is above the high bound ${hi}`, "write the smaller bound first");
      return { value: `${interpolate(x, y, rng)}${a[2]}` };
    }
    // Different units: compare in a common one (µs for durations, per second for rates).
    for (const [parse, unit] of [[parseDurationUs, "us"], [parseRatePerS, "/s"]] as const) {
      let x: number, y: number;
      try {
        x = parse(lo);
        y = parse(hi);
      } catch {
        continue;
      }
      if (!(x <= y)) return bad(`the low bound ${lo} is above the high bound ${hi}`, "write the smaller bound first");
      return { value: `${interpolate(x, y, rng)}${unit}` };
    }
    return bad(`cannot draw between ${JSON.stringify(lo)} and ${JSON.stringify(hi)}`, "give both bounds as numbers, as durations (\"10ms\") or as rates (\"500/s\")");
  }
  return bad(`cannot draw between ${JSON.stringify(lo)} and ${JSON.stringify(hi)}`, "give both bounds as numbers, as durations (\"10ms\") or as rates (\"500/s\")");
}

/** Whole bounds give a whole value (both ends included); otherwise a real value, kept to 6 decimals. */
function interpolate(lo: number, hi: number, rng: Rng): number {
  if (Number.isInteger(lo) && Number.isInteger(hi)) return lo + rng.int(hi - lo + 1);
  return Math.round((lo + rng.next() * (hi - lo)) * 1e6) / 1e6;
}
