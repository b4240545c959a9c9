// The arguments of the most common command, `run <scenario...> [--seed N] [--out DIR] [--quiet|-q] [--json]`,
// read without yargs. Loading yargs (and the help text it lays out before running any command) costs ~0.1 s of
// CPU, as much as simulating a one-second scenario. Only plain, unambiguous forms are taken here; anything else
// (another command or option, a repeated option, `--help`, `--no-…`, a value that yargs could read another way)
// returns undefined and goes to yargs, which stays the one definition of the command line.
import type { RunArgs } from "./run.ts";

const WHOLE_NUMBER = /^(0|[1-9]\d{0,14})$/;

/** The RunArgs yargs would produce for `argv`, or undefined when it is not a plain `run` invocation. */
export function quickRunArgs(argv: readonly string[]): RunArgs | undefined {
  if (argv[0] !== "run") return undefined;
  const scenarios: string[] = [];
  const seen = new Set<string>();
  let seed: number | undefined;
  let out = "reports";
  let json = false;
  let quiet = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-")) {
      // yargs reads a bare true/false after a flag as the flag's value, and a number-like word may be coerced.
      if (a === "" || a === "true" || a === "false" || !Number.isNaN(Number(a))) return undefined;
      scenarios.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    const key = name === "-q" ? "--quiet" : name;
    if (seen.has(key)) return undefined;
    seen.add(key);
    if (key === "--quiet" || key === "--json") {
      if (eq > 0) return undefined;
      if (key === "--quiet") quiet = true;
      else json = true;
      continue;
    }
    if (key !== "--seed" && key !== "--out") return undefined;
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "" || value.startsWith("-")) return undefined;
    if (key === "--seed") {
      if (!WHOLE_NUMBER.test(value)) return undefined;
      seed = Number(value);
    } else {
      if (!Number.isNaN(Number(value))) return undefined;
      out = value;
    }
  }
  if (scenarios.length === 0) return undefined;
  return { scenarios, seed, out, json, checkDeterminism: false, maxEvents: undefined, allowLarge: false, quiet };
}

/** The arguments after `node <script>`, as yargs' hideBin gives them for a Node process. */
export function commandLineArgs(argv: readonly string[]): string[] {
  return argv.slice(2);
}
