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
    expect(r.charts.map((c) => c.name)).toEqual(["latency", "throughput", "lag", "partitionLag", "latencyBySubject", "latencyPhases"]);
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
});
