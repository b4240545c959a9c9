// Side tables of the event queue. A pending event names its handler by a 20-bit index and, when its argument is
// not an integer, boolean or undefined, holds an index into the argument table; the queue's records stay plain
// Int32 words, with no pointer per event for the garbage collector to trace or the write barrier to track.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (arg: any) => void;

const MAX_HANDLERS = 1 << 20;
const FIRST_SWEEP_AT = 1024;
/** Index 0 means "no handler" (a free or cancelled slot). */
const NO_HANDLER = 0;
/**
 * For a function not interned (seen once, or all 2^20 - 2 indices in use by pending events): the event's argument
 * becomes [fn, arg] and this entry calls fn(arg).
 */
export const TRAMPOLINE_INDEX = 1;

function trampoline(pair: [Handler, unknown]): void {
  pair[0](pair[1]);
}

/**
 * Interns handler functions by identity (a Map; the functions themselves are never touched: a property stored
 * on them measured 2-9x slower per event, V8 deoptimised the loads). Models schedule a handful of long-lived
 * functions (bound methods); one-off closures get an index too, and indices no pending event names are
 * reclaimed by a sweep over the queue when the table fills up. The threshold doubles when a sweep frees less
 * than half or the queue is larger than the table, so sweeps cost O(1) amortised per new handler.
 */
export class HandlerTable {
  readonly fns: Array<Handler | null> = [null, trampoline];
  private readonly free: number[] = [];
  private readonly indexByFn = new Map<Handler, number>();
  private sweepAt = FIRST_SWEEP_AT;
  /** Sweeps so far: indices freed by a sweep may be handed to other functions. */
  sweeps = 0;

  /** Functions the table holds now. */
  get size(): number {
    return this.indexByFn.size;
  }

  get allocatedBytes(): number {
    // A Map entry takes about three words plus its share of the hash table.
    return 8 * (this.fns.length + this.free.length) + 32 * this.indexByFn.size;
  }

  /** The function's index, or NO_HANDLER when this table does not hold it (never seen, or reclaimed). */
  indexOf(fn: Handler): number {
    return this.indexByFn.get(fn) ?? NO_HANDLER;
  }

  /**
   * Interns fn; heap positions 1..size of heapSlot and the slot records (code word at 4 * slot + 2) tell a
   * sweep which indices are still in use.
   */
  add(fn: Handler, heapSlot: Int32Array, records: Int32Array, size: number): number {
    if (typeof fn !== "function") throw new TypeError(`an event handler must be a function, got ${fn === null ? "null" : typeof fn}`);
    let index = this.free.pop();
    if (index === undefined && this.fns.length >= this.sweepAt) {
      this.sweep(heapSlot, records, size);
      index = this.free.pop();
    }
    if (index === undefined) {
      if (this.fns.length >= MAX_HANDLERS) return TRAMPOLINE_INDEX;
      index = this.fns.length;
      this.fns.push(fn);
    } else {
      this.fns[index] = fn;
    }
    this.indexByFn.set(fn, index);
    return index;
  }

  private sweep(heapSlot: Int32Array, records: Int32Array, size: number): void {
    this.sweeps++;
    const inUse = new Uint8Array(this.fns.length);
    for (let i = 1; i <= size; i++) inUse[records[(heapSlot[i] << 2) + 2] & (MAX_HANDLERS - 1)] = 1;
    let freed = 0;
    for (let index = TRAMPOLINE_INDEX + 1; index < this.fns.length; index++) {
      const fn = this.fns[index];
      if (inUse[index] === 0 && fn !== null) {
        this.indexByFn.delete(fn);
        this.fns[index] = null;
        this.free.push(index);
        freed++;
      }
    }
    if (2 * freed < this.sweepAt || size > this.sweepAt) this.sweepAt = Math.min(2 * this.sweepAt, MAX_HANDLERS);
  }
}

/** Arguments that do not fit an Int32 word, by index; indices are reused through a free stack. */
export class ArgTable {
  private readonly values: unknown[] = [];
  private readonly free: number[] = [];

  get allocatedBytes(): number {
    return 8 * (this.values.length + this.free.length);
  }

  put(value: unknown): number {
    const index = this.free.pop();
    if (index === undefined) return this.values.push(value) - 1;
    this.values[index] = value;
    return index;
  }

  take(index: number): unknown {
    const value = this.values[index];
    this.values[index] = undefined;
    this.free.push(index);
    return value;
  }
}
