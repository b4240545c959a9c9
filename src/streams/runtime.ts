// Every stream processor of a run, built before the cluster starts (their changelog topics must exist by then)
// and summarised for the report at the end.
import type { World } from "../runner/world.ts";
import type { Cluster } from "../models/kafka/cluster.ts";
import type { History } from "../history/history.ts";
import { StreamsApplication } from "./application.ts";
import type { ProcessorSeries } from "./processor-stats.ts";
import { compareWindows, type WindowComparison } from "../checkers/window-results-match.ts";
import { processorTopology } from "./topology.ts";

/** Per processor in result.json: the time series, and the windows against the batch answer (a bounded sample). */
export interface ProcessorRunMetrics extends ProcessorSeries {
  windows: WindowComparison[];
  windowsCompared: number;
  windowsDiffering: number;
}

const WINDOW_SAMPLE = 400;

export class StreamsRuntime {
  readonly apps: StreamsApplication[];

  constructor(private readonly world: World, cluster: Cluster) {
    this.apps = (world.scenario.processors ?? []).map((p) => new StreamsApplication(world, cluster, p));
  }

  start(): void {
    for (const a of this.apps) a.start();
  }

  /** The report's figures; call once, after the run. */
  finish(history: History): ProcessorRunMetrics[] {
    return this.apps.map((a) => {
      const topology = processorTopology(a.spec);
      if (topology.operator.kind !== "aggregate") return { ...a.stats.finish(), windows: [], windowsCompared: 0, windowsDiffering: 0 };
      const { batch, emitted } = compareWindows(history, this.world.scenario, a.spec, topology, topology.operator);
      const all: WindowComparison[] = [];
      for (const [id, b] of batch) all.push({ key: b.key, window: b.window, expected: b.value, emitted: emitted.get(id)?.value ?? null });
      for (const [id, e] of emitted) if (!batch.has(id)) all.push({ key: e.key, window: e.window, expected: null, emitted: e.value });
      // Differing windows first, so the sample keeps what the chart must show.
      const differing = all.filter((w) => w.expected !== w.emitted);
      const windows = [...differing, ...all.filter((w) => w.expected === w.emitted)].slice(0, WINDOW_SAMPLE);
      windows.sort((x, y) => x.window.start - y.window.start || x.window.end - y.window.end || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
      return { ...a.stats.finish(), windows, windowsCompared: all.length, windowsDiffering: differing.length };
    });
  }

  destroy(): void {
    for (const a of this.apps) a.finish();
  }
}
