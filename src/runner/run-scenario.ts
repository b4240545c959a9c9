// Builds the world for one scenario and seed, runs it in virtual time, then hands the history to the
// checkers. Nothing here reads the wall clock or the file system: the CLI does that.
import { Simulation } from "../kernel/sim.ts";
import { flowMetrics } from "../report/flow-graph.ts";
import { diagramMetrics } from "../report/diagram-metrics.ts";
import { Rng } from "../kernel/rng.ts";
import { History } from "../history/history.ts";
import { Network } from "../net/network.ts";
import { Cluster } from "../models/kafka/broker.ts";
import { Producer } from "../models/kafka/producer.ts";
import { ConsumerGroup } from "../models/groups/consumer-group.ts";
import { MetricsCollector } from "../metrics/collector.ts";
import { applicableInvariants, CHECKERS } from "../checkers/index.ts";
import { evaluateExpectations } from "../checkers/expectations.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { QueueRunMetrics, RunResult } from "../report/result-types.ts";
import { BROKERSIM_VERSION } from "../version.ts";
import { FaultTargets } from "../faults/targets.ts";
import { FaultSchedule } from "../faults/schedule.ts";
import type { World } from "./world.ts";
import { QueueSystem } from "../models/queue/queue-system.ts";
import { queueLedger } from "../checkers/queue-accounting.ts";
import { evaluateQueueExpectations } from "../checkers/queue-expectations.ts";
import { markPartial, runWithBudget } from "./run-budget.ts";
import { finishVerdicts, type AnomalyRecord } from "../checkers/anomaly-ledger.ts";
import { buildPublishingServices } from "../models/publish/publishing.ts";
import { attachSchemaRuntime } from "../schema/schema-runtime.ts";
import { AppSystem, usesApp } from "../models/app/app-system.ts";
import { memberPausesMetric } from "../models/app/member-pauses.ts";
import { StreamsRuntime } from "../streams/runtime.ts";
import { analyseLatency, explainPooledOutcome } from "../latency/breakdown.ts";
import { keepYoungGenerationSmall } from "./heap-policy.ts";
import { LEAN_LATENCY, leanSkips } from "./lean-run.ts";

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
  /** Called every slice of events (progress, memory); a returned reason stops the run, which is then partial. */
  onSlice?: (p: { events: number; nowUs: number; endUs: number }) => string | undefined;
  /** Leave out what only the report reads (see lean-run.ts): a sweep keeps a row per seed, not the report. */
  lean?: boolean;
}

export interface RunOutput {
  result: RunResult;
  history: History;
  /** Every anomaly of every verdict (result.json holds a sample): anomalies.jsonl. */
  anomalies: AnomalyRecord[];
}

export function replayCommand(file: string, seed: number): string {
  const quoted = /^[\w./@:+-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  return `brokersim run ${quoted} --seed ${seed}`;
}

export function runScenario(scenario: Scenario, opts: RunOptions): RunOutput {
  keepYoungGenerationSmall();
  const sim = new Simulation();
  const rng = new Rng(opts.seed);
  const history = new History();
  const totalUs = scenario.duration + scenario.drain;
  const metrics = new MetricsCollector(
    totalUs,
    scenario.consumerGroups.map((g) => g.name),
  );
  let queues: QueueSystem | undefined;
  let streams: StreamsRuntime | undefined;
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
    attachSchemaRuntime(world);
    world.app = usesApp(scenario) ? new AppSystem(world) : undefined;
    const cluster = new Cluster(world);
    const producers = scenario.producers.map((p) => new Producer(world, cluster, cluster.topics.get(p.topic)!, p));
    const groups = scenario.consumerGroups.map((g, i) => new ConsumerGroup(world, cluster, g, i));
    const services = buildPublishingServices(world, cluster);
    // Queues, their producers and consumers (registered as fault targets before the schedule is installed).
    queues = scenario.queues.length > 0 ? new QueueSystem(world) : undefined;
    if (world.app) world.app.queueSystem = queues;
    streams = new StreamsRuntime(world, cluster);
    cluster.start();
    new FaultSchedule(world, cluster).install(scenario.faults);
    for (const p of producers) p.start();
    for (const g of groups) g.start();
    for (const s of services) s.start();
    queues?.start();
    streams.start();
    opts.observe?.(sim);
    const partial = runWithBudget(sim, Math.min(totalUs, opts.untilUs ?? totalUs), opts.maxEvents, opts.onSlice);
    cluster.recordFinalLogs();
    const queueEnd = queues?.finish(sim.nowUs);

    // Checkers return every anomaly; result.json keeps a sample and exact counts, the full list goes to anomalies.
    const finished = finishVerdicts(
      applicableInvariants(scenario).map((inv) => CHECKERS[inv](history, scenario)),
      scenario,
    );
    const verdicts = markPartial(finished.verdicts, partial);
    const { anomalies, causes } = finished;
    const latency = metrics.latencySummary();
    const expectations = [
      ...evaluateExpectations(scenario, verdicts, latency),
      ...evaluateQueueExpectations(scenario, queueEnd?.stats ?? []),
    ];
    const { series, maxLag, finalLag } = metrics.finish();
    // Per group / queue latency phases and bounds, and why a latency bound failed (src/latency/).
    const latencyAnalysis = leanSkips(opts, scenario).latency ? LEAN_LATENCY : analyseLatency(history, scenario, { bucketUs: series.bucketUs, bucketCount: series.t.length, faults: world.faultWindows, pooledSummary: latency, maxLag, finalLag });
    expectations.push(...latencyAnalysis.expectations);
    explainPooledOutcome(expectations, latencyAnalysis.pooled);
    const groupMetrics = opts.lean ? [] : groups.map((g) => g.finish(world.faultWindows));
    const processorMetrics = streams.finish(history);
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
      passed: expectations.every((e) => e.met) && !partial,
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
        ...(groupMetrics.length > 0 ? { groups: groupMetrics } : {}),
        ...(world.app ? { app: world.app.finish() } : {}),
        ...(queueEnd ? { queues: queueRunMetrics(queueEnd, queueLedger(history)) } : {}),
        ...(processorMetrics.length > 0 ? { processors: processorMetrics } : {}),
        ...(latencyAnalysis.breakdown.subjects.length > 0 ? { latencyBreakdown: latencyAnalysis.breakdown } : {}),
        ...(opts.lean ? {} : flowMetrics(history, scenario, sim.nowUs)),
        ...(opts.lean ? {} : diagramMetrics(history, scenario, anomalies, sim.nowUs)),
        ...(opts.lean ? {} : memberPausesMetric(history, sim.nowUs, metrics.bucketUs)),
      },
      replay: replayCommand(opts.replayAs ?? opts.file, opts.seed),
      ...(partial ? { partial } : {}),
      ...(causes.length > 0 ? { causes } : {}),
    };
    return { result, history, anomalies };
  } finally {
    metrics.destroy();
    queues?.destroy();
    streams?.destroy();
  }
}

function queueRunMetrics(end: ReturnType<QueueSystem["finish"]>, ledger: ReturnType<typeof queueLedger>): QueueRunMetrics[] {
  return end.stats.map((st, i) => ({ ...st, ledger: ledger.find((l) => l.queue === st.queue) ?? null, series: end.series[i] }));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
