// The `produce` step: a handler writes one record to another topic (the next stage of a pipeline) through a
// normal Kafka producer, one per consumer member and step, with the settings a `producers:` entry takes. The
// record keeps the input's key. With acks 1 or all the handler waits for the acknowledgement (a send that fails
// after delivery.timeout fails the record, which error handling then retries or dead-letters); with acks 0 it
// goes on as soon as the record is handed to the producer. A retried handler sends again: the second stage sees
// a new record each time (duplicates downstream, as a real pipeline without transactions has). Each output
// record carries the id of the input it was produced from (an AppProduced row), so checkers and the dead-letter
// triage can follow a record through the stage. The producer lives in the member's process: when the member
// crashes, the producer dies with it (its unsent batches are abandoned) and the restarted member's first send
// starts a new producer instance (a new producer id, an empty accumulator).
import { Producer } from "../kafka/producer.ts";
import { Op } from "../../history/history.ts";
import type { Cluster } from "../kafka/broker.ts";
import { zProducer } from "../../scenario/schema.ts";
import type { World } from "../../runner/world.ts";
import type { AppRecord } from "./handler-types.ts";

export class ProduceStep {
  private readonly producer: Producer;
  private readonly waiting = new Map<number, (acked: boolean) => void>();
  private readonly waitsForAck: boolean;
  private started = false;
  /** The member crashed since the last send: the producer is down until the restarted member sends again. */
  private down = false;

  constructor(
    private readonly world: World,
    cluster: Cluster,
    memberName: string,
    private readonly memberActor: number,
    private readonly step: number,
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
    if (this.down) {
      // A new instance in the restarted process: a new producer id (InitProducerId), nothing carried over.
      this.down = false;
      this.producer.restart();
    }
    const out = this.producer.sendRecord(h.keyOf(rec.msg), Math.floor(this.world.sim.nowUs / 1000));
    h.record(Op.AppProduced, this.world.sim.nowUs, out, this.memberActor, this.step, rec.msg, h.msgTopic[out]);
    this.world.app?.noteProduced(out, rec.msg);
    if (!this.waitsForAck) return done(true);
    this.waiting.set(out, done);
  }

  /** The member's process crashed: the producer goes with it, with whatever it had not sent yet. */
  crash(): void {
    this.waiting.clear();
    if (!this.started || this.down) return;
    this.down = true;
    this.producer.crash({ loseUnflushed: true });
  }
}
