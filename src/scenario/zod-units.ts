// zod building blocks for human units. Each accepts what a person writes in YAML and outputs the resolved
// number, so `z.output` of a scenario schema has only numbers in it.
//
// Failures are "custom" issues whose `params` follow IssueParams below; the YAML loader reads them to fill
// ScenarioIssue.expected / found / hint. Schema authors may use the same convention in their own
// refinements: ctx.addIssue({ code: "custom", message, params: { expected, hint } }).
//
// Defaults: zod 4's `.default(v)` takes the OUTPUT (µs, per second, bytes) and skips parsing; to write the
// default in human units use `.prefault("5s")`, which is parsed like user input.

import { z } from "zod";
import { UnitError, parseBytes, parseDurationUs, parseProbability, parseRatePerS } from "./units.ts";

/** What a "custom" issue may carry in `params` for the loader to report. */
export interface IssueParams {
  expected?: string;
  found?: string;
  hint?: string;
}

/**
 * Wraps a units parser as a schema. z.custom (rather than z.union of string and number) keeps the input type
 * `string | number` while letting the parser report every failure, wrong types included, in its own words;
 * a union would instead report "Invalid input" with two nested branches.
 */
function fromUnitParser(parse: (raw: string | number) => number) {
  return z.custom<string | number>(() => true).transform((raw, ctx) => {
    try {
      return parse(raw);
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      const params: IssueParams = { expected: err.expected, found: err.found };
      if (err.hint !== undefined) params.hint = err.hint;
      ctx.addIssue({ code: "custom", message: err.message, input: raw, params });
      return z.NEVER;
    }
  });
}

/** "30s", "250ms", "2m", "1h 30m", 0 → integer microseconds. Bare numbers other than 0 are rejected. */
export const zDuration = fromUnitParser(parseDurationUs);

/** Like zDuration, but 0 is rejected too: for intervals and timeouts where 0 would mean "never" or spin. */
export const zPositiveDuration = zDuration.check((ctx) => {
  if (ctx.value === 0) {
    const params: IssueParams = { expected: "a duration greater than 0", found: "0", hint: `e.g. "1ms"` };
    ctx.issues.push({ code: "custom", message: `expected ${params.expected}, found 0`, input: ctx.value, params });
  }
});

/** "2000/s", "5/ms", "120/min", "0/s" → messages per second (a float). */
export const zRate = fromUnitParser(parseRatePerS);

/** "16KiB", "32MiB", "1MB", "512B", 16384 → integer bytes. */
export const zBytes = fromUnitParser(parseBytes);

/** 0.05 or "5%" → a number in [0, 1]. */
export const zProbability = fromUnitParser(parseProbability);

/** Keys the schema accepts for the object at `path`, walking through wrappers; [] if it cannot tell. */
export function acceptedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys: string[] = [];
  walkSchema(schema, path, 0, keys, 0);
  return [...new Set(keys)];
}

// zod 4 has no public API for "what keys does this schema take here"; `_zod.def` is the documented
// internal definition (the same data z.toJSONSchema reads), and unknown def types simply contribute nothing.
type SchemaLike = { _zod: { def: Record<string, unknown> & { type: string } } };

function walkSchema(schema: unknown, path: readonly PropertyKey[], i: number, out: string[], depth: number): void {
  const def = (schema as SchemaLike | undefined)?._zod?.def;
  if (!def || depth > 64) return; // depth guards recursive (z.lazy) schemas
  const next = (s: unknown, j = i) => walkSchema(s, path, j, out, depth + 1);
  switch (def.type) {
    case "optional": case "nullable": case "default": case "prefault":
    case "nonoptional": case "readonly": case "catch":
      return next(def.innerType);
    case "lazy":
      return next((def.getter as () => unknown)());
    case "pipe":
      next(def.in);
      return next(def.out);
    case "union":
      for (const option of def.options as unknown[]) next(option);
      return;
    case "intersection":
      next(def.left);
      return next(def.right);
    case "object": {
      const shape = def.shape as Record<string, unknown>;
      if (i === path.length) out.push(...Object.keys(shape));
      else next(shape[String(path[i])] ?? def.catchall, i + 1);
      return;
    }
    case "array":
      if (i < path.length) next(def.element, i + 1);
      return;
    case "tuple":
      if (i < path.length) next((def.items as unknown[])[Number(path[i])] ?? def.rest, i + 1);
      return;
    case "record":
      if (i < path.length) next(def.valueType, i + 1);
      return;
  }
}
