// The code identity of a build (what src/cli/code-identity.ts reports): the commit of the checkout and whether
// tracked sources differed from it. Asked once here so a compiled run does not spawn git at every start.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** {commit, modified} of the git checkout at `root`, or {} outside one (an npm install, an unpacked tarball). */
export function buildIdentity(root) {
  if (!existsSync(join(root, ".git"))) return {};
  const git = (args) => spawnSync("git", args, { cwd: root, encoding: "utf8", timeout: 5000 });
  const head = git(["rev-parse", "HEAD"]);
  const commit = head.stdout?.trim();
  if (head.status !== 0 || !/^[0-9a-f]{40}$/.test(commit)) return {};
  // The same paths the run-time check compares (src/cli/code-identity.ts).
  const diff = git(["diff", "--quiet", "HEAD", "--", "src", "bin", "package.json"]);
  return diff.status === 1 ? { commit, modified: true } : { commit };
}
