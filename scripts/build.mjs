#!/usr/bin/env node
// `npm run build` (also run by `npm ci` through `prepare`): compiles src/ to dist/ so the CLI and its worker
// threads start without transforming TypeScript. dist/ is emptied first so a deleted source leaves no stale
// module behind; a stamp records the build so tests can tell a dist/ older than the sources.
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
rmSync(join(root, "dist"), { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  rmSync(join(root, "dist"), { recursive: true, force: true });
  process.exit(r.status ?? 1);
}
writeFileSync(join(root, "dist", ".built"), "compiled from src/ by scripts/build.mjs\n");
