// Where things live on disk, relative to the installed package. Only the CLI touches the file system.
import { fileURLToPath } from "node:url";
import { basename, dirname, join, relative, isAbsolute } from "node:path";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { BrokersimError, didYouMean } from "../scenario/errors.ts";

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
  return resolveBundledName(arg) ?? arg;
}

/** A bundled scenario's `name:` as `list` prints it, read without loading the file (cheap, every file). */
function bundledNames(): { name: string; stem: string; file: string }[] {
  return bundledScenarioFiles().map((file) => {
    const m = /^name:\s*["']?([^"'#\n]+?)["']?\s*(#.*)?$/m.exec(readFileSync(file, "utf8"));
    const stem = basename(file).replace(/\.ya?ml$/, "");
    return { name: m ? m[1].trim() : stem, stem, file };
  });
}

/**
 * `list` prints scenario names, which may differ from file names (kafka-unclean-leader-election lives in
 * kafka-unclean-election.yaml): a bare word that is neither a file nor a file stem is looked up by name, and
 * when nothing matches the error says what the user may have meant and where the names are listed.
 */
function resolveBundledName(arg: string): string | undefined {
  if (arg.includes("/") || /\.ya?ml$/.test(arg) || arg === "") return undefined;
  const all = bundledNames();
  const hit = all.find((b) => b.name === arg);
  if (hit) return hit.file;
  const guess = didYouMean(arg, [...all.map((b) => b.name), ...all.map((b) => b.stem)]);
  throw new BrokersimError("E_FILE", `no scenario file or bundled scenario named "${arg}"`, {
    hint: `${guess ? `did you mean "${guess}"? ` : ""}run 'brokersim list' for the bundled scenarios, or give a path to a .yaml file`,
  });
}

/**
 * How a scenario file is named in output, result.json and the replay command: a bundled scenario by its bare name
 * (so `brokersim run <name>` replays it from any directory), anything else relative to the working directory.
 * Never absolute: result.json must not depend on where it was produced.
 */
export function displayPath(p: string): string {
  const abs = isAbsolute(p) ? p : join(process.cwd(), p);
  if (dirname(abs) === BUNDLED_SCENARIOS && /\.ya?ml$/.test(abs)) {
    const local = relative(process.cwd(), abs);
    return local.startsWith("..") ? relative(PACKAGE_ROOT, abs) : local;
  }
  return relative(process.cwd(), abs) || p;
}

/** The argument that replays a scenario: bundled ones by name when the path would not resolve from elsewhere. */
export function replayArg(file: string): string {
  const abs = isAbsolute(file) ? file : join(process.cwd(), file);
  if (!existsSync(abs)) {
    const m = /^scenarios\/([^/]+)\.ya?ml$/.exec(file);
    if (m && existsSync(join(BUNDLED_SCENARIOS, `${m[1]}.yaml`))) return m[1];
  }
  return file;
}
