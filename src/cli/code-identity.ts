// The exact code a result came from: the package version and, in a git checkout, the commit (and whether tracked
// files differed from it), so a seed in a bug report is tied to code as well as to a scenario. Read once per
// process; outside a git checkout (an npm install) only the version is known.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BROKERSIM_VERSION } from "../version.ts";
import { PACKAGE_ROOT } from "./paths.ts";

export interface CodeIdentity {
  version: string;
  /** The git commit of the checkout brokersim ran from. */
  commit?: string;
  /** True when tracked files had uncommitted changes: the commit alone does not reproduce the run. */
  modified?: boolean;
}

let cached: CodeIdentity | undefined;

export function codeIdentity(): CodeIdentity {
  if (cached) return cached;
  cached = { version: BROKERSIM_VERSION };
  if (!existsSync(join(PACKAGE_ROOT, ".git"))) return cached;
  const git = (args: string[]) => spawnSync("git", args, { cwd: PACKAGE_ROOT, encoding: "utf8", timeout: 5000 });
  const head = git(["rev-parse", "HEAD"]);
  if (head.status !== 0 || !/^[0-9a-f]{40}$/.test(head.stdout.trim())) return cached;
  cached.commit = head.stdout.trim();
  const diff = git(["diff", "--quiet", "HEAD", "--", "src", "bin", "package.json"]);
  if (diff.status === 1) cached.modified = true;
  return cached;
}
