// The polling publisher of a transactional outbox (semantics.md §8): every `interval` it selects committed,
// unpublished outbox rows past its cursor (LIMIT batchSize), publishes them, waits for every acknowledgement,
// then marks (or deletes) them and saves the cursor in one statement that takes `markLatency`.
// - cursor id: WHERE id > last id read. Ids are taken at insert, so a row whose transaction commits after the
//   relay already read a higher id is never selected: a skipped event, although its change committed.
// - cursor commit-order: WHERE lsn > last position read (commit order), which cannot skip.
// It runs inside the service: a service crash between the publish and the mark loses the in-memory cursor and
// the batch's state, so after the restart the rows are selected (and published) again — duplicates.
// A batch with a failed publish is not marked: the cursor goes back and the next poll re-reads it.
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import type { PublishingServiceSpec } from "../../scenario/schema.ts";
import type { CommittedRow } from "./database.ts";
import type { PublishingService } from "./service.ts";

type PollingSpec = PublishingServiceSpec["publish"];

/** RelayRead rows' partition column. */
export const enum RelayReadKind {
  Poll = 1,
  Snapshot = 2,
  Stream = 3,
}

export class PollingRelay {
  readonly actorId: number;
  /** The cursor saved with the last mark (durable); `cursor` runs ahead of it while a batch is out. */
  private savedCursor = 0;
  private cursor = 0;
  private batch: CommittedRow[] = [];
  private waiting = 0;
  private failed = false;
  private timer = 0;
  private incarnation = 0;
  private pausedUntilUs = 0;
  private readonly kinds: { poll: number; mark: number };

  constructor(
    private readonly world: World,
    private readonly service: PublishingService,
    private readonly spec: PollingSpec,
  ) {
    this.actorId = world.history.actor(`${service.name}-relay`, "producer");
    this.kinds = { poll: world.sim.registerKind("relay.poll"), mark: world.sim.registerKind("relay.mark") };
  }

  start(): void {
    this.world.history.record(Op.RelayResume, this.world.sim.nowUs, -1, this.actorId, RelayReadKind.Poll, this.savedCursor);
    this.schedule();
  }

  private schedule(): void {
    const at = Math.max(this.world.sim.nowUs + this.spec.interval, this.pausedUntilUs);
    if (at >= this.world.endUs) return;
    this.timer = this.world.sim.at(at, this.poll, undefined, this.kinds.poll, this.actorId);
  }

  /** SELECT ... WHERE <cursor> > :cursor AND NOT published ORDER BY <cursor> LIMIT :batch. */
  private select(): CommittedRow[] {
    const db = this.service.db;
    const out: CommittedRow[] = [];
    if (this.spec.cursor === "id") {
      const rows = [...db.table.values()].filter((r) => r.id > this.cursor && !r.published).sort((a, b) => a.id - b.id);
      return rows.slice(0, this.spec.batchSize);
    }
    for (let lsn = this.cursor + 1; lsn <= db.wal.length && out.length < this.spec.batchSize; lsn++) {
      const r = db.wal[lsn - 1];
      if (!r.published && db.table.has(r.id)) out.push(r);
    }
    return out;
  }

  private readonly poll = (): void => {
    // A batch still out: its completion schedules the next poll.
    if (this.batch.length > 0) return;
    if (this.world.sim.nowUs < this.pausedUntilUs) return this.schedule();
    const rows = this.select();
    if (rows.length === 0) return this.schedule();
    const h = this.world.history;
    const now = this.world.sim.nowUs;
    this.batch = rows;
    this.waiting = rows.length;
    this.failed = false;
    for (const r of rows) {
      this.cursor = Math.max(this.cursor, this.spec.cursor === "id" ? r.id : r.lsn);
      h.record(Op.RelayRead, now, r.msg, this.actorId, RelayReadKind.Poll, this.cursor);
    }
    for (const r of rows) this.service.producer.publish(r.msg);
  };

  /** The producer's outcome for one of the batch's events. */
  recordDone(msg: number, acked: boolean): void {
    if (!this.batch.some((r) => r.msg === msg)) return;
    if (!acked) this.failed = true;
    if (--this.waiting > 0) return;
    if (this.failed) {
      // Not all written: mark nothing, read the batch again next time.
      this.cursor = this.savedCursor;
      this.batch = [];
      return this.schedule();
    }
    const inc = this.incarnation;
    const batch = this.batch;
    this.world.sim.after(this.spec.markLatency, () => {
      if (inc !== this.incarnation) return;
      const now = this.world.sim.nowUs;
      for (const r of batch) {
        this.service.db.markPublished(r.id, this.spec.after === "delete");
        this.world.history.record(Op.RelayMark, now, r.msg, this.actorId, r.id, this.cursor);
      }
      this.savedCursor = this.cursor;
      this.batch = [];
      this.schedule();
    }, undefined, this.kinds.mark, this.actorId);
  }

  crash(): void {
    this.incarnation++;
    this.world.sim.cancel(this.timer);
    this.batch = [];
    this.waiting = 0;
    this.cursor = this.savedCursor;
  }

  restart(): void {
    this.start();
  }

  pause(durationUs: number): void {
    this.pausedUntilUs = this.world.sim.nowUs + durationUs;
  }
}
