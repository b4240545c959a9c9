// A producer client: sends keyed messages to a topic at a rate profile (constant or Poisson arrivals, with
// step/burst changes), chooses partitions with Kafka's keyed partitioner, and records each send's life:
// attempt, then the ack once the leader's answer comes back over the network.
import type { Simulation } from "../kernel/sim.ts";
import type { Rng } from "../kernel/rng.ts";
import { Op, type History } from "../history/history.ts";
import type { Network } from "../net/network.ts";
import type { Cluster, Topic } from "./broker.ts";
import { KeyPartitionCache } from "./partitioner.ts";
import type { ProducerSpec } from "../scenario/schema.ts";
import type { MetricsCollector } from "../metrics/collector.ts";

export interface RateStep {
  atUs: number;
  ratePerS: number;
}

/** The rate profile as sorted steps starting at 0. */
export function rateSteps(spec: Pick<ProducerSpec, "rate" | "schedule">): RateStep[] {
  const steps: RateStep[] = [{ atUs: 0, ratePerS: spec.rate }];
  for (const s of [...spec.schedule].sort((a, b) => a.at - b.at)) {
    if (s.at === 0) steps[0] = { atUs: 0, ratePerS: s.rate };
    else steps.push({ atUs: s.at, ratePerS: s.rate });
  }
  return steps;
}

/** Draws keys from the scenario's key space. */
export class KeyChooser {
  private nextSequential = 0;
  private readonly zipf?: { sample(): number };
  constructor(
    private readonly spec: ProducerSpec["keys"],
    private readonly rng: Rng,
  ) {
    if (spec.distribution === "zipf") this.zipf = rng.zipf(spec.count, spec.zipfExponent);
  }
  nextIndex(): number {
    switch (this.spec.distribution) {
      case "sequential":
        return this.nextSequential++ % this.spec.count;
      case "zipf":
        return this.zipf!.sample();
      default:
        return this.rng.int(this.spec.count);
    }
  }
}

export class Producer {
  readonly actorId: number;
  private readonly steps: RateStep[];
  private readonly arrivalRng: Rng;
  private readonly keys: KeyChooser;
  private readonly partitions: KeyPartitionCache;
  private readonly keyIds: number[];
  private sent = 0;
  private readonly sendKind: number;

  constructor(
    private readonly sim: Simulation,
    rng: Rng,
    private readonly history: History,
    private readonly net: Network,
    private readonly cluster: Cluster,
    private readonly topic: Topic,
    private readonly spec: ProducerSpec,
    private readonly stopUs: number,
    private readonly metrics: MetricsCollector,
  ) {
    this.actorId = history.actor(spec.name, "producer");
    this.steps = rateSteps(spec);
    this.arrivalRng = rng.fork("arrivals");
    this.keys = new KeyChooser(spec.keys, rng.fork("keys"));
    this.partitions = new KeyPartitionCache(topic.partitionCount);
    this.keyIds = [];
    this.sendKind = sim.registerKind("producer.send");
  }

  start(): void {
    this.scheduleNext(0, true);
  }

  /** Next send time at or after `fromUs`, honouring the step in force; rate 0 waits for the next step. */
  private nextArrivalUs(fromUs: number, first: boolean): number | undefined {
    let t = fromUs;
    for (;;) {
      const i = this.stepIndexAt(t);
      const step = this.steps[i];
      const nextStepUs = i + 1 < this.steps.length ? this.steps[i + 1].atUs : Infinity;
      if (step.ratePerS > 0) {
        const meanGapUs = 1e6 / step.ratePerS;
        // Constant arrivals send the first message of a run or step at its start; Poisson ones draw every gap.
        const gap =
          this.spec.arrivals === "constant" ? (first ? 0 : meanGapUs) : this.arrivalRng.exponential(meanGapUs);
        const at = Math.round(t + gap);
        // Poisson arrivals are memoryless, so a gap that crosses a step boundary is redrawn from the boundary.
        if (at < nextStepUs) return at;
      }
      if (nextStepUs === Infinity) return undefined;
      t = nextStepUs;
      first = true;
    }
  }

  private stepIndexAt(t: number): number {
    let i = 0;
    while (i + 1 < this.steps.length && this.steps[i + 1].atUs <= t) i++;
    return i;
  }

  private scheduleNext(fromUs: number, first: boolean): void {
    if (this.spec.maxMessages !== undefined && this.sent >= this.spec.maxMessages) return;
    const at = this.nextArrivalUs(fromUs, first);
    if (at === undefined || at >= this.stopUs) return;
    this.sim.at(at, this.send, undefined, this.sendKind, this.actorId);
  }

  private keyId(index: number): number {
    let id = this.keyIds[index];
    if (id === undefined) {
      id = this.history.key(`${this.spec.keys.prefix}${index}`);
      this.keyIds[index] = id;
    }
    return id;
  }

  private readonly send = (): void => {
    const now = this.sim.nowUs;
    const keyIndex = this.keys.nextIndex();
    const keyId = this.keyId(keyIndex);
    const msg = this.history.newMessage(this.actorId, keyId, this.topic.actorId, now);
    const partition = this.partitions.partition(this.history.keyNames[keyId]);
    this.history.record(Op.ProduceAttempt, now, msg, this.actorId, partition);
    this.metrics.onProduced(now);
    this.sent++;
    const leader = this.cluster.leaderOf(this.topic, partition);
    this.net.send(
      this.spec.name,
      leader.name,
      () =>
        this.cluster.append({
          msg,
          topic: this.topic,
          partition,
          onAppended: (offset) => this.net.send(leader.name, this.spec.name, this.onAck, { msg, partition, offset }, msg),
        }),
      undefined,
      msg,
    );
    this.scheduleNext(now, false);
  };

  private readonly onAck = (a: { msg: number; partition: number; offset: number }): void => {
    this.history.record(Op.Ack, this.sim.nowUs, a.msg, this.actorId, a.partition, a.offset);
    this.metrics.onAcknowledged();
  };
}
