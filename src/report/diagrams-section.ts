// The report's hand-drawn diagrams, after the time charts: leaders and ISR per partition, then the lineage of
// the messages the anomalies name and the history of the keys they name. html.ts calls this in one place.
import type { RunResult } from "./result-types.ts";
import { isrTimelineSection } from "./isr-timeline.ts";
import { lineageSection } from "./lineage-svg.ts";
import { keySpacetimeSection } from "./key-spacetime.ts";

const CSS = `<style>
figure.diagram{margin:12px 0 18px;padding:8px 12px;border:1px solid #d1d9e0;border-radius:6px}
figure.diagram figcaption{font-weight:600;margin-bottom:4px}
figure.diagram svg text{user-select:none}
svg.isr-timeline g.span:hover rect,svg.key-spacetime g.key-message:hover path{opacity:1;stroke-width:2.5}
</style>`;

export function diagramsSections(result: RunResult, esc: (s: string) => string): string {
  const parts = [isrTimelineSection(result, esc), lineageSection(result, esc), keySpacetimeSection(result, esc)].filter((x) => x !== "");
  return parts.length ? `${CSS}\n${parts.join("\n")}` : "";
}
