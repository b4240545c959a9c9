// Counts values in the layout of an HDR histogram of 3 significant digits (lowest discernible value 1), then hands
// them to a real one a count at a time. Each recordValue into the WebAssembly histogram crosses into wasm through
// a generic wrapper; the breakdown records 6-7 values per processed record, and a count per distinct slot is the
// same histogram. Integers below 2048 each have a slot; above, each power-of-two range [2^k, 2^(k+1)) has 1024
// equal slots — the histogram's own sub-buckets, so the counts, total, mean and percentiles are the ones recording
// every value gives. The smallest non-zero value and the largest are recorded as themselves, so min and max are
// exact too. A value outside the integers below 2^31 (none in a run of under 35 minutes) is recorded as it is.
import type * as hdr from "hdr-histogram-js";

/** Slots of integers below 2^31: bucket b (1..20) holds sub-buckets 1024..2047 at (b << 10) + sub. */
const SLOTS = (20 << 10) + 2048;

function slotOf(v: number): number {
  if (v < 2048) return v;
  const b = 21 - Math.clz32(v);
  return (b << 10) + (v >>> b);
}

/** The smallest value of a slot (a value the histogram puts in that slot). */
function valueOf(slot: number): number {
  if (slot < 2048) return slot;
  const b = (slot >>> 10) - 1;
  // Below 2^11 shifted by at most 20: within 32 bits.
  return (slot - (b << 10)) << b;
}

export class HdrTally {
  private readonly counts = new Uint32Array(SLOTS);
  // Room for every slot from the start (pages are only touched as used): a field assigned again later makes the
  // optimised code that read it as a constant start over.
  private readonly touched = new Int32Array(SLOTS);
  private touchedCount = 0;
  private minNonZero = Infinity;
  private max = -Infinity;
  /** Values outside the slots, recorded one by one. */
  private readonly others: number[] = [];
  totalCount = 0;

  record(v: number): void {
    this.totalCount++;
    if (!(v >= 0 && v <= 0x7fffffff && v === Math.floor(v))) {
      this.others.push(v);
      return;
    }
    const slot = slotOf(v);
    if (this.counts[slot]++ === 0) this.touched[this.touchedCount++] = slot;
    if (v > this.max) this.max = v;
    if (v !== 0 && v < this.minNonZero) this.minNonZero = v;
  }

  /** Adds every value counted so far to `h` (in any order: a histogram's state does not depend on it). */
  addTo(h: hdr.Histogram): void {
    const minSlot = this.minNonZero === Infinity ? -1 : slotOf(this.minNonZero);
    const maxSlot = this.max === -Infinity ? -1 : slotOf(this.max);
    for (let i = 0; i < this.touchedCount; i++) {
      const slot = this.touched[i];
      const c = this.counts[slot];
      if (slot === minSlot && slot === maxSlot) {
        if (c > 1) h.recordValueWithCount(this.minNonZero, c - 1);
        h.recordValue(this.max);
      } else if (slot === minSlot) h.recordValueWithCount(this.minNonZero, c);
      else if (slot === maxSlot) h.recordValueWithCount(this.max, c);
      else h.recordValueWithCount(valueOf(slot), c);
    }
    for (const v of this.others) h.recordValue(v);
  }

  reset(): void {
    for (let i = 0; i < this.touchedCount; i++) this.counts[this.touched[i]] = 0;
    this.touchedCount = 0;
    this.totalCount = 0;
    this.minNonZero = Infinity;
    this.max = -Infinity;
    this.others.length = 0;
  }
}
