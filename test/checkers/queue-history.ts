// Hand-written queue histories for checker tests: each method appends the rows a queue model would write.
import { History, Op } from "../../src/history/history.ts";
import { HandlerOutcome } from "../../src/models/queue/queue-types.ts";
import type { Scenario } from "../../src/scenario/schema.ts";

export class QueueHistory {
  readonly h = new History();
  private handle = 0;
  private readonly deliveries = new Map<number, number>();

  q(name: string): number {
    return this.h.actor(name, "queue");
  }
  c(name: string): number {
    return this.h.actor(name, "consumer");
  }
  /** Sent and stored; `resendOf` marks a producer re-send. */
  send(queue: string, key: string, at: number, resendOf = -1): number {
    const p = this.h.actor("producer", "producer");
    const q = this.q(queue);
    const m = this.h.newMessage(p, this.h.key(key), q, at);
    this.h.record(Op.QueueSend, at, m, p, -1, resendOf, q);
    this.h.record(Op.QueueEnqueue, at, m, q, -1, m);
    return m;
  }
  /** Delivered to `consumer` at `at`; returns the receipt handle. */
  deliver(queue: string, m: number, consumer: string, at: number): number {
    const n = (this.deliveries.get(m) ?? 0) + 1;
    this.deliveries.set(m, n);
    const handle = ++this.handle;
    this.h.record(Op.QueueDeliver, at, m, this.c(consumer), n, handle, this.q(queue));
    return handle;
  }
  handle_(queue: string, m: number, consumer: string, handle: number, start: number, end: number, outcome = HandlerOutcome.Success): this {
    this.h.record(Op.QueueProcessStart, start, m, this.c(consumer), -1, handle, this.q(queue));
    this.h.record(Op.QueueProcessEnd, end, m, this.c(consumer), outcome, handle, this.q(queue));
    return this;
  }
  /** Delivery + successful handling + ack, in one go. */
  consume(queue: string, m: number, consumer: string, at: number, took = 10): number {
    const handle = this.deliver(queue, m, consumer, at);
    this.handle_(queue, m, consumer, handle, at, at + took);
    this.ack(queue, m, consumer, handle, at + took + 1);
    return handle;
  }
  ack(queue: string, m: number, consumer: string, handle: number, at: number): this {
    this.h.record(Op.QueueAck, at, m, this.c(consumer), -1, handle, this.q(queue));
    return this;
  }
  returned(queue: string, m: number, reason: number, handle: number, at: number): this {
    this.h.record(Op.QueueReturn, at, m, this.q(queue), reason, handle);
    return this;
  }
  deadLetter(queue: string, dlq: string, m: number, reason: number, at: number): this {
    this.h.record(Op.QueueDeadLetter, at, m, this.q(queue), reason, this.deliveries.get(m) ?? 0, this.q(dlq));
    this.h.record(Op.QueueEnqueue, at, m, this.q(dlq), -1, m);
    this.deliveries.delete(m);
    return this;
  }
  residual(queue: string, m: number, inFlight: boolean, at: number): this {
    this.h.record(Op.QueueResidual, at, m, this.q(queue), inFlight ? 1 : 0, -1);
    return this;
  }
}

/** A scenario with just the queue settings the checkers read. */
export function queueScenario(queues: Partial<Scenario["queues"][number]>[]): Scenario {
  return { queues, queueProducers: [], queueConsumers: [] } as unknown as Scenario;
}
