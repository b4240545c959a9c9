// The CLI tests spawn bin/brokersim.js, which runs dist/ when it exists. A dist/ older than the sources would
// test yesterday's code, so rebuild it first when any source is newer than the last build. Without dist/ the
// entry point runs the sources through tsx and nothing needs building.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

function newestMtimeMs(dir: string): number {
  // The folder's own time counts too (a deleted source), as in bin/brokersim.js.
  let newest = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const dist = join(ROOT, "dist");
  if (!existsSync(dist)) return;
  const stamp = join(dist, ".built");
  const builtMs = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const sources = Math.max(
    newestMtimeMs(join(ROOT, "src")),
    ...["tsconfig.build.json", "scripts/build.mjs"].map((f) => statSync(join(ROOT, f)).mtimeMs),
  );
  if (sources <= builtMs) return;
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("dist/ is older than src/ and rebuilding it failed: run `npm run build`");
}
