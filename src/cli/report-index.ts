// reports/index.html lists every run report under the output directory, not just the ones of the last command:
// `run a b` followed by `run c` leaves an index of a, b and c (the newest seed of each scenario first).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "../report/result-types.ts";
import { renderIndexHtml, type CompareEntry } from "../report/index-page.ts";
import { writeFileAtomic } from "../report/write-atomic.ts";

/** Every `<out>/<scenario>/seed-<N>/result.json` that parses, with the link from the index to its report. */
export function findRunReports(out: string): { result: RunResult; href: string }[] {
  if (!existsSync(out)) return [];
  const found: { result: RunResult; href: string }[] = [];
  for (const scenario of readdirSync(out).sort()) {
    const dir = join(out, scenario);
    if (!statSync(dir).isDirectory()) continue;
    const seeds = readdirSync(dir)
      .filter((d) => /^seed-\d+$/.test(d))
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
    for (const seed of seeds) {
      const file = join(dir, seed, "result.json");
      if (!existsSync(file) || !existsSync(join(dir, seed, "report.html"))) continue;
      try {
        const result = JSON.parse(readFileSync(file, "utf8")) as RunResult;
        if (result?.scenario?.name === undefined || !Array.isArray(result.verdicts)) continue;
        found.push({ result, href: `${scenario}/${seed}/report.html` });
      } catch {
        // A half-written or foreign file is not a report: leave it out of the index rather than fail the run.
      }
    }
  }
  return found;
}

/** Every `<out>/compare-*.json` with its page beside it, by file name. */
export function findComparePages(out: string): CompareEntry[] {
  if (!existsSync(out)) return [];
  const found: CompareEntry[] = [];
  for (const f of readdirSync(out).sort()) {
    if (!/^compare-.+\.json$/.test(f)) continue;
    const page = f.replace(/\.json$/, ".html");
    if (!existsSync(join(out, page))) continue;
    try {
      const c = JSON.parse(readFileSync(join(out, f), "utf8")) as Partial<CompareEntry["compare"]>;
      if (typeof c?.a?.label !== "string" || typeof c?.b?.label !== "string" || !Array.isArray(c.verdicts)) continue;
      found.push({ compare: c as CompareEntry["compare"], href: page });
    } catch {
      // Not a compare file this version can read: leave it out of the index.
    }
  }
  return found;
}

/** Rewrites `<out>/index.html` from what is on disk; returns its path. */
export function writeRunIndex(out: string): string {
  const index = join(out, "index.html");
  writeFileAtomic(index, renderIndexHtml(findRunReports(out), findComparePages(out)));
  return index;
}
