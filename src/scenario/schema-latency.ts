// expect.latency: bounds on end-to-end latency over every group (the original form), and per consumer group and
// per queue, with lag bounds per group. Names are checked against the scenario at load (latencyBoundIssues).
import { z } from "zod";
import { zDuration } from "./zod-units.ts";
import type { Scenario } from "./schema.ts";
import type { YamlSource } from "./load-yaml.ts";
import { didYouMean, type ScenarioIssue } from "./errors.ts";

const bound = (p: string, over: string) => zDuration.optional().describe(`Upper bound on the ${p} end-to-end latency ${over}.`);
const percentileBounds = (over: string) => ({
  p50: bound("median", over),
  p90: bound("90th percentile", over),
  p99: bound("99th percentile", over),
  p999: bound("99.9th percentile", over),
  max: bound("maximum", over),
});
const violated = z.boolean().prefault(false).describe("true: this entry's bounds are expected to be exceeded (a teaching scenario).");
const lag = (what: string) => z.number().int().min(0).optional().describe(what);

export const zGroupLatencyBounds = z
  .strictObject({
    ...percentileBounds("of this group's records (send → its processing done)"),
    maxLag: lag("Upper bound on the group's largest lag (records) during the run."),
    lagAtEnd: lag("Upper bound on the group's lag (records) at the end of the run."),
    violated,
  })
  .describe("Latency and lag bounds of one consumer group.");

export const zQueueLatencyBounds = z
  .strictObject({ ...percentileBounds("of this queue's messages (send → acknowledged)"), violated })
  .describe("Latency bounds of one queue.");

export const zLatencyExpect = z
  .strictObject({
    ...percentileBounds("over every group"),
    groups: z.record(z.string(), zGroupLatencyBounds).optional().describe("Bounds per consumer group, by group name: p50, p90, p99, p999, max (durations, send → that group's processing done), maxLag and lagAtEnd (records), violated (true: expected to be exceeded), e.g. { billing: { p99: 500ms, maxLag: 1000 } }."),
    queues: z.record(z.string(), zQueueLatencyBounds).optional().describe("Bounds per queue, by queue name: p50, p90, p99, p999, max (durations, send → acknowledged), violated (true: expected to be exceeded), e.g. { jobs: { p99: 2s } }."),
  })
  .describe(
    "Bounds on end-to-end latency (producer send → processing done): p50/p90/p99/p999/max over every group, and per group " +
      "(`groups:`, with maxLag / lagAtEnd) or per queue (`queues:`). A failed bound names the phases, partitions, keys and faults behind it.",
  );

export type LatencyExpect = z.output<typeof zLatencyExpect>;
export type GroupLatencyBounds = z.output<typeof zGroupLatencyBounds>;
export const PERCENTILE_KEYS = ["p50", "p90", "p99", "p999", "max"] as const;

/** Group and queue names under expect.latency must exist; a typo would otherwise only fail after the run. */
export function latencyBoundIssues(s: Scenario, source: YamlSource): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const check = (section: "groups" | "queues", names: Set<string>, declared: string) => {
    for (const name of Object.keys(s.expect.latency?.[section] ?? {})) {
      if (names.has(name)) continue;
      const guess = didYouMean(name, names);
      const noun = section === "groups" ? "consumer group" : "queue";
      issues.push(source.issue(["expect", "latency", section, name], `no ${noun} named "${name}"`, {
        expected: names.size ? `one of the ${noun}s declared under ${declared}: ${[...names].join(", ")}` : `a ${noun} declared under ${declared}`,
        found: JSON.stringify(name),
        hint: guess ? `did you mean \`${guess}\`?` : `latency.${section} bounds a ${noun} by its name; declare it under ${declared}`,
        code: "E_REFERENCE",
      }));
    }
  };
  check("groups", new Set(s.consumerGroups.map((g) => g.name)), "consumerGroups");
  check("queues", new Set(s.queues.map((q) => q.name)), "queues");
  return issues;
}
