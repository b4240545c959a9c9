// A yardstick for the kernel benchmark, not a queue anyone should use: a bare binary min-heap of event times in a
// Float64Array, driven by the same hold model and the same Rng draw per event. It has none of the kernel's work
// (no insertion-order tie-break, no handler dispatch, no slot records, no handles, no fingerprint), so its rate is
// close to the ceiling a JS heap reaches on this machine in this minute. This host's speed drifts by ±30% between
// runs; the kernel's rate divided by this one, measured back to back, drifts much less.
import { Rng } from "../src/kernel/rng.ts";

export class BareHeap {
  private size = 0;
  private readonly time: Float64Array;

  constructor(capacity: number) {
    this.time = new Float64Array(capacity + 1);
  }

  get pending(): number {
    return this.size;
  }

  push(t: number): void {
    const time = this.time;
    let i = ++this.size;
    while (i > 1) {
      const parent = i >> 1;
      const parentTime = time[parent];
      if (parentTime <= t) break;
      time[i] = parentTime;
      i = parent;
    }
    time[i] = t;
  }

  pop(): number {
    const time = this.time;
    const top = time[1];
    const last = time[this.size--];
    const size = this.size;
    let i = 1;
    for (;;) {
      let child = i << 1;
      if (child > size) break;
      let childTime = time[child];
      if (child < size && time[child + 1] < childTime) childTime = time[++child];
      if (last <= childTime) break;
      time[i] = childTime;
      i = child;
    }
    time[i] = last;
    return top;
  }
}

/** The kernel benchmark's hold model on the bare heap: returns a function that runs n more events. */
export function bareHold(rng: Rng, pending: number, meanDelayUs: number): (events: number) => void {
  const heap = new BareHeap(pending + 1);
  for (let i = 0; i < pending; i++) heap.push(Math.floor(rng.next() * meanDelayUs));
  return (events) => {
    for (let e = 0; e < events; e++) {
      const now = heap.pop();
      heap.push(now + Math.floor(rng.exponential(meanDelayUs)));
    }
  };
}
