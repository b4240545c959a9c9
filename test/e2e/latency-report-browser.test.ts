// The latency section of a real run's report in headless Chromium: the per-group p99 chart and the phase bars
// are drawn with legends, the failed bound's explanation is on the page, with no console error and no request.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReportHtml } from "../../src/report/html.ts";
import { writeFileAtomic } from "../../src/report/write-atomic.ts";
import { loadScenarioFile } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

describe.skipIf(!existsSync(CHROMIUM))("the latency section of the report in Chromium", () => {
  let dir: string;
  let context: BrowserContext;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "brokersim-latency-report-"));
    context = await chromium.launchPersistentContext(join(dir, "profile"), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1200, height: 900 } });
  });
  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("draws p99 per group and the phases per group, and shows why the slow group missed its bound", async () => {
    const scenario = loadScenarioFile(join(import.meta.dirname, "..", "..", "scenarios", "latency-per-group-hot-key.yaml"));
    const { result } = runScenario(scenario, { seed: 1, file: "scenarios/latency-per-group-hot-key.yaml" });
    const file = join(dir, "report.html");
    writeFileAtomic(file, renderReportHtml(result));
    const url = pathToFileURL(file).href;
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => r.url() !== url && requests.push(r.url()));
    await page.goto(url);
    await page.waitForSelector("body[data-charts-rendered], body[data-render-error]", { state: "attached", timeout: 30_000 });
    expect(await page.evaluate(() => document.body.dataset.renderError ?? null)).toBeNull();
    const legend = (name: string) =>
      page.$$eval(`[data-chart="${name}"] text`, (ts) => ts.map((t) => t.textContent ?? ""));
    const bySubject = await legend("latencyBySubject");
    expect(bySubject).toEqual(expect.arrayContaining(["group search", "group fraud"]));
    const phases = await legend("latencyPhases");
    expect(phases).toEqual(expect.arrayContaining(["in the log before fetch", "processing"]));
    const text = await page.$eval("main", (m) => m.textContent ?? "");
    await page.close();
    expect(text).toContain("group fraud: p99 <= 100ms failed");
    expect(text).toContain("hot key key-0");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });
});
