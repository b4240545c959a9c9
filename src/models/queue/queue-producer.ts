// A client sending to a queue (SQS SendMessage, AMQP basic.publish with publisher confirms, Pulsar send), with
// the same rate profile and key space as a stream producer so one workload can run on both side by side. A
// send whose answer the client never saw can be re-sent: the queue sees a new message carrying the same
// deduplication id (SQS FIFO drops it within 5 minutes; a standard queue or RabbitMQ enqueues it twice).
// The answer leaves the queue when the queue says it may (RabbitMQ: after the fsync batch or the quorum
// commit); its latency from the send is the confirm latency in the metrics.
import type { Simulation } from "../../kernel/sim.ts";
import type { Rng } from "../../kernel/rng.ts";
import { Op, type History } from "../../history/history.ts";
import type { Network, Route } from "../../net/network.ts";
import type { QueueMetrics } from "../../metrics/queue-metrics.ts";
import { KeyChooser, rateSteps, type RateStep } from "../kafka/producer.ts";
import type { QueueService } from "./queue-types.ts";
import type { QueueProducerSpec } from "../../scenario/schema-queues.ts";

export class QueueProducer {
  readonly actorId: number;
  private readonly steps: RateStep[];
  private readonly arrivalRng: Rng;
  private readonly resendRng: Rng;
  private readonly keys: KeyChooser;
  private readonly keyIds: number[] = [];
  private sent = 0;
  private readonly sendKind: number;
  private readonly confirmKind: number;
  private readonly toQueue: Route;
  private readonly fromQueue: Route;
  /** Handed to every enqueue (queues read it, never keep it): one object per producer, not per message. */
  private readonly enqueueOpts: { ttlUs?: number | undefined; dedupId?: string | undefined };

  constructor(
    private readonly sim: Simulation,
    rng: Rng,
    private readonly history: History,
    private readonly net: Network,
    private readonly queue: QueueService,
    private readonly metrics: QueueMetrics,
    private readonly spec: QueueProducerSpec,
    private readonly stopUs: number,
  ) {
    this.actorId = history.actor(spec.name, "producer");
    this.steps = rateSteps(spec);
    this.arrivalRng = rng.fork("arrivals");
    this.resendRng = rng.fork("resends");
    this.keys = new KeyChooser(spec.keys, rng.fork("keys"));
    this.sendKind = sim.registerKind("queue-producer.send");
    this.confirmKind = sim.registerKind("queue.confirm");
    this.toQueue = net.route(spec.name, queue.name);
    this.fromQueue = net.route(queue.name, spec.name);
    this.enqueueOpts = { ttlUs: spec.messageTtl, dedupId: undefined };
  }

  start(): void {
    this.scheduleNext(0, true);
  }

  /** Next send time at or after `fromUs` under the step in force; rate 0 waits for the next step. */
  private nextArrivalUs(fromUs: number, first: boolean): number | undefined {
    let t = fromUs;
    for (;;) {
      let i = 0;
      while (i + 1 < this.steps.length && this.steps[i + 1].atUs <= t) i++;
      const step = this.steps[i];
      const nextStepUs = i + 1 < this.steps.length ? this.steps[i + 1].atUs : Infinity;
      if (step.ratePerS > 0) {
        const meanGapUs = 1e6 / step.ratePerS;
        const gap = this.spec.arrivals === "constant" ? (first ? 0 : meanGapUs) : this.arrivalRng.exponential(meanGapUs);
        const at = Math.round(t + gap);
        // Poisson gaps are memoryless, so one that crosses a step boundary is redrawn from the boundary.
        if (at < nextStepUs) return at;
      }
      if (nextStepUs === Infinity) return undefined;
      t = nextStepUs;
      first = true;
    }
  }

  private scheduleNext(fromUs: number, first: boolean): void {
    if (this.spec.maxMessages !== undefined && this.sent >= this.spec.maxMessages) return;
    const at = this.nextArrivalUs(fromUs, first);
    if (at === undefined || at >= this.stopUs) return;
    this.sim.at(at, this.onArrival, undefined, this.sendKind, this.actorId);
  }

  private keyId(index: number): number {
    let id = this.keyIds[index];
    if (id === undefined) {
      id = this.history.key(`${this.spec.keys.prefix}${index}`);
      this.keyIds[index] = id;
    }
    return id;
  }

  private readonly onArrival = (): void => {
    const now = this.sim.nowUs;
    const key = this.keyId(this.keys.nextIndex());
    const msg = this.history.newMessage(this.actorId, key, this.queue.actorId, now);
    this.sent++;
    this.recordSend(msg, -1);
    // The message's key and send time travel in the history's message table: the packet carries only its id.
    this.net.sendOn(this.toQueue, this.onSendArrived, msg, msg);
    if (this.spec.resendProbability > 0 && this.resendRng.bernoulli(this.spec.resendProbability)) {
      this.sim.after(this.spec.resendAfter, this.onResend, { key, dedupId: `${this.spec.name}:${msg}`, original: msg });
    }
    this.scheduleNext(now, false);
  };

  private readonly onResend = (r: { key: number; dedupId: string; original: number }): void => {
    const msg = this.history.newMessage(this.actorId, r.key, this.queue.actorId, this.sim.nowUs);
    this.recordSend(msg, r.original);
    this.net.sendOn(this.toQueue, () => this.arrived(msg, r.dedupId), undefined, msg);
  };

  /** `original` ≥ 0 marks a re-send of that message (recorded in the send row's offset). */
  private recordSend(msg: number, original: number): void {
    this.history.record(Op.QueueSend, this.sim.nowUs, msg, this.actorId, -1, original, this.queue.actorId);
    this.metrics.sent++;
  }

  private readonly onSendArrived = (msg: number): void => {
    // Only a deduplicating queue reads the id: no string is built per message for the others.
    this.arrived(msg, this.queue.deduplicates ? `${this.spec.name}:${msg}` : undefined);
  };

  /** SendMessage / basic.publish reached the queue. */
  private arrived(msg: number, dedupId: string | undefined): void {
    const opts = this.enqueueOpts;
    opts.dedupId = dedupId;
    const stored = this.queue.enqueue(msg, this.history.msgKey[msg], this.sentUs(msg), opts);
    // SendMessage's answer / the publisher confirm: a deduplicated send is answered with success too.
    const at = stored && this.queue.confirmAtUs ? this.queue.confirmAtUs(this.spec.persistent) : this.sim.nowUs;
    if (at > this.sim.nowUs) this.sim.at(at, this.sendConfirm, msg, this.confirmKind, this.queue.actorId);
    else this.sendConfirm(msg);
  }

  /** A message is sent in the same tick it is created. */
  private sentUs(msg: number): number {
    return this.history.msgCreatedUs[msg];
  }

  private readonly sendConfirm = (msg: number): void => {
    this.net.sendOn(this.fromQueue, this.onConfirm, msg, msg);
  };

  private readonly onConfirm = (msg: number): void => {
    const now = this.sim.nowUs;
    this.history.record(Op.QueueSendAck, now, msg, this.actorId, -1, -1, this.queue.actorId);
    this.metrics.onConfirmed(now - this.sentUs(msg));
  };
}
