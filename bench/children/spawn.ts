// Starts a bench child (bench/children/*.mjs) of this checkout, or of another built checkout of brokersim
// (BENCH_COMPARE_WITH), in a fresh process: compiled when that checkout's dist/ is built, else from source via tsx.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Checkout {
  label: string;
  root: string;
}

/** This checkout, then the one BENCH_COMPARE_WITH names (measured in the same rounds, interleaved). */
export function checkouts(): Checkout[] {
  const other = process.env.BENCH_COMPARE_WITH;
  return [{ label: "this checkout", root: ROOT }, ...(other ? [{ label: other, root: other }] : [])];
}

export function isCompiled(root: string): boolean {
  return existsSync(join(root, "dist", "runner", "run-scenario.js"));
}

/** Runs `child` (a file under bench/children/) of `root`'s checkout and parses the JSON line it prints last. */
export function runChild(root: string, child: string, args: string[], input?: string): Record<string, unknown> {
  const script = join(root, "bench", "children", child);
  // An older checkout may lack the child: run this checkout's copy against that checkout's library.
  const path = existsSync(script) ? script : join(ROOT, "bench", "children", child);
  const r = spawnSync(process.execPath, [...(isCompiled(root) ? [] : ["--import", "tsx"]), path, ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: { ...process.env, BROKERSIM_BENCH_ROOT: root },
    ...(input !== undefined ? { input } : {}),
  });
  if (r.status !== 0) throw new Error(`bench child ${child} ${args.join(" ")} in ${root} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
