#!/usr/bin/env node
// Entry point. Runs the compiled CLI in dist/ (built by `npm run build`, which `npm ci` runs through
// `prepare`), so start-up pays no TypeScript transform. In a checkout without dist/, or with
// BROKERSIM_FROM_SOURCE=1, it registers tsx and runs the TypeScript sources directly.
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(compiled) && !process.env.BROKERSIM_FROM_SOURCE) {
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
