import { describe, expect, it } from "vitest";
// Loads the schema before the models: schema-groups.ts and schema.ts import each other, and under vitest the
// cycle only resolves when schema.ts is entered first.
import "../../src/scenario/schema.ts";
import { renderSweepHtml, sweepChartSpecs } from "../../src/report/sweep-html.ts";
import { buildSummary, type SeedRow } from "../../src/explore/summary.ts";

const row = (seed: number, passed: boolean): SeedRow => ({
  seed, passed, fingerprint: "f", events: 1, expectations: [["latency p99 <= 1ms", passed]], verdicts: [["no-loss", true, 0]],
  metrics: { latencyP50Us: 500, latencyP99Us: 900 + seed * 100, latencyMaxUs: 3000, produced: 5, consumed: 5, maxLag: 2 }, coverage: [],
});
const summary = buildSummary(
  { brokersim: "x", scenario: { name: "s</script>", file: "s.yaml", digest: "d" }, seeds: { from: 1, to: 3 }, coverageGoals: ["lag-above 9"], checkDeterminism: false },
  [row(1, true), row(2, false), row(3, false)],
);

describe("sweep report", () => {
  it("is one self-contained page: libraries inlined, no network, data that cannot close its script tag", () => {
    const html = renderSweepHtml(summary);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/https?:\/\/(?!vega\.github\.io\/schema)[^"']*\.(js|css)/);
    expect(html).toContain("s&#60;/script&#62; — seed sweep");
    const json = /<script type="application\/json" id="sweep-charts">([^<]*)<\/script>/.exec(html)![1]!;
    expect(Object.keys(JSON.parse(json))).toEqual(["failureRate", "latencyP99Us", "latencyMaxUs", "maxLag", "consumed"]);
  });

  it("shows failure rates, unreached coverage goals and replay commands for failing seeds", () => {
    const html = renderSweepHtml(summary);
    expect(html).toContain("<td>2 / 3</td><td>66.7%</td>");
    expect(html).toMatch(/lag-above 9<\/td><td><span class="bad">UNREACHED/);
    expect(html).toContain("<code>brokersim run s.yaml --seed 2</code>");
  });

  it("plots one bar per invariant and expectation, in milliseconds for latencies", () => {
    const specs = sweepChartSpecs(summary) as Record<string, { data: { values: Record<string, unknown>[] } }>;
    expect(specs.failureRate!.data.values.map((v) => [v.what, v.rate])).toEqual([["invariant no-loss", 0], ["expect latency p99 <= 1ms", 0.666667]]);
    expect(specs.latencyP99Us!.data.values.map((v) => v.value)).toEqual([1, 1.1, 1.2]);
  });
});
