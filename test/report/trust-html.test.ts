// The report says what a number means: causes first, "not checked" instead of "holds" over nothing, "—" with
// the reason instead of a zero, rebalances per group, and the code the run came from.
import { describe, expect, it } from "vitest";
import { renderReportHtml } from "../../src/report/html.ts";
import { renderIndexHtml } from "../../src/report/index-page.ts";
import { buildFixtureResult } from "./fixture.ts";

describe("what the report says", () => {
  it("leads with root causes, marks vacuous verdicts, names the commit and shows rebalances per group", () => {
    const r = buildFixtureResult();
    r.causes = [{ cause: "orders/0: broker-1 truncated its log", messages: 297, anomalies: 1188, symptoms: [{ invariant: "no-lost-write", kind: "lost-write", count: 297 }], firstUs: 1e6, lastUs: 2e6, exampleMessages: [4, 5] }];
    r.verdicts.push({ invariant: "monotonic-poll", holds: true, checked: 0, anomalyCount: 0, anomalies: [], summary: "x", notChecked: "no consumer group reads a topic in this scenario" });
    r.code = { version: r.brokersim, commit: "0123456789abcdef0123456789abcdef01234567" };
    const g = r.metrics.maxLag[0].group;
    r.metrics.groups = [{ group: g, protocol: "eager", rebalances: 3, rebalanceUs: 1_500_000, notConsumingUs: 0, partitionUnownedUs: 4_000_000, markers: [], lagThreshold: 0, recovery: [] }];
    const html = renderReportHtml(r);
    expect(html.indexOf("<h2>Root causes</h2>")).toBeGreaterThan(0);
    expect(html.indexOf("<h2>Root causes</h2>")).toBeLessThan(html.indexOf("<h2>Verdicts</h2>"));
    expect(html).toContain("orders/0: broker-1 truncated its log");
    expect(html).toMatch(/<tr class="not-checked"><td><code>monotonic-poll<\/code><\/td><td><span class="badge na">not checked<\/span>/);
    expect(html).toContain("(commit 0123456789ab)");
    expect(html).toMatch(/<td class="num">3 <span class="muted">\(eager\)<\/span><\/td>/);
  });

  it("shows a dash and the reason instead of 0 ms and 0 processed when no group reads the topic", () => {
    const r = buildFixtureResult();
    (r.scenario.resolved as { consumerGroups: unknown[] }).consumerGroups = [];
    r.metrics.endToEndLatencyUs = { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    r.metrics.consumed = 0;
    const html = renderReportHtml(r);
    expect(html).toContain("No end-to-end latency: no consumer group.");
    expect(html).not.toMatch(/latency p99<\/div><div class="value">0\.0/);
    const index = renderIndexHtml([{ result: r, href: "x/seed-1/report.html" }]);
    expect(index).toContain("— <span class=\"desc\">no consumer group</span>");
    expect(index).not.toContain("0.0 ms");
  });
});
