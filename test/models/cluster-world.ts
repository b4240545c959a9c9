// Builds a World around a scenario text for cluster, producer and fault tests: everything the runner builds,
// without running the checkers, so a test can drive the simulation step by step and look inside.
import { Simulation } from "../../src/kernel/sim.ts";
import { Rng } from "../../src/kernel/rng.ts";
import { History } from "../../src/history/history.ts";
import { Network } from "../../src/net/network.ts";
import { MetricsCollector } from "../../src/metrics/collector.ts";
import { FaultTargets } from "../../src/faults/targets.ts";
import { FaultSchedule } from "../../src/faults/schedule.ts";
import { Cluster } from "../../src/models/kafka/cluster.ts";
import { Producer } from "../../src/models/kafka/producer.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import type { World } from "../../src/runner/world.ts";

export const HEADER = `description: A test scenario.
network: { latency: 1ms }
`;

export function buildWorld(yaml: string, seed = 1) {
  const scenario = loadScenarioText(`name: t\n${HEADER}${yaml}`, "test.yaml");
  const sim = new Simulation();
  const rng = new Rng(seed);
  const history = new History();
  const endUs = scenario.duration + scenario.drain;
  const metrics = new MetricsCollector(endUs, []);
  const world: World = {
    scenario,
    sim,
    rng,
    history,
    net: new Network(sim, rng.fork("net"), scenario.network.latency),
    metrics,
    targets: new FaultTargets(),
    faultWindows: [],
    stopUs: scenario.duration,
    endUs,
  };
  const cluster = new Cluster(world);
  const producers = scenario.producers.map((p) => new Producer(world, cluster, cluster.topics.get(p.topic)!, p));
  cluster.start();
  new FaultSchedule(world).install(scenario.faults);
  for (const p of producers) p.start();
  return { world, cluster, producers, sim, history, scenario, run: (untilUs: number) => sim.run({ untilUs }) };
}

/** Rows of one op kind, as plain objects, for readable assertions. */
export function rows(h: History, kind: number) {
  const out: { t: number; msg: number; actor: string; partition: number; offset: number; aux: number }[] = [];
  for (let i = 0; i < h.opCount; i++) {
    if (h.opKind[i] !== kind) continue;
    out.push({ t: h.opTimeUs[i], msg: h.opMsg[i], actor: h.actorNames[h.opActor[i]], partition: h.opPartition[i], offset: h.opOffset[i], aux: h.opAux[i] });
  }
  return out;
}
