#!/usr/bin/env node
// Runs the test suite and ends with the closing line CI reads: "N passed, N failed".
// vitest's own summary is not in that form, so the counts come from its JSON reporter.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The build bundles with esbuild, which strips types without checking them, so the type check runs here and
// counts as one test: a type error fails CI as it did when the build was tsc.
const tsc = spawnSync(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "--noEmit"], { stdio: "inherit" });
const typesOk = tsc.status === 0;
console.log(typesOk ? "type check: passed" : "type check: FAILED (tsc --noEmit above)");

const dir = mkdtempSync(join(tmpdir(), "brokersim-tests-"));
const out = join(dir, "vitest.json");
const run = spawnSync(
  "npx",
  ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...process.argv.slice(2)],
  { stdio: "inherit" },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(out, "utf8"));
  passed = r.numPassedTests ?? 0;
  failed = r.numFailedTests ?? 0;
  // A test file that fails to load has no failed tests of its own; count each such file once.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === "failed" && (f.assertionResults ?? []).every((a) => a.status !== "failed"));
  failed += brokenFiles.length;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
} catch {
  // No JSON means vitest itself failed before running anything: count that as a failure.
  failed = Math.max(1, failed);
}
rmSync(dir, { recursive: true, force: true });
if (typesOk) passed++;
else failed++;
if (passed === 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
