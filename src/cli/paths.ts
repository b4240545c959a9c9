// Where things live on disk, relative to the installed package. Only the CLI touches the file system.
import { fileURLToPath } from "node:url";
import { dirname, join, relative, isAbsolute } from "node:path";
import { existsSync, readdirSync, statSync } from "node:fs";

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BUNDLED_SCENARIOS = join(PACKAGE_ROOT, "scenarios");

export function bundledScenarioFiles(): string[] {
  if (!existsSync(BUNDLED_SCENARIOS)) return [];
  return readdirSync(BUNDLED_SCENARIOS)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => join(BUNDLED_SCENARIOS, f));
}

/**
 * A scenario argument is a path, or the name of a bundled scenario ("baseline" for scenarios/baseline.yaml)
 * so that `brokersim run baseline` works from anywhere.
 */
export function resolveScenarioArg(arg: string): string {
  if (existsSync(arg)) {
    if (statSync(arg).isDirectory()) return arg;
    return arg;
  }
  for (const ext of [".yaml", ".yml"]) {
    const candidate = join(BUNDLED_SCENARIOS, arg + ext);
    if (!arg.includes("/") && existsSync(candidate)) return candidate;
  }
  return arg;
}

/** Paths shown to users and stored in results: relative to the working directory when that is shorter. */
export function displayPath(p: string): string {
  if (!isAbsolute(p)) return p;
  const rel = relative(process.cwd(), p);
  return rel.startsWith("..") && rel.split("/").length > 3 ? p : rel || ".";
}
