// Opens the report in a real headless Chromium, from disk, and checks that it renders every chart
// without errors and without a single network request.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReportHtml } from "../../src/report/html.ts";
import { writeFileAtomic } from "../../src/report/write-atomic.ts";
import { buildFixtureResult } from "../report/fixture.ts";
import type { RunResult } from "../../src/report/result-types.ts";
import { loadScenarioFile } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";
import { renderSweepHtml } from "../../src/report/sweep-html.ts";
import { buildSummary, type SeedRow } from "../../src/explore/summary.ts";
import { renderCompareHtml } from "../../src/report/compare-html.ts";
import { compareRuns } from "../../src/compare/compare-runs.ts";
import { compareGroups, groupFigures } from "../../src/compare/compare-groups.ts";
import type { CompareResult } from "../../src/compare/compare-types.ts";

const CHROMIUM = "/usr/bin/chromium";
// From toolchain.md: without the networking flags Chromium tries to reach hosts on its own.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the report browser test: ${CHROMIUM} does not exist (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)("the HTML report in Chromium (needs /usr/bin/chromium)", () => {
  let dir: string;
  let context: BrowserContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "brokersim-report-"));
    context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openReport(width: number, screenshot?: string, result: RunResult = buildFixtureResult()) {
    const file = join(dir, `report-${width}-${result.scenario.name}.html`);
    writeFileAtomic(file, renderReportHtml(result));
    const pageUrl = pathToFileURL(file).href;
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 900 });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("request", (r) => {
      if (r.url() !== pageUrl) requests.push(r.url());
    });
    await page.goto(pageUrl);
    await page.waitForSelector("body[data-charts-rendered], body[data-render-error]", { state: "attached", timeout: 30_000 });
    const renderError = await page.evaluate(() => document.body.dataset.renderError ?? null);
    const rendered = await page.evaluate(() => document.body.dataset.chartsRendered ?? null);
    const charts = await page.$$eval("[data-chart]", (els) =>
      els.map((el) => {
        const drawn = el.querySelector("svg.marks, canvas.marks") ?? el.querySelector("svg, canvas");
        const box = drawn?.getBoundingClientRect();
        return { name: el.getAttribute("data-chart"), width: box?.width ?? 0, height: box?.height ?? 0 };
      }),
    );
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    await page.close();
    return { renderError, rendered, charts, errors, requests, pageWidth };
  }

  it("renders the three charts with no console error and no network request", async () => {
    const r = await openReport(1200, "/tmp/report.png");
    expect(r.renderError).toBeNull();
    expect(r.rendered).toBe("3");
    expect(r.charts.map((c) => c.name)).toEqual(["latency", "throughput", "lag"]);
    for (const c of r.charts) {
      expect(c.width, `${c.name} width`).toBeGreaterThan(500);
      expect(c.height, `${c.name} height`).toBeGreaterThan(150);
    }
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
  });

  it("fits a narrow phone-sized window without a horizontal scrollbar on the page", async () => {
    const r = await openReport(380, "/tmp/report-narrow.png");
    expect(r.renderError).toBeNull();
    for (const c of r.charts) {
      expect(c.width, `${c.name} width`).toBeGreaterThan(200);
      expect(c.width, `${c.name} width`).toBeLessThanOrEqual(380);
    }
    expect(r.pageWidth).toBeLessThanOrEqual(380);
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
  });

  it("renders the report of a real run of a bundled scenario the same way", async () => {
    const scenario = loadScenarioFile(join(import.meta.dirname, "..", "..", "scenarios", "slow-consumer.yaml"));
    const { result } = runScenario(scenario, { seed: 1, file: "scenarios/slow-consumer.yaml" });
    const r = await openReport(1200, undefined, result);
    expect(r.renderError).toBeNull();
    expect(r.charts.map((c) => c.name)).toEqual([
      "latency", "throughput", "lag", "partitionLag", "producer-ack-wait", "producer-retries", "producer-in-flight",
      "latencyBySubject", "latencyPhases",
    ]);
    expect(r.rendered).toBe(String(r.charts.length));
    for (const c of r.charts) expect(c.height, `${c.name} height`).toBeGreaterThan(150);
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
  });

  it("leads a failing run's report with its root causes and marks invariants with nothing to check", async () => {
    const scenario = loadScenarioFile(join(import.meta.dirname, "..", "..", "scenarios", "groups-auto-commit-crash.yaml"));
    const { result } = runScenario(scenario, { seed: 1, file: "scenarios/groups-auto-commit-crash.yaml" });
    const r = await openReport(1200, "/tmp/report-causes.png", { ...result, verdicts: [...result.verdicts, { ...result.verdicts[0], invariant: "x-nothing", checked: 0, notChecked: "no consumer group" }] });
    expect(r.renderError).toBeNull();
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, `report-1200-${result.scenario.name}.html`)).href);
    const causes = await page.$$eval("#root-causes tbody tr", (rows) => rows.map((tr) => tr.textContent ?? ""));
    const sectionOrder = await page.$$eval("h2", (hs) => hs.map((h) => h.textContent));
    const notChecked = await page.$$eval("tr.not-checked", (rows) => rows.map((tr) => tr.textContent ?? ""));
    await page.close();
    expect(causes.length).toBeGreaterThan(0);
    expect(causes[0]).toContain("crashed at");
    expect(sectionOrder.indexOf("Root causes")).toBeLessThan(sectionOrder.indexOf("Verdicts"));
    expect(notChecked[0]).toContain("not checked");
  });

  it("draws the producer charts, the leader/ISR timeline, message swimlanes and key space-time diagrams of a failing run", async () => {
    const scenario = loadScenarioFile(join(import.meta.dirname, "..", "..", "scenarios", "kafka-isolated-leader.yaml"));
    const { result } = runScenario(scenario, { seed: 1, file: "scenarios/kafka-isolated-leader.yaml" });
    const r = await openReport(1200, "/tmp/report-diagrams.png", result);
    expect(r.renderError).toBeNull();
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
    const producerCharts = r.charts.filter((c) => c.name?.startsWith("producer-"));
    expect(producerCharts.map((c) => c.name)).toEqual(["producer-ack-wait", "producer-retries", "producer-in-flight"]);
    for (const c of producerCharts) expect(c.height, `${c.name} height`).toBeGreaterThan(150);
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, `report-1200-${result.scenario.name}.html`)).href);
    const drawn = await page.evaluate(() => {
      const box = (sel: string) => {
        const el = document.querySelector(sel);
        const b = el?.getBoundingClientRect();
        return { width: b?.width ?? 0, height: b?.height ?? 0 };
      };
      const count = (sel: string) => document.querySelectorAll(sel).length;
      return {
        isr: box("svg.isr-timeline"),
        isrRows: count("svg.isr-timeline g.isr-row"),
        elections: count("svg.isr-timeline .election"),
        lineage: box("figure[data-diagram=lineage] svg.lineage"),
        lineages: count("figure[data-diagram=lineage]"),
        firstLineageSteps: document.querySelector("figure[data-diagram=lineage]")?.querySelectorAll("g.lineage-event").length ?? 0,
        keys: count("figure[data-diagram=key-spacetime]"),
        key: box("svg.key-spacetime"),
        keyMessages: count("svg.key-spacetime g.key-message"),
        order: [...document.querySelectorAll("h2")].map((h) => h.textContent),
      };
    });
    await page.close();
    expect(drawn.isrRows).toBeGreaterThan(0);
    expect(drawn.elections).toBeGreaterThan(0);
    expect(drawn.isr.width).toBeGreaterThan(500);
    expect(drawn.isr.height).toBeGreaterThan(100);
    expect(drawn.lineages).toBeGreaterThan(0);
    expect(drawn.firstLineageSteps).toBeGreaterThan(3);
    expect(drawn.lineage.width).toBeGreaterThan(300);
    expect(drawn.lineage.height).toBeGreaterThan(100);
    expect(drawn.keys).toBeGreaterThan(0);
    expect(drawn.keyMessages).toBeGreaterThan(1);
    expect(drawn.key.width).toBeGreaterThan(500);
    expect(drawn.order.indexOf("Leaders and ISR per partition")).toBeGreaterThan(drawn.order.indexOf("Over time"));
    expect(drawn.order).toContain("Message lineage");
    expect(drawn.order).toContain("Key histories");
  });

  it("renders the sweep report's charts offline too", async () => {
    const row = (seed: number, passed: boolean): SeedRow => ({
      seed,
      passed,
      fingerprint: "f",
      events: 1,
      expectations: [["latency p99 <= 1ms", passed]],
      verdicts: [["no-loss", true, 0]],
      metrics: { latencyP50Us: 500, latencyP99Us: 900 + seed * 100, latencyMaxUs: 3000, produced: 5, consumed: 5, maxLag: 2 },
      coverage: [],
    });
    const summary = buildSummary(
      { brokersim: "x", scenario: { name: "sweep", file: "s.yaml", digest: "d" }, seeds: { from: 1, to: 3 }, coverageGoals: [], checkDeterminism: false },
      [row(1, true), row(2, false), row(3, true)],
    );
    const file = join(dir, "sweep.html");
    writeFileAtomic(file, renderSweepHtml(summary));
    const pageUrl = pathToFileURL(file).href;
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => void (r.url() !== pageUrl && requests.push(r.url())));
    await page.goto(pageUrl);
    await page.waitForSelector("body[data-charts-rendered], body[data-render-error]", { state: "attached", timeout: 30_000 });
    const charts = await page.$$eval("[data-chart]", (els) => els.map((el) => el.querySelector("svg")?.getBoundingClientRect().height ?? 0));
    const rendered = await page.evaluate(() => document.body.dataset.chartsRendered ?? null);
    await page.close();
    expect(charts.length).toBeGreaterThan(0);
    expect(rendered).toBe(String(charts.length));
    for (const h of charts) expect(h).toBeGreaterThan(50);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });
  async function openCompare(c: CompareResult, name: string) {
    const file = join(dir, `compare-${name}.html`);
    writeFileAtomic(file, renderCompareHtml(c));
    const pageUrl = pathToFileURL(file).href;
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => void (r.url() !== pageUrl && requests.push(r.url())));
    await page.goto(pageUrl);
    await page.waitForSelector("body[data-charts-rendered], body[data-render-error]", { state: "attached", timeout: 30_000 });
    const renderError = await page.evaluate(() => document.body.dataset.renderError ?? null);
    const rendered = await page.evaluate(() => document.body.dataset.chartsRendered ?? null);
    const charts = await page.$$eval("[data-chart]", (els) =>
      els.map((el) => ({
        name: el.getAttribute("data-chart"),
        height: el.querySelector("svg")?.getBoundingClientRect().height ?? 0,
        // Every line drawn, and every legend label: each series must be named in a legend.
        lines: el.querySelectorAll(".mark-line path").length,
        legend: [...el.querySelectorAll(".role-legend-label text")].map((t) => t.textContent ?? ""),
      })),
    );
    await page.screenshot({ path: `/tmp/compare-${name}.png`, fullPage: true });
    await page.close();
    return { renderError, rendered, charts, errors, requests };
  }

  it("draws the compare page's overlaid charts, one legend entry per series of each side, offline and without errors", async () => {
    const a = buildFixtureResult({ name: "side-a" });
    const b = buildFixtureResult({ name: "side-b" });
    const r = await openCompare(compareRuns(a, b), "runs");
    expect(r.renderError).toBeNull();
    expect(r.charts.map((c) => c.name)).toEqual(["compare-latency", "compare-throughput", "compare-lag"]);
    expect(r.rendered).toBe("3");
    for (const c of r.charts) {
      expect(c.height, `${c.name} height`).toBeGreaterThan(150);
      // Both sides' lines are on the same chart: twice the series of one side.
      expect(c.lines, `${c.name} lines`).toBeGreaterThanOrEqual(4);
      expect(c.legend.filter((l) => l.startsWith("side-a ·")).length, `${c.name} legend of side a`).toBeGreaterThanOrEqual(2);
      expect(c.legend.filter((l) => l.startsWith("side-b ·")).length, `${c.name} legend of side b`).toBeGreaterThanOrEqual(2);
    }
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
  });

  it("draws the compare page of two groups of one real run", async () => {
    const scenario = loadScenarioFile(join(import.meta.dirname, "..", "..", "scenarios", "groups-eager-vs-cooperative.yaml"));
    const { result, history } = runScenario(scenario, { seed: 1, file: "scenarios/groups-eager-vs-cooperative.yaml" });
    const c = compareGroups(result, groupFigures(history, result, "eager")!, groupFigures(history, result, "cooperative")!);
    const r = await openCompare(c, "groups");
    expect(r.renderError).toBeNull();
    expect(r.charts.map((x) => x.name)).toEqual(["compare-latency", "compare-throughput", "compare-lag"]);
    for (const x of r.charts) expect(x.height, `${x.name} height`).toBeGreaterThan(150);
    const lag = r.charts.find((x) => x.name === "compare-lag")!;
    expect(lag.legend).toEqual(expect.arrayContaining(["eager · eager", "cooperative · cooperative"]));
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
  });
  /** Each chart's legend labels, after the page drew its charts. */
  async function legendsOf(file: string): Promise<{ name: string | null; legend: string[] }[]> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("body[data-charts-rendered], body[data-render-error]", { state: "attached", timeout: 30_000 });
    const out = await page.$$eval("[data-chart]", (els) =>
      els.map((el) => ({ name: el.getAttribute("data-chart"), legend: [...el.querySelectorAll(".role-legend-label text")].map((t) => t.textContent ?? "") })),
    );
    await page.close();
    expect(errors).toEqual([]);
    return out;
  }

  it("names every series of every chart in a legend, fault windows and rebalance markers included", async () => {
    const scenario = loadScenarioFile(join(import.meta.dirname, "..", "..", "scenarios", "groups-eager-vs-cooperative.yaml"));
    const { result } = runScenario(scenario, { seed: 1, file: "scenarios/groups-eager-vs-cooperative.yaml" });
    const file = join(dir, "legends.html");
    writeFileAtomic(file, renderReportHtml(result));
    const charts = await legendsOf(file);
    expect(charts.length).toBeGreaterThanOrEqual(3);
    for (const c of charts) expect(c.legend.length, `${c.name} has a legend`).toBeGreaterThan(0);
    const lag = charts.find((c) => c.name === "lag")!;
    expect(lag.legend).toEqual(expect.arrayContaining(["eager", "cooperative", "rebalance start"]));
    const fixture = join(dir, "legends-fixture.html");
    writeFileAtomic(fixture, renderReportHtml(buildFixtureResult()));
    const withFault = await legendsOf(fixture);
    expect(withFault.find((c) => c.name === "latency")!.legend).toEqual(expect.arrayContaining(["p50", "p99", "max", "fault window"]));
    const summary = buildSummary(
      { brokersim: "x", scenario: { name: "sweep", file: "s.yaml", digest: "d" }, seeds: { from: 1, to: 2 }, coverageGoals: [], checkDeterminism: false },
      [1, 2].map((seed) => ({ seed, passed: seed === 1, fingerprint: `f${seed}`, events: 10, expectations: [["hold: no-loss", seed === 1]], verdicts: [["no-loss", seed === 1, 0]], metrics: { latencyP50Us: 500, latencyP99Us: 900, latencyMaxUs: 3000, produced: 5, consumed: 5, maxLag: 2 }, coverage: [] }) as unknown as SeedRow),
    );
    const sweep = join(dir, "legends-sweep.html");
    writeFileAtomic(sweep, renderSweepHtml(summary));
    const sweepCharts = await legendsOf(sweep);
    expect(sweepCharts.find((c) => c.name === "failureRate")!.legend).toEqual(["some seeds fail", "no seed fails"]);
  });
});
