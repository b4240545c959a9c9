// The code identity in result.json: HEAD's commit read from .git's files must be the commit git names in each
// layout a checkout can have, and a compiled run (which trusts the build's record while HEAD is unchanged) must
// report what git reports.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { headCommit } from "../../src/cli/code-identity.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

describe("HEAD's commit without spawning git", () => {
  it("matches git in a plain repository, with packed refs, detached, and in a linked worktree", () => {
    const repo = mkdtempSync(join(tmpdir(), "brokersim-git-"));
    git(repo, "init", "-q");
    writeFileSync(join(repo, "f"), "1");
    git(repo, "add", "f");
    git(repo, "commit", "-qm", "one");
    expect(headCommit(repo)).toBe(git(repo, "rev-parse", "HEAD"));
    writeFileSync(join(repo, "f"), "2");
    git(repo, "commit", "-qam", "two");
    git(repo, "pack-refs", "--all");
    expect(existsSync(join(repo, ".git", "refs", "heads", "main"))).toBe(false);
    expect(headCommit(repo)).toBe(git(repo, "rev-parse", "HEAD"));
    const wt = join(repo, "..", `${repo.split("/").pop()}-wt`);
    git(repo, "worktree", "add", "-q", "-b", "side", wt);
    writeFileSync(join(wt, "f"), "3");
    git(wt, "commit", "-qam", "three");
    expect(headCommit(wt)).toBe(git(wt, "rev-parse", "HEAD"));
    expect(headCommit(wt)).not.toBe(headCommit(repo));
    git(repo, "checkout", "-q", "--detach", "HEAD~1");
    expect(headCommit(repo)).toBe(git(repo, "rev-parse", "HEAD"));
  });
});

describe.runIf(existsSync(join(ROOT, ".git")))("the identity a run records", () => {
  it("is git's commit and modified state", () => {
    const dir = mkdtempSync(join(tmpdir(), "brokersim-identity-"));
    writeFileSync(
      join(dir, "s.yaml"),
      "name: s\ndescription: tiny\nduration: 100ms\ntopics: [{name: t, partitions: 1}]\nproducers: [{name: p, topic: t, rate: 10/s}]\nconsumerGroups: [{name: g, topics: [t]}]\n",
    );
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "brokersim.js"), "run", "s.yaml", "--quiet", "--out", "out"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(0);
    const code = JSON.parse(readFileSync(join(dir, "out", "s", "seed-1", "result.json"), "utf8")).code;
    expect(code.commit).toBe(git(ROOT, "rev-parse", "HEAD"));
    const dirty = spawnSync("git", ["diff", "--quiet", "HEAD", "--", "src", "bin", "package.json"], { cwd: ROOT }).status === 1;
    expect(code.modified ?? false).toBe(dirty);
  });
});
