// The `produce` step: a handler writes one record to another topic (the next stage of a pipeline) through a
// normal Kafka producer, one per consumer member and step, with the settings a `producers:` entry takes. The
// record keeps the input's key. With acks 1 or all the handler waits for the acknowledgement (a send that fails
// after delivery.timeout fails the record, which error handling then retries or dead-letters); with acks 0 it
// goes on as soon as the record is handed to the producer. A retried handler sends again: the second stage sees
// a new record each time (duplicates downstream, as a real pipeline without transactions has).
import { Producer } from "../kafka/producer.ts";
import type { Cluster } from "../kafka/broker.ts";
import { zProducer } from "../../scenario/schema.ts";
import type { World } from "../../runner/world.ts";
import type { AppRecord } from "./handler-types.ts";

export class ProduceStep {
  private readonly producer: Producer;
  private readonly waiting = new Map<number, (acked: boolean) => void>();
  private readonly waitsForAck: boolean;
  private started = false;

  constructor(
    private readonly world: World,
    cluster: Cluster,
    memberName: string,
    step: number,
    topic: string,
    settings: Record<string, unknown>,
  ) {
    const spec = zProducer.parse({ ...settings, name: `${memberName}-producer-${step}`, topic, rate: "0/s" });
    this.waitsForAck = spec.acks !== 0;
    this.producer = new Producer(world, cluster, cluster.topics.get(topic)!, spec);
    this.producer.onRecordDone = (msg, acked) => {
      const fn = this.waiting.get(msg);
      this.waiting.delete(msg);
      fn?.(acked);
    };
  }

  /** Sends the record's output; `done` runs when the handler may go on (ok: false when the send failed). */
  send(rec: AppRecord, done: (ok: boolean) => void): void {
    const h = this.world.history;
    if (!this.started) {
      // Started at its first send: the member's producer is built with the world, before the cluster runs.
      this.started = true;
      this.producer.start();
    }
    const out = this.producer.sendRecord(h.keyOf(rec.msg), Math.floor(this.world.sim.nowUs / 1000));
    if (!this.waitsForAck) return done(true);
    this.waiting.set(out, done);
  }
}
