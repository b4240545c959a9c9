// Amazon SQS FIFO queue (semantics.md §4). Strict order within a message group (the producer's key), groups
// independent: while any message of a group is in flight no later message of that group is handed out, and
// a message that comes back (visibility timeout, ChangeMessageVisibility 0) is first again. One receive may
// take several in-order messages of a group and then other groups. A send whose deduplication id was seen in
// the last 5 minutes is answered with success but not enqueued — also after the first copy was deleted.
import { Op } from "../../history/history.ts";
import { Deque } from "./deque.ts";
import { SqsQueue } from "./sqs-queue.ts";
import { DeadLetterReason, type QueueMessage } from "./queue-types.ts";

export const FIFO_DEDUP_WINDOW_US = 300_000_000;

interface Group {
  readonly key: number;
  readonly messages: Deque<QueueMessage>;
  inFlight: number;
  /** Already in the ready-groups list. */
  listed: boolean;
}

export class SqsFifoQueue extends SqsQueue {
  private readonly groups = new Map<number, Group>();
  private readonly readyGroups = new Deque<Group>();
  /** Deduplication id → when it stops deduplicating. Insertion order is expiry order (constant window). */
  private readonly dedup = new Map<string, number>();
  /** FIFO: at the in-flight cap a receive just returns nothing, with no error. */
  protected override readonly overLimitErrors: boolean = false;
  readonly deduplicates = true;

  override enqueue(msg: number, key: number, sentUs: number, opts?: { ttlUs?: number; dedupId?: string }): boolean {
    const now = this.sim.nowUs;
    for (const [id, until] of this.dedup) {
      if (until > now) break;
      this.dedup.delete(id);
    }
    const dedupId = opts?.dedupId ?? `m-${msg}`;
    if (this.dedup.has(dedupId)) {
      this.history.record(Op.QueueDeduplicated, now, msg, this.actorId);
      this.metrics.deduplicated++;
      return false;
    }
    this.dedup.set(dedupId, now + FIFO_DEDUP_WINDOW_US);
    return super.enqueue(msg, key, sentUs, opts);
  }

  protected override expiryFor(sentUs: number, _ttl: number | undefined, moved: boolean): number {
    // A FIFO dead-letter queue resets the enqueue time.
    return (moved ? this.sim.nowUs : sentUs) + this.config.retentionUs;
  }

  private group(key: number): Group {
    let g = this.groups.get(key);
    if (!g) {
      g = { key, messages: new Deque<QueueMessage>(), inFlight: 0, listed: false };
      this.groups.set(key, g);
    }
    return g;
  }

  /** Drops entries that left by another path from the front; true if a deliverable head remains. */
  private headReady(g: Group): boolean {
    for (;;) {
      const h = g.messages.peek();
      if (h === undefined) return false;
      if (this.live(h)) return h.holder === -1;
      g.messages.shift();
    }
  }

  private list(g: Group): void {
    if (!g.listed && g.inFlight === 0 && this.headReady(g)) {
      g.listed = true;
      this.readyGroups.push(g);
    }
  }

  protected override addReady(m: QueueMessage, returned: boolean): void {
    const g = this.group(m.key);
    // A returned message never left its group's list, so it is first again by construction.
    if (!returned) g.messages.push(m);
    this.list(g);
  }

  protected override take(max: number, _short: boolean): QueueMessage[] {
    const out = this.pickList();
    const want = Math.min(max, this.config.inFlightLimit - this.inFlightCount);
    while (out.length < want && this.readyGroups.size > 0) {
      const g = this.readyGroups.shift()!;
      g.listed = false;
      if (g.inFlight > 0 || !this.headReady(g)) continue;
      for (let i = 0; i < g.messages.size && out.length < want; i++) {
        const m = g.messages.at(i);
        if (!this.live(m) || m.holder !== -1) continue;
        if (this.sim.nowUs >= m.expiresAtUs) {
          this.deadLetter(m, DeadLetterReason.Retention, true);
          continue;
        }
        out.push(m);
      }
    }
    return out;
  }

  protected override onHandedOut(m: QueueMessage): void {
    this.group(m.key).inFlight++;
  }

  protected override onReleased(m: QueueMessage): void {
    const g = this.group(m.key);
    g.inFlight--;
    // The group unblocks once nothing of it is in flight; list it after the release settles.
    if (g.inFlight === 0) this.sim.after(0, this.relist, g);
  }

  private readonly relist = (g: Group): void => {
    this.list(g);
    this.dispatch();
  };

  /** Redrive and dead-lettering also free the group if the message was its only one in flight. */
  protected override deadLetter(m: QueueMessage, reason: DeadLetterReason, wasReady: boolean): void {
    super.deadLetter(m, reason, wasReady);
    const g = this.groups.get(m.key);
    if (g) this.list(g);
  }
}
