// Committed-offset retention at the group coordinator (offsets.retention.minutes, default 7 days; checked every
// offsets.retention.check.interval.ms, default 10 minutes). The rule since Kafka 2.1 (KIP-211,
// GroupMetadata.removeExpiredOffsets), per committed offset with no commit pending:
// - group with members, Stable: only offsets of topics no member subscribes to expire, counted from their
//   commit time;
// - group Empty (no members): every offset expires once the group has been Empty for the retention period;
// - standalone commits (no group management): counted from the commit time.
// Expiry is `now - base >= retention`. A group whose offsets expired starts from auto.offset.reset when its
// members come back.
import { Op } from "../../history/history.ts";
import type { World } from "../../runner/world.ts";
import { commitMsgFor } from "./group-protocol.ts";

export type GroupStateName = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable";

/** What the store needs from the coordinator at a check. */
export interface OffsetOwner {
  readonly committed: Map<string, number>;
  readonly state: GroupStateName;
  /** Topics some member subscribes to (Stable groups keep those). */
  subscribedTopics(): Set<string>;
}

export class OffsetRetention {
  private readonly commitTimeUs = new Map<string, number>();
  private emptySinceUs = 0;
  private timer = 0;
  private kind = -1;
  /** true: commits come without group management (simple consumers), counted from their commit time. */
  standalone = false;

  constructor(
    private readonly world: World,
    private readonly groupActor: number,
    private readonly owner: OffsetOwner,
    private readonly retentionUs: number,
    private readonly checkIntervalUs: number,
  ) {}

  /** Starts the periodic check, only when offsets can expire within the run (else nothing could change). */
  start(): void {
    // (Also when the world has no end: a hand-built test world.)
    if (!(this.retentionUs < this.world.endUs)) return;
    if (this.kind < 0) this.kind = this.world.sim.registerKind("group.offsets-expiry");
    this.timer = this.world.sim.after(this.checkIntervalUs, this.check, undefined, this.kind, this.groupActor);
  }

  /** The coordinator stored a commit for `tpKey` (topic NUL partition, assignors' tpKey) at `nowUs`. */
  committed(tpKey: string, nowUs: number): void {
    this.commitTimeUs.set(tpKey, nowUs);
  }

  /** The group just became Empty (its last member left or was removed). */
  becameEmpty(nowUs: number): void {
    this.emptySinceUs = nowUs;
  }

  /** Offsets that have expired at `nowUs` under the rule above, in the store's order. */
  expired(nowUs: number): string[] {
    const o = this.owner;
    const out: string[] = [];
    const subscribed = o.state === "Stable" && !this.standalone ? o.subscribedTopics() : undefined;
    if (!this.standalone && o.state !== "Empty" && !subscribed) return out;
    for (const k of o.committed.keys()) {
      let base: number;
      if (this.standalone) base = this.commitTimeUs.get(k) ?? 0;
      else if (o.state === "Empty") base = this.emptySinceUs;
      else {
        if (subscribed!.has(k.slice(0, k.lastIndexOf("\u0000")))) continue;
        base = this.commitTimeUs.get(k) ?? 0;
      }
      if (nowUs - base >= this.retentionUs) out.push(k);
    }
    return out;
  }

  private readonly check = (): void => {
    const now = this.world.sim.nowUs;
    const h = this.world.history;
    for (const k of this.expired(now)) {
      const offset = this.owner.committed.get(k)!;
      this.owner.committed.delete(k);
      this.commitTimeUs.delete(k);
      const sep = k.lastIndexOf("\u0000");
      const topicActor = h.actorId(k.slice(0, sep)) ?? -1;
      h.record(Op.OffsetsExpired, now, commitMsgFor(topicActor), this.groupActor, Number(k.slice(sep + 1)), offset, this.groupActor);
    }
    this.timer = this.world.sim.after(this.checkIntervalUs, this.check, undefined, this.kind, this.groupActor);
  };

  stop(): void {
    if (this.timer) this.world.sim.cancel(this.timer);
    this.timer = 0;
  }
}
