// `brokersim merge`: shard summaries → the summary one unsharded sweep would have written. Refuses shards
// that do not belong together (other scenario text, other seed range, other shard count, repeated shards),
// since a merge of mismatched shards would look valid and be wrong.
import { BrokersimError } from "../scenario/errors.ts";
import { buildSummary, type SeedRow, type SweepHeader, type SweepSummary } from "./summary.ts";

export function mergeSummaries(parts: readonly { file: string; summary: SweepSummary }[]): SweepSummary {
  if (parts.length === 0) throw new BrokersimError("E_USAGE", "merge needs at least one summary file");
  const first = parts[0]!;
  const fail = (file: string, what: string, hint: string): never => {
    throw new BrokersimError("E_INPUT", `${file}: ${what}`, { hint });
  };
  const seenShards = new Set<number>();
  const rows = new Map<number, SeedRow>();
  for (const { file, summary } of parts) {
    if (!summary || !Array.isArray(summary.rows) || !summary.seeds || !summary.scenario) {
      fail(file, "is not a brokersim sweep summary", "pass the summary.json files written by `brokersim sweep`");
    }
    if (summary.scenario.digest !== first.summary.scenario.digest) {
      fail(file, `was swept from other scenario text than ${first.file} (digest ${summary.scenario.digest} vs ${first.summary.scenario.digest})`,
        "every shard must run the same scenario file");
    }
    if (summary.seeds.from !== first.summary.seeds.from || summary.seeds.to !== first.summary.seeds.to) {
      fail(file, `covers seeds ${summary.seeds.from}..${summary.seeds.to}, ${first.file} covers ${first.summary.seeds.from}..${first.summary.seeds.to}`,
        "shards of one sweep share the --seeds range");
    }
    if (summary.brokersim !== first.summary.brokersim) {
      fail(file, `was written by brokersim ${summary.brokersim}, ${first.file} by ${first.summary.brokersim}`, "run every shard with the same version");
    }
    const count = summary.shard?.count ?? 1;
    if (count !== (first.summary.shard?.count ?? 1)) fail(file, `is a shard of ${count}, ${first.file} of ${first.summary.shard?.count ?? 1}`, "use the same N in every --shard I/N");
    const index = summary.shard?.index ?? 0;
    if (seenShards.has(index)) fail(file, `repeats shard ${index}/${count}`, "pass each shard's summary once");
    seenShards.add(index);
    for (const row of summary.rows) rows.set(row.seed, row);
  }
  const header: SweepHeader = {
    brokersim: first.summary.brokersim,
    scenario: first.summary.scenario,
    seeds: first.summary.seeds,
    coverageGoals: first.summary.coverageGoals,
    checkDeterminism: parts.every((p) => p.summary.checkDeterminism),
  };
  return buildSummary(header, [...rows.values()]);
}

/** Shards a merged summary still lacks, to say which machines did not report. */
export function missingShards(parts: readonly { summary: SweepSummary }[]): number[] {
  const count = parts[0]?.summary.shard?.count ?? 1;
  const have = new Set(parts.map((p) => p.summary.shard?.index ?? 0));
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (!have.has(i)) out.push(i);
  return out;
}
