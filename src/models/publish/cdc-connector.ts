// A log-tailing CDC connector with Debezium's semantics and the Outbox Event Router (semantics.md §8).
// - Snapshot (snapshot.mode=initial): on its first start it notes the log position, emits the rows already
//   committed (op=r), then streams from that position, so nothing is missed. A crash before the snapshot was
//   recorded in the flushed offsets redoes the whole snapshot.
// - Streaming: every poll.interval.ms it reads the log entries past its position, in commit order, and
//   publishes each outbox insert: key = aggregate id, header `id` = event id (the message id here), topic =
//   outbox.event.<aggregatetype> unless routed explicitly.
// - Source offsets: Kafka Connect commits the position of the events Kafka acknowledged every
//   offset.flush.interval.ms (60 s). A connector crash loses the unflushed position: after the restart it
//   resumes from the last flushed one and re-emits everything after it (at-least-once: duplicates, never loss).
// - A publish that fails is sent again (Connect's producer retries; the model does not kill the task).
// It is a fault target of its own, `<service>-connector`: crash, restart, pause.
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import type { FaultTarget } from "../../faults/targets.ts";
import type { PublishingServiceSpec } from "../../scenario/schema.ts";
import type { Cluster } from "../kafka/cluster.ts";
import type { Producer } from "../kafka/producer.ts";
import { eventProducer } from "./event-producer.ts";
import { RelayReadKind } from "./polling-relay.ts";
import type { PublishingService } from "./service.ts";

type CdcSpec = PublishingServiceSpec["publish"];

/** Log entries read per poll (Debezium max.batch.size). */
const MAX_BATCH = 2048;

export class CdcConnector implements FaultTarget {
  readonly name: string;
  readonly kind = "producer" as const;
  readonly actorId: number;
  private readonly producer: Producer;
  /** Streamed up to this LSN (in memory). */
  private position = 0;
  /** Committed source offset: the LSN everything up to which was acknowledged, as of the last flush. */
  private flushedLsn = 0;
  private snapshotFlushed = false;
  private snapshotDone = false;
  /** The log position the snapshot was taken at: it counts as recorded once the flushed offset reaches it. */
  private snapshotLsn = 0;
  /** Events sent and not yet acknowledged, by message id → LSN; acked LSNs above the contiguous mark. */
  private readonly inflight = new Map<number, number>();
  private readonly ackedAbove = new Set<number>();
  private ackedUpTo = 0;
  private alive = true;
  private pausedUntilUs = 0;
  private pollTimer = 0;
  private flushTimer = 0;
  private readonly kinds: { poll: number; flush: number };

  constructor(
    private readonly world: World,
    cluster: Cluster,
    private readonly service: PublishingService,
    private readonly spec: CdcSpec,
  ) {
    this.name = `${service.name}-connector`;
    this.actorId = world.history.actor(this.name, "producer");
    this.producer = eventProducer(world, cluster, service.spec, `${this.name}-producer`);
    this.producer.onRecordDone = (msg, acked) => this.recordDone(msg, acked);
    this.kinds = { poll: world.sim.registerKind("cdc.poll"), flush: world.sim.registerKind("cdc.offset-flush") };
    world.targets.register(this);
  }

  start(): void {
    this.producer.start();
    this.begin();
  }

  /** (Re)start: resume from the flushed offsets; snapshot first if none was recorded. */
  private begin(): void {
    const now = this.world.sim.nowUs;
    const wal = this.service.db.wal;
    this.position = this.flushedLsn;
    this.ackedUpTo = this.flushedLsn;
    this.ackedAbove.clear();
    this.inflight.clear();
    this.world.history.record(Op.RelayResume, now, -1, this.actorId, this.snapshotFlushed ? RelayReadKind.Stream : RelayReadKind.Snapshot, this.flushedLsn);
    if (!this.snapshotFlushed && this.spec.snapshot === "initial") {
      // Read the current log position, then every committed row as of it (op=r).
      const at = wal.length;
      for (let lsn = 1; lsn <= at; lsn++) this.emit(wal[lsn - 1].msg, lsn, RelayReadKind.Snapshot);
      this.position = at;
      this.snapshotLsn = at;
    } else if (!this.snapshotFlushed) this.position = wal.length;
    this.snapshotDone = true;
    this.schedulePoll(0);
    this.scheduleFlush();
  }

  private emit(msg: number, lsn: number, kind: RelayReadKind): void {
    this.world.history.record(Op.RelayRead, this.world.sim.nowUs, msg, this.actorId, kind, lsn);
    this.inflight.set(msg, lsn);
    this.producer.publish(msg);
  }

  private schedulePoll(delayUs: number): void {
    const at = Math.max(this.world.sim.nowUs + delayUs, this.pausedUntilUs);
    if (at >= this.world.endUs) return;
    this.pollTimer = this.world.sim.at(at, this.poll, undefined, this.kinds.poll, this.actorId);
  }

  private readonly poll = (): void => {
    if (!this.alive) return;
    if (this.world.sim.nowUs < this.pausedUntilUs) return this.schedulePoll(0);
    const wal = this.service.db.wal;
    let n = 0;
    while (this.position < wal.length && n < MAX_BATCH) {
      this.position++;
      this.emit(wal[this.position - 1].msg, this.position, RelayReadKind.Stream);
      n++;
    }
    this.schedulePoll(this.position < wal.length ? 0 : this.spec.pollInterval);
  };

  private recordDone(msg: number, acked: boolean): void {
    const lsn = this.inflight.get(msg);
    if (lsn === undefined || !this.alive) return;
    if (!acked) {
      this.producer.publish(msg);
      return;
    }
    this.inflight.delete(msg);
    this.ackedAbove.add(lsn);
    while (this.ackedAbove.has(this.ackedUpTo + 1)) this.ackedAbove.delete(++this.ackedUpTo);
  }

  private scheduleFlush(): void {
    const at = this.world.sim.nowUs + this.spec.offsetFlushInterval;
    if (at >= this.world.endUs) return;
    this.flushTimer = this.world.sim.at(at, this.flush, undefined, this.kinds.flush, this.actorId);
  }

  /** Kafka Connect's offset commit: the acknowledged position (and the finished snapshot) become durable. */
  private readonly flush = (): void => {
    if (!this.alive) return;
    if (this.world.sim.nowUs < this.pausedUntilUs) {
      this.flushTimer = this.world.sim.at(this.pausedUntilUs, this.flush, undefined, this.kinds.flush, this.actorId);
      return;
    }
    this.flushedLsn = this.ackedUpTo;
    if (this.snapshotDone && this.ackedUpTo >= this.snapshotLsn) this.snapshotFlushed = true;
    this.world.history.record(Op.ConnectorOffsetFlush, this.world.sim.nowUs, -1, this.actorId, -1, this.flushedLsn);
    this.scheduleFlush();
  };

  // ---- fault target ----

  crash(opts: { loseUnflushed: boolean }): void {
    if (!this.alive) return;
    this.alive = false;
    this.world.sim.cancel(this.pollTimer);
    this.world.sim.cancel(this.flushTimer);
    this.snapshotDone = false;
    this.producer.crash(opts);
  }

  restart(): void {
    if (this.alive) return;
    this.alive = true;
    this.producer.restart();
    this.begin();
  }

  pause(durationUs: number): void {
    this.pausedUntilUs = this.world.sim.nowUs + durationUs;
    this.producer.pause(durationUs);
  }
}
