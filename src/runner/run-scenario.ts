// Builds the world for one scenario and seed, runs it in virtual time, then hands the history to the
// checkers. Nothing here reads the wall clock or the file system: the CLI does that.
import { Simulation } from "../kernel/sim.ts";
import { Rng } from "../kernel/rng.ts";
import { History } from "../history/history.ts";
import { Network } from "../net/network.ts";
import { Cluster } from "../models/broker.ts";
import { Producer } from "../models/producer.ts";
import { ConsumerGroup } from "../models/consumer-group.ts";
import { MetricsCollector } from "../metrics/collector.ts";
import { CHECKERS } from "../checkers/index.ts";
import { evaluateExpectations } from "../checkers/expectations.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { RunResult } from "../report/result-types.ts";
import { BROKERSIM_VERSION } from "../version.ts";
import { FaultTargets } from "../faults/targets.ts";
import type { World } from "./world.ts";

export interface RunOptions {
  seed: number;
  /** The scenario file as the user named it; used in the replay command. */
  file: string;
  /** What to type to replay it, when not `file` (a bundled scenario run from elsewhere is replayed by name). */
  replayAs?: string;
  /** Stops after this many events (a guard for exploration); the run is then reported as cut short. */
  maxEvents?: number;
  /** Called with the simulation before it runs: replay and determinism checks attach `onDispatch` here. */
  observe?: (sim: Simulation) => void;
  /** Stops at this simulated time instead of duration + drain (replay --until); the checks see a partial history. */
  untilUs?: number;
}

export interface RunOutput {
  result: RunResult;
  history: History;
}

export function replayCommand(file: string, seed: number): string {
  const quoted = /^[\w./@:+-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  return `brokersim run ${quoted} --seed ${seed}`;
}

export function runScenario(scenario: Scenario, opts: RunOptions): RunOutput {
  const sim = new Simulation();
  const rng = new Rng(opts.seed);
  const history = new History();
  const totalUs = scenario.duration + scenario.drain;
  const metrics = new MetricsCollector(
    totalUs,
    scenario.consumerGroups.map((g) => g.name),
  );
  try {
    const net = new Network(sim, rng.fork("net"), scenario.network.latency);
    const world: World = {
      scenario,
      sim,
      rng,
      history,
      net,
      metrics,
      targets: new FaultTargets(),
      faultWindows: [],
      stopUs: scenario.duration,
      endUs: totalUs,
    };
    const cluster = new Cluster(sim, rng.fork("cluster"), history, scenario.cluster.brokers, scenario.cluster.appendTime);
    for (const t of scenario.topics) cluster.addTopic(t.name, t.partitions);
    const producers = scenario.producers.map(
      (p) =>
        new Producer(sim, rng.fork(`producer/${p.name}`), history, net, cluster, cluster.topics.get(p.topic)!, p, scenario.duration, metrics),
    );
    const groups = scenario.consumerGroups.map(
      (g, i) => new ConsumerGroup(sim, rng.fork(`group/${g.name}`), history, net, cluster, cluster.topics.get(g.topic)!, g, metrics, i),
    );
    for (const p of producers) p.start();
    for (const g of groups) g.start();
    opts.observe?.(sim);
    sim.run({ untilUs: Math.min(totalUs, opts.untilUs ?? totalUs), maxEvents: opts.maxEvents });

    const verdicts = Object.values(CHECKERS).map((check) => check(history, scenario));
    const latency = metrics.latencySummary();
    const expectations = evaluateExpectations(scenario, verdicts, latency);
    const { series, maxLag, finalLag } = metrics.finish();
    const seconds = scenario.duration / 1e6;
    const result: RunResult = {
      brokersim: BROKERSIM_VERSION,
      scenario: { name: scenario.name, description: scenario.description, file: opts.file, resolved: scenario },
      seed: opts.seed,
      fingerprint: sim.fingerprint(),
      events: sim.processed,
      simulatedUs: sim.nowUs,
      verdicts,
      expectations,
      passed: expectations.every((e) => e.met),
      metrics: {
        endToEndLatencyUs: latency,
        produced: metrics.producedCount,
        acknowledged: metrics.acknowledgedCount,
        consumed: metrics.consumedCount,
        producedPerS: round3(metrics.producedCount / seconds),
        consumedPerS: round3(metrics.processedPerS()),
        maxLag,
        finalLag,
        series,
        faults: world.faultWindows,
      },
      replay: replayCommand(opts.replayAs ?? opts.file, opts.seed),
    };
    return { result, history };
  } finally {
    metrics.destroy();
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
