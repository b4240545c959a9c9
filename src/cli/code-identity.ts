// The exact code a result came from: the package version and, in a git checkout, the commit (and whether tracked
// files differed from it), so a seed in a bug report is tied to code as well as to a scenario. Read once per
// process; outside a git checkout (an npm install) only the version is known.
//
// Compiled, the build recorded the identity (dist/code-identity.json, scripts/build-identity.mjs): asking git
// costs two process spawns, a tenth of a short run's CPU. The record holds while HEAD is still the commit it
// names (read from .git's files, no spawn) and nothing it covers changed since the build: bin/brokersim.js runs
// dist/ only while no source is newer than the build, and bin/ and package.json are compared here. Otherwise,
// and from the sources, git is asked as before.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { BROKERSIM_VERSION } from "../version.ts";
import { PACKAGE_ROOT } from "./paths.ts";

export interface CodeIdentity {
  version: string;
  /** The git commit of the checkout brokersim ran from. */
  commit?: string;
  /** True when tracked files had uncommitted changes: the commit alone does not reproduce the run. */
  modified?: boolean;
}

const COMPILED = import.meta.url.endsWith(".js");

let cached: CodeIdentity | undefined;

export function codeIdentity(): CodeIdentity {
  if (cached) return cached;
  cached = { version: BROKERSIM_VERSION };
  if (!existsSync(join(PACKAGE_ROOT, ".git"))) return cached;
  const built = COMPILED ? identityRecordedAtBuild() : undefined;
  if (built) {
    cached.commit = built.commit;
    if (built.modified) cached.modified = true;
    return cached;
  }
  const git = (args: string[]) => spawnSync("git", args, { cwd: PACKAGE_ROOT, encoding: "utf8", timeout: 5000 });
  const head = git(["rev-parse", "HEAD"]);
  if (head.status !== 0 || !/^[0-9a-f]{40}$/.test(head.stdout.trim())) return cached;
  cached.commit = head.stdout.trim();
  const diff = git(["diff", "--quiet", "HEAD", "--", "src", "bin", "package.json"]);
  if (diff.status === 1) cached.modified = true;
  return cached;
}

/** The build's record when it still describes this checkout, else undefined (then git is asked). */
function identityRecordedAtBuild(): { commit: string; modified?: boolean } | undefined {
  try {
    const dist = join(PACKAGE_ROOT, "dist");
    const record = JSON.parse(readFileSync(join(dist, "code-identity.json"), "utf8")) as { commit?: unknown; modified?: unknown };
    if (typeof record.commit !== "string") return undefined;
    const builtMs = statSync(join(dist, ".built")).mtimeMs;
    for (const f of ["bin/brokersim.js", "package.json"]) if (statSync(join(PACKAGE_ROOT, f)).mtimeMs > builtMs) return undefined;
    if (headCommit(PACKAGE_ROOT) !== record.commit) return undefined;
    return record.modified === true ? { commit: record.commit, modified: true } : { commit: record.commit };
  } catch {
    return undefined;
  }
}

/**
 * HEAD's commit read from the repository's files: `.git` is a directory, or in a linked worktree a file naming
 * one (whose `commondir` holds the shared refs); a branch's commit is a loose ref file or a line of packed-refs.
 * Undefined for anything else, and the caller then asks git.
 */
export function headCommit(root: string): string | undefined {
  const dotGit = join(root, ".git");
  const gitDir = statSync(dotGit).isDirectory() ? dotGit : resolve(root, /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"))?.[1] ?? "");
  const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref:\s*(refs\/\S+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  const commonFile = join(gitDir, "commondir");
  const common = existsSync(commonFile) ? resolve(gitDir, readFileSync(commonFile, "utf8").trim()) : gitDir;
  for (const dir of [gitDir, common]) {
    const loose = join(dir, ref);
    if (existsSync(loose)) {
      const sha = readFileSync(loose, "utf8").trim();
      return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
    }
  }
  const packed = join(common, "packed-refs");
  if (!existsSync(packed)) return undefined;
  for (const line of readFileSync(packed, "utf8").split("\n")) {
    const [sha, name] = line.split(" ");
    if (name === ref && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return undefined;
}
