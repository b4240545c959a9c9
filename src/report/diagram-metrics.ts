// What the report's producer charts and diagrams draw, computed once from the history at the end of a run and
// stored in result.json (so the report, the sweep and `compare` need no history). Each part is bounded: at most
// a few producers' series, MAX_TIMELINE_PARTITIONS partitions, MAX_LINEAGES lineages, MAX_KEYS keys.
import type { History } from "../history/history.ts";
import type { AnomalyRecord } from "../checkers/anomaly-ledger.ts";
import type { Scenario } from "../scenario/schema.ts";
import { chooseBucketUs } from "../metrics/collector.ts";
import type { RunMetrics } from "./result-types.ts";
import { chartedProducers, producerMetrics } from "./producer-charts.ts";
import { allPartitionTimelines, leadershipTimeline } from "./isr-timeline.ts";
import { messageLineages, messagesNamedByAnomalies } from "./lineage-svg.ts";
import { keyHistories, keysNamedByAnomalies } from "./key-spacetime.ts";

export function diagramMetrics(h: History, s: Scenario, anomalies: readonly AnomalyRecord[], endUs: number): Partial<RunMetrics> {
  const totalUs = s.duration + s.drain;
  const bucketUs = chooseBucketUs(totalUs);
  // result.json keeps the producers the charts draw (the highest peaks in flight), not every one of hundreds.
  const producers = chartedProducers(producerMetrics(h, bucketUs, Math.max(1, Math.ceil(totalUs / bucketUs))));
  const timelines = allPartitionTimelines(h, s, endUs);
  const leadership = leadershipTimeline(timelines);
  const lineages = messageLineages(h, messagesNamedByAnomalies(anomalies, h.messageCount), timelines.map((t) => t.timeline));
  const keys = keyHistories(h, keysNamedByAnomalies(anomalies, (m) => (m >= 0 && m < h.messageCount ? h.keyOf(m) : undefined)));
  return {
    ...(producers.length > 0 ? { producers } : {}),
    ...(leadership ? { leadership } : {}),
    ...(lineages.length > 0 ? { lineages } : {}),
    ...(keys.length > 0 ? { keyHistories: keys } : {}),
  };
}
