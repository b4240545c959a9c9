// A service that owns a database and must publish an event for every committed change (semantics.md §8).
// Requests arrive at a rate over a space of aggregate ids; each runs one database transaction that writes
// the business row (and, with an outbox, the outbox row) and creates the change's event (key = aggregate id,
// the message id doubling as the event id). How the event reaches Kafka is the `publish:` strategy:
// - dual-write, commit-then-publish: the event is sent after the commit; a crash while it sits in the
//   producer's buffer (or in flight) loses it although the change committed;
// - dual-write, publish-then-commit: the event is sent and acknowledged first, then COMMIT; a crash in
//   between publishes a change that rolled back (a phantom event);
// - transactional-producer: commit-then-publish with a Kafka transactional producer; a crash aborts the open
//   Kafka transaction (the restarted instance's InitProducerId, or the transaction timeout), so events whose
//   changes committed are never visible — a Kafka transaction cannot include the database commit;
// - outbox-polling / outbox-cdc: nothing is sent in the request; a relay (polling-relay.ts) or a connector
//   (cdc-connector.ts) publishes committed outbox rows.
// The service is a fault target: a crash rolls back its open transactions and loses its producer's buffer;
// committed rows survive. A polling relay runs inside the service and shares its fate; a CDC connector is a
// separate process with its own name (`<service>-connector`).
import type { Rng } from "../../kernel/rng.ts";
import type { World } from "../../runner/world.ts";
import type { FaultTarget } from "../../faults/targets.ts";
import type { PublishingServiceSpec } from "../../scenario/schema.ts";
import { eventTopicOf } from "../../scenario/schema-publish.ts";
import type { Cluster } from "../kafka/cluster.ts";
import type { Producer } from "../kafka/producer.ts";
import { KeyChooser } from "../kafka/producer.ts";
import { ServiceDatabase } from "./database.ts";
import { eventProducer } from "./event-producer.ts";
import { PollingRelay } from "./polling-relay.ts";
import { CdcConnector } from "./cdc-connector.ts";

export class PublishingService implements FaultTarget {
  readonly name: string;
  readonly kind = "producer" as const;
  readonly actorId: number;
  readonly db: ServiceDatabase;
  readonly producer: Producer;
  readonly relay: PollingRelay | undefined;
  readonly connector: CdcConnector | undefined;
  private readonly arrivals: Rng;
  private readonly aggregates: KeyChooser;
  private readonly keyIds: number[] = [];
  private readonly topicActor: number;
  private alive = true;
  private arrivalTimer = 0;
  /** publish-then-commit: the commit decision waiting on each event's acknowledgement. */
  private readonly awaitingAck = new Map<number, (commit: boolean) => void>();
  private readonly kind_: number;

  constructor(
    private readonly world: World,
    cluster: Cluster,
    readonly spec: PublishingServiceSpec,
  ) {
    const rng = world.rng.fork(`publish/${spec.name}`);
    this.name = spec.name;
    this.actorId = world.history.actor(spec.name, "producer");
    this.topicActor = cluster.topics.get(eventTopicOf(spec))!.actorId;
    this.arrivals = rng.fork("arrivals");
    this.aggregates = new KeyChooser({ ...spec.aggregates, none: false }, rng.fork("aggregates"));
    this.db = new ServiceDatabase(world, spec, this.actorId, rng.fork("database"));
    this.producer = eventProducer(world, cluster, spec, `${spec.name}-producer`);
    this.producer.onRecordDone = (msg, acked) => this.recordDone(msg, acked);
    const p = spec.publish;
    this.relay = p.strategy === "outbox-polling" ? new PollingRelay(world, this, p) : undefined;
    this.connector = p.strategy === "outbox-cdc" ? new CdcConnector(world, cluster, this, p) : undefined;
    this.kind_ = world.sim.registerKind("service.request");
    world.targets.register(this);
  }

  start(): void {
    this.producer.start();
    this.relay?.start();
    this.connector?.start();
    this.scheduleNext(this.world.sim.nowUs, true);
  }

  private scheduleNext(fromUs: number, first: boolean): void {
    const rate = this.spec.rate;
    if (rate <= 0) return;
    const mean = 1e6 / rate;
    const gap = this.spec.arrivals === "constant" ? (first ? 0 : mean) : this.arrivals.exponential(mean);
    const at = Math.round(fromUs + gap);
    if (at >= this.world.stopUs) return;
    this.arrivalTimer = this.world.sim.at(at, this.request, undefined, this.kind_, this.actorId);
  }

  private aggregateKey(index: number): number {
    let id = this.keyIds[index];
    if (id === undefined) this.keyIds[index] = id = this.world.history.key(`${this.spec.aggregates.prefix}${index}`);
    return id;
  }

  private readonly request = (): void => {
    const now = this.world.sim.nowUs;
    const key = this.aggregateKey(this.aggregates.nextIndex());
    const msg = this.world.history.newMessage(this.actorId, key, this.topicActor, now);
    const p = this.spec.publish;
    if (p.strategy === "dual-write" && p.order === "publish-then-commit") {
      this.db.transaction({
        msg,
        beforeCommit: (proceed) => {
          this.awaitingAck.set(msg, proceed);
          this.producer.publish(msg);
        },
      });
    } else if (p.strategy === "dual-write" || p.strategy === "transactional-producer") {
      this.db.transaction({ msg, onCommitted: (row) => this.producer.publish(row.msg) });
    } else this.db.transaction({ msg });
    this.scheduleNext(now, false);
  };

  private recordDone(msg: number, acked: boolean): void {
    const proceed = this.awaitingAck.get(msg);
    if (proceed) {
      this.awaitingAck.delete(msg);
      // The publish failed: the request fails and its transaction rolls back.
      proceed(acked);
      return;
    }
    this.relay?.recordDone(msg, acked);
  }

  // ---- fault target ----

  crash(opts: { loseUnflushed: boolean }): void {
    if (!this.alive) return;
    this.alive = false;
    this.world.sim.cancel(this.arrivalTimer);
    this.awaitingAck.clear();
    this.db.crash();
    this.relay?.crash();
    this.producer.crash(opts);
  }

  restart(): void {
    if (this.alive) return;
    this.alive = true;
    this.db.restart();
    this.producer.restart();
    this.relay?.restart();
    this.scheduleNext(this.world.sim.nowUs, true);
  }

  pause(durationUs: number): void {
    this.producer.pause(durationUs);
    this.relay?.pause(durationUs);
  }
}
