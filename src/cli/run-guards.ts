// Guards around a run on the command line: raw-argument checks yargs cannot express (an empty or negative seed,
// a range yargs would read as flags, an output path that is a file, a command without its scenario), output
// directories that are safe to create, and the progress bar and memory watch of a long run.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { getHeapStatistics } from "node:v8";
import { BrokersimError } from "../scenario/errors.ts";
import { formatDurationUs } from "../scenario/units.ts";
import { DEFAULT_BUDGET, type Budget } from "../runner/run-budget.ts";

const NEEDS_SCENARIO: Record<string, string> = {
  run: "brokersim run <scenario.yaml | bundled name>... [--seed N] [--out DIR] [--max-events N] [--allow-large]",
  validate: "brokersim validate <scenario.yaml>...",
  sweep: "brokersim sweep <scenario.yaml> --seeds A..B [--jobs N]",
  replay: "brokersim replay <scenario.yaml> --seed N [--message m-42 | --key K | --trace FILE]",
  shrink: "brokersim shrink <scenario.yaml> --seed N",
  compare: "brokersim compare <a> <b> [--seed N] (scenarios or result.json files) | brokersim compare <scenario> --groups G1 G2",
};

function usage(message: string, hint: string): BrokersimError {
  return new BrokersimError("E_USAGE", message, { hint });
}

/** The value of `--name` / `--name=value` in argv, or undefined when absent. */
function optionValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1] ?? "";
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

/** Checks the raw arguments before yargs reads them; throws E_USAGE (exit 2) with a usage hint. */
export function checkRawArgs(argv: readonly string[]): void {
  const command = argv[0];
  if (command !== undefined && NEEDS_SCENARIO[command]) {
    const positional = argv.slice(1).filter((a, i, all) => !a.startsWith("-") && !(i > 0 && /^--[\w-]+$/.test(all[i - 1]!) && !BOOLEAN_FLAGS.has(all[i - 1]!)));
    if (positional.length === 0 && !argv.includes("--help") && !argv.includes("-h")) {
      throw usage(`${command}: no scenario given`, `usage: ${NEEDS_SCENARIO[command]}; \`brokersim list\` names the bundled scenarios`);
    }
  }
  const seed = optionValue(argv, "seed");
  if (seed !== undefined && !/^\d+$/.test(seed.trim())) {
    throw usage(`--seed: expected a whole number >= 0, found ${JSON.stringify(seed)}`, "e.g. --seed 42");
  }
  const seeds = optionValue(argv, "seeds");
  if (seeds !== undefined) {
    const i = argv.indexOf("--seeds");
    const raw = seeds.startsWith("-") || seeds === "" ? seeds : argv[i + 1] ?? seeds;
    if (raw === "" || raw.startsWith("-")) {
      throw usage(`--seeds: expected a range of whole numbers >= 0 like 1..1000, found ${JSON.stringify(raw)}`, "seeds are never negative: e.g. --seeds 0..5");
    }
  }
  const maxEvents = optionValue(argv, "max-events");
  if (maxEvents !== undefined && !(/^\d+$/.test(maxEvents.trim()) && Number(maxEvents) > 0 && Number.isSafeInteger(Number(maxEvents)))) {
    throw usage(`--max-events: expected a whole number above 0, found ${JSON.stringify(maxEvents)}`, "e.g. --max-events 50000000");
  }
  const out = optionValue(argv, "out");
  if (out !== undefined && (command === "run" || command === "sweep" || command === "merge")) {
    if (out.trim() === "") throw usage("--out: expected a directory, found an empty value", "e.g. --out reports");
    if (existsSync(out) && !statSync(out).isDirectory()) {
      throw usage(`--out: ${out} is a file, not a directory`, "name a directory (it is created when missing), e.g. --out reports");
    }
  }
}

const BOOLEAN_FLAGS = new Set(["--json", "--check-determinism", "--allow-large", "--help", "--version"]);

/** Creates a directory; a path through a file or without permission is a usage error, not a crash. */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOTDIR" || code === "EEXIST" ? "a part of that path is a file" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "ENAMETOOLONG" ? "the path is too long" : (err as Error).message;
    throw new BrokersimError("E_OUTPUT", `cannot create the output directory ${dir}: ${why}`, { hint: "choose another --out directory" });
  }
}

/**
 * A scenario name as a directory name: names are letters, digits, '.', '_' and '-' already, but may be long;
 * beyond 80 characters the name is cut and a short hash of the whole keeps different names apart.
 */
export function safeDirName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_") || "_";
  if (clean.length <= 80) return clean;
  return `${clean.slice(0, 71)}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

/** The budget from --max-events and --allow-large. */
export function budgetFromArgs(args: { maxEvents?: number | undefined; allowLarge?: boolean | undefined }): Budget {
  if (args.allowLarge) return { ...DEFAULT_BUDGET, maxEvents: args.maxEvents ?? Infinity, allowLarge: true };
  return { ...DEFAULT_BUDGET, maxEvents: args.maxEvents ?? DEFAULT_BUDGET.maxEvents };
}

/** "[#####-----] 12.5s/40s simulated  1.2 M events  ETA 0:12" for a terminal; nothing elsewhere. */
export function runProgressLine(p: { events: number; nowUs: number; endUs: number }, elapsedS: number, width: number): string {
  const done = Math.min(1, p.endUs > 0 ? p.nowUs / p.endUs : 1);
  const eta = done > 0 ? (elapsedS * (1 - done)) / done : Infinity;
  const clock = Number.isFinite(eta) ? `${Math.floor(eta / 60)}:${String(Math.round(eta % 60)).padStart(2, "0")}` : "--:--";
  const tail = `${formatDurationUs(p.nowUs)}/${formatDurationUs(p.endUs)} simulated  ${(p.events / 1e6).toFixed(1)} M events  ETA ${clock}`;
  const barWidth = Math.max(10, Math.min(40, width - tail.length - 4));
  const filled = Math.round(done * barWidth);
  return `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ${tail}`.slice(0, Math.max(1, width - 1));
}

/**
 * The slice callback of a CLI run: a progress bar on a terminal once the run has taken a couple of seconds,
 * and a memory watch that stops the run cleanly before the heap runs out. Wall clock and memory are read here,
 * in the CLI, never inside the simulation.
 */
export function makeRunWatch(opts: { tty: boolean; maxHeapBytes?: number }): { onSlice: (p: { events: number; nowUs: number; endUs: number }) => string | undefined; done: () => void } {
  const err = process.stderr;
  const start = Date.now();
  let shown = false;
  const limit = opts.maxHeapBytes ?? heapLimitBytes() * 0.8;
  return {
    onSlice(p) {
      // The history's typed-array columns live outside the V8 heap (arrayBuffers), so both are watched.
      const mem = process.memoryUsage();
      const heap = mem.heapUsed;
      if (heap > limit || mem.arrayBuffers > DEFAULT_BUDGET.maxMemoryBytes) {
        const used = heap > limit ? `${Math.round(heap / 1024 ** 2)} MiB of heap in use, limit ${Math.round(limit / 1024 ** 2)} MiB`
          : `${Math.round(mem.arrayBuffers / 1024 ** 2)} MiB of buffers in use, limit ${Math.round(DEFAULT_BUDGET.maxMemoryBytes / 1024 ** 2)} MiB`;
        return `stopped at its memory budget (${used}) at ${formatDurationUs(p.nowUs)} of ${formatDurationUs(p.endUs)} simulated; ` +
          "shorten the run or lower the load, or give Node more heap with NODE_OPTIONS=--max-old-space-size=N";
      }
      const elapsedS = (Date.now() - start) / 1000;
      if (opts.tty && elapsedS >= 2) {
        const width = err.columns || 80;
        err.write(`\r${runProgressLine(p, elapsedS, width).padEnd(width - 1)}`);
        shown = true;
      }
      return undefined;
    },
    done() {
      if (shown) err.write(`\r${" ".repeat((err.columns || 80) - 1)}\r`);
    },
  };
}

function heapLimitBytes(): number {
  // Follows --max-old-space-size, so a capped process stops before V8 aborts.
  return getHeapStatistics().heap_size_limit;
}
