// A tiny world for queue model tests: a kernel, a history, metrics, and consumers that record what the queue
// hands them, so a test can drive receive / settle by hand and read the result as a sentence.
import { Simulation } from "../../../src/kernel/sim.ts";
import { History, Op } from "../../../src/history/history.ts";
import { QueueMetrics } from "../../../src/metrics/queue-metrics.ts";
import type { Delivery, QueueConsumerPort } from "../../../src/models/queue/queue-types.ts";

export function ctx(name = "q") {
  const sim = new Simulation();
  const history = new History();
  const metrics = new QueueMetrics(name, "test", 3_600_000_000);
  return { sim, history, metrics };
}

export class FakeConsumer implements QueueConsumerPort {
  index = -1;
  readonly got: Delivery[] = [];
  readonly actorId: number;
  constructor(
    history: History,
    readonly name: string,
    readonly prefetch = 0,
  ) {
    this.actorId = history.actor(name, "consumer");
  }
  deliver(batch: Delivery[]): void {
    this.got.push(...batch);
  }
}

/** Creates a message row as a producer would and returns its id. */
export function message(h: History, key = "k", atUs = 0): { msg: number; key: number } {
  const p = h.actor("producer", "producer");
  const k = h.key(key);
  const msg = h.newMessage(p, k, h.actor("q", "queue"), atUs);
  return { msg, key: k };
}

export function ops(h: History, kind: Op): number[] {
  const rows: number[] = [];
  for (let i = 0; i < h.opCount; i++) if (h.opKind[i] === kind) rows.push(i);
  return rows;
}
