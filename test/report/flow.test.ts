// The report's flow picture: the graph counted from a run of a publishing scenario, and its inline SVG placed
// first in the page.
import { describe, expect, it } from "vitest";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { renderReportHtml } from "../../src/report/html.ts";
import { Op } from "../../src/history/history.ts";
import { buildFixtureResult } from "./fixture.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scenarios");

describe("the flow picture", () => {
  const scenario = loadScenarioFile(join(DIR, "publish-cdc-restart-dedup.yaml"));
  const { result, history: h } = runScenario(scenario, { seed: scenario.seed, file: "scenarios/publish-cdc-restart-dedup.yaml" });
  const flow = result.metrics.flow!;

  it("has the service, its connector, the topic and the group, with what crossed each edge", () => {
    expect(flow.nodes.map((n) => n.id)).toEqual(["service:orders", "topic:outbox.event.order", "relay:orders-connector", "group:billing"]);
    const edge = (from: string, to: string) => flow.edges.find((e) => e.from === from && e.to === to)!;
    let commits = 0, appends = 0;
    for (let i = 0; i < h.opCount; i++) {
      if (h.opKind[i] === Op.DbCommit) commits++;
      if (h.opKind[i] === Op.Append) appends++;
    }
    expect(edge("service:orders", "relay:orders-connector").count).toBe(commits);
    // The connector's restart re-emits: more appends than commits, and the label says how many again.
    const published = edge("relay:orders-connector", "topic:outbox.event.order");
    expect(published.count).toBe(appends);
    expect(appends).toBeGreaterThan(commits);
    expect(published.label).toBe(`appended (${appends - commits} again)`);
    expect(Math.abs(published.perS - appends / (result.simulatedUs / 1e6))).toBeLessThanOrEqual(0.051);
    expect(edge("topic:outbox.event.order", "group:billing").count).toBeGreaterThan(commits);
  });

  it("is drawn as an inline SVG, first in the report, before the expectations", () => {
    const page = renderReportHtml(result);
    const flowAt = page.indexOf('<section class="flow-section">');
    expect(flowAt).toBeGreaterThan(0);
    expect(flowAt).toBeLessThan(page.indexOf("<h2>Expectations</h2>"));
    const svg = page.slice(flowAt, page.indexOf("</svg>", flowAt));
    expect(svg.match(/class="flow-node"/g)).toHaveLength(flow.nodes.length);
    expect(svg.match(/class="flow-edge"/g)).toHaveLength(flow.edges.length);
    expect(svg).toContain("orders-connector");
    expect(svg).not.toMatch(/https?:/);
  });

  it("is absent for a scenario without publishing services", () => {
    expect(buildFixtureResult().metrics.flow).toBeUndefined();
    expect(renderReportHtml(buildFixtureResult())).not.toContain("flow-section");
  });
});
