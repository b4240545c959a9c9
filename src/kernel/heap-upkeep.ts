// The event queue's rare maintenance passes, kept apart from its hot paths. Both work on the queue's arrays as
// sim.ts lays them out: heap positions 1..size of heapTime (Float64) and heapSlot (Int32), and slot records of
// four Int32 words whose first is the 32-bit insertion sequence.

/** Low bits of a sequence that a handle carries (see sim.ts). */
const GEN_MASK = 2 ** 27 - 1;
const RENUMBER_AT_AGE = 2 ** 30;
const MAX_AGE = 2 ** 31;

/**
 * Keeps only the entries whose slot is `live`, handing the others to `release`, and lays the survivors out in
 * (time, sequence) order, which is a valid heap. Returns the new size. The pop order depends on (time, sequence)
 * alone, so this changes no outcome.
 */
export function compactHeap(
  heapTime: Float64Array,
  heapSlot: Int32Array,
  records: Int32Array,
  size: number,
  live: (slot: number) => boolean,
  release: (slot: number) => void,
): number {
  const positions: number[] = [];
  for (let i = 1; i <= size; i++) {
    if (live(heapSlot[i])) positions.push(i);
    else release(heapSlot[i]);
  }
  positions.sort((a, b) => heapTime[a] - heapTime[b] || (records[heapSlot[a] << 2] - records[heapSlot[b] << 2]) | 0);
  const times = positions.map((i) => heapTime[i]);
  const slots = positions.map((i) => heapSlot[i]);
  heapTime.fill(Infinity, 1, size + 2);
  heapTime.set(times, 1);
  heapSlot.set(slots, 1);
  return positions.length;
}

/**
 * Sequences are compared by wrapping difference, exact while every pending event was inserted fewer than 2^31
 * insertions before `next`. When one was inserted 2^30 or more ago, renumber the pending events from the newest
 * backwards, each to the latest number below its successor that keeps its low 27 bits — so every outstanding
 * handle stays valid, the order is kept, and long gaps shrink to under 2^27. O(pending log pending). Expects no
 * cancelled entries in the heap.
 */
export function renumberOldSequences(records: Int32Array, heapSlot: Int32Array, size: number, next: number): void {
  let oldest = 0;
  for (let i = 1; i <= size; i++) oldest = Math.max(oldest, (next - records[heapSlot[i] << 2]) >>> 0);
  if (oldest < RENUMBER_AT_AGE) return;
  const slots: number[] = [];
  for (let i = 1; i <= size; i++) slots.push(heapSlot[i]);
  slots.sort((a, b) => ((next - records[a << 2]) >>> 0) - ((next - records[b << 2]) >>> 0));
  // Work with ages (insertions before `next`); a smaller age is a later sequence.
  let previousAge = 0;
  for (const slot of slots) {
    const seq = records[slot << 2];
    const age = (next - seq) >>> 0;
    // The smallest age above previousAge whose sequence keeps seq's low 27 bits (never older than it was).
    const wanted = (next - seq) & GEN_MASK;
    let newAge = previousAge - (previousAge & GEN_MASK) + wanted;
    if (newAge <= previousAge) newAge += GEN_MASK + 1;
    if (newAge > age) newAge = age;
    if (newAge >= MAX_AGE) {
      throw new RangeError("events pending across more than 2^31 insertions in distant clusters: the kernel cannot order them");
    }
    records[slot << 2] = (next - newAge) | 0;
    previousAge = newAge;
  }
}
