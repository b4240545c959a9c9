#!/usr/bin/env node
// Entry point. Runs the compiled CLI in dist/ (built by `npm run build`, which `npm ci` runs through
// `prepare`), so start-up pays no TypeScript transform. It runs the TypeScript sources through tsx instead when
// there is no dist/, when BROKERSIM_FROM_SOURCE=1, or when a source file or folder is newer than the last build (an edited
// checkout must never run yesterday's code; checking costs a few milliseconds of file stats).
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
const stamp = new URL("../dist/.built", import.meta.url);
const sources = fileURLToPath(new URL("../src", import.meta.url));

function newerThan(dir, ms) {
  // A folder's own time moves when a file in it is added, deleted or renamed: a deleted source must not leave
  // the build that still holds it in use.
  if (statSync(dir).mtimeMs > ms) return true;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory() ? newerThan(p, ms) : statSync(p).mtimeMs > ms) return true;
  }
  return false;
}

function useCompiled() {
  if (process.env.BROKERSIM_FROM_SOURCE || !existsSync(compiled) || !existsSync(stamp)) return false;
  return !existsSync(sources) || !newerThan(sources, statSync(stamp).mtimeMs);
}

if (useCompiled()) {
  // `--version` alone needs neither the argument parser nor anything else: answer it from the version module.
  if (process.argv.length === 3 && process.argv[2] === "--version") {
    const { BROKERSIM_VERSION } = await import(new URL("../dist/version.js", import.meta.url).href);
    process.stdout.write(`${BROKERSIM_VERSION}\n`);
    process.exit(0);
  }
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
