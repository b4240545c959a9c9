// Per consumer group measurements fed while the run goes: lag per partition sampled per time bucket (same
// buckets as the collector), rebalance markers with their cause and duration, how long partitions had no
// owner (the group could not consume them), and, per fault, how long the group took to get its lag back
// under the scenario's threshold. Bounded memory: crossings of the threshold, not every lag change.
import type { GroupRunMetrics, RebalanceMarker } from "../report/result-types.ts";

/** Per-partition series are kept only up to this many partitions, so result.json stays small. */
export const MAX_PARTITION_SERIES = 64;

export class GroupMetrics {
  private readonly markers: RebalanceMarker[] = [];
  private openMarker: RebalanceMarker | undefined;
  private readonly partLag: Float64Array[];
  private readonly partLagNow: Float64Array;
  private readonly partBucket: Int32Array;
  /** Owners per partition and since when it has had none (-1: owned). */
  private readonly owners: Int32Array;
  private readonly unownedSince: Float64Array;
  private unownedUsTotal = 0;
  /** Which partitions exist yet (those added at run time join later), and how many. */
  private readonly exists: Uint8Array;
  private existing: number;
  /** Existing partitions without an owner right now; all of them start unowned, at time 0. */
  private unownedCount: number;
  private noneOwnedSince = 0;
  private noneOwnedUs = 0;
  /** Times the group lag crossed the threshold: [timeUs, 1 = went above / 0 = came back under]. */
  private readonly crossings: [number, number][] = [];
  private above = false;
  private readonly faults: { label: string; atUs: number }[] = [];
  private readonly keepSeries: boolean;

  constructor(
    readonly group: string,
    readonly partitions: { topic: string; partition: number }[],
    private readonly bucketUs: number,
    private readonly bucketCount: number,
    readonly lagThreshold: number,
    readonly protocol: "eager" | "cooperative" | "consumer",
    /** Indices of the partitions that exist at the start; all of them when omitted. */
    existingAtStart?: ReadonlySet<number>,
  ) {
    const n = partitions.length;
    this.exists = new Uint8Array(n).map((_, i) => (existingAtStart === undefined || existingAtStart.has(i) ? 1 : 0));
    this.existing = this.exists.reduce((a, b) => a + b, 0);
    this.keepSeries = n <= MAX_PARTITION_SERIES;
    this.partLag = this.keepSeries ? partitions.map(() => new Float64Array(bucketCount)) : [];
    this.partLagNow = new Float64Array(n);
    this.partBucket = new Int32Array(n);
    this.owners = new Int32Array(n);
    this.unownedSince = new Float64Array(n).fill(0);
    this.unownedCount = this.existing;
  }

  /** Partition i was added to its topic: from now on it counts as a partition the group should own. */
  partitionCreated(i: number, timeUs: number): void {
    if (this.exists[i] === 1) return;
    this.exists[i] = 1;
    // Unowned from its creation; "every partition unowned" neither starts nor ends by adding one more.
    if (this.unownedCount === this.existing) this.noneOwnedSince = this.existing === 0 ? timeUs : this.noneOwnedSince;
    this.existing++;
    this.unownedCount++;
    this.unownedSince[i] = timeUs;
  }

  private bucketOf(timeUs: number): number {
    return Math.min(this.bucketCount - 1, Math.floor(timeUs / this.bucketUs));
  }

  onPartitionLag(i: number, records: number, timeUs: number): void {
    if (this.keepSeries) {
      const b = this.bucketOf(timeUs);
      const s = this.partLag[i];
      for (let k = this.partBucket[i]; k < b; k++) s[k] = this.partLagNow[i];
      this.partBucket[i] = b;
      s[b] = records;
    }
    this.partLagNow[i] = records;
  }

  onGroupLag(records: number, timeUs: number): void {
    const above = records > this.lagThreshold;
    if (above === this.above) return;
    this.above = above;
    this.crossings.push([timeUs, above ? 1 : 0]);
  }

  /** Owner count of partition i changed by delta (+1 assigned, -1 revoked or lost). */
  onOwner(i: number, delta: number, timeUs: number): void {
    const before = this.owners[i];
    const after = before + delta;
    this.owners[i] = after;
    if (before > 0 && after === 0) {
      this.unownedSince[i] = timeUs;
      if (++this.unownedCount === this.existing) this.noneOwnedSince = timeUs;
    } else if (before === 0 && after > 0) {
      this.unownedUsTotal += timeUs - this.unownedSince[i];
      if (this.unownedCount-- === this.existing) this.noneOwnedUs += timeUs - this.noneOwnedSince;
    }
  }

  rebalanceStarted(timeUs: number, cause: string, generation: number): void {
    if (this.openMarker) return;
    this.openMarker = { group: this.group, generation, startUs: timeUs, endUs: timeUs, cause, protocol: this.protocol };
  }

  rebalanceEnded(timeUs: number, generation: number): void {
    const m = this.openMarker;
    if (!m) return;
    m.endUs = timeUs;
    m.generation = generation;
    this.markers.push(m);
    this.openMarker = undefined;
  }

  fault(label: string, atUs: number): void {
    this.faults.push({ label, atUs });
  }

  finish(endUs: number, externalFaults: { label: string; startUs: number }[]): GroupRunMetrics {
    if (this.openMarker) this.rebalanceEnded(endUs, this.openMarker.generation);
    let unowned = this.unownedUsTotal;
    for (let i = 0; i < this.partitions.length; i++) if (this.exists[i] === 1 && this.owners[i] === 0) unowned += endUs - this.unownedSince[i];
    let none = this.noneOwnedUs;
    if (this.existing > 0 && this.unownedCount === this.existing) none += endUs - this.noneOwnedSince;
    if (this.keepSeries) {
      for (let i = 0; i < this.partitions.length; i++) for (let k = this.partBucket[i] + 1; k < this.bucketCount; k++) this.partLag[i][k] = this.partLagNow[i];
    }
    // The fault schedule's windows name the same crashes the model saw; keep one entry per instant, theirs first.
    const seen = new Set<string>();
    const faults = [...externalFaults.map((f) => ({ label: f.label, atUs: f.startUs })), ...this.faults]
      .filter((f) => {
        const k = `${f.atUs}|${f.label.split(" (")[0]}`;
        return !seen.has(k) && (seen.add(k), true);
      })
      .sort((a, b) => a.atUs - b.atUs || (a.label < b.label ? -1 : 1));
    const recovery = faults.map((f, i) => {
      const untilUs = i + 1 < faults.length ? faults[i + 1].atUs : endUs;
      return { fault: f.label, atUs: f.atUs, recoveredAfterUs: this.recoveryAfter(f.atUs, untilUs, endUs) };
    });
    return {
      group: this.group,
      protocol: this.protocol,
      rebalances: this.markers.length,
      rebalanceUs: this.markers.reduce((s, m) => s + (m.endUs - m.startUs), 0),
      notConsumingUs: none,
      partitionUnownedUs: unowned,
      markers: this.markers,
      lagThreshold: this.lagThreshold,
      recovery,
      partitionLag: this.keepSeries ? this.partitions.map((p, i) => ({ topic: p.topic, partition: p.partition, values: Array.from(this.partLag[i]) })) : undefined,
    };
  }

  /**
   * Time from a fault until the lag is back at or under the threshold: 0 when it never went above before the
   * next fault, null when it was still above at the end of the run.
   */
  private recoveryAfter(atUs: number, untilUs: number, endUs: number): number | null {
    let above = false;
    for (const [t, up] of this.crossings) {
      if (t > atUs) break;
      above = up === 1;
    }
    let wentAbove = above;
    for (const [t, up] of this.crossings) {
      if (t <= atUs) continue;
      if (up === 1) {
        if (t >= untilUs && !wentAbove) return 0;
        wentAbove = true;
      } else if (wentAbove) return t - atUs;
    }
    if (!wentAbove) return 0;
    return endUs >= atUs && !this.above ? endUs - atUs : null;
  }
}
