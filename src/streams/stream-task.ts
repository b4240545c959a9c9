// A stream task: the unit of work for one input partition, with its state store. It runs on whichever
// instance owns the partition in the consumer group. When it lands on an instance that was not running it,
// that instance must first rebuild the store from the changelog: all of it, or only what it misses when it
// holds a warm copy (a standby replica, or its own state from when it last ran the task, if it has not
// crashed since). Restore time = records to replay / restore rate; the task processes nothing meanwhile.
import type { StoreChange } from "./window-aggregation.ts";
import type { Changelog } from "./changelog.ts";

export interface InstanceRef {
  name: string;
  /** How many times the instance had crashed when this was noted: a crash wipes its local state. */
  crashes: number;
}

/** What a task runs: a windowed aggregation or a join, both rebuilt from changelog records. */
export interface TaskProcessor {
  readonly streamTimeMs: number;
  /** Rebuilds the store from changelog records; `fresh` false applies them on top of what it holds (a catch-up). */
  restore(changes: Iterable<StoreChange>, fresh?: boolean): void;
}

export interface RestorePlan {
  records: number;
  fromStandby: boolean;
  durationUs: number;
}

export class StreamTask<P extends TaskProcessor = TaskProcessor> {
  owner: InstanceRef | undefined;
  restoringUntilUs = 0;
  /** Instances holding a standby replica of this task's store, chosen when the active moved. */
  standbys: InstanceRef[] = [];
  /** Changelog offset each former owner's local store was caught up to when it gave the task up. */
  private readonly checkpoints = new Map<string, InstanceRef & { offset: number }>();
  /**
   * Each instance's own copy of the store: a zombie (an instance that lost the task but does not know yet) keeps
   * writing to its copy, never to the new owner's. Created on first use; dropped by a crash or a wipe.
   */
  private readonly copies = new Map<string, P>();
  private current: P;

  constructor(
    readonly partition: number,
    private readonly makeProcessor: () => P,
    readonly changelog: Changelog,
  ) {
    this.current = makeProcessor();
  }

  /** The store of the instance running the task now. */
  get processor(): P {
    return this.current;
  }

  /**
   * exactly_once_v2: the instance's transaction aborted, so its store holds uncommitted changes. Kafka Streams
   * closes the task dirty and wipes its state: the next record makes it restore from the committed changelog.
   */
  wipe(name: string): void {
    this.checkpoints.delete(name);
    this.copies.delete(name);
    if (this.owner?.name === name) this.owner = undefined;
  }

  isOwner(name: string, crashes: number): boolean {
    return this.owner !== undefined && this.owner.name === name && this.owner.crashes === crashes;
  }

  /**
   * The task starts on `to`: what it must replay. A former owner keeps a local checkpoint (a clean hand-off
   * flushes the store) and its own copy, which it brings up to date with the changelog records written since;
   * a crash since then, or never having run the task, means a fresh store replayed from the log start.
   */
  moveTo(to: InstanceRef, restoreRatePerS: number): RestorePlan {
    const end = this.changelog.endOffset(this.partition);
    if (this.owner) this.checkpoints.set(this.owner.name, { ...this.owner, offset: end });
    const standby = this.standbys.some((s) => s.name === to.name && s.crashes === to.crashes);
    const local = this.checkpoints.get(to.name);
    const warm = local !== undefined && local.crashes === to.crashes && this.copies.has(to.name);
    const from = standby ? end : warm ? local.offset : this.changelog.startOffset(this.partition);
    // A restore from the log start reads the compacted changelog: the cleaned part holds one record per key.
    const records = !standby && !warm ? this.changelog.compactedRecords(this.partition).after : Math.max(0, end - from);
    this.owner = { ...to };
    if (warm) {
      this.current = this.copies.get(to.name)!;
      this.current.restore(this.changelog.replay(this.partition, local.offset), false);
    } else {
      this.current = this.makeProcessor();
      this.copies.set(to.name, this.current);
      this.current.restore(this.changelog.replay(this.partition));
    }
    return { records, fromStandby: standby, durationUs: Math.round((records / restoreRatePerS) * 1e6) };
  }
}
