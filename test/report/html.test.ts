import { describe, expect, it } from "vitest";
import { chartSpecs, renderReportHtml } from "../../src/report/html.ts";
import { buildFixtureResult } from "./fixture.ts";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/runner/run-scenario.ts";

/** The page split into its markup (script bodies removed) and the bodies of its script elements. */
function splitScripts(html: string): { markup: string; scripts: { attrs: string; body: string }[] } {
  const scripts: { attrs: string; body: string }[] = [];
  const markup = html.replace(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi, (_, attrs: string, body: string) => {
    scripts.push({ attrs, body });
    return "<script></script>";
  });
  return { markup, scripts };
}

// Anything the browser would load by itself: the scheme-relative form (//host) counts as well.
const LOADABLE_ATTRIBUTE = /\b(?:src|href|srcset|poster|data|action|formaction|background)\s*=\s*["']?\s*(?:https?:)?\/\//i;
const CSS_REMOTE = /url\(\s*["']?\s*(?:https?:)?\/\/|@import/i;

describe("renderReportHtml", () => {
  const result = buildFixtureResult();
  const html = renderReportHtml(result);
  const { markup, scripts } = splitScripts(html);

  it("loads nothing from the network: no remote src, href, css url() or @import in the markup", () => {
    expect(markup).not.toMatch(LOADABLE_ATTRIBUTE);
    expect(markup).not.toMatch(CSS_REMOTE);
    expect(markup).not.toMatch(/<(?:link|img|iframe|object|embed|base)\b/i);
  });

  it("inlines every script instead of referencing one", () => {
    expect(scripts.length).toBeGreaterThanOrEqual(5);
    for (const s of scripts) expect(s.attrs).not.toMatch(/\bsrc\s*=/i);
    // vega, vega-lite and vega-embed are all there.
    expect(scripts.some((s) => s.body.includes(".vega={}"))).toBe(true);
    expect(scripts.some((s) => s.body.includes(".vegaLite={}"))).toBe(true);
    expect(scripts.some((s) => s.body.includes(".vegaEmbed="))).toBe(true);
  });

  it("leaves no source-map reference that devtools would try to fetch", () => {
    expect(html).not.toMatch(/sourceMappingURL/);
  });

  it("gives the page's own code and data no URL and no fetch", () => {
    const own = scripts.filter((s) => !/\.(?:vega|vegaLite|vegaEmbed)\s*=/.test(s.body.slice(0, 600)));
    expect(own.length).toBe(2);
    for (const s of own) {
      expect(s.body).not.toMatch(/https?:\/\//);
      expect(s.body).not.toMatch(/\bfetch\s*\(|XMLHttpRequest|import\s*\(/);
    }
  });

  it("embeds the chart specs with inline data only", () => {
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        expect(Object.keys(node)).not.toContain("url");
        expect(Object.keys(node)).not.toContain("$schema");
        Object.values(node).forEach(walk);
      }
    };
    walk(chartSpecs(result));
  });

  it("has one container for each of the three charts", () => {
    for (const name of ["latency", "throughput", "lag"]) {
      expect(markup.match(new RegExp(`data-chart="${name}"`, "g"))).toHaveLength(1);
    }
  });

  it("shows the header, expectations, verdict anomalies and replay command", () => {
    expect(markup).toContain("auto-commit-crash");
    expect(markup).toContain("9f3c2a71d04be85e");
    expect(markup).toContain(">FAIL<");
    expect(markup).toContain("hold: no-loss");
    expect(markup).toContain("lost-write");
    expect(markup).toContain("20.100 s");
    expect(markup).toContain("npx brokersim run scenarios/auto-commit-crash.yaml --seed 1234");
  });

  it("escapes a </script> and <!-- in the scenario description", () => {
    const hostile = 'oops </script><script>alert("x")</script> <!-- <b>bold</b>';
    const page = renderReportHtml(buildFixtureResult({ description: hostile }));
    const split = splitScripts(page);
    // Every closing tag belongs to a script the page itself opened, so nothing was cut short.
    expect(split.scripts.length).toBe(scripts.length);
    expect(page).not.toContain("<script>alert");
    expect(page).toContain("oops &#60;/script&#62;&#60;script&#62;alert(&#34;x&#34;)");
    expect(page).not.toContain("<!-- <b>");
    expect(page).not.toContain("<b>bold</b>");
  });

  it("escapes a </script> in data that lands inside a script element", () => {
    const base = buildFixtureResult();
    base.metrics.faults[0].label = "</script><!-- partition";
    const page = renderReportHtml(base);
    const json = splitScripts(page).scripts.find((s) => /application\/json/.test(s.attrs));
    expect(json).toBeDefined();
    expect(json!.body).not.toMatch(/<\/script|<!--/i);
    expect(JSON.stringify(JSON.parse(json!.body))).toContain("</script><!-- partition");
  });
});

describe("chartSpecs", () => {
  const result = buildFixtureResult();
  const specs = chartSpecs(result) as Record<string, { layer: Record<string, any>[]; data: { values: Record<string, unknown>[] } }>;

  it("returns the latency, throughput and lag charts", () => {
    expect(Object.keys(specs)).toEqual(["latency", "throughput", "lag"]);
  });

  it("shades every fault window as a labelled rect layer in every chart", () => {
    for (const spec of Object.values(specs)) {
      const rect = spec.layer.find((l) => l.mark.type === "rect");
      const text = spec.layer.find((l) => l.mark.type === "text");
      expect(rect?.data.values).toEqual([expect.objectContaining({ label: "crash broker-2", startS: 20, endS: 26 })]);
      expect(rect?.mark.clip).toBe(true);
      expect(text?.encoding.text.field).toBe("label");
    }
  });

  it("zooms on x only through an interval selection bound to scales, with clipped marks", () => {
    for (const spec of Object.values(specs)) {
      const params = spec.layer.flatMap((l) => l.params ?? []);
      expect(params).toContainEqual({ name: "zoom", select: { type: "interval", encodings: ["x"] }, bind: "scales" });
      for (const l of spec.layer) expect(l.mark.clip).toBe(true);
    }
  });

  it("puts x in seconds of simulated time", () => {
    const rows = specs.latency.data.values;
    expect(rows).toHaveLength(300);
    expect(rows[1].t).toBe(0.2);
    expect(rows[299].t).toBeCloseTo(59.8, 6);
  });

  it("keeps null latencies as null so the lines have gaps", () => {
    const rows = specs.latency.data.values;
    const nullIndex = result.metrics.series.latencyP99Us.indexOf(null);
    expect(nullIndex).toBeGreaterThanOrEqual(0);
    expect(rows[nullIndex].p99).toBeNull();
    expect(rows[nullIndex].p50).toBeNull();
  });

  it("draws one lag line per consumer group, labelled with the group name", () => {
    const lines = specs.lag.layer.find((l) => l.mark.type === "line")!;
    expect(lines.encoding.color.scale.domain).toEqual(["billing", "analytics"]);
  });
});

describe("the report of a queue-only run", () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scenarios");
  const scenario = loadScenarioFile(join(dir, "queue-visibility-duplicates.yaml"));
  const { result } = runScenario(scenario, { seed: 1, file: "scenarios/queue-visibility-duplicates.yaml" });

  it("draws the queue charts and leaves out the stream charts, which would only show zeros", () => {
    const names = Object.keys(chartSpecs(result));
    expect(names.length).toBeGreaterThan(0);
    for (const stream of ["latency", "throughput", "lag"]) expect(names).not.toContain(stream);
  });

  it("shows the queue section and no stream key-metric tiles", () => {
    const html = renderReportHtml(result);
    expect(html).toContain("<h2>Queues</h2>");
    expect(html).not.toContain("<h2>Key metrics</h2>");
  });
});
